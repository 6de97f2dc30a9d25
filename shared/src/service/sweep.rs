//! The leaver-risk sweep: re-scores every active leaver whose leave date is
//! inside the risk window (90 days before to 30 days after today), records
//! the day's history, raises alerts, and on the leave date deactivates the
//! linked account (when the company's settings allow), reads it back to
//! verify, and ticks the checklist with the verified result.
//!
//! Cost: per company, one `Query` page of the leave-date index (gsi2) per
//! 1 MB of leavers in the window plus the settings read, then one
//! transaction per leaver. Nothing depends on how many leavers are outside
//! the window. Re-running on the same day overwrites the day's history entry
//! and finds alerts already open, so it adds nothing twice.

use serde::Serialize;

use super::assess;
use super::{commit_with_audit, App};
use crate::domain::audit::{ChainHead, NewEvent, Origin};
use crate::domain::leavers::{format_date, parse_date, LeaverStatus};
use crate::domain::risk::RiskSettings;
use crate::domain::timestamp;
use crate::store::items::{self, User};
use crate::store::leavers::{self as stored, Leaver};
use crate::store::{decode, keys, schema, start_item, Cond, Exprs, SkCond, StoreError, Tenant, Tx};

/// Days before the leave date a leaver enters the window.
pub const WINDOW_DAYS_BEFORE: i64 = 90;
/// Days after the leave date a leaver stays in the window.
pub const WINDOW_DAYS_AFTER: i64 = 30;

/// What one company's sweep did.
#[derive(Debug, Default, Clone, Serialize, utoipa::ToSchema)]
pub struct SweepReport {
    pub assessed: u32,
    pub alerts_raised: u32,
    pub deactivated: u32,
    /// Leavers skipped because they changed during the sweep (next run).
    pub skipped: u32,
    pub errors: Vec<String>,
}

impl SweepReport {
    pub fn add(&mut self, o: &SweepReport) {
        self.assessed += o.assessed;
        self.alerts_raised += o.alerts_raised;
        self.deactivated += o.deactivated;
        self.skipped += o.skipped;
        self.errors.extend(o.errors.iter().cloned());
    }
}

/// The leave-date range (inclusive) of the window on `today`.
pub fn window(today: time::Date) -> (String, String) {
    (
        format_date(today - time::Duration::days(WINDOW_DAYS_AFTER)),
        format_date(today + time::Duration::days(WINDOW_DAYS_BEFORE)),
    )
}

/// Where a company's sweep stopped: the leave-date index key (table and
/// gsi2 attributes) of the last leaver it finished, to go on after.
pub type Resume = std::collections::HashMap<String, String>;

/// How far a company's sweep got.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress {
    /// Every leaver in the window was swept.
    Done,
    /// Out of time: go on after this key.
    Stopped(Resume),
}

/// How much one call may sweep: until a deadline, and at most so many
/// leavers (whichever comes first; at least one leaver either way).
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    /// Epoch milliseconds.
    pub deadline_ms: u64,
    pub max_leavers: u32,
}

/// The current time in epoch milliseconds, for deadlines.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

/// Sweeps one company's leavers in the window, from `resume` on (or the
/// start), until done or the budget is spent (checked before each leaver):
/// then it returns where it stopped, to go on from there. It always sweeps
/// at least one leaver, so every call makes progress.
/// `actor` is who asked (`system` for the schedule).
pub async fn sweep_company(
    app: &App,
    t: &Tenant,
    now: time::OffsetDateTime,
    actor: &str,
    request_id: &str,
    resume: Option<Resume>,
    budget: Budget,
) -> Result<(SweepReport, Progress), StoreError> {
    let store = &app.store;
    let today = now.date();
    let stamp = timestamp(now);
    let (from, to) = window(today);
    let (from, to) = (format!("{from}#"), format!("{to}#~"));
    let found = store.batch_get(&[keys::risk_settings(t), keys::departments_summary(t), keys::audit_head(t)]).await?;
    let stored: Option<RiskSettings> = found.get(&keys::risk_settings(t)).cloned().map(decode).transpose()?;
    let settings = assess::effective_settings(stored, found.get(&keys::departments_summary(t)));
    let mut head: ChainHead = found
        .get(&keys::audit_head(t))
        .cloned()
        .map(decode::<items::Head>)
        .transpose()?
        .map(ChainHead::from)
        .unwrap_or_else(ChainHead::genesis);
    let origin = Origin {
        actor: actor.to_string(),
        source_ip: "-".into(),
        request_id: request_id.to_string(),
        at: stamp.clone(),
    };
    let mut report = SweepReport::default();
    let pk = keys::leavers_by_date_gsi2pk(t);
    let mut page_from = resume;
    let mut start = page_from.clone().map(start_item);
    let mut swept = 0u32;
    loop {
        let filter =
            Some(("#status = :active".to_string(), Exprs::new().name("#status", "status").str(":active", "active")));
        let page = store
            .query(
                Some((schema::GSI2, schema::GSI2_PK, schema::GSI2_SK)),
                &pk,
                SkCond::Between(&from, &to),
                1000,
                start,
                true,
                filter,
            )
            .await?;
        let mut last: Option<Resume> = None;
        for item in page.items {
            if swept > 0 && (swept >= budget.max_leavers || now_ms() >= budget.deadline_ms) {
                // Out of time: go on after the last leaver finished (on this
                // page, or the last of the previous one).
                if let Some(after) = last.or(page_from.take()) {
                    return Ok((report, Progress::Stopped(after)));
                }
            }
            let l: Leaver = decode(item)?;
            let key = resume_key(t, &l);
            match sweep_leaver(app, t, &settings, l, now, &mut head, &origin).await {
                Ok(r) => report.add(&r),
                Err(e) => report.errors.push(e.to_string()),
            }
            swept += 1;
            last = Some(key);
        }
        match page.last_key {
            Some(k) => {
                page_from = Some(k.clone());
                start = Some(start_item(k));
            }
            None => return Ok((report, Progress::Done)),
        }
    }
}

/// The index key of a leaver, as DynamoDB's start key of the next page.
fn resume_key(t: &Tenant, l: &Leaver) -> Resume {
    let k = keys::leaver(t, &l.id);
    Resume::from([
        (schema::PK.to_string(), k.pk),
        (schema::SK.to_string(), k.sk),
        (schema::GSI2_PK.to_string(), keys::leavers_by_date_gsi2pk(t)),
        (schema::GSI2_SK.to_string(), keys::leavers_by_date_gsi2sk(&l.leave_date, &l.id)),
    ])
}

async fn sweep_leaver(
    app: &App,
    t: &Tenant,
    settings: &RiskSettings,
    mut l: Leaver,
    now: time::OffsetDateTime,
    head: &mut ChainHead,
    origin: &Origin,
) -> Result<SweepReport, StoreError> {
    let store = &app.store;
    let table = store.table().to_string();
    let today = now.date();
    let stamp = timestamp(now);
    let mut report = SweepReport::default();
    if l.status != LeaverStatus::Active {
        return Ok(report);
    }
    let mut events = Vec::new();

    // On and after the leave date: deactivate the linked account, verify.
    let due = |l: &Leaver| {
        parse_date(&l.leave_date).map(|d| d <= today).unwrap_or(false)
            && settings.auto_deactivate
            && l.employee_id.is_some()
            && !l.checklist.iter().any(|i| i.id == "accounts_disabled" && i.done)
    };
    let mut deactivation_failed = None;
    let mut reindexed: Option<User> = None;
    if due(&l) {
        // The index may be behind: decide on the leaver as stored now.
        match store.get(&keys::leaver(t, &l.id)).await?.map(decode::<Leaver>).transpose()? {
            Some(fresh) if fresh.status == LeaverStatus::Active => l = fresh,
            _ => return Ok(report),
        }
    }
    let read_rev = l.rev;
    if let Some(uid) = l.employee_id.clone().filter(|_| due(&l)) {
        // Deactivate and record it together, only if the account is still
        // active: should a run's commit below have failed after this, the
        // next run finds it inactive and neither deactivates nor audits it
        // again. Then read the account back, whoever deactivated it.
        let key = keys::user(t, &uid);
        let mut tx = Tx::new();
        tx.update(
            &table,
            &key,
            "SET active = :f, sessions_revoked_at = :now, version = version + :one",
            Cond::Expr("active = :t".into()),
            Exprs::new().bool(":f", false).bool(":t", true).str(":now", &stamp).num(":one", 1),
        );
        let event = NewEvent::new("user.deactivated", uid.to_string())
            .with("by", "risk-sweep")
            .with("leaver", l.id.to_string());
        let deactivated = match commit_with_audit(app, t, head.clone(), origin, tx, vec![event], None).await {
            Ok(new_head) => {
                *head = new_head;
                true
            }
            Err(StoreError::Cancelled { .. }) => false,
            Err(e) => return Err(e),
        };
        let read_back = store.get(&key).await?.map(decode::<User>).transpose()?;
        let verified = read_back.as_ref().is_some_and(|u| !u.active);
        if deactivated {
            // Its search entries copy the record (version included).
            reindexed = read_back.filter(|u| !u.active);
        }
        if verified {
            let how = if deactivated { "deactivated and verified" } else { "found and verified" };
            if let Some(item) = l.checklist.iter_mut().find(|i| i.id == "accounts_disabled") {
                item.done = true;
                item.done_at = Some(stamp.clone());
                item.done_by = Some("risk-sweep".into());
                item.note = Some(format!("account {uid} {how} inactive by reading it back at {stamp}"));
            }
            if deactivated {
                report.deactivated += 1;
            }
        } else {
            deactivation_failed = Some(uid);
        }
    }

    // From the account: what it still holds, named (the unhanded_work
    // signal), the access tickets it raised (access_requests) and its
    // shifts outside working hours (after_hours_activity).
    if let Some(uid) = l.employee_id.clone() {
        l.held = Some(crate::store::projects::held_work(store, t, &uid, 50, &stamp).await?);
        if let Some(item) = store.get(&keys::user(t, &uid)).await? {
            l.access_requests = crate::store::items::access_request_counts(&item);
            l.after_hours = Some(crate::store::items::after_hours(&item));
        }
    }
    let a = assess::score(&l, settings, today);
    let mut tx = Tx::new();
    let recorded = assess::record(&mut tx, &table, t, &mut l, &a, today, &stamp, &mut events);
    if let Some(uid) = deactivation_failed.as_ref().filter(|_| !l.open_alerts.contains_key("deactivation")) {
        let alert = assess::deactivation_failed_alert(&l, uid, &stamp);
        assess::stage_alert(&mut tx, &table, t, &alert);
        l.open_alerts.insert(alert.slot().to_string(), alert.id.to_string());
        events.push(
            NewEvent::new("alert.raised", alert.id.to_string())
                .with("leaver", l.id.to_string())
                .with("kind", "deactivation_failed"),
        );
        report.alerts_raised += 1;
    }
    if let Some(u) = &reindexed {
        crate::store::people::stage_entries(&mut tx, &table, t, Some(u), u)?;
    }
    l.rev += 1;
    stored::stage_put(&mut tx, &table, t, &l, Some(read_rev))?;
    match commit_with_audit(app, t, head.clone(), origin, tx, events, None).await {
        Ok(new_head) => {
            *head = new_head;
            report.assessed += 1;
            if recorded.alert.is_some() {
                report.alerts_raised += 1;
            }
        }
        Err(StoreError::Cancelled { .. }) => {
            // Changed by someone meanwhile: the next run scores it. Our
            // head may be stale now; re-read it.
            report.skipped += 1;
            *head = store
                .get(&keys::audit_head(t))
                .await?
                .map(decode::<items::Head>)
                .transpose()?
                .map(ChainHead::from)
                .unwrap_or_else(ChainHead::genesis);
        }
        Err(e) => return Err(e),
    }
    Ok(report)
}
