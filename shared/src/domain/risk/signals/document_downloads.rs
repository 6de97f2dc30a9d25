//! Document downloads and exports in the last 14 days against the
//! person's own earlier baseline (days 15 to 90 before today): a leaver
//! gathering files is a classic pattern.

use crate::domain::leavers::format_date;
use crate::domain::risk::{against_baseline, AgainstBaseline, Finding, RiskInput, Signal, BASELINE_DAYS, RECENT_DAYS};

pub struct DocumentDownloads;

/// Days of per-day counters worth keeping: older ones count for nothing.
pub const KEPT_DAYS: i64 = RECENT_DAYS + BASELINE_DAYS;

/// Of the days `counted` (YYYY-MM-DD), those too old to count on `today`,
/// at most `max` of them (oldest first), to remove.
pub fn stale_days<'a>(counted: impl IntoIterator<Item = &'a String>, today: time::Date, max: usize) -> Vec<&'a String> {
    let oldest_kept = format_date(today - time::Duration::days(KEPT_DAYS - 1));
    let mut stale: Vec<&String> = counted.into_iter().filter(|d| d.as_str() < oldest_kept.as_str()).collect();
    stale.sort();
    stale.truncate(max);
    stale
}
/// Recent activity at this multiple of the baseline scores the full weight.
const FULL_AT_MULTIPLE: f64 = 5.0;

impl Signal for DocumentDownloads {
    fn id(&self) -> &'static str {
        "document_downloads"
    }
    fn label(&self) -> &'static str {
        "Document downloads above the person's baseline"
    }
    fn default_weight(&self) -> u32 {
        20
    }
    fn evaluate(&self, i: &RiskInput) -> Option<Finding> {
        let AgainstBaseline { recent, baseline, expected, ratio } = against_baseline(i.downloads, i.today);
        if recent == 0 || ratio <= 1.0 {
            return None;
        }
        let fraction = ((ratio - 1.0) / (FULL_AT_MULTIPLE - 1.0)).min(1.0);
        Some(Finding::new(
            fraction,
            format!("{recent} downloads in the last 14 days; baseline {expected:.1} per 14 days ({baseline} in the 76 days before)"),
        ))
    }
}

#[cfg(test)]
mod pruning_tests {
    use super::*;

    #[test]
    fn only_days_older_than_the_window_are_stale_oldest_first_and_bounded() {
        let today = time::macros::date!(2026 - 11 - 30);
        let days: Vec<String> = ["2026-11-30", "2026-09-02", "2026-09-01", "2026-08-31", "2025-01-01", "2026-03-15"]
            .map(String::from)
            .into();
        // 90 days are kept: 2026-09-02 to 2026-11-30.
        let stale: Vec<&str> = stale_days(&days, today, 10).into_iter().map(String::as_str).collect();
        assert_eq!(stale, vec!["2025-01-01", "2026-03-15", "2026-08-31", "2026-09-01"]);
        assert_eq!(stale_days(&days, today, 2).len(), 2, "at most max at a time");
        assert!(stale_days(&days, today, 0).is_empty());
    }
}
