//! A leaver's hand-over and the closing of their case (leavers group,
//! issue 15).
//!
//! `POST /leavers/{id}/handover` `{to_user_id}` moves everything the
//! leaver's account holds, the active projects it owns and its open tasks
//! (gsi2 `HELD#{uid}`), to one active person of the company, in audited
//! transactions of at most `BATCH` items, each recorded in the item's
//! history. Moved items leave the leaver's partition, so the route simply
//! takes the next batch until none is left or its time is up: a second call
//! finishes what a first left (202), and a call with nothing left changes
//! nothing. This is the one route allowed more than three round trips.
//!
//! `PATCH /leavers/{id}` `{status: closed}` closes a case only when every
//! checklist item is done, the account holds nothing, and the account is
//! verified inactive (the last two by a condition on the account in the
//! same transaction, which says on failure what blocks); otherwise a 409
//! listing each blocker. A closed case is read-only until `{status:
//! active}` reopens it.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::leavers::{authorize_case, by_id, conflict_on_write};
use crate::domain::audit::NewEvent;
use crate::domain::leavers::{CaseAction, LeaverStatus};
use crate::error::{ApiError, FieldError};
use crate::http::{json, Ctx, Reply};
use crate::ids::UserId;
use crate::store::items::User;
use crate::store::leavers::{self as stored, Leaver};
use crate::store::projects::{
    holdings_of, stage_holdings, stage_project, stage_task, HistoryEntry, Holdings, Project, Task,
};
use crate::store::{decode, keys, schema, Cond, Exprs, SkCond, StoreError, Tenant, Tx};

/// Items moved per transaction (each touches its own item; the people's
/// counts and the audit event come on top).
pub const BATCH: i32 = 25;
/// A call stops taking batches after this long (API Gateway allows 29 s).
pub const TIME_BUDGET: Duration = Duration::from_secs(20);

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HandoverRequest {
    pub to_user_id: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct HandoverView {
    pub leaver_id: String,
    pub to_user_id: String,
    /// Moved by this call.
    pub moved_projects: u32,
    pub moved_tasks: u32,
    /// Whether anything is left (then call again: 202).
    pub remaining: bool,
}

/// `POST /leavers/{id}/handover`: the leaver, and the person the body names.
pub fn prefetch(ctx: &Ctx, scope: &Tenant) -> Vec<keys::Key> {
    let mut wanted = super::leavers::prefetch_by_id(ctx, scope);
    if let Ok(Some(v)) = ctx.json_opt::<serde_json::Value>() {
        wanted.extend(
            v.get("to_user_id").and_then(|x| x.as_str()).and_then(UserId::parse).map(|u| keys::user(scope, &u)),
        );
    }
    wanted
}

/// A closed case changes only by being reopened.
pub(crate) fn writable(l: &Leaver) -> Result<(), ApiError> {
    if l.status == LeaverStatus::Closed {
        return Err(ApiError::Conflict(
            "The case is closed; reopen it (PATCH with status active) to change it.".into(),
        ));
    }
    Ok(())
}

/// `POST /leavers/{id}/handover`.
pub async fn handover(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let started = Instant::now();
    let req: HandoverRequest = ctx.json()?;
    let l = by_id(ctx)?;
    writable(&l)?;
    authorize_case(ctx, &l, CaseAction::Manage)?;
    let t = ctx.tenant()?.clone();
    let not_person = || ApiError::invalid("to_user_id", "is not an active person of this company");
    let to_id = UserId::parse(&req.to_user_id).ok_or_else(not_person)?;
    let to: User = ctx.prefetched(&keys::user(&t, &to_id))?.ok_or_else(not_person)?;
    if !to.active {
        return Err(ApiError::invalid("to_user_id", "is deactivated: hand over to an active person"));
    }
    if l.employee_id.as_ref() == Some(&to.id) {
        return Err(ApiError::invalid("to_user_id", "is the leaver: hand over to someone staying"));
    }
    if to.leaver.is_some() {
        return Err(ApiError::invalid("to_user_id", "is leaving too: hand over to someone staying"));
    }
    let mut view = HandoverView {
        leaver_id: l.id.to_string(),
        to_user_id: to.id.to_string(),
        moved_projects: 0,
        moved_tasks: 0,
        remaining: false,
    };
    let Some(from) = l.employee_id.clone() else { return Ok(json(200, &view)) };
    let pk = keys::held_gsi2pk(&t, &from);
    let index = Some((schema::GSI2, schema::GSI2_PK, schema::GSI2_SK));
    let actor = ctx.principal()?.id().clone();
    let mut conflicts = 0;
    loop {
        if started.elapsed() > TIME_BUDGET {
            view.remaining = true;
            break;
        }
        let held = SkCond::Between(keys::HELD_PROJECT, "T#~");
        let page = ctx.app.store.query(index, &pk, held, BATCH, None, true, None).await?;
        if page.items.is_empty() {
            break;
        }
        let at = ctx.timestamp();
        let detail = [("from", from.to_string()), ("to", to.id.to_string()), ("leaver", l.id.to_string())];
        let mut tx = Tx::new();
        let mut held = Holdings::new();
        let (mut projects, mut tasks) = (0u32, 0u32);
        for item in page.items {
            let kind = item.get("entity_type").and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
            match kind.as_str() {
                crate::store::projects::PROJECT => {
                    let old: Project = decode(item)?;
                    let mut next = old.clone();
                    next.owner_id = to.id.clone();
                    next.history.push(HistoryEntry::new(&at, &actor, "handed_over", &detail));
                    next.version += 1;
                    next.updated_at = at.clone();
                    stage_project(&mut tx, ctx.table(), &t, &next, Some(&old), &mut held)?;
                    projects += 1;
                }
                crate::store::projects::TASK => {
                    let old: Task = decode(item)?;
                    let mut next = old.clone();
                    next.assignee_id = Some(to.id.clone());
                    next.history.push(HistoryEntry::new(&at, &actor, "handed_over", &detail));
                    next.version += 1;
                    next.updated_at = at.clone();
                    stage_task(&mut tx, ctx.table(), &t, &next, Some(&old), &mut held)?;
                    tasks += 1;
                }
                _ => {}
            }
        }
        stage_holdings(&mut tx, ctx.table(), &t, &held);
        let event = NewEvent::new("leaver.handover", l.id.to_string())
            .with("to", to.id.to_string())
            .with("projects", projects.to_string())
            .with("tasks", tasks.to_string());
        match ctx.commit(tx, vec![event]).await {
            Ok(()) => {
                view.moved_projects += projects;
                view.moved_tasks += tasks;
            }
            // Someone changed one of them meanwhile: read the batch again.
            Err(StoreError::Cancelled { .. }) if conflicts < 5 => conflicts += 1,
            Err(StoreError::Cancelled { .. }) => {
                return Err(ApiError::Conflict("The leaver's work keeps changing; try the hand-over again.".into()))
            }
            Err(e) => return Err(e.into()),
        }
    }
    if !view.remaining {
        // Nothing is held any more: the risk says so at once.
        let mut l = l;
        l.held = Some(crate::domain::risk::HeldWork { counted_at: ctx.timestamp(), ..Default::default() });
        l.updated_at = ctx.timestamp();
        let read_rev = l.rev;
        let mut tx = Tx::new();
        let mut events = Vec::new();
        super::leavers::rescore_and_stage(ctx, &mut tx, &t, &mut l, Some(read_rev), &mut events)?;
        // A leaver changed meanwhile is scored again by the next sweep.
        match ctx.commit(tx, events).await {
            Ok(()) | Err(StoreError::Cancelled { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(json(if view.remaining { 202 } else { 200 }, &view))
}

/// `PATCH /leavers/{id}` with `status`: close the case (when nothing
/// blocks it) or reopen it. Nothing else may change in the same request.
pub async fn set_status(ctx: &Ctx, mut l: Leaver, status: &str) -> Result<Reply, ApiError> {
    let t = ctx.tenant()?.clone();
    let now = ctx.timestamp();
    match (status, l.status) {
        ("closed", LeaverStatus::Closed) | ("active", LeaverStatus::Active) => return Ok(json(200, &l.view())),
        ("active", _) => {
            l.status = LeaverStatus::Active;
            l.version += 1;
            l.updated_at = now;
            let read_rev = l.rev;
            l.rev += 1;
            let mut tx = Tx::new();
            stored::stage_put(&mut tx, ctx.table(), &t, &l, Some(read_rev))?;
            let event = NewEvent::new("leaver.reopened", l.id.to_string());
            ctx.commit(tx, vec![event]).await.map_err(conflict_on_write)?;
            return Ok(json(200, &l.view()));
        }
        ("closed", _) => {}
        _ => return Err(ApiError::invalid("status", "must be closed or active")),
    }
    let mut blockers = Vec::new();
    let open = l.checklist.iter().filter(|i| !i.done).count();
    if open > 0 {
        blockers.push(FieldError::new(
            "checklist",
            format!("{open} of {} checklist items are not done", l.checklist.len()),
        ));
    }
    let mut tx = Tx::new();
    // The account: holds nothing and is verified inactive, as read in this
    // very transaction (its values come back if not).
    let account = l.employee_id.as_ref().map(|uid| {
        tx.check_or_return(
            ctx.table(),
            &keys::user(&t, uid),
            Cond::Expr(
                "active = :no AND (attribute_not_exists(held_projects) OR held_projects = :zero) \
                 AND (attribute_not_exists(held_tasks) OR held_tasks = :zero)"
                    .into(),
            ),
            Exprs::new().bool(":no", false).num(":zero", 0),
        )
    });
    let mut events = Vec::new();
    if blockers.is_empty() {
        l.status = LeaverStatus::Closed;
        l.version += 1;
        l.updated_at = now;
        let read_rev = l.rev;
        l.rev += 1;
        stored::stage_put(&mut tx, ctx.table(), &t, &l, Some(read_rev))?;
        events.push(NewEvent::new("leaver.closed", l.id.to_string()));
    }
    match ctx.commit(tx, events).await {
        Ok(()) if blockers.is_empty() => return Ok(json(200, &l.view())),
        Ok(()) => {}
        Err(StoreError::Cancelled { failed, old }) if account.is_some_and(|a| failed.contains(&a)) => {
            let a = account.unwrap_or_default();
            let item = old.iter().find(|(i, _)| *i == a).map(|(_, item)| item);
            let user: Option<User> = item.cloned().map(decode).transpose()?;
            let (projects, tasks) = holdings_of(item);
            if projects + tasks > 0 {
                blockers.push(FieldError::new(
                    "handover",
                    format!(
                        "{projects} project{} and {tasks} open task{} are not handed over",
                        if projects == 1 { "" } else { "s" },
                        if tasks == 1 { "" } else { "s" }
                    ),
                ));
            }
            if user.is_some_and(|u| u.active) {
                blockers.push(FieldError::new("deactivation", "the leaver's account is still active"));
            }
        }
        Err(e) => return Err(conflict_on_write(e)),
    }
    if blockers.is_empty() {
        // The leaver changed meanwhile (its own condition failed).
        return Err(ApiError::Conflict("The leaver was changed meanwhile; read it again and retry.".into()));
    }
    Err(ApiError::Blocked("The case cannot be closed yet: each blocker is listed in `errors`.".into(), blockers))
}
