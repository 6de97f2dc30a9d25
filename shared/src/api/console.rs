//! `GET /` and `GET /assets/{file}`: the web console, a single page whose
//! files (`console/` at the top of the repository) are compiled into the
//! function, so nothing is fetched from elsewhere at run time. Strict
//! security headers: no inline scripts, no framing, same-origin only.

use crate::error::ApiError;
use crate::http::{raw, Ctx, Reply};
use crate::http::{Group, Route};

/// The web console, served by the `console` function.
pub const GROUP: Group =
    Group { function: "console", routes: ROUTES, signs_tokens: false, on_start: None, fallback: None };

pub const ROUTES: &[Route] = &[
    Route { path: "/", summary: "The web console", handler: handler!(index), ..Route::DEFAULT },
    Route {
        path: "/assets/{file}",
        summary: "A file of the web console",
        own_rate_limit: true,
        handler: handler!(asset),
        ..Route::DEFAULT
    },
];

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
    ("staff.js", "text/javascript; charset=utf-8", include_str!("../../../console/staff.js")),
    ("imports.js", "text/javascript; charset=utf-8", include_str!("../../../console/imports.js")),
    ("audit.js", "text/javascript; charset=utf-8", include_str!("../../../console/audit.js")),
    ("tickets.js", "text/javascript; charset=utf-8", include_str!("../../../console/tickets.js")),
    ("projects.js", "text/javascript; charset=utf-8", include_str!("../../../console/projects.js")),
    ("time.js", "text/javascript; charset=utf-8", include_str!("../../../console/time.js")),
    ("overview.js", "text/javascript; charset=utf-8", include_str!("../../../console/overview.js")),
    ("app.css", "text/css; charset=utf-8", include_str!("../../../console/app.css")),
];

const INDEX: &str = include_str!("../../../console/index.html");

/// The console's content security policy: scripts and styles only from
/// this origin, no framing. API calls go to this origin; document uploads
/// go straight to the bucket through presigned URLs, so `connect-src` also
/// names the bucket's origin, and nothing else (see [`upload_origin`] and
/// "Web console" in README.md).
pub fn csp(upload_origin: Option<&str>) -> String {
    let connect = match upload_origin {
        Some(o) => format!("'self' {o}"),
        None => "'self'".to_string(),
    };
    format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src {connect}; \
         form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    )
}

/// Where browsers send presigned uploads: the S3 endpoint's origin when one
/// is configured (`AWS_ENDPOINT_URL_S3`: the local endpoint, path-style
/// URLs), else `TENURE_UPLOAD_ORIGIN`, which the templates set to the
/// bucket's regional origin on AWS (`https://{bucket}.s3.{region}.amazonaws.com`,
/// where the SDK presigns virtual-hosted URLs). Only scheme and host are
/// kept; None when neither is a plain http(s) origin: the policy then
/// allows no upload rather than a wildcard.
pub fn upload_origin(endpoint: Option<&str>, configured: Option<&str>) -> Option<String> {
    fn origin_of(url: &str) -> Option<String> {
        let (scheme, rest) = url.trim().split_once("://")?;
        let host = rest.split('/').next().unwrap_or_default();
        let plain = !host.is_empty() && host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'));
        (matches!(scheme, "http" | "https") && plain).then(|| format!("{scheme}://{host}"))
    }
    endpoint.and_then(origin_of).or_else(|| configured.and_then(origin_of))
}

/// The policy of this function, from its environment, made once.
fn csp_header() -> &'static http::HeaderValue {
    static CSP: std::sync::OnceLock<http::HeaderValue> = std::sync::OnceLock::new();
    CSP.get_or_init(|| {
        let var = |k: &str| std::env::var(k).ok();
        let origin = upload_origin(var("AWS_ENDPOINT_URL_S3").as_deref(), var("TENURE_UPLOAD_ORIGIN").as_deref());
        http::HeaderValue::from_str(&csp(origin.as_deref()))
            .unwrap_or_else(|_| http::HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"))
    })
}

fn with_headers(mut r: Reply, cache: &'static str) -> Reply {
    let h = r.headers_mut();
    h.insert("content-security-policy", csp_header().clone());
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uploads_may_go_to_the_configured_endpoint_or_the_buckets_own_origin_and_nowhere_else() {
        let aws = "https://tenure-documents-prod-123456789012.s3.eu-west-1.amazonaws.com";
        assert_eq!(upload_origin(Some("http://127.0.0.1:9000"), Some(aws)).as_deref(), Some("http://127.0.0.1:9000"));
        assert_eq!(upload_origin(None, Some(aws)).as_deref(), Some(aws));
        assert_eq!(upload_origin(Some(""), Some(aws)).as_deref(), Some(aws));
        assert_eq!(
            upload_origin(Some(" http://localhost:4566/some/path "), None).as_deref(),
            Some("http://localhost:4566"),
            "only scheme and host"
        );
        assert_eq!(
            upload_origin(Some("http://127.0.0.1:9000/'; script-src *"), None).as_deref(),
            Some("http://127.0.0.1:9000"),
            "nothing after the host reaches the policy"
        );
        for (endpoint, configured) in [
            (Some("ftp://127.0.0.1"), None),
            (Some("127.0.0.1:9000"), None),
            (Some("http://evil.example'; script-src */"), None),
            (None, Some("https://*.amazonaws.com")),
            (None, Some("https://b.s3.eu-west-1.amazonaws.com; script-src *")),
            (None, Some("")),
            (None, None),
        ] {
            assert_eq!(upload_origin(endpoint, configured), None, "{endpoint:?} {configured:?}");
        }
    }

    /// A page module missing from `ASSETS` is a 404 only when someone opens
    /// that page; this finds it at build time instead.
    #[test]
    fn every_file_of_the_console_and_every_module_it_imports_is_served() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../console");
        let served = |name: &str| ASSETS.iter().any(|(n, _, _)| *n == name);
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display())) {
            let name = entry.expect("a directory entry").file_name().to_string_lossy().into_owned();
            if name.ends_with(".js") || name.ends_with(".css") {
                assert!(served(&name), "console/{name} is not in ASSETS");
            }
        }
        for (name, _, body) in ASSETS {
            for quote in ['"', '\''] {
                for (at, _) in body.match_indices(&format!("{quote}./")) {
                    let rest = &body[at + 3..];
                    let module = &rest[..rest.find(quote).unwrap_or(rest.len())];
                    assert!(served(module), "{name} imports ./{module}, which is not in ASSETS");
                }
            }
        }
        for (name, media, _) in ASSETS {
            let want = if name.ends_with(".css") { "text/css" } else { "text/javascript" };
            assert!(media.starts_with(want), "{name} is served as {media}");
        }
    }

    #[test]
    fn the_policy_names_the_upload_origin_and_no_wildcard() {
        let p = csp(Some("https://b.s3.eu-west-1.amazonaws.com"));
        assert!(p.contains("connect-src 'self' https://b.s3.eu-west-1.amazonaws.com;"), "{p}");
        assert!(!p.contains('*'), "{p}");
        assert!(csp(None).contains("connect-src 'self';"));
        for directive in ["default-src 'none'", "script-src 'self'", "frame-ancestors 'none'", "base-uri 'none'"] {
            assert!(p.contains(directive), "{directive} missing from {p}");
        }
    }
}
