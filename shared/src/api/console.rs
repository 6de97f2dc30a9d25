//! `GET /` and `GET /assets/{file}`: the web console, a single page whose
//! files (`console/` at the top of the repository) are compiled into the
//! function, so nothing is fetched from elsewhere at run time. Strict
//! security headers: no inline scripts, no framing, same-origin only.

use crate::error::ApiError;
use crate::http::{raw, Ctx, Reply};

/// Every file of the console: (name, media type, content).
pub const ASSETS: &[(&str, &str, &str)] = &[
    ("app.js", "text/javascript; charset=utf-8", include_str!("../../../console/app.js")),
    ("api.js", "text/javascript; charset=utf-8", include_str!("../../../console/api.js")),
    ("dom.js", "text/javascript; charset=utf-8", include_str!("../../../console/dom.js")),
    ("charts.js", "text/javascript; charset=utf-8", include_str!("../../../console/charts.js")),
    ("leavers.js", "text/javascript; charset=utf-8", include_str!("../../../console/leavers.js")),
    ("alerts.js", "text/javascript; charset=utf-8", include_str!("../../../console/alerts.js")),
    ("documents.js", "text/javascript; charset=utf-8", include_str!("../../../console/documents.js")),
    ("people.js", "text/javascript; charset=utf-8", include_str!("../../../console/people.js")),
    ("audit.js", "text/javascript; charset=utf-8", include_str!("../../../console/audit.js")),
    ("app.css", "text/css; charset=utf-8", include_str!("../../../console/app.css")),
];

const INDEX: &str = include_str!("../../../console/index.html");

/// The console's content security policy: scripts and styles only from
/// this origin, no framing. API calls go to this origin; document uploads
/// go straight to the bucket through presigned URLs, so `connect-src` also
/// lists S3 on AWS (`https://*.amazonaws.com`) and, for local development,
/// the local S3 endpoint (`http://127.0.0.1:*`, whose port is chosen at
/// run time). See "Web console" in README.md.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' https://*.amazonaws.com http://127.0.0.1:*; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

fn with_headers(mut r: Reply, cache: &'static str) -> Reply {
    let h = r.headers_mut();
    h.insert("content-security-policy", http::HeaderValue::from_static(CSP));
    h.insert("x-frame-options", http::HeaderValue::from_static("DENY"));
    h.insert("referrer-policy", http::HeaderValue::from_static("no-referrer"));
    h.insert("cross-origin-opener-policy", http::HeaderValue::from_static("same-origin"));
    h.insert(http::header::CACHE_CONTROL, http::HeaderValue::from_static(cache));
    r
}

/// `GET /`.
pub async fn index(_ctx: &mut Ctx) -> Result<Reply, ApiError> {
    Ok(with_headers(raw(200, "text/html; charset=utf-8", INDEX), "no-cache"))
}

/// `GET /assets/{file}`.
pub async fn asset(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let name = ctx.param("file");
    let (_, media, body) = ASSETS.iter().find(|(n, _, _)| *n == name).ok_or(ApiError::NotFound)?;
    Ok(with_headers(raw(200, media, *body), "no-cache"))
}
