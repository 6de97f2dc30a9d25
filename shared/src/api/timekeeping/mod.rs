//! The `time` group (seed 004): clock-ins (`clockins.rs`), packages and
//! events (`events.rs`), the payroll report and closed periods
//! (`payroll.rs`) and a person's cost forecast (`forecast.rs`), served by
//! the `timekeeping` function.
//!
//! Who may touch whose time: everyone their own punches; a manager the
//! people of the departments they manage; owner, HR and admins anyone.
//! Recording or correcting someone else's time needs a reason and is
//! audited; nobody corrects their own.

pub mod clockins;
pub mod events;
pub mod forecast;
pub mod payroll;

use crate::domain::roles::Role::{self, Admin, Hr, Manager, Owner};
use crate::http::{
    schema_of,
    Access::{Roles, SignedIn},
    Group, Response, Route,
    Weight::Heavy,
};
use crate::store::time::{CalEvent, Package, PayrollLock, Shift};

pub const GROUP: Group =
    Group { function: "timekeeping", routes: ROUTES, signs_tokens: false, on_start: None, fallback: None };

/// Who records and corrects anyone's time, runs payroll and closes periods.
pub(crate) const TIME_ADMINS: &[Role] = &[Admin, Owner, Hr];
/// Who plans events and their packages (a manager for their departments).
pub(crate) const PLANNERS: &[Role] = &[Admin, Owner, Manager];
/// Who reads the payroll report (a manager for their departments).
const PAYROLL_READERS: &[Role] = &[Admin, Owner, Hr, Manager];

const CLOSED: (u16, &str) = (
    409,
    "A second clock-in, a clock-out without one, a date in a closed payroll period, an overlap, or a stale version",
);
const NOT_YOURS: (u16, &str) = (
    403,
    "Someone else's time, by a caller who is not the manager of their department, the owner or HR; or one's own correction",
);
const NO_DEPARTMENT: (u16, &str) = (403, "A department the caller does not manage");

pub const ROUTES: &[Route] = &[
    Route {
        method: "POST",
        path: "/clockins",
        summary: "Clock in or out: oneself now, or (manager, owner, HR) someone else at a given time, with a reason",
        access: SignedIn,
        request: Some(schema_of::<clockins::ClockRequest>),
        response: Response::Json(201, schema_of::<Shift>),
        create: true,
        prefetch: clockins::prefetch_punch,
        answers: &[CLOSED, NOT_YOURS],
        handler: handler!(clockins::punch),
        ..Route::DEFAULT
    },
    Route {
        path: "/clockins",
        summary: "Shifts, newest first: one's own, a person's or a department's, between two instants or dates",
        access: SignedIn,
        response: Response::Page(schema_of::<Shift>),
        query: &["employee_id", "department_id", "from", "to"],
        paged: true,
        prefetch: clockins::prefetch_list,
        answers: &[NO_DEPARTMENT],
        handler: handler!(clockins::list),
        ..Route::DEFAULT
    },
    Route {
        path: "/clockins/{id}",
        summary: "A shift, with every version of it (who, when, why)",
        access: SignedIn,
        response: Response::Json(200, schema_of::<Shift>),
        prefetch: clockins::prefetch_shift,
        handler: handler!(clockins::get),
        ..Route::DEFAULT
    },
    Route {
        method: "PATCH",
        path: "/clockins/{id}",
        summary: "Correct a closed shift's times (a new version with who, when and why; the original is kept)",
        access: SignedIn,
        request: Some(schema_of::<clockins::CorrectRequest>),
        response: Response::Json(200, schema_of::<Shift>),
        prefetch: clockins::prefetch_shift,
        answers: &[CLOSED, NOT_YOURS],
        handler: handler!(clockins::correct),
        ..Route::DEFAULT
    },
    Route {
        method: "DELETE",
        path: "/clockins/{id}",
        summary: "Void a closed shift recorded in error (`reason` required): it leaves the lists and the totals, and keeps its versions",
        access: SignedIn,
        response: Response::Empty(204),
        query: &["reason"],
        prefetch: clockins::prefetch_shift,
        answers: &[CLOSED, NOT_YOURS],
        handler: handler!(clockins::void),
        ..Route::DEFAULT
    },
    Route {
        path: "/packages",
        summary: "The company's event packages (templates), oldest first",
        access: SignedIn,
        response: Response::Page(schema_of::<Package>),
        paged: true,
        handler: handler!(events::list_packages),
        ..Route::DEFAULT
    },
    Route {
        method: "POST",
        path: "/packages",
        summary: "Create an event package",
        access: Roles(PLANNERS),
        request: Some(schema_of::<events::PackageRequest>),
        response: Response::Json(201, schema_of::<Package>),
        create: true,
        handler: handler!(events::create_package),
        ..Route::DEFAULT
    },
    Route {
        method: "PATCH",
        path: "/packages/{id}",
        summary: "Change a package (events already booked keep their price)",
        access: Roles(PLANNERS),
        request: Some(schema_of::<events::PatchPackageRequest>),
        response: Response::Json(200, schema_of::<Package>),
        prefetch: events::prefetch_package,
        answers: &[(409, "A stale version")],
        handler: handler!(events::patch_package),
        ..Route::DEFAULT
    },
    Route {
        method: "DELETE",
        path: "/packages/{id}",
        summary: "Delete a package (soft: booked events keep it)",
        access: Roles(PLANNERS),
        response: Response::Empty(204),
        prefetch: events::prefetch_package,
        handler: handler!(events::delete_package),
        ..Route::DEFAULT
    },
    Route {
        path: "/events",
        summary: "Events by start, between two instants or dates: a person's, a department's, or the company's",
        access: SignedIn,
        response: Response::Page(schema_of::<CalEvent>),
        query: &["employee_id", "department_id", "from", "to"],
        paged: true,
        prefetch: events::prefetch_list,
        answers: &[NO_DEPARTMENT],
        handler: handler!(events::list_events),
        ..Route::DEFAULT
    },
    Route {
        method: "POST",
        path: "/events",
        summary: "Book an event for a person of its department (or its manager)",
        access: Roles(PLANNERS),
        request: Some(schema_of::<events::EventRequest>),
        response: Response::Json(201, schema_of::<CalEvent>),
        create: true,
        prefetch: events::prefetch_create,
        answers: &[(409, "The person has an overlapping event"), NO_DEPARTMENT],
        handler: handler!(events::create_event),
        ..Route::DEFAULT
    },
    Route {
        path: "/events/{id}",
        summary: "An event",
        access: SignedIn,
        response: Response::Json(200, schema_of::<CalEvent>),
        prefetch: events::prefetch_event,
        handler: handler!(events::get_event),
        ..Route::DEFAULT
    },
    Route {
        method: "PATCH",
        path: "/events/{id}",
        summary: "Change an event",
        access: Roles(PLANNERS),
        request: Some(schema_of::<events::PatchEventRequest>),
        response: Response::Json(200, schema_of::<CalEvent>),
        prefetch: events::prefetch_event,
        answers: &[(409, "The person has an overlapping event, or a stale version"), NO_DEPARTMENT],
        handler: handler!(events::patch_event),
        ..Route::DEFAULT
    },
    Route {
        method: "DELETE",
        path: "/events/{id}",
        summary: "Cancel an event",
        access: Roles(PLANNERS),
        response: Response::Empty(204),
        prefetch: events::prefetch_event,
        answers: &[(409, "The event changed meanwhile"), NO_DEPARTMENT],
        handler: handler!(events::delete_event),
        ..Route::DEFAULT
    },
    Route {
        path: "/reports/payroll",
        summary: "Payroll per person between two dates (at most 93 days): regular hours, overtime and gross pay; JSON or CSV",
        access: Roles(PAYROLL_READERS),
        weight: Heavy,
        response: Response::Page(schema_of::<payroll::PayrollLine>),
        query: &["from", "to", "department_id"],
        paged: true,
        prefetch: payroll::prefetch_report,
        answers: &[
            (406, "Accept names neither application/json nor text/csv"),
            NO_DEPARTMENT,
            (422, "from after to, or a range of more than 93 days"),
        ],
        handler: handler!(payroll::report),
        ..Route::DEFAULT
    },
    Route {
        path: "/payroll-periods",
        summary: "The company's closed payroll period",
        access: Roles(TIME_ADMINS),
        response: Response::Json(200, schema_of::<PayrollLock>),
        prefetch: payroll::prefetch_lock,
        handler: handler!(payroll::get_periods),
        ..Route::DEFAULT
    },
    Route {
        method: "POST",
        path: "/payroll-periods",
        summary: "Close the payroll period up to a date: its clock-ins can no longer be recorded or corrected",
        access: Roles(&[Admin, Owner, Hr]),
        request: Some(schema_of::<payroll::CloseRequest>),
        response: Response::Json(201, schema_of::<PayrollLock>),
        create: true,
        prefetch: payroll::prefetch_lock,
        answers: &[(403, "The period holds the caller's own hours")],
        handler: handler!(payroll::close),
        ..Route::DEFAULT
    },
    Route {
        path: "/employees/{id}/cost-forecast",
        summary: "A person's predicted cost next month, from a least-squares fit of the last six months' (events serviced, cost)",
        access: Roles(PAYROLL_READERS),
        weight: Heavy,
        response: Response::Json(200, schema_of::<forecast::Forecast>),
        prefetch: forecast::prefetch,
        answers: &[(422, "Fewer than three months of data (the message says how many), no spread in events, or no hourly rate")],
        handler: handler!(forecast::forecast),
        ..Route::DEFAULT
    },
];
