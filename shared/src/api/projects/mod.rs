//! The `projects` group (seed 003): projects (`project.rs`) and their tasks
//! (`tasks.rs`), served by the `projects` function.
//!
//! A project is its owner's: only they, the company's `owner` and a
//! platform admin (`?company_id=`) see or change it and its tasks; anyone
//! else gets a 404, so nobody learns another person's project exists. A
//! task's assignee sees it in `GET /tasks` and may move its status.

pub mod project;
pub mod tasks;

use super::CONFLICT;
use crate::http::{schema_of, Access::SignedIn, Group, Response, Route};
use crate::store::projects::{Project, Task};

pub const GROUP: Group =
    Group { function: "projects", routes: ROUTES, signs_tokens: false, on_start: None, fallback: None };

const STALE: (u16, &str) = (409, "A stale version, or the item changed meanwhile");

pub const ROUTES: &[Route] = &[
    Route {
        method: "POST",
        path: "/projects",
        summary: "Create a project (the caller owns it)",
        access: SignedIn,
        request: Some(schema_of::<project::ProjectRequest>),
        response: Response::Json(201, schema_of::<Project>),
        create: true,
        prefetch: project::prefetch_create,
        answers: &[(403, "A project for someone else, by a caller who is not the company's owner or an admin")],
        handler: handler!(project::create),
        ..Route::DEFAULT
    },
    Route {
        path: "/projects",
        summary: "List projects, newest first: one's own; every active one for the company's owner and admins",
        access: SignedIn,
        response: Response::Page(schema_of::<Project>),
        paged: true,
        handler: handler!(project::list),
        ..Route::DEFAULT
    },
    Route {
        path: "/projects/{id}",
        summary: "A project",
        access: SignedIn,
        response: Response::Json(200, schema_of::<Project>),
        prefetch: project::prefetch_project,
        handler: handler!(project::get),
        ..Route::DEFAULT
    },
    Route {
        method: "PUT",
        path: "/projects/{id}",
        summary: "Replace a project's name and description (an absent description clears it)",
        access: SignedIn,
        request: Some(schema_of::<project::PutProjectRequest>),
        response: Response::Json(200, schema_of::<Project>),
        prefetch: project::prefetch_project,
        answers: &[STALE],
        handler: handler!(project::put),
        ..Route::DEFAULT
    },
    Route {
        method: "DELETE",
        path: "/projects/{id}",
        summary: "Delete a project (soft: kept for the record, gone from lists and reads, its tasks too)",
        access: SignedIn,
        response: Response::Empty(204),
        prefetch: project::prefetch_project,
        answers: &[CONFLICT],
        handler: handler!(project::delete),
        ..Route::DEFAULT
    },
    Route {
        method: "POST",
        path: "/projects/{id}/transfer",
        summary: "Hand a project to another active person of the company",
        access: SignedIn,
        request: Some(schema_of::<project::TransferRequest>),
        response: Response::Json(200, schema_of::<Project>),
        prefetch: project::prefetch_transfer,
        answers: &[CONFLICT],
        handler: handler!(project::transfer),
        ..Route::DEFAULT
    },
    Route {
        method: "POST",
        path: "/projects/{id}/tasks",
        summary: "Add a task to a project",
        access: SignedIn,
        request: Some(schema_of::<tasks::CreateTaskRequest>),
        response: Response::Json(201, schema_of::<Task>),
        create: true,
        prefetch: tasks::prefetch_create,
        handler: handler!(tasks::create),
        ..Route::DEFAULT
    },
    Route {
        path: "/projects/{id}/tasks",
        summary: "A project's tasks, oldest first",
        access: SignedIn,
        response: Response::Page(schema_of::<Task>),
        paged: true,
        prefetch: project::prefetch_project,
        handler: handler!(tasks::list),
        ..Route::DEFAULT
    },
    Route {
        method: "PATCH",
        path: "/projects/{id}/tasks/{task_id}",
        summary: "Change a task (its assignee: only its status)",
        access: SignedIn,
        request: Some(schema_of::<tasks::PatchTaskRequest>),
        response: Response::Json(200, schema_of::<Task>),
        prefetch: tasks::prefetch_task,
        answers: &[STALE, (403, "A field the task's assignee may not change")],
        handler: handler!(tasks::patch),
        ..Route::DEFAULT
    },
    Route {
        method: "DELETE",
        path: "/projects/{id}/tasks/{task_id}",
        summary: "Delete a task (soft: its history stays)",
        access: SignedIn,
        response: Response::Empty(204),
        prefetch: tasks::prefetch_task,
        answers: &[CONFLICT],
        handler: handler!(tasks::delete),
        ..Route::DEFAULT
    },
    Route {
        path: "/tasks",
        summary: "Open tasks assigned to a person across projects, by due date (`assignee_id=me`)",
        access: SignedIn,
        response: Response::Page(schema_of::<Task>),
        query: &["assignee_id"],
        paged: true,
        prefetch: tasks::prefetch_mine,
        answers: &[(403, "Another person's tasks, for a caller who is not the company's owner or an admin")],
        handler: handler!(tasks::mine),
        ..Route::DEFAULT
    },
];
