//! The shape of each stored entity (beside its key, built in `keys`).
//! Every struct maps through `serde_dynamo`; `entity_type` is added on write.

use serde::{Deserialize, Serialize};

use crate::domain::audit::{AuditEvent, ChainHead};
use crate::domain::calendar::{Calendar, WorkingHoursInput};
use crate::domain::leavers::AccessLevel;
use crate::domain::roles::Role;
use crate::ids::{CompanyId, DepartmentId, SessionId, UserId};

pub const COMPANY: &str = "company";
pub const USER: &str = "user";
pub const CREDENTIAL: &str = "credential";
pub const SESSION: &str = "session";
pub const AUDIT_HEAD: &str = "audit_head";
pub const AUDIT_EVENT: &str = "audit_event";
pub const IDEMPOTENCY: &str = "idempotency";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Company {
    pub id: CompanyId,
    pub name: String,
    pub created_at: String,
    pub version: u64,
    pub gsi1pk: String,
    pub gsi1sk: String,
    /// The calendar (`PATCH /companies/{id}`); absent: the defaults of
    /// `domain::calendar` (UTC, Monday to Friday 09:00–17:00, no holidays).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_hours: Option<WorkingHoursInput>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holidays: Option<Vec<String>>,
    /// Payroll: the overtime rule (absent: `weekly`) and the rounding of
    /// each shift's length in minutes (absent: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overtime_rule: Option<crate::domain::payroll::OvertimeRule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rounding_minutes: Option<u32>,
}

impl Company {
    /// A new company, listed in the companies index, with the default calendar.
    pub fn new(id: CompanyId, name: String, created_at: String) -> Self {
        Self {
            gsi1pk: crate::store::keys::COMPANIES_GSI1PK.into(),
            gsi1sk: id.to_string(),
            id,
            name,
            created_at,
            version: 1,
            time_zone: None,
            working_hours: None,
            holidays: None,
            overtime_rule: None,
            rounding_minutes: None,
        }
    }

    /// The company's calendar. Stored settings were validated when they
    /// were written; should they not parse now, the defaults stand in.
    pub fn calendar(&self) -> Calendar {
        Calendar::from_settings(self.time_zone.as_deref(), self.working_hours.as_ref(), self.holidays.as_deref())
            .unwrap_or_else(|e| {
                tracing::error!(company = %self.id, field = %e.field, "stored calendar does not parse; using defaults");
                Calendar::default()
            })
    }
}

/// A person's access record, as `/auth/admin/users` shows it (plus version).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub company_id: CompanyId,
    pub email: String,
    pub full_name: String,
    pub role: Role,
    pub active: bool,
    pub created_at: String,
    pub version: u64,
    /// Sessions created at or before this time no longer work.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sessions_revoked_at: Option<String>,
    /// Set while the person is a registered leaver (see `leavers`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leaver: Option<LeaverLink>,
    // The HR record (`/employees`, `store::people`): all optional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department_id: Option<DepartmentId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager_id: Option<UserId>,
    /// Whole cents (`domain::money`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hourly_rate_cents: Option<i64>,
    /// `YYYY-MM-DD`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_level: Option<AccessLevel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emergency_contact: Option<String>,
    /// A person created by HR has no password until they accept an
    /// invitation (`auth::invitation`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_login: bool,
    /// The hash of the open invitation's secret, and when it expires
    /// (epoch seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invitation_hash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invitation_expires_at: Option<i64>,
    /// The role the person had when invited: an invitation opens only that
    /// role's account (a promotion since voids it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invitation_role: Option<Role>,
    /// The overview counts this account (`people`, `role_{role}`:
    /// `store::stats`); false for accounts made before the counters until
    /// their backfill counts them. Role changes move only counted accounts.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub counted: bool,
    /// The overview counts the open invitation (`inv_open`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub invitation_counted: bool,
}

impl User {
    /// A new, active person with no HR details yet.
    pub fn new(company_id: CompanyId, email: String, full_name: String, role: Role, created_at: String) -> Self {
        Self {
            id: UserId::new(),
            company_id,
            email,
            full_name,
            role,
            active: true,
            created_at,
            version: 1,
            sessions_revoked_at: None,
            leaver: None,
            job_title: None,
            department_id: None,
            manager_id: None,
            hourly_rate_cents: None,
            start_date: None,
            access_level: None,
            phone: None,
            emergency_contact: None,
            no_login: false,
            invitation_hash: None,
            invitation_expires_at: None,
            invitation_role: None,
            counted: false,
            invitation_counted: false,
        }
    }
}

/// What a user item remembers of its leaver record, so every request can
/// tell whether the leave date has passed without another read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeaverLink {
    pub leaver_id: crate::ids::LeaverId,
    pub surname_key: String,
    pub leave_date: String,
    /// When activity after the leave date was first recorded (absent,
    /// not null, until then: the recording write is conditional on it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flagged_at: Option<String>,
}

/// Login data, keyed by email: also the guard that keeps emails unique.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Credential {
    pub user_id: UserId,
    pub company_id: CompanyId,
    /// Argon2id PHC string; empty for a person with no login yet.
    pub password_hash: String,
    #[serde(default)]
    pub failed_logins: u32,
    /// Epoch seconds; 0 when not locked.
    #[serde(default)]
    pub locked_until: i64,
}

/// Failed sign-ins with an email that has no account, counted like an
/// account's (`Credential::failed_logins`) so that its lockout is the same.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LoginAttempts {
    #[serde(default)]
    pub failed_logins: u32,
    /// Epoch seconds; 0 when not locked.
    #[serde(default)]
    pub locked_until: i64,
}

/// A sign-in session: one refresh-token family.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub id: SessionId,
    pub user_id: UserId,
    pub company_id: CompanyId,
    pub current_hash: String,
    #[serde(default)]
    pub used_hashes: Vec<String>,
    pub revoked: bool,
    pub created_at: String,
    pub expires_at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Head {
    pub seq: u64,
    pub hash: String,
}

impl From<Head> for ChainHead {
    fn from(h: Head) -> Self {
        ChainHead { seq: h.seq, hash: h.hash }
    }
}

pub type Event = AuditEvent;

/// A stored response to a create, replayed for the same `Idempotency-Key`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Idempotency {
    pub request_hash: String,
    pub status: u16,
    pub body: String,
    pub expires_at: i64,
}

pub const LEAVER: &str = "leaver";
pub const RISK_HISTORY: &str = "risk_history";
pub const ALERT: &str = "alert";
pub const ALERT_GUARD: &str = "alert_guard";
pub const RISK_SETTINGS: &str = "risk_settings";

/// The prefix of a user item's per-day download counters (`dl_2026-11-23`).
pub const DOWNLOADS_PREFIX: &str = "dl_";

/// A user item's download counters, by day.
pub fn download_counts(item: &super::Item) -> std::collections::BTreeMap<String, u32> {
    day_counts(item, DOWNLOADS_PREFIX)
}

/// Counters of `access` tickets a person raised, per day, on their user
/// item: `ar_{YYYY-MM-DD}`.
pub const ACCESS_REQUESTS_PREFIX: &str = "ar_";

/// A user item's access-request counters, by day.
pub fn access_request_counts(item: &super::Item) -> std::collections::BTreeMap<String, u32> {
    day_counts(item, ACCESS_REQUESTS_PREFIX)
}

/// A user item's after-hours shifts: per day, and the last few described.
pub fn after_hours(item: &super::Item) -> crate::domain::risk::AfterHours {
    use super::time::{AFTER_HOURS_PREFIX, AFTER_HOURS_RECENT};
    crate::domain::risk::AfterHours {
        per_day: day_counts(item, AFTER_HOURS_PREFIX),
        recent: item
            .get(AFTER_HOURS_RECENT)
            .and_then(|v| v.as_l().ok())
            .map(|l| l.iter().filter_map(|x| x.as_s().ok().cloned()).collect())
            .unwrap_or_default(),
    }
}

fn day_counts(item: &super::Item, prefix: &str) -> std::collections::BTreeMap<String, u32> {
    item.keys()
        .filter_map(|k| {
            k.strip_prefix(prefix).map(|d| (d.to_string(), super::number(item, k).unwrap_or(0).max(0) as u32))
        })
        .collect()
}
