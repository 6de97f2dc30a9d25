//! `/projects`, `/projects/{id}`, `/projects/{id}/transfer`.

use serde::Deserialize;

use crate::domain::audit::NewEvent;
use crate::domain::roles::Role;
use crate::domain::validate::{self, Checker};
use crate::error::ApiError;
use crate::http::cursor::{BY_GSI1, BY_TABLE};
use crate::http::{json, no_content, Ctx, ListPage, Reply};
use crate::ids::{ProjectId, UserId};
use crate::store::items::User;
use crate::store::projects::{
    stage_deleted, stage_holdings, stage_project, HistoryEntry, Holdings, Project, MAX_HISTORY,
};
use crate::store::{decode, keys, schema, Exprs, Key, SkCond, StoreError, Tenant, Tx};

pub const MAX_NAME: usize = 200;
pub const MAX_DESCRIPTION: usize = 10_000;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectRequest {
    pub name: Option<String>,
    pub description: Option<String>,
    /// Who owns it (default: the caller). Another person of the company
    /// only for the company's owner and admins; required of a platform
    /// admin, who is no person of the company.
    pub owner_id: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutProjectRequest {
    pub version: u64,
    pub name: Option<String>,
    /// Absent or null clears it (a `PUT` replaces the project).
    pub description: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferRequest {
    pub owner_id: String,
}

/// `POST /projects`: the owner the body names.
pub fn prefetch_create(ctx: &Ctx, scope: &Tenant) -> Vec<Key> {
    let mut keys = Vec::new();
    if let Ok(Some(v)) = ctx.json_opt::<serde_json::Value>() {
        keys.extend(v.get("owner_id").and_then(|x| x.as_str()).and_then(UserId::parse).map(|u| keys::user(scope, &u)));
    }
    keys
}

pub fn prefetch_project(ctx: &Ctx, scope: &Tenant) -> Vec<Key> {
    ProjectId::parse(ctx.param("id")).map(|id| keys::project(scope, &id)).into_iter().collect()
}

/// `POST /projects/{id}/transfer`: the project and the person the body names.
pub fn prefetch_transfer(ctx: &Ctx, scope: &Tenant) -> Vec<Key> {
    let mut keys = prefetch_project(ctx, scope);
    if let Ok(Some(v)) = ctx.json_opt::<serde_json::Value>() {
        keys.extend(v.get("owner_id").and_then(|x| x.as_str()).and_then(UserId::parse).map(|u| keys::user(scope, &u)));
    }
    keys
}

/// The company's owner and platform admins act on every project.
pub(crate) fn overrides(role: Role) -> bool {
    matches!(role, Role::Owner | Role::Admin)
}

/// The active project named by `{id}`, if the caller may act on it
/// (anything else is a 404).
pub(crate) fn target(ctx: &Ctx, t: &Tenant) -> Result<Project, ApiError> {
    let id = ProjectId::parse(ctx.param("id")).ok_or(ApiError::NotFound)?;
    let project: Project = ctx.prefetched(&keys::project(t, &id))?.ok_or(ApiError::NotFound)?;
    let p = ctx.principal()?;
    if project.deleted_at.is_some() || !(project.owner_id == *p.id() || overrides(p.role())) {
        return Err(ApiError::NotFound);
    }
    Ok(project)
}

/// An active person of the company, named by id.
fn person(ctx: &Ctx, t: &Tenant, raw: &str) -> Result<UserId, &'static str> {
    let id = UserId::parse(raw).ok_or("is not an active person of this company")?;
    let user: Option<User> =
        ctx.prefetched(&keys::user(t, &id)).map_err(|_| "is not an active person of this company")?;
    match user {
        Some(u) if u.active => Ok(u.id),
        Some(_) => Err("is deactivated"),
        None => Err("is not an active person of this company"),
    }
}

/// Room for one more history entry.
pub(crate) fn history_room(history: &[HistoryEntry]) -> Result<(), ApiError> {
    if history.len() >= MAX_HISTORY {
        return Err(ApiError::Conflict(format!(
            "This item has {MAX_HISTORY} changes on record; create a new one to go on."
        )));
    }
    Ok(())
}

fn description(c: &mut Checker, raw: Option<&str>) -> Option<String> {
    raw.filter(|d| !d.trim().is_empty()).and_then(|d| c.check("description", validate::text(d, MAX_DESCRIPTION)))
}

/// `POST /projects`.
pub async fn create(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let req: ProjectRequest = ctx.json()?;
    let t = ctx.tenant()?.clone();
    let p = ctx.principal()?.clone();
    let me = p.id().clone();
    let mut c = Checker::default();
    let name = c.check("name", validate::name(req.name.as_deref().unwrap_or(""), MAX_NAME));
    let description = description(&mut c, req.description.as_deref());
    let owner = match req.owner_id.as_deref() {
        None if p.company() == t.id() => Some(me.clone()),
        None => c.check("owner_id", Err::<UserId, _>("is required: a platform admin names the person who owns it")),
        Some(raw) => c.check("owner_id", person(ctx, &t, raw)),
    };
    c.finish().map_err(ApiError::Validation)?;
    let (Some(name), Some(owner)) = (name, owner) else {
        return Err(ApiError::internal("checker passed with missing values"));
    };
    if owner != me && !overrides(p.role()) {
        return Err(ApiError::Forbidden("Only the company's owner and admins create projects for someone else."));
    }
    let at = ctx.timestamp();
    let project = Project {
        id: ProjectId::new(),
        company_id: t.id().clone(),
        name,
        description,
        owner_id: owner.clone(),
        created_by: me.clone(),
        deleted_at: None,
        deleted_by: None,
        history: vec![HistoryEntry::new(&at, &me, "created", &[])],
        version: 1,
        created_at: at.clone(),
        updated_at: at,
    };
    let mut tx = Tx::new();
    let mut held = Holdings::new();
    stage_project(&mut tx, ctx.table(), &t, &project, None, &mut held)?;
    stage_holdings(&mut tx, ctx.table(), &t, &held);
    let event = NewEvent::new("project.created", project.id.to_string()).with("owner", owner.to_string());
    Ok(ctx.commit_create(tx, vec![event], 201, &project).await?)
}

/// `GET /projects`: newest first; the caller's own, or for the company's
/// owner and admins every active project.
pub async fn list(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let t = ctx.tenant()?.clone();
    let p = ctx.principal()?.clone();
    let store = &ctx.app.store;
    let page = if overrides(p.role()) {
        let pk = keys::tenant_pk(&t);
        let (limit, start) = ctx.page_start("projects|all", &BY_TABLE, &pk)?;
        let active = Some((
            "attribute_not_exists(deleted_at) OR attribute_type(deleted_at, :null)".to_string(),
            Exprs::new().str(":null", "NULL"),
        ));
        store.query(None, &pk, SkCond::Prefix(keys::PROJECT_SK_PREFIX), limit, start, false, active).await?
    } else {
        let pk = keys::owner_projects_gsi1pk(&t, p.id());
        let (limit, start) = ctx.page_start("projects|mine", &BY_GSI1, &pk)?;
        let index = Some((schema::GSI1, schema::GSI1_PK, schema::GSI1_SK));
        store.query(index, &pk, SkCond::Prefix(ProjectId::PREFIX), limit, start, false, None).await?
    };
    let items = page.items.into_iter().map(decode::<Project>).collect::<Result<Vec<_>, _>>()?;
    let scope = if overrides(p.role()) { "projects|all" } else { "projects|mine" };
    let next_cursor = ctx.next_cursor(scope, page.last_key)?;
    Ok(json(200, &ListPage { items, next_cursor }))
}

/// `GET /projects/{id}`.
pub async fn get(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let t = ctx.tenant()?.clone();
    Ok(json(200, &target(ctx, &t)?))
}

fn conflict(e: StoreError) -> ApiError {
    match e {
        StoreError::Cancelled { .. } => {
            ApiError::Conflict("The project changed meanwhile; read it again and retry.".into())
        }
        e => e.into(),
    }
}

/// `PUT /projects/{id}`: name and description, replaced.
pub async fn put(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let req: PutProjectRequest = ctx.json()?;
    let t = ctx.tenant()?.clone();
    let current = target(ctx, &t)?;
    let mut c = Checker::default();
    let name = c.check("name", validate::name(req.name.as_deref().unwrap_or(""), MAX_NAME));
    let description = description(&mut c, req.description.as_deref());
    c.finish().map_err(ApiError::Validation)?;
    let Some(name) = name else { return Err(ApiError::internal("checker passed with missing values")) };
    if req.version != current.version {
        return Err(ApiError::Conflict(format!(
            "The project was changed meanwhile: version is {}, you sent {}.",
            current.version, req.version
        )));
    }
    let mut changed = Vec::new();
    if name != current.name {
        changed.push("name");
    }
    if description != current.description {
        changed.push("description");
    }
    if changed.is_empty() {
        return Ok(json(200, &current));
    }
    history_room(&current.history)?;
    let at = ctx.timestamp();
    let me = ctx.principal()?.id().clone();
    let mut next = current.clone();
    next.name = name;
    next.description = description;
    next.history.push(HistoryEntry::new(&at, &me, "updated", &[("fields", changed.join(","))]));
    next.version += 1;
    next.updated_at = at;
    let mut tx = Tx::new();
    let mut held = Holdings::new();
    stage_project(&mut tx, ctx.table(), &t, &next, Some(&current), &mut held)?;
    stage_holdings(&mut tx, ctx.table(), &t, &held);
    let event = NewEvent::new("project.updated", next.id.to_string()).with("fields", changed.join(","));
    ctx.commit(tx, vec![event]).await.map_err(conflict)?;
    Ok(json(200, &next))
}

/// `DELETE /projects/{id}`: soft; its tasks go from every list with it.
pub async fn delete(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let t = ctx.tenant()?.clone();
    let current = target(ctx, &t)?;
    let at = ctx.timestamp();
    let me = ctx.principal()?.id().clone();
    let mut next = current.clone();
    next.deleted_at = Some(at.clone());
    next.deleted_by = Some(me.to_string());
    next.history.push(HistoryEntry::new(&at, &me, "deleted", &[]));
    next.version += 1;
    next.updated_at = at.clone();
    let mut tx = Tx::new();
    let mut held = Holdings::new();
    stage_project(&mut tx, ctx.table(), &t, &next, Some(&current), &mut held)?;
    stage_holdings(&mut tx, ctx.table(), &t, &held);
    stage_deleted(&mut tx, ctx.table(), &t, &next.id, &at);
    let event = NewEvent::new("project.deleted", next.id.to_string());
    ctx.commit(tx, vec![event]).await.map_err(conflict)?;
    Ok(no_content())
}

/// `POST /projects/{id}/transfer`: to an active person of the company who
/// is not its owner already. Audited; recorded in its history.
pub async fn transfer(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let req: TransferRequest = ctx.json()?;
    let t = ctx.tenant()?.clone();
    let current = target(ctx, &t)?;
    let not_person = || ApiError::invalid("owner_id", "is not an active person of this company");
    let to = UserId::parse(&req.owner_id).ok_or_else(not_person)?;
    let user: User = ctx.prefetched(&keys::user(&t, &to))?.ok_or_else(not_person)?;
    if !user.active {
        return Err(ApiError::invalid("owner_id", "is deactivated: hand the project to an active person"));
    }
    if user.id == current.owner_id {
        return Err(ApiError::invalid("owner_id", "already owns this project"));
    }
    history_room(&current.history)?;
    let at = ctx.timestamp();
    let me = ctx.principal()?.id().clone();
    let mut next = current.clone();
    next.owner_id = user.id.clone();
    let detail = [("from", current.owner_id.to_string()), ("to", user.id.to_string())];
    next.history.push(HistoryEntry::new(&at, &me, "transferred", &detail));
    next.version += 1;
    next.updated_at = at;
    let mut tx = Tx::new();
    let mut held = Holdings::new();
    stage_project(&mut tx, ctx.table(), &t, &next, Some(&current), &mut held)?;
    stage_holdings(&mut tx, ctx.table(), &t, &held);
    let event = NewEvent::new("project.transferred", next.id.to_string())
        .with("from", current.owner_id.to_string())
        .with("to", user.id.to_string());
    ctx.commit(tx, vec![event]).await.map_err(conflict)?;
    Ok(json(200, &next))
}
