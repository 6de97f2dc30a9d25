//! Rate limits backed by DynamoDB counters (see `domain::ratelimit` for the
//! rules), shared by every instance of every function.

use std::collections::HashMap;

use crate::domain::ratelimit::{decide, window, Decision, Window};
use crate::error::ApiError;
use crate::store::{keys, number, Cond, Exprs, Item, Store, Tx};

/// Who is counted and against which limits.
#[derive(Debug, Clone)]
pub struct Client {
    /// A user id, or `ip:{address}`.
    pub id: String,
    pub limit: u32,
    /// `Some` on heavy routes.
    pub heavy_limit: Option<u32>,
}

fn counts(item: &Item) -> HashMap<String, u32> {
    item.iter()
        .filter(|(k, _)| {
            k.len() == 3 && (k.starts_with('m') || k.starts_with('h')) && k[1..].bytes().all(|b| b.is_ascii_digit())
        })
        .filter_map(|(k, _)| number(item, k).map(|v| (k.clone(), v.max(0) as u32)))
        .collect()
}

fn too_many(retry_after: u64, blocked: bool) -> ApiError {
    ApiError::TooManyRequests {
        retry_after,
        detail: if blocked {
            "Too many requests: this client is blocked for an hour."
        } else {
            "Too many requests; retry after the time given."
        },
    }
}

async fn apply(store: &Store, client: &Client, w: &Window, decision: Decision) -> Result<(), ApiError> {
    match decision {
        Decision::Allow => Ok(()),
        Decision::Limited { retry_after } => Err(too_many(retry_after, false)),
        Decision::Blocked { retry_after } => Err(too_many(retry_after, true)),
        Decision::StartBlock { until } => {
            // Copy the block into the next hour's item too, so it lasts a
            // full hour across the boundary: both in one transaction, one
            // round trip, which only a request refused anyway pays for.
            let mut tx = Tx::new();
            for hour in [&w.hour, &w.next_hour] {
                tx.update(
                    store.table(),
                    &keys::rate_limit(&client.id, hour),
                    "SET blocked_until = :until, expires_at = :exp",
                    Cond::None,
                    Exprs::new().num(":until", until).num(":exp", until + 3 * 3600),
                );
            }
            store.transact(tx).await?;
            tracing::warn!(
                client_kind = if client.id.starts_with("ip:") { "ip" } else { "user" },
                "client blocked for an hour"
            );
            Err(too_many((until - time::OffsetDateTime::now_utc().unix_timestamp()).max(1) as u64, true))
        }
    }
}

/// Counts this request and refuses it when over a limit: one `UpdateItem`.
pub async fn hit(store: &Store, client: &Client, now: i64) -> Result<(), ApiError> {
    let w = window(now);
    let mut update = "ADD #m :one".to_string();
    let mut exprs = Exprs::new().name("#m", &w.minute_attr).num(":one", 1).num(":exp", w.expires_at);
    if client.heavy_limit.is_some() {
        update.push_str(", #h :one");
        exprs = exprs.name("#h", &w.heavy_attr);
    }
    update.push_str(" SET expires_at = :exp");
    let item = store.update_returning(&keys::rate_limit(&client.id, &w.hour), &update, Cond::None, exprs).await?;
    let decision = decide(now, &w, &counts(&item), number(&item, "blocked_until"), client.limit, client.heavy_limit);
    apply(store, client, &w, decision).await
}

/// For a route that counts itself inside its own write (login): the key to
/// read with its other items…
pub fn deferred_key(client: &Client, now: i64) -> keys::Key {
    keys::rate_limit(&client.id, &window(now).hour)
}

/// …the decision on that item as if this request were counted…
pub async fn check_deferred(store: &Store, client: &Client, item: Option<&Item>, now: i64) -> Result<(), ApiError> {
    let w = window(now);
    let mut c = item.map(counts).unwrap_or_default();
    *c.entry(w.minute_attr.clone()).or_insert(0) += 1;
    let blocked = item.and_then(|i| number(i, "blocked_until"));
    let decision = decide(now, &w, &c, blocked, client.limit, client.heavy_limit);
    if decision != Decision::Allow {
        // Record the refused attempt like `hit` would.
        store
            .update_returning(
                &deferred_key(client, now),
                "ADD #m :one SET expires_at = :exp",
                Cond::None,
                Exprs::new().name("#m", &w.minute_attr).num(":one", 1).num(":exp", w.expires_at),
            )
            .await?;
    }
    apply(store, client, &w, decision).await
}

/// …and the counter update to add to that write, which fails the write if
/// concurrent requests used up the limit meanwhile.
pub fn charge(tx: &mut Tx, table: &str, client: &Client, now: i64) -> usize {
    let w = window(now);
    tx.update(
        table,
        &deferred_key(client, now),
        "ADD #m :one SET expires_at = :exp",
        Cond::Expr("(attribute_not_exists(#m) OR #m < :limit) AND (attribute_not_exists(blocked_until) OR blocked_until < :now)".into()),
        Exprs::new()
            .name("#m", &w.minute_attr)
            .num(":one", 1)
            .num(":exp", w.expires_at)
            .num(":limit", client.limit)
            .num(":now", now),
    )
}

/// The refusal for a write whose `charge` condition failed.
pub fn charge_refused(now: i64) -> ApiError {
    too_many(window(now).seconds_left, false)
}
