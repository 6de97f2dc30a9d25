//! The route groups, one module per group (= per function). Each module
//! declares its routes (`ROUTES`, method, path, access, flags, OpenAPI types
//! and the handler) and the `GROUP` its function serves; `routes::GROUPS`
//! puts the groups together into the full table.

pub mod audit;
pub mod auth;
pub mod companies;
pub mod console;
pub mod docs;
#[cfg(feature = "s3")]
pub mod documents;
pub mod handover;
pub mod leavers;
pub mod overview;
pub mod people;
pub mod projects;
pub mod risk;
pub mod status;
pub mod tickets;
pub mod timekeeping;

pub mod users;

use serde::Serialize;

use crate::domain::audit::NewEvent;
use crate::domain::leavers::format_date;
use crate::domain::risk::signals::document_downloads::stale_days;
use crate::domain::roles::Role::{self, *};
use crate::error::ApiError;
use crate::http::Ctx;
use crate::store::{items, keys, Cond, Exprs, StoreError, Tenant, Tx};

/// Stale per-day counters dropped by one write, at most.
const STALE_DAYS_PER_WRITE: usize = 10;

/// Adds to `update` the removal of a user item's per-day counters
/// (`{prefix}{YYYY-MM-DD}`, days `counted`) too old for the risk signals
/// to read on `today`, a few at a time, never `keep` (the day the same
/// update counts).
pub(crate) fn remove_stale_days(
    update: &mut String,
    mut exprs: Exprs,
    prefix: &str,
    counted: &std::collections::BTreeMap<String, u32>,
    today: time::Date,
    keep: &str,
) -> Exprs {
    let stale = stale_days(counted.keys(), today, STALE_DAYS_PER_WRITE);
    for (i, day) in stale.iter().filter(|d| d.as_str() != keep).enumerate() {
        update.push_str(if i == 0 { " REMOVE " } else { ", " });
        update.push_str(&format!("#old{i}"));
        exprs = exprs.name(&format!("#old{i}"), &format!("{prefix}{day}"));
    }
    exprs
}

/// Commits `tx` and `event` together with one more download by the caller
/// (a document download, or an export of data): counted per day on their
/// user item (the leaver risk signal `document_downloads` reads it) and on
/// their leaver record if they are a leaver. The user item is read with
/// every request, so its counters are kept to the days the signal reads, a
/// few old ones dropped each time. Should the leaver record be unwritable
/// (changed meanwhile), the download is still counted on the person and
/// audited.
pub(crate) async fn commit_counting_download(ctx: &Ctx, base: Tx, event: NewEvent) -> Result<(), ApiError> {
    let p = ctx.principal()?.clone();
    let home = Tenant::new(p.company().clone());
    let today = format_date(ctx.now.date());
    let counted = ctx.prefetched_raw(&keys::user(&home, p.id())).map(items::download_counts).unwrap_or_default();
    let mut update = "ADD #day :one".to_string();
    let exprs = Exprs::new().name("#day", &format!("{}{today}", items::DOWNLOADS_PREFIX)).num(":one", 1);
    let exprs = remove_stale_days(&mut update, exprs, items::DOWNLOADS_PREFIX, &counted, ctx.now.date(), &today);
    for with_leaver in [true, false] {
        let mut tx = base.clone();
        tx.update(ctx.table(), &keys::user(&home, p.id()), &update, Cond::Exists, exprs.clone());
        let leaver = p.user.leaver.as_ref().filter(|_| with_leaver);
        if let Some(link) = leaver {
            crate::store::leavers::stage_increment(
                &mut tx,
                ctx.table(),
                &home,
                &link.leaver_id,
                &["downloads", &today],
            );
        }
        match ctx.commit(tx, vec![event.clone()]).await {
            Ok(()) => return Ok(()),
            Err(StoreError::Cancelled { .. }) if leaver.is_some() => continue,
            Err(StoreError::Cancelled { .. }) => {
                return Err(ApiError::Conflict("Your account changed meanwhile; retry.".into()))
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// `null` and absent are different for optional fields of a PATCH:
/// absent keeps the value, `null` clears it.
pub(crate) fn double_option<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    <Option<String> as serde::Deserialize>::deserialize(d).map(Some)
}

/// Who reads the audit log.
pub(crate) const AUDIT_READERS: &[Role] = &[Admin, Owner, Security];
/// Who administers a company's users.
pub(crate) const USER_ADMINS: &[Role] = &[Admin, Owner, Hr];
/// Leavers are read by owner, HR, security and admin…
pub(crate) const LEAVER_READERS: &[Role] = &[Admin, Owner, Hr, Security];
/// …and written by owner, HR and admin.
pub(crate) const LEAVER_WRITERS: &[Role] = &[Admin, Owner, Hr];
/// Offboarding is also IT's work.
pub(crate) const CHECKLIST_USERS: &[Role] = &[Admin, Owner, Hr, Security, Technician];
/// Who configures risk, handles alerts and runs the sweep.
pub(crate) const RISK_MANAGERS: &[Role] = &[Admin, Owner, Security];

/// A route's 409: a stale `version`, a change made meanwhile, a duplicate.
pub(crate) const CONFLICT: (u16, &str) =
    (409, "Changed meanwhile (a stale version), a duplicate, or not allowed in its state");

/// A user as the API shows it (never a password hash).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub id: String,
    pub email: String,
    pub full_name: String,
    pub role: String,
    pub active: bool,
    pub company_id: String,
    pub created_at: String,
    pub version: u64,
}

impl From<&items::User> for UserView {
    fn from(u: &items::User) -> Self {
        Self {
            id: u.id.to_string(),
            email: u.email.clone(),
            full_name: u.full_name.clone(),
            role: u.role.as_str().to_string(),
            active: u.active,
            company_id: u.company_id.to_string(),
            created_at: u.created_at.clone(),
            version: u.version,
        }
    }
}

/// A company as the API shows it, with its calendar.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CompanyView {
    pub id: String,
    pub name: String,
    pub created_at: String,
    /// IANA time zone name; days, weeks and working hours are the company's in it.
    pub time_zone: String,
    /// Per weekday (`mon` … `sun`), start and end times in turn (`HH:MM`, end
    /// up to `24:00`); an empty list is a day off.
    pub working_hours: std::collections::BTreeMap<String, Vec<String>>,
    /// Dates (`YYYY-MM-DD`) with no working hours, in order.
    pub holidays: Vec<String>,
    /// Payroll's overtime rule.
    pub overtime_rule: crate::domain::payroll::OvertimeRule,
    /// Each shift's length is rounded to the nearest this many minutes (0: not rounded).
    pub rounding_minutes: u32,
    pub version: u64,
}

impl From<&items::Company> for CompanyView {
    fn from(c: &items::Company) -> Self {
        use crate::domain::calendar;
        let hours = c.working_hours.clone().unwrap_or_else(calendar::default_working_hours);
        // Every weekday shown, in the stored (validated) form.
        let working_hours =
            calendar::parse_working_hours(&hours).map(|w| calendar::show_working_hours(&w)).unwrap_or(hours);
        let mut holidays = c.holidays.clone().unwrap_or_default();
        holidays.sort();
        holidays.dedup();
        Self {
            id: c.id.to_string(),
            name: c.name.clone(),
            created_at: c.created_at.clone(),
            time_zone: c.time_zone.clone().unwrap_or_else(|| "UTC".into()),
            working_hours,
            holidays,
            overtime_rule: c.overtime_rule.unwrap_or_default(),
            rounding_minutes: c.rounding_minutes.unwrap_or(0),
            version: c.version,
        }
    }
}
