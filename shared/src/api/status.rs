//! `GET /status`: liveness and version, no auth.

use serde::Serialize;

use crate::error::ApiError;
use crate::http::{json, Ctx, Reply};
use crate::http::{schema_of, Group, Response, Route};

/// `GET /status`, served by the `status` function.
pub const GROUP: Group =
    Group { function: "status", routes: ROUTES, signs_tokens: false, on_start: None, fallback: None };

pub const ROUTES: &[Route] = &[Route {
    method: "GET",
    path: "/status",
    summary: "Liveness and version",
    response: Response::Json(200, schema_of::<Status>),
    handler: handler!(get),
    ..Route::DEFAULT
}];

#[derive(Serialize, utoipa::ToSchema)]
pub struct Status {
    pub status: &'static str,
    pub version: &'static str,
    pub time: String,
}

pub async fn get(ctx: &Ctx) -> Result<Reply, ApiError> {
    Ok(json(200, &Status { status: "ok", version: env!("CARGO_PKG_VERSION"), time: ctx.timestamp() }))
}
