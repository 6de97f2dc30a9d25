//! Domain rules: pure types and decisions, no AWS, no HTTP.

pub mod audit;
pub mod documents;
pub mod leavers;
pub mod ratelimit;
pub mod risk;
pub mod roles;
pub mod validate;
