//! Projects and their tasks (seed 003), as stored and as the API shows
//! them. Every write is a whole item conditional on the version read; the
//! index keys follow from the item: an active project is on its owner's
//! gsi1 partition, an open assigned task (not deleted) on its assignee's
//! gsi2 partition by due date. Each keeps its history, who did what, which
//! no later change rewrites (a hand-over adds to it).

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};

use super::{keys, schema, Cond, Exprs, StoreError, Tenant, Tx};
use crate::ids::{CompanyId, ProjectId, TaskId, UserId};

pub const PROJECT: &str = "project";
pub const TASK: &str = "task";
pub const DELETED_PROJECTS: &str = "deleted_projects";

/// At most this many history entries on one project or task (far below
/// DynamoDB's 400 KB item limit); past it a change is a 409.
pub const MAX_HISTORY: usize = 300;

/// One change: who, when, what.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HistoryEntry {
    pub at: String,
    /// A user id.
    pub actor: String,
    /// `created`, `updated`, `transferred`, `assigned`, `status_changed`,
    /// `handed_over`, `deleted`
    pub action: String,
    #[schema(value_type = Object)]
    pub detail: BTreeMap<String, String>,
}

impl HistoryEntry {
    pub fn new(at: &str, actor: &UserId, action: &str, detail: &[(&str, String)]) -> Self {
        Self {
            at: at.to_string(),
            actor: actor.to_string(),
            action: action.to_string(),
            detail: detail.iter().map(|(k, v)| (k.to_string(), v.clone())).collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Project {
    #[schema(value_type = String)]
    pub id: ProjectId,
    #[schema(value_type = String)]
    pub company_id: CompanyId,
    pub name: String,
    pub description: Option<String>,
    #[schema(value_type = String)]
    pub owner_id: UserId,
    #[schema(value_type = String)]
    pub created_by: UserId,
    pub deleted_at: Option<String>,
    pub deleted_by: Option<String>,
    pub history: Vec<HistoryEntry>,
    pub version: u64,
    pub created_at: String,
    pub updated_at: String,
}

/// A task's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    Todo,
    InProgress,
    Done,
}

impl TaskStatus {
    pub fn parse(s: &str) -> Result<Self, &'static str> {
        match s {
            "todo" => Ok(TaskStatus::Todo),
            "in_progress" => Ok(TaskStatus::InProgress),
            "done" => Ok(TaskStatus::Done),
            _ => Err("must be todo, in_progress or done"),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Todo => "todo",
            TaskStatus::InProgress => "in_progress",
            TaskStatus::Done => "done",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Task {
    #[schema(value_type = String)]
    pub id: TaskId,
    #[schema(value_type = String)]
    pub project_id: ProjectId,
    #[schema(value_type = String)]
    pub company_id: CompanyId,
    pub title: String,
    pub description: Option<String>,
    pub status: TaskStatus,
    #[schema(value_type = Option<String>)]
    pub assignee_id: Option<UserId>,
    /// `YYYY-MM-DD`.
    pub due_date: Option<String>,
    #[schema(value_type = String)]
    pub created_by: UserId,
    pub deleted_at: Option<String>,
    pub deleted_by: Option<String>,
    pub history: Vec<HistoryEntry>,
    pub version: u64,
    pub created_at: String,
    pub updated_at: String,
}

impl Task {
    /// Open (not done, not deleted) and assigned: on its assignee's list.
    pub fn is_open_work(&self) -> bool {
        self.status != TaskStatus::Done && self.deleted_at.is_none() && self.assignee_id.is_some()
    }
}

fn cond_on(read_version: Option<u64>) -> (Cond, Exprs) {
    match read_version {
        None => (Cond::New, Exprs::new()),
        Some(v) => (Cond::Expr("version = :read".into()), Exprs::new().num(":read", v)),
    }
}

/// Stages a whole write of `p` over the version read (`None`: new).
pub fn stage_project(
    tx: &mut Tx,
    table: &str,
    t: &Tenant,
    p: &Project,
    read_version: Option<u64>,
) -> Result<usize, StoreError> {
    let mut item = super::to_item(&keys::project(t, &p.id), PROJECT, p)?;
    if p.deleted_at.is_none() {
        item.insert(schema::GSI1_PK.into(), AttributeValue::S(keys::owner_projects_gsi1pk(t, &p.owner_id)));
        item.insert(schema::GSI1_SK.into(), AttributeValue::S(p.id.to_string()));
    }
    let (cond, exprs) = cond_on(read_version);
    Ok(tx.put_item(table, item, cond, exprs))
}

/// Stages a whole write of `task` over the version read (`None`: new).
pub fn stage_task(
    tx: &mut Tx,
    table: &str,
    t: &Tenant,
    task: &Task,
    read_version: Option<u64>,
) -> Result<usize, StoreError> {
    let mut item = super::to_item(&keys::task(t, &task.project_id, &task.id), TASK, task)?;
    if let (true, Some(a)) = (task.is_open_work(), &task.assignee_id) {
        item.insert(schema::GSI2_PK.into(), AttributeValue::S(keys::assignee_tasks_gsi2pk(t, a)));
        item.insert(
            schema::GSI2_SK.into(),
            AttributeValue::S(keys::assignee_tasks_gsi2sk(task.due_date.as_deref(), &task.id)),
        );
    }
    let (cond, exprs) = cond_on(read_version);
    Ok(tx.put_item(table, item, cond, exprs))
}

/// Records a project as deleted in the company's list of them.
pub fn stage_deleted(tx: &mut Tx, table: &str, t: &Tenant, p: &ProjectId, at: &str) {
    tx.update(
        table,
        &keys::deleted_projects(t),
        "SET #p = :at, entity_type = :et",
        Cond::None,
        Exprs::new().name("#p", &format!("p_{p}")).str(":at", at).str(":et", DELETED_PROJECTS),
    );
}

/// The ids of the deleted projects, from the company's list.
pub fn deleted_from_item(item: Option<&super::Item>) -> std::collections::BTreeSet<String> {
    item.into_iter().flat_map(|i| i.keys()).filter_map(|k| k.strip_prefix("p_").map(str::to_string)).collect()
}
