//! Departments: the record (`DEPT#{id}`), the guard that keeps names unique
//! in a company (`DEPTNAME#{name key}`), and the company's summary (`DEPTS`:
//! `d_{id}` = name for every department, `s_{id}` for the sensitive ones),
//! which requests read with the risk settings in the same round trip: the
//! `sensitive_department` risk signal, and a leaver registered from a
//! person's record (their department's name).

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};

use super::{keys, Cond, Exprs, Item, Tenant, Tx};
use crate::ids::{DepartmentId, UserId};

pub const DEPARTMENT: &str = "department";
pub const DEPARTMENT_NAME: &str = "department_name";

/// A department as stored (and, with `people`, as the API shows it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Department {
    #[schema(value_type = String)]
    pub id: DepartmentId,
    pub name: String,
    /// The `sensitive_department` risk signal counts leavers of this department.
    pub sensitive: bool,
    #[schema(value_type = Option<String>)]
    pub manager_id: Option<UserId>,
    /// People whose record names this department.
    pub people: u64,
    pub version: u64,
    pub created_at: String,
    pub updated_at: String,
}

/// The key that makes names unique: lowercased, spaces collapsed.
pub fn name_key(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

const NAME_PREFIX: &str = "d_";
const SENSITIVE_PREFIX: &str = "s_";
/// `m_{id}` = the department's manager, for the time routes' "a manager
/// for their departments" without another read. Departments last written
/// before this entry existed have none until their next change.
const MANAGER_PREFIX: &str = "m_";

/// The manager of a department, from the summary item.
pub fn manager_from_item(item: Option<&Item>, department: &DepartmentId) -> Option<UserId> {
    item?.get(&format!("{MANAGER_PREFIX}{department}"))?.as_s().ok().and_then(|s| UserId::parse(s))
}

/// The departments `manager` manages, from the summary item.
pub fn managed_by(item: Option<&Item>, manager: &UserId) -> Vec<DepartmentId> {
    let me = manager.to_string();
    item.into_iter()
        .flat_map(|i| i.iter())
        .filter(|(_, v)| v.as_s().is_ok_and(|s| *s == me))
        .filter_map(|(k, _)| k.strip_prefix(MANAGER_PREFIX).and_then(DepartmentId::parse))
        .collect()
}

/// At most this many departments in a company, so that the summary stays
/// far below DynamoDB's 400 KB even at its worst: a sensitive department
/// with a 100-character name of 4-byte characters takes about 470 bytes.
pub const MAX_DEPARTMENTS: usize = 500;

/// Every department's name by id, from the summary item.
pub fn names_from_item(item: Option<&Item>) -> BTreeMap<String, String> {
    item.into_iter()
        .flat_map(|i| i.iter())
        .filter_map(|(k, v)| Some((k.strip_prefix(NAME_PREFIX)?.to_string(), v.as_s().ok()?.clone())))
        .collect()
}

/// The company's sensitive departments (id → name), from the summary
/// item; `None` when the company has never had a department (then the risk
/// settings' own list still applies: `service::assess::effective_settings`).
pub fn sensitive_from_item(item: Option<&Item>) -> Option<BTreeMap<String, String>> {
    let names = names_from_item(item);
    let item = item?;
    Some(
        item.keys()
            .filter_map(|k| k.strip_prefix(SENSITIVE_PREFIX))
            .map(|id| (id.to_string(), names.get(id).cloned().unwrap_or_default()))
            .collect(),
    )
}

/// Stages the departments' entries in the summary, in one update of it (a
/// transaction may touch an item only once): each one's current name, and
/// its sensitive mark set or removed. Creates the summary if it does not
/// exist yet, which ends the legacy list.
pub fn stage_summary(tx: &mut Tx, table: &str, t: &Tenant, departments: &[&Department], now: &str) {
    let mut exprs = Exprs::new().name("#since", "since").str(":now", now);
    let mut set = vec!["#since = if_not_exists(#since, :now)".to_string()];
    let mut remove = Vec::new();
    for (i, d) in departments.iter().enumerate() {
        exprs = exprs
            .name(&format!("#d{i}"), &format!("{NAME_PREFIX}{}", d.id))
            .name(&format!("#s{i}"), &format!("{SENSITIVE_PREFIX}{}", d.id))
            .name(&format!("#m{i}"), &format!("{MANAGER_PREFIX}{}", d.id))
            .str(&format!(":n{i}"), &d.name);
        set.push(format!("#d{i} = :n{i}"));
        match &d.manager_id {
            Some(m) => {
                exprs = exprs.str(&format!(":m{i}"), m.to_string());
                set.push(format!("#m{i} = :m{i}"));
            }
            None => remove.push(format!("#m{i}")),
        }
        if d.sensitive {
            set.push(format!("#s{i} = :yes"));
        } else {
            remove.push(format!("#s{i}"));
        }
    }
    if departments.iter().any(|d| d.sensitive) {
        exprs = exprs.bool(":yes", true);
    }
    let mut update = format!("SET {}", set.join(", "));
    if !remove.is_empty() {
        update.push_str(&format!(" REMOVE {}", remove.join(", ")));
    }
    tx.update(table, &keys::departments_summary(t), &update, Cond::None, exprs);
}

/// Stages the removal of a deleted department from the summary.
pub fn stage_unlist(tx: &mut Tx, table: &str, t: &Tenant, id: &DepartmentId) {
    let exprs = Exprs::new()
        .name("#d", &format!("{NAME_PREFIX}{id}"))
        .name("#s", &format!("{SENSITIVE_PREFIX}{id}"))
        .name("#m", &format!("{MANAGER_PREFIX}{id}"));
    tx.update(table, &keys::departments_summary(t), "REMOVE #d, #s, #m", Cond::None, exprs);
}

/// Stages the name guard of a department (fails if the name is taken).
pub fn stage_claim_name(tx: &mut Tx, table: &str, t: &Tenant, d: &Department) -> usize {
    let mut item = Item::new();
    let key = keys::department_name(t, &name_key(&d.name));
    item.insert(super::schema::PK.into(), AttributeValue::S(key.pk));
    item.insert(super::schema::SK.into(), AttributeValue::S(key.sk));
    item.insert(super::schema::ENTITY_TYPE.into(), AttributeValue::S(DEPARTMENT_NAME.into()));
    item.insert("department_id".into(), AttributeValue::S(d.id.to_string()));
    tx.put_item(table, item, Cond::New, Exprs::new())
}

/// Stages the release of a department's name guard.
pub fn stage_release_name(tx: &mut Tx, table: &str, t: &Tenant, name: &str) {
    tx.delete(table, &keys::department_name(t, &name_key(name)));
}

/// Stages the department counters for a person moving from `old` to `new`.
pub fn stage_counts(tx: &mut Tx, table: &str, t: &Tenant, old: Option<&DepartmentId>, new: Option<&DepartmentId>) {
    if old == new {
        return;
    }
    for (d, n) in [(old, -1), (new, 1)] {
        if let Some(d) = d {
            let exprs = Exprs::new().num(":n", n);
            tx.update(table, &keys::department(t, d), "ADD people :n", Cond::Exists, exprs);
        }
    }
}
