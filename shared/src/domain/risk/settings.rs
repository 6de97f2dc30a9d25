//! A company's risk settings: signal weights, level thresholds, sensitive
//! departments and what the sweep may do. Defaults apply until a company
//! changes them (`PUT /risk-settings`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{signals, Level};
use crate::error::FieldError;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Thresholds {
    pub medium: u32,
    pub high: u32,
    pub critical: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RiskSettings {
    /// Signal id → points when fully present (0 to 100). Missing ids use
    /// the signal's default.
    pub weights: BTreeMap<String, u32>,
    pub thresholds: Thresholds,
    /// Department names (any case) whose leavers carry more risk. Once the
    /// company has departments, these are the names of those marked
    /// `sensitive` (read-only here: set the flag on the department); before
    /// that, the list stored in the settings (or the defaults).
    pub sensitive_departments: Vec<String>,
    /// On the leave date, the sweep deactivates the linked user.
    pub auto_deactivate: bool,
    pub version: u64,
    /// The ids of the sensitive departments, once the company has any
    /// (`service::assess::effective_settings`); not stored.
    #[serde(skip)]
    pub sensitive_department_ids: std::collections::BTreeSet<String>,
    /// Whether `sensitive_departments` comes from the departments.
    #[serde(skip)]
    pub from_departments: bool,
}

impl Default for RiskSettings {
    fn default() -> Self {
        Self {
            weights: signals::ALL.iter().map(|s| (s.id().to_string(), s.default_weight())).collect(),
            thresholds: Thresholds { medium: 25, high: 50, critical: 70 },
            sensitive_departments: vec![
                "Finance".into(),
                "Legal".into(),
                "Security".into(),
                "Research and Development".into(),
            ],
            auto_deactivate: true,
            version: 0,
            sensitive_department_ids: Default::default(),
            from_departments: false,
        }
    }
}

impl RiskSettings {
    pub fn weight(&self, id: &str) -> Option<u32> {
        self.weights.get(id).copied()
    }

    pub fn level_for(&self, score: u32) -> Level {
        let t = &self.thresholds;
        if score >= t.critical {
            Level::Critical
        } else if score >= t.high {
            Level::High
        } else if score >= t.medium {
            Level::Medium
        } else {
            Level::Low
        }
    }

    pub fn is_sensitive(&self, department: &str) -> bool {
        let d = department.trim().to_lowercase();
        self.sensitive_departments.iter().any(|s| s.trim().to_lowercase() == d)
    }

    /// A leaver's department is sensitive: by its id when the leaver's
    /// record has one (a linked employee's department), by name otherwise.
    pub fn is_sensitive_department(&self, department_id: Option<&str>, name: &str) -> bool {
        match department_id {
            Some(id) if self.from_departments => self.sensitive_department_ids.contains(id),
            _ => self.is_sensitive(name),
        }
    }

    /// Checks settings sent by a client.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        for (id, w) in &self.weights {
            if !signals::ALL.iter().any(|s| s.id() == id) {
                errors.push(FieldError::new(format!("weights.{id}"), "is not a risk signal"));
            } else if *w > 100 {
                errors.push(FieldError::new(format!("weights.{id}"), "must be from 0 to 100"));
            }
        }
        let t = &self.thresholds;
        if !((1..=100).contains(&t.medium) && t.medium < t.high && t.high < t.critical && t.critical <= 100) {
            errors.push(FieldError::new("thresholds", "must rise strictly: 1 ≤ medium < high < critical ≤ 100"));
        }
        if self.sensitive_departments.len() > 100 {
            errors.push(FieldError::new("sensitive_departments", "must list at most 100 departments"));
        }
        for (i, d) in self.sensitive_departments.iter().enumerate() {
            if let Err(m) = crate::domain::validate::name(d, 100) {
                errors.push(FieldError::new(format!("sensitive_departments[{i}]"), m));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_cover_every_signal() {
        let s = RiskSettings::default();
        s.validate().unwrap();
        for sig in signals::ALL {
            assert!(s.weight(sig.id()).is_some(), "{}", sig.id());
        }
    }

    #[test]
    fn bad_settings_name_their_fields() {
        let mut s = RiskSettings::default();
        s.weights.insert("astrology".into(), 10);
        s.weights.insert("access_level".into(), 500);
        s.thresholds = Thresholds { medium: 60, high: 50, critical: 90 };
        let e = s.validate().unwrap_err();
        let fields: Vec<&str> = e.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["weights.access_level", "weights.astrology", "thresholds"]);
    }
}
