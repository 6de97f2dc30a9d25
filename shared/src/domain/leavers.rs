//! Leavers: the people leaving a company, their offboarding checklist, and
//! the rules for registering and changing them.

use serde::{Deserialize, Serialize};

use crate::domain::validate::{self, Checker, Email};
use crate::error::FieldError;

/// Why someone leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    Resignation,
    Dismissal,
    Redundancy,
    Retirement,
    ContractEnd,
    Other,
}

impl Reason {
    pub const ALL: [Reason; 6] = [
        Reason::Resignation,
        Reason::Dismissal,
        Reason::Redundancy,
        Reason::Retirement,
        Reason::ContractEnd,
        Reason::Other,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Resignation => "resignation",
            Reason::Dismissal => "dismissal",
            Reason::Redundancy => "redundancy",
            Reason::Retirement => "retirement",
            Reason::ContractEnd => "contract_end",
            Reason::Other => "other",
        }
    }
    pub fn parse(s: &str) -> Result<Self, &'static str> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or("must be one of resignation, dismissal, redundancy, retirement, contract_end, other")
    }
}

/// How much access the leaver has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AccessLevel {
    Standard,
    Elevated,
    Privileged,
}

impl AccessLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            AccessLevel::Standard => "standard",
            AccessLevel::Elevated => "elevated",
            AccessLevel::Privileged => "privileged",
        }
    }
    pub fn parse(s: &str) -> Result<Self, &'static str> {
        match s {
            "standard" => Ok(Self::Standard),
            "elevated" => Ok(Self::Elevated),
            "privileged" => Ok(Self::Privileged),
            _ => Err("must be one of standard, elevated, privileged"),
        }
    }
}

/// A leaver is `active` until soft-deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LeaverStatus {
    Active,
    Deleted,
    /// Offboarding is complete: read-only until reopened.
    Closed,
}

/// One step of offboarding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ChecklistItem {
    pub id: String,
    pub label: String,
    pub done: bool,
    pub done_at: Option<String>,
    pub done_by: Option<String>,
    pub note: Option<String>,
}

/// The items every leaver's checklist starts with.
pub const CHECKLIST: &[(&str, &str)] = &[
    ("accounts_disabled", "Accounts disabled"),
    ("access_revoked", "Access revoked (buildings, systems, VPN, keys)"),
    ("devices_returned", "Devices returned"),
    ("documents_retrieved", "Company documents retrieved"),
    ("exit_interview", "Exit interview held"),
];

pub fn new_checklist() -> Vec<ChecklistItem> {
    CHECKLIST
        .iter()
        .map(|(id, label)| ChecklistItem {
            id: id.to_string(),
            label: label.to_string(),
            done: false,
            done_at: None,
            done_by: None,
            note: None,
        })
        .collect()
}

/// The case-insensitive form surnames are looked up by: trimmed, Unicode
/// lower case, inner whitespace collapsed. `O'Brien`, `o'brien` and
/// ` O'BRIEN ` are one key; `Müller` stays `müller`.
pub fn surname_key(surname: &str) -> String {
    surname.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// A calendar date `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Result<time::Date, &'static str> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    if s.len() != 10 {
        return Err("must be a date as YYYY-MM-DD");
    }
    let d = time::Date::parse(s, &fmt).map_err(|_| "must be a real date as YYYY-MM-DD")?;
    if d.year() < 1900 || d.year() > 2200 {
        return Err("must be between 1900 and 2200");
    }
    Ok(d)
}

pub fn format_date(d: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// The validated fields of a leaver, from `POST /leavers` or a `PATCH`.
#[derive(Debug, Clone, PartialEq)]
pub struct LeaverFields {
    pub first_name: String,
    pub surname: String,
    pub email: Option<String>,
    pub department: String,
    pub job_title: Option<String>,
    pub leave_date: time::Date,
    pub reason: Reason,
    pub access_level: AccessLevel,
    pub notes: Option<String>,
}

/// Raw input, every field optional so `PATCH` can reuse the checks.
#[derive(Debug, Default, Clone)]
pub struct RawLeaver<'a> {
    pub first_name: Option<&'a str>,
    pub surname: Option<&'a str>,
    pub email: Option<Option<&'a str>>,
    pub department: Option<&'a str>,
    pub job_title: Option<Option<&'a str>>,
    pub leave_date: Option<&'a str>,
    pub reason: Option<&'a str>,
    pub access_level: Option<&'a str>,
    pub notes: Option<Option<&'a str>>,
}

fn optional(c: &mut Checker, field: &str, v: Option<&str>, max: usize) -> Option<String> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => c.check(field, validate::name(s, max)),
    }
}

/// Applies `raw` over `base` (or builds from nothing for a create),
/// collecting every field error.
pub fn fields(base: Option<&LeaverFields>, raw: &RawLeaver) -> Result<LeaverFields, Vec<FieldError>> {
    let mut c = Checker::default();
    let required =
        |c: &mut Checker, field: &str, v: Option<&str>, base: Option<&String>, max: usize| -> Option<String> {
            match (v, base) {
                (Some(s), _) => c.check(field, validate::name(s, max)),
                (None, Some(b)) => Some(b.clone()),
                (None, None) => c.check(field, Err::<String, _>("is required")),
            }
        };
    let first_name = required(&mut c, "first_name", raw.first_name, base.map(|b| &b.first_name), 100);
    let surname = required(&mut c, "surname", raw.surname, base.map(|b| &b.surname), 100);
    let department = required(&mut c, "department", raw.department, base.map(|b| &b.department), 100);
    let email = match raw.email {
        Some(v) => match v.map(str::trim).filter(|s| !s.is_empty()) {
            None => Some(None),
            Some(s) => c.check("email", Email::parse(s)).map(|e| Some(e.as_str().to_string())),
        },
        None => Some(base.and_then(|b| b.email.clone())),
    };
    let job_title = match raw.job_title {
        Some(v) => Some(optional(&mut c, "job_title", v, 100)),
        None => Some(base.and_then(|b| b.job_title.clone())),
    };
    let notes = match raw.notes {
        Some(v) => Some(optional(&mut c, "notes", v, 2000)),
        None => Some(base.and_then(|b| b.notes.clone())),
    };
    let leave_date = match (raw.leave_date, base) {
        (Some(s), _) => c.check("leave_date", parse_date(s)),
        (None, Some(b)) => Some(b.leave_date),
        (None, None) => c.check("leave_date", Err::<time::Date, _>("is required")),
    };
    let reason = match (raw.reason, base) {
        (Some(s), _) => c.check("reason", Reason::parse(s)),
        (None, Some(b)) => Some(b.reason),
        (None, None) => c.check("reason", Err::<Reason, _>("is required")),
    };
    let access_level = match (raw.access_level, base) {
        (Some(s), _) => c.check("access_level", AccessLevel::parse(s)),
        (None, Some(b)) => Some(b.access_level),
        (None, None) => Some(AccessLevel::Standard),
    };
    c.finish()?;
    match (first_name, surname, email, department, job_title, leave_date, reason, access_level, notes) {
        (
            Some(first_name),
            Some(surname),
            Some(email),
            Some(department),
            Some(job_title),
            Some(leave_date),
            Some(reason),
            Some(access_level),
            Some(notes),
        ) => Ok(LeaverFields {
            first_name,
            surname,
            email,
            department,
            job_title,
            leave_date,
            reason,
            access_level,
            notes,
        }),
        _ => Err(vec![FieldError::new("body", "is incomplete")]),
    }
}

/// What a caller does to a leaver's case (the leaver and what hangs off it:
/// checklist, alerts, risk settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseAction {
    /// Register, change or delete the case. The case ends with the person's
    /// account refused and deactivated, so this is the same rule as
    /// deactivating that account (HR may not for an owner or security).
    Manage,
    /// Work on it: tick the checklist, handle an alert, re-assess.
    Work,
}

/// The caller, as far as a case is concerned.
#[derive(Debug, Clone, Copy)]
pub struct CaseActor<'a> {
    pub role: crate::domain::roles::Role,
    pub id: &'a crate::ids::UserId,
    /// The caller's own open case, if the caller is a leaver.
    pub own_case: Option<&'a crate::ids::LeaverId>,
}

/// The person a case is about, as far as it is known.
#[derive(Debug, Clone, Copy)]
pub struct CaseSubject<'a> {
    pub case: &'a crate::ids::LeaverId,
    /// The linked account, when the leaver has one.
    pub user: Option<&'a crate::ids::UserId>,
    pub role: Option<crate::domain::roles::Role>,
}

/// Why a caller may not act on a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseRefusal {
    /// A person never acts on their own case.
    OwnCase,
    /// The caller may not manage this person's account.
    NotPermitted,
}

impl CaseRefusal {
    pub fn message(self) -> &'static str {
        match self {
            CaseRefusal::OwnCase => "Nobody may act on their own leaver case.",
            CaseRefusal::NotPermitted => "Your role may not manage the leave of this person's account.",
        }
    }
}

/// May `actor` do `action` to the case of `subject`? The one rule every
/// write to a case, its checklist, its alerts (and, for a leaver, the
/// company's risk settings) goes through: the subject never acts on their
/// own case, and only who may deactivate the subject's account manages it.
pub fn may_act_on_case(actor: CaseActor, subject: CaseSubject, action: CaseAction) -> Result<(), CaseRefusal> {
    let own = actor.own_case == Some(subject.case) || subject.user == Some(actor.id);
    if own {
        return Err(CaseRefusal::OwnCase);
    }
    match (action, subject.role) {
        (CaseAction::Manage, Some(role)) => {
            crate::domain::roles::may_change_status(actor.role, false, role).map_err(|_| CaseRefusal::NotPermitted)
        }
        _ => Ok(()),
    }
}

/// May `actor` change the company-wide risk settings? Not while they are a
/// leaver themselves: the settings decide how every case, theirs included,
/// is scored and whether their account is deactivated.
pub fn may_change_risk_settings(actor: CaseActor) -> Result<(), CaseRefusal> {
    match actor.own_case {
        Some(_) => Err(CaseRefusal::OwnCase),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw<'a>() -> RawLeaver<'a> {
        RawLeaver {
            first_name: Some("Siobhán"),
            surname: Some("O'Brien"),
            department: Some("Finance"),
            leave_date: Some("2026-12-31"),
            reason: Some("resignation"),
            ..Default::default()
        }
    }

    #[test]
    fn a_complete_leaver_parses_with_defaults() {
        let f = fields(None, &raw()).unwrap();
        assert_eq!(f.access_level, AccessLevel::Standard);
        assert_eq!(format_date(f.leave_date), "2026-12-31");
        assert_eq!(f.surname, "O'Brien");
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let bad = RawLeaver {
            first_name: Some(""),
            surname: Some(&"x".repeat(5000)),
            department: None,
            leave_date: Some("2026-02-30"),
            reason: Some("bored"),
            access_level: Some("root"),
            email: Some(Some("nope")),
            ..Default::default()
        };
        let errs = fields(None, &bad).unwrap_err();
        let names: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        for f in ["first_name", "surname", "department", "leave_date", "reason", "access_level", "email"] {
            assert!(names.contains(&f), "{f} not reported: {names:?}");
        }
    }

    #[test]
    fn impossible_and_malformed_dates_are_refused() {
        for d in ["2026-02-30", "2026-13-01", "31/12/2026", "2026-1-1", "", "0001-01-01", "2026-12-31T00:00:00Z"] {
            assert!(parse_date(d).is_err(), "{d:?} accepted");
        }
        assert!(parse_date("2028-02-29").is_ok());
    }

    #[test]
    fn surname_keys_fold_case_and_space_across_scripts() {
        assert_eq!(surname_key(" O'BRIEN "), "o'brien");
        assert_eq!(surname_key("Müller"), "müller");
        assert_eq!(surname_key("MÜLLER"), "müller");
        assert_eq!(surname_key("van  der Berg"), "van der berg");
        assert_eq!(surname_key("ΣΩΚΡΆΤΗΣ"), surname_key("σωκράτης"));
    }

    #[test]
    fn a_patch_keeps_what_it_does_not_name() {
        let base = fields(None, &raw()).unwrap();
        let patched = fields(Some(&base), &RawLeaver { leave_date: Some("2027-01-15"), ..Default::default() }).unwrap();
        assert_eq!(patched.surname, base.surname);
        assert_eq!(format_date(patched.leave_date), "2027-01-15");
        let cleared = fields(Some(&base), &RawLeaver { notes: Some(None), ..Default::default() }).unwrap();
        assert_eq!(cleared.notes, None);
    }
}

#[cfg(test)]
mod case_tests {
    use super::*;
    use crate::domain::roles::Role::{self, *};
    use crate::ids::{LeaverId, UserId};

    #[test]
    fn the_subject_never_acts_on_their_own_case_and_only_who_may_deactivate_them_manages_it() {
        let me = UserId::new();
        let other = UserId::new();
        let my_case = LeaverId::new();
        let case = LeaverId::new();
        // (actor role, the case is the caller's own, its account is the caller, its account's role, action)
        type Case = (Role, bool, bool, Option<Role>, CaseAction, Result<(), CaseRefusal>, &'static str);
        let cases: &[Case] = &[
            (Hr, false, true, Some(Hr), CaseAction::Manage, Err(CaseRefusal::OwnCase), "HR deleting her own case"),
            (Hr, true, false, None, CaseAction::Manage, Err(CaseRefusal::OwnCase), "by the case id alone"),
            (
                Technician,
                false,
                true,
                Some(Technician),
                CaseAction::Work,
                Err(CaseRefusal::OwnCase),
                "ticking one's own checklist",
            ),
            (Security, true, false, None, CaseAction::Work, Err(CaseRefusal::OwnCase), "resolving one's own alert"),
            (Owner, false, true, Some(Owner), CaseAction::Manage, Err(CaseRefusal::OwnCase), "even an owner"),
            (Admin, false, true, Some(Admin), CaseAction::Work, Err(CaseRefusal::OwnCase), "even an admin"),
            (
                Hr,
                false,
                false,
                Some(Owner),
                CaseAction::Manage,
                Err(CaseRefusal::NotPermitted),
                "HR and an owner's case",
            ),
            (
                Hr,
                false,
                false,
                Some(Security),
                CaseAction::Manage,
                Err(CaseRefusal::NotPermitted),
                "HR and a security user's case",
            ),
            (Hr, false, false, Some(Employee), CaseAction::Manage, Ok(()), "HR and an employee's case"),
            (Owner, false, false, Some(Security), CaseAction::Manage, Ok(()), "the owner and a security user's case"),
            (
                Owner,
                false,
                false,
                Some(Admin),
                CaseAction::Manage,
                Err(CaseRefusal::NotPermitted),
                "an owner and an admin's case",
            ),
            (Hr, false, false, None, CaseAction::Manage, Ok(()), "a case without an account"),
            (Technician, false, false, Some(Owner), CaseAction::Work, Ok(()), "IT works any other case"),
            (Security, false, false, Some(Owner), CaseAction::Work, Ok(()), "security handles an owner's alert"),
        ];
        for (role, own_case, subject_is_me, subject_role, action, expected, name) in cases {
            let a = CaseActor { role: *role, id: &me, own_case: Some(if *own_case { &case } else { &my_case }) };
            let user = match (subject_is_me, subject_role) {
                (true, _) => Some(&me),
                (false, Some(_)) => Some(&other),
                (false, None) => None,
            };
            let s = CaseSubject { case: &case, user, role: *subject_role };
            assert_eq!(may_act_on_case(a, s, *action), *expected, "{name}");
        }
    }

    #[test]
    fn a_leaver_may_not_change_the_risk_settings() {
        let me = UserId::new();
        let case = LeaverId::new();
        assert_eq!(
            may_change_risk_settings(CaseActor { role: Security, id: &me, own_case: Some(&case) }),
            Err(CaseRefusal::OwnCase)
        );
        assert_eq!(may_change_risk_settings(CaseActor { role: Security, id: &me, own_case: None }), Ok(()));
    }
}
