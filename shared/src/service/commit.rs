//! Committing a change together with its audit events: the one way every
//! write of Tenure (HTTP handlers and event functions alike) reaches the
//! table, so no change goes unrecorded.

use crate::domain::audit::{self, ChainHead, NewEvent, Origin};
use crate::service::App;
use crate::store::items::{self, Idempotency};
use crate::store::{decode, keys, Cond, Exprs, Key, StoreError, Tenant, Tx};

/// Idempotent responses are kept 24 hours.
pub const IDEMPOTENCY_SECONDS: i64 = 24 * 3600;

/// How often an audited write retries when other writes of the same
/// company's chain got in first. Each company's chain takes one write at a
/// time: this bounds a company's audited writes to a few hundred a second.
const AUDIT_ATTEMPTS: usize = 10;

/// Appends `events` after `head` in the same transaction as `base`.
pub async fn commit_with_audit(
    app: &App,
    tenant: &Tenant,
    mut head: ChainHead,
    origin: &Origin,
    base: Tx,
    events: Vec<NewEvent>,
    idem: Option<(Key, Idempotency)>,
) -> Result<ChainHead, StoreError> {
    let table = app.store.table().to_string();
    let own = base.len();
    for attempt in 0..AUDIT_ATTEMPTS {
        if attempt > 0 {
            // Concurrent writers of one company's chain take turns.
            let jitter = crate::ids::random_bytes::<1>()[0] as u64 % 25;
            tokio::time::sleep(std::time::Duration::from_millis(5 * attempt as u64 + jitter)).await;
        }
        let mut tx = base.clone();
        let (stored, new_head) = audit::append(tenant.id(), &head, origin, events.clone());
        for e in &stored {
            tx.put(&table, &keys::audit_event(tenant, e.seq), items::AUDIT_EVENT, e, Cond::New);
        }
        if !stored.is_empty() {
            tx.update(
                &table,
                &keys::audit_head(tenant),
                "SET #seq = :new_seq, #hash = :new_hash, entity_type = :et",
                Cond::Expr("attribute_not_exists(#seq) OR #seq = :old_seq".into()),
                Exprs::new()
                    .name("#seq", "seq")
                    .name("#hash", "hash")
                    .num(":new_seq", new_head.seq)
                    .str(":new_hash", &new_head.hash)
                    .num(":old_seq", head.seq)
                    .str(":et", items::AUDIT_HEAD),
            );
        }
        let idem_index = match &idem {
            Some((key, record)) => match crate::store::to_item(key, items::IDEMPOTENCY, record) {
                // An expired record may linger until TTL deletes it.
                Ok(item) => Some(tx.put_item(
                    &table,
                    item,
                    Cond::Expr("attribute_not_exists(pk) OR expires_at < :now".into()),
                    Exprs::new().num(":now", record.expires_at - IDEMPOTENCY_SECONDS),
                )),
                Err(e) => return Err(e),
            },
            None => None,
        };
        match app.store.transact(tx).await {
            Err(StoreError::Cancelled { failed }) if failed.iter().any(|i| *i < own) => {
                return Err(StoreError::Cancelled { failed: failed.into_iter().filter(|i| *i < own).collect() });
            }
            Err(StoreError::Cancelled { failed }) if idem_index.is_some_and(|x| failed.contains(&x)) => {
                return Err(StoreError::IdempotencyConflict);
            }
            Err(StoreError::Cancelled { .. }) => {
                // The chain moved on under us: re-read the head and retry.
                let fresh = app.store.get(&keys::audit_head(tenant)).await?;
                head = fresh
                    .map(decode::<items::Head>)
                    .transpose()?
                    .map(ChainHead::from)
                    .unwrap_or_else(ChainHead::genesis);
            }
            Err(e) => return Err(e),
            Ok(()) => return Ok(new_head),
        }
    }
    Err(StoreError::Dynamo(format!("audit chain contention: gave up after {AUDIT_ATTEMPTS} attempts")))
}
