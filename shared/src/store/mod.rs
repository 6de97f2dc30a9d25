//! The single-table DynamoDB store. One implementation, tested against
//! DynamoDB Local, is what runs in production. Items go through
//! `serde_dynamo`; keys come from `keys`; nothing here scans.

pub mod counter;
pub mod departments;
#[cfg(feature = "s3")]
pub mod documents;
pub mod guard;
pub mod imports;
pub mod items;
pub mod keys;
pub mod leavers;
pub mod people;
pub mod projects;
#[cfg(feature = "s3")]
pub mod s3;
pub mod schema;
pub mod stats;
pub mod tickets;
pub mod time;

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, KeysAndAttributes, Put, ReturnValue, TransactWriteItem, Update,
};
use aws_sdk_dynamodb::Client;
use serde::de::DeserializeOwned;
use serde::Serialize;

pub use keys::{Key, Tenant};

/// A raw item.
pub type Item = HashMap<String, AttributeValue>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A transaction was cancelled; `failed` lists the indexes of the items
    /// whose condition failed.
    #[error("transaction cancelled; failed conditions at {failed:?}")]
    Cancelled {
        failed: Vec<usize>,
        /// For items staged with `update_or_return`, the item as it was when
        /// its condition failed, by index.
        old: Vec<(usize, Item)>,
    },
    /// A single conditional write's condition failed.
    #[error("condition failed")]
    ConditionFailed,
    /// A pagination start key DynamoDB refused (a forged cursor).
    #[error("bad start key")]
    BadCursor,
    /// Another request with the same `Idempotency-Key` got there first.
    #[error("idempotency key in use")]
    IdempotencyConflict,
    #[error("dynamodb: {0}")]
    Dynamo(String),
    #[error("item mapping: {0}")]
    Mapping(String),
}

impl From<StoreError> for crate::error::ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            // A start key DynamoDB refused: the client's cursor, not our fault.
            StoreError::BadCursor => crate::error::ApiError::bad_field("cursor", "is not a cursor this list issued"),
            StoreError::IdempotencyConflict => crate::error::ApiError::Conflict(
                "A request with this Idempotency-Key was completed at the same time; retry to get its result.".into(),
            ),
            e => crate::error::ApiError::internal(e),
        }
    }
}

fn dynamo_err<E: std::fmt::Debug>(e: E) -> StoreError {
    StoreError::Dynamo(format!("{e:?}"))
}

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

pub fn key_item(k: &Key) -> Item {
    HashMap::from([(schema::PK.to_string(), s(&k.pk)), (schema::SK.to_string(), s(&k.sk))])
}

fn key_of(item: &Item) -> Option<Key> {
    match (item.get(schema::PK), item.get(schema::SK)) {
        (Some(AttributeValue::S(pk)), Some(AttributeValue::S(sk))) => Some(Key { pk: pk.clone(), sk: sk.clone() }),
        _ => None,
    }
}

/// Decodes an item into a type (key and bookkeeping attributes are ignored).
pub fn decode<T: DeserializeOwned>(item: Item) -> Result<T, StoreError> {
    serde_dynamo::from_item(item).map_err(|e| StoreError::Mapping(e.to_string()))
}

/// Reads a number attribute.
pub fn number(item: &Item, name: &str) -> Option<i64> {
    match item.get(name) {
        Some(AttributeValue::N(v)) => v.parse().ok(),
        _ => None,
    }
}

/// A condition on a write.
#[derive(Debug, Clone)]
pub enum Cond {
    None,
    /// The item must not exist yet.
    New,
    /// The item must exist.
    Exists,
    /// Any expression; `#`/`:` placeholders go in the write's names/values.
    Expr(String),
}

impl Cond {
    fn expression(&self) -> Option<String> {
        match self {
            Cond::None => None,
            Cond::New => Some(format!("attribute_not_exists({})", schema::PK)),
            Cond::Exists => Some(format!("attribute_exists({})", schema::PK)),
            Cond::Expr(e) => Some(e.clone()),
        }
    }
}

/// Placeholder names and values of an update or condition.
#[derive(Debug, Clone, Default)]
pub struct Exprs {
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
}

impl Exprs {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn name(mut self, placeholder: &str, attr: &str) -> Self {
        self.names.insert(placeholder.into(), attr.into());
        self
    }
    pub fn str(mut self, placeholder: &str, v: impl Into<String>) -> Self {
        self.values.insert(placeholder.into(), s(v));
        self
    }
    pub fn num(mut self, placeholder: &str, v: impl ToString) -> Self {
        self.values.insert(placeholder.into(), n(v));
        self
    }
    pub fn bool(mut self, placeholder: &str, v: bool) -> Self {
        self.values.insert(placeholder.into(), AttributeValue::Bool(v));
        self
    }
    pub fn value(mut self, placeholder: &str, v: AttributeValue) -> Self {
        self.values.insert(placeholder.into(), v);
        self
    }
    pub fn list(mut self, placeholder: &str, v: &[String]) -> Self {
        self.values.insert(placeholder.into(), AttributeValue::L(v.iter().map(|x| s(x.clone())).collect()));
        self
    }
    fn names(&self) -> Option<HashMap<String, String>> {
        (!self.names.is_empty()).then(|| self.names.clone())
    }
    fn values(&self) -> Option<HashMap<String, AttributeValue>> {
        (!self.values.is_empty()).then(|| self.values.clone())
    }
}

/// Serialises `value` and adds its key and entity type.
pub fn to_item<T: Serialize>(key: &Key, entity_type: &str, value: &T) -> Result<Item, StoreError> {
    let mut item: Item = serde_dynamo::to_item(value).map_err(|e| StoreError::Mapping(e.to_string()))?;
    item.extend(key_item(key));
    item.insert(schema::ENTITY_TYPE.into(), s(entity_type));
    Ok(item)
}

/// One all-or-nothing write of up to 100 items.
#[derive(Debug, Default, Clone)]
pub struct Tx {
    items: Vec<TransactWriteItem>,
    error: Option<String>,
    /// Counters to move, per item (`add`): written as one `ADD` update per
    /// item after everything else, so several writes in one transaction may
    /// move the same counter item (DynamoDB allows one operation per item).
    counts: Vec<(String, Key, std::collections::BTreeMap<String, i64>)>,
}

impl Tx {
    pub fn new() -> Self {
        Self::default()
    }

    /// Writes staged so far: the index the next one will have. Counter
    /// items (`add`) are not among them: they are sent after every other
    /// write, so no index a caller holds ever points at one.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty() && self.counts.iter().all(|(_, _, c)| c.values().all(|d| *d == 0))
    }

    /// Moves the number `name` of the counter item `key` by `delta`, in this
    /// transaction (`store::stats`). Deltas to one item are summed.
    pub fn add(&mut self, table: &str, key: &Key, name: &str, delta: i64) {
        if delta == 0 {
            return;
        }
        let at = match self.counts.iter().position(|(tb, k, _)| tb == table && k == key) {
            Some(i) => i,
            None => {
                self.counts.push((table.to_string(), key.clone(), Default::default()));
                self.counts.len() - 1
            }
        };
        *self.counts[at].2.entry(name.to_string()).or_insert(0) += delta;
    }

    /// The items to send: the writes, then one `ADD` per counter item.
    fn finish(mut self) -> Result<Vec<TransactWriteItem>, StoreError> {
        if let Some(e) = self.error {
            return Err(StoreError::Mapping(e));
        }
        for (table, key, counts) in std::mem::take(&mut self.counts) {
            let moved: Vec<(String, i64)> = counts.into_iter().filter(|(_, d)| *d != 0).collect();
            if moved.is_empty() {
                continue;
            }
            let mut exprs = Exprs::new();
            let mut adds = Vec::new();
            for (i, (name, delta)) in moved.iter().enumerate() {
                exprs = exprs.name(&format!("#c{i}"), name).num(&format!(":c{i}"), delta);
                adds.push(format!("#c{i} :c{i}"));
            }
            self.update(&table, &key, &format!("ADD {}", adds.join(", ")), Cond::None, exprs);
        }
        match self.error {
            Some(e) => Err(StoreError::Mapping(e)),
            None => Ok(self.items),
        }
    }

    fn push(&mut self, r: Result<TransactWriteItem, StoreError>) -> usize {
        match r {
            Ok(i) => self.items.push(i),
            Err(e) => {
                self.error.get_or_insert(e.to_string());
            }
        }
        self.items.len().saturating_sub(1)
    }

    /// Puts a whole item; returns its index in the transaction.
    pub fn put_item(&mut self, table: &str, item: Item, cond: Cond, exprs: Exprs) -> usize {
        let put = Put::builder()
            .table_name(table)
            .set_item(Some(item))
            .set_condition_expression(cond.expression())
            .set_expression_attribute_names(exprs.names())
            .set_expression_attribute_values(exprs.values())
            .build()
            .map_err(dynamo_err)
            .map(|p| TransactWriteItem::builder().put(p).build());
        self.push(put)
    }

    pub fn put<T: Serialize>(&mut self, table: &str, key: &Key, entity_type: &str, value: &T, cond: Cond) -> usize {
        match to_item(key, entity_type, value) {
            Ok(item) => self.put_item(table, item, cond, Exprs::new()),
            Err(e) => self.push(Err(e)),
        }
    }

    pub fn update(&mut self, table: &str, key: &Key, update: &str, cond: Cond, exprs: Exprs) -> usize {
        self.stage_update(table, key, update, cond, exprs, None)
    }

    /// Like `update`, and should its condition fail, the transaction's
    /// cancellation carries the item as it was (`StoreError::Cancelled`'s
    /// `old`): the caller can retry without reading it again.
    pub fn update_or_return(&mut self, table: &str, key: &Key, update: &str, cond: Cond, exprs: Exprs) -> usize {
        let all_old = aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure::AllOld;
        self.stage_update(table, key, update, cond, exprs, Some(all_old))
    }

    fn stage_update(
        &mut self,
        table: &str,
        key: &Key,
        update: &str,
        cond: Cond,
        exprs: Exprs,
        on_failure: Option<aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure>,
    ) -> usize {
        let u = Update::builder()
            .table_name(table)
            .set_key(Some(key_item(key)))
            .update_expression(update)
            .set_condition_expression(cond.expression())
            .set_expression_attribute_names(exprs.names())
            .set_expression_attribute_values(exprs.values())
            .set_return_values_on_condition_check_failure(on_failure)
            .build()
            .map_err(dynamo_err)
            .map(|u| TransactWriteItem::builder().update(u).build());
        self.push(u)
    }

    pub fn delete(&mut self, table: &str, key: &Key) -> usize {
        self.delete_if(table, key, Cond::None, Exprs::new())
    }

    /// Deletes `key` if `cond` holds.
    pub fn delete_if(&mut self, table: &str, key: &Key, cond: Cond, exprs: Exprs) -> usize {
        let d = aws_sdk_dynamodb::types::Delete::builder()
            .table_name(table)
            .set_key(Some(key_item(key)))
            .set_condition_expression(cond.expression())
            .set_expression_attribute_names(exprs.names())
            .set_expression_attribute_values(exprs.values())
            .build()
            .map_err(dynamo_err)
            .map(|d| TransactWriteItem::builder().delete(d).build());
        self.push(d)
    }

    pub fn check(&mut self, table: &str, key: &Key, cond: Cond, exprs: Exprs) -> usize {
        self.stage_check(table, key, cond, exprs, None)
    }

    /// Like `check`, and should the condition fail, the cancellation
    /// carries the item as it was (`StoreError::Cancelled`'s `old`).
    pub fn check_or_return(&mut self, table: &str, key: &Key, cond: Cond, exprs: Exprs) -> usize {
        let all_old = aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure::AllOld;
        self.stage_check(table, key, cond, exprs, Some(all_old))
    }

    fn stage_check(
        &mut self,
        table: &str,
        key: &Key,
        cond: Cond,
        exprs: Exprs,
        on_failure: Option<aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure>,
    ) -> usize {
        let c = ConditionCheck::builder()
            .set_return_values_on_condition_check_failure(on_failure)
            .table_name(table)
            .set_key(Some(key_item(key)))
            .set_condition_expression(cond.expression())
            .set_expression_attribute_names(exprs.names())
            .set_expression_attribute_values(exprs.values())
            .build()
            .map_err(dynamo_err)
            .map(|c| TransactWriteItem::builder().condition_check(c).build());
        self.push(c)
    }
}

/// The table and its client, built once per cold start.
#[derive(Debug, Clone)]
pub struct Store {
    client: Client,
    table: String,
}

/// The sort-key condition of a query.
#[derive(Debug, Clone)]
pub enum SkCond<'a> {
    Prefix(&'a str),
    /// Inclusive range.
    Between(&'a str, &'a str),
}

/// A page of a query, and where the next one starts.
#[derive(Debug)]
pub struct Page {
    pub items: Vec<Item>,
    pub last_key: Option<HashMap<String, String>>,
}

/// A start key as `Page::last_key` gives it (every key attribute is a
/// string), in the form `Store::query` takes it back.
pub fn start_item(key: HashMap<String, String>) -> Item {
    key.into_iter().map(|(name, v)| (name, AttributeValue::S(v))).collect()
}

/// The DynamoDB client of `function`: it refuses calls the function did not
/// declare (`permissions::GRANTS`); `counter`, when given, records every call.
pub fn client_for(sdk: &aws_config::SdkConfig, function: &str, counter: Option<&counter::CallCounter>) -> Client {
    let mut conf = aws_sdk_dynamodb::config::Builder::from(sdk).interceptor(guard::Guard::new(function));
    if let Some(c) = counter {
        conf = conf.interceptor(c.clone());
    }
    Client::from_conf(conf.build())
}

impl Store {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self { client, table: table.into() }
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// A strongly consistent read of one item.
    #[tracing::instrument(skip(self), fields(pk = %key.pk, sk = %key.sk))]
    pub async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key_item(key)))
            .consistent_read(true)
            .send()
            .await
            .map_err(dynamo_err)?;
        Ok(out.item)
    }

    /// Reads up to 100 items in one round trip, strongly consistent. Keys
    /// DynamoDB leaves unprocessed (throttling) are asked for again.
    #[tracing::instrument(skip_all, fields(keys = keys.len()))]
    pub async fn batch_get(&self, keys: &[Key]) -> Result<HashMap<Key, Item>, StoreError> {
        let mut found = HashMap::new();
        let mut wanted: Vec<Item> = {
            let mut seen = std::collections::HashSet::new();
            keys.iter().filter(|k| seen.insert((*k).clone())).map(key_item).collect()
        };
        for _attempt in 0..5 {
            if wanted.is_empty() {
                break;
            }
            let ka = KeysAndAttributes::builder()
                .set_keys(Some(wanted))
                .consistent_read(true)
                .build()
                .map_err(dynamo_err)?;
            let out = self.client.batch_get_item().request_items(&self.table, ka).send().await.map_err(dynamo_err)?;
            for item in out.responses.and_then(|mut r| r.remove(&self.table)).unwrap_or_default() {
                if let Some(k) = key_of(&item) {
                    found.insert(k, item);
                }
            }
            wanted = out.unprocessed_keys.and_then(|mut u| u.remove(&self.table)).map(|ka| ka.keys).unwrap_or_default();
        }
        if !wanted.is_empty() {
            return Err(StoreError::Dynamo("batch get left keys unprocessed".into()));
        }
        Ok(found)
    }

    /// One page of items in partition `pk` whose sort key starts with
    /// `sk_prefix`, strongly consistent, starting after `start` (a key of
    /// that same partition).
    #[tracing::instrument(skip(self, start))]
    pub async fn query_prefix(
        &self,
        pk: &str,
        sk_prefix: &str,
        limit: i32,
        start: Option<&Key>,
        forward: bool,
    ) -> Result<Page, StoreError> {
        self.query(None, pk, SkCond::Prefix(sk_prefix), limit, start.map(key_item), forward, None).await
    }

    /// Like `query_prefix`, with a filter expression on non-key attributes.
    #[allow(clippy::too_many_arguments)]
    pub async fn query(
        &self,
        index: Option<(&str, &str, &str)>,
        pk: &str,
        sk: SkCond<'_>,
        limit: i32,
        start: Option<Item>,
        forward: bool,
        filter: Option<(String, Exprs)>,
    ) -> Result<Page, StoreError> {
        let (index_name, pk_attr, sk_attr) = index.unwrap_or(("", schema::PK, schema::SK));
        let (filter_expr, extra) = match filter {
            Some((f, e)) => (Some(f), e),
            None => (None, Exprs::new()),
        };
        let exprs = extra.name("#pk", pk_attr).str(":pk", pk);
        let (key_cond, exprs) = match sk {
            // DynamoDB refuses an empty string for a key attribute, even
            // in begins_with: an empty prefix is the whole partition.
            SkCond::Prefix("") => ("#pk = :pk", exprs),
            SkCond::Prefix(p) => {
                ("#pk = :pk AND begins_with(#sk, :prefix)", exprs.name("#sk", sk_attr).str(":prefix", p))
            }
            SkCond::Between(a, b) => {
                ("#pk = :pk AND #sk BETWEEN :from AND :to", exprs.name("#sk", sk_attr).str(":from", a).str(":to", b))
            }
        };
        let mut q = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression(key_cond)
            .set_filter_expression(filter_expr)
            .set_expression_attribute_names(exprs.names())
            .set_expression_attribute_values(exprs.values())
            .limit(limit)
            .scan_index_forward(forward)
            .set_exclusive_start_key(start);
        if index.is_some() {
            q = q.index_name(index_name);
        } else {
            q = q.consistent_read(true);
        }
        let had_start = q.get_exclusive_start_key().is_some();
        let out = q.send().await.map_err(|e| {
            let invalid =
                e.as_service_error().and_then(|s| aws_smithy_types::error::metadata::ProvideErrorMetadata::code(s))
                    == Some("ValidationException");
            if had_start && invalid {
                StoreError::BadCursor
            } else {
                dynamo_err(e)
            }
        })?;
        let last_key = out.last_evaluated_key.map(|k| {
            k.into_iter()
                .filter_map(|(name, v)| match v {
                    AttributeValue::S(s) => Some((name, s)),
                    _ => None,
                })
                .collect()
        });
        Ok(Page { items: out.items.unwrap_or_default(), last_key })
    }

    /// `UpdateItem` returning the item as it is after the update.
    #[tracing::instrument(skip(self, exprs), fields(pk = %key.pk))]
    pub async fn update_returning(
        &self,
        key: &Key,
        update: &str,
        cond: Cond,
        exprs: Exprs,
    ) -> Result<Item, StoreError> {
        let out = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_item(key)))
            .update_expression(update)
            .set_condition_expression(cond.expression())
            .set_expression_attribute_names(exprs.names())
            .set_expression_attribute_values(exprs.values())
            .return_values(ReturnValue::AllNew)
            .send()
            .await
            .map_err(|e| {
                if e.as_service_error().is_some_and(|se| se.is_conditional_check_failed_exception()) {
                    StoreError::ConditionFailed
                } else {
                    dynamo_err(e)
                }
            })?;
        Ok(out.attributes.unwrap_or_default())
    }

    /// Runs a transaction. A failed condition comes back as `Cancelled`
    /// with the indexes of the items whose condition failed.
    #[tracing::instrument(skip_all, fields(items = tx.len()))]
    pub async fn transact(&self, tx: Tx) -> Result<(), StoreError> {
        let items = tx.finish()?;
        if items.is_empty() {
            return Ok(());
        }
        // A transaction that overlapped another one on the same item is
        // cancelled with `TransactionConflict` and wrote nothing: try again
        // after a short pause.
        let mut attempt = 0u64;
        loop {
            let result = self.client.transact_write_items().set_transact_items(Some(items.clone())).send().await;
            let e = match result {
                Ok(_) => return Ok(()),
                Err(e) => e,
            };
            use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError as E;
            if let Some(E::TransactionCanceledException(c)) = e.as_service_error() {
                let codes: Vec<Option<&str>> = c.cancellation_reasons().iter().map(|r| r.code()).collect();
                let failed: Vec<usize> = codes
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| **c == Some("ConditionalCheckFailed"))
                    .map(|(i, _)| i)
                    .collect();
                if !failed.is_empty() {
                    let old = c
                        .cancellation_reasons()
                        .iter()
                        .enumerate()
                        .filter_map(|(i, r)| r.item().map(|item| (i, item.clone())))
                        .collect();
                    return Err(StoreError::Cancelled { failed, old });
                }
                if codes.contains(&Some("TransactionConflict")) && attempt < 4 {
                    attempt += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(
                        10 * attempt + (crate::ids::random_bytes::<1>()[0] as u64 % 20),
                    ))
                    .await;
                    continue;
                }
            }
            if let Some(E::TransactionInProgressException(_)) = e.as_service_error() {
                if attempt < 4 {
                    attempt += 1;
                    continue;
                }
            }
            return Err(dynamo_err(e));
        }
    }
}
