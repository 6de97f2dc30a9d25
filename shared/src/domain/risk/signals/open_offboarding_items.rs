//! Offboarding steps still open after the leave date: access that should
//! be gone, devices still out.

use crate::domain::risk::{Finding, RiskInput, Signal};

pub struct OpenOffboardingItems;

impl Signal for OpenOffboardingItems {
    fn id(&self) -> &'static str {
        "open_offboarding_items"
    }
    fn label(&self) -> &'static str {
        "Offboarding items open after the leave date"
    }
    fn default_weight(&self) -> u32 {
        25
    }
    fn evaluate(&self, i: &RiskInput) -> Option<Finding> {
        if i.days_to_leave() >= 0 || i.checklist.is_empty() {
            return None;
        }
        let open: Vec<&str> = i.checklist.iter().filter(|c| !c.done).map(|c| c.label.as_str()).collect();
        if open.is_empty() {
            return None;
        }
        let mut f = Finding::new(
            open.len() as f64 / i.checklist.len() as f64,
            format!("{} of {} items open after the leave date", open.len(), i.checklist.len()),
        );
        f.evidence.extend(open.iter().map(|l| format!("open: {l}")));
        Some(f)
    }
}
