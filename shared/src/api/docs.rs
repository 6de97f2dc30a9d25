//! `GET /openapi.json` and `GET /docs`: the API's description and a plain
//! page of it (no scripts, no CDN).
//!
//! The description is `crate::openapi::document()`, generated from the route
//! table, written to `docs/openapi.json` (`make openapi`) and compiled in
//! here: the function serves it without building it at each cold start, and
//! a test fails when the file and the generated document differ.

use crate::error::ApiError;
use crate::http::{raw, Ctx, Reply};
use crate::routes::{Access, ROUTES};

/// `docs/openapi.json`, as `make openapi` writes it.
pub const OPENAPI_JSON: &str = include_str!("../../../docs/openapi.json");

pub async fn openapi(_ctx: &Ctx) -> Result<Reply, ApiError> {
    Ok(raw(200, "application/json", OPENAPI_JSON))
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

pub async fn page(_ctx: &Ctx) -> Result<Reply, ApiError> {
    let mut rows = String::new();
    for r in ROUTES {
        let who = match r.access {
            Access::Public => "anyone".to_string(),
            Access::SignedIn => "any signed-in user".to_string(),
            Access::Roles(roles) => roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", "),
        };
        rows.push_str(&format!(
            "<tr><td><code>{}</code></td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>\n",
            r.method,
            escape(r.path),
            escape(r.summary),
            escape(&who)
        ));
    }
    let html = format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tenure API</title>
<style>body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}}table{{border-collapse:collapse;width:100%}}td,th{{border-bottom:1px solid #ccc;padding:.4rem;text-align:left;vertical-align:top}}</style>
</head><body>
<h1>Tenure API v{version}</h1>
<p>The machine-readable description is at <a href="openapi.json">/openapi.json</a> (OpenAPI 3.1). Errors are <code>application/problem+json</code>; lists take <code>limit</code> and <code>cursor</code>.</p>
<table><thead><tr><th>Method</th><th>Path</th><th>What it does</th><th>Who may call it</th></tr></thead>
<tbody>
{rows}</tbody></table>
</body></html>"#,
        version = env!("CARGO_PKG_VERSION")
    );
    let mut r = raw(200, "text/html; charset=utf-8", html);
    r.headers_mut().insert(
        "content-security-policy",
        http::HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"),
    );
    Ok(r)
}
