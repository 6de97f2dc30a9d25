//! How a leaver is stored: one item (`LEAVER#{id}`), indexed by surname
//! (gsi1, for the seed's surname routes) and by leave date (gsi2, for the
//! sweep and the date filters). Every write goes through the functions here
//! and, where it rewrites the item, is conditional on the leaver's `rev` (a
//! counter every write increments), so a stale read never overwrites it.
//!
//! (Until issue 11 a full copy of every leaver of a surname also lived in one
//! `SURNAME#{key}` item, which grew past DynamoDB's 400 KB item limit at about
//! fourteen leavers of one surname with long notes. Such items left in a
//! table are no longer read or written.)

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
    /// The department of the person's record, when the leaver was
    /// registered from it (the risk signal then reads it by id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub department_id: Option<crate::ids::DepartmentId>,
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
    /// `access` tickets the linked person raised, per day (90 days kept):
    /// the risk signal `access_requests`.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub access_requests: std::collections::BTreeMap<String, u32>,
    /// The linked person's shifts outside working hours (the risk signal
    /// `after_hours_activity`), as last copied from their account.
    #[serde(default)]
    pub after_hours: Option<crate::domain::risk::AfterHours>,
    /// The leaver's offboarding ticket (IT revokes their access).
    #[serde(default)]
    pub offboarding: Option<OffboardingLink>,
    /// What the linked account holds that is not handed over yet, as last
    /// counted (at registration, by the sweep, after a hand-over).
    #[serde(default)]
    pub held: Option<crate::domain::risk::HeldWork>,
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
    /// What the item counts for in the overview (`store::stats`).
    #[serde(default)]
    #[schema(ignore)]
    pub counted: super::stats::Counted,
}

/// A leaver's offboarding ticket, and when it was opened (its resolution
/// target runs from then to the end of the leave date).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OffboardingLink {
    #[schema(value_type = String)]
    pub ticket_id: crate::ids::TicketId,
    pub opened_at: String,
}

impl Leaver {
    /// A new active leaver from checked fields, with no account linked
    /// (`POST /leavers` links one when the body names an employee).
    pub fn new(company_id: CompanyId, f: crate::domain::leavers::LeaverFields, now: String) -> Self {
        use crate::domain::leavers::{format_date, new_checklist, surname_key};
        Self {
            id: LeaverId::new(),
            company_id,
            first_name: f.first_name,
            surname_key: surname_key(&f.surname),
            surname: f.surname,
            email: f.email,
            employee_id: None,
            department: f.department,
            department_id: None,
            job_title: f.job_title,
            leave_date: format_date(f.leave_date),
            reason: f.reason,
            access_level: f.access_level,
            notes: f.notes,
            status: LeaverStatus::Active,
            checklist: new_checklist(),
            linked_role: None,
            post_leave_activity: None,
            downloads: Default::default(),
            access_requests: Default::default(),
            after_hours: None,
            offboarding: None,
            held: None,
            risk: None,
            open_alerts: Default::default(),
            version: 1,
            created_at: now.clone(),
            updated_at: now,
            rev: 0,
            counted: Default::default(),
        }
    }

    /// The leaver as the API shows it.
    pub fn view(&self) -> serde_json::Value {
        let mut v = serde_json::to_value(self).unwrap_or_default();
        if let Some(o) = v.as_object_mut() {
            o.remove("rev");
            o.remove("surname_key");
            o.remove("counted");
        }
        v
    }
}

/// Stages a full write of `l` (whose `rev` is already the new one) over
/// the version read with `read_rev` (`None` for a new leaver). If the
/// surname changed, `old_surname_key` names the bucket to leave. Returns
/// the index of the leaver item in `tx`.
pub fn stage_put(tx: &mut Tx, table: &str, t: &Tenant, l: &Leaver, read_rev: Option<u64>) -> Result<usize, StoreError> {
    let mut item: Item = super::to_item(&keys::leaver(t, &l.id), crate::store::items::LEAVER, l)?;
    // The overview's counters move with the leaver (`l.counted` is what the
    // item as read counted for: no writer changes it).
    let counted = super::stats::stage_move(tx, table, t, &l.counted, &super::stats::leaver_counts(l));
    item.insert(
        "counted".into(),
        serde_dynamo::to_attribute_value(&counted).map_err(|e| StoreError::Mapping(e.to_string()))?,
    );
    let s = |v: String| aws_sdk_dynamodb::types::AttributeValue::S(v);
    item.insert(schema::GSI1_PK.into(), s(keys::leaver_surname_gsi1pk(t, &l.surname_key)));
    item.insert(schema::GSI1_SK.into(), s(l.id.to_string()));
    item.insert(schema::GSI2_PK.into(), s(keys::leavers_by_date_gsi2pk(t)));
    item.insert(schema::GSI2_SK.into(), s(keys::leavers_by_date_gsi2sk(&l.leave_date, &l.id)));
    // gsi3 is sparse: a leaver leaves it when it stops being active (every
    // change of status goes through here, as a whole item).
    if let Some((pk, sk)) = leaving_index_keys(t, l) {
        item.insert(schema::GSI3_PK.into(), s(pk));
        item.insert(schema::GSI3_SK.into(), s(sk));
    }
    let idx = match read_rev {
        None => tx.put_item(table, item, Cond::New, Exprs::new()),
        Some(rev) => tx.put_item(table, item, Cond::Expr("rev = :rev".into()), Exprs::new().num(":rev", rev)),
    };
    Ok(idx)
}

/// The gsi3 keys of an active leaver (none for any other status).
pub fn leaving_index_keys(t: &Tenant, l: &Leaver) -> Option<(String, String)> {
    (l.status == crate::domain::leavers::LeaverStatus::Active)
        .then(|| (keys::leaving_gsi3pk(keys::leaving_shard(&l.id)), keys::leaving_gsi3sk(&l.leave_date, t, &l.id)))
}

/// A page of the active leavers with surname key `key`, by the surname
/// index (gsi1: eventually consistent, so a leaver registered a moment ago
/// may be missing for that moment; writes found this way are conditional on
/// the `rev` read, so a stale copy is never written back).
pub async fn by_surname(
    store: &super::Store,
    t: &Tenant,
    key: &str,
    limit: i32,
    start: Option<Item>,
) -> Result<(Vec<Leaver>, Option<HashMap<String, String>>), StoreError> {
    let not_deleted =
        Some(("#status <> :deleted".to_string(), Exprs::new().name("#status", "status").str(":deleted", "deleted")));
    let page = store
        .query(
            Some((schema::GSI1, schema::GSI1_PK, schema::GSI1_SK)),
            &keys::leaver_surname_gsi1pk(t, key),
            super::SkCond::Prefix(LeaverId::PREFIX),
            limit,
            start,
            true,
            not_deleted,
        )
        .await?;
    let leavers = page.items.into_iter().map(super::decode::<Leaver>).collect::<Result<Vec<_>, _>>()?;
    Ok((leavers, page.last_key))
}

/// Field-level updates of the leaver, for writers that do not hold the
/// whole leaver (the pipeline recording activity after the leave date, a
/// role change of the linked user, an alert being resolved). `sets` are
/// `(path, value)` pairs and `removes` paths; a path may be dotted
/// (`risk.level`).
pub fn stage_fields(
    tx: &mut Tx,
    table: &str,
    t: &Tenant,
    id: &LeaverId,
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
    let (mut item_set, mut item_rm) = (vec![], vec![]);
    for (i, (path, v)) in sets.iter().enumerate() {
        let p = path_of(&mut exprs, &format!("s{i}"), path);
        let val = format!(":v{i}");
        exprs = exprs.value(&val, v.clone());
        item_set.push(format!("{p} = {val}"));
    }
    for (i, path) in removes.iter().enumerate() {
        let p = path_of(&mut exprs, &format!("r{i}"), path);
        item_rm.push(p);
    }
    item_set.push("rev = rev + :one".into());
    let clause = |set: &[String], rm: &[String]| {
        let mut c = format!("SET {}", set.join(", "));
        if !rm.is_empty() {
            c.push_str(&format!(" REMOVE {}", rm.join(", ")));
        }
        c
    };
    tx.update(table, &keys::leaver(t, id), &clause(&item_set, &item_rm), Cond::Exists, exprs);
}

/// Adds one to a counter at a dotted `path` of the leaver (for example
/// `["downloads", "2026-11-23"]`).
pub fn stage_increment(tx: &mut Tx, table: &str, t: &Tenant, id: &LeaverId, path: &[&str]) {
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
        exprs,
    );
}

/// Decodes prefetched items by key.
pub fn leaver_from(found: &HashMap<super::Key, Item>, key: &super::Key) -> Result<Option<Leaver>, StoreError> {
    found.get(key).cloned().map(super::decode).transpose()
}
