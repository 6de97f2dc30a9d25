//! Involuntary departures carry more risk than planned ones.

use crate::domain::leavers::Reason;
use crate::domain::risk::{Finding, RiskInput, Signal};

pub struct LeaveReason;

impl Signal for LeaveReason {
    fn id(&self) -> &'static str {
        "leave_reason"
    }
    fn label(&self) -> &'static str {
        "Reason for leaving"
    }
    fn default_weight(&self) -> u32 {
        20
    }
    fn evaluate(&self, i: &RiskInput) -> Option<Finding> {
        let fraction = match i.reason {
            Reason::Dismissal => 1.0,
            Reason::Redundancy => 0.7,
            Reason::Resignation => 0.5,
            Reason::ContractEnd | Reason::Other => 0.3,
            Reason::Retirement => 0.1,
        };
        Some(Finding::new(fraction, format!("reason: {}", i.reason.as_str())))
    }
}
