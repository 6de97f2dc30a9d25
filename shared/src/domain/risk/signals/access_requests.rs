//! Access requests: `access` tickets the leaver's own account raised in the
//! last 14 days. Someone on their way out asking for more access (a share,
//! a system, a VPN profile) is worth a look; three or more score it fully.

use crate::domain::leavers::format_date;
use crate::domain::risk::{Finding, RiskInput, Signal};

pub struct AccessRequests;

/// Days counted as "recent".
const RECENT_DAYS: i64 = 14;
/// This many requests score the full weight.
const FULL_AT: u32 = 3;

impl Signal for AccessRequests {
    fn id(&self) -> &'static str {
        "access_requests"
    }
    fn label(&self) -> &'static str {
        "Access requested in the last 14 days"
    }
    fn default_weight(&self) -> u32 {
        15
    }
    fn evaluate(&self, i: &RiskInput) -> Option<Finding> {
        let recent: u32 = (0..RECENT_DAYS)
            .map(|d| i.access_requests.get(&format_date(i.today - time::Duration::days(d))).copied().unwrap_or(0))
            .sum();
        if recent == 0 {
            return None;
        }
        let fraction = (recent.min(FULL_AT) as f64) / FULL_AT as f64;
        let plural = if recent == 1 { "" } else { "s" };
        Some(Finding::new(fraction, format!("{recent} access ticket{plural} raised in the last 14 days")))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::domain::leavers::{AccessLevel, Reason};

    fn input<'a>(
        today: time::Date,
        requests: &'a BTreeMap<String, u32>,
        empty: &'a BTreeMap<String, u32>,
    ) -> RiskInput<'a> {
        RiskInput {
            today,
            leave_date: today,
            reason: Reason::Resignation,
            access_level: AccessLevel::Standard,
            department: "Ops",
            sensitive_department: false,
            checklist: &[],
            linked_role: None,
            post_leave_activity: None,
            downloads: empty,
            access_requests: requests,
            after_hours: None,
            held: None,
        }
    }

    #[test]
    fn recent_access_tickets_count_and_older_ones_do_not() {
        let today = time::macros::date!(2026 - 11 - 30);
        let empty = BTreeMap::new();
        let none = AccessRequests.evaluate(&input(today, &empty, &empty));
        assert!(none.is_none());
        let old: BTreeMap<String, u32> = [("2026-11-16".to_string(), 5)].into();
        assert!(AccessRequests.evaluate(&input(today, &old, &empty)).is_none(), "15 days ago is not recent");
        let one: BTreeMap<String, u32> = [("2026-11-17".to_string(), 1)].into();
        let f = AccessRequests.evaluate(&input(today, &one, &empty)).unwrap();
        assert!((f.fraction - 1.0 / 3.0).abs() < 1e-9);
        assert_eq!(f.evidence, vec!["1 access ticket raised in the last 14 days".to_string()]);
        let many: BTreeMap<String, u32> = [("2026-11-30".to_string(), 2), ("2026-11-20".to_string(), 4)].into();
        assert_eq!(AccessRequests.evaluate(&input(today, &many, &empty)).unwrap().fraction, 1.0);
    }
}
