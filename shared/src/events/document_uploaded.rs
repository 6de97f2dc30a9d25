//! The upload trigger (S3 `ObjectCreated` under `uploads/` →
//! `document-uploaded`): checks every uploaded object before anyone can
//! read it. It streams the upload, compares its real type (magic bytes) and
//! size with what was declared, computes its SHA-256, and marks the
//! document `available` or `rejected` with the reason.
//!
//! Nothing ever serves an upload key. A good upload is copied to its served
//! key (`documents/…/{sha256}`), only if it still has the ETag of the bytes
//! that were checked, and that key is recorded on the document in the same
//! write that makes it `available`: downloads presign exactly those bytes.
//! The upload is then deleted; a rejected one is deleted after its status
//! is recorded, and a later upload to a checked document (a second `PUT` to
//! the same presigned URL) is deleted without a look: it changes nothing a
//! reader sees.
//!
//! Events may come twice, late, or for keys that are not uploads: only a
//! `pending` document is ever changed, by a write conditional on it still
//! being pending, so repeats change nothing, and every delete is idempotent
//! and repeated by a retry. Unknown keys are logged and skipped. Store and
//! S3 failures are returned as errors so Lambda retries the event (then
//! sends it to the dead-letter queue); a bad object is not an error, it is
//! a rejection.

use aws_lambda_events::s3::S3Event;
use lambda_runtime::{service_fn, LambdaEvent};
use serde::Serialize;

use crate::domain::audit::{ChainHead, NewEvent, Origin};
use crate::domain::documents::{Checker, Rejection, MAX_SIZE};
use crate::domain::timestamp;
use crate::service::{commit_with_audit, App};
use crate::store::documents::{Document, DocumentStatus};
use crate::store::s3::{parse_upload_key, served_key};
use crate::store::{decode, items, keys, Cond, Exprs, StoreError, Tenant, Tx};

/// What happened to one record of the event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    pub key: String,
    /// `available`, `rejected`, `skipped`
    pub result: &'static str,
    pub detail: String,
}

/// S3 event keys are URL-encoded, with `+` for spaces.
pub fn decode_key(raw: &str) -> String {
    let plus = raw.replace('+', " ");
    crate::domain::validate::decode_segment(&plus)
}

#[derive(Debug, thiserror::Error)]
pub enum TriggerError {
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("s3: {0}")]
    S3(String),
}

/// Handles one uploaded object.
pub async fn handle_object(app: &App, raw_key: &str) -> Result<Outcome, TriggerError> {
    let key = decode_key(raw_key);
    let skip = |detail: &str| Ok(Outcome { key: key.clone(), result: "skipped", detail: detail.to_string() });
    let Some((company, employee, id)) = parse_upload_key(&key) else { return skip("not an upload key") };
    let t = Tenant::new(company.clone());
    let doc_key = keys::document(&t, &id);
    let found = app.store.batch_get(&[doc_key.clone(), keys::audit_head(&t)]).await?;
    let Some(doc) = found.get(&doc_key).cloned().map(decode::<Document>).transpose()? else {
        return skip("no such document");
    };
    if doc.employee_id != employee {
        return skip("the key does not match the document");
    }
    let bucket = app.bucket.as_ref().ok_or_else(|| TriggerError::S3("no bucket configured".into()))?;
    if doc.status != DocumentStatus::Pending {
        // A repeated event, or another upload to a checked document: the
        // upload is never served; remove it (again, if a delete failed).
        bucket.delete(&key).await.map_err(TriggerError::S3)?;
        return skip("already checked");
    }
    let Some(object) = bucket.stream(&key).await.map_err(TriggerError::S3)? else {
        return skip("the object is gone");
    };
    let mut body = object.body;

    let mut checker = Checker::new(doc.content_type, doc.size.min(MAX_SIZE));
    let mut verdict = Ok(());
    while let Some(chunk) = body.try_next().await.map_err(|e| TriggerError::S3(e.to_string()))? {
        if let Err(r) = checker.update(&chunk) {
            verdict = Err(r);
            break;
        }
    }
    let result: Result<crate::domain::documents::Checked, Rejection> = match verdict {
        Err(r) => Err(r),
        Ok(()) => checker.finish(),
    };

    // Serve exactly the checked bytes: copy them to their own key, unless
    // the upload was replaced while it was being checked (that upload's own
    // event checks it).
    let served = match &result {
        Ok(c) => {
            let served = served_key(&company, &employee, &id, &c.sha256);
            let etag = object.etag.as_deref().ok_or_else(|| TriggerError::S3("the upload has no ETag".into()))?;
            if !bucket.copy_if_unchanged(&key, &served, etag).await.map_err(TriggerError::S3)? {
                return skip("the upload changed while it was checked");
            }
            Some(served)
        }
        Err(_) => None,
    };

    let now = timestamp(time::OffsetDateTime::now_utc());
    let head = found
        .get(&keys::audit_head(&t))
        .cloned()
        .map(decode::<items::Head>)
        .transpose()?
        .map(ChainHead::from)
        .unwrap_or_else(ChainHead::genesis);
    let origin =
        Origin { actor: "system".into(), source_ip: "-".into(), request_id: format!("s3:{key}"), at: now.clone() };
    let mut tx = Tx::new();
    let (outcome, event) = match (&result, &served) {
        (Ok(c), Some(served)) => {
            tx.update(
                app.store.table(),
                &doc_key,
                "SET #status = :available, sha256 = :sha, object_key = :key, checked_at = :now, version = version + :one REMOVE expires_at",
                Cond::Expr("#status = :pending".into()),
                Exprs::new()
                    .name("#status", "status")
                    .str(":available", "available")
                    .str(":pending", "pending")
                    .str(":sha", &c.sha256)
                    .str(":key", served)
                    .str(":now", &now)
                    .num(":one", 1),
            );
            let e = NewEvent::new("document.available", id.to_string())
                .with("employee", employee.to_string())
                .with("sha256", &c.sha256);
            (Outcome { key: key.clone(), result: "available", detail: c.sha256.clone() }, e)
        }
        (Ok(_), None) => return Err(TriggerError::S3("checked bytes without a served key".into())),
        (Err(r), _) => {
            tx.update(
                app.store.table(),
                &doc_key,
                "SET #status = :rejected, reason = :reason, checked_at = :now, version = version + :one REMOVE expires_at",
                Cond::Expr("#status = :pending".into()),
                Exprs::new()
                    .name("#status", "status")
                    .str(":rejected", "rejected")
                    .str(":pending", "pending")
                    .str(":reason", r.to_string())
                    .str(":now", &now)
                    .num(":one", 1),
            );
            let e = NewEvent::new("document.rejected", id.to_string())
                .with("employee", employee.to_string())
                .with("reason", r.to_string());
            (Outcome { key: key.clone(), result: "rejected", detail: r.to_string() }, e)
        }
    };
    // Checked either way: no longer waiting for the person's upload.
    let waiting = crate::store::stats::pending_document_counter(&doc.created_at);
    crate::store::stats::stage_person(&mut tx, app.store.table(), &t, &doc.employee_id, &waiting, -1);
    match commit_with_audit(app, &t, head, &origin, tx, vec![event], None).await {
        Ok(_) => {}
        // Another delivery of this event (or another upload's) got there
        // first. Our copy is not what the document records unless both were
        // the same bytes: then it is the same key, which must stay.
        Err(StoreError::Cancelled { .. }) => {
            if let Some(served) = &served {
                let now = app.store.get(&doc_key).await?.map(decode::<Document>).transpose()?;
                if now.and_then(|d| d.object_key).as_deref() != Some(served.as_str()) {
                    bucket.delete(served).await.map_err(TriggerError::S3)?;
                }
            }
            bucket.delete(&key).await.map_err(TriggerError::S3)?;
            return skip("already checked");
        }
        Err(e) => return Err(e.into()),
    }
    // The upload itself is never served: remove it, good or bad. Should this
    // fail, the retried event finds the document checked and deletes it.
    bucket.delete(&key).await.map_err(TriggerError::S3)?;
    tracing::info!(document = %id, result = outcome.result, "document checked");
    Ok(outcome)
}

/// Handles every record of an S3 event. Any record that failed for a
/// retryable reason fails the invocation, so Lambda delivers it again
/// (records already handled are skipped the second time).
pub async fn handle(app: &App, event: S3Event) -> Result<Vec<Outcome>, TriggerError> {
    let mut out = Vec::new();
    let mut first_error = None;
    for record in event.records {
        let Some(key) = record.s3.object.key.clone() else { continue };
        if !record.event_name.as_deref().unwrap_or("ObjectCreated").starts_with("ObjectCreated") {
            continue;
        }
        match handle_object(app, &key).await {
            Ok(o) => out.push(o),
            Err(e) => {
                tracing::error!(key = %key, error = %e, "checking an upload failed; the event will be retried");
                first_error.get_or_insert(e);
            }
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

/// The whole of the `document-uploaded` function's `main`.
pub async fn serve() -> Result<(), lambda_runtime::Error> {
    crate::telemetry::init();
    let app = std::sync::Arc::new(App::for_events("document-uploaded").await?);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<S3Event>| {
        let app = app.clone();
        async move {
            let outcomes = handle(&app, event.payload).await.map_err(|e| lambda_runtime::Error::from(e.to_string()))?;
            Ok::<_, lambda_runtime::Error>(serde_json::to_value(outcomes).unwrap_or_default())
        }
    }))
    .await
}
