//! Committing a change together with its audit events: the one way every
//! write of Tenure (HTTP handlers and event functions alike) reaches the
//! table, so no change goes unrecorded.

use crate::domain::audit::{self, ChainHead, NewEvent, Origin};
use crate::service::App;
use crate::store::items::{self, Idempotency};
use crate::store::{decode, keys, Cond, Exprs, Key, StoreError, Tenant, Tx};

/// Idempotent responses are kept 24 hours.
pub const IDEMPOTENCY_SECONDS: i64 = 24 * 3600;

/// How long an audited write keeps retrying when other writes of the same
/// company's chain got in first, and at most how often. Each company's chain
/// takes one write at a time (`make bench-chain` measures how many a
/// second); a write that lost the race learns the new head from the
/// cancellation itself (no read) and retries at once.
const AUDIT_RETRY_BUDGET: std::time::Duration = std::time::Duration::from_secs(3);
/// The most attempts one audited write makes (so at most one fewer
/// contention retries per request, within `AUDIT_RETRY_BUDGET`).
pub const AUDIT_ATTEMPTS: usize = 64;

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
    let started = std::time::Instant::now();
    for attempt in 0..AUDIT_ATTEMPTS {
        if attempt > 0 {
            // Retry at once (a millisecond or two of jitter, so that the
            // losers of one round do not collide again): a writer that
            // backed off would keep losing to those that did not.
            let r = crate::ids::random_bytes::<1>()[0] as u64 % 3;
            tokio::time::sleep(std::time::Duration::from_millis(r)).await;
        }
        if attempt > 0 && started.elapsed() > AUDIT_RETRY_BUDGET {
            break;
        }
        let mut tx = base.clone();
        let (stored, new_head) = audit::append(tenant.id(), &head, origin, events.clone());
        for e in &stored {
            tx.put(&table, &keys::audit_event(tenant, e.seq), items::AUDIT_EVENT, e, Cond::New);
        }
        let head_index = (!stored.is_empty()).then(|| {
            tx.update_or_return(
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
            )
        });
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
            Err(StoreError::Cancelled { failed, old }) if failed.iter().any(|i| *i < own) => {
                let failed = failed.into_iter().filter(|i| *i < own).collect();
                return Err(StoreError::Cancelled { failed, old });
            }
            Err(StoreError::Cancelled { failed, .. }) if idem_index.is_some_and(|x| failed.contains(&x)) => {
                return Err(StoreError::IdempotencyConflict);
            }
            Err(StoreError::Cancelled { old, .. }) => {
                // The chain moved on under us: the cancellation says where
                // its head is now (else read it), and we go again from there.
                let returned = head_index.and_then(|i| old.into_iter().find(|(j, _)| *j == i)).map(|(_, item)| item);
                let item = match returned {
                    Some(item) => Some(item),
                    None => app.store.get(&keys::audit_head(tenant)).await?,
                };
                head = item
                    .map(decode::<items::Head>)
                    .transpose()?
                    .map(ChainHead::from)
                    .unwrap_or_else(ChainHead::genesis);
            }
            Err(e) => return Err(e),
            Ok(()) => return Ok(new_head),
        }
    }
    Err(StoreError::Dynamo(format!("audit chain contention: gave up after {:.1} s", started.elapsed().as_secs_f64())))
}
