//! Document downloads and exports in the last 14 days against the
//! person's own earlier baseline (days 15 to 90 before today): a leaver
//! gathering files is a classic pattern.

use crate::domain::leavers::format_date;
use crate::domain::risk::{Finding, RiskInput, Signal};

pub struct DocumentDownloads;

/// Days counted as "recent".
const RECENT_DAYS: i64 = 14;
/// Days of history the baseline averages over (after the recent ones).
const BASELINE_DAYS: i64 = 76;
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
        let count = |from: i64, to: i64| -> u32 {
            (from..to)
                .map(|d| i.downloads.get(&format_date(i.today - time::Duration::days(d))).copied().unwrap_or(0))
                .sum()
        };
        let recent = count(0, RECENT_DAYS);
        if recent == 0 {
            return None;
        }
        let baseline = count(RECENT_DAYS, RECENT_DAYS + BASELINE_DAYS);
        let expected = (baseline as f64 / BASELINE_DAYS as f64 * RECENT_DAYS as f64).max(1.0);
        let ratio = recent as f64 / expected;
        if ratio <= 1.0 {
            return None;
        }
        let fraction = ((ratio - 1.0) / (FULL_AT_MULTIPLE - 1.0)).min(1.0);
        Some(Finding::new(
            fraction,
            format!("{recent} downloads in the last 14 days; baseline {expected:.1} per 14 days ({baseline} in the 76 days before)"),
        ))
    }
}
