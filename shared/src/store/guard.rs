//! An SDK interceptor that refuses any DynamoDB call its function did not
//! declare in `permissions::GRANTS`, the same set the IAM policies grant.
//! A missing declaration fails loudly in the tests instead of as an
//! AccessDenied in production.

use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::operation::query::QueryInput;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsInput;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef;
use aws_smithy_runtime_api::client::orchestrator::Metadata;

use crate::permissions::Grants;

#[derive(Debug, Clone)]
pub struct Guard {
    grants: Grants,
}

impl Guard {
    pub fn new(function: &str) -> Self {
        Self { grants: crate::permissions::of(function) }
    }
}

/// The IAM actions a DynamoDB call needs: (index, action) pairs, index
/// `None` for the table. A transaction needs the action of each item.
pub fn actions_of(
    operation: &str,
    input: &aws_smithy_runtime_api::client::interceptors::context::Input,
) -> Vec<(Option<String>, String)> {
    if let Some(tx) = input.downcast_ref::<TransactWriteItemsInput>() {
        return tx
            .transact_items()
            .iter()
            .map(|i| {
                let a = if i.put().is_some() {
                    "PutItem"
                } else if i.update().is_some() {
                    "UpdateItem"
                } else if i.delete().is_some() {
                    "DeleteItem"
                } else {
                    "ConditionCheckItem"
                };
                (None, a.to_string())
            })
            .collect();
    }
    if let Some(q) = input.downcast_ref::<QueryInput>() {
        return vec![(q.index_name().map(str::to_string), "Query".into())];
    }
    vec![(None, operation.to_string())]
}

impl Intercept for Guard {
    fn name(&self) -> &'static str {
        "PermissionGuard"
    }

    fn read_before_serialization(
        &self,
        context: &BeforeSerializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let operation = cfg.load::<Metadata>().map(|m| m.name().to_string()).unwrap_or_default();
        for (index, action) in actions_of(&operation, context.input()) {
            let allowed = match &index {
                None => self.grants.allows_table(&action),
                Some(i) => self.grants.allows_index(i, &action),
            };
            if !allowed {
                let on = index.map(|i| format!("index {i}")).unwrap_or_else(|| "the table".into());
                return Err(format!(
                    "{} may not call dynamodb:{action} on {on} (see permissions::GRANTS)",
                    self.grants.function
                )
                .into());
            }
        }
        Ok(())
    }
}
