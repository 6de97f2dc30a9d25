//! `/departments…`: the company's departments, each with a manager and a
//! `sensitive` flag, which is what the `sensitive_department` risk signal
//! reads (one source of truth: once a company has departments, the risk
//! settings' own list is gone; see `create_department`).

use serde::Deserialize;
use serde_json::Value;

use crate::api::double_option;
use crate::domain::audit::NewEvent;
use crate::domain::risk::RiskSettings;
use crate::domain::validate;
use crate::error::{ApiError, FieldError};
use crate::http::{json, no_content, Ctx, ListPage, Reply};
use crate::ids::{DepartmentId, UserId};
use crate::store::departments::{self as depts, Department};
use crate::store::{decode, items, keys, Cond, Exprs, StoreError, Tenant, Tx};

/// A company's legacy list converts into at most this many departments in
/// the transaction that creates its first one (each is two items).
pub const MAX_MIGRATED_DEPARTMENTS: usize = 40;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateDepartmentRequest {
    pub name: String,
    /// Leavers of a sensitive department carry more risk (default false).
    #[serde(default)]
    pub sensitive: bool,
    /// An active person of the company.
    pub manager_id: Option<String>,
}

/// Fields left out keep their value; `manager_id: null` removes the manager.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchDepartmentRequest {
    /// The version you read; a stale one gets 409.
    pub version: u64,
    pub name: Option<String>,
    pub sensitive: Option<bool>,
    #[serde(default, deserialize_with = "double_option")]
    pub manager_id: Option<Option<String>>,
}

/// The manager the body names, if it names one by a well-formed id.
pub(super) fn body_manager(ctx: &Ctx) -> Option<UserId> {
    let body: Value = ctx.json_opt().ok().flatten()?;
    body.get("manager_id").and_then(Value::as_str).and_then(UserId::parse)
}

/// `POST /departments`: the manager, the sensitive list (its absence means
/// the company has no departments yet) and the risk settings (whose legacy
/// list the first department converts).
pub(super) fn prefetch_create(ctx: &Ctx, scope: &Tenant) -> Vec<keys::Key> {
    let mut wanted = vec![keys::departments_summary(scope), keys::risk_settings(scope)];
    wanted.extend(body_manager(ctx).map(|m| keys::user(scope, &m)));
    wanted
}

/// `/departments/{id}`: the department and the manager the body names.
pub(super) fn prefetch_by_id(ctx: &Ctx, scope: &Tenant) -> Vec<keys::Key> {
    let mut wanted: Vec<keys::Key> =
        DepartmentId::parse(ctx.param("id")).map(|id| keys::department(scope, &id)).into_iter().collect();
    wanted.extend(body_manager(ctx).map(|m| keys::user(scope, &m)));
    wanted
}

/// The department named by `{id}`, prefetched; 404 if there is none.
fn by_id(ctx: &Ctx, t: &Tenant) -> Result<Department, ApiError> {
    let id = DepartmentId::parse(ctx.param("id")).ok_or(ApiError::NotFound)?;
    ctx.prefetched(&keys::department(t, &id))?.ok_or(ApiError::NotFound)
}

/// The manager a request names: an active person of the company.
pub(super) fn manager(ctx: &Ctx, t: &Tenant, raw: &str) -> Result<UserId, FieldError> {
    let bad = || FieldError::new("manager_id", "is not an active person of this company");
    let id = UserId::parse(raw).ok_or_else(bad)?;
    match ctx.prefetched::<items::User>(&keys::user(t, &id)) {
        Ok(Some(u)) if u.active => Ok(id),
        _ => Err(bad()),
    }
}

fn department_name(raw: &str) -> Result<String, FieldError> {
    validate::name(raw, 100).map_err(|m| FieldError::new("name", m))
}

fn name_taken(name: &str) -> ApiError {
    ApiError::Conflict(format!("A department named {name:?} exists already."))
}

/// `GET /departments`: every department, oldest first.
pub async fn list_departments(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let t = ctx.tenant()?.clone();
    let pk = keys::tenant_pk(&t);
    let (limit, start) = ctx.page_start("departments", &crate::http::cursor::BY_TABLE, &pk)?;
    let page = ctx
        .app
        .store
        .query(None, &pk, crate::store::SkCond::Prefix(keys::DEPT_SK_PREFIX), limit, start, true, None)
        .await?;
    let items = page.items.into_iter().map(decode::<Department>).collect::<Result<Vec<_>, _>>()?;
    let next_cursor = ctx.next_cursor("departments", page.last_key)?;
    Ok(json(200, &ListPage { items, next_cursor }))
}

/// `POST /departments`. A company's first department also converts the
/// sensitive departments its risk settings listed (its own list, or the
/// defaults) into departments marked sensitive, in the same transaction,
/// and empties that list: from then on departments are the only source.
pub async fn create_department(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let req: CreateDepartmentRequest = ctx.json()?;
    let t = ctx.tenant()?.clone();
    let mut errors = Vec::new();
    let name = department_name(&req.name).map_err(|e| errors.push(e)).ok();
    let manager_id = match req.manager_id.as_deref() {
        None => None,
        Some(raw) => manager(ctx, &t, raw).map_err(|e| errors.push(e)).ok(),
    };
    let Some(name) = name.filter(|_| errors.is_empty()) else { return Err(ApiError::Validation(errors)) };
    let now = ctx.timestamp();
    let new_department = |name: String, sensitive: bool, manager_id: Option<UserId>| Department {
        id: DepartmentId::new(),
        name,
        sensitive,
        manager_id,
        people: 0,
        version: 1,
        created_at: now.clone(),
        updated_at: now.clone(),
    };
    let d = new_department(name, req.sensitive, manager_id);
    let table = ctx.table().to_string();
    let mut tx = Tx::new();
    tx.put(&table, &keys::department(&t, &d.id), depts::DEPARTMENT, &d, Cond::New);
    let guard = depts::stage_claim_name(&mut tx, &table, &t, &d);
    let mut listed = vec![d.clone()];
    let mut events = vec![NewEvent::new("department.created", d.id.to_string())
        .with("name", d.name.clone())
        .with("sensitive", d.sensitive.to_string())
        .with("manager", d.manager_id.as_ref().map(ToString::to_string).unwrap_or_default())];

    let summary = ctx.prefetched_raw(&keys::departments_summary(&t));
    if depts::names_from_item(summary).len() >= depts::MAX_DEPARTMENTS {
        return Err(ApiError::Conflict(format!("A company has at most {} departments.", depts::MAX_DEPARTMENTS)));
    }
    let first = summary.is_none();
    if first {
        let settings: RiskSettings = ctx.prefetched(&keys::risk_settings(&t))?.unwrap_or_default();
        let mut seen = std::collections::BTreeSet::from([depts::name_key(&d.name)]);
        let unusable: Vec<&String> =
            settings.sensitive_departments.iter().filter(|n| validate::name(n, 100).is_err()).collect();
        if !unusable.is_empty() {
            return Err(ApiError::Conflict(format!(
                "Your risk settings list sensitive departments that cannot be department names ({}); the first \
                 department turns the list into departments. Correct it (PUT /risk-settings) and try again.",
                unusable.iter().map(|n| format!("{n:?}")).collect::<Vec<_>>().join(", ")
            )));
        }
        let legacy: Vec<String> = settings
            .sensitive_departments
            .iter()
            .filter(|n| seen.insert(depts::name_key(n)))
            .filter_map(|n| validate::name(n, 100).ok())
            .collect();
        if legacy.len() > MAX_MIGRATED_DEPARTMENTS {
            return Err(ApiError::Conflict(format!(
                "Your risk settings list {} sensitive departments; the first department turns them into departments, \
                 at most {MAX_MIGRATED_DEPARTMENTS}. Shorten the list (PUT /risk-settings) and try again.",
                legacy.len()
            )));
        }
        for n in &legacy {
            let m = new_department(n.clone(), true, None);
            tx.put(&table, &keys::department(&t, &m.id), depts::DEPARTMENT, &m, Cond::New);
            depts::stage_claim_name(&mut tx, &table, &t, &m);
            listed.push(m);
        }
        let mut emptied = settings.clone();
        emptied.sensitive_departments.clear();
        emptied.version = settings.version + 1;
        let item = crate::store::to_item(&keys::risk_settings(&t), items::RISK_SETTINGS, &emptied)?;
        let (cond, exprs) = match settings.version {
            0 => (Cond::New, Exprs::new()),
            v => (Cond::Expr("version = :v".into()), Exprs::new().num(":v", v)),
        };
        tx.put_item(&table, item, cond, exprs);
        events.push(
            NewEvent::new("departments.migrated", t.id().to_string())
                .with("from", "risk_settings.sensitive_departments")
                .with("sensitive", legacy.join(", ")),
        );
    }
    depts::stage_summary(&mut tx, &table, &t, &listed.iter().collect::<Vec<_>>(), &now);
    match ctx.commit_create(tx, events, 201, &d).await {
        Ok(reply) => Ok(reply),
        Err(StoreError::Cancelled { failed, .. }) if failed.contains(&guard) => Err(name_taken(&d.name)),
        Err(StoreError::Cancelled { .. }) => {
            Err(ApiError::Conflict("The departments changed meanwhile (a name taken?); retry.".into()))
        }
        Err(e) => Err(e.into()),
    }
}

/// `PATCH /departments/{id}`: versioned and audited with what changed.
pub async fn patch_department(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let req: PatchDepartmentRequest = ctx.json()?;
    let t = ctx.tenant()?.clone();
    let current = by_id(ctx, &t)?;
    let mut next = current.clone();
    let mut errors = Vec::new();
    if let Some(n) = &req.name {
        match department_name(n) {
            Ok(n) => next.name = n,
            Err(e) => errors.push(e),
        }
    }
    if let Some(s) = req.sensitive {
        next.sensitive = s;
    }
    match &req.manager_id {
        None => {}
        Some(None) => next.manager_id = None,
        Some(Some(raw)) => match manager(ctx, &t, raw) {
            Ok(id) => next.manager_id = Some(id),
            Err(e) => errors.push(e),
        },
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    if req.version != current.version {
        return Err(ApiError::Conflict(format!(
            "The department was changed meanwhile: version is {}, you sent {}.",
            current.version, req.version
        )));
    }
    let mut changed = Vec::new();
    let renamed = next.name != current.name;
    if renamed {
        changed.push("name");
    }
    if next.sensitive != current.sensitive {
        changed.push("sensitive");
    }
    if next.manager_id != current.manager_id {
        changed.push("manager_id");
    }
    if changed.is_empty() {
        return Ok(json(200, &current));
    }
    next.version += 1;
    next.updated_at = ctx.timestamp();
    let table = ctx.table().to_string();
    let mut tx = Tx::new();
    // The fields this route owns, not the whole item: `people` is counted
    // by people's records joining and leaving, meanwhile too.
    let mut exprs = Exprs::new()
        .name("#name", "name")
        .name("#sensitive", "sensitive")
        .str(":name", &next.name)
        .bool(":sensitive", next.sensitive)
        .num(":next", next.version)
        .str(":at", &next.updated_at)
        .num(":v", current.version);
    let mut update = "SET #name = :name, #sensitive = :sensitive, version = :next, updated_at = :at".to_string();
    match &next.manager_id {
        Some(m) => {
            update.push_str(", manager_id = :m");
            exprs = exprs.str(":m", m.to_string());
        }
        None => update.push_str(" REMOVE manager_id"),
    }
    tx.update(&table, &keys::department(&t, &next.id), &update, Cond::Expr("version = :v".into()), exprs);
    let mut guard = None;
    if depts::name_key(&next.name) != depts::name_key(&current.name) {
        depts::stage_release_name(&mut tx, &table, &t, &current.name);
        guard = Some(depts::stage_claim_name(&mut tx, &table, &t, &next));
    }
    // Every change rewrites the department's summary entries (name,
    // sensitive, manager): the time routes read its manager there, and a
    // department written before the summary listed managers gains its entry.
    depts::stage_summary(&mut tx, &table, &t, &[&next], &next.updated_at);
    let event = NewEvent::new("department.updated", next.id.to_string())
        .with("changed", changed.join(","))
        .with("name", next.name.clone())
        .with("sensitive", next.sensitive.to_string())
        .with("manager", next.manager_id.as_ref().map(ToString::to_string).unwrap_or_default());
    match ctx.commit(tx, vec![event]).await {
        Ok(()) => Ok(json(200, &next)),
        Err(StoreError::Cancelled { failed, .. }) if guard.is_some_and(|g| failed.contains(&g)) => {
            Err(name_taken(&next.name))
        }
        Err(StoreError::Cancelled { .. }) => {
            Err(ApiError::Conflict("The department was changed meanwhile; read it again and retry.".into()))
        }
        Err(e) => Err(e.into()),
    }
}

/// `DELETE /departments/{id}`: only when nobody's record names it (409
/// with the count otherwise); the delete is conditional on that count, so
/// a person added meanwhile stops it.
pub async fn delete_department(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let t = ctx.tenant()?.clone();
    let d = by_id(ctx, &t)?;
    if d.people > 0 {
        let who = if d.people == 1 { "1 person".to_string() } else { format!("{} people", d.people) };
        return Err(ApiError::Conflict(format!("{} still has {who}; move them to another department first.", d.name)));
    }
    let table = ctx.table().to_string();
    let mut tx = Tx::new();
    tx.delete_if(
        &table,
        &keys::department(&t, &d.id),
        Cond::Expr("version = :v AND people = :zero".into()),
        Exprs::new().num(":v", d.version).num(":zero", 0),
    );
    depts::stage_release_name(&mut tx, &table, &t, &d.name);
    depts::stage_unlist(&mut tx, &table, &t, &d.id);
    let event = NewEvent::new("department.deleted", d.id.to_string()).with("name", d.name.clone());
    match ctx.commit(tx, vec![event]).await {
        Ok(()) => Ok(no_content()),
        Err(StoreError::Cancelled { .. }) => Err(ApiError::Conflict(
            "The department was changed meanwhile (someone joined it?); read it again and retry.".into(),
        )),
        Err(e) => Err(e.into()),
    }
}
