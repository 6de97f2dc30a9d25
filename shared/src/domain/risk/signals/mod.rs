//! The risk signals, one per file. A new signal is a new file here plus
//! one line in `ALL`.

mod access_level;
mod access_requests;
mod after_hours_activity;
pub mod document_downloads;
mod leave_date_close;
mod leave_reason;
mod open_offboarding_items;
mod post_leave_activity;
mod privileged_role;
mod sensitive_department;
mod unhanded_work;

use super::Signal;

/// Every signal the engine runs.
pub static ALL: &[&dyn Signal] = &[
    &leave_date_close::LeaveDateClose,
    &leave_reason::LeaveReason,
    &access_level::AccessLevelSignal,
    &privileged_role::PrivilegedRole,
    &sensitive_department::SensitiveDepartment,
    &open_offboarding_items::OpenOffboardingItems,
    &post_leave_activity::PostLeaveActivity,
    &document_downloads::DocumentDownloads,
    &access_requests::AccessRequests,
    &unhanded_work::UnhandedWork,
    &after_hours_activity::AfterHoursActivity,
];
