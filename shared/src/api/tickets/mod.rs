//! The `tickets` group (seed 002): IT tickets with SLA clocks
//! (`ticket.rs`), their comments and timeline (`comments.rs`) and the
//! company's SLA policy (`policies.rs`), served by the `tickets` function.
//!
//! Who sees a ticket: owners and admins every ticket of the company; a
//! technician those assigned to them and the unassigned queue; anyone the
//! tickets they raised. Anything else is a 404, so nobody learns that
//! another person's ticket exists. The person a ticket is about (a leaver's
//! offboarding) never sees it.

pub mod comments;
pub mod policies;
pub mod ticket;

use super::CONFLICT;
use crate::domain::roles::Role::{self, Admin, Owner, Technician};
use crate::http::{
    schema_of,
    Access::{Roles, SignedIn},
    Group, Response, Route,
};

pub const GROUP: Group =
    Group { function: "tickets", routes: ROUTES, signs_tokens: false, on_start: None, fallback: None };

/// Who works tickets (assigns them, moves them along the flow).
pub(crate) const AGENTS: &[Role] = &[Admin, Owner, Technician];
/// Who sets the company's SLA policy.
pub(crate) const POLICY_OWNERS: &[Role] = &[Admin, Owner];

const ILLEGAL: (u16, &str) =
    (409, "A status change the flow does not allow, a stale version, or the ticket changed meanwhile");

pub const ROUTES: &[Route] = &[
    Route {
        method: "POST",
        path: "/tickets",
        summary: "Raise a ticket (its SLA targets come from the company's policy for its priority)",
        access: SignedIn,
        request: Some(schema_of::<ticket::CreateTicketRequest>),
        response: Response::Json(201, schema_of::<ticket::TicketView>),
        create: true,
        prefetch: ticket::prefetch_create,
        handler: handler!(ticket::create),
        ..Route::DEFAULT
    },
    Route {
        path: "/tickets",
        summary:
            "List tickets: all for owners and admins, assigned and unassigned for technicians, one's own otherwise",
        access: SignedIn,
        response: Response::Page(schema_of::<ticket::TicketView>),
        query: &["status", "priority", "category", "assignee", "sla", "offboarding"],
        paged: true,
        prefetch: ticket::prefetch_company,
        answers: &[(403, "An assignee filter the caller may not use")],
        handler: handler!(ticket::list),
        ..Route::DEFAULT
    },
    Route {
        path: "/tickets/{id}",
        summary: "A ticket, with its SLA clocks",
        access: SignedIn,
        response: Response::Json(200, schema_of::<ticket::TicketView>),
        prefetch: ticket::prefetch_ticket,
        handler: handler!(ticket::get),
        ..Route::DEFAULT
    },
    Route {
        method: "PATCH",
        path: "/tickets/{id}",
        summary: "Change a ticket's status (with a reason), title, description, priority or category",
        access: SignedIn,
        request: Some(schema_of::<ticket::PatchTicketRequest>),
        response: Response::Json(200, schema_of::<ticket::TicketView>),
        prefetch: ticket::prefetch_ticket,
        answers: &[ILLEGAL, (403, "A change the caller's role may not make on this ticket")],
        handler: handler!(ticket::patch),
        ..Route::DEFAULT
    },
    Route {
        method: "POST",
        path: "/tickets/{id}/assign",
        summary: "Assign a ticket to an active technician of the company",
        access: Roles(AGENTS),
        request: Some(schema_of::<ticket::AssignRequest>),
        response: Response::Json(200, schema_of::<ticket::TicketView>),
        prefetch: ticket::prefetch_assign,
        answers: &[CONFLICT],
        handler: handler!(ticket::assign),
        ..Route::DEFAULT
    },
    Route {
        method: "POST",
        path: "/tickets/{id}/comments",
        summary: "Comment on a ticket (internal comments: technicians, owners and admins only)",
        access: SignedIn,
        request: Some(schema_of::<comments::CreateCommentRequest>),
        response: Response::Json(201, schema_of::<crate::store::tickets::Comment>),
        create: true,
        prefetch: ticket::prefetch_ticket,
        answers: &[CONFLICT, (403, "An internal comment by someone who is not a technician, owner or admin")],
        handler: handler!(comments::create),
        ..Route::DEFAULT
    },
    Route {
        path: "/tickets/{id}/comments",
        summary: "A ticket's comments, oldest first",
        access: SignedIn,
        response: Response::Page(schema_of::<crate::store::tickets::Comment>),
        paged: true,
        prefetch: ticket::prefetch_ticket,
        handler: handler!(comments::list),
        ..Route::DEFAULT
    },
    Route {
        path: "/tickets/{id}/events",
        summary:
            "A ticket's timeline: created, assigned, status changes with who and why, comments, SLA pauses and notices",
        access: SignedIn,
        response: Response::Page(schema_of::<crate::store::tickets::TimelineEntry>),
        paged: true,
        prefetch: ticket::prefetch_ticket,
        handler: handler!(comments::timeline),
        ..Route::DEFAULT
    },
    Route {
        path: "/sla-policies",
        summary: "The company's SLA targets per priority",
        access: SignedIn,
        response: Response::Json(200, schema_of::<crate::domain::tickets::SlaPolicies>),
        prefetch: policies::prefetch,
        handler: handler!(policies::get),
        ..Route::DEFAULT
    },
    Route {
        method: "PUT",
        path: "/sla-policies",
        summary: "Change the company's SLA targets (tickets already open keep theirs)",
        access: Roles(POLICY_OWNERS),
        request: Some(schema_of::<policies::PutPoliciesRequest>),
        response: Response::Json(200, schema_of::<crate::domain::tickets::SlaPolicies>),
        prefetch: policies::prefetch,
        answers: &[CONFLICT],
        handler: handler!(policies::put),
        ..Route::DEFAULT
    },
];
