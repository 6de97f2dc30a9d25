//! `/employees…`: a person's HR record. Employees and users are the same
//! people under one id (`usr_…`); the record lives on the user item
//! (`store::people`). Who sees what: owner, HR and admin everything in the
//! company; a manager the people of the departments they manage
//! (read-only); everyone their own record, of which they may change only
//! `phone` and `emergency_contact` (nobody changes their own rate,
//! department, manager or access level: a person never acts on their own
//! record).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::PEOPLE_ADMINS;
use crate::api::double_option;
use crate::domain::audit::NewEvent;
use crate::domain::leavers::{parse_date, AccessLevel};
use crate::domain::money;
use crate::domain::roles::Role;
use crate::domain::validate::{self, Email};
use crate::error::{ApiError, FieldError};
use crate::http::cursor::{PageKey, BY_GSI1, BY_GSI2, BY_TABLE};
use crate::http::{json, Ctx, ListPage, Reply};
use crate::ids::{DepartmentId, UserId};
use crate::store::departments::stage_counts;
use crate::store::departments::Department;
use crate::store::items::User;
use crate::store::people::stage_new_user;
use crate::store::people::{self, ENTRY_SK_PREFIX};
use crate::store::{decode, keys, schema, Cond, Exprs, SkCond, StoreError, Tenant, Tx};

/// A person's HR record as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct EmployeeView {
    pub id: String,
    pub email: String,
    pub full_name: String,
    pub job_title: Option<String>,
    pub department_id: Option<String>,
    pub manager_id: Option<String>,
    /// Money: a decimal string with two decimals, such as `"20.50"`.
    pub hourly_rate: Option<String>,
    /// `YYYY-MM-DD`
    pub start_date: Option<String>,
    /// standard | elevated | privileged
    pub access_level: String,
    pub phone: Option<String>,
    pub emergency_contact: Option<String>,
    /// False until the person accepts an invitation (`POST /employees/{id}/invite`).
    pub has_login: bool,
    pub version: u64,
}

impl From<&User> for EmployeeView {
    fn from(u: &User) -> Self {
        Self {
            id: u.id.to_string(),
            email: u.email.clone(),
            full_name: u.full_name.clone(),
            job_title: u.job_title.clone(),
            department_id: u.department_id.as_ref().map(ToString::to_string),
            manager_id: u.manager_id.as_ref().map(ToString::to_string),
            hourly_rate: u.hourly_rate_cents.map(money::format),
            start_date: u.start_date.clone(),
            access_level: u.access_level.unwrap_or(AccessLevel::Standard).as_str().to_string(),
            phone: u.phone.clone(),
            emergency_contact: u.emergency_contact.clone(),
            has_login: !u.no_login,
            version: u.version,
        }
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateEmployeeRequest {
    pub email: String,
    pub full_name: String,
    pub job_title: Option<String>,
    pub department_id: Option<String>,
    pub manager_id: Option<String>,
    /// Money: a decimal string, at most two decimals (`"20.50"`).
    pub hourly_rate: Option<String>,
    /// `YYYY-MM-DD`
    pub start_date: Option<String>,
    /// standard (default) | elevated | privileged
    pub access_level: Option<String>,
    pub phone: Option<String>,
    pub emergency_contact: Option<String>,
}

/// Fields left out keep their value; `null` clears an optional one.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchEmployeeRequest {
    /// The version you read; a stale one gets 409.
    pub version: u64,
    pub full_name: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    pub job_title: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    pub department_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    pub manager_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    pub hourly_rate: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    pub start_date: Option<Option<String>>,
    pub access_level: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    pub emergency_contact: Option<Option<String>>,
}

/// The fields a person may change on their own record.
const OWN_FIELDS: &[&str] = &["phone", "emergency_contact"];

/// One change to a record, as create and patch both describe it: `None`
/// leaves a field alone, `Some(None)` clears it.
#[derive(Default)]
struct Changes<'a> {
    full_name: Option<&'a str>,
    job_title: Option<Option<&'a str>>,
    department_id: Option<Option<&'a str>>,
    manager_id: Option<Option<&'a str>>,
    hourly_rate: Option<Option<&'a str>>,
    start_date: Option<Option<&'a str>>,
    access_level: Option<&'a str>,
    phone: Option<Option<&'a str>>,
    emergency_contact: Option<Option<&'a str>>,
}

/// A PATCH field as `Changes` takes it.
fn o(v: &Option<Option<String>>) -> Option<Option<&str>> {
    v.as_ref().map(|x| x.as_deref())
}

/// Applies `c` to `u`, validating every field against the company (the
/// department and manager named must be the company's, prefetched).
fn apply(ctx: &Ctx, t: &Tenant, u: &mut User, c: &Changes) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let mut push = |field: &str, m: &str| errors.push(FieldError::new(field, m));
    let text = |raw: &str, max: usize| validate::name(raw, max);
    if let Some(n) = c.full_name {
        match text(n, 200) {
            Ok(n) => u.full_name = n,
            Err(m) => push("full_name", &m),
        }
    }
    if let Some(v) = c.job_title {
        match v.map(|j| text(j, 200)).transpose() {
            Ok(j) => u.job_title = j,
            Err(m) => push("job_title", &m),
        }
    }
    if let Some(v) = c.department_id {
        let found = |raw: &str| {
            let id = DepartmentId::parse(raw)?;
            ctx.prefetched::<Department>(&keys::department(t, &id)).ok().flatten().map(|_| id)
        };
        match v {
            None => u.department_id = None,
            Some(raw) => match found(raw) {
                Some(id) => u.department_id = Some(id),
                None => push("department_id", "is not a department of this company"),
            },
        }
    }
    if let Some(v) = c.manager_id {
        match v {
            None => u.manager_id = None,
            Some(raw) => match super::departments::manager(ctx, t, raw) {
                Ok(id) if id == u.id => push("manager_id", "cannot be the person themselves"),
                Ok(id) => u.manager_id = Some(id),
                Err(e) => errors.push(e),
            },
        }
    }
    if let Some(v) = c.hourly_rate {
        match v.map(money::parse).transpose() {
            Ok(cents) => u.hourly_rate_cents = cents,
            Err(m) => errors.push(FieldError::new("hourly_rate", m)),
        }
    }
    if let Some(v) = c.start_date {
        match v.map(|d| parse_date(d).map(|_| d.to_string())).transpose() {
            Ok(d) => u.start_date = d,
            Err(m) => errors.push(FieldError::new("start_date", m)),
        }
    }
    if let Some(a) = c.access_level {
        match AccessLevel::parse(a) {
            Ok(a) => u.access_level = Some(a),
            Err(m) => errors.push(FieldError::new("access_level", m)),
        }
    }
    if let Some(v) = c.phone {
        match v.map(validate::phone).transpose() {
            Ok(p) => u.phone = p,
            Err(m) => errors.push(FieldError::new("phone", m)),
        }
    }
    if let Some(v) = c.emergency_contact {
        match v.map(|e| validate::name(e, 200)).transpose() {
            Ok(e) => u.emergency_contact = e,
            Err(m) => errors.push(FieldError::new("emergency_contact", m)),
        }
    }
    errors
}

/// The department and manager a body names, and `{id}`'s record.
pub(super) fn prefetch_write(ctx: &Ctx, scope: &Tenant) -> Vec<keys::Key> {
    let mut wanted: Vec<keys::Key> =
        UserId::parse(ctx.param("id")).map(|id| keys::user(scope, &id)).into_iter().collect();
    if let Ok(Some(body)) = ctx.json_opt::<Value>() {
        if let Some(d) = body.get("department_id").and_then(Value::as_str).and_then(DepartmentId::parse) {
            wanted.push(keys::department(scope, &d));
        }
        if let Some(m) = body.get("manager_id").and_then(Value::as_str).and_then(UserId::parse) {
            wanted.push(keys::user(scope, &m));
        }
    }
    wanted
}

/// The department a list filters on (its manager may list its people).
pub(super) fn prefetch_list(ctx: &Ctx, scope: &Tenant) -> Vec<keys::Key> {
    ctx.query("department_id").and_then(DepartmentId::parse).map(|d| keys::department(scope, &d)).into_iter().collect()
}

fn is_people_admin(ctx: &Ctx) -> Result<bool, ApiError> {
    Ok(PEOPLE_ADMINS.contains(&ctx.principal()?.role()))
}

/// `POST /employees` (owner, HR, admin): a person with the role
/// `employee` and no login yet (`POST /employees/{id}/invite` gives one).
pub async fn create(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let req: CreateEmployeeRequest = ctx.json()?;
    let t = ctx.tenant()?.clone();
    let mut c = validate::Checker::default();
    let email = c.check("email", Email::parse(&req.email));
    let mut u = User::new(
        t.id().clone(),
        email.map(|e| e.as_str().to_string()).unwrap_or_default(),
        String::new(),
        Role::Employee,
        ctx.timestamp(),
    );
    u.no_login = true;
    let changes = Changes {
        full_name: Some(&req.full_name),
        job_title: req.job_title.as_deref().map(Some),
        department_id: req.department_id.as_deref().map(Some),
        manager_id: req.manager_id.as_deref().map(Some),
        hourly_rate: req.hourly_rate.as_deref().map(Some),
        start_date: req.start_date.as_deref().map(Some),
        access_level: req.access_level.as_deref(),
        phone: req.phone.as_deref().map(Some),
        emergency_contact: req.emergency_contact.as_deref().map(Some),
    };
    let mut errors = c.finish().err().unwrap_or_default();
    errors.extend(apply(ctx, &t, &mut u, &changes));
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let table = ctx.table().to_string();
    let mut tx = Tx::new();
    let cred = stage_new_user(&mut tx, &table, &t, &u, String::new())?;
    stage_counts(&mut tx, &table, &t, None, u.department_id.as_ref());
    let event = NewEvent::new("employee.created", u.id.to_string())
        .with("department", u.department_id.as_ref().map(ToString::to_string).unwrap_or_default())
        .with("manager", u.manager_id.as_ref().map(ToString::to_string).unwrap_or_default())
        .with("hourly_rate", u.hourly_rate_cents.map(money::format).unwrap_or_default());
    match ctx.commit_create(tx, vec![event], 201, &EmployeeView::from(&u)).await {
        Ok(r) => Ok(r),
        Err(StoreError::Cancelled { failed, .. }) if failed.contains(&cred) => {
            Err(ApiError::Conflict("An account with this email already exists.".into()))
        }
        Err(StoreError::Cancelled { .. }) => {
            Err(ApiError::Conflict("The department changed meanwhile (deleted?); read it again and retry.".into()))
        }
        Err(e) => Err(e.into()),
    }
}

/// Whether the caller may see `u`'s record: people admins and the person
/// always; a manager when `u`'s department is one they manage (one read).
async fn visible(ctx: &Ctx, t: &Tenant, u: &User) -> Result<bool, ApiError> {
    let p = ctx.principal()?;
    if is_people_admin(ctx)? || p.id() == &u.id {
        return Ok(true);
    }
    if p.role() != Role::Manager {
        return Ok(false);
    }
    let Some(d) = &u.department_id else { return Ok(false) };
    let dept: Option<Department> = ctx.app.store.get(&keys::department(t, d)).await?.map(decode).transpose()?;
    Ok(dept.is_some_and(|d| d.manager_id.as_ref() == Some(p.id())))
}

/// The record named by `{id}`, prefetched, if the caller may see it.
async fn target(ctx: &Ctx, t: &Tenant) -> Result<User, ApiError> {
    let id = UserId::parse(ctx.param("id")).ok_or(ApiError::NotFound)?;
    let u: User = ctx.prefetched(&keys::user(t, &id))?.ok_or(ApiError::NotFound)?;
    if visible(ctx, t, &u).await? {
        Ok(u)
    } else {
        Err(ApiError::NotFound)
    }
}

/// `GET /employees/{id}`.
pub async fn get(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let t = ctx.tenant()?.clone();
    let u = target(ctx, &t).await?;
    Ok(json(200, &EmployeeView::from(&u)))
}

/// `PATCH /employees/{id}`: versioned; audited with what changed, the
/// rate's old and new values, and the new department and manager.
pub async fn patch(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let req: PatchEmployeeRequest = ctx.json()?;
    let raw: Value = ctx.json()?;
    let t = ctx.tenant()?.clone();
    let current = target(ctx, &t).await?;
    let own = ctx.principal()?.id() == &current.id;
    let named: Vec<&str> =
        raw.as_object().map(|o| o.keys().map(String::as_str).filter(|k| *k != "version").collect()).unwrap_or_default();
    if own && named.iter().any(|k| !OWN_FIELDS.contains(k)) {
        return Err(ApiError::Forbidden("On your own record you may change only your phone and emergency contact."));
    }
    if !own && !is_people_admin(ctx)? {
        return Err(ApiError::Forbidden("Only owners, HR and admins change other people's records."));
    }
    let changes = Changes {
        full_name: req.full_name.as_deref(),
        job_title: o(&req.job_title),
        department_id: o(&req.department_id),
        manager_id: o(&req.manager_id),
        hourly_rate: o(&req.hourly_rate),
        start_date: o(&req.start_date),
        access_level: req.access_level.as_deref(),
        phone: o(&req.phone),
        emergency_contact: o(&req.emergency_contact),
    };
    let mut next = current.clone();
    let errors = apply(ctx, &t, &mut next, &changes);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    if req.version != current.version {
        return Err(ApiError::Conflict(format!(
            "The record was changed meanwhile: version is {}, you sent {}.",
            current.version, req.version
        )));
    }
    if EmployeeView::from(&next) == EmployeeView::from(&current) {
        return Ok(json(200, &EmployeeView::from(&current)));
    }
    next.version = current.version + 1;
    let table = ctx.table().to_string();
    let mut tx = Tx::new();
    people::stage_record_update(&mut tx, &table, &t, current.version, &next);
    people::stage_entries(&mut tx, &table, &t, Some(&current), &next)?;
    stage_counts(&mut tx, &table, &t, current.department_id.as_ref(), next.department_id.as_ref());
    let mut changed: Vec<&str> = Vec::new();
    let (a, b) = (serde_json::to_value(EmployeeView::from(&current)), serde_json::to_value(EmployeeView::from(&next)));
    if let (Ok(Value::Object(a)), Ok(Value::Object(b))) = (a, b) {
        for (k, v) in &b {
            if k != "version" && a.get(k) != Some(v) {
                changed.push(OWN_FIELDS.iter().chain(FIELDS).find(|f| *f == k).copied().unwrap_or("other"));
            }
        }
    }
    let mut event = NewEvent::new("employee.updated", next.id.to_string()).with("changed", changed.join(","));
    if next.hourly_rate_cents != current.hourly_rate_cents {
        event = event
            .with("hourly_rate_from", current.hourly_rate_cents.map(money::format).unwrap_or_default())
            .with("hourly_rate_to", next.hourly_rate_cents.map(money::format).unwrap_or_default());
    }
    if next.department_id != current.department_id {
        event = event.with("department", next.department_id.as_ref().map(ToString::to_string).unwrap_or_default());
    }
    if next.manager_id != current.manager_id {
        event = event.with("manager", next.manager_id.as_ref().map(ToString::to_string).unwrap_or_default());
    }
    match ctx.commit(tx, vec![event]).await {
        Ok(()) => Ok(json(200, &EmployeeView::from(&next))),
        Err(StoreError::Cancelled { .. }) => Err(ApiError::Conflict(
            "The record or its department was changed meanwhile; read it again and retry.".into(),
        )),
        Err(e) => Err(e.into()),
    }
}

/// The record fields besides the own ones, as audit events name them.
const FIELDS: &[&str] =
    &["email", "full_name", "job_title", "department_id", "manager_id", "hourly_rate", "start_date", "access_level"];

/// `GET /employees`: owner, HR and admin list everyone, by department or
/// manager, active or not, or by a prefix of the name or email (`q`); a
/// manager lists a department they manage (`department_id`); everyone else,
/// and a manager without `department_id`, gets their own record.
pub async fn list(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let t = ctx.tenant()?.clone();
    let p = ctx.principal()?.clone();
    let department = ctx.query("department_id").map(str::to_string);
    let manager = ctx.query("manager_id").map(str::to_string);
    let q = ctx.query("q").map(|q| q.trim().to_lowercase()).filter(|q| !q.is_empty());
    let active = match ctx.query("active") {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(_) => return Err(ApiError::bad_field("active", "must be true or false")),
    };
    // People invited who have not accepted yet (the overview's figure).
    let invited = match ctx.query("invited") {
        None => false,
        Some("true") => true,
        Some(_) => return Err(ApiError::bad_field("invited", "must be true")),
    };
    if invited && q.is_some() {
        return Err(ApiError::bad_field("invited", "cannot be combined with q"));
    }
    if let Some(q) = &q {
        if q.chars().count() > 100 {
            return Err(ApiError::bad_field("q", "must be at most 100 characters"));
        }
    }
    if let Some(d) = &department {
        let dept = DepartmentId::parse(d)
            .and_then(|id| ctx.prefetched::<Department>(&keys::department(&t, &id)).ok().flatten());
        let Some(dept) = dept else {
            return Err(ApiError::bad_field("department_id", "is not a department of this company"));
        };
        // The same rule as `visible`: a manager (by role) of this department.
        let manages = p.role() == Role::Manager && dept.manager_id.as_ref() == Some(p.id());
        if !is_people_admin(ctx)? && !manages {
            return Err(ApiError::Forbidden("You may list only the departments you manage."));
        }
    } else if !is_people_admin(ctx)? {
        // Oneself, as the pipeline read the caller's record.
        let me = ctx.prefetched::<User>(&keys::user(&t, p.id()))?.unwrap_or_else(|| p.user.clone());
        return Ok(json(200, &ListPage { items: vec![EmployeeView::from(&me)], next_cursor: None }));
    }
    if let Some(m) = &manager {
        if UserId::parse(m).is_none() {
            return Err(ApiError::bad_field("manager_id", "is not a person's id"));
        }
    }
    if q.is_some() && active.is_some() && department.is_none() && manager.is_none() {
        return Err(ApiError::bad_field(
            "active",
            "can be combined with q only together with department_id or manager_id",
        ));
    }

    // Which partition: a department's or a manager's index, the search
    // entries, or the company's people.
    let (index, pk, by, prefix): (Option<(&str, &str, &str)>, String, &PageKey, String) =
        match (&department, &manager, &q) {
            (Some(d), _, q) => (
                Some((schema::GSI1, schema::GSI1_PK, schema::GSI1_SK)),
                people::by_department_gsi1pk(&t, d),
                &BY_GSI1,
                q.clone().unwrap_or_default(),
            ),
            (None, Some(m), q) => (
                Some((schema::GSI2, schema::GSI2_PK, schema::GSI2_SK)),
                people::by_manager_gsi2pk(&t, m),
                &BY_GSI2,
                q.clone().unwrap_or_default(),
            ),
            (None, None, Some(q)) => (None, keys::tenant_pk(&t), &BY_TABLE, format!("{ENTRY_SK_PREFIX}{q}")),
            (None, None, None) => (None, keys::tenant_pk(&t), &BY_TABLE, keys::USER_SK_PREFIX.to_string()),
        };
    let mut conds = Vec::new();
    let mut exprs = Exprs::new();
    if let (Some(_), Some(m)) = (&department, &manager) {
        conds.push("manager_id = :m".to_string());
        exprs = exprs.str(":m", m);
    }
    if let Some(a) = active {
        conds.push("active = :a".to_string());
        exprs = exprs.bool(":a", a);
    }
    if invited {
        conds.push("attribute_exists(invitation_hash)".to_string());
    }
    if let (None, None, Some(q)) = (&department, &manager, &q) {
        // A person whose name and email both start with `q` is listed once,
        // by the name.
        conds.push("NOT (kind = :email AND begins_with(name_key, :q))".to_string());
        exprs = exprs.str(":email", "email").str(":q", q);
    }
    let filter = (!conds.is_empty()).then(|| (conds.join(" AND "), exprs));
    let scope = format!(
        "employees|{}|{}|{}|{}|{invited}",
        department.as_deref().unwrap_or(""),
        manager.as_deref().unwrap_or(""),
        q.as_deref().unwrap_or(""),
        active.map(|a| a.to_string()).unwrap_or_default()
    );
    let (limit, start) = ctx.page_start(&scope, by, &pk)?;
    let page = ctx.app.store.query(index, &pk, SkCond::Prefix(&prefix), limit, start, true, filter).await?;
    let items = page
        .items
        .into_iter()
        .map(|i| decode::<User>(i).map(|u| EmployeeView::from(&u)))
        .collect::<Result<Vec<_>, _>>()?;
    let next_cursor = ctx.next_cursor(&scope, page.last_key)?;
    Ok(json(200, &ListPage { items, next_cursor }))
}

/// A new invitation. The token is shown once: only its hash is stored.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InvitationView {
    /// Give this to the person; they send it with their new password to
    /// `POST /auth/invitations/accept`. It cannot be shown again.
    pub token: String,
    /// RFC 3339: 72 hours from now.
    pub expires_at: String,
    pub accept_path: &'static str,
}

/// `POST /employees/{id}/invite` (owner, HR, admin): a one-time invitation
/// for a person who has no login yet, valid 72 hours; a new one replaces
/// the last. Audited (without the token).
pub async fn invite(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let t = ctx.tenant()?.clone();
    let u = target(ctx, &t).await?;
    if !u.active {
        return Err(ApiError::Conflict("This person is deactivated; reactivate them first.".into()));
    }
    if !u.no_login {
        return Err(ApiError::Conflict("This person already has a login.".into()));
    }
    // An invitation hands over the account: only who may manage the
    // person's account may invite them (HR not an owner, security or HR).
    let p = ctx.principal()?;
    crate::domain::roles::may_change_status(p.role(), p.id() == &u.id, u.role)
        .map_err(|_| ApiError::Forbidden("Your role may not invite a person with this role."))?;
    let token = crate::auth::invitation::InvitationToken::new(t.id().clone(), u.id.clone());
    let expires = ctx.unix() + crate::auth::invitation::INVITATION_SECONDS;
    let expires_at =
        time::OffsetDateTime::from_unix_timestamp(expires).map(crate::domain::timestamp).map_err(ApiError::internal)?;
    let mut tx = Tx::new();
    let mut exprs = Exprs::new()
        .str(":h", token.secret_hash())
        .num(":e", expires)
        .bool(":t", true)
        .name("#role", "role")
        .str(":r", u.role.as_str());
    if let Some(was) = &u.invitation_hash {
        exprs = exprs.str(":was", was);
    }
    tx.update(
        ctx.table(),
        &keys::user(&t, &u.id),
        "SET invitation_hash = :h, invitation_expires_at = :e, invitation_role = :r, invitation_counted = :t",
        // On the invitation and its count as read, so that the count of
        // invitations not accepted moves once however many invitations
        // (or the counters' backfill) race.
        Cond::Expr(format!(
            "active = :t AND no_login = :t AND #role = :r AND {} AND {}",
            if u.invitation_hash.is_some() {
                "invitation_hash = :was"
            } else {
                "attribute_not_exists(invitation_hash)"
            },
            if u.invitation_counted { "invitation_counted = :t" } else { "attribute_not_exists(invitation_counted)" }
        )),
        exprs,
    );
    if !u.invitation_counted {
        crate::store::stats::stage_company(&mut tx, ctx.table(), &t, "inv_open", 1);
    }
    let event = NewEvent::new("employee.invited", u.id.to_string()).with("expires_at", expires_at.clone());
    match ctx.commit(tx, vec![event]).await {
        Ok(()) => Ok(json(
            200,
            &InvitationView { token: token.encode(), expires_at, accept_path: "/auth/invitations/accept" },
        )),
        Err(StoreError::Cancelled { .. }) => {
            Err(ApiError::Conflict("This person was changed meanwhile; read the record again.".into()))
        }
        Err(e) => Err(e.into()),
    }
}
