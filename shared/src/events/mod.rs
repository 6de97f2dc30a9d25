//! Adapters for event functions: each turns a Lambda event into a domain
//! run and its report.

pub mod sweep;
