//! A linked Tenure account with a powerful role (owner, HR, security, IT).

use crate::domain::risk::{Finding, RiskInput, Signal};
use crate::domain::roles::Role;

pub struct PrivilegedRole;

impl Signal for PrivilegedRole {
    fn id(&self) -> &'static str {
        "privileged_role"
    }
    fn label(&self) -> &'static str {
        "Privileged role in Tenure"
    }
    fn default_weight(&self) -> u32 {
        15
    }
    fn evaluate(&self, i: &RiskInput) -> Option<Finding> {
        let role = i.linked_role?;
        let fraction = match role {
            Role::Admin | Role::Owner => 1.0,
            Role::Security | Role::Hr => 0.8,
            Role::Technician => 0.6,
            Role::Manager => 0.3,
            Role::Employee => return None,
        };
        Some(Finding::new(fraction, format!("linked account has the {} role", role.as_str())))
    }
}
