//! The single table's physical shape: key attributes, the one global
//! secondary index and the TTL attribute. `devstack init` creates the local
//! table from these constants, and a test checks `template.yaml` and
//! `infra/` declare the same.

/// Partition key attribute.
pub const PK: &str = "pk";
/// Sort key attribute.
pub const SK: &str = "sk";
/// The global secondary index for "list by a second key" patterns.
pub const GSI1: &str = "gsi1";
pub const GSI1_PK: &str = "gsi1pk";
pub const GSI1_SK: &str = "gsi1sk";
/// Epoch seconds after which DynamoDB may delete the item.
pub const TTL_ATTRIBUTE: &str = "expires_at";
/// Every item says what it is.
pub const ENTITY_TYPE: &str = "entity_type";
/// The table name used when `TENURE_TABLE` is not set (local stack only).
pub const DEFAULT_LOCAL_TABLE: &str = "tenure";
/// The bucket name used when `TENURE_BUCKET` is not set (local stack only).
pub const DEFAULT_LOCAL_BUCKET: &str = "tenure-documents-local";
