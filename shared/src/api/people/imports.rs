//! `/imports…`: bulk imports of people or leavers from a CSV file. The file
//! goes straight to S3 through a presigned upload bound to one key and its
//! exact size; the import function (`events::import_uploaded`) checks every
//! row and stores the report on the import; `POST /imports/{id}/apply`
//! answers 202 at once and asks the import function to write the rows
//! (an HTTP request has 29 seconds, ten thousand rows take longer).

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::domain::audit::NewEvent;
use crate::domain::import::{ImportKind, MAX_BYTES};
use crate::domain::validate::{self, Checker};
use crate::error::ApiError;
use crate::http::{json, Ctx, ListPage, Reply};
use crate::ids::ImportId;
use crate::store::imports::{Import, ImportStatus};
use crate::store::s3::{import_apply_key, import_upload_key, Bucket, Presigned};
use crate::store::{decode, keys, schema, Cond, Exprs, Key, SkCond, StoreError, Tenant, Tx};

/// How long a presigned upload of an import file stays valid.
pub const UPLOAD_TTL: Duration = Duration::from_secs(300);
/// An import whose file never came is forgotten after a day.
pub const PENDING_SECONDS: i64 = 24 * 3600;
/// How long the checked copy of a file is kept (the bucket's lifecycle
/// rule `expire-imported`): an import checked longer ago cannot be applied.
pub const KEPT_DAYS: i64 = 29;
/// The media type the presigned upload is bound to.
pub const CSV_MEDIA_TYPE: &str = "text/csv";

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateImportRequest {
    /// employees | leavers
    pub kind: Option<String>,
    /// The file's name, ending in `.csv`.
    pub filename: Option<String>,
    /// Exact size in bytes (at most 5 MiB).
    pub size: Option<u64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CreateImportResponse {
    pub import_id: String,
    /// `PUT` the file here, with exactly these headers.
    pub upload: Presigned,
    pub expires_in: u64,
    pub import: Import,
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyImportRequest {
    /// Needed for an `invalid` import: write the valid rows, skip the rest.
    #[serde(default)]
    pub accept_errors: bool,
}

fn bucket(ctx: &Ctx) -> Result<&Bucket, ApiError> {
    ctx.app.bucket.as_ref().ok_or_else(|| ApiError::internal("this function has no bucket"))
}

/// `/imports/{id}…`: the import.
pub fn prefetch_import(ctx: &Ctx, scope: &Tenant) -> Vec<Key> {
    ImportId::parse(ctx.param("id")).map(|i| keys::import(scope, &i)).into_iter().collect()
}

fn kind(raw: &str) -> Result<ImportKind, &'static str> {
    match raw {
        "employees" => Ok(ImportKind::Employees),
        "leavers" => Ok(ImportKind::Leavers),
        _ => Err("must be employees or leavers"),
    }
}

fn filename(raw: &str) -> Result<String, String> {
    let name = validate::name(raw, 200)?;
    if name.contains(['/', '\\']) {
        return Err("must be a file name, not a path".into());
    }
    if !name.to_ascii_lowercase().ends_with(".csv") {
        return Err("must end in .csv (a CSV file, comma- or semicolon-separated)".into());
    }
    Ok(name)
}

/// `POST /imports` (owner, HR, admin): an import record and a presigned
/// upload for its file.
pub async fn create(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let req: CreateImportRequest = ctx.json()?;
    let p = ctx.principal()?.clone();
    let t = ctx.tenant()?.clone();
    let mut c = Checker::default();
    let kind = c.check("kind", req.kind.as_deref().ok_or("is required").and_then(kind));
    let filename =
        c.check("filename", req.filename.as_deref().ok_or_else(|| "is required".to_string()).and_then(filename));
    let size = c.check(
        "size",
        match req.size {
            None => Err("is required".to_string()),
            Some(0) => Err("must be at least 1 byte".into()),
            Some(s) if s > MAX_BYTES as u64 => Err(format!("must be at most {MAX_BYTES} bytes (5 MiB)")),
            Some(s) => Ok(s),
        },
    );
    c.finish().map_err(ApiError::Validation)?;
    let (Some(kind), Some(filename), Some(size)) = (kind, filename, size) else {
        return Err(ApiError::internal("checker passed with missing values"));
    };
    let imp = Import::new(ImportId::new(), t.id().clone(), kind, filename, size, p.id().to_string(), ctx.timestamp());
    let upload = bucket(ctx)?
        .presign_upload(&import_upload_key(t.id(), &imp.id), CSV_MEDIA_TYPE, size, UPLOAD_TTL)
        .await
        .map_err(ApiError::internal)?;
    let mut item = crate::store::to_item(&keys::import(&t, &imp.id), "import", &imp)?;
    item.insert(
        schema::TTL_ATTRIBUTE.into(),
        aws_sdk_dynamodb::types::AttributeValue::N((ctx.unix() + PENDING_SECONDS).to_string()),
    );
    let mut tx = Tx::new();
    tx.put_item(ctx.table(), item, Cond::New, Exprs::new());
    let waiting = crate::store::stats::import_counter("pending", &imp.created_at, None);
    crate::store::stats::stage_company(&mut tx, ctx.table(), &t, &waiting, 1);
    let event =
        NewEvent::new("import.created", imp.id.to_string()).with("kind", kind.as_str()).with("size", size.to_string());
    let body = CreateImportResponse {
        import_id: imp.id.to_string(),
        upload,
        expires_in: UPLOAD_TTL.as_secs(),
        import: imp.clone(),
    };
    Ok(ctx.commit_create(tx, vec![event], 201, &body).await?)
}

/// `GET /imports`: the company's imports, newest first (without their
/// row errors: read one import for those).
pub async fn list(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let t = ctx.tenant()?.clone();
    let pk = keys::tenant_pk(&t);
    let (limit, start) = ctx.page_start("imports", &crate::http::cursor::BY_TABLE, &pk)?;
    let page =
        ctx.app.store.query(None, &pk, SkCond::Prefix(keys::IMPORT_SK_PREFIX), limit, start, false, None).await?;
    let items = page
        .items
        .into_iter()
        .map(|i| {
            decode::<Import>(i).map(|mut imp| {
                imp.errors.clear();
                imp
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let next_cursor = ctx.next_cursor("imports", page.last_key)?;
    Ok(json(200, &ListPage { items, next_cursor }))
}

fn target(ctx: &Ctx) -> Result<Import, ApiError> {
    let id = ImportId::parse(ctx.param("id")).ok_or(ApiError::NotFound)?;
    ctx.prefetched::<Import>(&keys::import(ctx.tenant()?, &id))?.ok_or(ApiError::NotFound)
}

/// `GET /imports/{id}`: status, counts and the row errors.
pub async fn get(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    Ok(json(200, &target(ctx)?))
}

/// `POST /imports/{id}/apply`: 202 with the import, once it is `applying`.
/// Applying again changes nothing: an `applied` import is answered as it
/// is, and an `applying` one is nudged again (should its run have stopped,
/// the next one resumes where it did).
pub async fn apply(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let req: ApplyImportRequest = ctx.json_opt()?.unwrap_or_default();
    let t = ctx.tenant()?.clone();
    let mut imp = target(ctx)?;
    match imp.status {
        ImportStatus::Pending => {
            return Err(ApiError::Conflict(
                "The file is not checked yet (status pending): apply it once it is validated or invalid.".into(),
            ))
        }
        ImportStatus::Rejected => {
            return Err(ApiError::Conflict(format!(
                "The file was rejected ({}): there is nothing to apply; upload a corrected file as a new import.",
                imp.reason.as_deref().unwrap_or("unreadable")
            )))
        }
        ImportStatus::Invalid if !req.accept_errors => {
            return Err(ApiError::Conflict(format!(
                "{} of {} rows are invalid: fix the file and import it again, or send accept_errors: true to write the {} valid rows and skip the rest.",
                imp.invalid, imp.rows, imp.valid
            )))
        }
        ImportStatus::Applied => return Ok(json(202, &imp)),
        ImportStatus::Applying => {
            nudge(ctx, &t, &imp).await?;
            return Ok(json(202, &imp));
        }
        ImportStatus::Validated | ImportStatus::Invalid => {}
    }
    let checked = imp
        .checked_at
        .as_deref()
        .and_then(|c| time::OffsetDateTime::parse(c, &time::format_description::well_known::Rfc3339).ok());
    if checked.is_some_and(|c| ctx.now - c > time::Duration::days(KEPT_DAYS)) {
        return Err(ApiError::Conflict(format!(
            "The file was checked more than {KEPT_DAYS} days ago and is no longer kept; import it again."
        )));
    }
    let by = ctx.principal()?.id().to_string();
    let mut tx = Tx::new();
    tx.update(
        ctx.table(),
        &keys::import(&t, &imp.id),
        "SET #status = :applying, accept_errors = :accept, apply_requested_by = :by, next_row = :first, version = version + :one",
        Cond::Expr("version = :v".into()),
        Exprs::new()
            .name("#status", "status")
            .str(":applying", "applying")
            .bool(":accept", req.accept_errors)
            .str(":by", &by)
            .num(":first", 2)
            .num(":one", 1)
            .num(":v", imp.version),
    );
    let was = crate::store::stats::import_counter(imp.status.as_str(), &imp.created_at, imp.checked_at.as_deref());
    crate::store::stats::stage_company(&mut tx, ctx.table(), &t, &was, -1);
    crate::store::stats::stage_company(&mut tx, ctx.table(), &t, "imp_applying", 1);
    let event = NewEvent::new("import.apply_requested", imp.id.to_string())
        .with("kind", imp.kind.as_str())
        .with("rows", imp.rows.to_string())
        .with("accept_errors", req.accept_errors.to_string());
    match ctx.commit(tx, vec![event]).await {
        Ok(()) => {}
        Err(StoreError::Cancelled { .. }) => {
            return Err(ApiError::Conflict("The import changed meanwhile; read it again and retry.".into()))
        }
        Err(e) => return Err(e.into()),
    }
    imp.status = ImportStatus::Applying;
    imp.accept_errors = req.accept_errors;
    imp.apply_requested_by = Some(by);
    imp.next_row = 2;
    imp.version += 1;
    nudge(ctx, &t, &imp).await?;
    Ok(json(202, &imp))
}

/// Asks the import function to apply (or go on applying) `imp`: the
/// creation of its apply marker notifies it. The marker carries nothing;
/// the function acts only on an import whose record says `applying`.
async fn nudge(ctx: &Ctx, t: &Tenant, imp: &Import) -> Result<(), ApiError> {
    bucket(ctx)?.put(&import_apply_key(t.id(), &imp.id), b"apply").await.map_err(ApiError::internal)
}
