//! `/auth/*`: signup, login, refresh, logout, me; and the bootstrap of the
//! platform admin at cold start.

use serde::{Deserialize, Serialize};

use super::{CompanyView, UserView};
use crate::auth::password;
use crate::auth::refresh::{RefreshToken, REFRESH_TOKEN_SECONDS, USED_SECRETS_KEPT};
use crate::domain::audit::{ChainHead, NewEvent, Origin};
use crate::domain::roles::Role;
use crate::domain::timestamp;
use crate::domain::validate::{self, Checker, Email};
use crate::error::ApiError;
use crate::http::{json, no_content, ratelimit, Ctx, Reply};
use crate::http::{schema_of, Access, Group, Response, Route};
use crate::ids::{CompanyId, SessionId, UserId};
use crate::service::{commit_with_audit, App};
use crate::store::items::{self, Company, Credential, Session, User};
use crate::store::{decode, keys, Cond, Exprs, StoreError, Tenant, Tx};

/// Sign-up, sign-in and sessions, served by the `auth` function, the only
/// one that signs tokens. At cold start it creates the bootstrap admin.
pub const GROUP: Group = Group {
    function: "auth",
    routes: ROUTES,
    signs_tokens: true,
    on_start: Some(|app| Box::pin(bootstrap_from_env(app))),
};

pub const ROUTES: &[Route] = &[
    Route {
        method: "POST",
        path: "/auth/signup",
        summary: "Create a company and its owner",
        request: Some(schema_of::<SignupRequest>),
        response: Response::Json(201, schema_of::<SignupResponse>),
        create: true,
        handler: handler!(signup),
        ..Route::DEFAULT
    },
    Route {
        method: "POST",
        path: "/auth/login",
        summary: "Exchange email and password for tokens",
        request: Some(schema_of::<LoginRequest>),
        response: Response::Json(200, schema_of::<TokenResponse>),
        own_rate_limit: true,
        handler: handler!(login),
        ..Route::DEFAULT
    },
    Route {
        method: "POST",
        path: "/auth/refresh",
        summary: "Rotate a refresh token",
        request: Some(schema_of::<RefreshRequest>),
        response: Response::Json(200, schema_of::<TokenResponse>),
        handler: handler!(refresh),
        ..Route::DEFAULT
    },
    Route {
        method: "POST",
        path: "/auth/logout",
        summary: "Revoke the session of the presented tokens",
        access: Access::SignedIn,
        request: Some(schema_of::<LogoutRequest>),
        response: Response::Empty(204),
        handler: handler!(logout),
        ..Route::DEFAULT
    },
    Route {
        path: "/auth/me",
        summary: "The signed-in user",
        access: Access::SignedIn,
        response: Response::Json(200, schema_of::<UserView>),
        handler: handler!(me),
        ..Route::DEFAULT
    },
];

/// Failed logins in a row before the account is locked.
pub const MAX_FAILED_LOGINS: u32 = 5;
/// How long a locked account stays locked.
pub const LOCK_SECONDS: i64 = 15 * 60;
/// How long an unknown email's failed sign-ins are remembered (the
/// attempts item expires by TTL after the last one).
const LOGIN_ATTEMPTS_TTL_SECONDS: i64 = 24 * 60 * 60;
/// The one message for every bad credential.
const BAD_CREDENTIALS: &str = "The email or password is incorrect.";

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignupRequest {
    pub email: String,
    pub password: String,
    pub full_name: String,
    pub company_name: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SignupResponse {
    pub user: UserView,
    pub company: CompanyView,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    pub refresh_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LogoutRequest {
    pub refresh_token: Option<String>,
}

/// The items of a new user: profile and credential (the email guard).
/// Returns the credential's index in `tx`.
pub(crate) fn stage_new_user(tx: &mut Tx, table: &str, t: &Tenant, user: &User, password_hash: String) -> usize {
    tx.put(table, &keys::user(t, &user.id), items::USER, user, Cond::New);
    let cred = Credential {
        user_id: user.id.clone(),
        company_id: user.company_id.clone(),
        password_hash,
        failed_logins: 0,
        locked_until: 0,
    };
    tx.put(table, &keys::credential(&user.email), items::CREDENTIAL, &cred, Cond::New)
}

pub(crate) fn hash_password(pw: &str) -> Result<String, ApiError> {
    password::hash(pw).map_err(ApiError::internal)
}

/// `POST /auth/signup`: a new company and its owner.
pub async fn signup(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let req: SignupRequest = ctx.json()?;
    let mut c = Checker::default();
    let email = c.check("email", Email::parse(&req.email));
    let pw = c.check("password", validate::password(&req.password));
    let full_name = c.check("full_name", validate::name(&req.full_name, 200));
    let company_name = c.check("company_name", validate::name(&req.company_name, 200));
    c.finish().map_err(ApiError::Validation)?;
    let (Some(email), Some(pw), Some(full_name), Some(company_name)) = (email, pw, full_name, company_name) else {
        return Err(ApiError::internal("checker passed with missing values"));
    };

    let company_id = CompanyId::new();
    let tenant = Tenant::new(company_id.clone());
    let now = ctx.timestamp();
    let company = Company {
        id: company_id.clone(),
        name: company_name,
        created_at: now.clone(),
        version: 1,
        gsi1pk: keys::COMPANIES_GSI1PK.into(),
        gsi1sk: company_id.to_string(),
    };
    let user = User {
        id: UserId::new(),
        company_id: company_id.clone(),
        email: email.as_str().to_string(),
        full_name,
        role: Role::Owner,
        active: true,
        created_at: now,
        version: 1,
        sessions_revoked_at: None,
        leaver: None,
    };
    let mut tx = Tx::new();
    let table = ctx.table().to_string();
    tx.put(&table, &keys::company(&tenant), items::COMPANY, &company, Cond::New);
    let cred = stage_new_user(&mut tx, &table, &tenant, &user, hash_password(pw.expose())?);
    let events = vec![
        NewEvent::new("company.created", company_id.to_string()),
        NewEvent::new("auth.signup", user.id.to_string()).with("role", "owner"),
    ];
    ctx.set_tenant(tenant);
    let body = SignupResponse { user: UserView::from(&user), company: CompanyView::from(&company) };
    match ctx.commit_create(tx, events, 201, &body).await {
        Ok(r) => Ok(r),
        Err(StoreError::Cancelled { failed }) if failed.contains(&cred) => {
            Err(ApiError::Conflict("An account with this email already exists.".into()))
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /auth/login`. Three round trips: (1) an `UpdateItem` that counts
/// this attempt on the account's credential and returns it, so parallel
/// guesses cannot share one count; (2) the user, their company's audit
/// head and the IP's rate counter in one `BatchGetItem`; (3) one
/// transaction that counts the request against the IP limit, resets or
/// locks the account, opens the session and writes the audit event.
/// Unknown emails take the same three steps.
pub async fn login(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let req: LoginRequest = ctx.json()?;
    let email = Email::parse(&req.email).map_err(|m| ApiError::invalid("email", m))?;
    if req.password.is_empty() {
        return Err(ApiError::invalid("password", "is required"));
    }
    let app = ctx.app.clone();
    let store = &app.store;
    let table = store.table().to_string();
    let now = ctx.unix();
    let client =
        ratelimit::Client { id: format!("ip:{}", ctx.ip), limit: app.config.limits.ip_per_minute, heavy_limit: None };
    let origin = ctx.origin();
    let cred_key = keys::credential(email.as_str());
    let rl_key = ratelimit::deferred_key(&client, now);

    // (1) Count the attempt before checking anything.
    let counted =
        store.update_returning(&cred_key, "ADD failed_logins :one", Cond::Exists, Exprs::new().num(":one", 1)).await;
    let cred: Option<Credential> = match counted {
        Ok(item) => Some(decode(item)?),
        Err(StoreError::ConditionFailed) => None,
        Err(e) => return Err(e.into()),
    };
    let locked = |seconds: i64| ApiError::TooManyRequests {
        retry_after: seconds.max(1) as u64,
        detail: "Too many failed sign-ins; the account is locked for a while.",
    };
    let Some(cred) = cred.filter(|c| !c.password_hash.is_empty()) else {
        // (2, 3) for an unknown email: the same work, recorded on the
        // platform's chain, and the same lockout as an account's, counted
        // on an attempts item of the email's own (which expires), so that
        // a lock reveals nothing about which emails have accounts.
        let platform = Tenant::new(CompanyId::platform());
        let head_key = keys::audit_head(&platform);
        let attempts_key = keys::login_attempts(email.as_str());
        let found = store.batch_get(&[rl_key.clone(), head_key.clone(), attempts_key.clone()]).await?;
        ratelimit::check_deferred(store, &client, found.get(&rl_key), now).await?;
        let attempts: items::LoginAttempts =
            found.get(&attempts_key).cloned().map(decode).transpose()?.unwrap_or_default();
        if attempts.locked_until > now {
            return Err(locked(attempts.locked_until - now));
        }
        let failures = attempts.failed_logins + 1;
        let mut tx = Tx::new();
        ratelimit::charge(&mut tx, &table, &client, now);
        let mut event = NewEvent::new("auth.login_failed", "unknown-account").with("reason", "unknown_account");
        let expires = Exprs::new().num(":e", now + LOGIN_ATTEMPTS_TTL_SECONDS);
        let answer = if failures > MAX_FAILED_LOGINS {
            let exprs = expires.num(":z", 0).num(":l", now + LOCK_SECONDS);
            tx.update(
                &table,
                &attempts_key,
                "SET failed_logins = :z, locked_until = :l, expires_at = :e",
                Cond::None,
                exprs,
            );
            event = event.with("locked_for_seconds", LOCK_SECONDS.to_string());
            locked(LOCK_SECONDS)
        } else {
            let _ = password::verify(&req.password, password::DUMMY_HASH);
            tx.update(
                &table,
                &attempts_key,
                "ADD failed_logins :one SET expires_at = :e",
                Cond::None,
                expires.num(":one", 1),
            );
            ApiError::Unauthorized(BAD_CREDENTIALS)
        };
        return match commit_with_audit(&app, &platform, head_of(found.get(&head_key))?, &origin, tx, vec![event], None)
            .await
        {
            Ok(_) => Err(answer),
            Err(StoreError::Cancelled { .. }) => Err(ratelimit::charge_refused(now)),
            Err(e) => Err(e.into()),
        };
    };

    // (2)
    let tenant = Tenant::new(cred.company_id.clone());
    let user_key = keys::user(&tenant, &cred.user_id);
    let head_key = keys::audit_head(&tenant);
    let found = store.batch_get(&[user_key.clone(), head_key.clone(), rl_key.clone()]).await?;
    ratelimit::check_deferred(store, &client, found.get(&rl_key), now).await?;
    let user: Option<User> = found.get(&user_key).cloned().map(decode).transpose()?;
    let head = head_of(found.get(&head_key))?;
    if cred.locked_until > now {
        return Err(locked(cred.locked_until - now));
    }
    let mut tx = Tx::new();
    let charge = ratelimit::charge(&mut tx, &table, &client, now);
    // `failed_logins` counts this attempt too: the attempt after
    // MAX_FAILED_LOGINS failures locks the account without a check.
    if cred.failed_logins > MAX_FAILED_LOGINS {
        tx.update(
            &table,
            &cred_key,
            "SET failed_logins = :z, locked_until = :l",
            Cond::Exists,
            Exprs::new().num(":z", 0).num(":l", now + LOCK_SECONDS),
        );
        let event = NewEvent::new("auth.account_locked", cred.user_id.to_string())
            .with("locked_for_seconds", LOCK_SECONDS.to_string());
        return match commit_with_audit(&app, &tenant, head, &origin, tx, vec![event], None).await {
            Ok(_) => Err(locked(LOCK_SECONDS)),
            Err(StoreError::Cancelled { failed }) if failed.contains(&charge) => Err(ratelimit::charge_refused(now)),
            Err(e) => Err(e.into()),
        };
    }
    let password_ok = password::verify(&req.password, &cred.password_hash);

    let user = match user {
        Some(u) if password_ok && u.active => u,
        other => {
            let reason = if !password_ok {
                "bad_password"
            } else if other.is_none() {
                "no_user"
            } else {
                "inactive"
            };
            let event = NewEvent::new("auth.login_failed", cred.user_id.to_string())
                .with("reason", reason)
                .with("failures", cred.failed_logins.to_string());
            return match commit_with_audit(&app, &tenant, head, &origin, tx, vec![event], None).await {
                Ok(_) => Err(ApiError::Unauthorized(BAD_CREDENTIALS)),
                Err(StoreError::Cancelled { failed }) if failed.contains(&charge) => {
                    Err(ratelimit::charge_refused(now))
                }
                Err(e) => Err(e.into()),
            };
        }
    };

    // A leaver signing in after the leave date: refused and recorded.
    let today = crate::domain::leavers::format_date(ctx.now.date());
    if let Some(link) = user.leaver.as_ref().filter(|l| l.leave_date < today) {
        if link.flagged_at.is_none() {
            let origin = Origin { actor: user.id.to_string(), ..origin };
            crate::service::assess::record_post_leave_activity(
                &app,
                &tenant,
                &user,
                link,
                "POST /auth/login",
                head,
                &origin,
            )
            .await?;
        }
        return Err(ApiError::Unauthorized(BAD_CREDENTIALS));
    }

    let signer = app.signer.as_ref().ok_or_else(|| ApiError::internal("this function cannot sign tokens"))?;
    let session_id = SessionId::new();
    let token = RefreshToken::new(tenant.id().clone(), user.id.clone(), session_id.clone());
    let (access, expires_in) =
        signer.issue(&user.id, tenant.id(), &session_id, user.role, now).map_err(ApiError::internal)?;
    let session = Session {
        id: session_id.clone(),
        user_id: user.id.clone(),
        company_id: tenant.id().clone(),
        current_hash: token.secret_hash(),
        used_hashes: Vec::new(),
        revoked: false,
        created_at: ctx.timestamp(),
        expires_at: now + REFRESH_TOKEN_SECONDS,
    };
    tx.update(&table, &cred_key, "SET failed_logins = :z, locked_until = :z", Cond::Exists, Exprs::new().num(":z", 0));
    tx.put(&table, &keys::session(&tenant, &session_id), items::SESSION, &session, Cond::New);
    let event = NewEvent::new("auth.login", user.id.to_string()).with("session", session_id.to_string());
    match commit_with_audit(&app, &tenant, head, &origin, tx, vec![event], None).await {
        Ok(_) => Ok(json(
            200,
            &TokenResponse { access_token: access, refresh_token: token.encode(), token_type: "Bearer", expires_in },
        )),
        Err(StoreError::Cancelled { failed }) if failed.contains(&charge) => Err(ratelimit::charge_refused(now)),
        Err(e) => Err(e.into()),
    }
}

fn head_of(item: Option<&crate::store::Item>) -> Result<ChainHead, ApiError> {
    Ok(item.cloned().map(decode::<items::Head>).transpose()?.map(ChainHead::from).unwrap_or_else(ChainHead::genesis))
}

fn invalid_refresh() -> ApiError {
    ApiError::Unauthorized("The refresh token is invalid, expired or revoked.")
}

/// `POST /auth/refresh`: rotates the refresh token. Presenting a secret
/// that was already used revokes the whole session (both tokens' family).
pub async fn refresh(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let req: RefreshRequest = ctx.json()?;
    let presented = RefreshToken::parse(req.refresh_token.trim()).ok_or_else(invalid_refresh)?;
    let app = ctx.app.clone();
    let store = &app.store;
    let table = store.table().to_string();
    let now = ctx.unix();
    let tenant = Tenant::new(presented.company.clone());
    let (session_key, user_key, head_key) =
        (keys::session(&tenant, &presented.session), keys::user(&tenant, &presented.user), keys::audit_head(&tenant));
    let found = store.batch_get(&[session_key.clone(), user_key.clone(), head_key.clone()]).await?;
    let session: Session = found.get(&session_key).cloned().map(decode).transpose()?.ok_or_else(invalid_refresh)?;
    let user: Option<User> = found.get(&user_key).cloned().map(decode).transpose()?;
    if session.revoked || session.expires_at <= now || session.user_id != presented.user {
        return Err(invalid_refresh());
    }
    let hash = presented.secret_hash();
    if hash != session.current_hash {
        if session.used_hashes.contains(&hash) {
            // Reuse: someone holds a copy. Revoke the family and record it.
            let mut tx = Tx::new();
            tx.update(&table, &session_key, "SET revoked = :t", Cond::Exists, Exprs::new().bool(":t", true));
            let event = NewEvent::new("auth.refresh_reused", session.user_id.to_string())
                .with("session", session.id.to_string());
            let origin = Origin { actor: session.user_id.to_string(), ..ctx.origin() };
            commit_with_audit(&app, &tenant, head_of(found.get(&head_key))?, &origin, tx, vec![event], None).await?;
        }
        return Err(invalid_refresh());
    }
    // The same checks as every signed-in request: active, sessions not
    // revoked since this one began, not a leaver past the leave date.
    let today = crate::domain::leavers::format_date(ctx.now.date());
    let user = user
        .filter(|u| u.active)
        .filter(|u| u.sessions_revoked_at.as_deref().is_none_or(|t| session.created_at.as_str() > t))
        .filter(|u| u.leaver.as_ref().is_none_or(|l| l.leave_date >= today))
        .ok_or_else(invalid_refresh)?;
    let next = presented.rotated();
    let mut used = session.used_hashes.clone();
    used.push(hash.clone());
    if used.len() > USED_SECRETS_KEPT {
        used.drain(..used.len() - USED_SECRETS_KEPT);
    }
    let updated = store
        .update_returning(
            &session_key,
            "SET current_hash = :new, used_hashes = :used",
            Cond::Expr("current_hash = :old AND revoked = :f".into()),
            Exprs::new().str(":new", next.secret_hash()).list(":used", &used).str(":old", &hash).bool(":f", false),
        )
        .await;
    match updated {
        Ok(_) => {}
        // Someone else presented the same secret at the same moment: two
        // holders of one refresh token is reuse. Revoke the family.
        Err(StoreError::ConditionFailed) => {
            let mut tx = Tx::new();
            tx.update(&table, &session_key, "SET revoked = :t", Cond::Exists, Exprs::new().bool(":t", true));
            let event = NewEvent::new("auth.refresh_reused", session.user_id.to_string())
                .with("session", session.id.to_string())
                .with("concurrent", "true");
            let origin = Origin { actor: session.user_id.to_string(), ..ctx.origin() };
            let head = store
                .get(&head_key)
                .await?
                .map(decode::<items::Head>)
                .transpose()?
                .map(ChainHead::from)
                .unwrap_or_else(ChainHead::genesis);
            commit_with_audit(&app, &tenant, head, &origin, tx, vec![event], None).await?;
            return Err(invalid_refresh());
        }
        Err(e) => return Err(e.into()),
    }
    let signer = app.signer.as_ref().ok_or_else(|| ApiError::internal("this function cannot sign tokens"))?;
    let (access, expires_in) =
        signer.issue(&user.id, tenant.id(), &session.id, user.role, now).map_err(ApiError::internal)?;
    Ok(json(
        200,
        &TokenResponse { access_token: access, refresh_token: next.encode(), token_type: "Bearer", expires_in },
    ))
}

/// `POST /auth/logout`: revokes the session of the access token (so it
/// stops working at once) and, if given, the session of a refresh token
/// of the same user.
pub async fn logout(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let req: Option<LogoutRequest> = ctx.json_opt()?;
    let p = ctx.principal()?.clone();
    let home = Tenant::new(p.company().clone());
    let table = ctx.table().to_string();
    let mut tx = Tx::new();
    let revoke = |tx: &mut Tx, sid: &SessionId| {
        tx.update(
            &table,
            &keys::session(&home, sid),
            "SET revoked = :t",
            Cond::Expr("user_id = :uid".into()),
            Exprs::new().bool(":t", true).str(":uid", p.id().to_string()),
        );
    };
    revoke(&mut tx, &p.session);
    if let Some(raw) = req.and_then(|r| r.refresh_token) {
        let other = RefreshToken::parse(raw.trim())
            .ok_or_else(|| ApiError::invalid("refresh_token", "is not a refresh token"))?;
        if other.company != *p.company() || other.user != *p.id() {
            return Err(ApiError::invalid("refresh_token", "belongs to another account"));
        }
        if other.session != p.session {
            revoke(&mut tx, &other.session);
        }
    }
    let event = NewEvent::new("auth.logout", p.id().to_string()).with("session", p.session.to_string());
    // The audit chain of the caller's own company, whatever the scope.
    let head = ctx
        .prefetched::<items::Head>(&keys::audit_head(&home))?
        .map(ChainHead::from)
        .unwrap_or_else(ChainHead::genesis);
    match commit_with_audit(&ctx.app, &home, head, &ctx.origin(), tx, vec![event], None).await {
        Ok(_) => Ok(no_content()),
        Err(StoreError::Cancelled { .. }) => {
            Err(ApiError::invalid("refresh_token", "is not a session of this account"))
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /auth/me`.
pub async fn me(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    Ok(json(200, &UserView::from(&ctx.principal()?.user)))
}

/// The `auth` function's start hook: the bootstrap admin, if the
/// environment names one.
async fn bootstrap_from_env(app: &App) {
    if let Ok(crate::config::SignerConfig { bootstrap_admin: Some((email, password)), .. }) =
        crate::config::SignerConfig::from_env()
    {
        match bootstrap_admin(app, &email, password.expose()).await {
            Ok(true) => tracing::info!("bootstrap admin created"),
            Ok(false) => tracing::info!("bootstrap admin already exists"),
            Err(e) => tracing::error!(error = %e, "bootstrap admin not created"),
        }
    }
}

/// Creates the platform admin named by `TENURE_BOOTSTRAP_ADMIN_EMAIL` and
/// `…_PASSWORD` if no account with that email exists. Runs at the `auth`
/// function's cold start; an existing account is left untouched.
pub async fn bootstrap_admin(app: &App, email: &str, password_raw: &str) -> Result<bool, String> {
    let email = Email::parse(email).map_err(|m| format!("TENURE_BOOTSTRAP_ADMIN_EMAIL {m}"))?;
    let pw = validate::password(password_raw).map_err(|m| format!("TENURE_BOOTSTRAP_ADMIN_PASSWORD {m}"))?;
    if app.store.get(&keys::credential(email.as_str())).await.map_err(|e| e.to_string())?.is_some() {
        return Ok(false);
    }
    let tenant = Tenant::new(CompanyId::platform());
    let now = timestamp(time::OffsetDateTime::now_utc());
    let user = User {
        id: UserId::new(),
        company_id: CompanyId::platform(),
        email: email.as_str().to_string(),
        full_name: "Platform administrator".into(),
        role: Role::Admin,
        active: true,
        created_at: now.clone(),
        version: 1,
        sessions_revoked_at: None,
        leaver: None,
    };
    let table = app.store.table().to_string();
    let mut tx = Tx::new();
    let cred = stage_new_user(&mut tx, &table, &tenant, &user, password::hash(pw.expose())?);
    let head = head_of(app.store.get(&keys::audit_head(&tenant)).await.map_err(|e| e.to_string())?.as_ref())
        .map_err(|e| e.to_string())?;
    let origin = Origin { actor: "system".into(), source_ip: "-".into(), request_id: "bootstrap".into(), at: now };
    let event = NewEvent::new("user.bootstrap_admin", user.id.to_string()).with("role", "admin");
    match commit_with_audit(app, &tenant, head, &origin, tx, vec![event], None).await {
        Ok(_) => Ok(true),
        Err(StoreError::Cancelled { failed }) if failed.contains(&cred) => Ok(false),
        Err(e) => Err(e.to_string()),
    }
}
