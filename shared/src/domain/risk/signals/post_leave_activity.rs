//! Any sign-in or API call by the leaver's account after the leave date:
//! critical at once, whatever the score.

use crate::domain::risk::{Finding, Level, RiskInput, Signal};

pub struct PostLeaveActivity;

impl Signal for PostLeaveActivity {
    fn id(&self) -> &'static str {
        "post_leave_activity"
    }
    fn label(&self) -> &'static str {
        "Account used after the leave date"
    }
    fn default_weight(&self) -> u32 {
        40
    }
    fn evaluate(&self, i: &RiskInput) -> Option<Finding> {
        let a = i.post_leave_activity?;
        let mut f = Finding::new(1.0, format!("{} at {} from {}", a.what, a.at, a.source_ip));
        f.forces = Some(Level::Critical);
        Some(f)
    }
}
