//! `/auth/*`: signup, login, accepting an invitation, refresh, logout, me;
//! and the bootstrap of the platform admin at cold start.

use serde::{Deserialize, Serialize};

use super::{CompanyView, UserView};
use crate::auth::invitation::InvitationToken;
use crate::auth::password;
use crate::auth::refresh::{RefreshToken, REFRESH_TOKEN_SECONDS, USED_SECRETS_KEPT};
use crate::domain::audit::{ChainHead, NewEvent, Origin};
use crate::domain::roles::Role;
use crate::domain::signin::{self, Attempts, Failure, Gate};
use crate::domain::timestamp;
use crate::domain::validate::{self, Checker, Email};
use crate::error::ApiError;
use crate::http::{json, no_content, ratelimit, Ctx, Reply};
use crate::http::{schema_of, Access, Group, Response, Route};
use crate::ids::{CompanyId, SessionId};
use crate::service::{commit_with_audit, App};
use crate::store::items::{self, Company, Credential, Session, User};
use crate::store::people::stage_new_user;
use crate::store::{decode, keys, Cond, Exprs, StoreError, Tenant, Tx};

/// Sign-up, sign-in and sessions, served by the `auth` function, the only
/// one that signs tokens. At cold start it creates the bootstrap admin.
pub const GROUP: Group = Group {
    function: "auth",
    routes: ROUTES,
    signs_tokens: true,
    on_start: Some(|app| Box::pin(bootstrap_from_env(app))),
    fallback: None,
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
        answers: &[(401, "Wrong email or password (one answer for every bad credential)")],
        handler: handler!(login),
        ..Route::DEFAULT
    },
    Route {
        method: "POST",
        path: "/auth/invitations/accept",
        summary: "Accept an invitation: set a password and sign in",
        request: Some(schema_of::<AcceptInvitationRequest>),
        response: Response::Json(200, schema_of::<TokenResponse>),
        handler: handler!(accept_invitation),
        ..Route::DEFAULT
    },
    Route {
        method: "POST",
        path: "/auth/refresh",
        summary: "Rotate a refresh token",
        request: Some(schema_of::<RefreshRequest>),
        response: Response::Json(200, schema_of::<TokenResponse>),
        answers: &[(401, "The refresh token is invalid, expired or revoked")],
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

pub use crate::domain::signin::{LOCK_SECONDS, MAX_FAILED_LOGINS};

/// How long the attempts of an email without an account are remembered.
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
pub struct AcceptInvitationRequest {
    /// The invitation token (`inv1.…`) from `POST /employees/{id}/invite`.
    pub token: String,
    /// The new password (12 to 256 characters, not a common one).
    pub password: String,
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
    let company = Company::new(company_id.clone(), company_name, now.clone());
    let user = User::new(company_id.clone(), email.as_str().to_string(), full_name, Role::Owner, now);
    let mut tx = Tx::new();
    let table = ctx.table().to_string();
    tx.put(&table, &keys::company(&tenant), items::COMPANY, &company, Cond::New);
    let cred = stage_new_user(&mut tx, &table, &tenant, &user, hash_password(pw.expose())?)?;
    let events = vec![
        NewEvent::new("company.created", company_id.to_string()),
        NewEvent::new("auth.signup", user.id.to_string()).with("role", "owner"),
    ];
    ctx.set_tenant(tenant);
    let body = SignupResponse { user: UserView::from(&user), company: CompanyView::from(&company) };
    match ctx.commit_create(tx, events, 201, &body).await {
        Ok(r) => Ok(r),
        Err(StoreError::Cancelled { failed, .. }) if failed.contains(&cred) => {
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
    let now = ctx.unix();
    let s = SignIn {
        client: ratelimit::Client {
            id: format!("ip:{}", ctx.ip),
            limit: app.config.limits.ip_per_minute,
            heavy_limit: None,
        },
        cred_key: keys::credential(email.as_str()),
        attempts_key: keys::login_attempts(email.as_str()),
        origin: ctx.origin(),
        now,
    };
    let rl_key = ratelimit::deferred_key(&s.client, now);
    let platform_head = keys::audit_head(&Tenant::new(CompanyId::platform()));

    // (1) The email's state either way (credential, or the attempts of an
    // email without an account), the IP's counter and the platform's chain.
    let found = app
        .store
        .batch_get(&[s.cred_key.clone(), s.attempts_key.clone(), rl_key.clone(), platform_head.clone()])
        .await?;
    ratelimit::check_deferred(&app.store, &s.client, found.get(&rl_key), now).await?;
    let cred: Option<Credential> =
        found.get(&s.cred_key).cloned().map(decode).transpose()?.filter(|c: &Credential| !c.password_hash.is_empty());
    match cred {
        Some(cred) => sign_in_account(ctx, &s, cred, &req.password).await,
        None => {
            let attempts: items::LoginAttempts =
                found.get(&s.attempts_key).cloned().map(decode).transpose()?.unwrap_or_default();
            sign_in_unknown(&app, &s, attempts, &req.password).await
        }
    }
}

/// One sign-in attempt's fixed parts.
struct SignIn {
    client: ratelimit::Client,
    cred_key: crate::store::Key,
    attempts_key: crate::store::Key,
    origin: Origin,
    now: i64,
}

fn locked(retry_after: i64) -> ApiError {
    ApiError::TooManyRequests {
        retry_after: retry_after.max(1) as u64,
        detail: "Too many failed sign-ins; the account is locked for a while.",
    }
}

/// An attempt during a lock: refused without a check, changing nothing but
/// the IP's counter (so attempts on locked emails still cost the client).
async fn refuse_locked(app: &App, s: &SignIn, retry_after: i64) -> Result<Reply, ApiError> {
    let mut tx = Tx::new();
    ratelimit::charge(&mut tx, app.store.table(), &s.client, s.now);
    match app.store.transact(tx).await {
        Ok(()) => Err(locked(retry_after)),
        Err(StoreError::Cancelled { .. }) => Err(ratelimit::charge_refused(s.now)),
        Err(e) => Err(e.into()),
    }
}

/// Stages the lockout state machine's step after a failed check, on the
/// email's own item (`key`: its credential, or its attempts item, which
/// `expiring` gives a TTL), conditional on it not being locked meanwhile;
/// returns the index of that update and whether it locks.
fn stage_failure(
    tx: &mut Tx,
    table: &str,
    key: &crate::store::Key,
    state: Attempts,
    s: &SignIn,
    expiring: bool,
) -> (usize, bool) {
    match signin::after_failure(state, s.now) {
        Failure::Counted(_) => {
            let (set, exprs) = ttl(s, expiring);
            let set = if set.is_empty() { String::new() } else { format!(" SET {set}") };
            let i = tx.update(table, key, &format!("ADD failed_logins :one{set}"), not_locked(), exprs.num(":one", 1));
            (i, false)
        }
        Failure::Locks(next) => (stage_lock(tx, table, key, next, s, expiring), true),
    }
}

/// Stages the start of a lock (`next`), conditional on none running.
fn stage_lock(tx: &mut Tx, table: &str, key: &crate::store::Key, next: Attempts, s: &SignIn, expiring: bool) -> usize {
    let (set, exprs) = ttl(s, expiring);
    let set = ["failed_logins = :failed, locked_until = :until", &set]
        .iter()
        .filter(|p| !p.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    let exprs = exprs.num(":failed", next.failed).num(":until", next.locked_until);
    tx.update(table, key, &format!("SET {set}"), not_locked(), exprs)
}

/// Writes to an email's state hold only while it is not locked.
fn not_locked() -> Cond {
    Cond::Expr("attribute_not_exists(locked_until) OR locked_until <= :now".into())
}

/// The `:now` of `not_locked`, and the TTL of an attempts item.
fn ttl(s: &SignIn, expiring: bool) -> (String, Exprs) {
    let exprs = Exprs::new().num(":now", s.now);
    if expiring {
        ("expires_at = :e".to_string(), exprs.num(":e", s.now + LOGIN_ATTEMPTS_TTL_SECONDS))
    } else {
        (String::new(), exprs)
    }
}

/// An email without an account: the same gate, the same work (a password
/// check against a dummy hash) and the same lockout as an account's, on an
/// attempts item of the email's own (which expires), so that neither the
/// answers nor a lock tell which emails have accounts.
///
/// Such failures belong to no company: they are not written to any audit
/// chain (a flood of them from many addresses would contend with the
/// platform admins' own audited writes). Each is logged instead, as
/// `auth.unknown_account` without the email, which both templates count
/// with a metric filter on the auth function's logs and alarm on
/// (`UNKNOWN_ACCOUNT_EVENT`).
async fn sign_in_unknown(
    app: &App,
    s: &SignIn,
    attempts: items::LoginAttempts,
    password_raw: &str,
) -> Result<Reply, ApiError> {
    let state = Attempts { failed: attempts.failed_logins, locked_until: attempts.locked_until };
    let table = app.store.table().to_string();
    let mut tx = Tx::new();
    let charge = ratelimit::charge(&mut tx, &table, &s.client, s.now);
    let (own, locks, due) = match signin::gate(state, s.now) {
        Gate::Locked { retry_after } => return refuse_locked(app, s, retry_after).await,
        Gate::LockDue(next) => (stage_lock(&mut tx, &table, &s.attempts_key, next, s, true), true, true),
        Gate::Open => {
            let _ = password::verify(password_raw, password::DUMMY_HASH);
            let (own, locks) = stage_failure(&mut tx, &table, &s.attempts_key, state, s, true);
            (own, locks, false)
        }
    };
    let answer = match app.store.transact(tx).await {
        // As for an account: a lock that was due refuses this attempt too.
        Ok(()) if due => Err(locked(LOCK_SECONDS)),
        Ok(()) => Err(ApiError::Unauthorized(BAD_CREDENTIALS)),
        Err(StoreError::Cancelled { failed, .. }) if failed.contains(&own) => return Err(locked(LOCK_SECONDS)),
        Err(StoreError::Cancelled { failed, .. }) if failed.contains(&charge) => {
            return Err(ratelimit::charge_refused(s.now))
        }
        Err(e) => return Err(e.into()),
    };
    tracing::warn!(event = UNKNOWN_ACCOUNT_EVENT, locks, "sign-in with an email that has no account");
    answer
}

/// The log event of a failed sign-in with an email that has no account.
pub const UNKNOWN_ACCOUNT_EVENT: &str = "auth.unknown_account";

/// An email with an account: the gate, then (2) the user and the company's
/// chain, the password check, and (3) one write with the IP's charge, the
/// lockout step or the new session, and the audit events.
async fn sign_in_account(ctx: &Ctx, s: &SignIn, cred: Credential, password_raw: &str) -> Result<Reply, ApiError> {
    let app = ctx.app.clone();
    let state = Attempts { failed: cred.failed_logins, locked_until: cred.locked_until };
    let due = match signin::gate(state, s.now) {
        Gate::Locked { retry_after } => return refuse_locked(&app, s, retry_after).await,
        Gate::LockDue(next) => Some(next),
        Gate::Open => None,
    };
    let tenant = Tenant::new(cred.company_id.clone());
    let user_key = keys::user(&tenant, &cred.user_id);
    let head_key = keys::audit_head(&tenant);
    let found = app.store.batch_get(&[user_key.clone(), head_key.clone()]).await?;
    let user: Option<User> = found.get(&user_key).cloned().map(decode).transpose()?;
    let head = head_of(found.get(&head_key))?;
    let table = app.store.table().to_string();
    let mut tx = Tx::new();
    let charge = ratelimit::charge(&mut tx, &table, &s.client, s.now);
    if let Some(next) = due {
        let own = stage_lock(&mut tx, &table, &s.cred_key, next, s, false);
        let event = NewEvent::new("auth.account_locked", cred.user_id.to_string())
            .with("locked_for_seconds", LOCK_SECONDS.to_string());
        return match commit_with_audit(&app, &tenant, head, &s.origin, tx, vec![event], None).await {
            Ok(_) => Err(locked(LOCK_SECONDS)),
            Err(StoreError::Cancelled { failed, .. }) if failed.contains(&own) => Err(locked(LOCK_SECONDS)),
            Err(StoreError::Cancelled { failed, .. }) if failed.contains(&charge) => {
                Err(ratelimit::charge_refused(s.now))
            }
            Err(e) => Err(e.into()),
        };
    }
    let password_ok = password::verify(password_raw, &cred.password_hash);

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
            let (own, locks) = stage_failure(&mut tx, &table, &s.cred_key, state, s, false);
            let mut events = vec![NewEvent::new("auth.login_failed", cred.user_id.to_string())
                .with("reason", reason)
                .with("failures", (cred.failed_logins + 1).to_string())];
            if locks {
                events.push(
                    NewEvent::new("auth.account_locked", cred.user_id.to_string())
                        .with("locked_for_seconds", LOCK_SECONDS.to_string()),
                );
            }
            return match commit_with_audit(&app, &tenant, head, &s.origin, tx, events, None).await {
                Ok(_) => Err(ApiError::Unauthorized(BAD_CREDENTIALS)),
                Err(StoreError::Cancelled { failed, .. }) if failed.contains(&own) => Err(locked(LOCK_SECONDS)),
                Err(StoreError::Cancelled { failed, .. }) if failed.contains(&charge) => {
                    Err(ratelimit::charge_refused(s.now))
                }
                Err(e) => Err(e.into()),
            };
        }
    };

    // A leaver signing in after the leave date: refused and recorded.
    let today = crate::domain::leavers::format_date(ctx.now.date());
    if let Some(link) = user.leaver.as_ref().filter(|l| l.leave_date < today) {
        if link.flagged_at.is_none() {
            let origin = Origin { actor: user.id.to_string(), ..s.origin.clone() };
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

    let (tokens, session_id) = stage_session(&app, &mut tx, &tenant, &user, s.now, ctx.timestamp())?;
    let cleared = signin::after_success();
    tx.update(
        &table,
        &s.cred_key,
        "SET failed_logins = :f, locked_until = :l",
        Cond::Exists,
        Exprs::new().num(":f", cleared.failed).num(":l", cleared.locked_until),
    );
    let event = NewEvent::new("auth.login", user.id.to_string()).with("session", session_id.to_string());
    match commit_with_audit(&app, &tenant, head, &s.origin, tx, vec![event], None).await {
        Ok(_) => Ok(json(200, &tokens)),
        Err(StoreError::Cancelled { failed, .. }) if failed.contains(&charge) => Err(ratelimit::charge_refused(s.now)),
        Err(e) => Err(e.into()),
    }
}

/// Stages a new session for `user` (its refresh-token family) and returns
/// the tokens that open it.
fn stage_session(
    app: &App,
    tx: &mut Tx,
    tenant: &Tenant,
    user: &User,
    now: i64,
    created_at: String,
) -> Result<(TokenResponse, SessionId), ApiError> {
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
        created_at,
        expires_at: now + REFRESH_TOKEN_SECONDS,
    };
    tx.put(app.store.table(), &keys::session(tenant, &session_id), items::SESSION, &session, Cond::New);
    Ok((
        TokenResponse { access_token: access, refresh_token: token.encode(), token_type: "Bearer", expires_in },
        session_id,
    ))
}

/// `POST /auth/invitations/accept`: the person named by a valid, unused,
/// unexpired invitation, still active, sets their password and is signed
/// in. One `BatchGetItem` (the person and the company's chain head) and one
/// transaction (the person, their credential, the session, the audit
/// events), each write conditional on what was read: a token used twice,
/// late or for a deactivated person is a 400 that changes nothing.
pub async fn accept_invitation(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let req: AcceptInvitationRequest = ctx.json()?;
    let bad = || ApiError::bad_field("token", "is not a valid invitation: it may have been used, replaced or expired");
    let token = InvitationToken::parse(&req.token);
    let pw = validate::password(&req.password).map_err(|m| ApiError::invalid("password", m));
    let (token, pw) = match (token, pw) {
        (None, _) => return Err(bad()),
        (Some(_), Err(e)) => return Err(e),
        (Some(t), Ok(p)) => (t, p),
    };
    let app = ctx.app.clone();
    let now = ctx.unix();
    let tenant = Tenant::new(token.company.clone());
    let (user_key, head_key) = (keys::user(&tenant, &token.user), keys::audit_head(&tenant));
    let found = app.store.batch_get(&[user_key.clone(), head_key.clone()]).await?;
    let user: User = found.get(&user_key).cloned().map(decode).transpose()?.ok_or_else(bad)?;
    let hash = token.secret_hash();
    let valid = user.active
        && user.no_login
        && user.invitation_hash.as_deref() == Some(hash.as_str())
        && user.invitation_expires_at.is_some_and(|e| e > now)
        && user.invitation_role == Some(user.role);
    if !valid {
        return Err(bad());
    }
    let table = app.store.table().to_string();
    let mut tx = Tx::new();
    let accepted = User {
        no_login: false,
        invitation_hash: None,
        invitation_expires_at: None,
        invitation_role: None,
        version: user.version + 1,
        ..user.clone()
    };
    tx.update(
        &table,
        &user_key,
        "SET version = :next REMOVE invitation_hash, invitation_expires_at, invitation_role, no_login, \
         invitation_counted",
        // On the invitation's count as read too (the counters' backfill may
        // count it meanwhile without moving the version).
        Cond::Expr(format!(
            "invitation_hash = :h AND invitation_expires_at > :now AND active = :t AND version = :read \
             AND invitation_role = #role AND {}",
            if user.invitation_counted {
                "invitation_counted = :t"
            } else {
                "attribute_not_exists(invitation_counted)"
            }
        )),
        Exprs::new()
            .name("#role", "role")
            .str(":h", &hash)
            .num(":now", now)
            .bool(":t", true)
            .num(":next", accepted.version)
            .num(":read", user.version),
    );
    if user.invitation_counted {
        crate::store::stats::stage_company(&mut tx, &table, &tenant, "inv_open", -1);
    }
    tx.update(
        &table,
        &keys::credential(&user.email),
        "SET password_hash = :p, failed_logins = :zero, locked_until = :zero",
        Cond::Expr("password_hash = :empty AND user_id = :uid".into()),
        Exprs::new()
            .str(":p", hash_password(pw.expose())?)
            .num(":zero", 0)
            .str(":empty", "")
            .str(":uid", user.id.to_string()),
    );
    crate::store::people::stage_entries(&mut tx, &table, &tenant, Some(&user), &accepted)?;
    let (tokens, session_id) = stage_session(&app, &mut tx, &tenant, &accepted, now, ctx.timestamp())?;
    let origin = Origin { actor: user.id.to_string(), ..ctx.origin() };
    let events = vec![
        NewEvent::new("invitation.accepted", user.id.to_string()),
        NewEvent::new("auth.login", user.id.to_string()).with("session", session_id.to_string()),
    ];
    let head = head_of(found.get(&head_key))?;
    match commit_with_audit(&app, &tenant, head, &origin, tx, events, None).await {
        Ok(_) => Ok(json(200, &tokens)),
        Err(StoreError::Cancelled { .. }) => Err(bad()),
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
    if let Some(item) = app.store.get(&keys::credential(email.as_str())).await.map_err(|e| e.to_string())? {
        let cred: Credential = decode(item).map_err(|e| e.to_string())?;
        if cred.company_id != CompanyId::platform() {
            // Not an admin at all: whoever set the variables expects one.
            tracing::error!(
                company = %cred.company_id,
                "no bootstrap admin: TENURE_BOOTSTRAP_ADMIN_EMAIL belongs to a user of a company"
            );
        }
        return Ok(false);
    }
    let tenant = Tenant::new(CompanyId::platform());
    let now = timestamp(time::OffsetDateTime::now_utc());
    let user = User::new(
        CompanyId::platform(),
        email.as_str().to_string(),
        "Platform administrator".into(),
        Role::Admin,
        now.clone(),
    );
    let table = app.store.table().to_string();
    let mut tx = Tx::new();
    let cred =
        stage_new_user(&mut tx, &table, &tenant, &user, password::hash(pw.expose())?).map_err(|e| e.to_string())?;
    let head = head_of(app.store.get(&keys::audit_head(&tenant)).await.map_err(|e| e.to_string())?.as_ref())
        .map_err(|e| e.to_string())?;
    let origin = Origin { actor: "system".into(), source_ip: "-".into(), request_id: "bootstrap".into(), at: now };
    let event = NewEvent::new("user.bootstrap_admin", user.id.to_string()).with("role", "admin");
    match commit_with_audit(app, &tenant, head, &origin, tx, vec![event], None).await {
        Ok(_) => Ok(true),
        Err(StoreError::Cancelled { failed, .. }) if failed.contains(&cred) => Ok(false),
        Err(e) => Err(e.to_string()),
    }
}
