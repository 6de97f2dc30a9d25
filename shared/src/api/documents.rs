//! `/documents…`: employee documents. Files go straight to S3 through a
//! presigned upload bound to one key, type and size; the upload trigger
//! (`events::document_uploaded`) checks each object before anyone can read
//! it; downloads are short-lived presigned GETs, audited and counted as a
//! leaver-risk signal.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::domain::audit::NewEvent;
use crate::domain::documents::{self as rules, FileType, Kind, MAX_SIZE};
use crate::domain::roles::Role;
use crate::domain::validate::Checker;
use crate::error::ApiError;
use crate::http::{json, no_content, Ctx, ListPage, Reply};
use crate::ids::{DocumentId, UserId};
use crate::store::items::User;
use crate::store::s3::{Bucket, Presigned};
use crate::store::{decode, keys, schema, Cond, Exprs, Key, SkCond, StoreError, Tenant, Tx};

/// How long a presigned upload stays valid.
pub const UPLOAD_TTL: Duration = Duration::from_secs(300);
/// How long a presigned download stays valid.
pub const DOWNLOAD_TTL: Duration = Duration::from_secs(60);
/// A document never uploaded is forgotten after a day.
pub const PENDING_SECONDS: i64 = 24 * 3600;

use super::CONFLICT;
use crate::http::{schema_of, Access::SignedIn, Group, Response, Route};
pub use crate::store::documents::{Document, DocumentStatus};

/// The 403 of these routes (open to every signed-in user): another person's documents.
const FORBIDDEN: (u16, &str) = (403, "Not allowed for this caller: another person's documents");

/// Employee documents, served by `documents`, the one HTTP function that
/// links the S3 client (feature `s3`, at this module's `mod` line).
pub const GROUP: Group =
    Group { function: "documents", routes: ROUTES, signs_tokens: false, on_start: None, fallback: None };

pub const ROUTES: &[Route] = &[
    Route {
        method: "POST",
        path: "/documents/upload-url",
        summary: "Get a presigned upload for a document",
        access: SignedIn,
        request: Some(schema_of::<UploadUrlRequest>),
        response: Response::Json(201, schema_of::<UploadUrlResponse>),
        create: true,
        prefetch: prefetch_employee,
        answers: &[FORBIDDEN],
        handler: handler!(upload_url),
        ..Route::DEFAULT
    },
    Route {
        path: "/documents",
        summary: "List an employee's documents",
        access: SignedIn,
        response: Response::Page(schema_of::<Document>),
        query: &["employee_id"],
        paged: true,
        answers: &[FORBIDDEN],
        handler: handler!(list),
        ..Route::DEFAULT
    },
    Route {
        path: "/documents/{id}",
        summary: "Read a document's record",
        access: SignedIn,
        response: Response::Json(200, schema_of::<Document>),
        prefetch: prefetch_document,
        handler: handler!(get),
        ..Route::DEFAULT
    },
    Route {
        path: "/documents/{id}/download",
        summary: "Get a 60-second presigned download",
        access: SignedIn,
        prefetch: prefetch_document,
        answers: &[(409, "The document is not available (pending, rejected), or changed meanwhile")],
        handler: handler!(download),
        ..Route::DEFAULT
    },
    Route {
        method: "DELETE",
        path: "/documents/{id}",
        summary: "Delete a document",
        access: SignedIn,
        response: Response::Empty(204),
        prefetch: prefetch_document,
        answers: &[CONFLICT, (403, "The caller is a registered leaver and the document is their own")],
        handler: handler!(delete),
        ..Route::DEFAULT
    },
];

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UploadUrlRequest {
    pub employee_id: Option<String>,
    /// resume | id | contract | other
    pub kind: Option<String>,
    pub filename: Option<String>,
    /// application/pdf | image/png | image/jpeg | the DOCX media type
    pub content_type: Option<String>,
    /// Exact size in bytes (at most 10 MiB).
    pub size: Option<u64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct UploadUrlResponse {
    pub document_id: String,
    pub upload: Presigned,
    pub expires_in: u64,
}

/// HR, owners and admins handle any employee's documents; others only their own.
fn may_handle(actor: Role, actor_id: &UserId, employee: &UserId) -> bool {
    matches!(actor, Role::Hr | Role::Owner | Role::Admin) || actor_id == employee
}

fn bucket(ctx: &Ctx) -> Result<&Bucket, ApiError> {
    ctx.app.bucket.as_ref().ok_or_else(|| ApiError::internal("this function has no bucket"))
}

/// `POST /documents/upload-url`: the employee the body names.
fn prefetch_employee(ctx: &Ctx, scope: &Tenant) -> Vec<Key> {
    ctx.json_opt::<serde_json::Value>()
        .ok()
        .flatten()
        .and_then(|v| v.get("employee_id").and_then(|e| e.as_str()).and_then(UserId::parse))
        .map(|u| keys::user(scope, &u))
        .into_iter()
        .collect()
}

/// `/documents/{id}…`: the document.
fn prefetch_document(ctx: &Ctx, scope: &Tenant) -> Vec<Key> {
    DocumentId::parse(ctx.param("id")).map(|d| keys::document(scope, &d)).into_iter().collect()
}

/// `POST /documents/upload-url`.
pub async fn upload_url(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let req: UploadUrlRequest = ctx.json()?;
    let p = ctx.principal()?.clone();
    let t = ctx.tenant()?.clone();
    let mut c = Checker::default();
    let kind = c.check("kind", req.kind.as_deref().ok_or("is required").and_then(Kind::parse));
    let file_type = c.check("content_type", req.content_type.as_deref().ok_or("is required").and_then(FileType::parse));
    let size = c.check(
        "size",
        match req.size {
            None => Err("is required".to_string()),
            Some(0) => Err("must be at least 1 byte".into()),
            Some(s) if s > MAX_SIZE => Err(format!("must be at most {MAX_SIZE} bytes (10 MiB)")),
            Some(s) => Ok(s),
        },
    );
    let filename = match (&req.filename, file_type) {
        (None, _) => c.check("filename", Err::<String, _>("is required")),
        (Some(f), Some(t)) => c.check("filename", rules::filename(f, t)),
        (Some(_), None) => None,
    };
    let employee_raw = req.employee_id.clone().unwrap_or_else(|| p.id().to_string());
    let employee = c.check("employee_id", UserId::parse(&employee_raw).ok_or("is not a user id"));
    c.finish().map_err(ApiError::Validation)?;
    let (Some(kind), Some(file_type), Some(size), Some(filename), Some(employee)) =
        (kind, file_type, size, filename, employee)
    else {
        return Err(ApiError::internal("checker passed with missing values"));
    };
    if !may_handle(p.role(), p.id(), &employee) {
        return Err(ApiError::Forbidden("You may upload documents only for yourself."));
    }
    if employee != *p.id() {
        ctx.prefetched::<User>(&keys::user(&t, &employee))?
            .ok_or_else(|| ApiError::invalid("employee_id", "is not a person in this company"))?;
    }
    let doc = Document {
        id: DocumentId::new(),
        company_id: t.id().clone(),
        employee_id: employee.clone(),
        kind,
        filename,
        content_type: file_type,
        size,
        status: DocumentStatus::Pending,
        reason: None,
        sha256: None,
        uploaded_by: p.id().to_string(),
        created_at: ctx.timestamp(),
        checked_at: None,
        version: 1,
        object_key: None,
    };
    let upload = bucket(ctx)?
        .presign_upload(&doc.upload_key(), file_type.media_type(), size, UPLOAD_TTL)
        .await
        .map_err(ApiError::internal)?;
    let mut item = crate::store::to_item(&keys::document(&t, &doc.id), "document", &doc)?;
    let s = |v: String| aws_sdk_dynamodb::types::AttributeValue::S(v);
    item.insert(schema::GSI1_PK.into(), s(keys::employee_documents_gsi1pk(&t, &employee)));
    item.insert(schema::GSI1_SK.into(), s(doc.id.to_string()));
    item.insert(
        schema::TTL_ATTRIBUTE.into(),
        aws_sdk_dynamodb::types::AttributeValue::N((ctx.unix() + PENDING_SECONDS).to_string()),
    );
    let mut tx = Tx::new();
    tx.put_item(ctx.table(), item, Cond::New, Exprs::new());
    let waiting = crate::store::stats::pending_document_counter(&doc.created_at);
    crate::store::stats::stage_person(&mut tx, ctx.table(), &t, &employee, &waiting, 1);
    let event = NewEvent::new("document.upload_requested", doc.id.to_string())
        .with("employee", employee.to_string())
        .with("kind", format!("{kind:?}").to_lowercase());
    let body = UploadUrlResponse { document_id: doc.id.to_string(), upload, expires_in: UPLOAD_TTL.as_secs() };
    Ok(ctx.commit_create(tx, vec![event], 201, &body).await?)
}

/// `GET /documents?employee_id=`: an employee's documents (HR, owner and
/// admin: anyone's; others: their own, which is the default).
pub async fn list(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let p = ctx.principal()?.clone();
    let t = ctx.tenant()?.clone();
    let wanted = match ctx.query("employee_id").filter(|v| !v.is_empty()) {
        Some(raw) => Some(UserId::parse(raw).ok_or_else(|| ApiError::bad_field("employee_id", "is not a user id"))?),
        None if matches!(p.role(), Role::Hr | Role::Owner | Role::Admin) => None,
        None => Some(p.id().clone()),
    };
    if let Some(e) = &wanted {
        if !may_handle(p.role(), p.id(), e) {
            return Err(ApiError::Forbidden("You may see only your own documents."));
        }
    }
    let not_deleted =
        Some(("#status <> :deleted".to_string(), Exprs::new().name("#status", "status").str(":deleted", "deleted")));
    let scope = format!("documents|{}", wanted.as_ref().map(|u| u.to_string()).unwrap_or_default());
    let page = match &wanted {
        Some(e) => {
            let pk = keys::employee_documents_gsi1pk(&t, e);
            let (limit, start) = ctx.page_start(&scope, &crate::http::cursor::BY_GSI1, &pk)?;
            ctx.app
                .store
                .query(
                    Some((schema::GSI1, schema::GSI1_PK, schema::GSI1_SK)),
                    &pk,
                    SkCond::Prefix(DocumentId::PREFIX),
                    limit,
                    start,
                    false,
                    not_deleted,
                )
                .await?
        }
        None => {
            let pk = keys::tenant_pk(&t);
            let (limit, start) = ctx.page_start(&scope, &crate::http::cursor::BY_TABLE, &pk)?;
            ctx.app
                .store
                .query(None, &pk, SkCond::Prefix(keys::DOCUMENT_SK_PREFIX), limit, start, false, not_deleted)
                .await?
        }
    };
    let items = page.items.into_iter().map(decode::<Document>).collect::<Result<Vec<_>, _>>()?;
    let next_cursor = ctx.next_cursor(&scope, page.last_key)?;
    Ok(json(200, &ListPage { items, next_cursor }))
}

/// The document named by `{id}`, if the caller may see it.
fn visible(ctx: &Ctx) -> Result<Document, ApiError> {
    let p = ctx.principal()?;
    let id = DocumentId::parse(ctx.param("id")).ok_or(ApiError::NotFound)?;
    let d: Document = ctx.prefetched(&keys::document(ctx.tenant()?, &id))?.ok_or(ApiError::NotFound)?;
    if d.status == DocumentStatus::Deleted || !may_handle(p.role(), p.id(), &d.employee_id) {
        return Err(ApiError::NotFound);
    }
    Ok(d)
}

/// `GET /documents/{id}`.
pub async fn get(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    Ok(json(200, &visible(ctx)?))
}

/// `GET /documents/{id}/download`: a presigned GET valid for 60 seconds,
/// only for `available` documents. Audited, and counted per person and day
/// (a leaver's downloads feed their risk).
pub async fn download(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let d = visible(ctx)?;
    if d.status != DocumentStatus::Available {
        return Err(ApiError::Conflict(format!(
            "The document is {}; only available documents can be downloaded.",
            json!(d.status).as_str().unwrap_or("not available")
        )));
    }
    let presigned = bucket(ctx)?
        .presign_download(&d.served_key(), &d.filename, d.content_type.media_type(), DOWNLOAD_TTL)
        .await
        .map_err(ApiError::internal)?;
    let event = NewEvent::new("document.downloaded", d.id.to_string()).with("employee", d.employee_id.to_string());
    super::commit_counting_download(ctx, Tx::new(), event).await?;
    Ok(json(
        200,
        &json!({"document_id": d.id.to_string(), "download": presigned, "expires_in": DOWNLOAD_TTL.as_secs()}),
    ))
}

/// `DELETE /documents/{id}`: the record is kept (marked deleted) for the
/// audit trail; the object is deleted.
pub async fn delete(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let d = visible(ctx)?;
    // A registered leaver does not remove their own documents (evidence of
    // what they held): the subject of a case never acts on it. HR can.
    let p = ctx.principal()?;
    if p.user.leaver.is_some() && d.employee_id == *p.id() {
        return Err(ApiError::Forbidden("A registered leaver's own documents are kept; ask HR to remove one."));
    }
    let t = ctx.tenant()?.clone();
    let mut tx = Tx::new();
    tx.update(
        ctx.table(),
        &keys::document(&t, &d.id),
        "SET #status = :deleted, version = version + :one REMOVE expires_at",
        Cond::Expr("version = :v".into()),
        Exprs::new().name("#status", "status").str(":deleted", "deleted").num(":one", 1).num(":v", d.version),
    );
    if d.status == DocumentStatus::Pending {
        let waiting = crate::store::stats::pending_document_counter(&d.created_at);
        crate::store::stats::stage_person(&mut tx, ctx.table(), &t, &d.employee_id, &waiting, -1);
    }
    let event = NewEvent::new("document.deleted", d.id.to_string()).with("employee", d.employee_id.to_string());
    match ctx.commit(tx, vec![event]).await {
        Ok(()) => {}
        Err(StoreError::Cancelled { .. }) => {
            return Err(ApiError::Conflict("The document changed meanwhile; retry.".into()))
        }
        Err(e) => return Err(e.into()),
    }
    // After the record says deleted, nothing serves the object any more;
    // removing it is best effort (the bucket's lifecycle is the backstop).
    for key in [d.served_key(), d.upload_key()] {
        if let Err(e) = bucket(ctx)?.delete(&key).await {
            tracing::warn!(document = %d.id, error = %e, "deleting the object failed");
        }
    }
    Ok(no_content())
}
