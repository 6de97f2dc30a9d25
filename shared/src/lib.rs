//! Tenure's core crate: everything the Lambda functions share.
//!
//! Layers, outermost first: `http` (the request pipeline, problem+json) and
//! `api` (one module per route group) → `domain` (rules, no AWS) →
//! `store` (DynamoDB). `routes` is the route table every other artefact
//! (local router, templates, OpenAPI) is checked against.

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
pub mod store;
pub mod telemetry;
