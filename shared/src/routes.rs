//! The full route table, assembled from the groups: the one source of truth
//! for which function serves which route. Local routing
//! (`[workspace.metadata.lambda.watch.router]` in the root `Cargo.toml`),
//! `template.yaml`, `infra/` and the OpenAPI document are all checked
//! against it by tests. Functions never link this table: each serves its
//! own group (`http::serve(&api::leavers::GROUP)`).

use crate::api;
pub use crate::http::route::{match_path, Access, Group, Response, Route, Weight};

/// Every route group, one per HTTP function.
pub const GROUPS: &[&Group] = &[
    &api::status::GROUP,
    &api::console::GROUP,
    &api::docs::GROUP,
    &api::auth::GROUP,
    &api::users::GROUP,
    &api::companies::GROUP,
    &api::audit::GROUP,
    &api::leavers::GROUP,
    &api::risk::GROUP,
    &api::people::GROUP,
    &api::tickets::GROUP,
    &api::projects::GROUP,
    &api::timekeeping::GROUP,
    #[cfg(feature = "s3")]
    &api::documents::GROUP,
];

/// A row of the table: a route and the function that serves it.
#[derive(Debug, Clone, Copy)]
pub struct Row {
    pub function: &'static str,
    pub route: &'static Route,
}

impl std::ops::Deref for Row {
    type Target = Route;
    fn deref(&self) -> &Route {
        self.route
    }
}

/// Every route of the API, grouped by the function that serves it.
pub fn all() -> impl Iterator<Item = Row> {
    GROUPS.iter().flat_map(|g| g.routes.iter().map(move |route| Row { function: g.function, route }))
}

/// The names of every HTTP function, in table order.
pub fn functions() -> Vec<&'static str> {
    GROUPS.iter().map(|g| g.function).collect()
}

/// The methods the local router (`make router`) sends to the `$default`
/// function on a path where no route has them…
pub const LOCAL_FALLBACK_METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE"];
/// …and its catch-all path for every other path (matchit syntax, as
/// cargo-lambda's router reads it).
pub const LOCAL_CATCH_ALL: &str = "/{*rest}";

/// The function that serves API Gateway's `$default` route (whatever matches
/// no route), if any.
pub fn fallback_function() -> Option<&'static str> {
    GROUPS.iter().find(|g| g.fallback.is_some()).map(|g| g.function)
}

/// The group a function serves.
pub fn group(function: &str) -> Option<&'static Group> {
    GROUPS.iter().copied().find(|g| g.function == function)
}

/// The row for a concrete method and path, whichever function serves it.
pub fn find(method: &str, path: &str) -> Option<Row> {
    all().find(|r| r.method.eq_ignore_ascii_case(method) && match_path(r.path, path).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_is_unique_and_served_by_one_function() {
        let rows: Vec<Row> = all().collect();
        for (i, a) in rows.iter().enumerate() {
            for b in &rows[i + 1..] {
                assert!(!(a.method == b.method && a.path == b.path), "duplicate route {} {}", a.method, a.path);
            }
        }
        assert_eq!(GROUPS.iter().filter(|g| g.fallback.is_some()).count(), 1, "one group serves $default");
        let mut names = functions();
        let n = names.len();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), n, "two groups name the same function");
    }
}
