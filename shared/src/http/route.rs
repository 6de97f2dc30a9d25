//! What a route is: one declaration beside its handler, in its group's
//! module (`api::leavers::ROUTES`, …), holding everything the pipeline, the
//! OpenAPI document and the templates' checks need to know about it.
//!
//! ```ignore
//! pub const ROUTES: &[Route] = &[Route {
//!     method: "GET",
//!     path: "/leavers/{id}/risk",
//!     summary: "A leaver's risk: score, level, factors, history",
//!     access: Roles(LEAVER_READERS),
//!     prefetch: prefetch_leaver,
//!     response: Response::Json(200, schema_of::<RiskState>),
//!     handler: handler!(risk),
//!     ..Route::DEFAULT
//! }];
//! ```
//!
//! A function serves one `Group` (`http::serve(&api::leavers::GROUP)`), so
//! its binary links its own handlers and no other group's.

use std::future::Future;
use std::pin::Pin;

use utoipa::openapi::schema::Schema as OpenApiSchema;
use utoipa::openapi::RefOr;

use crate::domain::roles::Role;
use crate::error::ApiError;
use crate::http::{Ctx, Reply};
use crate::service::App;
use crate::store::{Key, Tenant};

/// How a route is limited: `Heavy` routes count against the lower limit too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    Normal,
    Heavy,
}

/// Who may call a route before the handler's own checks run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// No token needed; the client is the source IP.
    Public,
    /// Any signed-in, active user.
    SignedIn,
    /// Only these roles (a platform `admin` is always listed explicitly).
    Roles(&'static [Role]),
}

/// A route's handler: an `async fn(&mut Ctx) -> Result<Reply, ApiError>`,
/// boxed by `handler!`.
pub type Handler = for<'a> fn(&'a mut Ctx) -> Pin<Box<dyn Future<Output = Result<Reply, ApiError>> + Send + 'a>>;

/// The items a route wants loaded in the same `BatchGetItem` as the
/// caller's session (the tenant is the one the request works in).
pub type Prefetch = fn(&Ctx, &Tenant) -> Vec<Key>;

/// Adds a type's OpenAPI schema (and those it refers to) to the list and
/// returns its name: `schema_of::<T>`, for the OpenAPI document.
pub type Schema = fn(&mut Vec<(String, RefOr<OpenApiSchema>)>) -> String;

/// `Schema` of a type.
pub fn schema_of<T: utoipa::ToSchema>(out: &mut Vec<(String, RefOr<OpenApiSchema>)>) -> String {
    let name = T::name().into_owned();
    out.push((name.clone(), T::schema()));
    T::schemas(out);
    name
}

/// What a route answers on success.
#[derive(Clone, Copy)]
pub enum Response {
    /// A JSON object of this type.
    Json(u16, Schema),
    /// A page of a list: `{items: [T], next_cursor}`.
    Page(Schema),
    /// No body (204).
    Empty(u16),
    /// A body the document does not type (HTML, a file, a CSV or JSON).
    Untyped(u16),
}

impl Response {
    pub fn status(&self) -> u16 {
        match self {
            Response::Json(s, _) | Response::Empty(s) | Response::Untyped(s) => *s,
            Response::Page(_) => 200,
        }
    }
}

/// One HTTP route of the API.
#[derive(Clone, Copy)]
pub struct Route {
    pub method: &'static str,
    /// Path with `{param}` placeholders, exactly as API Gateway spells it.
    pub path: &'static str,
    pub summary: &'static str,
    pub access: Access,
    pub weight: Weight,
    /// The JSON body the route accepts, if it takes one.
    pub request: Option<Schema>,
    pub response: Response,
    /// Query parameters a list route filters on (`limit` and `cursor` come
    /// with `paged`).
    pub query: &'static [&'static str],
    /// Whether the route is a paginated list (`limit`, `cursor`).
    pub paged: bool,
    /// Whether the route creates something and so accepts an
    /// `Idempotency-Key`.
    pub create: bool,
    /// Statuses the handler itself may answer beyond what the pipeline and
    /// the declaration imply (401, 403, 404, 413, 415, 422, 429 where they
    /// apply): a version conflict's 409, a sign-in's 401, …
    pub answers: &'static [(u16, &'static str)],
    /// Whether the handler charges the client's rate limit itself (login
    /// counts inside its own write to stay within three round trips; the
    /// console's static files are not counted, the page that loads them is).
    pub own_rate_limit: bool,
    pub prefetch: Prefetch,
    pub handler: Handler,
}

impl std::fmt::Debug for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.method, self.path)
    }
}

/// Prefetches nothing.
pub fn nothing(_: &Ctx, _: &Tenant) -> Vec<Key> {
    Vec::new()
}

async fn unset(_: &mut Ctx) -> Result<Reply, ApiError> {
    Err(ApiError::internal("route without a handler"))
}

impl Route {
    /// The defaults a declaration fills in with `..Route::DEFAULT`: a
    /// public `GET` without a body that answers untyped 200.
    pub const DEFAULT: Route = Route {
        method: "GET",
        path: "/",
        summary: "",
        access: Access::Public,
        weight: Weight::Normal,
        request: None,
        response: Response::Untyped(200),
        query: &[],
        paged: false,
        answers: &[],
        create: false,
        own_rate_limit: false,
        prefetch: nothing,
        handler: handler!(unset),
    };

    /// Whether the route accepts a JSON body.
    pub fn body(&self) -> bool {
        self.request.is_some()
    }
}

/// Runs once at a function's cold start, after the `App` is built.
pub type StartHook = for<'a> fn(&'a App) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// The answer to a request no route matches, for the group that serves API
/// Gateway's `$default` route: 405 when another method of the path exists
/// anywhere in the API, otherwise 404 (both problem+json).
pub type Fallback = fn(method: &str, path: &str) -> ApiError;

/// The routes one function serves, and what that function needs.
#[derive(Debug, Clone, Copy)]
pub struct Group {
    /// The Lambda function (package and binary name) that serves them.
    pub function: &'static str,
    pub routes: &'static [Route],
    /// Whether the function signs tokens (loads the signing key).
    pub signs_tokens: bool,
    pub on_start: Option<StartHook>,
    /// `Some` for the one group that also serves `$default`: every request
    /// that matches no route of the API.
    pub fallback: Option<Fallback>,
}

impl Group {
    /// Whether the group has a list route, and so its function loads the
    /// cursor key (and is granted it in the templates).
    pub fn pages(&self) -> bool {
        self.routes.iter().any(|r| r.paged)
    }
}

/// Matches a concrete path against a route template, returning the path
/// parameters on a match. Segments must match one to one; a `{name}`
/// segment takes any non-empty segment.
pub fn match_path(template: &'static str, path: &str) -> Option<Vec<(&'static str, String)>> {
    let mut params = Vec::new();
    let mut t = template.trim_matches('/').split('/');
    let mut p = path.trim_end_matches('/').trim_start_matches('/').split('/');
    loop {
        match (t.next(), p.next()) {
            (None, None) => return Some(params),
            (Some(ts), Some(ps)) => {
                if let Some(name) = ts.strip_prefix('{').and_then(|n| n.strip_suffix('}')) {
                    if ps.is_empty() {
                        return None;
                    }
                    params.push((name, ps.to_string()));
                } else if ts != ps {
                    return None;
                }
            }
            _ => return None,
        }
    }
}

/// Whether a concrete path matches a route template (any lifetime).
pub fn matches(template: &str, path: &str) -> bool {
    let mut t = template.trim_matches('/').split('/');
    let mut p = path.trim_end_matches('/').trim_start_matches('/').split('/');
    loop {
        match (t.next(), p.next()) {
            (None, None) => return true,
            (Some(ts), Some(ps)) if ts.starts_with('{') && ts.ends_with('}') && !ps.is_empty() => {}
            (Some(ts), Some(ps)) if ts == ps => {}
            _ => return false,
        }
    }
}

impl Group {
    /// The route for a method and path, with its path parameters.
    pub fn find(&self, method: &str, path: &str) -> Option<(&'static Route, Vec<(&'static str, String)>)> {
        self.routes
            .iter()
            .filter(|r| r.method.eq_ignore_ascii_case(method))
            .find_map(|r| match_path(r.path, path).map(|params| (r, params)))
    }

    /// Whether any route of the group has this path (for 405 over 404).
    pub fn has_path(&self, path: &str) -> bool {
        self.routes.iter().any(|r| match_path(r.path, path).is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_match_their_own_paths_and_nothing_longer() {
        assert_eq!(match_path("/status", "/status"), Some(vec![]));
        assert_eq!(
            match_path("/auth/admin/users/{id}/role", "/auth/admin/users/usr_1/role"),
            Some(vec![("id", "usr_1".to_string())])
        );
        assert_eq!(match_path("/auth/admin/users/{id}/role", "/auth/admin/users//role"), None);
        assert_eq!(match_path("/companies/{id}", "/companies/a/b"), None);
        assert_eq!(match_path("/companies", "/companies/x"), None);
    }
}
