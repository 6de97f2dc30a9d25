//! What the leaver can reach: elevated and privileged access widen what
//! could walk out.

use crate::domain::leavers::AccessLevel;
use crate::domain::risk::{Finding, RiskInput, Signal};

pub struct AccessLevelSignal;

impl Signal for AccessLevelSignal {
    fn id(&self) -> &'static str {
        "access_level"
    }
    fn label(&self) -> &'static str {
        "Access level"
    }
    fn default_weight(&self) -> u32 {
        20
    }
    fn evaluate(&self, i: &RiskInput) -> Option<Finding> {
        let fraction = match i.access_level {
            AccessLevel::Privileged => 1.0,
            AccessLevel::Elevated => 0.5,
            AccessLevel::Standard => return None,
        };
        Some(Finding::new(fraction, format!("access level: {}", i.access_level.as_str())))
    }
}
