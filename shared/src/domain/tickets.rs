//! Tickets (seed 002): priorities, categories, the SLA policy per priority,
//! and who may do what. The status flow and the clocks are in `sla`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::roles::Role;
pub use super::sla::Status;
use crate::error::FieldError;

pub const MAX_TITLE: usize = 200;
pub const MAX_DESCRIPTION: usize = 10_000;
pub const MAX_COMMENT: usize = 10_000;
/// A target may be at most 100,000 minutes (about 200 working days of
/// eight hours): the calendar places a due time up to three years ahead.
pub const MAX_TARGET_MINUTES: u32 = 100_000;
/// A ticket's history (what its clocks read) stays well under DynamoDB's
/// 400 KB: after this many status changes and responses it is a 409.
pub const MAX_LOG_ENTRIES: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Low,
    Medium,
    High,
    Urgent,
}

impl Priority {
    pub const ALL: [Priority; 4] = [Priority::Low, Priority::Medium, Priority::High, Priority::Urgent];

    pub fn parse(s: &str) -> Result<Self, &'static str> {
        match s {
            "low" => Ok(Priority::Low),
            "medium" => Ok(Priority::Medium),
            "high" => Ok(Priority::High),
            "urgent" => Ok(Priority::Urgent),
            _ => Err("must be low, medium, high or urgent"),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Medium => "medium",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Hardware,
    Software,
    Access,
    Other,
}

impl Category {
    pub fn parse(s: &str) -> Result<Self, &'static str> {
        match s {
            "hardware" => Ok(Category::Hardware),
            "software" => Ok(Category::Software),
            "access" => Ok(Category::Access),
            "other" => Ok(Category::Other),
            _ => Err("must be hardware, software, access or other"),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Hardware => "hardware",
            Category::Software => "software",
            Category::Access => "access",
            Category::Other => "other",
        }
    }
}

/// The targets of one priority, in minutes of business time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyMinutes {
    pub first_response_minutes: u32,
    pub resolution_minutes: u32,
}

/// A company's SLA policy: targets per priority (`GET/PUT /sla-policies`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SlaPolicies {
    /// 0 until the company first changes them (the defaults apply).
    pub version: u64,
    /// low | medium | high | urgent → targets.
    #[schema(value_type = Object)]
    pub policies: BTreeMap<Priority, PolicyMinutes>,
}

impl Default for SlaPolicies {
    /// A working day is eight hours: low answers in a day and resolves in
    /// ten, urgent answers in half an hour and resolves in four hours.
    fn default() -> Self {
        let p = |f, r| PolicyMinutes { first_response_minutes: f, resolution_minutes: r };
        Self {
            version: 0,
            policies: BTreeMap::from([
                (Priority::Low, p(480, 4800)),
                (Priority::Medium, p(240, 2400)),
                (Priority::High, p(60, 960)),
                (Priority::Urgent, p(30, 240)),
            ]),
        }
    }
}

impl SlaPolicies {
    /// The targets of `priority` (the defaults' if the stored policy lacks it).
    pub fn of(&self, priority: Priority) -> PolicyMinutes {
        self.policies.get(&priority).copied().unwrap_or_else(|| SlaPolicies::default().policies[&priority])
    }
}

/// Checks a policy as `PUT /sla-policies` sends it: every priority, each
/// target from 1 minute to a year, resolution no sooner than first response.
pub fn check_policies(
    p: &BTreeMap<String, PolicyMinutes>,
) -> Result<BTreeMap<Priority, PolicyMinutes>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut out = BTreeMap::new();
    for (name, m) in p {
        let field = format!("policies.{name}");
        let Ok(priority) = Priority::parse(name) else {
            errors.push(FieldError::new(field, "is not a priority (low, medium, high, urgent)"));
            continue;
        };
        for (f, v) in
            [("first_response_minutes", m.first_response_minutes), ("resolution_minutes", m.resolution_minutes)]
        {
            if v == 0 || v > MAX_TARGET_MINUTES {
                errors.push(FieldError::new(format!("{field}.{f}"), format!("must be from 1 to {MAX_TARGET_MINUTES}")));
            }
        }
        if m.resolution_minutes < m.first_response_minutes {
            errors.push(FieldError::new(
                format!("{field}.resolution_minutes"),
                "must not be less than first_response_minutes",
            ));
        }
        out.insert(priority, *m);
    }
    for priority in Priority::ALL {
        if !p.contains_key(priority.as_str()) {
            errors.push(FieldError::new(format!("policies.{}", priority.as_str()), "is required"));
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Technicians, owners and admins work tickets; everyone else raises them.
pub fn is_agent(role: Role) -> bool {
    matches!(role, Role::Technician | Role::Owner | Role::Admin)
}

/// Whether someone with `role` sees every ticket of the company.
pub fn sees_all(role: Role) -> bool {
    matches!(role, Role::Owner | Role::Admin)
}

/// A requester may only reopen or close their own resolved ticket; agents
/// move it along the whole flow.
pub fn may_move(agent: bool, own: bool, from: Status, to: Status) -> Result<(), &'static str> {
    if !from.may_become(to) {
        return Err("illegal");
    }
    if agent {
        return Ok(());
    }
    if own && from == Status::Resolved && matches!(to, Status::Open | Status::Closed) {
        return Ok(());
    }
    Err("forbidden")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(f: u32, r: u32) -> PolicyMinutes {
        PolicyMinutes { first_response_minutes: f, resolution_minutes: r }
    }

    #[test]
    fn a_policy_needs_every_priority_and_sane_minutes() {
        let mut p: BTreeMap<String, PolicyMinutes> =
            Priority::ALL.iter().map(|x| (x.as_str().to_string(), m(30, 60))).collect();
        assert!(check_policies(&p).is_ok());
        p.insert("urgent".into(), m(0, 60));
        p.insert("high".into(), m(60, 30));
        p.insert("low".into(), m(30, MAX_TARGET_MINUTES + 1));
        p.remove("medium");
        p.insert("critical".into(), m(1, 1));
        let fields: Vec<String> = check_policies(&p).unwrap_err().into_iter().map(|e| e.field).collect();
        for f in [
            "policies.urgent.first_response_minutes",
            "policies.high.resolution_minutes",
            "policies.low.resolution_minutes",
            "policies.medium",
            "policies.critical",
        ] {
            assert!(fields.iter().any(|x| x == f), "{f} in {fields:?}");
        }
    }

    #[test]
    fn requesters_only_reopen_or_close_their_own_resolved_ticket() {
        use Status::*;
        assert_eq!(may_move(false, true, Resolved, Open), Ok(()));
        assert_eq!(may_move(false, true, Resolved, Closed), Ok(()));
        assert_eq!(may_move(false, true, Open, InProgress), Err("forbidden"));
        assert_eq!(may_move(false, false, Resolved, Closed), Err("forbidden"));
        assert_eq!(may_move(true, false, Open, InProgress), Ok(()));
        assert_eq!(may_move(true, false, Open, Closed), Err("illegal"));
        assert_eq!(may_move(false, true, Open, Resolved), Err("illegal"));
    }
}
