//! The one request pipeline every HTTP function runs, in this order:
//! route → body size (413) → content type (415) → JSON syntax (400) →
//! token (401) → session and user check (401) → rate limit (429) →
//! role (403) → tenant scope (404) → idempotent replay → handler → audit
//! (inside the handler's write) → response with a request id.
//!
//! A signed-in request costs two DynamoDB round trips before the handler:
//! one `BatchGetItem` that loads the caller's user and session, the
//! company's audit-chain head, a stored idempotent response if any, and
//! whatever the route asked to prefetch; then the rate-limit `UpdateItem`
//! of that user. A request whose token fails, or names a revoked session, is
//! charged to its source IP instead, so nobody holding another person's
//! old token can use up (or get blocked) that person's limit. The handler
//! has one round trip left.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;
use tracing::Instrument;

use lambda_http::{Body, Request, RequestExt};
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::domain::audit::{ChainHead, NewEvent, Origin};
use crate::domain::roles::Role;
use crate::domain::timestamp;
use crate::error::ApiError;
use crate::http::route::{Access, Group, Route, Weight};
use crate::http::{body, cursor, json, ratelimit, Reply};
use crate::ids::{CompanyId, SessionId, UserId};
use crate::service::commit::{commit_with_audit, IDEMPOTENCY_SECONDS};
use crate::service::App;
use crate::store::items::{self, Idempotency, Session, User};
use crate::store::{decode, keys, Item, Key, StoreError, Tenant, Tx};

/// Largest accepted body.
pub const MAX_BODY: usize = 64 * 1024;

/// The signed-in caller, as stored now (not as the token remembers).
#[derive(Debug, Clone)]
pub struct Principal {
    pub user: User,
    pub session: SessionId,
}

impl Principal {
    pub fn id(&self) -> &UserId {
        &self.user.id
    }
    pub fn role(&self) -> Role {
        self.user.role
    }
    pub fn company(&self) -> &CompanyId {
        &self.user.company_id
    }
}

/// Everything a handler may use about its request.
pub struct Ctx {
    pub app: Arc<App>,
    pub route: &'static Route,
    pub request_id: String,
    pub ip: String,
    pub now: time::OffsetDateTime,
    /// The concrete path of the request.
    pub path: String,
    params: Vec<(&'static str, String)>,
    query: HashMap<String, String>,
    headers: http::HeaderMap,
    body: Vec<u8>,
    principal: Option<Principal>,
    /// The signed-in caller's id from the token, known before the prefetch
    /// (the principal is confirmed after it).
    caller: Option<UserId>,
    tenant: Option<Tenant>,
    prefetched: HashMap<Key, Item>,
    idempotency: Option<(Key, String)>,
}

impl Ctx {
    pub fn unix(&self) -> i64 {
        self.now.unix_timestamp()
    }

    /// RFC 3339 UTC with milliseconds.
    pub fn timestamp(&self) -> String {
        timestamp(self.now)
    }

    pub fn table(&self) -> &str {
        self.app.store.table()
    }

    /// A path parameter of the route.
    pub fn param(&self, name: &str) -> &str {
        self.params.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str()).unwrap_or("")
    }

    pub fn query(&self, name: &str) -> Option<&str> {
        self.query.get(name).map(String::as_str)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body parsed into a request type (400/422 with field errors).
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        body::parse(&self.body)
    }

    /// The body, or `None` when the request has none.
    pub fn json_opt<T: DeserializeOwned>(&self) -> Result<Option<T>, ApiError> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            Ok(None)
        } else {
            body::parse(&self.body).map(Some)
        }
    }

    /// The signed-in caller. Routes with `Access::Public` have none.
    pub fn principal(&self) -> Result<&Principal, ApiError> {
        self.principal.as_ref().ok_or_else(|| ApiError::internal("route needs a principal"))
    }

    /// The company this request works in.
    pub fn tenant(&self) -> Result<&Tenant, ApiError> {
        self.tenant.as_ref().ok_or_else(|| ApiError::internal("route needs a tenant"))
    }

    /// The caller's id as the token names it, for a prefetch (which runs
    /// before the session is confirmed); handlers use `principal`.
    pub fn caller(&self) -> Option<&UserId> {
        self.caller.as_ref()
    }

    /// An item the route asked to prefetch, decoded.
    pub fn prefetched<T: DeserializeOwned>(&self, key: &Key) -> Result<Option<T>, ApiError> {
        self.prefetched.get(key).cloned().map(decode).transpose().map_err(ApiError::from)
    }

    /// A prefetched item as stored.
    pub fn prefetched_raw(&self, key: &Key) -> Option<&Item> {
        self.prefetched.get(key)
    }

    /// The tenant's audit-chain head, loaded with the session.
    pub fn audit_head(&self) -> Result<ChainHead, ApiError> {
        let t = self.tenant()?;
        Ok(self
            .prefetched::<items::Head>(&keys::audit_head(t))?
            .map(ChainHead::from)
            .unwrap_or_else(ChainHead::genesis))
    }

    pub fn origin(&self) -> Origin {
        Origin {
            actor: self.principal.as_ref().map(|p| p.id().to_string()).unwrap_or_else(|| "anonymous".into()),
            source_ip: self.ip.clone(),
            request_id: self.request_id.clone(),
            at: self.timestamp(),
        }
    }

    /// `limit` and the decoded `cursor` of a list route. `scope` names the
    /// list (filters included); `by` is the table or index it pages and
    /// `partition` the only partition its cursor may point into.
    pub fn page(
        &self,
        scope: &str,
        by: &cursor::PageKey,
        partition: &str,
    ) -> Result<(i32, Option<HashMap<String, String>>), ApiError> {
        let limit = match self.query("limit") {
            None => 25,
            Some(v) => match v.parse::<i32>() {
                Ok(n) if n >= 1 => n.min(100),
                _ => return Err(ApiError::bad_field("limit", "must be a whole number from 1 to 100")),
            },
        };
        let start = match self.query("cursor") {
            None | Some("") => None,
            Some(c) => {
                let key = cursor::decode(self.cursor_key()?, &self.cursor_scope(scope), c)?;
                if !by.admits(&key, partition) {
                    return Err(ApiError::bad_field("cursor", "is not a cursor this list issued"));
                }
                Some(key)
            }
        };
        Ok((limit, start))
    }

    /// `page` with the start key as DynamoDB takes it.
    pub fn page_start(
        &self,
        scope: &str,
        by: &cursor::PageKey,
        partition: &str,
    ) -> Result<(i32, Option<Item>), ApiError> {
        let (limit, start) = self.page(scope, by, partition)?;
        Ok((limit, start.map(crate::store::start_item)))
    }

    /// The cursor for the page after one that ended at `last_key`.
    pub fn next_cursor(
        &self,
        scope: &str,
        last_key: Option<HashMap<String, String>>,
    ) -> Result<Option<String>, ApiError> {
        match last_key {
            None => Ok(None),
            Some(k) => Ok(Some(cursor::encode(self.cursor_key()?, &self.cursor_scope(scope), &k))),
        }
    }

    /// The function's cursor key: every function with a list route loads one
    /// at cold start (`Group::pages`).
    fn cursor_key(&self) -> Result<&cursor::CursorKey, ApiError> {
        self.app.cursor_key.as_ref().ok_or_else(|| ApiError::internal("this function has no cursor key"))
    }

    fn cursor_scope(&self, scope: &str) -> String {
        let tenant = self.tenant.as_ref().map(|t| t.id().to_string()).unwrap_or_default();
        let who = self.principal.as_ref().map(|p| p.id().to_string()).unwrap_or_default();
        format!("{tenant}|{who}|{} {}|{scope}", self.route.method, self.route.path)
    }

    /// Commits `tx` with `events` appended to the tenant's audit chain, all
    /// in one transaction. If another request extended the chain meanwhile,
    /// reads the new head and tries again. A failed condition among `tx`'s
    /// own items comes back as `Cancelled` with their indexes.
    pub async fn commit(&self, tx: Tx, events: Vec<NewEvent>) -> Result<(), StoreError> {
        let tenant = self.tenant.as_ref().ok_or_else(|| StoreError::Dynamo("no tenant".into()))?;
        let head = self.audit_head().map_err(|e| StoreError::Dynamo(e.to_string()))?;
        commit_with_audit(&self.app, tenant, head, &self.origin(), tx, events, None).await.map(|_| ())
    }

    /// Like `commit`, for a create: also stores the response for the
    /// request's `Idempotency-Key`, if it had one, and returns it.
    pub async fn commit_create<T: serde::Serialize>(
        &self,
        tx: Tx,
        events: Vec<NewEvent>,
        status: u16,
        value: &T,
    ) -> Result<Reply, StoreError> {
        let tenant = self.tenant.as_ref().ok_or_else(|| StoreError::Dynamo("no tenant".into()))?;
        let head = self.audit_head().map_err(|e| StoreError::Dynamo(e.to_string()))?;
        let body = serde_json::to_string(value).map_err(|e| StoreError::Mapping(e.to_string()))?;
        let idem = self.idempotency.as_ref().map(|(key, hash)| {
            (
                key.clone(),
                Idempotency {
                    request_hash: hash.clone(),
                    status,
                    body: body.clone(),
                    expires_at: self.unix() + IDEMPOTENCY_SECONDS,
                },
            )
        });
        commit_with_audit(&self.app, tenant, head, &self.origin(), tx, events, idem).await?;
        Ok(crate::http::raw(status, "application/json", body))
    }

    /// Sets the tenant of a request that creates its company (signup,
    /// `POST /companies`) or changes another one (an admin's
    /// `PATCH /companies/{id}`, whose route prefetches that chain's head).
    pub(crate) fn set_tenant(&mut self, t: Tenant) {
        tracing::Span::current().record("company", tracing::field::display(t.id()));
        self.tenant = Some(t);
    }
}

fn request_id_of(req: &Request) -> String {
    if let Some(lambda_http::request::RequestContext::ApiGatewayV2(c)) = req.request_context_ref() {
        if let Some(id) = c.request_id.as_deref().filter(|s| !s.is_empty()) {
            return id.to_string();
        }
    }
    if let Some(ctx) = req.lambda_context_ref() {
        if !ctx.request_id.is_empty() {
            return ctx.request_id.clone();
        }
    }
    crate::ids::new_ulid().to_string()
}

fn source_ip_of(req: &Request) -> String {
    if let Some(lambda_http::request::RequestContext::ApiGatewayV2(c)) = req.request_context_ref() {
        if let Some(ip) = c.http.source_ip.as_deref().filter(|s| !s.is_empty()) {
            return ip.to_string();
        }
    }
    "unknown".into()
}

/// Serves one request: never fails, always a response with a request id.
pub async fn handle(app: Arc<App>, group: &'static Group, req: Request) -> Reply {
    let started = Instant::now();
    let request_id = request_id_of(&req);
    let method = req.method().as_str().to_string();
    let path = req.uri().path().to_string();
    // Every log line of the request, the handler's too, carries this span:
    // its request id, function, and route and company once known.
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        function = app.function,
        route = tracing::field::Empty,
        company = tracing::field::Empty
    );
    let outcome = run(app.clone(), group, req, request_id.clone()).instrument(span.clone()).await;
    let _in_span = span.enter();
    let (mut reply, company, route) = match outcome {
        Ok((reply, company, route)) => (reply, company, route),
        Err((e, company, route)) => {
            if let ApiError::Internal(cause) = &e {
                tracing::error!(request_id = %request_id, %cause, "internal error");
            }
            let mut r = json(e.status(), &e.problem(&path, &request_id));
            if let Ok(v) = http::HeaderValue::from_str("application/problem+json") {
                r.headers_mut().insert(http::header::CONTENT_TYPE, v);
            }
            if let ApiError::TooManyRequests { retry_after, .. } = e {
                r.headers_mut().insert(http::header::RETRY_AFTER, http::HeaderValue::from(retry_after));
            }
            (r, company, route)
        }
    };
    let h = reply.headers_mut();
    if let Ok(v) = http::HeaderValue::from_str(&request_id) {
        h.insert("x-request-id", v);
    }
    h.insert(http::header::CACHE_CONTROL, http::HeaderValue::from_static("no-store"));
    h.insert("x-content-type-options", http::HeaderValue::from_static("nosniff"));
    tracing::info!(
        request_id = %request_id,
        function = app.function,
        route = route.unwrap_or("unmatched"),
        method = %method,
        company = company.as_deref().unwrap_or("-"),
        status = reply.status().as_u16(),
        ms = started.elapsed().as_millis() as u64,
        "request"
    );
    reply
}

type Outcome = Result<(Reply, Option<String>, Option<&'static str>), (ApiError, Option<String>, Option<&'static str>)>;

async fn run(app: Arc<App>, group: &'static Group, req: Request, request_id: String) -> Outcome {
    let method = req.method().as_str().to_string();
    let path = req.uri().path().to_string();
    // Route.
    let Some((route, params)) = group.find(&method, &path) else {
        let e = match group.fallback {
            Some(answer) => answer(&method, &path),
            None if group.has_path(&path) => ApiError::MethodNotAllowed,
            None => ApiError::NotFound,
        };
        return Err((e, None, None));
    };
    let rp = Some(route.path);
    let fail = |e: ApiError, company: Option<String>| Err((e, company, rp));
    tracing::Span::current().record("route", route.path);

    // Body: size, content type, JSON syntax.
    let body: Vec<u8> = match req.body() {
        Body::Empty => Vec::new(),
        Body::Text(t) => t.as_bytes().to_vec(),
        Body::Binary(b) => b.clone(),
        _ => Vec::new(),
    };
    if body.len() > MAX_BODY {
        return fail(ApiError::PayloadTooLarge, None);
    }
    let has_body = !body.iter().all(u8::is_ascii_whitespace);
    if has_body && route.body() {
        let ct = req.headers().get(http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
        let mime = ct.split(';').next().unwrap_or("").trim();
        if !mime.eq_ignore_ascii_case("application/json") {
            return fail(ApiError::UnsupportedMediaType, None);
        }
        if serde_json::from_slice::<serde::de::IgnoredAny>(&body).is_err() {
            return fail(ApiError::bad_request("The body is not valid JSON."), None);
        }
    }
    let body = if route.body() { body } else { Vec::new() };

    let now = time::OffsetDateTime::now_utc();
    let unix = now.unix_timestamp();
    let ip = source_ip_of(&req);
    let query: HashMap<String, String> =
        req.query_string_parameters().iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let headers = req.headers().clone();
    let mut ctx = Ctx {
        app: app.clone(),
        route,
        request_id,
        ip: ip.clone(),
        now,
        path: path.clone(),
        params,
        query,
        headers,
        body,
        principal: None,
        caller: None,
        tenant: None,
        prefetched: HashMap::new(),
        idempotency: None,
    };

    let limits = app.config.limits;
    let heavy = (route.weight == Weight::Heavy).then_some(limits.heavy_per_minute);

    if route.access == Access::Public {
        let client = ratelimit::Client { id: format!("ip:{ip}"), limit: limits.ip_per_minute, heavy_limit: heavy };
        if !route.own_rate_limit {
            if let Err(e) = ratelimit::hit(&app.store, &client, unix).await {
                return fail(e, None);
            }
        }
        if let Some(k) = idempotency_key(&ctx, &format!("ip:{ip}")) {
            let k = match k {
                Ok(k) => k,
                Err(e) => return fail(e, None),
            };
            match app.store.get(&k.0).await {
                Ok(found) => {
                    if let Some(item) = found {
                        ctx.prefetched.insert(k.0.clone(), item);
                    }
                }
                Err(e) => return fail(e.into(), None),
            }
            if let Some(reply) = match replay(&ctx, &k) {
                Ok(r) => r,
                Err(e) => return fail(e, None),
            } {
                return Ok((reply, None, rp));
            }
            ctx.idempotency = Some(k);
        }
        return match (route.handler)(&mut ctx).await {
            Ok(reply) => Ok((reply, ctx.tenant.as_ref().map(|t| t.id().to_string()), rp)),
            Err(e) => fail(e, ctx.tenant.as_ref().map(|t| t.id().to_string())),
        };
    }

    // A request without a valid session is charged to its source IP (a
    // token that fails, or names a revoked session, must not use up, or get
    // blocked, the limit of the user it names): 401, or 429 past the limit.
    let ip_client = ratelimit::Client { id: format!("ip:{ip}"), limit: limits.ip_per_minute, heavy_limit: heavy };
    let refuse = |why: &'static str, company: Option<String>| {
        let app = app.clone();
        let ip_client = ip_client.clone();
        async move {
            match ratelimit::hit(&app.store, &ip_client, unix).await {
                Err(e) => Err((e, company, rp)),
                Ok(()) => Err((ApiError::Unauthorized(why), company, rp)),
            }
        }
    };

    // Token.
    let token =
        match ctx.header("authorization").and_then(|h| h.strip_prefix("Bearer ").or_else(|| h.strip_prefix("bearer ")))
        {
            Some(t) if !t.trim().is_empty() => t.trim().to_string(),
            _ => return refuse("A bearer token is required.", None).await,
        };
    let claims = match app.verifier.verify(&token, unix) {
        Ok(c) => c,
        Err(_) => return refuse("The token is invalid or expired.", None).await,
    };
    let home = Tenant::new(claims.cid.clone());
    let company = Some(claims.cid.to_string());
    tracing::Span::current().record("company", tracing::field::display(&claims.cid));

    // Tenant scope: a platform admin may name another company.
    let scope = match ctx.query("company_id") {
        Some(raw) if claims.role == Role::Admin => match CompanyId::parse(raw) {
            Some(c) => Tenant::new(c),
            None => return fail(ApiError::bad_field("company_id", "is not a company id"), company),
        },
        _ => home.clone(),
    };

    // One BatchGetItem: user, session, audit head, company (admin scope),
    // idempotent response, and the route's own prefetch.
    let user_key = keys::user(&home, &claims.sub);
    let session_key = keys::session(&home, &claims.sid);
    let mut wanted = vec![user_key.clone(), session_key.clone(), keys::audit_head(&scope)];
    if scope != home {
        wanted.push(keys::company(&scope));
    }
    let idem = match idempotency_key(&ctx, &claims.sub.to_string()).transpose() {
        Ok(k) => k,
        Err(e) => return fail(e, company),
    };
    if let Some((k, _)) = &idem {
        wanted.push(k.clone());
    }
    ctx.caller = Some(claims.sub.clone());
    wanted.extend((route.prefetch)(&ctx, &scope));
    let found = match app.store.batch_get(&wanted).await {
        Ok(f) => f,
        Err(e) => return fail(e.into(), company),
    };
    let user: Option<User> = found.get(&user_key).cloned().map(decode).transpose().ok().flatten();
    let session: Option<Session> = found.get(&session_key).cloned().map(decode).transpose().ok().flatten();
    let (Some(user), Some(session)) = (user, session) else {
        return refuse("The token is invalid or expired.", company).await;
    };
    let revoked_by_user = user.sessions_revoked_at.as_deref().is_some_and(|t| session.created_at.as_str() <= t);
    if !user.active || session.revoked || revoked_by_user || session.user_id != claims.sub || session.expires_at <= unix
    {
        return refuse("The token is invalid or expired.", company).await;
    }

    // Rate limit, per user: only now that the session is known to be theirs.
    let client = ratelimit::Client { id: claims.sub.to_string(), limit: limits.per_minute, heavy_limit: heavy };
    if let Err(e) = ratelimit::hit(&app.store, &client, unix).await {
        return fail(e, company);
    }
    // A leaver's account after the leave date: refused, and recorded as
    // evidence that makes the leaver critical at once.
    if let Some(link) = user
        .leaver
        .as_ref()
        .filter(|l| l.leave_date.as_str() < crate::domain::leavers::format_date(now.date()).as_str())
    {
        if link.flagged_at.is_none() {
            let head = found
                .get(&keys::audit_head(&home))
                .cloned()
                .map(decode::<items::Head>)
                .transpose()
                .ok()
                .flatten()
                .map(ChainHead::from)
                .unwrap_or_else(ChainHead::genesis);
            let what = format!("{} {}", route.method, route.path);
            let origin = Origin {
                actor: user.id.to_string(),
                source_ip: ip.clone(),
                request_id: ctx.request_id.clone(),
                at: ctx.timestamp(),
            };
            if let Err(e) =
                crate::service::assess::record_post_leave_activity(&app, &home, &user, link, &what, head, &origin).await
            {
                tracing::error!(error = %e, "recording activity after the leave date failed");
            }
        }
        return fail(ApiError::Unauthorized("This account's leave date has passed."), company);
    }

    // Role.
    if let Access::Roles(allowed) = route.access {
        if !allowed.contains(&user.role) {
            return fail(ApiError::Forbidden("Your role does not allow this."), company);
        }
    }
    // Scope: only a platform admin (as stored now, not as the token
    // remembers) works in another company, and it must exist.
    if scope != home && user.role != Role::Admin {
        return fail(ApiError::Forbidden("Only platform admins may work in another company."), company);
    }
    if scope != home && !found.contains_key(&keys::company(&scope)) {
        return fail(ApiError::NotFound, company);
    }

    ctx.principal = Some(Principal { user, session: claims.sid.clone() });
    tracing::Span::current().record("company", tracing::field::display(scope.id()));
    ctx.tenant = Some(scope);
    ctx.prefetched = found;
    if let Some(k) = idem {
        match replay(&ctx, &k) {
            Ok(Some(reply)) => return Ok((reply, company, rp)),
            Ok(None) => ctx.idempotency = Some(k),
            Err(e) => return fail(e, company),
        }
    }
    match (route.handler)(&mut ctx).await {
        Ok(reply) => Ok((reply, company, rp)),
        Err(e) => fail(e, company),
    }
}

/// The record key and request hash of an `Idempotency-Key` on a create.
fn idempotency_key(ctx: &Ctx, scope: &str) -> Option<Result<(Key, String), ApiError>> {
    if !ctx.route.create {
        return None;
    }
    let raw = ctx.header("idempotency-key")?;
    if raw.is_empty() || raw.len() > 255 || !raw.bytes().all(|b| b.is_ascii_graphic()) {
        return Some(Err(ApiError::bad_field("Idempotency-Key", "must be 1 to 255 visible ASCII characters")));
    }
    let key_hash = crate::domain::audit::hex(&Sha256::digest(raw.as_bytes()));
    // The same key may only replay the same request: method, concrete path,
    // tenant scope (an admin's `company_id`) and body.
    let mut h = Sha256::new();
    h.update(ctx.route.method.as_bytes());
    h.update(b" ");
    h.update(ctx.path.as_bytes());
    h.update(b"\n");
    h.update(ctx.query("company_id").unwrap_or("").as_bytes());
    h.update(b"\n");
    h.update(&ctx.body);
    Some(Ok((keys::idempotency(scope, &key_hash), crate::domain::audit::hex(&h.finalize()))))
}

/// The stored response for a repeated `Idempotency-Key`, if any.
fn replay(ctx: &Ctx, (key, request_hash): &(Key, String)) -> Result<Option<Reply>, ApiError> {
    let Some(record) = ctx.prefetched::<Idempotency>(key)? else { return Ok(None) };
    if record.expires_at <= ctx.unix() {
        return Ok(None);
    }
    if &record.request_hash != request_hash {
        return Err(ApiError::invalid("Idempotency-Key", "was already used with a different request"));
    }
    let mut r = crate::http::raw(record.status, "application/json", record.body);
    r.headers_mut().insert("idempotent-replayed", http::HeaderValue::from_static("true"));
    Ok(Some(r))
}
