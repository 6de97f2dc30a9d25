//! `/leavers…`: registering leavers, the seed's surname routes, risk,
//! re-assessment and the offboarding checklist.

use serde::Deserialize;
use serde_json::json;

use super::{double_option, CHECKLIST_USERS, CONFLICT, LEAVER_READERS, LEAVER_WRITERS};
use crate::domain::audit::NewEvent;
use crate::domain::leavers::{
    self as rules, format_date, surname_key, CaseAction, CaseActor, CaseSubject, LeaverStatus, RawLeaver,
};
use crate::domain::risk::{Level, RiskSettings};
use crate::domain::tickets::SlaPolicies;
use crate::domain::validate::decode_segment;
use crate::error::ApiError;
use crate::http::cursor::{BY_GSI1, BY_GSI2, BY_TABLE};
use crate::http::{json, no_content, Ctx, ListPage, Reply};
use crate::http::{schema_of, Access::Roles, Group, Response, Route};
use crate::ids::{LeaverId, UserId};
use crate::service::assess::{self, HistoryEntry};
use crate::service::offboarding;
use crate::store::items::{LeaverLink, User};
use crate::store::leavers::{self as stored, Leaver};
use crate::store::{decode, keys, schema, Cond, Exprs, SkCond, StoreError, Tenant, Tx};

/// Leavers, their risk and their offboarding checklist, served by `leavers`.
pub const GROUP: Group =
    Group { function: "leavers", routes: ROUTES, signs_tokens: false, on_start: None, fallback: None };

pub const ROUTES: &[Route] = &[
    Route {
        method: "POST",
        path: "/leavers",
        summary: "Register a leaver",
        access: Roles(LEAVER_WRITERS),
        request: Some(schema_of::<CreateLeaverRequest>),
        response: Response::Json(201, schema_of::<Leaver>),
        create: true,
        prefetch: prefetch_create,
        handler: handler!(create),
        ..Route::DEFAULT
    },
    Route {
        path: "/leavers",
        summary: "List leavers",
        access: Roles(LEAVER_READERS),
        response: Response::Page(schema_of::<Leaver>),
        query: &["status", "risk_level", "leaving_before", "leaving_after", "department"],
        paged: true,
        prefetch: prefetch_settings,
        handler: handler!(list),
        ..Route::DEFAULT
    },
    Route {
        path: "/leavers/{id}",
        summary: "Read a leaver by id, or the leavers with a surname",
        access: Roles(LEAVER_READERS),
        response: Response::Json(200, schema_of::<Leaver>),
        prefetch: prefetch_by_key,
        handler: handler!(get),
        ..Route::DEFAULT
    },
    Route {
        method: "PUT",
        path: "/leavers/{id}",
        summary: "Change the leave date of the leaver with a surname (or id)",
        access: Roles(LEAVER_WRITERS),
        request: Some(schema_of::<LeaveDateRequest>),
        response: Response::Json(200, schema_of::<Leaver>),
        prefetch: prefetch_by_key,
        answers: &[CONFLICT],
        handler: handler!(put_leave_date),
        ..Route::DEFAULT
    },
    Route {
        method: "PATCH",
        path: "/leavers/{id}",
        summary: "Update a leaver",
        access: Roles(LEAVER_WRITERS),
        request: Some(schema_of::<PatchLeaverRequest>),
        response: Response::Json(200, schema_of::<Leaver>),
        prefetch: prefetch_by_id,
        answers: &[CONFLICT],
        handler: handler!(patch),
        ..Route::DEFAULT
    },
    Route {
        method: "DELETE",
        path: "/leavers/{id}",
        summary: "Delete a leaver (soft)",
        access: Roles(LEAVER_WRITERS),
        response: Response::Empty(204),
        prefetch: prefetch_by_id,
        answers: &[CONFLICT],
        handler: handler!(delete),
        ..Route::DEFAULT
    },
    Route {
        path: "/leavers/{id}/risk",
        summary: "A leaver's risk: score, level, factors, history",
        access: Roles(LEAVER_READERS),
        response: Response::Json(200, schema_of::<LeaverRisk>),
        prefetch: prefetch_by_id,
        handler: handler!(risk),
        ..Route::DEFAULT
    },
    Route {
        method: "POST",
        path: "/leavers/{id}/assess",
        summary: "Re-score a leaver now",
        access: Roles(LEAVER_READERS),
        response: Response::Json(200, schema_of::<Assessed>),
        prefetch: prefetch_by_id,
        answers: &[CONFLICT],
        handler: handler!(assess_now),
        ..Route::DEFAULT
    },
    Route {
        path: "/leavers/{id}/checklist",
        summary: "A leaver's offboarding checklist",
        access: Roles(CHECKLIST_USERS),
        prefetch: prefetch_by_id,
        handler: handler!(checklist),
        ..Route::DEFAULT
    },
    Route {
        method: "PATCH",
        path: "/leavers/{id}/checklist/{item}",
        summary: "Tick or untick a checklist item",
        access: Roles(CHECKLIST_USERS),
        request: Some(schema_of::<ChecklistPatchRequest>),
        prefetch: prefetch_by_id,
        answers: &[CONFLICT],
        handler: handler!(patch_checklist),
        ..Route::DEFAULT
    },
    Route {
        method: "POST",
        path: "/leavers/{id}/handover",
        summary:
            "Hand everything the leaver's account holds (projects, open tasks) to one person; 202: call again to finish",
        access: Roles(LEAVER_WRITERS),
        request: Some(schema_of::<super::handover::HandoverRequest>),
        response: Response::Json(200, schema_of::<super::handover::HandoverView>),
        prefetch: super::handover::prefetch,
        answers: &[CONFLICT, (202, "Part of the work was handed over in the time a request has; call again to finish")],
        handler: handler!(super::handover::handover),
        ..Route::DEFAULT
    },
];

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateLeaverRequest {
    pub first_name: Option<String>,
    pub surname: Option<String>,
    pub email: Option<String>,
    pub employee_id: Option<String>,
    pub department: Option<String>,
    pub job_title: Option<String>,
    /// `YYYY-MM-DD`
    pub leave_date: Option<String>,
    /// resignation | dismissal | redundancy | retirement | contract_end | other
    pub reason: Option<String>,
    /// standard (default) | elevated | privileged
    pub access_level: Option<String>,
    pub notes: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchLeaverRequest {
    /// The version you read; a stale one gets 409.
    pub version: u64,
    pub first_name: Option<String>,
    pub surname: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    pub email: Option<Option<String>>,
    pub department: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    pub job_title: Option<Option<String>>,
    pub leave_date: Option<String>,
    pub reason: Option<String>,
    pub access_level: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    pub notes: Option<Option<String>>,
    /// `closed` closes the case (409 listing what blocks it); `active`
    /// reopens it. Sent alone (with `version`).
    pub status: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeaveDateRequest {
    pub leave_date: String,
    /// Optional: the version you read; a stale one gets 409.
    pub version: Option<u64>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChecklistPatchRequest {
    pub done: bool,
    pub note: Option<String>,
    pub version: Option<u64>,
}

/// What `{id}` in `/leavers/{id}` names.
pub enum Target {
    Id(LeaverId),
    Surname(String),
    /// Longer than any surname Tenure stores: matches nothing.
    Nothing,
}

/// Surnames are at most 100 characters, so their keys at most 400 bytes.
const MAX_SURNAME_KEY_BYTES: usize = 400;

pub fn target(raw: &str) -> Target {
    match LeaverId::parse(raw) {
        Some(id) => Target::Id(id),
        None => {
            let key = surname_key(&decode_segment(raw));
            if key.is_empty() || key.len() > MAX_SURNAME_KEY_BYTES {
                Target::Nothing
            } else {
                Target::Surname(key)
            }
        }
    }
}

fn today(ctx: &Ctx) -> time::Date {
    ctx.now.date()
}

pub(crate) fn settings(ctx: &Ctx, t: &Tenant) -> Result<RiskSettings, ApiError> {
    let stored = ctx.prefetched::<RiskSettings>(&keys::risk_settings(t))?;
    Ok(assess::effective_settings(stored, ctx.prefetched_raw(&keys::departments_summary(t))))
}

/// Every leaver route reads the company's risk settings with the session.
fn prefetch_settings(_ctx: &Ctx, scope: &Tenant) -> Vec<keys::Key> {
    vec![keys::risk_settings(scope), keys::departments_summary(scope), keys::company(scope)]
}

/// `POST /leavers`: the settings, and the linked account if the body names one.
fn prefetch_create(ctx: &Ctx, scope: &Tenant) -> Vec<keys::Key> {
    let mut wanted = prefetch_settings(ctx, scope);
    wanted.push(keys::sla_policies(scope));
    if let Ok(Some(req)) = ctx.json_opt::<serde_json::Value>() {
        // The account with the leaver's email, if any (the offboarding
        // ticket's subject).
        if let Some(e) =
            req.get("email").and_then(|v| v.as_str()).and_then(|e| crate::domain::validate::Email::parse(e).ok())
        {
            wanted.push(keys::credential(e.as_str()));
        }
        if let Some(uid) = req.get("employee_id").and_then(|v| v.as_str()).and_then(UserId::parse) {
            wanted.push(keys::user(scope, &uid));
        }
    }
    wanted
}

/// `/leavers/{id}/…`: the settings and the leaver named by an id.
pub(crate) fn prefetch_by_id(ctx: &Ctx, scope: &Tenant) -> Vec<keys::Key> {
    let mut wanted = prefetch_settings(ctx, scope);
    if let Target::Id(id) = target(ctx.param("id")) {
        wanted.push(keys::leaver(scope, &id));
    }
    wanted
}

/// `GET`/`PUT /leavers/{key}`: as `prefetch_by_id`, or the surname's bucket.
fn prefetch_by_key(ctx: &Ctx, scope: &Tenant) -> Vec<keys::Key> {
    let mut wanted = prefetch_settings(ctx, scope);
    match target(ctx.param("id")) {
        Target::Id(id) => wanted.push(keys::leaver(scope, &id)),
        Target::Surname(_) | Target::Nothing => {}
    }
    wanted
}

fn not_found() -> ApiError {
    ApiError::NotFound
}

/// The active leaver named by `{id}` (an id), prefetched.
pub(crate) fn by_id(ctx: &Ctx) -> Result<Leaver, ApiError> {
    let Target::Id(id) = target(ctx.param("id")) else { return Err(not_found()) };
    let l: Leaver = ctx.prefetched(&keys::leaver(ctx.tenant()?, &id))?.ok_or_else(not_found)?;
    if l.status == LeaverStatus::Deleted {
        return Err(not_found());
    }
    Ok(l)
}

pub(crate) fn conflict_on_write(e: StoreError) -> ApiError {
    match e {
        StoreError::Cancelled { .. } => {
            ApiError::Conflict("The leaver was changed meanwhile; read it again and retry.".into())
        }
        e => e.into(),
    }
}

/// Re-scores `l`, then stages it and its history (and an alert, if due).
pub(crate) fn rescore_and_stage(
    ctx: &Ctx,
    tx: &mut Tx,
    t: &Tenant,
    l: &mut Leaver,
    read_rev: Option<u64>,
    events: &mut Vec<NewEvent>,
) -> Result<(), ApiError> {
    let s = settings(ctx, t)?;
    let a = assess::score(l, &s, today(ctx));
    assess::record(tx, ctx.table(), t, l, &a, today(ctx), &ctx.timestamp(), events);
    l.rev += 1;
    stored::stage_put(tx, ctx.table(), t, l, read_rev)?;
    Ok(())
}

/// Commits an edit of a leaver's fields: re-scored, its user's copy kept,
/// and, when the leave date `moved`, its offboarding ticket's due time.
async fn commit_edit(
    ctx: &Ctx,
    t: &Tenant,
    l: &mut Leaver,
    mut events: Vec<NewEvent>,
    moved: bool,
) -> Result<Reply, ApiError> {
    let mut tx = Tx::new();
    let read_rev = l.rev;
    rescore_and_stage(ctx, &mut tx, t, l, Some(read_rev), &mut events)?;
    stage_link(ctx, &mut tx, t, l);
    if moved {
        let now = crate::api::tickets::ticket::now(ctx);
        let calendar = crate::api::tickets::ticket::calendar(ctx, t)?;
        crate::service::offboarding::stage_due_change(&mut tx, ctx.table(), t, l, &calendar, now);
    }
    ctx.commit(tx, events).await.map_err(conflict_on_write)?;
    Ok(json(200, &l.view()))
}

/// Keeps the linked user's copy of the leave date (and surname key)
/// current, or removes it when the leaver is deleted.
fn stage_link(ctx: &Ctx, tx: &mut Tx, t: &Tenant, l: &Leaver) {
    let Some(uid) = &l.employee_id else { return };
    if l.status == LeaverStatus::Deleted {
        tx.update(ctx.table(), &keys::user(t, uid), "REMOVE leaver", Cond::Exists, Exprs::new());
    } else {
        tx.update(
            ctx.table(),
            &keys::user(t, uid),
            "SET leaver.leave_date = :d, leaver.surname_key = :k",
            Cond::Expr("attribute_exists(leaver)".into()),
            Exprs::new().str(":d", &l.leave_date).str(":k", &l.surname_key),
        );
    }
}

/// The case rule (`domain::leavers::may_act_on_case`) for the caller and
/// leaver `l`: 403 when the caller is its subject or may not manage it.
pub(crate) fn authorize_case(ctx: &Ctx, l: &Leaver, action: CaseAction) -> Result<(), ApiError> {
    let subject = CaseSubject { case: &l.id, user: l.employee_id.as_ref(), role: l.linked_role };
    rules::may_act_on_case(case_actor(ctx)?, subject, action).map_err(|r| ApiError::Forbidden(r.message()))
}

/// The caller as the case rules see them: role, id and their own case.
pub(crate) fn case_actor(ctx: &Ctx) -> Result<CaseActor<'_>, ApiError> {
    let p = ctx.principal()?;
    Ok(CaseActor { role: p.role(), id: p.id(), own_case: p.user.leaver.as_ref().map(|link| &link.leaver_id) })
}

/// `POST /leavers`.
pub async fn create(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let req: CreateLeaverRequest = ctx.json()?;
    let t = ctx.tenant()?.clone();
    let mut link_errors = Vec::new();
    let linked: Option<User> = match req.employee_id.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(raw_id) => match UserId::parse(raw_id) {
            None => {
                link_errors.push(crate::error::FieldError::new("employee_id", "is not a user id"));
                None
            }
            Some(uid) => match ctx.prefetched::<User>(&keys::user(&t, &uid))? {
                None => {
                    link_errors.push(crate::error::FieldError::new("employee_id", "is not a person in this company"));
                    None
                }
                Some(u) => Some(u),
            },
        },
    };
    // The person's record fills what the body leaves out: name, email,
    // department (its name, from the departments summary read with the
    // settings) and job title.
    let record = linked.as_ref().map(|u| {
        let words: Vec<&str> = u.full_name.split_whitespace().collect();
        let (first, last) = match words.split_last() {
            Some((last, rest)) if !rest.is_empty() => (rest.join(" "), last.to_string()),
            _ => (u.full_name.clone(), u.full_name.clone()),
        };
        let department = u.department_id.as_ref().and_then(|d| {
            let names = crate::store::departments::names_from_item(ctx.prefetched_raw(&keys::departments_summary(&t)));
            names.get(&d.to_string()).map(|n| (d.clone(), n.clone()))
        });
        (first, last, u.email.clone(), department, u.job_title.clone(), u.access_level)
    });
    let department_id = match (&req.department, &record) {
        (None, Some((_, _, _, Some((id, _)), _, _))) => Some(id.clone()),
        _ => None,
    };
    let raw = RawLeaver {
        first_name: req.first_name.as_deref().or(record.as_ref().map(|r| r.0.as_str())),
        surname: req.surname.as_deref().or(record.as_ref().map(|r| r.1.as_str())),
        email: Some(req.email.as_deref().or(record.as_ref().map(|r| r.2.as_str()))),
        department: req.department.as_deref().or(record.as_ref().and_then(|r| r.3.as_ref().map(|d| d.1.as_str()))),
        job_title: Some(req.job_title.as_deref().or(record.as_ref().and_then(|r| r.4.as_deref()))),
        leave_date: req.leave_date.as_deref(),
        reason: req.reason.as_deref(),
        access_level: req.access_level.as_deref().or(record.as_ref().and_then(|r| r.5.map(|a| a.as_str()))),
        notes: Some(req.notes.as_deref()),
    };
    let mut errors = match rules::fields(None, &raw) {
        Ok(_) => Vec::new(),
        Err(e) => e,
    };
    errors.extend(link_errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let f = rules::fields(None, &raw).map_err(ApiError::Validation)?;
    if let Some(u) = &linked {
        // Linking an account means it will be refused after the leave date
        // and deactivated by the sweep: the same rule as deactivating it.
        let p = ctx.principal()?;
        crate::domain::roles::may_change_status(p.role(), u.id == *p.id(), u.role)
            .map_err(|_| ApiError::Forbidden("Your role may not register this person's account as a leaver."))?;
        if let Some(link) = &u.leaver {
            return Err(ApiError::Conflict(format!("This person is already registered as leaver {}.", link.leaver_id)));
        }
    }
    let mut l = Leaver::new(t.id().clone(), f, ctx.timestamp());
    l.employee_id = linked.as_ref().map(|u| u.id.clone());
    l.department_id = department_id;
    l.linked_role = linked.as_ref().map(|u| u.role);
    // The person's download history so far is the baseline; their recent
    // access requests count from the start.
    let user_item = linked.as_ref().and_then(|u| ctx.prefetched_raw(&keys::user(&t, &u.id)));
    l.downloads = user_item.map(crate::store::items::download_counts).unwrap_or_default();
    l.access_requests = user_item.map(crate::store::items::access_request_counts).unwrap_or_default();
    l.after_hours = user_item.map(crate::store::items::after_hours);
    // What the account holds (counted on it; the sweep names the items).
    l.held = user_item.map(|item| {
        let (projects, tasks) = crate::store::projects::holdings_of(Some(item));
        crate::domain::risk::HeldWork {
            projects: projects as u32,
            tasks: tasks as u32,
            items: Vec::new(),
            counted_at: ctx.timestamp(),
        }
    });
    let mut tx = Tx::new();
    let mut events = vec![NewEvent::new("leaver.created", l.id.to_string())
        .with("leave_date", &l.leave_date)
        .with("reason", l.reason.as_str())];
    let s = settings(ctx, &t)?;
    let a = assess::score(&l, &s, today(ctx));
    assess::record(&mut tx, ctx.table(), &t, &mut l, &a, today(ctx), &ctx.timestamp(), &mut events);
    // IT's part: the offboarding ticket, in the same transaction.
    let policies = ctx.prefetched::<SlaPolicies>(&keys::sla_policies(&t))?.unwrap_or_default();
    let requester = ctx.principal()?.id().clone();
    let table = ctx.table().to_string();
    // The person it is about: the linked account, or the company's account
    // with the leaver's email (they never see or work their own ticket).
    let by_email = l
        .email
        .as_deref()
        .and_then(|e| ctx.prefetched::<crate::store::items::Credential>(&keys::credential(e)).ok().flatten());
    let subject = l.employee_id.clone().or(by_email.filter(|c| c.company_id == *t.id()).map(|c| c.user_id));
    let cal = crate::api::tickets::ticket::calendar(ctx, &t)?;
    let opened = offboarding::open(
        &mut tx,
        &table,
        &t,
        &mut l,
        &requester,
        subject.as_ref(),
        &policies,
        &cal,
        &ctx.timestamp(),
    )?;
    if let Some(ticket) = opened {
        events.push(
            NewEvent::new("ticket.created", ticket.id.to_string())
                .with("priority", ticket.priority.as_str())
                .with("category", ticket.category.as_str())
                .with("leaver", l.id.to_string()),
        );
    }
    stored::stage_put(&mut tx, ctx.table(), &t, &l, None)?;
    let link_index = match &linked {
        Some(u) => {
            let link = LeaverLink {
                leaver_id: l.id.clone(),
                surname_key: l.surname_key.clone(),
                leave_date: l.leave_date.clone(),
                flagged_at: None,
            };
            let v = serde_dynamo::to_attribute_value(&link).map_err(ApiError::internal)?;
            Some(tx.update(
                ctx.table(),
                &keys::user(&t, &u.id),
                "SET leaver = :link",
                Cond::Expr("attribute_exists(pk) AND attribute_not_exists(leaver)".into()),
                Exprs::new().value(":link", v),
            ))
        }
        None => None,
    };
    match ctx.commit_create(tx, events, 201, &l.view()).await {
        Ok(r) => Ok(r),
        Err(StoreError::Cancelled { failed, .. }) if link_index.is_some_and(|i| failed.contains(&i)) => {
            Err(ApiError::Conflict("This person was registered as a leaver meanwhile.".into()))
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /leavers`: filters `status`, `risk_level`, `leaving_before`,
/// `leaving_after`, `department`. With a date filter the list is in leave
/// date order, otherwise in registration order.
pub async fn list(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let t = ctx.tenant()?.clone();
    let status = match ctx.query("status").unwrap_or("active") {
        "active" => "active",
        "deleted" => "deleted",
        "closed" => "closed",
        _ => return Err(ApiError::bad_field("status", "must be active, closed or deleted")),
    };
    let level = match ctx.query("risk_level").filter(|v| !v.is_empty()) {
        None => None,
        Some(v) => Some(
            Level::parse(v)
                .ok_or_else(|| ApiError::bad_field("risk_level", "must be low, medium, high or critical"))?,
        ),
    };
    let date = |name: &str| -> Result<Option<String>, ApiError> {
        match ctx.query(name).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) => rules::parse_date(v).map(|d| Some(format_date(d))).map_err(|m| ApiError::bad_field(name, m)),
        }
    };
    let (before, after) = (date("leaving_before")?, date("leaving_after")?);
    if let (Some(b), Some(a)) = (&before, &after) {
        if a > b {
            return Err(ApiError::bad_field("leaving_after", "must not be later than leaving_before"));
        }
    }
    let department = ctx.query("department").filter(|v| !v.is_empty()).map(|d| d.to_string());
    if department.as_ref().is_some_and(|d| d.chars().count() > 100) {
        return Err(ApiError::bad_field("department", "must be at most 100 characters"));
    }
    let mut conds = vec!["#status = :status".to_string()];
    let mut exprs = Exprs::new().name("#status", "status").str(":status", status);
    if let Some(l) = level {
        conds.push("#risk.#level = :level".into());
        exprs = exprs.name("#risk", "risk").name("#level", "level").str(":level", l.as_str());
    }
    if let Some(d) = &department {
        conds.push("#department = :department".into());
        exprs = exprs.name("#department", "department").str(":department", d.trim());
    }
    let filter = Some((conds.join(" AND "), exprs));
    let scope = format!(
        "leavers|{status}|{}|{}|{}|{}",
        level.map(|l| l.as_str()).unwrap_or(""),
        before.as_deref().unwrap_or(""),
        after.as_deref().unwrap_or(""),
        department.as_deref().unwrap_or("")
    );
    let store = &ctx.app.store;
    let page = if before.is_some() || after.is_some() {
        let pk = keys::leavers_by_date_gsi2pk(&t);
        let (limit, start) = ctx.page_start(&scope, &BY_GSI2, &pk)?;
        let from = format!("{}#", after.as_deref().unwrap_or("0000-00-00"));
        let to = format!("{}#~", before.as_deref().unwrap_or("9999-99-99"));
        store
            .query(
                Some((schema::GSI2, schema::GSI2_PK, schema::GSI2_SK)),
                &pk,
                SkCond::Between(&from, &to),
                limit,
                start,
                true,
                filter,
            )
            .await?
    } else {
        let pk = keys::tenant_pk(&t);
        let (limit, start) = ctx.page_start(&scope, &BY_TABLE, &pk)?;
        store.query(None, &pk, SkCond::Prefix(keys::LEAVER_SK_PREFIX), limit, start, true, filter).await?
    };
    let items = page.items.into_iter().map(|i| decode::<Leaver>(i).map(|l| l.view())).collect::<Result<Vec<_>, _>>()?;
    let next_cursor = ctx.next_cursor(&scope, page.last_key)?;
    Ok(json(200, &ListPage { items, next_cursor }))
}

/// How many surname matches `PUT /leavers/{surname}` reads, and lists.
const CANDIDATES_READ: i32 = 100;
const CANDIDATES_SHOWN: usize = 25;

/// The active leavers with surname key `key` (at most `limit`, from the
/// cursor's page on), by the surname index.
async fn surname_matches(
    ctx: &Ctx,
    key: &str,
    limit: i32,
    start: Option<crate::store::Item>,
) -> Result<(Vec<Leaver>, Option<std::collections::HashMap<String, String>>), ApiError> {
    let t = ctx.tenant()?;
    Ok(stored::by_surname(&ctx.app.store, t, key, limit, start).await?)
}

/// `GET /leavers/{id}`: one leaver by id, or every active leaver whose
/// surname matches (case-insensitive) as a list.
pub async fn get(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    match target(ctx.param("id")) {
        Target::Id(_) => Ok(json(200, &by_id(ctx)?.view())),
        Target::Nothing => Err(not_found()),
        Target::Surname(k) => {
            let t = ctx.tenant()?.clone();
            let scope = format!("surname|{k}");
            let (limit, start) = ctx.page_start(&scope, &BY_GSI1, &keys::leaver_surname_gsi1pk(&t, &k))?;
            let (found, last_key) = surname_matches(ctx, &k, limit, start).await?;
            if found.is_empty() && last_key.is_none() && ctx.query("cursor").is_none() {
                return Err(not_found());
            }
            let next_cursor = ctx.next_cursor(&scope, last_key)?;
            Ok(json(200, &ListPage { items: found.iter().map(Leaver::view).collect(), next_cursor }))
        }
    }
}

/// `PUT /leavers/{id}` `{leave_date}`: the seed's update by surname (or id).
/// Several leavers with the surname: 409 listing them.
pub async fn put_leave_date(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let req: LeaveDateRequest = ctx.json()?;
    let date = rules::parse_date(&req.leave_date).map_err(|m| ApiError::invalid("leave_date", m))?;
    let mut l = match target(ctx.param("id")) {
        Target::Id(_) => by_id(ctx)?,
        Target::Nothing => return Err(not_found()),
        Target::Surname(k) => {
            // One read of the surname index: this seed route takes four
            // round trips in all, the one exception to three (README).
            let (mut found, more) = surname_matches(ctx, &k, CANDIDATES_READ, None).await?;
            match (found.len(), more.is_some()) {
                (0, false) => return Err(not_found()),
                (1, false) => found.remove(0),
                (n, more) => {
                    let candidates: Vec<_> = found
                        .iter()
                        .take(CANDIDATES_SHOWN)
                        .map(|l| json!({"id": l.id.to_string(), "first_name": l.first_name, "surname": l.surname, "department": l.department, "leave_date": l.leave_date}))
                        .collect();
                    let count = if more || n > CANDIDATES_SHOWN {
                        format!("More than {} leavers", n.min(CANDIDATES_SHOWN))
                    } else {
                        format!("{n} leavers")
                    };
                    return Err(ApiError::Ambiguous(
                        format!("{count} have this surname; update one by its id."),
                        json!(candidates),
                    ));
                }
            }
        }
    };
    super::handover::writable(&l)?;
    if let Some(v) = req.version {
        if v != l.version {
            return Err(ApiError::Conflict(format!(
                "The leaver was changed meanwhile: version is {}, you sent {v}.",
                l.version
            )));
        }
    }
    authorize_case(ctx, &l, CaseAction::Manage)?;
    let t = ctx.tenant()?.clone();
    let from = l.leave_date.clone();
    l.leave_date = format_date(date);
    l.version += 1;
    l.updated_at = ctx.timestamp();
    let events = vec![NewEvent::new("leaver.updated", l.id.to_string())
        .with("leave_date_from", &from)
        .with("leave_date_to", &l.leave_date)];
    let moved = l.leave_date != from;
    commit_edit(ctx, &t, &mut l, events, moved).await
}

/// `PATCH /leavers/{id}`.
pub async fn patch(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let req: PatchLeaverRequest = ctx.json()?;
    let raw: serde_json::Value = ctx.json()?;
    let mut l = by_id(ctx)?;
    authorize_case(ctx, &l, CaseAction::Manage)?;
    if let Some(status) = &req.status {
        let others = raw.as_object().is_some_and(|o| o.keys().any(|k| k != "status" && k != "version"));
        if others {
            return Err(ApiError::invalid("status", "is changed alone (with version), not with other fields"));
        }
        if !matches!(status.as_str(), "closed" | "active") {
            return Err(ApiError::invalid("status", "must be closed or active"));
        }
    }
    if req.version != l.version {
        return Err(ApiError::Conflict(format!(
            "The leaver was changed meanwhile: version is {}, you sent {}.",
            l.version, req.version
        )));
    }
    if let Some(status) = &req.status {
        return super::handover::set_status(ctx, l, status).await;
    }
    super::handover::writable(&l)?;
    let base = rules::LeaverFields {
        first_name: l.first_name.clone(),
        surname: l.surname.clone(),
        email: l.email.clone(),
        department: l.department.clone(),
        job_title: l.job_title.clone(),
        leave_date: rules::parse_date(&l.leave_date).map_err(ApiError::internal)?,
        reason: l.reason,
        access_level: l.access_level,
        notes: l.notes.clone(),
    };
    let raw = RawLeaver {
        first_name: req.first_name.as_deref(),
        surname: req.surname.as_deref(),
        email: req.email.as_ref().map(|o| o.as_deref()),
        department: req.department.as_deref(),
        job_title: req.job_title.as_ref().map(|o| o.as_deref()),
        leave_date: req.leave_date.as_deref(),
        reason: req.reason.as_deref(),
        access_level: req.access_level.as_deref(),
        notes: req.notes.as_ref().map(|o| o.as_deref()),
    };
    let f = rules::fields(Some(&base), &raw).map_err(ApiError::Validation)?;
    let t = ctx.tenant()?.clone();
    let mut changed: Vec<&str> = Vec::new();
    macro_rules! set {
        ($field:ident, $value:expr, $name:literal) => {
            if l.$field != $value {
                l.$field = $value;
                changed.push($name);
            }
        };
    }
    set!(first_name, f.first_name, "first_name");
    set!(surname, f.surname, "surname");
    set!(email, f.email, "email");
    set!(department, f.department, "department");
    set!(job_title, f.job_title, "job_title");
    set!(leave_date, format_date(f.leave_date), "leave_date");
    set!(reason, f.reason, "reason");
    set!(access_level, f.access_level, "access_level");
    set!(notes, f.notes, "notes");
    if changed.is_empty() {
        return Ok(json(200, &l.view()));
    }
    l.surname_key = surname_key(&l.surname);
    if changed.contains(&"department") {
        // Named by hand now: no longer the record's department.
        l.department_id = None;
    }
    l.version += 1;
    l.updated_at = ctx.timestamp();
    let events = vec![NewEvent::new("leaver.updated", l.id.to_string()).with("fields", changed.join(","))];
    let moved = changed.contains(&"leave_date");
    commit_edit(ctx, &t, &mut l, events, moved).await
}

/// `DELETE /leavers/{id}`: soft delete; the record stays for the audit
/// trail but leaves lists, surname lookups and the sweep.
pub async fn delete(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let mut l = by_id(ctx)?;
    super::handover::writable(&l)?;
    authorize_case(ctx, &l, CaseAction::Manage)?;
    let t = ctx.tenant()?.clone();
    let now = ctx.timestamp();
    l.status = LeaverStatus::Deleted;
    l.version += 1;
    l.updated_at = now.clone();
    let read_rev = l.rev;
    l.rev += 1;
    let mut tx = Tx::new();
    let mut events = vec![NewEvent::new("leaver.deleted", l.id.to_string())];
    // Deleting the case of a linked account lifts its refusal after the leave
    // date and the sweep's deactivation: security hears of it at once.
    if let Some(uid) = &l.employee_id {
        let actor = ctx.principal()?.id().to_string();
        let alert = assess::case_deleted_alert(&l, uid, &actor, &now);
        l.open_alerts.insert(alert.slot().to_string(), alert.id.to_string());
        assess::stage_alert(&mut tx, ctx.table(), &t, &alert);
        events.push(
            NewEvent::new("alert.raised", alert.id.to_string())
                .with("leaver", l.id.to_string())
                .with("level", alert.level.as_str())
                .with("kind", "case_deleted"),
        );
    }
    stored::stage_put(&mut tx, ctx.table(), &t, &l, Some(read_rev))?;
    stage_link(ctx, &mut tx, &t, &l);
    ctx.commit(tx, events).await.map_err(conflict_on_write)?;
    Ok(no_content())
}

/// How many history entries `GET /leavers/{id}/risk` returns.
pub const HISTORY_LIMIT: i32 = 90;

/// `GET /leavers/{id}/risk`.
pub async fn risk(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let l = by_id(ctx)?;
    let t = ctx.tenant()?.clone();
    let page = ctx
        .app
        .store
        .query(
            None,
            &keys::tenant_pk(&t),
            SkCond::Prefix(&keys::risk_history_prefix(&l.id)),
            HISTORY_LIMIT,
            None,
            false,
            None,
        )
        .await?;
    let history = page.items.into_iter().map(decode::<HistoryEntry>).collect::<Result<Vec<_>, _>>()?;
    let r = l.risk.clone();
    let view = LeaverRisk {
        leaver_id: l.id.to_string(),
        score: r.as_ref().map(|r| r.score),
        level: r.as_ref().map(|r| r.level),
        factors: r.as_ref().map(|r| r.factors.clone()).unwrap_or_default(),
        assessed_at: r.as_ref().map(|r| r.assessed_at.clone()),
        post_leave_activity: l.post_leave_activity,
        open_alerts: l.open_alerts,
        history,
    };
    Ok(json(200, &view))
}

/// `GET /leavers/{id}/risk`: the current score (none before the first
/// assessment), each factor's contribution, and the score history.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct LeaverRisk {
    pub leaver_id: String,
    pub score: Option<u32>,
    pub level: Option<Level>,
    pub factors: Vec<crate::domain::risk::Factor>,
    pub assessed_at: Option<String>,
    pub post_leave_activity: Option<crate::domain::risk::Activity>,
    /// Open alert ids by slot (level, or `deactivation`).
    #[schema(value_type = Object)]
    pub open_alerts: std::collections::BTreeMap<String, String>,
    /// Newest first, at most 90 days.
    pub history: Vec<HistoryEntry>,
}

/// `POST /leavers/{id}/assess`: re-score now.
pub async fn assess_now(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let mut l = by_id(ctx)?;
    super::handover::writable(&l)?;
    authorize_case(ctx, &l, CaseAction::Work)?;
    let t = ctx.tenant()?.clone();
    let mut tx = Tx::new();
    let mut events = Vec::new();
    let read_rev = l.rev;
    rescore_and_stage(ctx, &mut tx, &t, &mut l, Some(read_rev), &mut events)?;
    let r = l.risk.clone().ok_or_else(|| ApiError::internal("no assessment"))?;
    events.insert(
        0,
        NewEvent::new("leaver.assessed", l.id.to_string())
            .with("score", r.score.to_string())
            .with("level", r.level.as_str()),
    );
    ctx.commit(tx, events).await.map_err(conflict_on_write)?;
    let view = Assessed {
        leaver_id: l.id.to_string(),
        score: r.score,
        level: r.level,
        factors: r.factors,
        assessed_at: r.assessed_at,
    };
    Ok(json(200, &view))
}

/// `POST /leavers/{id}/assess`: the score just computed.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Assessed {
    pub leaver_id: String,
    pub score: u32,
    pub level: Level,
    pub factors: Vec<crate::domain::risk::Factor>,
    pub assessed_at: String,
}

/// `GET /leavers/{id}/checklist`.
pub async fn checklist(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let l = by_id(ctx)?;
    Ok(json(200, &json!({"leaver_id": l.id.to_string(), "version": l.version, "items": l.checklist})))
}

/// `PATCH /leavers/{id}/checklist/{item}`: tick or untick one item.
pub async fn patch_checklist(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let req: ChecklistPatchRequest = ctx.json()?;
    let note = match req.note.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        None => None,
        Some(n) => Some(crate::domain::validate::name(n, 1000).map_err(|m| ApiError::invalid("note", m))?),
    };
    let mut l = by_id(ctx)?;
    super::handover::writable(&l)?;
    authorize_case(ctx, &l, CaseAction::Work)?;
    if let Some(v) = req.version {
        if v != l.version {
            return Err(ApiError::Conflict(format!(
                "The leaver was changed meanwhile: version is {}, you sent {v}.",
                l.version
            )));
        }
    }
    let item_id = ctx.param("item").to_string();
    let actor = ctx.principal()?.id().to_string();
    let now = ctx.timestamp();
    let item = l.checklist.iter_mut().find(|i| i.id == item_id).ok_or_else(not_found)?;
    item.done = req.done;
    item.done_at = req.done.then(|| now.clone());
    item.done_by = req.done.then(|| actor.clone());
    item.note = note;
    l.version += 1;
    l.updated_at = now;
    let t = ctx.tenant()?.clone();
    let mut tx = Tx::new();
    let mut events = vec![NewEvent::new("leaver.checklist_updated", l.id.to_string())
        .with("item", &item_id)
        .with("done", req.done.to_string())];
    let read_rev = l.rev;
    rescore_and_stage(ctx, &mut tx, &t, &mut l, Some(read_rev), &mut events)?;
    ctx.commit(tx, events).await.map_err(conflict_on_write)?;
    Ok(json(200, &json!({"leaver_id": l.id.to_string(), "version": l.version, "items": l.checklist})))
}
