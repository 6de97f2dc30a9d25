//! The nearer the leave date (or the more recently passed), the more risk:
//! data theft clusters in the last weeks of employment.

use crate::domain::risk::{Finding, RiskInput, Signal};

pub struct LeaveDateClose;

impl Signal for LeaveDateClose {
    fn id(&self) -> &'static str {
        "leave_date_close"
    }
    fn label(&self) -> &'static str {
        "Leave date is close"
    }
    fn default_weight(&self) -> u32 {
        25
    }
    fn evaluate(&self, i: &RiskInput) -> Option<Finding> {
        let d = i.days_to_leave();
        let fraction = match d {
            ..=-31 => 0.3,
            -30..=0 => 1.0,
            1..=7 => 0.9,
            8..=14 => 0.7,
            15..=30 => 0.5,
            31..=60 => 0.3,
            61..=90 => 0.15,
            _ => return None,
        };
        let evidence = if d < 0 {
            format!("left {} days ago ({})", -d, i.leave_date)
        } else if d == 0 {
            format!("leaves today ({})", i.leave_date)
        } else {
            format!("leaves in {d} days ({})", i.leave_date)
        };
        Some(Finding::new(fraction, evidence))
    }
}
