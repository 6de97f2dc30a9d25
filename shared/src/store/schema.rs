//! The single table's physical shape: key attributes, the global
//! secondary indexes and the TTL attribute. `devstack init` creates the local
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
/// The third: every company's active leavers by leave date, in a few
/// shards (sparse: only active leavers carry its keys). The daily sweep
/// finds the companies with leavers in its window here, so a company with
/// none costs it nothing. Keys only: the sweep needs no more.
pub const GSI3: &str = "gsi3";
pub const GSI3_PK: &str = "gsi3pk";
pub const GSI3_SK: &str = "gsi3sk";
/// Every global secondary index: (name, partition key, sort key).
pub const INDEXES: &[(&str, &str, &str)] =
    &[(GSI1, GSI1_PK, GSI1_SK), (GSI2, GSI2_PK, GSI2_SK), (GSI3, GSI3_PK, GSI3_SK)];

/// What an index projects, as DynamoDB names it: `KEYS_ONLY` for gsi3,
/// every attribute (`ALL`) for the others.
pub fn projection_of(index: &str) -> &'static str {
    if index == GSI3 {
        "KEYS_ONLY"
    } else {
        "ALL"
    }
}
/// Epoch seconds after which DynamoDB may delete the item.
pub const TTL_ATTRIBUTE: &str = "expires_at";
/// Every item says what it is.
pub const ENTITY_TYPE: &str = "entity_type";
/// The table name used when `TENURE_TABLE` is not set (local stack only).
pub const DEFAULT_LOCAL_TABLE: &str = "tenure";
/// The bucket name used when `TENURE_BUCKET` is not set (local stack only).
pub const DEFAULT_LOCAL_BUCKET: &str = "tenure-documents-local";
