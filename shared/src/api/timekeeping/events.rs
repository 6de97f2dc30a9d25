//! `/packages…` (event templates) and `/events…` (events a person
//! services). Owners and admins plan for every department, a manager for
//! the departments they manage. An event's person is of its department or
//! is its manager; nobody is booked into two overlapping events: each
//! write checks the person's busy days as read and bumps their revision in
//! the same transaction, so of two overlapping creates only one commits.

use jiff::Timestamp;
use serde::Deserialize;

use super::clockins::{company, list_page, manages, parse_instant, show, Partitions};
use super::TIME_ADMINS;
use crate::domain::audit::NewEvent;
use crate::domain::calendar::Calendar;
use crate::domain::money;
use crate::domain::roles::Role;
use crate::domain::validate::{self, Checker};
use crate::error::ApiError;
use crate::http::cursor::BY_TABLE;
use crate::http::{json, no_content, Ctx, ListPage, Reply};
use crate::ids::{CalEventId, DepartmentId, PackageId, UserId};
use crate::store::departments::Department;
use crate::store::items::User;
use crate::store::time::{stage_busy_day, stage_event, stage_month, BusyDay, CalEvent, Package, PACKAGE};
use crate::store::{decode, keys, stats, Cond, Exprs, Key, SkCond, StoreError, Tenant, Tx};

pub const MAX_NAME: usize = 200;
/// A package lasts at most a day.
pub const MAX_DURATION_MINUTES: i64 = 24 * 60;
/// An event lasts at most seven days (it touches at most eight busy days).
pub const MAX_EVENT_SECONDS: i64 = 7 * 24 * 3600;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PackageRequest {
    pub name: Option<String>,
    /// Money: a decimal string with at most two decimals (`"120.00"`).
    pub price: Option<String>,
    /// 1 to 1440.
    pub duration_minutes: Option<i64>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchPackageRequest {
    pub version: u64,
    pub name: Option<String>,
    pub price: Option<String>,
    pub duration_minutes: Option<i64>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventRequest {
    pub name: Option<String>,
    /// RFC 3339 with an offset.
    pub start: Option<String>,
    /// After `start`, at most seven days later.
    pub end: Option<String>,
    /// A person of the department, or its manager.
    pub employee_id: Option<String>,
    pub package_id: Option<String>,
    pub department_id: Option<String>,
}

/// Changes to an event; to move it or give it to someone else, send
/// `start`, `end` and `employee_id` together.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchEventRequest {
    pub version: u64,
    pub name: Option<String>,
    pub start: Option<String>,
    pub end: Option<String>,
    pub employee_id: Option<String>,
    pub package_id: Option<String>,
    pub department_id: Option<String>,
}

fn price(raw: &str) -> Result<String, String> {
    money::parse(raw).map(money::format)
}

fn duration(m: i64) -> Result<u32, String> {
    if (1..=MAX_DURATION_MINUTES).contains(&m) {
        Ok(m as u32)
    } else {
        Err(format!("must be from 1 to {MAX_DURATION_MINUTES} minutes"))
    }
}

/// `GET /packages`: the company's packages (not deleted), oldest first.
pub async fn list_packages(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let t = ctx.tenant()?.clone();
    let pk = keys::tenant_pk(&t);
    let (limit, start) = ctx.page_start("packages", &BY_TABLE, &pk)?;
    let active = Some((
        "attribute_not_exists(deleted_at) OR attribute_type(deleted_at, :null)".to_string(),
        Exprs::new().str(":null", "NULL"),
    ));
    let page =
        ctx.app.store.query(None, &pk, SkCond::Prefix(keys::PACKAGE_SK_PREFIX), limit, start, true, active).await?;
    let items = page.items.into_iter().map(decode::<Package>).collect::<Result<Vec<_>, _>>()?;
    let next_cursor = ctx.next_cursor("packages", page.last_key)?;
    Ok(json(200, &ListPage { items, next_cursor }))
}

/// `POST /packages`.
pub async fn create_package(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let req: PackageRequest = ctx.json()?;
    let t = ctx.tenant()?.clone();
    let mut c = Checker::default();
    let name = c.check("name", validate::name(req.name.as_deref().unwrap_or(""), MAX_NAME));
    let price = c.check("price", req.price.as_deref().ok_or_else(|| "is required".to_string()).and_then(price));
    let minutes =
        c.check("duration_minutes", req.duration_minutes.ok_or_else(|| "is required".to_string()).and_then(duration));
    c.finish().map_err(ApiError::Validation)?;
    let (Some(name), Some(price), Some(duration_minutes)) = (name, price, minutes) else {
        return Err(ApiError::internal("checker passed with missing values"));
    };
    let at = ctx.timestamp();
    let package = Package {
        id: PackageId::new(),
        name,
        price,
        duration_minutes,
        deleted_at: None,
        version: 1,
        created_at: at.clone(),
        updated_at: at,
    };
    let mut tx = Tx::new();
    tx.put(ctx.table(), &keys::package(&t, &package.id), PACKAGE, &package, Cond::New);
    let event = NewEvent::new("package.created", package.id.to_string()).with("price", package.price.clone());
    Ok(ctx.commit_create(tx, vec![event], 201, &package).await?)
}

pub fn prefetch_package(ctx: &Ctx, scope: &Tenant) -> Vec<Key> {
    PackageId::parse(ctx.param("id")).map(|id| keys::package(scope, &id)).into_iter().collect()
}

fn package_target(ctx: &Ctx, t: &Tenant) -> Result<Package, ApiError> {
    let id = PackageId::parse(ctx.param("id")).ok_or(ApiError::NotFound)?;
    ctx.prefetched::<Package>(&keys::package(t, &id))?.filter(|p| p.deleted_at.is_none()).ok_or(ApiError::NotFound)
}

/// `PATCH /packages/{id}`.
pub async fn patch_package(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let req: PatchPackageRequest = ctx.json()?;
    let t = ctx.tenant()?.clone();
    let old = package_target(ctx, &t)?;
    let mut next = old.clone();
    let mut c = Checker::default();
    if let Some(n) = req.name.as_deref() {
        next.name = c.check("name", validate::name(n, MAX_NAME)).unwrap_or_default();
    }
    if let Some(p) = req.price.as_deref() {
        next.price = c.check("price", price(p)).unwrap_or_default();
    }
    if let Some(m) = req.duration_minutes {
        next.duration_minutes = c.check("duration_minutes", duration(m)).unwrap_or_default();
    }
    c.finish().map_err(ApiError::Validation)?;
    if req.version != old.version {
        return Err(ApiError::Conflict(format!("The package was changed meanwhile: version is {}.", old.version)));
    }
    if next == old {
        return Ok(json(200, &old));
    }
    next.version += 1;
    next.updated_at = ctx.timestamp();
    let mut tx = Tx::new();
    let item = crate::store::to_item(&keys::package(&t, &old.id), PACKAGE, &next)?;
    tx.put_item(ctx.table(), item, Cond::Expr("version = :v".into()), Exprs::new().num(":v", old.version));
    let event = NewEvent::new("package.updated", old.id.to_string()).with("price", next.price.clone());
    match ctx.commit(tx, vec![event]).await {
        Ok(()) => Ok(json(200, &next)),
        Err(StoreError::Cancelled { .. }) => {
            Err(ApiError::Conflict("The package changed meanwhile; read it again.".into()))
        }
        Err(e) => Err(e.into()),
    }
}

/// `DELETE /packages/{id}`: soft, so booked events keep theirs.
pub async fn delete_package(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let t = ctx.tenant()?.clone();
    let old = package_target(ctx, &t)?;
    let mut tx = Tx::new();
    tx.update(
        ctx.table(),
        &keys::package(&t, &old.id),
        "SET deleted_at = :at, updated_at = :at ADD version :one",
        Cond::Exists,
        Exprs::new().str(":at", ctx.timestamp()).num(":one", 1),
    );
    ctx.commit(tx, vec![NewEvent::new("package.deleted", old.id.to_string())]).await?;
    Ok(no_content())
}

/// The UTC dates `[start, end)` touches (at most eight for a week-long event).
fn busy_dates(start: Timestamp, end: Timestamp) -> Vec<String> {
    let utc = Calendar::default();
    let last = Timestamp::from_second(end.as_second() - 1).unwrap_or(end);
    let (mut d, last) = (utc.local_date(start), utc.local_date(last));
    let mut out = Vec::new();
    while d <= last && out.len() < 9 {
        out.push(d.to_string());
        match d.tomorrow() {
            Ok(n) => d = n,
            Err(_) => break,
        }
    }
    out
}

/// A body's (or, for a patch, the stored event's) person and times.
fn body_keys(ctx: &Ctx, scope: &Tenant) -> Vec<Key> {
    let Ok(Some(v)) = ctx.json_opt::<serde_json::Value>() else { return Vec::new() };
    let s = |k: &str| v.get(k).and_then(|x| x.as_str());
    let mut keys = vec![keys::company(scope), keys::departments_summary(scope)];
    let person = s("employee_id").and_then(UserId::parse);
    keys.extend(person.as_ref().map(|u| keys::user(scope, u)));
    keys.extend(s("package_id").and_then(PackageId::parse).map(|p| keys::package(scope, &p)));
    keys.extend(s("department_id").and_then(DepartmentId::parse).map(|d| keys::department(scope, &d)));
    if let (Some(u), Some(Ok(a)), Some(Ok(b))) = (person, s("start").map(parse_instant), s("end").map(parse_instant)) {
        if a < b && b.as_second() - a.as_second() <= MAX_EVENT_SECONDS {
            keys.extend(busy_dates(a, b).iter().map(|d| keys::busy_day(scope, &u, d)));
        }
    }
    keys
}

pub fn prefetch_create(ctx: &Ctx, scope: &Tenant) -> Vec<Key> {
    body_keys(ctx, scope)
}

pub fn prefetch_event(ctx: &Ctx, scope: &Tenant) -> Vec<Key> {
    let mut k = body_keys(ctx, scope);
    k.extend([keys::company(scope), keys::departments_summary(scope)]);
    k.extend(CalEventId::parse(ctx.param("id")).map(|id| keys::cal_event(scope, &id)));
    k
}

const NOT_PLANNER: ApiError =
    ApiError::Forbidden("Only the department's manager, the company's owner and admins plan its events.");

/// May the caller plan events for `department` (its record, read with the
/// request): owners and admins; a manager of it.
fn may_plan(ctx: &Ctx, department: &Department) -> Result<(), ApiError> {
    let p = ctx.principal()?;
    if matches!(p.role(), Role::Owner | Role::Admin) || department.manager_id.as_ref() == Some(p.id()) {
        return Ok(());
    }
    Err(NOT_PLANNER)
}

/// The same for a stored event's department, whose manager the departments
/// summary names.
fn may_plan_in(ctx: &Ctx, t: &Tenant, department: &DepartmentId) -> Result<(), ApiError> {
    if matches!(ctx.principal()?.role(), Role::Owner | Role::Admin) || manages(ctx, t, Some(department))? {
        return Ok(());
    }
    Err(NOT_PLANNER)
}

/// The event's parts, checked: everything a write needs.
struct Checked {
    name: String,
    start: Timestamp,
    end: Timestamp,
    person: User,
    /// `None`: a move that keeps the event's package.
    package: Option<Package>,
    department: Department,
}

fn package(ctx: &Ctx, t: &Tenant, raw: &str) -> Result<Package, &'static str> {
    PackageId::parse(raw)
        .and_then(|p| ctx.prefetched::<Package>(&keys::package(t, &p)).ok().flatten())
        .filter(|p| p.deleted_at.is_none())
        .ok_or("is not a package of this company")
}

/// A create's values (or a move's, keeping `old`'s package unless named).
fn check_event(ctx: &Ctx, t: &Tenant, req: &EventRequest, old: Option<&CalEvent>) -> Result<Checked, ApiError> {
    let mut c = Checker::default();
    let name = c.check("name", validate::name(req.name.as_deref().unwrap_or(""), MAX_NAME));
    let start = c.check("start", req.start.as_deref().ok_or("is required").and_then(parse_instant));
    let end = c.check("end", req.end.as_deref().ok_or("is required").and_then(parse_instant));
    if let (Some(a), Some(b)) = (start, end) {
        if b <= a {
            c.check("end", Err::<(), _>("must be after start"));
        } else if b.as_second() - a.as_second() < 60 {
            c.check("end", Err::<(), _>("must be at least a minute after start"));
        } else if b.as_second() - a.as_second() > MAX_EVENT_SECONDS {
            c.check("end", Err::<(), _>("must be at most seven days after start"));
        }
    }
    let person = c.check(
        "employee_id",
        req.employee_id
            .as_deref()
            .and_then(UserId::parse)
            .and_then(|u| ctx.prefetched::<User>(&keys::user(t, &u)).ok().flatten())
            .filter(|u| u.active)
            .ok_or("is not an active person of this company"),
    );
    let package = match (req.package_id.as_deref(), old) {
        (None, Some(_)) => Some(None),
        (raw, _) => c.check("package_id", package(ctx, t, raw.unwrap_or_default()).map(Some)),
    };
    let department = c.check(
        "department_id",
        req.department_id
            .as_deref()
            .and_then(DepartmentId::parse)
            .and_then(|d| ctx.prefetched::<Department>(&keys::department(t, &d)).ok().flatten())
            .ok_or("is not a department of this company"),
    );
    if let (Some(p), Some(d)) = (&person, &department) {
        if p.department_id.as_ref() != Some(&d.id) && d.manager_id.as_ref() != Some(&p.id) {
            c.check("employee_id", Err::<(), _>("is neither a person of the department nor its manager"));
        }
    }
    c.finish().map_err(ApiError::Validation)?;
    match (name, start, end, person, package, department) {
        (Some(name), Some(start), Some(end), Some(person), Some(package), Some(department)) => {
            Ok(Checked { name, start, end, person, package, department })
        }
        _ => Err(ApiError::internal("checker passed with missing values")),
    }
}

/// Stages the event's spans on its person's busy days (checking them for
/// overlaps as read), and takes `old`'s spans away.
fn stage_busy(ctx: &Ctx, tx: &mut Tx, t: &Tenant, e: &CalEvent, old: Option<&CalEvent>) -> Result<(), ApiError> {
    let (start, end) =
        (parse_instant(&e.start).map_err(ApiError::internal)?, parse_instant(&e.end).map_err(ApiError::internal)?);
    let new_days = busy_dates(start, end);
    for d in &new_days {
        let key = keys::busy_day(t, &e.employee_id, d);
        let day = BusyDay::from_item(ctx.prefetched_raw(&key));
        if let Some((id, (s, x))) = day.spans.iter().find(|(id, (s, x))| {
            *id != &e.id.to_string() && s.as_str() < e.end.as_str() && e.start.as_str() < x.as_str()
        }) {
            return Err(ApiError::Conflict(format!("The person already has an event from {s} to {x} ({id}).")));
        }
        stage_busy_day(tx, ctx.table(), t, &e.employee_id, d, &day, Some((&e.id, &e.start, &e.end)), None);
    }
    if let Some(o) = old {
        let (a, b) =
            (parse_instant(&o.start).map_err(ApiError::internal)?, parse_instant(&o.end).map_err(ApiError::internal)?);
        for d in busy_dates(a, b) {
            if o.employee_id == e.employee_id && new_days.contains(&d) {
                continue;
            }
            tx.update(
                ctx.table(),
                &keys::busy_day(t, &o.employee_id, &d),
                "REMOVE #e ADD rev :one",
                Cond::None,
                Exprs::new().name("#e", &format!("e_{}", o.id)).num(":one", 1),
            );
        }
    }
    Ok(())
}

/// Stages the move of one event's count in its department's week.
fn stage_week(tx: &mut Tx, table: &str, t: &Tenant, cal: &Calendar, e: &CalEvent, delta: i64) {
    let d = parse_instant(&e.start).map(|at| cal.local_date(at)).unwrap_or_default();
    let name = stats::event_counter(&crate::domain::payroll::week_of(d).0, &e.department_id.to_string());
    stats::stage_company(tx, table, t, &name, delta);
}

fn month(cal: &Calendar, at: &str) -> String {
    let d = parse_instant(at).map(|t| cal.local_date(t)).unwrap_or_default();
    format!("{:04}-{:02}", d.year(), d.month())
}

fn conflict(e: StoreError) -> ApiError {
    match e {
        StoreError::Cancelled { .. } => ApiError::Conflict(
            "The person's calendar or the event changed meanwhile (another booking?); read it again and retry.".into(),
        ),
        e => e.into(),
    }
}

/// `POST /events`.
pub async fn create_event(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let req: EventRequest = ctx.json()?;
    let t = ctx.tenant()?.clone();
    let p = ctx.principal()?.clone();
    let ch = check_event(ctx, &t, &req, None)?;
    may_plan(ctx, &ch.department)?;
    let Some(package) = ch.package else { return Err(ApiError::internal("a create without its package")) };
    let at = ctx.timestamp();
    let e = CalEvent {
        id: CalEventId::new(),
        name: ch.name,
        start: show(ch.start),
        end: show(ch.end),
        employee_id: ch.person.id.clone(),
        package_id: package.id.clone(),
        department_id: ch.department.id.clone(),
        price: package.price.clone(),
        created_by: p.id().clone(),
        version: 1,
        created_at: at.clone(),
        updated_at: at,
        counted: true,
    };
    let cal = company(ctx, &t)?.calendar();
    let mut tx = Tx::new();
    stage_event(&mut tx, ctx.table(), &t, &e, None)?;
    stage_busy(ctx, &mut tx, &t, &e, None)?;
    stage_month(&mut tx, ctx.table(), &t, &e.employee_id, &month(&cal, &e.start), "events", 1);
    stage_week(&mut tx, ctx.table(), &t, &cal, &e, 1);
    let event = NewEvent::new("event.created", e.id.to_string())
        .with("employee", e.employee_id.to_string())
        .with("start", e.start.clone());
    ctx.commit_create(tx, vec![event], 201, &e).await.map_err(conflict)
}

/// The event named by `{id}`, if the caller may see it: owners, HR and
/// admins; the department's manager; its person.
fn event_target(ctx: &Ctx, t: &Tenant) -> Result<CalEvent, ApiError> {
    let id = CalEventId::parse(ctx.param("id")).ok_or(ApiError::NotFound)?;
    let e: CalEvent = ctx.prefetched(&keys::cal_event(t, &id))?.ok_or(ApiError::NotFound)?;
    let p = ctx.principal()?;
    if e.employee_id == *p.id() || TIME_ADMINS.contains(&p.role()) || manages(ctx, t, Some(&e.department_id))? {
        return Ok(e);
    }
    Err(ApiError::NotFound)
}

/// `GET /events/{id}`.
pub async fn get_event(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let t = ctx.tenant()?.clone();
    Ok(json(200, &event_target(ctx, &t)?))
}

/// `PATCH /events/{id}`: its name and package; to move it, or change its
/// person or department, send `start`, `end`, `employee_id` and
/// `department_id` together (each is checked as on a create).
pub async fn patch_event(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let req: PatchEventRequest = ctx.json()?;
    let t = ctx.tenant()?.clone();
    let old = event_target(ctx, &t)?;
    let given = [&req.start, &req.end, &req.employee_id, &req.department_id].iter().filter(|x| x.is_some()).count();
    if given != 0 && given != 4 {
        return Err(ApiError::invalid(
            "start",
            "end, employee_id and department_id: send all four to move an event or change its person or department",
        ));
    }
    let mut next = old.clone();
    if given == 4 {
        let merged = EventRequest {
            name: Some(req.name.clone().unwrap_or_else(|| old.name.clone())),
            start: req.start.clone(),
            end: req.end.clone(),
            employee_id: req.employee_id.clone(),
            package_id: req.package_id.clone(),
            department_id: req.department_id.clone(),
        };
        let ch = check_event(ctx, &t, &merged, Some(&old))?;
        may_plan(ctx, &ch.department)?;
        // …and of the department it leaves.
        may_plan_in(ctx, &t, &old.department_id)?;
        next.name = ch.name;
        next.start = show(ch.start);
        next.end = show(ch.end);
        next.employee_id = ch.person.id;
        next.department_id = ch.department.id;
        if let Some(p) = ch.package {
            next.package_id = p.id;
            next.price = p.price;
        }
    } else {
        let mut c = Checker::default();
        if let Some(n) = req.name.as_deref() {
            next.name = c.check("name", validate::name(n, MAX_NAME)).unwrap_or_default();
        }
        if let Some(raw) = req.package_id.as_deref() {
            if let Some(p) = c.check("package_id", package(ctx, &t, raw)) {
                next.package_id = p.id;
                next.price = p.price;
            }
        }
        c.finish().map_err(ApiError::Validation)?;
        may_plan_in(ctx, &t, &old.department_id)?;
    }
    if req.version != old.version {
        return Err(ApiError::Conflict(format!("The event was changed meanwhile: version is {}.", old.version)));
    }
    if next == old {
        return Ok(json(200, &old));
    }
    next.version += 1;
    next.updated_at = ctx.timestamp();
    let cal = company(ctx, &t)?.calendar();
    let mut tx = Tx::new();
    let next = CalEvent { counted: true, ..next };
    stage_event(&mut tx, ctx.table(), &t, &next, Some((old.version, old.counted)))?;
    if given == 4 {
        stage_busy(ctx, &mut tx, &t, &next, Some(&old))?;
    }
    let (m_old, m_new) = (month(&cal, &old.start), month(&cal, &next.start));
    if m_old != m_new || old.employee_id != next.employee_id {
        stage_month(&mut tx, ctx.table(), &t, &old.employee_id, &m_old, "events", -1);
        stage_month(&mut tx, ctx.table(), &t, &next.employee_id, &m_new, "events", 1);
    }
    // An event booked before the counters is counted from its first change.
    if old.counted {
        stage_week(&mut tx, ctx.table(), &t, &cal, &old, -1);
    }
    stage_week(&mut tx, ctx.table(), &t, &cal, &next, 1);
    let event = NewEvent::new("event.updated", old.id.to_string()).with("employee", next.employee_id.to_string());
    ctx.commit(tx, vec![event]).await.map_err(conflict)?;
    Ok(json(200, &next))
}

/// `DELETE /events/{id}`: cancelled, its spans freed.
pub async fn delete_event(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let t = ctx.tenant()?.clone();
    let old = event_target(ctx, &t)?;
    may_plan_in(ctx, &t, &old.department_id)?;
    let cal = company(ctx, &t)?.calendar();
    let mut tx = Tx::new();
    tx.delete_if(
        ctx.table(),
        &keys::cal_event(&t, &old.id),
        Cond::Expr(format!("version = :v AND {}", stats::counted_as_read(old.counted))),
        Exprs::new().num(":v", old.version).bool(":counted", old.counted),
    );
    let (a, b) =
        (parse_instant(&old.start).map_err(ApiError::internal)?, parse_instant(&old.end).map_err(ApiError::internal)?);
    for d in busy_dates(a, b) {
        tx.update(
            ctx.table(),
            &keys::busy_day(&t, &old.employee_id, &d),
            "REMOVE #e ADD rev :one",
            Cond::None,
            Exprs::new().name("#e", &format!("e_{}", old.id)).num(":one", 1),
        );
    }
    stage_month(&mut tx, ctx.table(), &t, &old.employee_id, &month(&cal, &old.start), "events", -1);
    if old.counted {
        stage_week(&mut tx, ctx.table(), &t, &cal, &old, -1);
    }
    let event = NewEvent::new("event.deleted", old.id.to_string()).with("employee", old.employee_id.to_string());
    ctx.commit(tx, vec![event]).await.map_err(conflict)?;
    Ok(no_content())
}

/// `GET /events`: the company, its departments, the person asked about.
pub fn prefetch_list(ctx: &Ctx, scope: &Tenant) -> Vec<Key> {
    let mut k = vec![keys::company(scope), keys::departments_summary(scope)];
    k.extend(ctx.query("employee_id").and_then(UserId::parse).map(|u| keys::user(scope, &u)));
    k
}

/// `GET /events`: by start.
pub async fn list_events(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let by = Partitions { department: keys::department_events_gsi2pk, person: keys::person_events_gsi1pk };
    list_page::<CalEvent>(ctx, "events", by, false).await
}
