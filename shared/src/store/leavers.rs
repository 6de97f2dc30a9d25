//! How a leaver is stored: the leaver item (`LEAVER#{id}`, the source of
//! truth) and a copy in its surname bucket (`SURNAME#{key}`, one attribute
//! per leaver id), so the seed's surname routes read one item by key instead
//! of querying an index. Both are written in the same transaction, always
//! through the functions here, and every write is conditional on the
//! leaver's `rev` (a counter every write increments), so neither copy can
//! be overwritten from a stale read.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::{keys, schema, Cond, Exprs, Item, StoreError, Tenant, Tx};
use crate::domain::leavers::{AccessLevel, ChecklistItem, LeaverStatus, Reason};
use crate::domain::risk::{Activity, Factor, Level};
use crate::domain::roles::Role;
use crate::ids::{CompanyId, LeaverId, UserId};

/// The current risk of a leaver.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RiskState {
    pub score: u32,
    pub level: Level,
    pub factors: Vec<Factor>,
    pub assessed_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Leaver {
    #[schema(value_type = String)]
    pub id: LeaverId,
    #[schema(value_type = String)]
    pub company_id: CompanyId,
    pub first_name: String,
    pub surname: String,
    pub email: Option<String>,
    /// The person's user/employee id, when the leaver has an account.
    #[schema(value_type = Option<String>)]
    pub employee_id: Option<UserId>,
    pub department: String,
    pub job_title: Option<String>,
    /// `YYYY-MM-DD`.
    pub leave_date: String,
    pub reason: Reason,
    pub access_level: AccessLevel,
    pub notes: Option<String>,
    pub status: LeaverStatus,
    pub checklist: Vec<ChecklistItem>,
    /// The linked account's role, kept current by role changes.
    #[schema(value_type = Option<String>)]
    pub linked_role: Option<Role>,
    /// Activity by the linked account after the leave date.
    pub post_leave_activity: Option<Activity>,
    pub risk: Option<RiskState>,
    /// Documents the linked person downloaded, per day (90 days kept).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub downloads: std::collections::BTreeMap<String, u32>,
    /// Level → id of the open alert at that level (at most one each).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub open_alerts: std::collections::BTreeMap<String, String>,
    pub version: u64,
    pub created_at: String,
    pub updated_at: String,
    /// Internal write counter (see the module docs).
    #[serde(default)]
    #[schema(ignore)]
    pub rev: u64,
    #[serde(default)]
    #[schema(ignore)]
    pub surname_key: String,
}

impl Leaver {
    /// The leaver as the API shows it.
    pub fn view(&self) -> serde_json::Value {
        let mut v = serde_json::to_value(self).unwrap_or_default();
        if let Some(o) = v.as_object_mut() {
            o.remove("rev");
            o.remove("surname_key");
        }
        v
    }
}

fn to_map(l: &Leaver) -> Result<aws_sdk_dynamodb::types::AttributeValue, StoreError> {
    serde_dynamo::to_attribute_value(l).map_err(|e| StoreError::Mapping(e.to_string()))
}

/// Stages a full write of `l` (whose `rev` is already the new one) over
/// the version read with `read_rev` (`None` for a new leaver). If the
/// surname changed, `old_surname_key` names the bucket to leave. Returns
/// the index of the leaver item in `tx`.
pub fn stage_put(
    tx: &mut Tx,
    table: &str,
    t: &Tenant,
    l: &Leaver,
    read_rev: Option<u64>,
    old_surname_key: Option<&str>,
) -> Result<usize, StoreError> {
    let mut item: Item = super::to_item(&keys::leaver(t, &l.id), crate::store::items::LEAVER, l)?;
    let s = |v: String| aws_sdk_dynamodb::types::AttributeValue::S(v);
    item.insert(schema::GSI1_PK.into(), s(keys::leaver_surname_gsi1pk(t, &l.surname_key)));
    item.insert(schema::GSI1_SK.into(), s(l.id.to_string()));
    item.insert(schema::GSI2_PK.into(), s(keys::leavers_by_date_gsi2pk(t)));
    item.insert(schema::GSI2_SK.into(), s(keys::leavers_by_date_gsi2sk(&l.leave_date, &l.id)));
    let idx = match read_rev {
        None => tx.put_item(table, item, Cond::New, Exprs::new()),
        Some(rev) => tx.put_item(table, item, Cond::Expr("rev = :rev".into()), Exprs::new().num(":rev", rev)),
    };
    let bucket = keys::surname_bucket(t, &l.surname_key);
    let id = l.id.to_string();
    // A deleted leaver keeps its copy (marked deleted), so field-level
    // updates of either copy always find it; lookups skip deleted ones.
    let exprs =
        Exprs::new().name("#lid", &id).str(":et", crate::store::items::SURNAME_BUCKET).value(":leaver", to_map(l)?);
    tx.update(table, &bucket, "SET #lid = :leaver, entity_type = :et", Cond::None, exprs);
    if let Some(old) = old_surname_key.filter(|o| *o != l.surname_key) {
        tx.update(table, &keys::surname_bucket(t, old), "REMOVE #lid", Cond::None, Exprs::new().name("#lid", &id));
    }
    Ok(idx)
}

/// The active leavers in a surname bucket item.
pub fn bucket_leavers(item: Option<&Item>) -> Result<Vec<Leaver>, StoreError> {
    let Some(item) = item else { return Ok(Vec::new()) };
    let mut out = Vec::new();
    for (name, v) in item {
        if name.starts_with(LeaverId::PREFIX) {
            let l: Leaver =
                serde_dynamo::from_attribute_value(v.clone()).map_err(|e| StoreError::Mapping(e.to_string()))?;
            out.push(l);
        }
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}

/// Field-level updates of both copies, for writers that do not hold the
/// whole leaver (the pipeline recording activity after the leave date, a
/// role change of the linked user, an alert being resolved). `sets` are
/// `(path, value)` pairs and `removes` paths; a path may be dotted
/// (`risk.level`).
pub fn stage_fields(
    tx: &mut Tx,
    table: &str,
    t: &Tenant,
    id: &LeaverId,
    surname_key: &str,
    sets: &[(&str, aws_sdk_dynamodb::types::AttributeValue)],
    removes: &[&str],
) {
    let mut exprs = Exprs::new().num(":one", 1);
    let path_of = |exprs: &mut Exprs, tag: &str, path: &str| -> String {
        path.split('.')
            .enumerate()
            .map(|(j, part)| {
                let n = format!("#{tag}_{j}");
                *exprs = std::mem::take(exprs).name(&n, part);
                n
            })
            .collect::<Vec<_>>()
            .join(".")
    };
    let (mut item_set, mut bucket_set, mut item_rm, mut bucket_rm) = (vec![], vec![], vec![], vec![]);
    for (i, (path, v)) in sets.iter().enumerate() {
        let p = path_of(&mut exprs, &format!("s{i}"), path);
        let val = format!(":v{i}");
        exprs = exprs.value(&val, v.clone());
        item_set.push(format!("{p} = {val}"));
        bucket_set.push(format!("#lid.{p} = {val}"));
    }
    for (i, path) in removes.iter().enumerate() {
        let p = path_of(&mut exprs, &format!("r{i}"), path);
        item_rm.push(p.clone());
        bucket_rm.push(format!("#lid.{p}"));
    }
    item_set.push("rev = rev + :one".into());
    bucket_set.push("#lid.rev = #lid.rev + :one".into());
    let clause = |set: &[String], rm: &[String]| {
        let mut c = format!("SET {}", set.join(", "));
        if !rm.is_empty() {
            c.push_str(&format!(" REMOVE {}", rm.join(", ")));
        }
        c
    };
    tx.update(table, &keys::leaver(t, id), &clause(&item_set, &item_rm), Cond::Exists, exprs.clone());
    let bucket_exprs = exprs.name("#lid", &id.to_string());
    tx.update(
        table,
        &keys::surname_bucket(t, surname_key),
        &clause(&bucket_set, &bucket_rm),
        Cond::Expr("attribute_exists(#lid)".into()),
        bucket_exprs,
    );
}

/// Adds one to a counter at a dotted `path` of both copies (for example
/// `["downloads", "2026-11-23"]`).
pub fn stage_increment(tx: &mut Tx, table: &str, t: &Tenant, id: &LeaverId, surname_key: &str, path: &[&str]) {
    let mut exprs = Exprs::new().num(":one", 1).num(":zero", 0);
    let mut names = Vec::new();
    for (i, part) in path.iter().enumerate() {
        let n = format!("#p{i}");
        exprs = exprs.name(&n, part);
        names.push(n);
    }
    let p = names.join(".");
    tx.update(
        table,
        &keys::leaver(t, id),
        &format!("SET {p} = if_not_exists({p}, :zero) + :one, rev = rev + :one"),
        Cond::Exists,
        exprs.clone(),
    );
    let bucket_exprs = exprs.name("#lid", &id.to_string());
    tx.update(
        table,
        &keys::surname_bucket(t, surname_key),
        &format!("SET #lid.{p} = if_not_exists(#lid.{p}, :zero) + :one, #lid.rev = #lid.rev + :one"),
        Cond::Expr("attribute_exists(#lid)".into()),
        bucket_exprs,
    );
}

/// Decodes prefetched items by key.
pub fn leaver_from(found: &HashMap<super::Key, Item>, key: &super::Key) -> Result<Option<Leaver>, StoreError> {
    found.get(key).cloned().map(super::decode).transpose()
}
