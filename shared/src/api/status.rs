//! `GET /status`: liveness and version, no auth.

use serde::Serialize;

use crate::error::ApiError;
use crate::http::{json, Ctx, Reply};

#[derive(Serialize, utoipa::ToSchema)]
pub struct Status {
    pub status: &'static str,
    pub version: &'static str,
    pub time: String,
}

pub async fn get(ctx: &Ctx) -> Result<Reply, ApiError> {
    Ok(json(200, &Status { status: "ok", version: env!("CARGO_PKG_VERSION"), time: ctx.timestamp() }))
}
