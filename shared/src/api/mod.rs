//! The route handlers, one module per route group (= per function).
//! `dispatch` is the one place that maps a route of `routes::ROUTES` to its
//! handler; `prefetch` names the items a route wants loaded in the same
//! round trip as the caller's session.

pub mod assess;
pub mod audit;
pub mod auth;
pub mod companies;
pub mod console;
pub mod docs;
#[cfg(feature = "s3")]
pub mod documents;
pub mod leavers;
pub mod risk;
pub mod status;
pub mod sweep;
pub mod users;

use serde::Serialize;

use crate::error::ApiError;
use crate::http::{Ctx, Reply};
use crate::ids::{CompanyId, UserId};
use crate::routes::Route;
use crate::store::{items, keys, Key, Tenant};

/// Login counts itself inside its own write, to stay within three round
/// trips (see `auth::login`); the console's static files are not counted
/// (the page that loads them is), so a cold load costs one request.
pub fn counts_own_rate_limit(route: &Route) -> bool {
    route.path == "/auth/login" || route.path == "/assets/{file}"
}

/// Routes that create something and so accept an `Idempotency-Key`.
pub fn is_create(route: &Route) -> bool {
    matches!(
        (route.method, route.path),
        ("POST", "/auth/signup")
            | ("POST", "/auth/admin/users")
            | ("POST", "/companies")
            | ("POST", "/leavers")
            | ("POST", "/documents/upload-url")
    )
}

/// Extra items a route needs, read with the caller's session.
pub fn prefetch(route: &Route, scope: &Tenant, ctx: &Ctx) -> Vec<Key> {
    match (route.method, route.path) {
        ("PATCH", "/auth/admin/users/{id}/role") | ("PATCH", "/auth/admin/users/{id}/status") => {
            UserId::parse(ctx.param("id")).map(|id| keys::user(scope, &id)).into_iter().collect()
        }
        ("GET", "/companies/{id}") => {
            CompanyId::parse(ctx.param("id")).map(|id| keys::company(&Tenant::new(id))).into_iter().collect()
        }
        _ if route.function == "leavers" => leavers::prefetch(ctx, scope),
        #[cfg(feature = "s3")]
        _ if route.function == "documents" => documents::prefetch(ctx, scope),
        _ if route.function == "risk" => risk::prefetch(ctx, scope),
        _ => Vec::new(),
    }
}

/// Runs the handler of `ctx.route`.
pub async fn dispatch(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    match (ctx.route.method, ctx.route.path) {
        ("GET", "/status") => status::get(ctx).await,
        ("GET", "/") => console::index(ctx).await,
        ("GET", "/assets/{file}") => console::asset(ctx).await,
        ("GET", "/openapi.json") => docs::openapi(ctx).await,
        ("GET", "/docs") => docs::page(ctx).await,
        ("POST", "/auth/signup") => auth::signup(ctx).await,
        ("POST", "/auth/login") => auth::login(ctx).await,
        ("POST", "/auth/refresh") => auth::refresh(ctx).await,
        ("POST", "/auth/logout") => auth::logout(ctx).await,
        ("GET", "/auth/me") => auth::me(ctx).await,
        ("GET", "/auth/admin/users") => users::list(ctx).await,
        ("POST", "/auth/admin/users") => users::create(ctx).await,
        ("PATCH", "/auth/admin/users/{id}/role") => users::change_role(ctx).await,
        ("PATCH", "/auth/admin/users/{id}/status") => users::change_status(ctx).await,
        ("GET", "/companies") => companies::list(ctx).await,
        ("POST", "/companies") => companies::create(ctx).await,
        ("GET", "/companies/{id}") => companies::get(ctx).await,
        ("GET", "/audit") => audit::list(ctx).await,
        ("GET", "/audit/verify") => audit::verify(ctx).await,
        ("POST", "/leavers") => leavers::create(ctx).await,
        ("GET", "/leavers") => leavers::list(ctx).await,
        ("GET", "/leavers/{id}") => leavers::get(ctx).await,
        ("PUT", "/leavers/{id}") => leavers::put_leave_date(ctx).await,
        ("PATCH", "/leavers/{id}") => leavers::patch(ctx).await,
        ("DELETE", "/leavers/{id}") => leavers::delete(ctx).await,
        ("GET", "/leavers/{id}/risk") => leavers::risk(ctx).await,
        ("POST", "/leavers/{id}/assess") => leavers::assess_now(ctx).await,
        ("GET", "/leavers/{id}/checklist") => leavers::checklist(ctx).await,
        ("PATCH", "/leavers/{id}/checklist/{item}") => leavers::patch_checklist(ctx).await,
        ("GET", "/risk-settings") => risk::get_settings(ctx).await,
        ("PUT", "/risk-settings") => risk::put_settings(ctx).await,
        ("GET", "/alerts") => risk::list_alerts(ctx).await,
        ("PATCH", "/alerts/{id}") => risk::patch_alert(ctx).await,
        ("POST", "/sweeps") => risk::run_sweep(ctx).await,
        #[cfg(feature = "s3")]
        ("POST", "/documents/upload-url") => documents::upload_url(ctx).await,
        #[cfg(feature = "s3")]
        ("GET", "/documents") => documents::list(ctx).await,
        #[cfg(feature = "s3")]
        ("GET", "/documents/{id}") => documents::get(ctx).await,
        #[cfg(feature = "s3")]
        ("GET", "/documents/{id}/download") => documents::download(ctx).await,
        #[cfg(feature = "s3")]
        ("DELETE", "/documents/{id}") => documents::delete(ctx).await,
        _ => Err(ApiError::NotFound),
    }
}

/// A user as the API shows it (never a password hash).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub id: String,
    pub email: String,
    pub full_name: String,
    pub role: String,
    pub active: bool,
    pub company_id: String,
    pub created_at: String,
    pub version: u64,
}

impl From<&items::User> for UserView {
    fn from(u: &items::User) -> Self {
        Self {
            id: u.id.to_string(),
            email: u.email.clone(),
            full_name: u.full_name.clone(),
            role: u.role.as_str().to_string(),
            active: u.active,
            company_id: u.company_id.to_string(),
            created_at: u.created_at.clone(),
            version: u.version,
        }
    }
}

/// A company as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CompanyView {
    pub id: String,
    pub name: String,
    pub created_at: String,
}

impl From<&items::Company> for CompanyView {
    fn from(c: &items::Company) -> Self {
        Self { id: c.id.to_string(), name: c.name.clone(), created_at: c.created_at.clone() }
    }
}
