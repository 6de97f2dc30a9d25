//! Projects and their tasks (seed 003), as stored and as the API shows
//! them. Every write is a whole item conditional on the version read; the
//! index keys follow from the item: an active project is on its owner's
//! gsi1 partition (their projects), and it and every open assigned task
//! (not deleted) are on their holder's gsi2 partition (`HELD#…`: what a
//! hand-over moves). Each person's user item counts what they hold
//! (`held_projects`, `held_tasks`), kept in the same transactions, so
//! closing a leaver's case knows without a query. Each project and task
//! keeps its history, who did what, which no later change rewrites (a
//! hand-over adds to it).

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
#[schema(as = WorkHistoryEntry)]
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

/// What people hold, by person: (projects, tasks) to add to their counts.
pub type Holdings = BTreeMap<UserId, (i64, i64)>;

/// Who holds a project: its owner while it is active.
fn project_holder(p: Option<&Project>) -> Option<&UserId> {
    p.filter(|p| p.deleted_at.is_none()).map(|p| &p.owner_id)
}

/// Who holds a task: its assignee while it is open.
fn task_holder(t: Option<&Task>) -> Option<&UserId> {
    t.filter(|t| t.is_open_work()).and_then(|t| t.assignee_id.as_ref())
}

fn shift(h: &mut Holdings, old: Option<&UserId>, new: Option<&UserId>, project: bool) {
    if old == new {
        return;
    }
    for (who, n) in [(old, -1), (new, 1)] {
        if let Some(who) = who {
            let e = h.entry(who.clone()).or_default();
            if project {
                e.0 += n;
            } else {
                e.1 += n;
            }
        }
    }
}

/// Stages a whole write of `p` over `old` (`None`: new), conditional on
/// the version read, and notes in `held` whose holdings it changes.
pub fn stage_project(
    tx: &mut Tx,
    table: &str,
    t: &Tenant,
    p: &Project,
    old: Option<&Project>,
    held: &mut Holdings,
) -> Result<usize, StoreError> {
    let mut item = super::to_item(&keys::project(t, &p.id), PROJECT, p)?;
    if p.deleted_at.is_none() {
        item.insert(schema::GSI1_PK.into(), AttributeValue::S(keys::owner_projects_gsi1pk(t, &p.owner_id)));
        item.insert(schema::GSI1_SK.into(), AttributeValue::S(p.id.to_string()));
        item.insert(schema::GSI2_PK.into(), AttributeValue::S(keys::held_gsi2pk(t, &p.owner_id)));
        item.insert(schema::GSI2_SK.into(), AttributeValue::S(keys::held_project_gsi2sk(&p.id)));
    }
    shift(held, project_holder(old), project_holder(Some(p)), true);
    let (cond, exprs) = cond_on(old.map(|o| o.version));
    Ok(tx.put_item(table, item, cond, exprs))
}

/// Stages a whole write of `task` over `old` (`None`: new), conditional on
/// the version read, and notes in `held` whose holdings it changes.
pub fn stage_task(
    tx: &mut Tx,
    table: &str,
    t: &Tenant,
    task: &Task,
    old: Option<&Task>,
    held: &mut Holdings,
) -> Result<usize, StoreError> {
    let mut item = super::to_item(&keys::task(t, &task.project_id, &task.id), TASK, task)?;
    if let Some(a) = task_holder(Some(task)) {
        item.insert(schema::GSI2_PK.into(), AttributeValue::S(keys::held_gsi2pk(t, a)));
        item.insert(
            schema::GSI2_SK.into(),
            AttributeValue::S(keys::held_task_gsi2sk(task.due_date.as_deref(), &task.id)),
        );
    }
    shift(held, task_holder(old), task_holder(Some(task)), false);
    let (cond, exprs) = cond_on(old.map(|o| o.version));
    Ok(tx.put_item(table, item, cond, exprs))
}

/// Stages one update per person whose holdings changed (a transaction may
/// touch an item once).
pub fn stage_holdings(tx: &mut Tx, table: &str, t: &Tenant, held: &Holdings) {
    for (who, (projects, tasks)) in held {
        if *projects == 0 && *tasks == 0 {
            continue;
        }
        tx.update(
            table,
            &keys::user(t, who),
            "ADD held_projects :p, held_tasks :t",
            Cond::Exists,
            Exprs::new().num(":p", projects).num(":t", tasks),
        );
    }
}

/// What a person holds, as the risk signal `unhanded_work` reads it: one
/// query of their `HELD` partition (its first `limit` items named; the
/// counts are the whole partition's when it fits in the page, else at
/// least that many).
pub async fn held_work(
    store: &super::Store,
    t: &Tenant,
    person: &UserId,
    limit: i32,
    at: &str,
) -> Result<crate::domain::risk::HeldWork, StoreError> {
    let index = Some((schema::GSI2, schema::GSI2_PK, schema::GSI2_SK));
    let pk = keys::held_gsi2pk(t, person);
    let page =
        store.query(index, &pk, super::SkCond::Between(keys::HELD_PROJECT, "T#~"), limit, None, true, None).await?;
    let mut held = crate::domain::risk::HeldWork { counted_at: at.to_string(), ..Default::default() };
    for item in page.items {
        match item.get("entity_type").and_then(|v| v.as_s().ok()).map(String::as_str) {
            Some(PROJECT) => {
                let p: Project = super::decode(item)?;
                held.projects += 1;
                if held.items.len() < 10 {
                    held.items.push(format!("project: {}", p.name));
                }
            }
            Some(TASK) => {
                let task: Task = super::decode(item)?;
                held.tasks += 1;
                if held.items.len() < 10 {
                    let due = task.due_date.map(|d| format!(" (due {d})")).unwrap_or_default();
                    held.items.push(format!("task: {}{due}", task.title));
                }
            }
            _ => {}
        }
    }
    Ok(held)
}

/// A user item's holdings: (projects, open tasks).
pub fn holdings_of(item: Option<&super::Item>) -> (i64, i64) {
    let n = |k: &str| item.and_then(|i| super::number(i, k)).unwrap_or(0).max(0);
    (n("held_projects"), n("held_tasks"))
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
