//! `/auth/admin/users…`: the access view of a company's people.

use serde::Deserialize;

use super::auth::hash_password;
use super::UserView;
use super::{CONFLICT, USER_ADMINS};
use crate::domain::audit::NewEvent;
use crate::domain::roles::Role::{Admin, Owner};
use crate::domain::roles::{self, Refusal, Role};
use crate::domain::validate::{self, Checker, Email};
use crate::error::ApiError;
use crate::http::{json, Ctx, ListPage, Reply};
use crate::http::{schema_of, Access::Roles, Group, Response, Route};
use crate::ids::UserId;
use crate::store::items::User;
use crate::store::people::stage_new_user;
use crate::store::{decode, keys, Cond, Exprs, StoreError, Tx};
use crate::store::{Key, Tenant};

/// The company's users (the access view of people), served by `users`.
pub const GROUP: Group =
    Group { function: "users", routes: ROUTES, signs_tokens: false, on_start: None, fallback: None };

pub const ROUTES: &[Route] = &[
    Route {
        path: "/auth/admin/users",
        summary: "List the company's users",
        access: Roles(USER_ADMINS),
        response: Response::Page(schema_of::<UserView>),
        paged: true,
        handler: handler!(list),
        ..Route::DEFAULT
    },
    Route {
        method: "POST",
        path: "/auth/admin/users",
        summary: "Create a user in the company",
        access: Roles(USER_ADMINS),
        request: Some(schema_of::<CreateUserRequest>),
        response: Response::Json(201, schema_of::<UserView>),
        create: true,
        handler: handler!(create),
        ..Route::DEFAULT
    },
    Route {
        method: "PATCH",
        path: "/auth/admin/users/{id}/role",
        summary: "Change a user's role",
        access: Roles(&[Admin, Owner]),
        request: Some(schema_of::<RoleRequest>),
        response: Response::Json(200, schema_of::<UserView>),
        prefetch: prefetch_target,
        answers: &[CONFLICT],
        handler: handler!(change_role),
        ..Route::DEFAULT
    },
    Route {
        method: "PATCH",
        path: "/auth/admin/users/{id}/status",
        summary: "Activate or deactivate a user",
        access: Roles(USER_ADMINS),
        request: Some(schema_of::<StatusRequest>),
        response: Response::Json(200, schema_of::<UserView>),
        prefetch: prefetch_target,
        answers: &[CONFLICT],
        handler: handler!(change_status),
        ..Route::DEFAULT
    },
];

/// The user named by `{id}`, read with the session.
fn prefetch_target(ctx: &Ctx, scope: &Tenant) -> Vec<Key> {
    UserId::parse(ctx.param("id")).map(|id| keys::user(scope, &id)).into_iter().collect()
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    pub email: String,
    pub full_name: String,
    pub role: String,
    pub password: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleRequest {
    pub role: String,
    /// The version you read; a stale one gets 409.
    pub version: Option<u64>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusRequest {
    pub active: bool,
    /// The version you read; a stale one gets 409.
    pub version: Option<u64>,
}

/// `GET /auth/admin/users`: the company's users, oldest first.
pub async fn list(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let tenant = ctx.tenant()?.clone();
    let pk = keys::tenant_pk(&tenant);
    let (limit, start) = ctx.page_start("users", &crate::http::cursor::BY_TABLE, &pk)?;
    let page = ctx
        .app
        .store
        .query(None, &pk, crate::store::SkCond::Prefix(keys::USER_SK_PREFIX), limit, start, true, None)
        .await?;
    let items =
        page.items.into_iter().map(|i| decode::<User>(i).map(|u| UserView::from(&u))).collect::<Result<Vec<_>, _>>()?;
    let next_cursor = ctx.next_cursor("users", page.last_key)?;
    Ok(json(200, &ListPage { items, next_cursor }))
}

/// `POST /auth/admin/users`: a user in the caller's company (or an
/// admin's chosen company).
pub async fn create(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let req: CreateUserRequest = ctx.json()?;
    let actor = ctx.principal()?.role();
    let mut c = Checker::default();
    let email = c.check("email", Email::parse(&req.email));
    let full_name = c.check("full_name", validate::name(&req.full_name, 200));
    let role = c.check(
        "role",
        Role::parse(&req.role).ok_or("must be one of admin, owner, hr, security, manager, technician, employee"),
    );
    let pw = c.check("password", validate::password(&req.password));
    c.finish().map_err(ApiError::Validation)?;
    let (Some(email), Some(full_name), Some(role), Some(pw)) = (email, full_name, role, pw) else {
        return Err(ApiError::internal("checker passed with missing values"));
    };
    if !roles::may_create_with_role(actor, role) {
        return Err(ApiError::Forbidden("Your role may not grant this role."));
    }
    let tenant = ctx.tenant()?.clone();
    if role == Role::Admin && !tenant.id().is_platform() {
        return Err(ApiError::invalid("role", "admin accounts belong to the platform, not to a company"));
    }
    let user = User::new(tenant.id().clone(), email.as_str().to_string(), full_name, role, ctx.timestamp());
    let mut tx = Tx::new();
    let cred = stage_new_user(&mut tx, ctx.table(), &tenant, &user, hash_password(pw.expose())?)?;
    let event = NewEvent::new("user.created", user.id.to_string()).with("role", role.as_str());
    match ctx.commit_create(tx, vec![event], 201, &UserView::from(&user)).await {
        Ok(r) => Ok(r),
        Err(StoreError::Cancelled { failed, .. }) if failed.contains(&cred) => {
            Err(ApiError::Conflict("An account with this email already exists.".into()))
        }
        Err(e) => Err(e.into()),
    }
}

fn refusal(r: Refusal) -> ApiError {
    match r {
        Refusal::OwnAccount => ApiError::Forbidden("Nobody may change their own role or deactivate themselves."),
        Refusal::NotPermitted => ApiError::Forbidden("Your role may not make this change."),
    }
}

/// The target user, prefetched by the pipeline; 404 when absent or not in scope.
fn target(ctx: &Ctx) -> Result<User, ApiError> {
    let id = UserId::parse(ctx.param("id")).ok_or(ApiError::NotFound)?;
    ctx.prefetched::<User>(&keys::user(ctx.tenant()?, &id))?.ok_or(ApiError::NotFound)
}

fn check_version(given: Option<u64>, current: u64) -> Result<(), ApiError> {
    match given {
        Some(v) if v != current => {
            Err(ApiError::Conflict(format!("The user was changed meanwhile: version is {current}, you sent {v}.")))
        }
        _ => Ok(()),
    }
}

/// Updates `user` from the version the pipeline read, with its audit
/// event and any `extra` writes; returns the user as saved.
/// Saves `user` with `update`, conditional on the version read (and on
/// `also`, when given).
async fn save(
    ctx: &Ctx,
    mut user: User,
    update: &str,
    also: Option<&str>,
    exprs: Exprs,
    mut tx: Tx,
    event: NewEvent,
) -> Result<Reply, ApiError> {
    let cond = match also {
        Some(c) => format!("version = :read AND {c}"),
        None => "version = :read".to_string(),
    };
    tx.update(
        ctx.table(),
        &keys::user(ctx.tenant()?, &user.id),
        &format!("{update}, version = :next"),
        Cond::Expr(cond),
        exprs.num(":next", user.version + 1).num(":read", user.version),
    );
    // The person's search entries copy the record, version included.
    let saved = User { version: user.version + 1, ..user.clone() };
    crate::store::people::stage_entries(&mut tx, ctx.table(), ctx.tenant()?, Some(&user), &saved)?;
    match ctx.commit(tx, vec![event]).await {
        Ok(()) => {}
        Err(StoreError::Cancelled { .. }) => {
            return Err(ApiError::Conflict("The user was changed meanwhile; read it again and retry.".into()))
        }
        Err(e) => return Err(e.into()),
    }
    user.version += 1;
    Ok(json(200, &UserView::from(&user)))
}

/// `PATCH /auth/admin/users/{id}/role`.
pub async fn change_role(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let req: RoleRequest = ctx.json()?;
    let wanted = Role::parse(&req.role).ok_or_else(|| {
        ApiError::invalid("role", "must be one of admin, owner, hr, security, manager, technician, employee")
    })?;
    let p = ctx.principal()?.clone();
    let user = target(ctx)?;
    roles::may_change_role(p.role(), user.id == *p.id(), user.role, wanted).map_err(refusal)?;
    if wanted == Role::Admin && !user.company_id.is_platform() {
        return Err(ApiError::invalid("role", "admin accounts belong to the platform, not to a company"));
    }
    check_version(req.version, user.version)?;
    if wanted == user.role {
        return Ok(json(200, &UserView::from(&user)));
    }
    let event = NewEvent::new("user.role_changed", user.id.to_string())
        .with("from", user.role.as_str())
        .with("to", wanted.as_str());
    let exprs = Exprs::new().name("#role", "role").str(":role", wanted.as_str());
    // A leaver's risk counts the linked account's role: keep it current.
    let mut tx = Tx::new();
    if let Some(link) = &user.leaver {
        let role = aws_sdk_dynamodb::types::AttributeValue::S(wanted.as_str().into());
        crate::store::leavers::stage_fields(
            &mut tx,
            ctx.table(),
            ctx.tenant()?,
            &link.leaver_id,
            &[("linked_role", role)],
            &[],
        );
    }
    // The overview's counts: a counted account moves between roles; one
    // made before the counters is counted now. The write is conditional on
    // the mark as read, so the counters' backfill never counts it twice.
    let moves = if user.counted {
        [(format!("role_{}", user.role.as_str()), -1), (format!("role_{}", wanted.as_str()), 1)]
    } else {
        [("people".to_string(), 1), (format!("role_{}", wanted.as_str()), 1)]
    };
    for (name, n) in moves {
        crate::store::stats::stage_company(&mut tx, ctx.table(), ctx.tenant()?, &name, n);
    }
    let (update, mark) = if user.counted {
        ("SET #role = :role", "counted = :counted")
    } else {
        ("SET #role = :role, counted = :counted", "attribute_not_exists(counted)")
    };
    let exprs = exprs.bool(":counted", true);
    save(ctx, User { role: wanted, counted: true, ..user }, update, Some(mark), exprs, tx, event).await
}

/// `PATCH /auth/admin/users/{id}/status`: deactivation stops the user's
/// tokens at once (every request re-reads the user).
pub async fn change_status(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let req: StatusRequest = ctx.json()?;
    let p = ctx.principal()?.clone();
    let user = target(ctx)?;
    roles::may_change_status(p.role(), user.id == *p.id(), user.role).map_err(refusal)?;
    check_version(req.version, user.version)?;
    if req.active == user.active {
        return Ok(json(200, &UserView::from(&user)));
    }
    let action = if req.active { "user.activated" } else { "user.deactivated" };
    let event = NewEvent::new(action, user.id.to_string());
    // Deactivation also ends every session, so reactivating later does
    // not bring old tokens back.
    let (update, exprs) = if req.active {
        ("SET active = :active", Exprs::new().bool(":active", true))
    } else {
        (
            "SET active = :active, sessions_revoked_at = :now",
            Exprs::new().bool(":active", false).str(":now", ctx.timestamp()),
        )
    };
    save(ctx, User { active: req.active, ..user }, update, None, exprs, Tx::new(), event).await
}
