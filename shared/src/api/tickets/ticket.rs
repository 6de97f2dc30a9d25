//! `/tickets`, `/tickets/{id}`, `/tickets/{id}/assign`: raising a ticket,
//! the lists, the status flow and assignment. Every write is one
//! transaction: the whole ticket (conditional on the version read, its
//! index keys and SLA state following from its clocks), its timeline
//! entries and, for creation, assignment and status changes, its audit
//! event.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::policies;
use crate::domain::audit::NewEvent;
use crate::domain::calendar::Calendar;
use crate::domain::roles::Role;
use crate::domain::sla::{Clock, TargetSpec};
use crate::domain::tickets::{self as rules, Category, Priority, Status, MAX_DESCRIPTION, MAX_LOG_ENTRIES, MAX_TITLE};
use crate::domain::validate::{self, Checker};
use crate::error::ApiError;
use crate::http::cursor::{BY_GSI1, BY_GSI2, BY_TABLE};
use crate::http::{json, Ctx, ListPage, Reply};
use crate::ids::{TicketId, UserId};
use crate::store::items::{Company, User};
use crate::store::tickets::{stage_put, stage_timeline, Ticket, TicketSla};
use crate::store::{decode, keys, schema, Cond, Exprs, Key, SkCond, StoreError, Tenant, Tx};

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTicketRequest {
    pub title: Option<String>,
    pub description: Option<String>,
    /// low | medium | high | urgent
    pub priority: Option<String>,
    /// hardware | software | access | other
    pub category: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchTicketRequest {
    pub version: u64,
    pub title: Option<String>,
    pub description: Option<String>,
    pub priority: Option<String>,
    pub category: Option<String>,
    /// open | in_progress | waiting | resolved | closed, along the flow.
    pub status: Option<String>,
    /// Why the status changes (kept in the timeline).
    pub reason: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignRequest {
    pub technician_id: String,
}

/// A target's clock as the API shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ClockView {
    /// The target in seconds (business seconds unless `continuous`).
    pub target_seconds: i64,
    pub continuous: bool,
    pub due_at: Option<String>,
    pub met_at: Option<String>,
    pub breached: bool,
    pub business_seconds_left: i64,
    pub at_risk: bool,
    pub paused: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SlaView {
    pub first_response: ClockView,
    pub resolution: ClockView,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TicketView {
    pub id: String,
    pub company_id: String,
    pub title: String,
    pub description: String,
    pub priority: Priority,
    pub category: Category,
    pub status: Status,
    pub requester_id: String,
    pub assignee_id: Option<String>,
    pub leaver_id: Option<String>,
    pub sla: SlaView,
    pub version: u64,
    pub created_at: String,
    pub updated_at: String,
}

fn clock_view(spec: TargetSpec, c: Clock) -> ClockView {
    let show = |t: Option<Timestamp>| t.map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string());
    ClockView {
        target_seconds: spec.seconds,
        continuous: spec.continuous,
        due_at: show(c.due_at),
        met_at: show(c.met_at),
        breached: c.breached,
        business_seconds_left: c.business_seconds_left,
        at_risk: c.at_risk,
        paused: c.paused,
    }
}

pub(crate) fn view(t: &Ticket, calendar: &Calendar, now: Timestamp) -> TicketView {
    let (f, r) = t.clocks(calendar, now);
    TicketView {
        id: t.id.to_string(),
        company_id: t.company_id.to_string(),
        title: t.title.clone(),
        description: t.description.clone(),
        priority: t.priority,
        category: t.category,
        status: t.status,
        requester_id: t.requester_id.to_string(),
        assignee_id: t.assignee_id.as_ref().map(ToString::to_string),
        leaver_id: t.leaver_id.as_ref().map(ToString::to_string),
        sla: SlaView {
            first_response: clock_view(t.sla.first_response, f),
            resolution: clock_view(t.sla.resolution, r),
        },
        version: t.version,
        created_at: t.created_at.clone(),
        updated_at: t.updated_at.clone(),
    }
}

/// The request's instant, to the millisecond, as the clocks read it (the
/// same instant its writes are stamped with).
pub(crate) fn now(ctx: &Ctx) -> Timestamp {
    ctx.timestamp().parse().unwrap_or_else(|_| Timestamp::now())
}

/// The company's calendar, prefetched (every ticket and leaver route reads it).
pub(crate) fn calendar(ctx: &Ctx, t: &Tenant) -> Result<Calendar, ApiError> {
    let company: Option<Company> = ctx.prefetched(&keys::company(t))?;
    Ok(company.map(|c| c.calendar()).unwrap_or_default())
}

pub fn prefetch_company(_ctx: &Ctx, scope: &Tenant) -> Vec<Key> {
    vec![keys::company(scope)]
}

pub fn prefetch_create(_ctx: &Ctx, scope: &Tenant) -> Vec<Key> {
    vec![keys::company(scope), keys::sla_policies(scope)]
}

pub fn prefetch_ticket(ctx: &Ctx, scope: &Tenant) -> Vec<Key> {
    let mut keys = vec![keys::company(scope)];
    keys.extend(TicketId::parse(ctx.param("id")).map(|id| keys::ticket(scope, &id)));
    keys
}

/// `POST /tickets/{id}/assign`: the ticket and the technician the body names.
pub fn prefetch_assign(ctx: &Ctx, scope: &Tenant) -> Vec<Key> {
    let mut keys = prefetch_ticket(ctx, scope);
    if let Ok(Some(v)) = ctx.json_opt::<serde_json::Value>() {
        keys.extend(
            v.get("technician_id").and_then(|x| x.as_str()).and_then(UserId::parse).map(|u| keys::user(scope, &u)),
        );
    }
    keys
}

/// Whether the caller sees `t` (anything else is a 404).
pub(crate) fn visible(role: Role, me: &UserId, t: &Ticket) -> bool {
    if t.subject_id.as_ref() == Some(me) {
        return false;
    }
    rules::sees_all(role)
        || &t.requester_id == me
        || (role == Role::Technician && t.assignee_id.as_ref().is_none_or(|a| a == me))
}

/// The ticket named by `{id}`, if the caller sees it.
pub(crate) fn target(ctx: &Ctx, t: &Tenant) -> Result<Ticket, ApiError> {
    let id = TicketId::parse(ctx.param("id")).ok_or(ApiError::NotFound)?;
    let ticket: Ticket = ctx.prefetched(&keys::ticket(t, &id))?.ok_or(ApiError::NotFound)?;
    let p = ctx.principal()?;
    if visible(p.role(), p.id(), &ticket) {
        Ok(ticket)
    } else {
        Err(ApiError::NotFound)
    }
}

/// `POST /tickets`: anyone in the company raises one; its targets are the
/// policy's for its priority, now.
pub async fn create(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let req: CreateTicketRequest = ctx.json()?;
    let t = ctx.tenant()?.clone();
    let p = ctx.principal()?.clone();
    let mut c = Checker::default();
    let title = c.check("title", validate::name(req.title.as_deref().unwrap_or(""), MAX_TITLE));
    let description = c.check("description", validate::text(req.description.as_deref().unwrap_or(""), MAX_DESCRIPTION));
    let priority = c.check("priority", req.priority.as_deref().ok_or("is required").and_then(Priority::parse));
    let category = c.check("category", req.category.as_deref().ok_or("is required").and_then(Category::parse));
    c.finish().map_err(ApiError::Validation)?;
    let (Some(title), Some(description), Some(priority), Some(category)) = (title, description, priority, category)
    else {
        return Err(ApiError::internal("checker passed with missing values"));
    };
    let policy = policies::current(ctx, &t)?.of(priority);
    let at = ctx.timestamp();
    let sla = TicketSla {
        first_response: TargetSpec { seconds: policy.first_response_minutes as i64 * 60, continuous: false },
        resolution: TargetSpec { seconds: policy.resolution_minutes as i64 * 60, continuous: false },
    };
    let mut ticket = Ticket::open(t.id().clone(), title, description, priority, category, p.id().clone(), sla, &at);
    let mut tx = Tx::new();
    let table = ctx.table().to_string();
    let actor = p.id().to_string();
    let detail = [("priority", priority.as_str().to_string()), ("category", category.as_str().to_string())];
    stage_timeline(&mut tx, &table, &t, &mut ticket, &at, &actor, "created", &detail);
    let cal = calendar(ctx, &t)?;
    stage_put(&mut tx, &table, &t, &mut ticket, None, None, &cal, now(ctx))?;
    if category == Category::Access {
        stage_access_request(ctx, &mut tx, &table)?;
    }
    let event = NewEvent::new("ticket.created", ticket.id.to_string())
        .with("priority", priority.as_str())
        .with("category", category.as_str());
    Ok(ctx.commit_create(tx, vec![event], 201, &view(&ticket, &cal, now(ctx))).await?)
}

/// Counts an `access` ticket against the person who raised it, per day, on
/// their user item: copied to their leaver record when they are
/// registered, and by every sweep after. The risk signal `access_requests`
/// reads it there.
fn stage_access_request(ctx: &Ctx, tx: &mut Tx, table: &str) -> Result<(), ApiError> {
    let p = ctx.principal()?;
    let home = Tenant::new(p.company().clone());
    let today = crate::domain::leavers::format_date(ctx.now.date());
    let day = format!("{}{today}", crate::store::items::ACCESS_REQUESTS_PREFIX);
    tx.update(
        table,
        &keys::user(&home, p.id()),
        "ADD #day :one",
        Cond::Exists,
        Exprs::new().name("#day", &day).num(":one", 1),
    );
    Ok(())
}

/// `GET /tickets`: what the caller sees, newest first, filtered by
/// `status`, `priority`, `category`, `assignee` (`me`, `unassigned` or a
/// person's id) and `sla` (`breached`, `at_risk`).
pub async fn list(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let t = ctx.tenant()?.clone();
    let p = ctx.principal()?.clone();
    let (role, me) = (p.role(), p.id().clone());
    let status = parse_filter(ctx, "status", Status::parse)?;
    let priority = parse_filter(ctx, "priority", Priority::parse)?;
    let category = parse_filter(ctx, "category", Category::parse)?;
    let sla = match ctx.query("sla").filter(|v| !v.is_empty()) {
        None => None,
        Some(v @ ("breached" | "at_risk")) => Some(v.to_string()),
        Some(_) => return Err(ApiError::bad_field("sla", "must be breached or at_risk")),
    };
    // None: no filter; Some(None): the unassigned queue; Some(Some(u)): u's.
    let assignee: Option<Option<UserId>> = match ctx.query("assignee").filter(|v| !v.is_empty()) {
        None => None,
        Some("me") => Some(Some(me.clone())),
        Some("unassigned") => Some(None),
        Some(raw) => Some(Some(
            UserId::parse(raw)
                .ok_or_else(|| ApiError::bad_field("assignee", "must be me, unassigned or a person's id"))?,
        )),
    };
    // Leavers' offboarding tickets only (the overview's figure).
    let offboarding = match ctx.query("offboarding") {
        None => false,
        Some("true") => true,
        Some(_) => return Err(ApiError::bad_field("offboarding", "must be true")),
    };
    if let Some(Some(a)) = &assignee {
        if !rules::sees_all(role) && a != &me {
            return Err(ApiError::Forbidden("You may list only your own and the unassigned tickets."));
        }
    }
    if assignee == Some(None) && !rules::is_agent(role) {
        return Err(ApiError::Forbidden("Only technicians, owners and admins see the unassigned queue."));
    }
    let mut conds = Vec::new();
    let mut exprs = Exprs::new();
    if let Some(s) = status {
        conds.push("#status = :status");
        exprs = exprs.name("#status", "status").str(":status", s.as_str());
    }
    if let Some(pr) = priority {
        conds.push("priority = :priority");
        exprs = exprs.str(":priority", pr.as_str());
    }
    if let Some(c) = category {
        conds.push("category = :category");
        exprs = exprs.str(":category", c.as_str());
    }
    if offboarding {
        conds.push("attribute_type(leaver_id, :string)");
        exprs = exprs.str(":string", "S");
    }
    let filter = (!conds.is_empty()).then(|| (conds.join(" AND "), exprs));
    let cal = calendar(ctx, &t)?;
    let at = now(ctx);
    let scope_base = format!(
        "tickets|{}|{}|{}|{}|{offboarding}",
        status.map(|s| s.as_str()).unwrap_or(""),
        priority.map(|s| s.as_str()).unwrap_or(""),
        category.map(|s| s.as_str()).unwrap_or(""),
        sla.as_deref().unwrap_or("")
    );
    let store = &ctx.app.store;

    // The SLA lists: the state items, each a copy of its ticket.
    if let Some(state) = &sla {
        let pk = keys::tenant_pk(&t);
        let scope = format!("{scope_base}|{assignee:?}");
        let (limit, start) = ctx.page_start(&scope, &BY_TABLE, &pk)?;
        let prefix = keys::ticket_sla_state_prefix(state);
        let page = store.query(None, &pk, SkCond::Prefix(&prefix), limit, start, false, filter).await?;
        let mut items = Vec::new();
        for item in page.items {
            let ticket: Ticket = decode(item)?;
            let shown = visible(role, &me, &ticket)
                && assignee.as_ref().is_none_or(|a| ticket.assignee_id.as_ref() == a.as_ref());
            if shown {
                items.push(view(&ticket, &cal, at));
            }
        }
        let next_cursor = ctx.next_cursor(&scope, page.last_key)?;
        return Ok(json(200, &ListPage { items, next_cursor }));
    }

    // One query: an assignee's (or the queue's) partition of gsi2, the
    // requester's of gsi1, or the company's tickets; for a technician
    // without a filter, the company's tickets that are theirs or unassigned
    // (a filter on the queue key each ticket carries).
    let mut filter = filter;
    let (scope, index, pk, by) = match (&assignee, rules::sees_all(role), role == Role::Technician) {
        (Some(a), _, _) => (
            "assignee",
            Some((schema::GSI2, schema::GSI2_PK, schema::GSI2_SK)),
            keys::assignee_tickets_gsi2pk(&t, a.as_ref()),
            &BY_GSI2,
        ),
        (None, true, _) => ("all", None, keys::tenant_pk(&t), &BY_TABLE),
        (None, false, true) => {
            let (mine, queue) = (keys::assignee_tickets_gsi2pk(&t, Some(&me)), keys::assignee_tickets_gsi2pk(&t, None));
            let (text, exprs) = filter.take().unwrap_or_default();
            let text = if text.is_empty() { String::new() } else { format!("({text}) AND ") };
            filter = Some((
                format!("{text}#queue IN (:mine, :queue)"),
                exprs.name("#queue", schema::GSI2_PK).str(":mine", mine).str(":queue", queue),
            ));
            ("worked", None, keys::tenant_pk(&t), &BY_TABLE)
        }
        (None, false, false) => (
            "raised",
            Some((schema::GSI1, schema::GSI1_PK, schema::GSI1_SK)),
            keys::requester_tickets_gsi1pk(&t, &me),
            &BY_GSI1,
        ),
    };
    let scope = format!("{scope_base}|{scope}|{assignee:?}");
    let (limit, start) = ctx.page_start(&scope, by, &pk)?;
    let prefix = if index.is_none() { keys::TICKET_SK_PREFIX } else { TicketId::PREFIX };
    let page = store.query(index, &pk, SkCond::Prefix(prefix), limit, start, false, filter).await?;
    let mut items = Vec::new();
    for item in page.items {
        let ticket: Ticket = decode(item)?;
        if visible(role, &me, &ticket) {
            items.push(view(&ticket, &cal, at));
        }
    }
    let next_cursor = ctx.next_cursor(&scope, page.last_key)?;
    Ok(json(200, &ListPage { items, next_cursor }))
}

fn parse_filter<T>(ctx: &Ctx, name: &str, parse: fn(&str) -> Result<T, &'static str>) -> Result<Option<T>, ApiError> {
    match ctx.query(name).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => parse(v).map(Some).map_err(|m| ApiError::bad_field(name, m)),
    }
}

/// `GET /tickets/{id}`.
pub async fn get(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let t = ctx.tenant()?.clone();
    let ticket = target(ctx, &t)?;
    Ok(json(200, &view(&ticket, &calendar(ctx, &t)?, now(ctx))))
}

/// Records a technician's first response (the clocks' first-response
/// target), if this is one.
fn respond(ticket: &mut Ticket, agent: bool, at: &str) {
    if agent && !ticket.responded() {
        ticket.log_change(at, "responded");
    }
}

fn log_room(ticket: &Ticket) -> Result<(), ApiError> {
    if ticket.log.len() + 2 > MAX_LOG_ENTRIES {
        return Err(ApiError::Conflict(format!(
            "This ticket has had {MAX_LOG_ENTRIES} status changes; open a new ticket to go on."
        )));
    }
    Ok(())
}

/// `PATCH /tickets/{id}`: the status along the flow (with a reason for the
/// timeline), and the text fields; priority and category are the agents'.
pub async fn patch(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let req: PatchTicketRequest = ctx.json()?;
    let t = ctx.tenant()?.clone();
    let p = ctx.principal()?.clone();
    let current = target(ctx, &t)?;
    let agent = rules::is_agent(p.role());
    let own = current.requester_id == *p.id();
    let mut c = Checker::default();
    let title = req.title.as_deref().and_then(|v| c.check("title", validate::name(v, MAX_TITLE)));
    let description =
        req.description.as_deref().and_then(|v| c.check("description", validate::text(v, MAX_DESCRIPTION)));
    let priority = req.priority.as_deref().and_then(|v| c.check("priority", Priority::parse(v)));
    let category = req.category.as_deref().and_then(|v| c.check("category", Category::parse(v)));
    let status = req.status.as_deref().and_then(|v| c.check("status", Status::parse(v)));
    let reason =
        req.reason.as_deref().filter(|v| !v.trim().is_empty()).and_then(|v| c.check("reason", validate::text(v, 500)));
    c.finish().map_err(ApiError::Validation)?;
    if (priority.is_some() || category.is_some()) && !agent {
        return Err(ApiError::Forbidden("Only technicians, owners and admins change a ticket's priority or category."));
    }
    if (title.is_some() || description.is_some()) && !(agent || own) {
        return Err(ApiError::Forbidden("Only the requester and the agents edit a ticket's text."));
    }
    if let Some(to) = status.filter(|s| *s != current.status) {
        match rules::may_move(agent, own, current.status, to) {
            Ok(()) => {}
            Err("illegal") => {
                return Err(ApiError::Conflict(format!(
                    "A ticket that is {} cannot become {}.",
                    current.status.as_str(),
                    to.as_str()
                )))
            }
            Err(_) => {
                return Err(ApiError::Forbidden(
                    "You may only reopen or close your own resolved ticket; technicians move it otherwise.",
                ))
            }
        }
    }
    if req.version != current.version {
        return Err(ApiError::Conflict(format!(
            "The ticket was changed meanwhile: version is {}, you sent {}.",
            current.version, req.version
        )));
    }
    let at = ctx.timestamp();
    let actor = p.id().to_string();
    let table = ctx.table().to_string();
    let mut next = current.clone();
    let mut tx = Tx::new();
    let mut events = Vec::new();
    let mut changed = Vec::new();
    for (field, new, old) in
        [("title", title.as_ref(), &current.title), ("description", description.as_ref(), &current.description)]
    {
        if new.is_some_and(|n| n != old) {
            changed.push(field);
        }
    }
    if let Some(v) = title {
        next.title = v;
    }
    if let Some(v) = description {
        next.description = v;
    }
    if let Some(v) = priority.filter(|v| *v != current.priority) {
        next.priority = v;
        changed.push("priority");
    }
    if let Some(v) = category.filter(|v| *v != current.category) {
        next.category = v;
        changed.push("category");
    }
    if !changed.is_empty() {
        let detail = [("fields", changed.join(","))];
        stage_timeline(&mut tx, &table, &t, &mut next, &at, &actor, "updated", &detail);
        events.push(NewEvent::new("ticket.updated", next.id.to_string()).with("fields", changed.join(",")));
    }
    if let Some(to) = status.filter(|s| *s != current.status) {
        log_room(&current)?;
        respond(&mut next, agent, &at);
        next.status = to;
        next.log_change(&at, to.as_str());
        let why = reason.clone().unwrap_or_default();
        let detail =
            [("from", current.status.as_str().to_string()), ("to", to.as_str().to_string()), ("reason", why.clone())];
        stage_timeline(&mut tx, &table, &t, &mut next, &at, &actor, "status_changed", &detail);
        // The clocks stop or go on with the status: say so, with who and why.
        let (was, is) = (current.status.pauses(), to.pauses());
        if was != is {
            let kind = if is { "sla_paused" } else { "sla_resumed" };
            let why = if why.is_empty() { format!("the ticket is {}", to.as_str()) } else { why };
            stage_timeline(&mut tx, &table, &t, &mut next, &at, &actor, kind, &[("reason", why)]);
        }
        events.push(
            NewEvent::new("ticket.status_changed", next.id.to_string())
                .with("from", current.status.as_str())
                .with("to", to.as_str()),
        );
        changed.push("status");
    }
    let cal = calendar(ctx, &t)?;
    if changed.is_empty() {
        return Ok(json(200, &view(&current, &cal, now(ctx))));
    }
    next.version += 1;
    next.updated_at = at.clone();
    stage_put(&mut tx, &table, &t, &mut next, Some(current.rev), current.sla_state.as_deref(), &cal, now(ctx))?;
    // Resolving a leaver's offboarding ticket ticks "access revoked" on
    // their checklist, once: not if someone ticked it already (then the
    // ticket is written without it).
    let tick = match (&next.leaver_id, status) {
        (Some(leaver), Some(Status::Resolved)) => Some(leaver.clone()),
        _ => None,
    };
    if let Some(leaver) = &tick {
        let mut with_tick = tx.clone();
        let index = stage_access_revoked(&mut with_tick, &table, &t, leaver, &next.id, &actor, &at);
        let mut with_events = events.clone();
        with_events.push(
            NewEvent::new("leaver.checklist_updated", leaver.to_string())
                .with("item", ACCESS_REVOKED)
                .with("done", "true")
                .with("ticket", next.id.to_string()),
        );
        match ctx.commit(with_tick, with_events).await {
            Ok(()) => return Ok(json(200, &view(&next, &cal, now(ctx)))),
            Err(StoreError::Cancelled { failed, .. }) if failed == [index] => {}
            Err(StoreError::Cancelled { .. }) => {
                return Err(ApiError::Conflict("The ticket was changed meanwhile; read it again and retry.".into()))
            }
            Err(e) => return Err(e.into()),
        }
    }
    match ctx.commit(tx, events).await {
        Ok(()) => Ok(json(200, &view(&next, &cal, now(ctx)))),
        Err(StoreError::Cancelled { .. }) => {
            Err(ApiError::Conflict("The ticket was changed meanwhile; read it again and retry.".into()))
        }
        Err(e) => Err(e.into()),
    }
}

/// The checklist item an offboarding ticket's resolution ticks.
const ACCESS_REVOKED: &str = "access_revoked";

/// Ticks "access revoked" on the leaver's checklist, conditional on it
/// being there, not done, on an active case (the checklist's items are in
/// `CHECKLIST` order). The leaver's `rev` moves, so a write from an older
/// read of the leaver cannot undo it. Returns its index in `tx`.
fn stage_access_revoked(
    tx: &mut Tx,
    table: &str,
    t: &Tenant,
    leaver: &crate::ids::LeaverId,
    ticket: &TicketId,
    actor: &str,
    at: &str,
) -> usize {
    let i = crate::domain::leavers::CHECKLIST.iter().position(|(id, _)| *id == ACCESS_REVOKED).unwrap_or(1);
    let item = format!("#cl[{i}]");
    tx.update(
        table,
        &keys::leaver(t, leaver),
        &format!(
            "SET {item}.#done = :yes, {item}.done_at = :at, {item}.done_by = :by, {item}.note = :note, \
             version = version + :one, rev = rev + :one, updated_at = :at"
        ),
        Cond::Expr(format!("{item}.#id = :item AND {item}.#done = :no AND #status = :active")),
        Exprs::new()
            .name("#cl", "checklist")
            .name("#done", "done")
            .name("#id", "id")
            .name("#status", "status")
            .bool(":yes", true)
            .bool(":no", false)
            .str(":at", at)
            .str(":by", actor)
            .str(":note", format!("Offboarding ticket {ticket} resolved"))
            .str(":item", ACCESS_REVOKED)
            .str(":active", "active")
            .num(":one", 1),
    )
}

/// `POST /tickets/{id}/assign` (technicians, owners, admins): to an active
/// technician of the company. Audited; the first assignment is a first
/// response.
pub async fn assign(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let req: AssignRequest = ctx.json()?;
    let t = ctx.tenant()?.clone();
    let p = ctx.principal()?.clone();
    let current = target(ctx, &t)?;
    let not_technician = || ApiError::invalid("technician_id", "is not an active technician of this company");
    let tech_id = UserId::parse(&req.technician_id).ok_or_else(not_technician)?;
    let tech: User = ctx.prefetched(&keys::user(&t, &tech_id))?.ok_or_else(not_technician)?;
    if !tech.active || tech.role != Role::Technician {
        return Err(not_technician());
    }
    if current.subject_id.as_ref() == Some(&tech.id) {
        return Err(ApiError::invalid("technician_id", "is the person this ticket is about"));
    }
    let cal = calendar(ctx, &t)?;
    if current.assignee_id.as_ref() == Some(&tech.id) {
        return Ok(json(200, &view(&current, &cal, now(ctx))));
    }
    log_room(&current)?;
    let at = ctx.timestamp();
    let actor = p.id().to_string();
    let table = ctx.table().to_string();
    let mut next = current.clone();
    respond(&mut next, true, &at);
    next.assignee_id = Some(tech.id.clone());
    let from = current.assignee_id.as_ref().map(ToString::to_string).unwrap_or_default();
    let mut tx = Tx::new();
    stage_timeline(
        &mut tx,
        &table,
        &t,
        &mut next,
        &at,
        &actor,
        "assigned",
        &[("from", from.clone()), ("to", tech.id.to_string())],
    );
    next.version += 1;
    next.updated_at = at;
    stage_put(&mut tx, &table, &t, &mut next, Some(current.rev), current.sla_state.as_deref(), &cal, now(ctx))?;
    let event =
        NewEvent::new("ticket.assigned", next.id.to_string()).with("from", from).with("to", tech.id.to_string());
    match ctx.commit(tx, vec![event]).await {
        Ok(()) => Ok(json(200, &view(&next, &cal, now(ctx)))),
        Err(StoreError::Cancelled { .. }) => {
            Err(ApiError::Conflict("The ticket was changed meanwhile; read it again and retry.".into()))
        }
        Err(e) => Err(e.into()),
    }
}
