//! Departments: the record (`DEPT#{id}`), the guard that keeps names unique
//! in a company (`DEPTNAME#{name key}`), and the company's list of
//! sensitive departments (`SENSITIVEDEPTS`, one attribute per department),
//! which the `sensitive_department` risk signal reads with the risk
//! settings in the same request.

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

const SENSITIVE_PREFIX: &str = "d_";

/// The company's sensitive departments (id → name), from the stored item;
/// `None` when the company has never had a department (then the risk
/// settings' own list still applies: `service::assess::effective_settings`).
pub fn sensitive_from_item(item: Option<&Item>) -> Option<BTreeMap<String, String>> {
    let item = item?;
    Some(
        item.iter()
            .filter_map(|(k, v)| {
                let id = k.strip_prefix(SENSITIVE_PREFIX)?;
                Some((id.to_string(), v.as_s().ok()?.clone()))
            })
            .collect(),
    )
}

/// Stages the departments' entries in the sensitive list, in one update
/// of the list item (a transaction may touch an item only once): set (with
/// its current name) for each sensitive department, removed for the
/// others. Creates the list item if it does not exist yet, which ends the
/// legacy list.
pub fn stage_sensitivity(tx: &mut Tx, table: &str, t: &Tenant, departments: &[&Department], now: &str) {
    let mut exprs = Exprs::new().name("#since", "since").str(":now", now);
    let mut set = vec!["#since = if_not_exists(#since, :now)".to_string()];
    let mut remove = Vec::new();
    for (i, d) in departments.iter().enumerate() {
        exprs = exprs.name(&format!("#d{i}"), &format!("{SENSITIVE_PREFIX}{}", d.id));
        if d.sensitive {
            exprs = exprs.str(&format!(":n{i}"), &d.name);
            set.push(format!("#d{i} = :n{i}"));
        } else {
            remove.push(format!("#d{i}"));
        }
    }
    let mut update = format!("SET {}", set.join(", "));
    if !remove.is_empty() {
        update.push_str(&format!(" REMOVE {}", remove.join(", ")));
    }
    tx.update(table, &keys::sensitive_departments(t), &update, Cond::None, exprs);
}

/// Stages the removal of a deleted department's entry.
pub fn stage_unlist(tx: &mut Tx, table: &str, t: &Tenant, id: &DepartmentId) {
    let exprs = Exprs::new().name("#d", &format!("{SENSITIVE_PREFIX}{id}"));
    tx.update(table, &keys::sensitive_departments(t), "REMOVE #d", Cond::None, exprs);
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
