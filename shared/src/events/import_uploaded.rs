//! The import function (S3 `ObjectCreated` under `imports/` →
//! `import-uploaded`) does the two slow halves of a bulk import:
//!
//! - **Check** (`imports/{cid}/{iid}.csv`, the presigned upload): reads the
//!   file row by row with `domain::import::Reader` and stores the report on
//!   the import (`validated`, `invalid` with the row errors, or `rejected`
//!   with the reason the whole file was refused). Good bytes are copied to
//!   `imported/{cid}/{iid}.csv`, only if they are still the bytes that were
//!   checked; the upload is then deleted, so a second `PUT` to the same URL
//!   changes nothing (it is deleted without a look once the import is
//!   checked).
//! - **Apply** (`imports/{cid}/{iid}.apply`, written by
//!   `POST /imports/{id}/apply`): reads the checked copy again and writes
//!   each valid row in its own transaction with a row guard
//!   (`IMPROW#{iid}#{row}`), so a row is written once however often it is
//!   tried. The email is the natural key: a person whose email has an
//!   account anywhere on the platform is left as they are (`existing`), and
//!   a leaver whose email an earlier import already brought is too. Every
//!   `CHECKPOINT_ROWS` rows the progress (`next_row` and the counts) is
//!   saved, conditional on no other run having moved it; near the Lambda
//!   deadline the run saves and writes the marker again, and the next run
//!   resumes there. A run that dies between checkpoints is retried by
//!   Lambda from the last one: the rows it wrote are found by their guards
//!   and counted again, not written again. The end is one audited write:
//!   `applied` with the counts (`import.applied`).
//!
//! The marker carries no authority: the function acts only on an import
//! whose record says `applying`. Rows are held one at a time; the file
//! itself (at most 5 MiB) is the largest thing in memory.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use aws_lambda_events::s3::S3Event;
use lambda_runtime::{service_fn, LambdaEvent};
use serde::Serialize;

use crate::domain::audit::{ChainHead, NewEvent, Origin};
use crate::domain::import::{EmployeeRow, FileError, Reader, Row, RowError, MAX_BYTES, MAX_REPORTED_ERRORS};
use crate::domain::leavers::LeaverFields;
use crate::domain::roles::Role;
use crate::domain::timestamp;
use crate::ids::{CompanyId, DepartmentId, ImportId};
use crate::service::{assess, commit_with_audit, App};
use crate::store::departments::stage_counts;
use crate::store::departments::{name_key, names_from_item};
use crate::store::imports::{Applied, Import, ImportStatus};
use crate::store::items::{self, User};
use crate::store::leavers::Leaver;
use crate::store::people::stage_new_user;
use crate::store::s3::{imported_key, parse_import_key, Bucket, ImportObject};
use crate::store::{decode, keys, Cond, Exprs, StoreError, Tenant, Tx};

pub use super::document_uploaded::{decode_key, TriggerError};

/// Progress is saved every this many rows.
pub const CHECKPOINT_ROWS: u32 = 100;
/// A run stops and hands over to the next this long before its deadline.
pub const DEADLINE_MARGIN: Duration = Duration::from_secs(60);
/// Row guards are kept a week (long after any run could repeat a row).
const ROW_GUARD_SECONDS: i64 = 7 * 24 * 3600;

/// What one run may spend: its deadline, and (for tests, which cut a run
/// short on purpose) at most this many rows.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    pub deadline: Instant,
    pub max_rows: u32,
}

impl Budget {
    pub fn until(deadline: Instant) -> Self {
        Self { deadline, max_rows: u32::MAX }
    }
}

/// What happened to one record of the event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    pub key: String,
    /// `validated`, `invalid`, `rejected`, `applied`, `resumed` (handed over
    /// to the next run), `skipped`
    pub result: &'static str,
    pub detail: String,
}

fn system_origin(key: &str) -> Origin {
    Origin {
        actor: "system".into(),
        source_ip: "-".into(),
        request_id: format!("s3:{key}"),
        at: timestamp(time::OffsetDateTime::now_utc()),
    }
}

fn head_from(found: &HashMap<keys::Key, crate::store::Item>, t: &Tenant) -> Result<ChainHead, StoreError> {
    Ok(found
        .get(&keys::audit_head(t))
        .cloned()
        .map(decode::<items::Head>)
        .transpose()?
        .map(ChainHead::from)
        .unwrap_or_else(ChainHead::genesis))
}

/// Reads a whole object, refusing one larger than `MAX_BYTES` without
/// reading more than one byte past it. `None` when it is gone.
async fn read_capped(bucket: &Bucket, key: &str) -> Result<Option<(Vec<u8>, Option<String>, bool)>, TriggerError> {
    let Some(object) = bucket.stream(key).await.map_err(TriggerError::S3)? else { return Ok(None) };
    let mut body = object.body;
    let mut bytes = Vec::new();
    while let Some(chunk) = body.try_next().await.map_err(|e| TriggerError::S3(e.to_string()))? {
        bytes.extend_from_slice(&chunk);
        if bytes.len() > MAX_BYTES {
            return Ok(Some((Vec::new(), object.etag, true)));
        }
    }
    Ok(Some((bytes, object.etag, false)))
}

/// Department name key → id, from the departments summary item.
fn department_ids(item: Option<&crate::store::Item>) -> HashMap<String, DepartmentId> {
    names_from_item(item)
        .into_iter()
        .filter_map(|(id, name)| Some((name_key(&name), DepartmentId::parse(&id)?)))
        .collect()
}

/// Checks an uploaded import file and stores its report.
async fn check(app: &App, key: &str, company: CompanyId, id: ImportId) -> Result<Outcome, TriggerError> {
    let skip = |detail: &str| Ok(Outcome { key: key.to_string(), result: "skipped", detail: detail.to_string() });
    let t = Tenant::new(company.clone());
    let imp_key = keys::import(&t, &id);
    let found = app.store.batch_get(&[imp_key.clone(), keys::departments_summary(&t), keys::audit_head(&t)]).await?;
    let bucket = app.bucket.as_ref().ok_or_else(|| TriggerError::S3("no bucket configured".into()))?;
    let Some(mut imp) = found.get(&imp_key).cloned().map(decode::<Import>).transpose()? else {
        // Nothing will ever read it (an import forgotten after a day).
        bucket.delete(key).await.map_err(TriggerError::S3)?;
        return skip("no such import");
    };
    if imp.status != ImportStatus::Pending {
        bucket.delete(key).await.map_err(TriggerError::S3)?;
        return skip("already checked");
    }
    let Some((bytes, etag, too_large)) = read_capped(bucket, key).await? else { return skip("the object is gone") };
    let departments = department_ids(found.get(&keys::departments_summary(&t)));
    let is_department = |name: &str| departments.contains_key(&name_key(name));
    let verdict: Result<crate::domain::import::Report, FileError> = if too_large {
        Err(FileError::TooLarge)
    } else {
        (|| {
            let mut reader = Reader::open(imp.kind, &bytes)?;
            while reader.next(&is_department)?.is_some() {}
            Ok(reader.into_report())
        })()
    };
    drop(bytes);
    let now = timestamp(time::OffsetDateTime::now_utc());
    let event = NewEvent::new("import.checked", id.to_string()).with("kind", imp.kind.as_str());
    let event = match verdict {
        Ok(report) => {
            let etag = etag.ok_or_else(|| TriggerError::S3("the upload has no ETag".into()))?;
            // Named by the checked bytes' ETag: two uploads to one URL can
            // never leave a report of one beside the bytes of the other.
            let copy = imported_key(&company, &id, &etag);
            if !bucket.copy_if_unchanged(key, &copy, &etag).await.map_err(TriggerError::S3)? {
                return skip("the upload changed while it was checked");
            }
            imp.object_key = Some(copy);
            imp.status = if report.invalid == 0 { ImportStatus::Validated } else { ImportStatus::Invalid };
            let event = event
                .with("rows", report.rows.to_string())
                .with("valid", report.valid.to_string())
                .with("invalid", report.invalid.to_string());
            imp.set_report(report);
            event
        }
        Err(e) => {
            imp.status = ImportStatus::Rejected;
            imp.reason = Some(e.to_string());
            event.with("reason", e.to_string())
        }
    };
    let status = imp.status.as_str();
    let event = event.with("status", status);
    imp.checked_at = Some(now);
    imp.version += 1;
    let mut tx = Tx::new();
    let mut item = crate::store::to_item(&imp_key, "import", &imp)?;
    // Internal, so not serialized with the rest: written here, read back.
    if let Some(copy) = &imp.object_key {
        item.insert("object_key".into(), aws_sdk_dynamodb::types::AttributeValue::S(copy.clone()));
    }
    tx.put_item(
        app.store.table(),
        item,
        Cond::Expr("#status = :pending".into()),
        Exprs::new().name("#status", "status").str(":pending", "pending"),
    );
    let (was, now) = (
        crate::store::stats::import_counter("pending", &imp.created_at, None),
        crate::store::stats::import_counter(status, &imp.created_at, imp.checked_at.as_deref()),
    );
    crate::store::stats::stage_company(&mut tx, app.store.table(), &t, &was, -1);
    crate::store::stats::stage_company(&mut tx, app.store.table(), &t, &now, 1);
    match commit_with_audit(app, &t, head_from(&found, &t)?, &system_origin(key), tx, vec![event], None).await {
        Ok(_) => {}
        // Another delivery of this event checked it first (the same bytes,
        // copied to the same key).
        Err(StoreError::Cancelled { .. }) => {
            bucket.delete(key).await.map_err(TriggerError::S3)?;
            return skip("already checked");
        }
        Err(e) => return Err(e.into()),
    }
    bucket.delete(key).await.map_err(TriggerError::S3)?;
    tracing::info!(import = %id, status, rows = imp.rows, invalid = imp.invalid, "import checked");
    Ok(Outcome { key: key.to_string(), result: status, detail: format!("{} rows, {} invalid", imp.rows, imp.invalid) })
}

/// What writing one row came to.
enum Written {
    Created,
    Existing,
    Failed(RowError),
}

/// What every row of one apply run needs.
struct Context<'a> {
    app: &'a App,
    t: Tenant,
    import: ImportId,
    departments: HashMap<String, DepartmentId>,
    settings: crate::domain::risk::RiskSettings,
    /// The email of whoever asked for the apply: a person never registers
    /// themselves as a leaver.
    requester_email: Option<String>,
    /// Whoever asked for the apply: the requester of imported leavers'
    /// offboarding tickets.
    requester: Option<crate::ids::UserId>,
    calendar: crate::domain::calendar::Calendar,
    policies: crate::domain::tickets::SlaPolicies,
    now: String,
    today: time::Date,
    guard_expires: i64,
}

impl Context<'_> {
    fn department(&self, name: Option<&str>) -> Option<DepartmentId> {
        name.and_then(|n| self.departments.get(&name_key(n)).cloned())
    }

    /// The row guard: written with the row, so that it exists exactly when
    /// the row was written.
    fn stage_guard(&self, tx: &mut Tx, row: u32) -> usize {
        let mut item = crate::store::key_item(&keys::import_row(&self.t, &self.import, row));
        item.insert("entity_type".into(), aws_sdk_dynamodb::types::AttributeValue::S("import_row".into()));
        item.insert(
            crate::store::schema::TTL_ATTRIBUTE.into(),
            aws_sdk_dynamodb::types::AttributeValue::N(self.guard_expires.to_string()),
        );
        tx.put_item(self.app.store.table(), item, Cond::New, Exprs::new())
    }

    async fn employee(&self, row: u32, e: EmployeeRow) -> Result<Written, StoreError> {
        let table = self.app.store.table().to_string();
        let department = self.department(e.department.as_deref());
        if e.department.is_some() && department.is_none() {
            return Ok(Written::Failed(RowError {
                row,
                field: "department".into(),
                message: "was deleted after the file was checked".into(),
            }));
        }
        let mut u = User::new(self.t.id().clone(), e.email, e.full_name, Role::Employee, self.now.clone());
        u.no_login = true;
        u.job_title = e.job_title;
        u.department_id = department;
        u.hourly_rate_cents = e.hourly_rate_cents;
        u.start_date = e.start_date;
        u.access_level = e.access_level;
        u.phone = e.phone;
        u.emergency_contact = e.emergency_contact;
        let mut tx = Tx::new();
        let guard = self.stage_guard(&mut tx, row);
        let cred = stage_new_user(&mut tx, &table, &self.t, &u, String::new())?;
        stage_counts(&mut tx, &table, &self.t, None, u.department_id.as_ref());
        self.outcome(row, tx, guard, Some(cred), "department", "was deleted after the file was checked").await
    }

    async fn leaver(&self, row: u32, f: LeaverFields) -> Result<Written, StoreError> {
        let table = self.app.store.table().to_string();
        if f.email.is_some() && f.email == self.requester_email {
            return Ok(Written::Failed(RowError {
                row,
                field: "email".into(),
                message: "is your own: a person never registers themselves as a leaver".into(),
            }));
        }
        let mut l = Leaver::new(self.t.id().clone(), f, self.now.clone());
        l.department_id = self.department(Some(&l.department));
        let mut tx = Tx::new();
        let guard = self.stage_guard(&mut tx, row);
        let natural = l.email.as_ref().map(|email| {
            let mut item = crate::store::key_item(&keys::imported_leaver(&self.t, email));
            item.insert("entity_type".into(), aws_sdk_dynamodb::types::AttributeValue::S("imported_leaver".into()));
            item.insert("leaver_id".into(), aws_sdk_dynamodb::types::AttributeValue::S(l.id.to_string()));
            tx.put_item(&table, item, Cond::New, Exprs::new())
        });
        // Scored as `POST /leavers` scores; the import's one audit event
        // stands for the rows' own.
        let a = assess::score(&l, &self.settings, self.today);
        let mut events = Vec::new();
        assess::record(&mut tx, &table, &self.t, &mut l, &a, self.today, &self.now, &mut events);
        // Its offboarding ticket, as `POST /leavers` opens one.
        if let Some(requester) = &self.requester {
            // The person it is about: the company's account with the email.
            let subject = match &l.email {
                Some(e) => self
                    .app
                    .store
                    .get(&keys::credential(e))
                    .await?
                    .map(decode::<crate::store::items::Credential>)
                    .transpose()?
                    .filter(|c| c.company_id == *self.t.id())
                    .map(|c| c.user_id),
                None => None,
            };
            let (cal, policies) = (&self.calendar, &self.policies);
            crate::service::offboarding::open(
                &mut tx,
                &table,
                &self.t,
                &mut l,
                requester,
                subject.as_ref(),
                policies,
                cal,
                &self.now,
            )?;
        }
        crate::store::leavers::stage_put(&mut tx, &table, &self.t, &l, None)?;
        self.outcome(row, tx, guard, natural, "row", "could not be written").await
    }

    /// Commits one row: `Created`, or why not. The guard failing means an
    /// earlier run wrote this row (it is counted again, not written again);
    /// the natural key failing means the person exists already.
    async fn outcome(
        &self,
        row: u32,
        tx: Tx,
        guard: usize,
        natural: Option<usize>,
        field: &str,
        message: &str,
    ) -> Result<Written, StoreError> {
        match self.app.store.transact(tx).await {
            Ok(()) => Ok(Written::Created),
            Err(StoreError::Cancelled { failed, .. }) if failed.contains(&guard) => Ok(Written::Created),
            Err(StoreError::Cancelled { failed, .. }) if natural.is_some_and(|n| failed.contains(&n)) => {
                Ok(Written::Existing)
            }
            Err(StoreError::Cancelled { .. }) => {
                Ok(Written::Failed(RowError { row, field: field.into(), message: message.into() }))
            }
            Err(e) => Err(e),
        }
    }
}

/// Saves progress: rows before `next_row` are done, with these counts and
/// these new errors. `false` when another run moved the import meanwhile
/// (this one then stops).
async fn checkpoint(
    app: &App,
    t: &Tenant,
    imp: &Import,
    next_row: u32,
    applied: &Applied,
    new_errors: &[RowError],
) -> Result<bool, StoreError> {
    let mut tx = Tx::new();
    let applied_value = serde_dynamo::to_attribute_value(applied).map_err(|e| StoreError::Mapping(e.to_string()))?;
    let errors_value = serde_dynamo::to_attribute_value(new_errors).map_err(|e| StoreError::Mapping(e.to_string()))?;
    tx.update(
        app.store.table(),
        &keys::import(t, &imp.id),
        "SET next_row = :next, applied = :applied, errors = list_append(errors, :errors), version = version + :one",
        Cond::Expr("#status = :applying AND next_row = :from".into()),
        Exprs::new()
            .name("#status", "status")
            .str(":applying", "applying")
            .num(":from", imp.next_row)
            .num(":next", next_row)
            .num(":one", 1)
            .value(":applied", applied_value)
            .value(":errors", errors_value),
    );
    match app.store.transact(tx).await {
        Ok(()) => Ok(true),
        Err(StoreError::Cancelled { .. }) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Applies (or goes on applying) an import whose record says `applying`.
async fn apply(
    app: &App,
    key: &str,
    company: CompanyId,
    id: ImportId,
    budget: Budget,
) -> Result<Outcome, TriggerError> {
    let outcome = |result: &'static str, detail: String| Ok(Outcome { key: key.to_string(), result, detail });
    let t = Tenant::new(company.clone());
    let imp_key = keys::import(&t, &id);
    let Some(mut imp) = app.store.get(&imp_key).await?.map(decode::<Import>).transpose()? else {
        return outcome("skipped", "no such import".into());
    };
    if imp.status != ImportStatus::Applying {
        return outcome("skipped", format!("the import is {}", imp.status.as_str()));
    }
    let bucket = app.bucket.as_ref().ok_or_else(|| TriggerError::S3("no bucket configured".into()))?;
    let requester = imp.apply_requested_by.as_deref().and_then(crate::ids::UserId::parse);
    let mut wanted =
        vec![keys::departments_summary(&t), keys::risk_settings(&t), keys::company(&t), keys::sla_policies(&t)];
    wanted.extend(requester.as_ref().map(|u| keys::user(&t, u)));
    let found = app.store.batch_get(&wanted).await?;
    let summary = found.get(&keys::departments_summary(&t));
    let stored = found.get(&keys::risk_settings(&t)).cloned().map(decode).transpose()?;
    let now_at = time::OffsetDateTime::now_utc();
    let cx = Context {
        app,
        t: t.clone(),
        import: id.clone(),
        departments: department_ids(summary),
        settings: assess::effective_settings(stored, summary),
        calendar: found
            .get(&keys::company(&t))
            .cloned()
            .map(decode::<crate::store::items::Company>)
            .transpose()?
            .map(|c| c.calendar())
            .unwrap_or_default(),
        policies: found.get(&keys::sla_policies(&t)).cloned().map(decode).transpose()?.unwrap_or_default(),
        requester: requester.clone(),
        requester_email: requester
            .and_then(|u| found.get(&keys::user(&t, &u)).cloned())
            .map(decode::<User>)
            .transpose()?
            .map(|u| u.email),
        now: timestamp(now_at),
        today: now_at.date(),
        guard_expires: now_at.unix_timestamp() + ROW_GUARD_SECONDS,
    };
    let Some(copy) = imp.object_key.clone() else {
        return outcome("skipped", "the import has no checked file".into());
    };
    let Some((bytes, _, _)) = read_capped(bucket, &copy).await? else {
        return Err(TriggerError::S3(format!("the checked file of {id} is gone")));
    };
    // Rows are read as the check read them, with the company's departments
    // now: a row whose department was deleted since is skipped like any
    // invalid one (and one deleted while its row is written fails).
    let is_department = |name: &str| cx.departments.contains_key(&name_key(name));
    let mut reader = Reader::open(imp.kind, &bytes).map_err(|e| TriggerError::S3(format!("the checked file: {e}")))?;
    let mut applied = imp.applied;
    let mut new_errors: Vec<RowError> = Vec::new();
    let mut room = MAX_REPORTED_ERRORS.saturating_sub(imp.errors.len());
    let (mut since_checkpoint, mut this_run) = (0u32, 0u32);
    let mut next_row = imp.next_row;
    loop {
        let Some((row, result)) =
            reader.next(&is_department).map_err(|e| TriggerError::S3(format!("the checked file: {e}")))?
        else {
            break;
        };
        if row < imp.next_row {
            continue;
        }
        // A run always makes progress (at least one row) before it stops.
        let out_of_budget =
            this_run > 0 && (this_run >= budget.max_rows || Instant::now() + DEADLINE_MARGIN > budget.deadline);
        if since_checkpoint >= CHECKPOINT_ROWS || out_of_budget {
            if !checkpoint(app, &t, &imp, row, &applied, &new_errors).await? {
                return outcome("skipped", "another run is applying this import".into());
            }
            imp.next_row = row;
            imp.applied = applied;
            new_errors.clear();
            since_checkpoint = 0;
            if out_of_budget {
                // Hand over: the marker written again starts the next run.
                bucket.put(key, b"apply").await.map_err(TriggerError::S3)?;
                return outcome("resumed", format!("stopped before row {row}; the next run goes on"));
            }
        }
        let written = match result {
            Err(_) => None,
            Ok(Row::Employee(e)) => Some(Box::pin(cx.employee(row, e)).await?),
            Ok(Row::Leaver(f)) => Some(Box::pin(cx.leaver(row, f)).await?),
        };
        match written {
            None => applied.skipped += 1,
            Some(Written::Created) => applied.created += 1,
            Some(Written::Existing) => applied.existing += 1,
            Some(Written::Failed(e)) => {
                applied.failed += 1;
                if room > 0 {
                    room -= 1;
                    new_errors.push(e);
                }
            }
        }
        since_checkpoint += 1;
        this_run += 1;
        next_row = row + 1;
    }
    drop(bytes);

    // The end: one audited write, once.
    let head = app.store.get(&keys::audit_head(&t)).await?.map(decode::<items::Head>).transpose()?;
    let head = head.map(ChainHead::from).unwrap_or_else(ChainHead::genesis);
    let applied_value = serde_dynamo::to_attribute_value(applied).map_err(|e| StoreError::Mapping(e.to_string()))?;
    let errors_value = serde_dynamo::to_attribute_value(&new_errors).map_err(|e| StoreError::Mapping(e.to_string()))?;
    let mut tx = Tx::new();
    tx.update(
        app.store.table(),
        &imp_key,
        "SET #status = :applied, next_row = :next, applied = :counts, errors = list_append(errors, :errors), applied_at = :now, version = version + :one",
        Cond::Expr("#status = :applying AND next_row = :from".into()),
        Exprs::new()
            .name("#status", "status")
            .str(":applying", "applying")
            .str(":applied", "applied")
            .num(":from", imp.next_row)
            .num(":next", next_row.max(imp.next_row))
            .num(":one", 1)
            .str(":now", &cx.now)
            .value(":counts", applied_value)
            .value(":errors", errors_value),
    );
    crate::store::stats::stage_company(&mut tx, app.store.table(), &t, "imp_applying", -1);
    crate::store::stats::stage_company(&mut tx, app.store.table(), &t, "imp_applied", 1);
    let event = NewEvent::new("import.applied", id.to_string())
        .with("kind", imp.kind.as_str())
        .with("created", applied.created.to_string())
        .with("existing", applied.existing.to_string())
        .with("skipped", applied.skipped.to_string())
        .with("failed", applied.failed.to_string());
    match commit_with_audit(app, &t, head, &system_origin(key), tx, vec![event], None).await {
        Ok(_) => {}
        Err(StoreError::Cancelled { .. }) => return outcome("skipped", "another run finished this import".into()),
        Err(e) => return Err(e.into()),
    }
    // The marker has done its work (a later one would find `applied`), and
    // the checked copy too: personal data with no further use.
    bucket.delete(key).await.map_err(TriggerError::S3)?;
    bucket.delete(&copy).await.map_err(TriggerError::S3)?;
    tracing::info!(import = %id, created = applied.created, existing = applied.existing, "import applied");
    outcome(
        "applied",
        format!(
            "{} created, {} existing, {} skipped, {} failed",
            applied.created, applied.existing, applied.skipped, applied.failed
        ),
    )
}

/// Handles one object created under `imports/`.
pub async fn handle_object(app: &App, raw_key: &str, budget: Budget) -> Result<Outcome, TriggerError> {
    let key = decode_key(raw_key);
    match parse_import_key(&key) {
        Some(ImportObject::Upload(c, i)) => Box::pin(check(app, &key, c, i)).await,
        Some(ImportObject::Apply(c, i)) => Box::pin(apply(app, &key, c, i, budget)).await,
        None => Ok(Outcome { key, result: "skipped", detail: "not an import key".into() }),
    }
}

/// Handles every record of an S3 event. Any record that failed for a
/// retryable reason fails the invocation, so Lambda delivers it again
/// (work already done is found done the second time).
pub async fn handle(app: &App, event: S3Event, budget: Budget) -> Result<Vec<Outcome>, TriggerError> {
    let mut out = Vec::new();
    let mut first_error = None;
    for record in event.records {
        let Some(key) = record.s3.object.key.clone() else { continue };
        if !record.event_name.as_deref().unwrap_or("ObjectCreated").starts_with("ObjectCreated") {
            continue;
        }
        // Boxed: the apply future is deep enough to trouble the compiler's
        // layout queries in the function's `main`.
        match Box::pin(handle_object(app, &key, budget)).await {
            Ok(o) => out.push(o),
            Err(e) => {
                tracing::error!(key = %key, error = %e, "an import step failed; the event will be retried");
                first_error.get_or_insert(e);
            }
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

/// The whole of the `import-uploaded` function's `main`.
pub async fn serve() -> Result<(), lambda_runtime::Error> {
    crate::telemetry::init();
    let app = std::sync::Arc::new(App::for_events("import-uploaded").await?);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<S3Event>| {
        let app = app.clone();
        async move {
            // The context's deadline is in milliseconds since the epoch.
            // Lambda always gives one in the future; an emulator may not
            // (cargo lambda's is already past): then allow two minutes, one
            // of work before the margin.
            let now_ms = time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000;
            let left_ms = match event.context.deadline as i128 - now_ms {
                left if left > 1_000 => left.min(15 * 60 * 1000) as u64,
                _ => {
                    tracing::warn!(
                        deadline = event.context.deadline,
                        "the invocation deadline is not in the future; allowing 120 s"
                    );
                    DEADLINE_MARGIN.as_millis() as u64 + 60_000
                }
            };
            let budget = Budget::until(Instant::now() + Duration::from_millis(left_ms));
            let outcomes =
                handle(&app, event.payload, budget).await.map_err(|e| lambda_runtime::Error::from(e.to_string()))?;
            Ok::<_, lambda_runtime::Error>(serde_json::to_value(outcomes).unwrap_or_default())
        }
    }))
    .await
}
