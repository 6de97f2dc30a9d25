//! `/clockins`, `/clockins/{id}`: punches, shifts and their corrections.
//!
//! A punch for oneself is now; one for someone else (a manager for the
//! people of their departments, owner/HR/admin for anyone) names `at` and a
//! `reason`. Each punch is one transaction: the shift, the person's clock
//! (conditional on the version read: one open shift, no punch inside an
//! earlier shift), the weekly totals on clock-out, the check that the day
//! is not in a closed payroll period, and the audit event.

use jiff::Timestamp;
use serde::Deserialize;

use super::TIME_ADMINS;
use crate::domain::audit::NewEvent;
use crate::domain::calendar::Calendar;
use crate::domain::payroll;
use crate::domain::roles::Role;
use crate::domain::validate::{self, Checker};
use crate::error::ApiError;
use crate::http::cursor::{BY_GSI1, BY_GSI2};
use crate::http::{json, no_content, Ctx, ListPage, Reply};
use crate::ids::{ClockinId, DepartmentId, UserId};
use crate::store::departments::manager_from_item;
use crate::store::items::{Company, User};
use crate::store::time::{
    add_pieces, attr, stage_clock, stage_open_period, stage_shift, stage_week_deltas, ClockState, PayrollLock, Shift,
    ShiftVersion, WeekDeltas, AFTER_HOURS_KEPT, AFTER_HOURS_PREFIX, AFTER_HOURS_RECENT, MAX_VERSIONS,
};
use crate::store::{decode, keys, schema, Cond, Exprs, Key, SkCond, StoreError, Tenant, Tx};

/// Reasons up to this many characters.
pub const MAX_REASON: usize = 1000;
/// No shift is longer than this.
pub const MAX_SHIFT_SECONDS: i64 = 24 * 3600;
/// How far ahead of the server's clock an `at` may be (clock skew).
const SKEW_SECONDS: i64 = 60;
/// How far back a punch may be recorded or a shift moved: a year.
const MAX_BACK_SECONDS: i64 = 366 * 24 * 3600;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClockRequest {
    /// `in` or `out`.
    pub action: String,
    /// Whose time (default: the caller's own).
    pub employee_id: Option<String>,
    /// When (RFC 3339 with an offset): only when recording someone else's
    /// time, and then required. One's own punches are now.
    pub at: Option<String>,
    /// Why: required when recording someone else's time (at most 1000
    /// characters).
    pub reason: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectRequest {
    pub version: u64,
    /// The corrected clock-in (RFC 3339 with an offset).
    pub in_at: Option<String>,
    /// The corrected clock-out.
    pub out_at: Option<String>,
    /// Why (required, at most 1000 characters).
    pub reason: Option<String>,
}

/// An instant as stored and shown: UTC, whole seconds
/// (`2026-11-30T09:00:00Z`), so that text order is time order.
pub(crate) fn show(t: Timestamp) -> String {
    Timestamp::from_second(t.as_second()).unwrap_or(t).to_string()
}

/// An RFC 3339 instant with an offset.
pub(crate) fn parse_instant(raw: &str) -> Result<Timestamp, &'static str> {
    raw.trim()
        .parse::<Timestamp>()
        .ok()
        .and_then(|t| Timestamp::from_second(t.as_second()).ok())
        .ok_or("must be an RFC 3339 instant with an offset, such as 2026-11-30T09:00:00+01:00")
}

pub(crate) fn now(ctx: &Ctx) -> Timestamp {
    Timestamp::from_second(ctx.unix()).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// The company (its calendar and payroll rules), prefetched.
pub(crate) fn company(ctx: &Ctx, t: &Tenant) -> Result<Company, ApiError> {
    ctx.prefetched::<Company>(&keys::company(t))?.ok_or(ApiError::NotFound)
}

pub(crate) fn closed_to(ctx: &Ctx, t: &Tenant) -> Result<Option<String>, ApiError> {
    Ok(ctx.prefetched::<PayrollLock>(&keys::payroll_lock(t))?.and_then(|l| l.closed_to))
}

fn closed(date: &str, to: &str) -> ApiError {
    ApiError::Conflict(format!(
        "{date} is in a closed payroll period (closed up to {to}); its time can no longer change."
    ))
}

/// Whether the caller manages `department` (from the departments summary).
pub(crate) fn manages(ctx: &Ctx, t: &Tenant, department: Option<&DepartmentId>) -> Result<bool, ApiError> {
    let p = ctx.principal()?;
    Ok(p.role() == Role::Manager
        && department.is_some_and(|d| {
            manager_from_item(ctx.prefetched_raw(&keys::departments_summary(t)), d).as_ref() == Some(p.id())
        }))
}

/// May the caller see `subject`'s time: their own; a manager of the
/// department; owner, HR and admins.
pub(crate) fn may_see(
    ctx: &Ctx,
    t: &Tenant,
    subject: &UserId,
    department: Option<&DepartmentId>,
) -> Result<bool, ApiError> {
    let p = ctx.principal()?;
    Ok(p.id() == subject || TIME_ADMINS.contains(&p.role()) || manages(ctx, t, department)?)
}

/// May the caller record or correct `subject`'s time for them: never their
/// own; a manager for the department; owner, HR and admins for anyone.
fn may_act_for(ctx: &Ctx, t: &Tenant, subject: &UserId, department: Option<&DepartmentId>) -> Result<(), ApiError> {
    let p = ctx.principal()?;
    if p.id() == subject {
        return Err(ApiError::Forbidden(
            "Nobody records or corrects their own time for themselves: clock in and out, or ask your manager or HR.",
        ));
    }
    if TIME_ADMINS.contains(&p.role()) || manages(ctx, t, department)? {
        return Ok(());
    }
    Err(ApiError::Forbidden(
        "Only the manager of the person's department, the company's owner and HR record or correct someone's time.",
    ))
}

fn subject_named(ctx: &Ctx) -> Option<UserId> {
    match ctx.json_opt::<serde_json::Value>() {
        Ok(Some(v)) => match v.get("employee_id").and_then(|x| x.as_str()) {
            Some(raw) => UserId::parse(raw),
            None => ctx.caller().cloned(),
        },
        _ => ctx.caller().cloned(),
    }
}

/// `POST /clockins`: the company, its payroll lock and departments, and
/// the person's record and clock.
pub fn prefetch_punch(ctx: &Ctx, scope: &Tenant) -> Vec<Key> {
    let mut k = vec![keys::company(scope), keys::payroll_lock(scope), keys::departments_summary(scope)];
    if let Some(s) = subject_named(ctx) {
        k.push(keys::user(scope, &s));
        k.push(keys::clock_state(scope, &s));
    }
    k
}

/// `POST /clockins`.
pub async fn punch(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let req: ClockRequest = ctx.json()?;
    let t = ctx.tenant()?.clone();
    let p = ctx.principal()?.clone();
    let now = now(ctx);
    let mut c = Checker::default();
    let clock_in = c.check(
        "action",
        match req.action.as_str() {
            "in" => Ok(true),
            "out" => Ok(false),
            _ => Err("must be in or out"),
        },
    );
    let subject = match req.employee_id.as_deref() {
        None if p.company() == t.id() => Some(p.id().clone()),
        None => c.check("employee_id", Err::<UserId, _>("is required: a platform admin names the person")),
        Some(raw) => c.check(
            "employee_id",
            UserId::parse(raw)
                .and_then(|id| ctx.prefetched::<User>(&keys::user(&t, &id)).ok().flatten())
                .filter(|u| u.active)
                .map(|u| u.id)
                .ok_or("is not an active person of this company"),
        ),
    };
    let own = subject.as_ref() == Some(p.id());
    let at = match (req.at.as_deref(), own) {
        (None, true) => Some(now),
        (None, false) => c.check("at", Err::<Timestamp, _>("is required when recording someone else's time")),
        (Some(_), true) => {
            c.check("at", Err::<Timestamp, _>("is only for recording someone else's time: your own punches are now"))
        }
        (Some(raw), false) => c.check(
            "at",
            parse_instant(raw).and_then(|a| {
                if a.as_second() > now.as_second() + SKEW_SECONDS {
                    Err("is in the future")
                } else if a.as_second() < now.as_second() - MAX_BACK_SECONDS {
                    Err("is more than a year ago")
                } else {
                    Ok(a)
                }
            }),
        ),
    };
    let reason = match req.reason.as_deref().filter(|r| !r.trim().is_empty()) {
        None if !own => c.check("reason", Err::<Option<String>, _>("is required when recording someone else's time")),
        None => Some(None),
        Some(r) => c.check("reason", validate::text(r, MAX_REASON).map(Some)),
    };
    c.finish().map_err(ApiError::Validation)?;
    let (Some(clock_in), Some(subject), Some(at), Some(reason)) = (clock_in, subject, at, reason) else {
        return Err(ApiError::internal("checker passed with missing values"));
    };
    let person: User = ctx.prefetched(&keys::user(&t, &subject))?.ok_or(ApiError::NotFound)?;
    if !own {
        may_act_for(ctx, &t, &subject, person.department_id.as_ref())?;
    }
    let company = company(ctx, &t)?;
    let cal = company.calendar();
    if let Some(start) = person.start_date.as_deref() {
        if cal.local_date(at).to_string().as_str() < start {
            return Err(ApiError::invalid("at", format!("is before the person's start date ({start})")));
        }
    }
    let clock: Option<ClockState> = ctx.prefetched(&keys::clock_state(&t, &subject))?;
    let read = clock.as_ref().map(|c| c.version);
    let mut clock = clock.unwrap_or_default();
    let lock = closed_to(ctx, &t)?;
    let version = ShiftVersion {
        action: if clock_in { "in" } else { "out" }.into(),
        in_at: String::new(),
        out_at: None,
        by: p.id().to_string(),
        at: ctx.timestamp(),
        reason: reason.clone(),
    };
    let table = ctx.table().to_string();
    let mut tx = Tx::new();
    let shift = if clock_in {
        if let Some(open) = &clock.open {
            return Err(ApiError::Conflict(format!("Already clocked in since {}: clock out first.", open.in_at)));
        }
        if let Some(last) = clock.last_out.as_deref() {
            if show(at).as_str() < last {
                return Err(ApiError::Conflict(format!(
                    "That is before the end of the person's last shift ({last}): correct that shift instead."
                )));
            }
        }
        let date = cal.local_date(at).to_string();
        if let Some(to) = lock.as_deref().filter(|to| date.as_str() <= *to) {
            return Err(closed(&date, to));
        }
        let in_at = show(at);
        let earliest = clock.last_out.clone().or_else(|| {
            person.start_date.as_deref().and_then(|d| d.parse().ok()).and_then(|d| cal.start_of_day(d)).map(show)
        });
        let shift = Shift {
            id: ClockinId::new(),
            employee_id: subject.clone(),
            department_id: person.department_id.clone(),
            full_name: person.full_name.clone(),
            hourly_rate: person.hourly_rate_cents.map(crate::domain::money::format),
            in_at: in_at.clone(),
            out_at: None,
            open: true,
            seconds: None,
            after_hours: !cal.is_working(at),
            voided: false,
            pieces: Vec::new(),
            earliest_in: earliest,
            latest_out: None,
            prev_id: clock.last_shift_id.clone(),
            next_id: None,
            version: 1,
            versions: vec![ShiftVersion { in_at: in_at.clone(), ..version }],
            created_at: ctx.timestamp(),
        };
        stage_shift(&mut tx, &table, &t, &shift, Cond::New, Exprs::new())?;
        if let Some(prev) = &clock.last_shift_id {
            // The previous shift may now end no later than this one starts.
            // …on condition that it still ends by then (a correction of it
            // racing this punch fails one of the two).
            tx.update(
                &table,
                &keys::clockin(&t, prev),
                "SET latest_out = :in, next_id = :next",
                Cond::Expr(
                    "out_at <= :in AND (attribute_not_exists(next_id) OR attribute_type(next_id, :null))".into(),
                ),
                Exprs::new().str(":in", in_at.clone()).str(":next", shift.id.to_string()).str(":null", "NULL"),
            );
        }
        clock.open = Some(shift.clone());
        clock.first_in.get_or_insert(in_at.clone());
        clock.last_punch = Some(in_at);
        stage_open_period(&mut tx, &table, &t, &date);
        shift
    } else {
        let Some(mut shift) = clock.open.take() else {
            return Err(ApiError::Conflict("Not clocked in: clock in first.".into()));
        };
        let in_ts = parse_instant(&shift.in_at).map_err(ApiError::internal)?;
        let length = at.as_second() - in_ts.as_second();
        if length < 0 {
            return Err(ApiError::invalid("at", format!("must not be before the clock-in ({})", shift.in_at)));
        }
        if length > MAX_SHIFT_SECONDS {
            return Err(ApiError::invalid(
                "at",
                format!(
                    "makes a shift longer than 24 hours (clocked in at {}): a manager or HR records the clock-out with its time",
                    shift.in_at
                ),
            ));
        }
        let out_at = show(at);
        let mut pieces = payroll::pieces(&cal, in_ts, at, company.rounding_minutes.unwrap_or(0));
        // A shift still open when its start's period was closed is not
        // stranded: its hours on closed dates are paid on the first open day.
        let mut date = cal.local_date(in_ts).to_string();
        if let Some(to) = lock.as_deref().filter(|to| date.as_str() <= *to) {
            let first_open = to
                .parse::<jiff::civil::Date>()
                .ok()
                .and_then(|d| d.tomorrow().ok())
                .ok_or_else(|| closed(&date, to))?;
            pieces = payroll::carry_into(pieces, to, first_open);
            date = first_open.to_string();
        }
        let was_after_hours = shift.after_hours;
        shift.after_hours = was_after_hours || cal.outside_hours(in_ts, at);
        shift.seconds = Some(pieces.iter().map(|p| p.seconds).sum());
        shift.pieces = pieces;
        shift.out_at = Some(out_at.clone());
        shift.open = false;
        shift.version += 1;
        let entry = ShiftVersion { in_at: shift.in_at.clone(), out_at: Some(out_at.clone()), ..version };
        shift.versions.push(entry.clone());
        // Written without reading the shift: only this clock-out closes it.
        tx.update(
            &table,
            &keys::clockin(&t, &shift.id),
            "SET out_at = :out, #open = :no, seconds = :s, pieces = :p, after_hours = :ah, versions = list_append(versions, :v) ADD version :one",
            Cond::Expr("#open = :yes".into()),
            Exprs::new()
                .name("#open", "open")
                .str(":out", out_at.clone())
                .bool(":no", false)
                .bool(":yes", true)
                .num(":s", shift.seconds.unwrap_or(0))
                .value(":p", attr(&shift.pieces)?)
                .bool(":ah", shift.after_hours)
                .value(":v", attr(&vec![entry])?)
                .num(":one", 1),
        );
        let mut deltas = WeekDeltas::new();
        add_pieces(&mut deltas, &shift.pieces, 1);
        stage_week_deltas(&mut tx, &table, &t, &shift.payee(), &deltas);
        if shift.after_hours {
            stage_after_hours(ctx, &mut tx, &t, &subject, &cal, in_ts, at);
        }
        clock.last_shift_id = Some(shift.id.clone());
        clock.last_out = Some(out_at.clone());
        clock.last_punch = Some(out_at);
        stage_open_period(&mut tx, &table, &t, &date);
        shift
    };
    clock.version = read.unwrap_or(0) + 1;
    stage_clock(&mut tx, &table, &t, &subject, &clock, read)?;
    let mut event = NewEvent::new(if clock_in { "clockin.in" } else { "clockin.out" }, shift.id.to_string())
        .with("employee", subject.to_string())
        .with("at", show(at));
    if !own {
        event = event.with("recorded_for", subject.to_string()).with("reason", reason.unwrap_or_default());
    }
    match ctx.commit_create(tx, vec![event], 201, &shift).await {
        Ok(r) => Ok(r),
        Err(StoreError::Cancelled { .. }) => Err(ApiError::Conflict(
            "The person's clock changed meanwhile (another punch?); read it again and retry.".into(),
        )),
        Err(e) => Err(e.into()),
    }
}

/// Counts a closed after-hours shift on the person's user item: per day
/// (`ah_{date}`, for the risk signal's baseline) and, described, among the
/// last few (its evidence).
#[allow(clippy::too_many_arguments)]
fn stage_after_hours(
    ctx: &Ctx,
    tx: &mut Tx,
    t: &Tenant,
    person: &UserId,
    cal: &Calendar,
    in_at: Timestamp,
    out_at: Timestamp,
) {
    let day = cal.local_date(in_at).to_string();
    let described = format!("{} {}–{}", day, local_hm(cal, in_at), local_hm(cal, out_at));
    // The person's counters and described shifts, as read with the request.
    let counted = ctx.prefetched_raw(&keys::user(t, person)).map(crate::store::items::after_hours).unwrap_or_default();
    let mut recent = counted.recent;
    recent.push(described);
    let skip = recent.len().saturating_sub(AFTER_HOURS_KEPT);
    let recent: Vec<String> = recent.into_iter().skip(skip).collect();
    let exprs = Exprs::new()
        .name("#recent", AFTER_HOURS_RECENT)
        .name("#day", &format!("{AFTER_HOURS_PREFIX}{day}"))
        .list(":recent", &recent)
        .num(":one", 1);
    let mut update = "SET #recent = :recent ADD #day :one".to_string();
    // Days older than the signal reads go, a few at a time.
    let today = crate::domain::leavers::parse_date(&cal.local_date(in_at).to_string());
    let exprs = match today {
        Ok(today) => {
            crate::api::remove_stale_days(&mut update, exprs, AFTER_HOURS_PREFIX, &counted.per_day, today, &day)
        }
        Err(_) => exprs,
    };
    tx.update(ctx.table(), &keys::user(t, person), &update, Cond::Exists, exprs);
}

fn local_hm(cal: &Calendar, at: Timestamp) -> String {
    let t = cal.local_time(at);
    format!("{:02}:{:02}", t.hour(), t.minute())
}

/// `GET/PATCH /clockins/{id}`: the shift, the company, its lock and departments.
pub fn prefetch_shift(ctx: &Ctx, scope: &Tenant) -> Vec<Key> {
    let mut k = vec![keys::company(scope), keys::payroll_lock(scope), keys::departments_summary(scope)];
    k.extend(ClockinId::parse(ctx.param("id")).map(|id| keys::clockin(scope, &id)));
    k
}

/// The shift named by `{id}`, if the caller may see it (else 404).
fn target(ctx: &Ctx, t: &Tenant) -> Result<Shift, ApiError> {
    let id = ClockinId::parse(ctx.param("id")).ok_or(ApiError::NotFound)?;
    let shift: Shift = ctx.prefetched(&keys::clockin(t, &id))?.ok_or(ApiError::NotFound)?;
    if !may_see(ctx, t, &shift.employee_id, shift.department_id.as_ref())? {
        return Err(ApiError::NotFound);
    }
    Ok(shift)
}

/// `GET /clockins/{id}`.
pub async fn get(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let t = ctx.tenant()?.clone();
    Ok(json(200, &target(ctx, &t)?))
}

/// `PATCH /clockins/{id}`: a closed shift's times, corrected within the
/// person's neighbouring shifts; the weekly totals move in the same
/// transaction, and the shift keeps every earlier version.
pub async fn correct(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let req: CorrectRequest = ctx.json()?;
    let t = ctx.tenant()?.clone();
    let p = ctx.principal()?.clone();
    let old = target(ctx, &t)?;
    let mut c = Checker::default();
    let new_in = req.in_at.as_deref().map(|r| c.check("in_at", parse_instant(r)));
    let new_out = req.out_at.as_deref().map(|r| c.check("out_at", parse_instant(r)));
    let reason = c.check(
        "reason",
        match req.reason.as_deref().filter(|r| !r.trim().is_empty()) {
            None => Err("is required: say why the time is corrected".to_string()),
            Some(r) => validate::text(r, MAX_REASON),
        },
    );
    if req.in_at.is_none() && req.out_at.is_none() {
        c.check("in_at", Err::<(), _>("or out_at is required: the corrected time"));
    }
    c.finish().map_err(ApiError::Validation)?;
    may_act_for(ctx, &t, &old.employee_id, old.department_id.as_ref())?;
    if old.open {
        return Err(ApiError::Conflict("The shift is still open: it can be corrected once clocked out.".into()));
    }
    if old.voided {
        return Err(ApiError::Conflict("The shift was voided; record a new one instead.".into()));
    }
    if req.version != old.version {
        return Err(ApiError::Conflict(format!(
            "The shift was changed meanwhile: version is {}, you sent {}.",
            old.version, req.version
        )));
    }
    if old.versions.len() >= MAX_VERSIONS {
        return Err(ApiError::Conflict(format!("This shift has {MAX_VERSIONS} versions; no more corrections.")));
    }
    let old_in = parse_instant(&old.in_at).map_err(ApiError::internal)?;
    let old_out = parse_instant(old.out_at.as_deref().unwrap_or_default()).map_err(ApiError::internal)?;
    let in_at = new_in.flatten().unwrap_or(old_in);
    let out_at = new_out.flatten().unwrap_or(old_out);
    let now = now(ctx);
    let mut errors = Checker::default();
    if out_at <= in_at {
        errors.check("out_at", Err::<(), _>(format!("must be after the clock-in ({})", show(in_at))));
    } else if out_at.as_second() - in_at.as_second() > MAX_SHIFT_SECONDS {
        errors.check("out_at", Err::<(), _>("makes a shift longer than 24 hours"));
    }
    if out_at.as_second() > now.as_second() + SKEW_SECONDS {
        errors.check("out_at", Err::<(), _>("is in the future"));
    }
    if in_at.as_second() < now.as_second() - MAX_BACK_SECONDS {
        errors.check("in_at", Err::<(), _>("is more than a year ago"));
    }
    if let Some(e) = old.earliest_in.as_deref().filter(|e| show(in_at).as_str() < *e) {
        errors.check(
            "in_at",
            Err::<(), _>(format!("must not be before {e} (the end of the previous shift, or the start date)")),
        );
    }
    if let Some(l) = old.latest_out.as_deref().filter(|l| show(out_at).as_str() > *l) {
        errors.check("out_at", Err::<(), _>(format!("must not be after {l} (the start of the next shift)")));
    }
    errors.finish().map_err(ApiError::Validation)?;
    let company = company(ctx, &t)?;
    let cal = company.calendar();
    let earliest_date = cal.local_date(in_at.min(old_in)).to_string();
    if let Some(to) = closed_to(ctx, &t)?.filter(|to| earliest_date.as_str() <= to.as_str()) {
        return Err(closed(&earliest_date, &to));
    }
    let mut next = old.clone();
    next.in_at = show(in_at);
    next.out_at = Some(show(out_at));
    next.pieces = payroll::pieces(&cal, in_at, out_at, company.rounding_minutes.unwrap_or(0));
    next.seconds = Some(next.pieces.iter().map(|p| p.seconds).sum());
    next.after_hours = cal.outside_hours(in_at, out_at);
    next.version += 1;
    next.versions.push(ShiftVersion {
        action: "corrected".into(),
        in_at: next.in_at.clone(),
        out_at: next.out_at.clone(),
        by: p.id().to_string(),
        at: ctx.timestamp(),
        reason: reason.clone(),
    });
    if next.in_at == old.in_at && next.out_at == old.out_at {
        return Ok(json(200, &old));
    }
    let table = ctx.table().to_string();
    let mut tx = Tx::new();
    let (cond, exprs) = as_read(&old);
    stage_shift(&mut tx, &table, &t, &next, cond, exprs)?;
    if next.in_at != old.in_at {
        if let Some(prev) = &old.prev_id {
            tx.update(
                &table,
                &keys::clockin(&t, prev),
                "SET latest_out = :in",
                Cond::Exists,
                Exprs::new().str(":in", next.in_at.clone()),
            );
        }
    }
    if next.out_at != old.out_at {
        match &old.next_id {
            Some(n) => {
                tx.update(
                    &table,
                    &keys::clockin(&t, n),
                    "SET earliest_in = :out",
                    Cond::Exists,
                    Exprs::new().str(":out", next.out_at.clone().unwrap_or_default()),
                );
            }
            None => {
                // The person's last shift: their clock remembers where it ends.
                tx.update(
                    &table,
                    &keys::clock_state(&t, &old.employee_id),
                    "SET last_out = :out, last_punch = :out ADD version :one",
                    Cond::Expr("last_shift_id = :id".into()),
                    Exprs::new()
                        .str(":out", next.out_at.clone().unwrap_or_default())
                        .str(":id", old.id.to_string())
                        .num(":one", 1),
                );
            }
        }
    }
    let mut deltas = WeekDeltas::new();
    add_pieces(&mut deltas, &old.pieces, -1);
    add_pieces(&mut deltas, &next.pieces, 1);
    stage_week_deltas(&mut tx, &table, &t, &old.payee(), &deltas);
    // The after-hours count moves with the shift: off its old day, onto its new one.
    let (old_day, new_day) = (cal.local_date(old_in).to_string(), cal.local_date(in_at).to_string());
    let mut counts: Vec<(String, i64)> = Vec::new();
    if old.after_hours {
        counts.push((old_day, -1));
    }
    if next.after_hours {
        match counts.iter_mut().find(|(d, _)| *d == new_day) {
            Some(c) => c.1 += 1,
            None => counts.push((new_day, 1)),
        }
    }
    counts.retain(|(_, n)| *n != 0);
    if !counts.is_empty() {
        let mut exprs = Exprs::new();
        let mut adds = Vec::new();
        for (i, (d, n)) in counts.iter().enumerate() {
            exprs = exprs.name(&format!("#d{i}"), &format!("{AFTER_HOURS_PREFIX}{d}")).num(&format!(":n{i}"), n);
            adds.push(format!("#d{i} :n{i}"));
        }
        tx.update(&table, &keys::user(&t, &old.employee_id), &format!("ADD {}", adds.join(", ")), Cond::Exists, exprs);
    }
    stage_open_period(&mut tx, &table, &t, &earliest_date);
    let event = NewEvent::new("clockin.corrected", old.id.to_string())
        .with("employee", old.employee_id.to_string())
        .with("in_at", format!("{} -> {}", old.in_at, next.in_at))
        .with(
            "out_at",
            format!("{} -> {}", old.out_at.clone().unwrap_or_default(), next.out_at.clone().unwrap_or_default()),
        )
        .with("reason", reason.unwrap_or_default());
    match ctx.commit(tx, vec![event]).await {
        Ok(()) => Ok(json(200, &next)),
        Err(StoreError::Cancelled { .. }) => Err(ApiError::Conflict(
            "The shift or its neighbours changed meanwhile, or its period was closed; read it again and retry.".into(),
        )),
        Err(e) => Err(e.into()),
    }
}

/// The condition of a write over `old`: its version and its neighbours'
/// bounds as read (a neighbour's correction moves them).
fn as_read(old: &Shift) -> (Cond, Exprs) {
    let mut exprs = Exprs::new().num(":v", old.version);
    let mut cond = vec!["version = :v".to_string()];
    for (attr_name, value, ph) in [("earliest_in", &old.earliest_in, ":e"), ("latest_out", &old.latest_out, ":l")] {
        match value {
            Some(v) => {
                cond.push(format!("{attr_name} = {ph}"));
                exprs = exprs.str(ph, v.clone());
            }
            None => cond.push(format!("(attribute_not_exists({attr_name}) OR attribute_type({attr_name}, :null))")),
        }
    }
    // DynamoDB refuses a value the expression does not use.
    if old.earliest_in.is_none() || old.latest_out.is_none() {
        exprs = exprs.str(":null", "NULL");
    }
    (Cond::Expr(cond.join(" AND ")), exprs)
}

/// `DELETE /clockins/{id}?reason=`: voids a closed shift recorded in error.
/// It keeps its versions (the last says who voided it and why), leaves the
/// lists and the totals, and its neighbours close the gap.
pub async fn void(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let t = ctx.tenant()?.clone();
    let p = ctx.principal()?.clone();
    let old = target(ctx, &t)?;
    let reason = match ctx.query("reason").filter(|r| !r.trim().is_empty()) {
        None => Err(ApiError::invalid("reason", "is required: say why the shift is voided")),
        Some(r) => validate::text(r, MAX_REASON).map_err(|m| ApiError::invalid("reason", m)),
    }?;
    may_act_for(ctx, &t, &old.employee_id, old.department_id.as_ref())?;
    if old.voided {
        return Ok(no_content());
    }
    if old.open {
        return Err(ApiError::Conflict("The shift is still open: clock it out, then void it.".into()));
    }
    if old.versions.len() >= MAX_VERSIONS {
        return Err(ApiError::Conflict(format!("This shift has {MAX_VERSIONS} versions; it can no longer change.")));
    }
    let cal = company(ctx, &t)?.calendar();
    let in_at = parse_instant(&old.in_at).map_err(ApiError::internal)?;
    let date = cal.local_date(in_at).to_string();
    if let Some(to) = closed_to(ctx, &t)?.filter(|to| date.as_str() <= to.as_str()) {
        return Err(closed(&date, &to));
    }
    let mut next = old.clone();
    next.voided = true;
    next.pieces = Vec::new();
    next.seconds = Some(0);
    next.version += 1;
    next.versions.push(ShiftVersion {
        action: "voided".into(),
        in_at: old.in_at.clone(),
        out_at: old.out_at.clone(),
        by: p.id().to_string(),
        at: ctx.timestamp(),
        reason: Some(reason.clone()),
    });
    let table = ctx.table().to_string();
    let mut tx = Tx::new();
    let (cond, exprs) = as_read(&old);
    stage_shift(&mut tx, &table, &t, &next, cond, exprs)?;
    // Its neighbours now bound each other.
    let set_or_remove = |pairs: &[(&str, Option<String>)]| -> (String, Exprs) {
        let (mut set, mut remove, mut exprs) = (Vec::new(), Vec::new(), Exprs::new());
        for (i, (name, v)) in pairs.iter().enumerate() {
            match v {
                Some(v) => {
                    set.push(format!("{name} = :v{i}"));
                    exprs = exprs.str(&format!(":v{i}"), v.clone());
                }
                None => remove.push(name.to_string()),
            }
        }
        let mut u = String::new();
        if !set.is_empty() {
            u.push_str(&format!("SET {}", set.join(", ")));
        }
        if !remove.is_empty() {
            u.push_str(&format!(" REMOVE {}", remove.join(", ")));
        }
        (u, exprs)
    };
    if let Some(prev) = &old.prev_id {
        let (u, e) = set_or_remove(&[
            ("latest_out", old.latest_out.clone()),
            ("next_id", old.next_id.as_ref().map(ToString::to_string)),
        ]);
        tx.update(&table, &keys::clockin(&t, prev), u.trim(), Cond::Exists, e);
    }
    match &old.next_id {
        Some(n) => {
            let (u, e) = set_or_remove(&[
                ("earliest_in", old.earliest_in.clone()),
                ("prev_id", old.prev_id.as_ref().map(ToString::to_string)),
            ]);
            tx.update(&table, &keys::clockin(&t, n), u.trim(), Cond::Exists, e);
        }
        None => {
            let (u, e) = set_or_remove(&[
                ("last_shift_id", old.prev_id.as_ref().map(ToString::to_string)),
                ("last_out", old.earliest_in.clone()),
            ]);
            let u =
                if u.starts_with("SET") { format!("{u} ADD version :one") } else { format!("ADD version :one {u}") };
            tx.update(
                &table,
                &keys::clock_state(&t, &old.employee_id),
                u.trim(),
                Cond::Expr("last_shift_id = :id".into()),
                e.str(":id", old.id.to_string()).num(":one", 1),
            );
        }
    }
    let mut deltas = WeekDeltas::new();
    add_pieces(&mut deltas, &old.pieces, -1);
    stage_week_deltas(&mut tx, &table, &t, &old.payee(), &deltas);
    if old.after_hours {
        tx.update(
            &table,
            &keys::user(&t, &old.employee_id),
            "ADD #d :n",
            Cond::Exists,
            Exprs::new().name("#d", &format!("{AFTER_HOURS_PREFIX}{date}")).num(":n", -1),
        );
    }
    stage_open_period(&mut tx, &table, &t, &date);
    let event = NewEvent::new("clockin.voided", old.id.to_string())
        .with("employee", old.employee_id.to_string())
        .with("reason", reason);
    match ctx.commit(tx, vec![event]).await {
        Ok(()) => Ok(no_content()),
        Err(StoreError::Cancelled { .. }) => Err(ApiError::Conflict(
            "The shift or its neighbours changed meanwhile, or its period was closed; read it again and retry.".into(),
        )),
        Err(e) => Err(e.into()),
    }
}

/// `GET /clockins`: the company (for dates), its departments, and the
/// person a manager asks about.
pub fn prefetch_list(ctx: &Ctx, scope: &Tenant) -> Vec<Key> {
    let mut k = vec![keys::company(scope), keys::departments_summary(scope)];
    k.extend(ctx.query("employee_id").and_then(UserId::parse).map(|u| keys::user(scope, &u)));
    k
}

/// `from`/`to` of a list: an instant, or a date (its start, or for `to`
/// its end) in the company's zone; as index sort-key bounds.
pub(crate) fn range(ctx: &Ctx, cal: &Calendar) -> Result<(String, String), ApiError> {
    let bound = |name: &str, end: bool| -> Result<Option<String>, ApiError> {
        let Some(raw) = ctx.query(name).filter(|r| !r.is_empty()) else { return Ok(None) };
        if let Ok(d) = raw.parse::<jiff::civil::Date>() {
            let day = if end { d.tomorrow().ok() } else { Some(d) };
            let at =
                day.and_then(|d| cal.start_of_day(d)).ok_or_else(|| ApiError::bad_field(name, "is out of range"))?;
            return Ok(Some(show(at)));
        }
        parse_instant(raw).map(|t| Some(show(t))).map_err(|m| ApiError::bad_field(name, format!("{m}, or a date")))
    };
    let from = bound("from", false)?.unwrap_or_else(|| "0000".into());
    let to = bound("to", true)?.unwrap_or_else(|| "9999".into());
    if from > to {
        return Err(ApiError::invalid("from", "must not be after to"));
    }
    Ok((from, to))
}

/// The index partitions a time list reads: a department's, or a person's.
pub(crate) struct Partitions {
    pub department: fn(&Tenant, &DepartmentId) -> String,
    pub person: fn(&Tenant, &UserId) -> String,
}

/// One page of a time list (`GET /clockins`, `GET /events`): a
/// department's (`department_id`: its manager, owner, HR, admins) or a
/// person's (`employee_id`, one's own by default: whoever may see their
/// time), between `from` and `to` (instants or the company's dates), by the
/// index's sort key (`{instant}#{id}`).
pub(crate) async fn list_page<T>(
    ctx: &Ctx,
    what: &str,
    by_index: Partitions,
    newest_first: bool,
) -> Result<Reply, ApiError>
where
    T: serde::de::DeserializeOwned + serde::Serialize,
{
    let t = ctx.tenant()?.clone();
    let p = ctx.principal()?.clone();
    let cal = company(ctx, &t)?.calendar();
    let (from, to) = range(ctx, &cal)?;
    let (index, pk, by, scope) = if let Some(raw) = ctx.query("department_id") {
        let d =
            DepartmentId::parse(raw).ok_or_else(|| ApiError::bad_field("department_id", "is not a department id"))?;
        if !(TIME_ADMINS.contains(&p.role()) || manages(ctx, &t, Some(&d))?) {
            return Err(ApiError::Forbidden(
                "Only the department's manager, the owner and HR list its time and events.",
            ));
        }
        ((schema::GSI2, schema::GSI2_PK, schema::GSI2_SK), (by_index.department)(&t, &d), &BY_GSI2, format!("dept|{d}"))
    } else {
        let person = match ctx.query("employee_id") {
            None | Some("me") => p.id().clone(),
            Some(raw) => UserId::parse(raw).ok_or_else(|| ApiError::bad_field("employee_id", "is not a person id"))?,
        };
        if person != *p.id() {
            let user: Option<User> = ctx.prefetched(&keys::user(&t, &person))?;
            let visible = match &user {
                Some(u) => may_see(ctx, &t, &u.id, u.department_id.as_ref())?,
                None => false,
            };
            if !visible {
                return Err(ApiError::NotFound);
            }
        }
        (
            (schema::GSI1, schema::GSI1_PK, schema::GSI1_SK),
            (by_index.person)(&t, &person),
            &BY_GSI1,
            format!("person|{person}"),
        )
    };
    let scope = format!("{what}|{scope}|{from}|{to}");
    let (limit, start) = ctx.page_start(&scope, by, &pk)?;
    let hi = format!("{to}~");
    let page =
        ctx.app.store.query(Some(index), &pk, SkCond::Between(&from, &hi), limit, start, !newest_first, None).await?;
    let items = page.items.into_iter().map(decode::<T>).collect::<Result<Vec<_>, _>>()?;
    let next_cursor = ctx.next_cursor(&scope, page.last_key)?;
    Ok(json(200, &ListPage { items, next_cursor }))
}

/// `GET /clockins`: newest first.
pub async fn list(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let by = Partitions { department: keys::department_clockins_gsi2pk, person: keys::person_clockins_gsi1pk };
    list_page::<Shift>(ctx, "clockins", by, true).await
}
