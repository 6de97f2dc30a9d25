//! The route groups, one module per group (= per function). Each module
//! declares its routes (`ROUTES`, method, path, access, flags, OpenAPI types
//! and the handler) and the `GROUP` its function serves; `routes::GROUPS`
//! puts the groups together into the full table.

pub mod audit;
pub mod auth;
pub mod companies;
pub mod console;
pub mod docs;
#[cfg(feature = "s3")]
pub mod documents;
pub mod leavers;
pub mod risk;
pub mod status;
pub mod users;

use serde::Serialize;

use crate::domain::roles::Role::{self, *};
use crate::store::items;

/// Who reads the audit log.
pub(crate) const AUDIT_READERS: &[Role] = &[Admin, Owner, Security];
/// Who administers a company's users.
pub(crate) const USER_ADMINS: &[Role] = &[Admin, Owner, Hr];
/// Leavers are read by owner, HR, security and admin…
pub(crate) const LEAVER_READERS: &[Role] = &[Admin, Owner, Hr, Security];
/// …and written by owner, HR and admin.
pub(crate) const LEAVER_WRITERS: &[Role] = &[Admin, Owner, Hr];
/// Offboarding is also IT's work.
pub(crate) const CHECKLIST_USERS: &[Role] = &[Admin, Owner, Hr, Security, Technician];
/// Who configures risk, handles alerts and runs the sweep.
pub(crate) const RISK_MANAGERS: &[Role] = &[Admin, Owner, Security];

/// A route's 409: a stale `version`, a change made meanwhile, a duplicate.
pub(crate) const CONFLICT: (u16, &str) =
    (409, "Changed meanwhile (a stale version), a duplicate, or not allowed in its state");

/// A user as the API shows it (never a password hash).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub id: String,
    pub email: String,
    pub full_name: String,
    pub role: String,
    pub active: bool,
    pub company_id: String,
    pub created_at: String,
    pub version: u64,
}

impl From<&items::User> for UserView {
    fn from(u: &items::User) -> Self {
        Self {
            id: u.id.to_string(),
            email: u.email.clone(),
            full_name: u.full_name.clone(),
            role: u.role.as_str().to_string(),
            active: u.active,
            company_id: u.company_id.to_string(),
            created_at: u.created_at.clone(),
            version: u.version,
        }
    }
}

/// A company as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CompanyView {
    pub id: String,
    pub name: String,
    pub created_at: String,
}

impl From<&items::Company> for CompanyView {
    fn from(c: &items::Company) -> Self {
        Self { id: c.id.to_string(), name: c.name.clone(), created_at: c.created_at.clone() }
    }
}
