//! A document's record, as stored and as the API shows it. The `documents`
//! routes create and read it; the upload trigger moves it from `pending` to
//! `available` or `rejected`.

use serde::{Deserialize, Serialize};

use crate::domain::documents::{FileType, Kind};
use crate::ids::{DocumentId, UserId};
use crate::store::s3::{legacy_key, upload_key};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DocumentStatus {
    /// Upload URL issued; not checked yet.
    Pending,
    Available,
    Rejected,
    Deleted,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Document {
    #[schema(value_type = String)]
    pub id: DocumentId,
    #[schema(value_type = String)]
    pub company_id: crate::ids::CompanyId,
    #[schema(value_type = String)]
    pub employee_id: UserId,
    pub kind: Kind,
    /// The name the uploader gave; shown to people, never used as a key.
    pub filename: String,
    pub content_type: FileType,
    /// The declared size in bytes.
    pub size: u64,
    pub status: DocumentStatus,
    /// Why the upload trigger rejected it.
    pub reason: Option<String>,
    pub sha256: Option<String>,
    pub uploaded_by: String,
    pub created_at: String,
    pub checked_at: Option<String>,
    pub version: u64,
    /// The key of the checked bytes, set by the upload trigger; internal,
    /// never shown (the API serves downloads through presigned URLs).
    #[serde(default, skip_serializing)]
    #[schema(ignore)]
    pub object_key: Option<String>,
}

impl Document {
    /// Where the presigned upload puts the bytes.
    pub fn upload_key(&self) -> String {
        upload_key(&self.company_id, &self.employee_id, &self.id)
    }

    /// Where the checked bytes are: the key the trigger recorded, or for a
    /// document checked before uploads were staged, its one key.
    pub fn served_key(&self) -> String {
        self.object_key.clone().unwrap_or_else(|| legacy_key(&self.company_id, &self.employee_id, &self.id))
    }
}
