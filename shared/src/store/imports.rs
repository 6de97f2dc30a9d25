//! A bulk import's record (`POST /imports`), as stored and as the API
//! shows it. The `people` routes create it and ask for it to be applied;
//! the import function (`events::import_uploaded`) checks the file, keeps
//! the report, and applies the rows, recording its progress here.

use serde::{Deserialize, Serialize};

use crate::domain::import::{ImportKind, Report, RowError};
use crate::ids::{CompanyId, ImportId};

/// Where an import is:
/// `pending` → `validated` | `invalid` | `rejected` → `applying` → `applied`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportStatus {
    /// Upload URL issued; the file is not checked yet.
    Pending,
    /// Every row is good.
    Validated,
    /// Some rows are not (`errors`); applying skips them when asked to.
    Invalid,
    /// The whole file was refused (`reason`): not CSV, not UTF-8, too
    /// large, too many rows, a header without the required columns.
    Rejected,
    /// Rows are being written (`next_row` is how far it got).
    Applying,
    Applied,
}

impl ImportStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ImportStatus::Pending => "pending",
            ImportStatus::Validated => "validated",
            ImportStatus::Invalid => "invalid",
            ImportStatus::Rejected => "rejected",
            ImportStatus::Applying => "applying",
            ImportStatus::Applied => "applied",
        }
    }
}

/// What applying an import did so far (complete once `applied`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Applied {
    /// Rows written as new people or leavers.
    pub created: u32,
    /// Valid rows whose person already exists (the email is the natural
    /// key): left as they are.
    pub existing: u32,
    /// Invalid rows skipped (`accept_errors`).
    pub skipped: u32,
    /// Rows that were valid when checked but not when applied (a
    /// department deleted meanwhile); their errors are added to `errors`.
    pub failed: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Import {
    #[schema(value_type = String)]
    pub id: ImportId,
    #[schema(value_type = String)]
    pub company_id: CompanyId,
    pub kind: ImportKind,
    /// The name the uploader gave; shown to people, never used as a key.
    pub filename: String,
    /// The declared size in bytes (at most 5 MiB).
    pub size: u64,
    pub status: ImportStatus,
    /// Why the file was rejected.
    pub reason: Option<String>,
    /// Rows in the file (the header not counted), valid and not.
    pub rows: u32,
    pub valid: u32,
    pub invalid: u32,
    /// The first 1000 row errors, in row order (`[]` in lists: read the
    /// import for them).
    pub errors: Vec<RowError>,
    /// Every row error, listed or not.
    pub errors_total: u32,
    /// Whether invalid rows are skipped (set by `POST /imports/{id}/apply`).
    pub accept_errors: bool,
    pub applied: Applied,
    /// Rows before this one (spreadsheet numbering) are done; `0` until
    /// applying starts.
    pub next_row: u32,
    pub created_by: String,
    pub created_at: String,
    pub checked_at: Option<String>,
    pub apply_requested_by: Option<String>,
    pub applied_at: Option<String>,
    pub version: u64,
    /// The key of the checked copy the apply reads; internal.
    #[serde(default, skip_serializing)]
    #[schema(ignore)]
    pub object_key: Option<String>,
}

impl Import {
    pub fn new(
        id: ImportId,
        company_id: CompanyId,
        kind: ImportKind,
        filename: String,
        size: u64,
        by: String,
        now: String,
    ) -> Self {
        Self {
            id,
            company_id,
            kind,
            filename,
            size,
            status: ImportStatus::Pending,
            reason: None,
            rows: 0,
            valid: 0,
            invalid: 0,
            errors: Vec::new(),
            errors_total: 0,
            accept_errors: false,
            applied: Applied::default(),
            next_row: 0,
            created_by: by,
            created_at: now,
            checked_at: None,
            apply_requested_by: None,
            applied_at: None,
            version: 1,
            object_key: None,
        }
    }

    /// The report of a checked file, as stored.
    pub fn set_report(&mut self, report: Report) {
        self.rows = report.rows;
        self.valid = report.valid;
        self.invalid = report.invalid;
        self.errors = report.errors;
        self.errors_total = report.errors_total;
    }
}
