//! `/projects/{id}/tasks…` and `GET /tasks`: a project's tasks, and the
//! open tasks assigned to a person across projects (gsi2, by due date).

use serde::Deserialize;

use super::project::{history_room, overrides, target};
use crate::api::double_option;
use crate::domain::audit::NewEvent;
use crate::domain::leavers::parse_date;
use crate::domain::validate::{self, Checker};
use crate::error::ApiError;
use crate::http::cursor::{BY_GSI2, BY_TABLE};
use crate::http::{json, no_content, Ctx, ListPage, Reply};
use crate::ids::{ProjectId, TaskId, UserId};
use crate::store::items::User;
use crate::store::projects::{
    deleted_from_item, stage_holdings, stage_task, HistoryEntry, Holdings, Project, Task, TaskStatus,
};
use crate::store::{decode, keys, schema, Exprs, Key, SkCond, StoreError, Tenant, Tx};

pub const MAX_TITLE: usize = 200;
pub const MAX_DESCRIPTION: usize = 10_000;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTaskRequest {
    pub title: Option<String>,
    pub description: Option<String>,
    /// todo (default) | in_progress | done
    pub status: Option<String>,
    pub assignee_id: Option<String>,
    /// `YYYY-MM-DD`
    pub due_date: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchTaskRequest {
    pub version: u64,
    pub title: Option<String>,
    /// null clears it.
    #[serde(default, deserialize_with = "double_option")]
    pub description: Option<Option<String>>,
    pub status: Option<String>,
    /// null unassigns.
    #[serde(default, deserialize_with = "double_option")]
    pub assignee_id: Option<Option<String>>,
    /// null clears it.
    #[serde(default, deserialize_with = "double_option")]
    pub due_date: Option<Option<String>>,
}

/// The person a body names as `assignee_id`, read with the session.
fn prefetch_assignee(ctx: &Ctx, scope: &Tenant, keys: &mut Vec<Key>) {
    if let Ok(Some(v)) = ctx.json_opt::<serde_json::Value>() {
        keys.extend(
            v.get("assignee_id").and_then(|x| x.as_str()).and_then(UserId::parse).map(|u| keys::user(scope, &u)),
        );
    }
}

pub fn prefetch_create(ctx: &Ctx, scope: &Tenant) -> Vec<Key> {
    let mut keys = super::project::prefetch_project(ctx, scope);
    prefetch_assignee(ctx, scope, &mut keys);
    keys
}

/// `/projects/{id}/tasks/{task_id}`: the project, the task, and the
/// assignee the body names.
pub fn prefetch_task(ctx: &Ctx, scope: &Tenant) -> Vec<Key> {
    let mut keys = super::project::prefetch_project(ctx, scope);
    if let (Some(p), Some(t)) = (ProjectId::parse(ctx.param("id")), TaskId::parse(ctx.param("task_id"))) {
        keys.push(keys::task(scope, &p, &t));
    }
    prefetch_assignee(ctx, scope, &mut keys);
    keys
}

pub fn prefetch_mine(_ctx: &Ctx, scope: &Tenant) -> Vec<Key> {
    vec![keys::deleted_projects(scope)]
}

/// An assignee must be an active person of the company.
fn assignee(ctx: &Ctx, t: &Tenant, raw: &str) -> Result<UserId, String> {
    let not_person = || "is not an active person of this company".to_string();
    let id = UserId::parse(raw).ok_or_else(not_person)?;
    let user: User = ctx.prefetched(&keys::user(t, &id)).map_err(|_| not_person())?.ok_or_else(not_person)?;
    if !user.active {
        return Err("is deactivated".into());
    }
    Ok(user.id)
}

fn due_date(raw: &str) -> Result<String, &'static str> {
    parse_date(raw).map(|_| raw.to_string())
}

fn text(c: &mut Checker, field: &str, raw: Option<&str>) -> Option<String> {
    raw.filter(|d| !d.trim().is_empty()).and_then(|d| c.check(field, validate::text(d, MAX_DESCRIPTION)))
}

/// `POST /projects/{id}/tasks` (the project's owner, the company's owner,
/// admins).
pub async fn create(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let req: CreateTaskRequest = ctx.json()?;
    let t = ctx.tenant()?.clone();
    let project = target(ctx, &t)?;
    let mut c = Checker::default();
    let title = c.check("title", validate::name(req.title.as_deref().unwrap_or(""), MAX_TITLE));
    let description = text(&mut c, "description", req.description.as_deref());
    let status = match req.status.as_deref() {
        None => Some(TaskStatus::Todo),
        Some(s) => c.check("status", TaskStatus::parse(s)),
    };
    let assignee_id = req.assignee_id.as_deref().and_then(|a| c.check("assignee_id", assignee(ctx, &t, a)));
    let due = req.due_date.as_deref().and_then(|d| c.check("due_date", due_date(d)));
    c.finish().map_err(ApiError::Validation)?;
    let (Some(title), Some(status)) = (title, status) else {
        return Err(ApiError::internal("checker passed with missing values"));
    };
    let at = ctx.timestamp();
    let me = ctx.principal()?.id().clone();
    let mut detail = vec![("status", status.as_str().to_string())];
    if let Some(a) = &assignee_id {
        detail.push(("assignee", a.to_string()));
    }
    let task = Task {
        id: TaskId::new(),
        project_id: project.id.clone(),
        company_id: t.id().clone(),
        title,
        description,
        status,
        assignee_id,
        due_date: due,
        created_by: me.clone(),
        deleted_at: None,
        deleted_by: None,
        history: vec![HistoryEntry::new(&at, &me, "created", &detail)],
        version: 1,
        created_at: at.clone(),
        updated_at: at,
    };
    let mut tx = Tx::new();
    let mut held = Holdings::new();
    stage_task(&mut tx, ctx.table(), &t, &task, None, &mut held)?;
    stage_holdings(&mut tx, ctx.table(), &t, &held);
    // The project must still be there, as read (not deleted meanwhile).
    tx.check(
        ctx.table(),
        &keys::project(&t, &project.id),
        crate::store::Cond::Expr("version = :v".into()),
        Exprs::new().num(":v", project.version),
    );
    let event = NewEvent::new("task.created", task.id.to_string()).with("project", project.id.to_string());
    match ctx.commit_create(tx, vec![event], 201, &task).await {
        Ok(r) => Ok(r),
        Err(StoreError::Cancelled { .. }) => {
            Err(ApiError::Conflict("The project changed meanwhile; read it again and retry.".into()))
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /projects/{id}/tasks`: oldest first, without deleted ones.
pub async fn list(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let t = ctx.tenant()?.clone();
    let project = target(ctx, &t)?;
    let pk = keys::tenant_pk(&t);
    let scope = format!("tasks|{}", project.id);
    let (limit, start) = ctx.page_start(&scope, &BY_TABLE, &pk)?;
    let live = Some((
        "attribute_not_exists(deleted_at) OR attribute_type(deleted_at, :null)".to_string(),
        Exprs::new().str(":null", "NULL"),
    ));
    let prefix = keys::project_tasks_prefix(&project.id);
    let page = ctx.app.store.query(None, &pk, SkCond::Prefix(&prefix), limit, start, true, live).await?;
    let items = page.items.into_iter().map(decode::<Task>).collect::<Result<Vec<_>, _>>()?;
    let next_cursor = ctx.next_cursor(&scope, page.last_key)?;
    Ok(json(200, &ListPage { items, next_cursor }))
}

/// The task named by the path, on a project the caller may act on; or, for
/// its assignee, the task alone (they may move its status). `true` when the
/// caller acts as the project's side.
fn task_target(ctx: &Ctx, t: &Tenant) -> Result<(Task, bool), ApiError> {
    let pid = ProjectId::parse(ctx.param("id")).ok_or(ApiError::NotFound)?;
    let tid = TaskId::parse(ctx.param("task_id")).ok_or(ApiError::NotFound)?;
    let task: Task = ctx.prefetched(&keys::task(t, &pid, &tid))?.ok_or(ApiError::NotFound)?;
    if task.deleted_at.is_some() {
        return Err(ApiError::NotFound);
    }
    match target(ctx, t) {
        Ok(_) => Ok((task, true)),
        Err(ApiError::NotFound) => {
            let project: Option<Project> = ctx.prefetched(&keys::project(t, &pid))?;
            let me = ctx.principal()?.id();
            let live = project.is_some_and(|p| p.deleted_at.is_none());
            if live && task.assignee_id.as_ref() == Some(me) {
                Ok((task, false))
            } else {
                Err(ApiError::NotFound)
            }
        }
        Err(e) => Err(e),
    }
}

/// `PATCH /projects/{id}/tasks/{task_id}`: versioned; each change is in the
/// task's history with who made it.
pub async fn patch(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let req: PatchTaskRequest = ctx.json()?;
    let t = ctx.tenant()?.clone();
    let (current, manages) = task_target(ctx, &t)?;
    let mut c = Checker::default();
    let title = req.title.as_deref().and_then(|v| c.check("title", validate::name(v, MAX_TITLE)));
    let description = req.description.as_ref().map(|d| text(&mut c, "description", d.as_deref()));
    let status = req.status.as_deref().and_then(|s| c.check("status", TaskStatus::parse(s)));
    let assignee_id = match &req.assignee_id {
        None => None,
        Some(None) => Some(None),
        Some(Some(a)) => c.check("assignee_id", assignee(ctx, &t, a)).map(Some),
    };
    let due = match &req.due_date {
        None => None,
        Some(None) => Some(None),
        Some(Some(d)) => c.check("due_date", due_date(d)).map(Some),
    };
    c.finish().map_err(ApiError::Validation)?;
    if !manages && (title.is_some() || description.is_some() || assignee_id.is_some() || due.is_some()) {
        return Err(ApiError::Forbidden("As the task's assignee you may change only its status."));
    }
    if req.version != current.version {
        return Err(ApiError::Conflict(format!(
            "The task was changed meanwhile: version is {}, you sent {}.",
            current.version, req.version
        )));
    }
    let mut next = current.clone();
    let mut changed: Vec<(&str, String)> = Vec::new();
    if let Some(v) = title.filter(|v| *v != current.title) {
        next.title = v;
        changed.push(("title", String::new()));
    }
    if let Some(v) = description.filter(|v| *v != current.description) {
        next.description = v;
        changed.push(("description", String::new()));
    }
    if let Some(v) = status.filter(|v| *v != current.status) {
        next.status = v;
        changed.push(("status", v.as_str().to_string()));
    }
    if let Some(v) = assignee_id.filter(|v| *v != current.assignee_id) {
        changed.push(("assignee", v.as_ref().map(ToString::to_string).unwrap_or_default()));
        next.assignee_id = v;
    }
    if let Some(v) = due.filter(|v| *v != current.due_date) {
        changed.push(("due_date", v.clone().unwrap_or_default()));
        next.due_date = v;
    }
    if changed.is_empty() {
        return Ok(json(200, &current));
    }
    history_room(&current.history)?;
    let at = ctx.timestamp();
    let me = ctx.principal()?.id().clone();
    let fields: Vec<&str> = changed.iter().map(|(f, _)| *f).collect();
    let mut detail: Vec<(&str, String)> = vec![("fields", fields.join(","))];
    detail.extend(changed.iter().filter(|(f, _)| *f != "title" && *f != "description").cloned());
    next.history.push(HistoryEntry::new(&at, &me, "updated", &detail));
    next.version += 1;
    next.updated_at = at;
    let mut tx = Tx::new();
    let mut held = Holdings::new();
    stage_task(&mut tx, ctx.table(), &t, &next, Some(&current), &mut held)?;
    stage_holdings(&mut tx, ctx.table(), &t, &held);
    let mut event = NewEvent::new("task.updated", next.id.to_string()).with("fields", fields.join(","));
    for (k, v) in changed.iter().filter(|(f, _)| *f == "status" || *f == "assignee") {
        event = event.with(k, v.clone());
    }
    match ctx.commit(tx, vec![event]).await {
        Ok(()) => Ok(json(200, &next)),
        Err(StoreError::Cancelled { .. }) => {
            Err(ApiError::Conflict("The task was changed meanwhile; read it again and retry.".into()))
        }
        Err(e) => Err(e.into()),
    }
}

/// `DELETE /projects/{id}/tasks/{task_id}`: soft; the project's side only.
pub async fn delete(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let t = ctx.tenant()?.clone();
    let (current, manages) = task_target(ctx, &t)?;
    if !manages {
        return Err(ApiError::NotFound);
    }
    let at = ctx.timestamp();
    let me = ctx.principal()?.id().clone();
    let mut next = current.clone();
    next.deleted_at = Some(at.clone());
    next.deleted_by = Some(me.to_string());
    next.history.push(HistoryEntry::new(&at, &me, "deleted", &[]));
    next.version += 1;
    next.updated_at = at;
    let mut tx = Tx::new();
    let mut held = Holdings::new();
    stage_task(&mut tx, ctx.table(), &t, &next, Some(&current), &mut held)?;
    stage_holdings(&mut tx, ctx.table(), &t, &held);
    let event = NewEvent::new("task.deleted", next.id.to_string()).with("project", next.project_id.to_string());
    match ctx.commit(tx, vec![event]).await {
        Ok(()) => Ok(no_content()),
        Err(StoreError::Cancelled { .. }) => {
            Err(ApiError::Conflict("The task was changed meanwhile; read it again and retry.".into()))
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /tasks?assignee_id=me`: a person's open tasks across the company's
/// projects, by due date (undated last); the tasks of deleted projects are
/// left out. Another person's: the company's owner and admins only.
pub async fn mine(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let t = ctx.tenant()?.clone();
    let p = ctx.principal()?.clone();
    let who = match ctx.query("assignee_id").filter(|v| !v.is_empty()) {
        None | Some("me") => p.id().clone(),
        Some(raw) => {
            let id =
                UserId::parse(raw).ok_or_else(|| ApiError::bad_field("assignee_id", "must be me or a person's id"))?;
            if id != *p.id() && !overrides(p.role()) {
                return Err(ApiError::Forbidden("You may list only your own tasks."));
            }
            id
        }
    };
    let deleted = deleted_from_item(ctx.prefetched_raw(&keys::deleted_projects(&t)));
    let pk = keys::held_gsi2pk(&t, &who);
    let scope = format!("tasks|{who}");
    let (limit, start) = ctx.page_start(&scope, &BY_GSI2, &pk)?;
    let index = Some((schema::GSI2, schema::GSI2_PK, schema::GSI2_SK));
    let page = ctx.app.store.query(index, &pk, SkCond::Prefix(keys::HELD_TASK), limit, start, true, None).await?;
    let mut items = Vec::new();
    for item in page.items {
        let task: Task = decode(item)?;
        if !deleted.contains(&task.project_id.to_string()) {
            items.push(task);
        }
    }
    let next_cursor = ctx.next_cursor(&scope, page.last_key)?;
    Ok(json(200, &ListPage { items, next_cursor }))
}
