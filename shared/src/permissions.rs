//! What each function may do to the table and the bucket, declared once.
//! The store enforces it (an SDK interceptor refuses any other call, in
//! production as in the tests), and a test proves `template.yaml` and
//! `infra/` grant exactly these actions: code, SAM and Terraform agree.

/// One function's grants.
#[derive(Debug, Clone, Copy)]
pub struct Grants {
    pub function: &'static str,
    /// DynamoDB actions on the table itself (`dynamodb:` omitted).
    pub table: &'static [&'static str],
    /// DynamoDB actions per global secondary index.
    pub indexes: &'static [(&'static str, &'static [&'static str])],
    /// S3 actions per object key pattern of the documents bucket
    /// (`uploads/*`, `documents/*`, `imports/*`, `imported/*`; `s3:` omitted).
    pub bucket: &'static [(&'static str, &'static [&'static str])],
}

const NO_INDEX: &[(&str, &[&str])] = &[];
const NO_BUCKET: &[(&str, &[&str])] = &[];
const QUERY: &[&str] = &["Query"];

/// Every function's grants. Each HTTP function needs `UpdateItem` (rate
/// limits) and `BatchGetItem` (the session check); each one that writes
/// audit events needs `PutItem`, `UpdateItem` (the chain head) and
/// `GetItem` (re-reading the head when another write got in first).
#[rustfmt::skip]
pub const GRANTS: &[Grants] = &[
    Grants { function: "status", table: &["UpdateItem"], indexes: NO_INDEX, bucket: NO_BUCKET },
    Grants { function: "docs", table: &["UpdateItem"], indexes: NO_INDEX, bucket: NO_BUCKET },
    Grants { function: "console", table: &["UpdateItem"], indexes: NO_INDEX, bucket: NO_BUCKET },
    Grants { function: "auth", table: &["UpdateItem", "BatchGetItem", "GetItem", "PutItem"], indexes: NO_INDEX, bucket: NO_BUCKET },
    Grants { function: "users", table: &["UpdateItem", "BatchGetItem", "GetItem", "PutItem", "Query"], indexes: NO_INDEX, bucket: NO_BUCKET },
    Grants { function: "companies", table: &["UpdateItem", "BatchGetItem", "GetItem", "PutItem"], indexes: &[("gsi1", QUERY), ("gsi2", QUERY)], bucket: NO_BUCKET },
    Grants { function: "audit", table: &["UpdateItem", "BatchGetItem", "GetItem", "PutItem", "Query"], indexes: NO_INDEX, bucket: NO_BUCKET },
    Grants { function: "leavers", table: &["UpdateItem", "BatchGetItem", "GetItem", "PutItem", "Query", "ConditionCheckItem"], indexes: &[("gsi1", QUERY), ("gsi2", QUERY)], bucket: NO_BUCKET },
    Grants { function: "risk", table: &["UpdateItem", "BatchGetItem", "GetItem", "PutItem", "DeleteItem", "Query"], indexes: &[("gsi2", QUERY)], bucket: NO_BUCKET },
    Grants { function: "documents", table: &["UpdateItem", "BatchGetItem", "GetItem", "PutItem", "Query"], indexes: &[("gsi1", QUERY)], bucket: &[("uploads/*", &["PutObject", "DeleteObject"]), ("documents/*", &["GetObject", "DeleteObject"])] },
    Grants { function: "people", table: &["UpdateItem", "BatchGetItem", "GetItem", "PutItem", "DeleteItem", "Query"], indexes: &[("gsi1", QUERY), ("gsi2", QUERY)], bucket: &[("imports/*", &["PutObject"])] },
    Grants { function: "tickets", table: &["UpdateItem", "BatchGetItem", "GetItem", "PutItem", "DeleteItem", "Query"], indexes: &[("gsi1", QUERY), ("gsi2", QUERY)], bucket: NO_BUCKET },
    Grants { function: "projects", table: &["UpdateItem", "BatchGetItem", "GetItem", "PutItem", "Query", "ConditionCheckItem"], indexes: &[("gsi1", QUERY), ("gsi2", QUERY)], bucket: NO_BUCKET },
    Grants { function: "timekeeping", table: &["UpdateItem", "BatchGetItem", "GetItem", "PutItem", "DeleteItem", "Query", "ConditionCheckItem"], indexes: &[("gsi1", QUERY), ("gsi2", QUERY)], bucket: NO_BUCKET },
    Grants { function: "risk-sweep", table: &["GetItem", "BatchGetItem", "PutItem", "UpdateItem", "Query", "ConditionCheckItem"], indexes: &[("gsi1", QUERY), ("gsi2", QUERY), ("gsi3", QUERY)], bucket: NO_BUCKET },
    Grants { function: "sla-check", table: &["GetItem", "BatchGetItem", "PutItem", "UpdateItem", "DeleteItem"], indexes: &[("gsi3", QUERY)], bucket: NO_BUCKET },
    Grants { function: "import-uploaded", table: &["GetItem", "BatchGetItem", "PutItem", "UpdateItem"], indexes: NO_INDEX, bucket: &[("imports/*", &["GetObject", "PutObject", "DeleteObject"]), ("imported/*", &["GetObject", "PutObject"])] },
    Grants { function: "document-uploaded", table: &["GetItem", "BatchGetItem", "PutItem", "UpdateItem"], indexes: NO_INDEX, bucket: &[("uploads/*", &["GetObject", "DeleteObject"]), ("documents/*", &["PutObject", "DeleteObject"])] },
];

/// The grants of `function`; none for an unknown name.
pub fn of(function: &str) -> Grants {
    GRANTS.iter().find(|g| g.function == function).copied().unwrap_or(Grants {
        function: "unknown",
        table: &[],
        indexes: NO_INDEX,
        bucket: NO_BUCKET,
    })
}

impl Grants {
    pub fn allows_table(&self, action: &str) -> bool {
        self.table.contains(&action)
    }

    pub fn allows_index(&self, index: &str, action: &str) -> bool {
        self.indexes.iter().any(|(i, actions)| *i == index && actions.contains(&action))
    }

    pub fn allows_bucket(&self, pattern: &str, action: &str) -> bool {
        self.bucket.iter().any(|(p, actions)| *p == pattern && actions.contains(&action))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_function_of_the_route_table_has_grants() {
        for f in crate::routes::functions() {
            assert_ne!(of(f).function, "unknown", "{f} has no grants");
        }
    }

    #[test]
    fn grants_name_only_real_indexes_and_no_wildcards() {
        let indexes: Vec<&str> = crate::store::schema::INDEXES.iter().map(|(n, _, _)| *n).collect();
        for g in GRANTS {
            for (i, actions) in g.indexes {
                assert!(indexes.contains(i), "{}: unknown index {i}", g.function);
                assert!(!actions.is_empty());
            }
            for (pattern, _) in g.bucket {
                assert!(
                    ["uploads/*", "documents/*", "imports/*", "imported/*"].contains(pattern),
                    "{}: {pattern}",
                    g.function
                );
            }
            for a in g.table.iter().chain(g.bucket.iter().flat_map(|(_, a)| a.iter())) {
                assert!(!a.contains('*') && !a.contains(':'), "{}: {a}", g.function);
            }
        }
    }
}
