//! Departments the company marks sensitive (finance, legal, R&D…).

use crate::domain::risk::{Finding, RiskInput, Signal};

pub struct SensitiveDepartment;

impl Signal for SensitiveDepartment {
    fn id(&self) -> &'static str {
        "sensitive_department"
    }
    fn label(&self) -> &'static str {
        "Sensitive department"
    }
    fn default_weight(&self) -> u32 {
        15
    }
    fn evaluate(&self, i: &RiskInput) -> Option<Finding> {
        i.sensitive_department.then(|| Finding::new(1.0, format!("department {} is marked sensitive", i.department)))
    }
}
