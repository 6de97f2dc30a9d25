//! The HTTP side: the request pipeline every HTTP function runs, what a
//! route is (`route`), problem+json responses, body parsing, cursors and
//! rate limits. It knows no route group: a function hands it its `Group`
//! (`serve(&api::leavers::GROUP)`), and the route declarations carry their
//! handlers, prefetches and flags down to the pipeline.

pub mod body;
pub mod cursor;
pub mod pipeline;
pub mod ratelimit;
pub mod route;

use std::sync::Arc;

use lambda_http::Body;
use serde::Serialize;

use crate::service::App;

pub use pipeline::{handle, Ctx, Principal};
pub use route::{schema_of, Access, Group, Response, Route, Weight};

/// A response.
pub type Reply = http::Response<Body>;

/// A JSON response.
pub fn json<T: Serialize>(status: u16, value: &T) -> Reply {
    let body = serde_json::to_string(value).unwrap_or_else(|_| "{}".into());
    raw(status, "application/json", body)
}

pub fn raw(status: u16, content_type: &str, body: impl Into<Body>) -> Reply {
    let mut r = http::Response::new(body.into());
    *r.status_mut() = http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    if let Ok(v) = http::HeaderValue::from_str(content_type) {
        r.headers_mut().insert(http::header::CONTENT_TYPE, v);
    }
    r
}

pub fn no_content() -> Reply {
    let mut r = http::Response::new(Body::Empty);
    *r.status_mut() = http::StatusCode::NO_CONTENT;
    r
}

/// A page of a list, as every list route returns it.
#[derive(Debug, Serialize)]
pub struct ListPage<T: Serialize> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// The whole of an HTTP function's `main`: logging, cold-start setup (and
/// the group's start hook), then serve the group's routes.
pub async fn serve(group: &'static Group) -> Result<(), lambda_http::Error> {
    crate::telemetry::init();
    let app = Arc::new(App::from_env(group.function, group.signs_tokens, group.pages()).await.map_err(|e| {
        tracing::error!(error = %e, "cold start failed");
        e
    })?);
    if let Some(start) = group.on_start {
        start(&app).await;
    }
    lambda_http::run(lambda_http::service_fn(move |req| {
        let app = app.clone();
        async move { Ok::<_, std::convert::Infallible>(handle(app, group, req).await) }
    }))
    .await
}
