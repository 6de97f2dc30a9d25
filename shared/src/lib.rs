//! Tenure's core crate: everything the Lambda functions share.
//!
//! Layers, outermost first; each imports only the ones below it:
//! - `routes` — the full route table, assembled from the groups (for the
//!   local router, the templates' checks and the OpenAPI document;
//!   `openapi` builds that document from it). No function links it.
//! - `api` — one module per route group (= per HTTP function): its routes,
//!   declared beside their handlers, and its `GROUP`.
//! - `http` (the request pipeline, what a route is, problem+json, cursors,
//!   rate limits) and `events` (the event functions: the S3 upload trigger,
//!   the scheduled sweep): the two adapters; neither imports the other.
//! - `service` — the work both adapters share: the `App` a function builds
//!   at cold start, committing a change with its audit events, scoring and
//!   recording a leaver's risk, sweeping a company.
//! - `domain` — rules, pure types and decisions; no AWS, no HTTP.
//! - `store` — DynamoDB (and S3) items and keys.
//!
//! Beside them: `auth` (tokens, passwords), `config`, `error`, `ids`,
//! `permissions` (each function's IAM grants), `telemetry`.

/// Boxes an `async fn(&mut Ctx) -> Result<Reply, ApiError>` (or one taking
/// `&Ctx`) as a route's `Handler`: `handler: handler!(create)`.
#[macro_export]
macro_rules! handler {
    ($f:path) => {
        |ctx| ::std::boxed::Box::pin($f(ctx))
    };
}

pub mod api;
pub mod auth;
pub mod config;
pub mod domain;
pub mod error;
pub mod events;
pub mod http;
pub mod ids;
pub mod openapi;
pub mod permissions;
pub mod routes;
pub mod service;
pub mod store;
pub mod telemetry;
