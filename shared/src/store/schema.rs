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
/// The second global secondary index: a company's leavers by leave date
/// (the sweep's window and `leaving_before`/`leaving_after`).
pub const GSI2: &str = "gsi2";
pub const GSI2_PK: &str = "gsi2pk";
pub const GSI2_SK: &str = "gsi2sk";
/// Every global secondary index: (name, partition key, sort key); all
/// project every attribute.
pub const INDEXES: &[(&str, &str, &str)] = &[(GSI1, GSI1_PK, GSI1_SK), (GSI2, GSI2_PK, GSI2_SK)];
/// Epoch seconds after which DynamoDB may delete the item.
pub const TTL_ATTRIBUTE: &str = "expires_at";
/// Every item says what it is.
pub const ENTITY_TYPE: &str = "entity_type";
/// The table name used when `TENURE_TABLE` is not set (local stack only).
pub const DEFAULT_LOCAL_TABLE: &str = "tenure";
/// The bucket name used when `TENURE_BUCKET` is not set (local stack only).
pub const DEFAULT_LOCAL_BUCKET: &str = "tenure-documents-local";
