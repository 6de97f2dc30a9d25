//! After-hours activity: the leaver's shifts outside the company's working
//! hours in the last 14 days against their own baseline (the 76 days
//! before). Someone who always works nights is not flagged; someone who
//! starts coming in at night before they leave is, with the shifts as
//! evidence.

use crate::domain::leavers::format_date;
use crate::domain::risk::{against_baseline, AgainstBaseline, Finding, RiskInput, Signal, RECENT_DAYS};

pub struct AfterHoursActivity;

/// Recent shifts at this multiple of the baseline score the full weight.
const FULL_AT_MULTIPLE: f64 = 4.0;
/// Shifts named in the evidence, at most.
const NAMED: usize = 5;

impl Signal for AfterHoursActivity {
    fn id(&self) -> &'static str {
        "after_hours_activity"
    }
    fn label(&self) -> &'static str {
        "Shifts outside working hours above the person's baseline"
    }
    fn default_weight(&self) -> u32 {
        10
    }
    fn evaluate(&self, i: &RiskInput) -> Option<Finding> {
        let ah = i.after_hours?;
        let day = |d: i64| format_date(i.today - time::Duration::days(d));
        let AgainstBaseline { recent, baseline, expected, ratio } = against_baseline(&ah.per_day, i.today);
        if recent == 0 || ratio <= 1.0 {
            return None;
        }
        let since = day(RECENT_DAYS - 1);
        let shifts: Vec<&str> = ah
            .recent
            .iter()
            .rev()
            .filter(|s| s.get(..10).is_some_and(|d| d >= since.as_str()))
            .take(NAMED)
            .map(String::as_str)
            .collect();
        let named = if shifts.is_empty() { String::new() } else { format!(": {}", shifts.join(", ")) };
        let plural = if recent == 1 { "" } else { "s" };
        Some(Finding::new(
            ((ratio - 1.0) / (FULL_AT_MULTIPLE - 1.0)).min(1.0),
            format!(
                "{recent} shift{plural} outside working hours in the last 14 days; baseline {expected:.1} per 14 days ({baseline} in the 76 days before){named}"
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::domain::leavers::{AccessLevel, Reason};
    use crate::domain::risk::AfterHours;

    fn eval(per_day: &[(&str, u32)], recent: &[&str]) -> Option<Finding> {
        let today = time::macros::date!(2026 - 11 - 30);
        let empty = BTreeMap::new();
        let ah = AfterHours {
            per_day: per_day.iter().map(|(d, n)| (d.to_string(), *n)).collect(),
            recent: recent.iter().map(|s| s.to_string()).collect(),
        };
        let input = RiskInput {
            today,
            leave_date: today,
            reason: Reason::Resignation,
            access_level: AccessLevel::Standard,
            department: "Ops",
            sensitive_department: false,
            checklist: &[],
            linked_role: None,
            post_leave_activity: None,
            downloads: &empty,
            access_requests: &empty,
            held: None,
            after_hours: Some(&ah),
        };
        AfterHoursActivity.evaluate(&input)
    }

    #[test]
    fn new_night_shifts_score_with_the_shifts_as_evidence() {
        let f = eval(
            &[("2026-11-20", 1), ("2026-11-27", 2), ("2026-11-28", 1)],
            &["2026-08-01 22:00–23:00", "2026-11-20 22:10–23:40", "2026-11-27 21:00–23:30"],
        )
        .expect("four recent shifts with no baseline");
        assert_eq!(f.fraction, 1.0, "4 against a floor of 1 is the full multiple");
        let e = f.evidence.join(" ");
        assert!(e.contains("4 shifts outside working hours"), "{e}");
        assert!(e.contains("2026-11-27 21:00–23:30, 2026-11-20 22:10–23:40"), "{e}");
        assert!(!e.contains("2026-08-01"), "older shifts are not named: {e}");
    }

    #[test]
    fn a_steady_night_worker_is_not_flagged_and_nothing_is_nothing() {
        // Two a week for three months: the last 14 days are the baseline.
        let days: Vec<(String, u32)> = (0..90)
            .filter(|d| d % 7 < 2)
            .map(|d| (format_date(time::macros::date!(2026 - 11 - 30) - time::Duration::days(d)), 1))
            .collect();
        let refs: Vec<(&str, u32)> = days.iter().map(|(d, n)| (d.as_str(), *n)).collect();
        assert!(eval(&refs, &[]).is_none(), "a steady baseline");
        assert!(eval(&[], &[]).is_none());
        assert!(eval(&[("2026-11-01", 3)], &[]).is_none(), "only older shifts");
    }
}
