//! `GET /openapi.json` and `GET /docs`: the API's description and a plain
//! page of it (no scripts, no CDN).
//!
//! The description is `crate::openapi::document()`, generated from the route
//! table, written to `docs/openapi.json` (`make openapi`) and compiled in
//! here: the function serves it without building it at each cold start, and
//! a test fails when the file and the generated document differ.

use crate::error::ApiError;
use crate::http::{raw, Ctx, Reply};
use crate::http::{Group, Route};

/// The API's description, served by the `docs` function.
/// It also serves API Gateway's `$default` route: whatever matches no route
/// of the API gets a problem+json 404, or 405 where the path exists with
/// other methods (known from the compiled-in document, so this function
/// still links no other group).
pub const GROUP: Group =
    Group { function: "docs", routes: ROUTES, signs_tokens: false, on_start: None, fallback: Some(unmatched) };

/// The paths of the API (templates) and their methods, from the document.
fn paths() -> &'static [(String, Vec<String>)] {
    static PATHS: std::sync::OnceLock<Vec<(String, Vec<String>)>> = std::sync::OnceLock::new();
    PATHS.get_or_init(|| {
        let doc: serde_json::Value = serde_json::from_str(OPENAPI_JSON).unwrap_or_default();
        doc["paths"]
            .as_object()
            .map(|paths| {
                paths
                    .iter()
                    .map(|(path, ops)| {
                        let methods =
                            ops.as_object().map(|o| o.keys().map(|m| m.to_uppercase()).collect()).unwrap_or_default();
                        (path.clone(), methods)
                    })
                    .collect()
            })
            .unwrap_or_default()
    })
}

/// The `$default` route's answer: 405 for a path of the API with another
/// method, 404 for anything else.
fn unmatched(method: &str, path: &str) -> ApiError {
    let known = paths().iter().any(|(template, methods)| {
        crate::http::route::matches(template, path) && !methods.iter().any(|m| m.eq_ignore_ascii_case(method))
    });
    if known {
        ApiError::MethodNotAllowed
    } else {
        ApiError::NotFound
    }
}

pub const ROUTES: &[Route] = &[
    Route {
        path: "/openapi.json",
        summary: "OpenAPI 3.1 description of every route",
        handler: handler!(openapi),
        ..Route::DEFAULT
    },
    Route { path: "/docs", summary: "Browsable API documentation", handler: handler!(page), ..Route::DEFAULT },
];

/// `docs/openapi.json`, as `make openapi` writes it.
pub const OPENAPI_JSON: &str = include_str!("../../../docs/openapi.json");

pub async fn openapi(_ctx: &Ctx) -> Result<Reply, ApiError> {
    Ok(raw(200, "application/json", OPENAPI_JSON))
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The "who may call it" sentence of an operation, as `openapi` writes it
/// into each operation's description.
pub const WHO_PREFIX: &str = "Who may call it: ";

/// The page's rows, from the compiled-in document (so this function links
/// no other group's routes): method, path, summary, who may call it.
fn rows() -> String {
    let doc: serde_json::Value = serde_json::from_str(OPENAPI_JSON).unwrap_or_default();
    let mut rows = String::new();
    let Some(paths) = doc["paths"].as_object() else { return rows };
    for (path, ops) in paths {
        let Some(ops) = ops.as_object() else { continue };
        for (method, op) in ops {
            let who = op["description"].as_str().and_then(|d| d.strip_prefix(WHO_PREFIX)).unwrap_or("");
            rows.push_str(&format!(
                "<tr><td><code>{}</code></td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>\n",
                method.to_uppercase(),
                escape(path),
                escape(op["summary"].as_str().unwrap_or("")),
                escape(who.trim_end_matches('.'))
            ));
        }
    }
    rows
}

pub async fn page(_ctx: &Ctx) -> Result<Reply, ApiError> {
    let rows = rows();
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
