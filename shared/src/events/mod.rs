//! Adapters for event functions: each turns a Lambda event into a domain
//! run and its report.

pub mod counters_backfill;
#[cfg(feature = "s3")]
pub mod document_uploaded;
#[cfg(feature = "s3")]
pub mod import_uploaded;
pub mod sla_check;
pub mod sweep;
