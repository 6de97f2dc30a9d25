//! Domain rules: pure types and decisions, no AWS, no HTTP.

pub mod audit;
pub mod ratelimit;
pub mod roles;
pub mod validate;
