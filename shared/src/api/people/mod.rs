//! The `people` group: departments (`departments.rs`), people's HR
//! records (`employees.rs`) and bulk imports of people and leavers
//! (`imports.rs`), served by the `people` function (which links the S3
//! client for the imports' presigned uploads: feature `s3`).

pub mod departments;
pub mod employees;
#[cfg(feature = "s3")]
pub mod imports;

use super::CONFLICT;
use crate::domain::roles::Role::{self, Admin, Hr, Owner};
use crate::http::{
    schema_of,
    Access::{self, Roles},
    Group, Response, Route,
};

pub const GROUP: Group =
    Group { function: "people", routes: ROUTES, signs_tokens: false, on_start: None, fallback: None };

/// Who manages a company's departments and people's records.
pub(crate) const PEOPLE_ADMINS: &[Role] = &[Admin, Owner, Hr];

pub const ROUTES: &[Route] = &[
    Route {
        path: "/departments",
        summary: "List the company's departments",
        access: Access::SignedIn,
        response: Response::Page(schema_of::<crate::store::departments::Department>),
        paged: true,
        handler: handler!(departments::list_departments),
        ..Route::DEFAULT
    },
    Route {
        method: "POST",
        path: "/departments",
        summary: "Create a department",
        access: Roles(PEOPLE_ADMINS),
        request: Some(schema_of::<departments::CreateDepartmentRequest>),
        response: Response::Json(201, schema_of::<crate::store::departments::Department>),
        create: true,
        prefetch: departments::prefetch_create,
        answers: &[CONFLICT],
        handler: handler!(departments::create_department),
        ..Route::DEFAULT
    },
    Route {
        method: "PATCH",
        path: "/departments/{id}",
        summary: "Rename a department, mark it sensitive, or change its manager",
        access: Roles(PEOPLE_ADMINS),
        request: Some(schema_of::<departments::PatchDepartmentRequest>),
        response: Response::Json(200, schema_of::<crate::store::departments::Department>),
        prefetch: departments::prefetch_by_id,
        answers: &[CONFLICT],
        handler: handler!(departments::patch_department),
        ..Route::DEFAULT
    },
    Route {
        method: "DELETE",
        path: "/departments/{id}",
        summary: "Delete a department that has no people",
        access: Roles(PEOPLE_ADMINS),
        response: Response::Empty(204),
        prefetch: departments::prefetch_by_id,
        answers: &[CONFLICT],
        handler: handler!(departments::delete_department),
        ..Route::DEFAULT
    },
    Route {
        path: "/employees",
        summary: "List people (the HR view): everyone for owner, HR and admin; a department's people for its manager; oneself otherwise",
        access: Access::SignedIn,
        response: Response::Page(schema_of::<employees::EmployeeView>),
        query: &["department_id", "manager_id", "active", "q", "invited"],
        paged: true,
        prefetch: employees::prefetch_list,
        answers: &[(403, "A department the caller does not manage")],
        handler: handler!(employees::list),
        ..Route::DEFAULT
    },
    Route {
        method: "POST",
        path: "/employees",
        summary: "Create a person's record (no login until they accept an invitation)",
        access: Roles(PEOPLE_ADMINS),
        request: Some(schema_of::<employees::CreateEmployeeRequest>),
        response: Response::Json(201, schema_of::<employees::EmployeeView>),
        create: true,
        prefetch: employees::prefetch_write,
        answers: &[CONFLICT],
        handler: handler!(employees::create),
        ..Route::DEFAULT
    },
    Route {
        path: "/employees/{id}",
        summary: "A person's record",
        access: Access::SignedIn,
        response: Response::Json(200, schema_of::<employees::EmployeeView>),
        prefetch: employees::prefetch_write,
        handler: handler!(employees::get),
        ..Route::DEFAULT
    },
    Route {
        method: "PATCH",
        path: "/employees/{id}",
        summary: "Change a person's record (oneself: only phone and emergency contact)",
        access: Access::SignedIn,
        request: Some(schema_of::<employees::PatchEmployeeRequest>),
        response: Response::Json(200, schema_of::<employees::EmployeeView>),
        prefetch: employees::prefetch_write,
        answers: &[CONFLICT, (403, "A field the caller may not change on this record (their own: only phone and emergency contact)")],
        handler: handler!(employees::patch),
        ..Route::DEFAULT
    },
    Route {
        method: "POST",
        path: "/employees/{id}/invite",
        summary: "Invite a person who has no login yet: a one-time token, valid 72 hours",
        access: Roles(PEOPLE_ADMINS),
        response: Response::Json(200, schema_of::<employees::InvitationView>),
        prefetch: employees::prefetch_write,
        answers: &[CONFLICT],
        handler: handler!(employees::invite),
        ..Route::DEFAULT
    },
    #[cfg(feature = "s3")]
    Route {
        method: "POST",
        path: "/imports",
        summary: "Start a bulk import of people or leavers: a presigned upload for the CSV file",
        access: Roles(PEOPLE_ADMINS),
        request: Some(schema_of::<imports::CreateImportRequest>),
        response: Response::Json(201, schema_of::<imports::CreateImportResponse>),
        create: true,
        handler: handler!(imports::create),
        ..Route::DEFAULT
    },
    #[cfg(feature = "s3")]
    Route {
        path: "/imports",
        summary: "List the company's imports, newest first (without their row errors)",
        access: Roles(PEOPLE_ADMINS),
        response: Response::Page(schema_of::<crate::store::imports::Import>),
        paged: true,
        handler: handler!(imports::list),
        ..Route::DEFAULT
    },
    #[cfg(feature = "s3")]
    Route {
        path: "/imports/{id}",
        summary: "An import: its status, counts and row errors",
        access: Roles(PEOPLE_ADMINS),
        response: Response::Json(200, schema_of::<crate::store::imports::Import>),
        prefetch: imports::prefetch_import,
        handler: handler!(imports::get),
        ..Route::DEFAULT
    },
    #[cfg(feature = "s3")]
    Route {
        method: "POST",
        path: "/imports/{id}/apply",
        summary: "Write an import's valid rows (202: the import function does it; poll the import)",
        access: Roles(PEOPLE_ADMINS),
        request: Some(schema_of::<imports::ApplyImportRequest>),
        response: Response::Json(202, schema_of::<crate::store::imports::Import>),
        prefetch: imports::prefetch_import,
        answers: &[(409, "The import is pending or rejected, invalid without accept_errors, or changed meanwhile")],
        handler: handler!(imports::apply),
        ..Route::DEFAULT
    },
];
