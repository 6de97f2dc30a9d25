//! The documents bucket: presigned uploads and downloads, streaming reads,
//! copies and deletes. Object keys are built here, under two prefixes:
//!
//! - `uploads/{company}/{employee}/{document}`: where a presigned upload
//!   puts the bytes. Nothing ever serves this key; the upload trigger reads
//!   it, and deletes it once the document is checked.
//! - `documents/{company}/{employee}/{document}/{sha256 prefix}`: the
//!   checked bytes, copied there by the upload trigger (only if they are
//!   still the bytes it checked), named by the first 16 hex digits of their
//!   hash (enough to keep two checks of one document apart, and short enough
//!   for the local endpoint's file names) and recorded on the document.
//!   Downloads presign exactly that key, so a second upload to the same
//!   presigned URL can never change what a reader gets.

use std::time::Duration;

use aws_sdk_s3::presigning::PresigningConfig;

use crate::ids::{CompanyId, UserId};

/// A presigned request: what the client must send.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Presigned {
    pub url: String,
    pub method: String,
    /// Headers the client must send exactly as given (they are signed).
    #[schema(value_type = Object)]
    pub headers: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Clone)]
pub struct Bucket {
    client: aws_sdk_s3::Client,
    name: String,
}

/// Where presigned uploads go (the upload trigger's notification prefix).
pub const UPLOAD_PREFIX: &str = "uploads/";
/// Where checked documents are served from.
pub const DOCUMENT_PREFIX: &str = "documents/";

/// Where bulk-import files are uploaded (the import function's notification
/// prefix), and where an import's apply is started (`{id}.apply`).
pub const IMPORT_PREFIX: &str = "imports/";
/// Where the import function keeps the bytes of an import file it checked.
pub const IMPORTED_PREFIX: &str = "imported/";

/// Which function each prefix's `ObjectCreated` notification runs (the
/// bucket's notifications in both templates, and the local endpoint's).
pub const TRIGGERS: &[(&str, &str)] = &[(UPLOAD_PREFIX, "document-uploaded"), (IMPORT_PREFIX, "import-uploaded")];

/// The function `key`'s creation notifies, if any.
pub fn trigger_for(key: &str) -> Option<&'static str> {
    TRIGGERS.iter().find(|(prefix, _)| key.starts_with(prefix)).map(|(_, f)| *f)
}

/// An object under `imports/`: the uploaded file, or the marker that
/// starts (or resumes) applying it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportObject {
    Upload(CompanyId, crate::ids::ImportId),
    Apply(CompanyId, crate::ids::ImportId),
}

/// The key an import's presigned upload writes.
pub fn import_upload_key(company: &CompanyId, id: &crate::ids::ImportId) -> String {
    format!("{IMPORT_PREFIX}{company}/{id}.csv")
}

/// The key whose creation asks the import function to apply an import.
pub fn import_apply_key(company: &CompanyId, id: &crate::ids::ImportId) -> String {
    format!("{IMPORT_PREFIX}{company}/{id}.apply")
}

/// Where the checked bytes of an import file are kept, named by their
/// ETag (its letters and digits, at most 32).
pub fn imported_key(company: &CompanyId, id: &crate::ids::ImportId, etag: &str) -> String {
    let tag: String = etag.chars().filter(char::is_ascii_alphanumeric).take(32).collect();
    format!("{IMPORTED_PREFIX}{company}/{id}/{tag}.csv")
}

/// The parts of a key under `imports/`, if it is one of ours.
pub fn parse_import_key(key: &str) -> Option<ImportObject> {
    let (company, file) = key.strip_prefix(IMPORT_PREFIX)?.split_once('/')?;
    let company = CompanyId::parse(company)?;
    if let Some(id) = file.strip_suffix(".csv") {
        return Some(ImportObject::Upload(company, crate::ids::ImportId::parse(id)?));
    }
    let id = file.strip_suffix(".apply")?;
    Some(ImportObject::Apply(company, crate::ids::ImportId::parse(id)?))
}

/// The key a document's presigned upload writes; the user's filename never
/// appears in a key.
pub fn upload_key(company: &CompanyId, employee: &UserId, document: &crate::ids::DocumentId) -> String {
    format!("{UPLOAD_PREFIX}{company}/{employee}/{document}")
}

/// The key of a document's checked bytes (named by their SHA-256).
pub fn served_key(company: &CompanyId, employee: &UserId, document: &crate::ids::DocumentId, sha256: &str) -> String {
    let short = sha256.get(..16).unwrap_or(sha256);
    format!("{DOCUMENT_PREFIX}{company}/{employee}/{document}/{short}")
}

/// Where documents checked before uploads were staged were both uploaded
/// and served (only such documents have no recorded key).
pub fn legacy_key(company: &CompanyId, employee: &UserId, document: &crate::ids::DocumentId) -> String {
    format!("{DOCUMENT_PREFIX}{company}/{employee}/{document}")
}

/// The parts of an upload key, if it is one of ours.
pub fn parse_upload_key(key: &str) -> Option<(CompanyId, UserId, crate::ids::DocumentId)> {
    let rest = key.strip_prefix(UPLOAD_PREFIX)?;
    let mut parts = rest.split('/');
    let (c, u, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    Some((CompanyId::parse(c)?, UserId::parse(u)?, crate::ids::DocumentId::parse(d)?))
}

impl Bucket {
    /// Path-style addressing when a local endpoint is configured
    /// (`AWS_ENDPOINT_URL_S3`); virtual-hosted style on AWS.
    pub fn new(sdk: &aws_config::SdkConfig, name: impl Into<String>) -> Self {
        let local = std::env::var("AWS_ENDPOINT_URL_S3").is_ok_and(|v| !v.is_empty());
        Self::with_path_style(sdk, name, local)
    }

    pub fn with_path_style(sdk: &aws_config::SdkConfig, name: impl Into<String>, path_style: bool) -> Self {
        let conf = aws_sdk_s3::config::Builder::from(sdk).force_path_style(path_style).build();
        Self { client: aws_sdk_s3::Client::from_conf(conf), name: name.into() }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn client(&self) -> &aws_sdk_s3::Client {
        &self.client
    }

    /// A PUT bound to this key, content type and exact length.
    pub async fn presign_upload(
        &self,
        key: &str,
        content_type: &str,
        size: u64,
        ttl: Duration,
    ) -> Result<Presigned, String> {
        let cfg = PresigningConfig::expires_in(ttl).map_err(|e| e.to_string())?;
        let req = self
            .client
            .put_object()
            .bucket(&self.name)
            .key(key)
            .content_type(content_type)
            .content_length(size as i64)
            .presigned(cfg)
            .await
            .map_err(|e| format!("{e:?}"))?;
        // Exactly the headers the signature covers, which the client must
        // send as given (not, say, a tracing header the SDK added: a browser
        // would have to ask CORS for it).
        let signed: Vec<String> = req
            .uri()
            .split_once('?')
            .map(|(_, q)| q)
            .unwrap_or("")
            .split('&')
            .find_map(|kv| kv.strip_prefix("X-Amz-SignedHeaders="))
            .map(|v| v.replace("%3B", ";").split(';').map(|h| h.to_ascii_lowercase()).collect())
            .unwrap_or_default();
        let mut headers: std::collections::BTreeMap<String, String> = req
            .headers()
            .map(|(k, v)| (k.to_ascii_lowercase(), v.to_string()))
            .filter(|(k, _)| signed.contains(k) && k != "host")
            .collect();
        headers.insert("content-type".into(), content_type.into());
        headers.insert("content-length".into(), size.to_string());
        Ok(Presigned { url: req.uri().to_string(), method: req.method().to_string(), headers })
    }

    /// A GET of this key, served as an attachment named `filename`.
    pub async fn presign_download(
        &self,
        key: &str,
        filename: &str,
        content_type: &str,
        ttl: Duration,
    ) -> Result<Presigned, String> {
        let cfg = PresigningConfig::expires_in(ttl).map_err(|e| e.to_string())?;
        let ascii: String = filename.chars().map(|c| if c.is_ascii_graphic() || c == ' ' { c } else { '_' }).collect();
        let encoded: String = filename
            .bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect();
        let disposition = format!("attachment; filename=\"{}\"; filename*=UTF-8''{encoded}", ascii.replace('"', "_"));
        let req = self
            .client
            .get_object()
            .bucket(&self.name)
            .key(key)
            .response_content_disposition(disposition)
            .response_content_type(content_type)
            .presigned(cfg)
            .await
            .map_err(|e| format!("{e:?}"))?;
        Ok(Presigned { url: req.uri().to_string(), method: req.method().to_string(), headers: Default::default() })
    }

    /// Deletes the object (deleting one that is gone succeeds).
    pub async fn delete(&self, key: &str) -> Result<(), String> {
        self.client.delete_object().bucket(&self.name).key(key).send().await.map(|_| ()).map_err(|e| format!("{e:?}"))
    }

    /// Writes a small object (the import function's apply marker).
    pub async fn put(&self, key: &str, body: &[u8]) -> Result<(), String> {
        self.client
            .put_object()
            .bucket(&self.name)
            .key(key)
            .body(body.to_vec().into())
            .send()
            .await
            .map(|_| ())
            .map_err(|e| format!("{e:?}"))
    }

    /// The object's body as a stream of chunks, and its ETag.
    pub async fn stream(&self, key: &str) -> Result<Option<Object>, String> {
        match self.client.get_object().bucket(&self.name).key(key).send().await {
            Ok(o) => Ok(Some(Object { etag: o.e_tag, body: o.body })),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => Ok(None),
            Err(e) => Err(format!("{e:?}")),
        }
    }

    /// Copies `from` to `to` within the bucket, only if `from` still has
    /// the ETag `etag` (still the bytes the caller read). `Ok(false)` when
    /// it does not, or is gone.
    pub async fn copy_if_unchanged(&self, from: &str, to: &str, etag: &str) -> Result<bool, String> {
        let source = format!("{}/{}", self.name, encode_copy_source(from));
        match self
            .client
            .copy_object()
            .bucket(&self.name)
            .key(to)
            .copy_source(source)
            .copy_source_if_match(etag)
            .send()
            .await
        {
            Ok(_) => Ok(true),
            Err(e) => {
                let code = e.raw_response().map(|r| r.status().as_u16());
                let gone = e.as_service_error().and_then(|s| s.meta().code()).is_some_and(|c| c == "NoSuchKey");
                if code == Some(412) || gone {
                    Ok(false)
                } else {
                    Err(format!("{e:?}"))
                }
            }
        }
    }
}

/// An object being read: its ETag and its body.
pub struct Object {
    pub etag: Option<String>,
    pub body: aws_sdk_s3::primitives::ByteStream,
}

/// `x-amz-copy-source` is URL-encoded; our keys are ASCII ids and slashes,
/// but encode anything else anyway.
fn encode_copy_source(key: &str) -> String {
    key.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::ImportId;

    #[test]
    fn import_keys_parse_back_and_nothing_else_does() {
        let (c, i) = (CompanyId::new(), ImportId::new());
        assert_eq!(parse_import_key(&import_upload_key(&c, &i)), Some(ImportObject::Upload(c.clone(), i.clone())));
        assert_eq!(parse_import_key(&import_apply_key(&c, &i)), Some(ImportObject::Apply(c.clone(), i.clone())));
        for other in [
            imported_key(&c, &i, "\"abc123\""),
            format!("imports/{c}/{i}"),
            format!("imports/{c}/{i}.csv.apply"),
            format!("imports/{c}/x/{i}.csv"),
            format!("imports/{i}/{c}.csv"),
            format!("uploads/{c}/{i}.csv"),
            "imports/".to_string(),
        ] {
            assert_eq!(parse_import_key(&other), None, "{other}");
        }
    }

    #[test]
    fn each_prefix_notifies_its_own_function_and_served_keys_notify_none() {
        let (c, i) = (CompanyId::new(), ImportId::new());
        assert_eq!(trigger_for(&import_upload_key(&c, &i)), Some("import-uploaded"));
        assert_eq!(trigger_for(&import_apply_key(&c, &i)), Some("import-uploaded"));
        assert_eq!(trigger_for("uploads/x/y/z"), Some("document-uploaded"));
        assert_eq!(trigger_for(&imported_key(&c, &i, "\"abc123\"")), None, "a checked copy must not start a check");
        assert_eq!(trigger_for("documents/x/y/z/abc"), None);
    }
}
