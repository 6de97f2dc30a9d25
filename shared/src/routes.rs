//! The route table: the one source of truth for which function serves which
//! route. Local routing (`[workspace.metadata.lambda.watch.router]` in the
//! root `Cargo.toml`), `template.yaml`, `infra/` and the OpenAPI document are
//! all checked against this table by tests.

use crate::domain::roles::Role;

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

/// One HTTP route of the API.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    /// The Lambda function (package and binary name) that serves it.
    pub function: &'static str,
    pub method: &'static str,
    /// Path with `{param}` placeholders, exactly as API Gateway spells it.
    pub path: &'static str,
    pub summary: &'static str,
    pub access: Access,
    pub weight: Weight,
    /// Whether the route accepts a JSON body.
    pub body: bool,
}

use Access::*;
use Role::*;
use Weight::*;

const AUDIT_READERS: &[Role] = &[Admin, Owner, Security];
const USER_ADMINS: &[Role] = &[Admin, Owner, Hr];
/// Leavers are read by owner, HR, security and admin…
const LEAVER_READERS: &[Role] = &[Admin, Owner, Hr, Security];
/// …and written by owner, HR and admin.
const LEAVER_WRITERS: &[Role] = &[Admin, Owner, Hr];
/// Offboarding is also IT's work.
const CHECKLIST_USERS: &[Role] = &[Admin, Owner, Hr, Security, Technician];
const RISK_MANAGERS: &[Role] = &[Admin, Owner, Security];

/// Every route of the API, grouped by the function that serves it.
#[rustfmt::skip]
pub const ROUTES: &[Route] = &[
    Route { function: "status", method: "GET", path: "/status", summary: "Liveness and version", access: Public, weight: Normal, body: false },
    Route { function: "console", method: "GET", path: "/", summary: "The web console", access: Public, weight: Normal, body: false },
    Route { function: "console", method: "GET", path: "/assets/{file}", summary: "A file of the web console", access: Public, weight: Normal, body: false },
    Route { function: "docs", method: "GET", path: "/openapi.json", summary: "OpenAPI 3.1 description of every route", access: Public, weight: Normal, body: false },
    Route { function: "docs", method: "GET", path: "/docs", summary: "Browsable API documentation", access: Public, weight: Normal, body: false },
    Route { function: "auth", method: "POST", path: "/auth/signup", summary: "Create a company and its owner", access: Public, weight: Normal, body: true },
    Route { function: "auth", method: "POST", path: "/auth/login", summary: "Exchange email and password for tokens", access: Public, weight: Normal, body: true },
    Route { function: "auth", method: "POST", path: "/auth/refresh", summary: "Rotate a refresh token", access: Public, weight: Normal, body: true },
    Route { function: "auth", method: "POST", path: "/auth/logout", summary: "Revoke the session of the presented tokens", access: SignedIn, weight: Normal, body: true },
    Route { function: "auth", method: "GET", path: "/auth/me", summary: "The signed-in user", access: SignedIn, weight: Normal, body: false },
    Route { function: "users", method: "GET", path: "/auth/admin/users", summary: "List the company's users", access: Roles(USER_ADMINS), weight: Normal, body: false },
    Route { function: "users", method: "POST", path: "/auth/admin/users", summary: "Create a user in the company", access: Roles(USER_ADMINS), weight: Normal, body: true },
    Route { function: "users", method: "PATCH", path: "/auth/admin/users/{id}/role", summary: "Change a user's role", access: Roles(&[Admin, Owner]), weight: Normal, body: true },
    Route { function: "users", method: "PATCH", path: "/auth/admin/users/{id}/status", summary: "Activate or deactivate a user", access: Roles(USER_ADMINS), weight: Normal, body: true },
    Route { function: "companies", method: "GET", path: "/companies", summary: "List companies", access: Roles(&[Admin]), weight: Normal, body: false },
    Route { function: "companies", method: "POST", path: "/companies", summary: "Create a company", access: Roles(&[Admin]), weight: Normal, body: true },
    Route { function: "companies", method: "GET", path: "/companies/{id}", summary: "Read a company", access: SignedIn, weight: Normal, body: false },
    Route { function: "audit", method: "GET", path: "/audit", summary: "Read the audit log (JSON or CSV)", access: Roles(AUDIT_READERS), weight: Heavy, body: false },
    Route { function: "audit", method: "GET", path: "/audit/verify", summary: "Verify the audit hash chain", access: Roles(AUDIT_READERS), weight: Heavy, body: false },
    Route { function: "leavers", method: "POST", path: "/leavers", summary: "Register a leaver", access: Roles(LEAVER_WRITERS), weight: Normal, body: true },
    Route { function: "leavers", method: "GET", path: "/leavers", summary: "List leavers", access: Roles(LEAVER_READERS), weight: Normal, body: false },
    Route { function: "leavers", method: "GET", path: "/leavers/{id}", summary: "Read a leaver by id, or the leavers with a surname", access: Roles(LEAVER_READERS), weight: Normal, body: false },
    Route { function: "leavers", method: "PUT", path: "/leavers/{id}", summary: "Change the leave date of the leaver with a surname (or id)", access: Roles(LEAVER_WRITERS), weight: Normal, body: true },
    Route { function: "leavers", method: "PATCH", path: "/leavers/{id}", summary: "Update a leaver", access: Roles(LEAVER_WRITERS), weight: Normal, body: true },
    Route { function: "leavers", method: "DELETE", path: "/leavers/{id}", summary: "Delete a leaver (soft)", access: Roles(LEAVER_WRITERS), weight: Normal, body: false },
    Route { function: "leavers", method: "GET", path: "/leavers/{id}/risk", summary: "A leaver's risk: score, level, factors, history", access: Roles(LEAVER_READERS), weight: Normal, body: false },
    Route { function: "leavers", method: "POST", path: "/leavers/{id}/assess", summary: "Re-score a leaver now", access: Roles(LEAVER_READERS), weight: Normal, body: false },
    Route { function: "leavers", method: "GET", path: "/leavers/{id}/checklist", summary: "A leaver's offboarding checklist", access: Roles(CHECKLIST_USERS), weight: Normal, body: false },
    Route { function: "leavers", method: "PATCH", path: "/leavers/{id}/checklist/{item}", summary: "Tick or untick a checklist item", access: Roles(CHECKLIST_USERS), weight: Normal, body: true },
    Route { function: "risk", method: "GET", path: "/risk-settings", summary: "The company's risk settings", access: Roles(RISK_MANAGERS), weight: Normal, body: false },
    Route { function: "risk", method: "PUT", path: "/risk-settings", summary: "Change the company's risk settings", access: Roles(RISK_MANAGERS), weight: Normal, body: true },
    Route { function: "risk", method: "GET", path: "/alerts", summary: "List risk alerts", access: Roles(LEAVER_READERS), weight: Normal, body: false },
    Route { function: "risk", method: "PATCH", path: "/alerts/{id}", summary: "Acknowledge or resolve an alert", access: Roles(RISK_MANAGERS), weight: Normal, body: true },
    Route { function: "risk", method: "POST", path: "/sweeps", summary: "Run the risk sweep now for the company", access: Roles(RISK_MANAGERS), weight: Heavy, body: false },
    Route { function: "documents", method: "POST", path: "/documents/upload-url", summary: "Get a presigned upload for a document", access: SignedIn, weight: Normal, body: true },
    Route { function: "documents", method: "GET", path: "/documents", summary: "List an employee's documents", access: SignedIn, weight: Normal, body: false },
    Route { function: "documents", method: "GET", path: "/documents/{id}", summary: "Read a document's record", access: SignedIn, weight: Normal, body: false },
    Route { function: "documents", method: "GET", path: "/documents/{id}/download", summary: "Get a 60-second presigned download", access: SignedIn, weight: Normal, body: false },
    Route { function: "documents", method: "DELETE", path: "/documents/{id}", summary: "Delete a document", access: SignedIn, weight: Normal, body: false },
];

/// The names of every HTTP function, in table order, without repeats.
pub fn functions() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for r in ROUTES {
        if !out.contains(&r.function) {
            out.push(r.function);
        }
    }
    out
}

/// The routes one function serves.
pub fn routes_of(function: &str) -> impl Iterator<Item = &'static Route> + '_ {
    ROUTES.iter().filter(move |r| r.function == function)
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

/// Finds the route of `function` for a method and path.
pub fn find(function: &str, method: &str, path: &str) -> Option<(&'static Route, Vec<(&'static str, String)>)> {
    routes_of(function)
        .filter(|r| r.method.eq_ignore_ascii_case(method))
        .find_map(|r| match_path(r.path, path).map(|params| (r, params)))
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

    #[test]
    fn every_route_is_unique_and_served_by_one_function() {
        for (i, a) in ROUTES.iter().enumerate() {
            for b in &ROUTES[i + 1..] {
                assert!(!(a.method == b.method && a.path == b.path), "duplicate route {} {}", a.method, a.path);
            }
        }
        assert_eq!(
            functions(),
            vec!["status", "console", "docs", "auth", "users", "companies", "audit", "leavers", "risk", "documents"]
        );
    }
}
