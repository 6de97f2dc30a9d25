//! People: a person's HR record lives on their user item (one id, one
//! record: `/auth/admin/users` is its access view, `/employees` its HR
//! view). Beside the item:
//!
//! - gsi1 on the user item, when it names a department:
//!   `CO#{cid}#DEPT#{did}` / `{name key}#{uid}` (a department's people by
//!   name, and a name prefix within it);
//! - gsi2 on the user item, when it names a manager:
//!   `CO#{cid}#MGR#{mid}` / `{name key}#{uid}`;
//! - two search entries per person in the company's partition,
//!   `PQ#{name key}#{uid}` and `PQ#{email}#{uid}`, each a copy of the
//!   record: `GET /employees?q=` is one query on a prefix of either. Every
//!   writer of the record's fields rewrites them (`stage_record`).

use aws_sdk_dynamodb::types::AttributeValue;

use super::items::{self, User};
use super::{keys, schema, Cond, Exprs, StoreError, Tenant, Tx};

pub const PERSON_ENTRY: &str = "person_entry";
pub const ENTRY_SK_PREFIX: &str = "PQ#";

/// A name as the indexes sort and search it: lowercased, spaces collapsed
/// (the same key that keeps department names unique).
pub use super::departments::name_key;

/// The search entries' sort-key tokens of a person: name key and email,
/// or only the name when the two are the same string (a name that is the
/// email), since a transaction may write an item only once.
fn tokens(u: &User) -> Vec<(&'static str, String)> {
    let (name, email) = (name_key(&u.full_name), u.email.to_lowercase());
    if name == email {
        vec![("name", name)]
    } else {
        vec![("name", name), ("email", email)]
    }
}

pub fn entry_key(t: &Tenant, token: &str, u: &User) -> keys::Key {
    keys::Key { pk: keys::tenant_pk(t), sk: format!("{ENTRY_SK_PREFIX}{token}#{}", u.id) }
}

/// The user item's index attributes for its department and manager.
fn index_attrs(t: &Tenant, u: &User) -> Vec<(&'static str, String)> {
    let sort = format!("{}#{}", name_key(&u.full_name), u.id);
    let mut out = Vec::new();
    if let Some(d) = &u.department_id {
        out.push((schema::GSI1_PK, format!("{}#DEPT#{d}", keys::tenant_pk(t))));
        out.push((schema::GSI1_SK, sort.clone()));
    }
    if let Some(m) = &u.manager_id {
        out.push((schema::GSI2_PK, format!("{}#MGR#{m}", keys::tenant_pk(t))));
        out.push((schema::GSI2_SK, sort));
    }
    out
}

/// gsi1's partition for a department's people.
pub fn by_department_gsi1pk(t: &Tenant, department: &str) -> String {
    format!("{}#DEPT#{department}", keys::tenant_pk(t))
}

/// gsi2's partition for a manager's people.
pub fn by_manager_gsi2pk(t: &Tenant, manager: &str) -> String {
    format!("{}#MGR#{manager}", keys::tenant_pk(t))
}

/// The user item of a new person, with its index attributes.
pub fn new_user_item(t: &Tenant, u: &User) -> Result<super::Item, StoreError> {
    let mut item = super::to_item(&keys::user(t, &u.id), items::USER, u)?;
    for (attr, v) in index_attrs(t, u) {
        item.insert(attr.into(), AttributeValue::S(v));
    }
    Ok(item)
}

/// What a search entry copies of a person: the record, without what is no
/// business of a list (sessions, the leaver link, the invitation).
fn snapshot(u: &User) -> User {
    User {
        sessions_revoked_at: None,
        leaver: None,
        invitation_hash: None,
        invitation_expires_at: None,
        invitation_role: None,
        ..u.clone()
    }
}

/// A search entry of `u` under `token`: the record's copy, with what the
/// list's filter reads (`kind`, `name_key`).
fn entry_item(t: &Tenant, kind: &str, token: &str, u: &User) -> Result<super::Item, StoreError> {
    let mut item = super::to_item(&entry_key(t, token, u), PERSON_ENTRY, &snapshot(u))?;
    item.insert("kind".into(), AttributeValue::S(kind.into()));
    item.insert("name_key".into(), AttributeValue::S(name_key(&u.full_name)));
    Ok(item)
}

/// Stages the search entries of `new` (and the removal of `old`'s where
/// its name or email differed): call with every change of the record.
pub fn stage_entries(tx: &mut Tx, table: &str, t: &Tenant, old: Option<&User>, new: &User) -> Result<(), StoreError> {
    let fresh = tokens(new);
    if let Some(old) = old {
        for (_, was) in tokens(old) {
            if !fresh.iter().any(|(_, now)| *now == was) {
                tx.delete(table, &entry_key(t, &was, old));
            }
        }
    }
    for (kind, token) in fresh {
        tx.put_item(table, entry_item(t, kind, &token, new)?, Cond::None, Exprs::new());
    }
    Ok(())
}

/// Stages the search entries of a person who has none (written before
/// they existed: `events::sweep::backfill`), only while the user item is
/// still at the version read: a change meanwhile wrote its own entries.
pub fn stage_missing_entries(tx: &mut Tx, table: &str, t: &Tenant, u: &User) -> Result<(), StoreError> {
    tx.check(table, &keys::user(t, &u.id), Cond::Expr("version = :v".into()), Exprs::new().num(":v", u.version));
    for (kind, token) in tokens(u) {
        tx.put_item(table, entry_item(t, kind, &token, u)?, Cond::New, Exprs::new());
    }
    Ok(())
}

/// Stages the update of a person's HR fields on the user item, conditional
/// on the version read: every field of the record set from `new` (absent
/// ones removed), the index attributes with them, and the version bumped.
/// Other attributes of the item (sessions, download counters, the leaver
/// link) are left alone.
pub fn stage_record_update(tx: &mut Tx, table: &str, t: &Tenant, read_version: u64, new: &User) -> usize {
    let mut set = vec!["full_name = :full_name".to_string(), "version = :next".to_string()];
    let mut remove = Vec::new();
    let mut exprs = Exprs::new().str(":full_name", &new.full_name).num(":next", new.version).num(":read", read_version);
    let optional: [(&str, Option<String>); 7] = [
        ("job_title", new.job_title.clone()),
        ("department_id", new.department_id.as_ref().map(ToString::to_string)),
        ("manager_id", new.manager_id.as_ref().map(ToString::to_string)),
        ("start_date", new.start_date.clone()),
        ("access_level", new.access_level.map(|a| a.as_str().to_string())),
        ("phone", new.phone.clone()),
        ("emergency_contact", new.emergency_contact.clone()),
    ];
    for (attr, v) in optional {
        match v {
            Some(v) => {
                set.push(format!("{attr} = :{attr}"));
                exprs = exprs.str(&format!(":{attr}"), v);
            }
            None => remove.push(attr.to_string()),
        }
    }
    match new.hourly_rate_cents {
        Some(c) => {
            set.push("hourly_rate_cents = :rate".into());
            exprs = exprs.num(":rate", c);
        }
        None => remove.push("hourly_rate_cents".into()),
    }
    let attrs = index_attrs(t, new);
    for idx in [(schema::GSI1_PK, schema::GSI1_SK), (schema::GSI2_PK, schema::GSI2_SK)] {
        for attr in [idx.0, idx.1] {
            match attrs.iter().find(|(a, _)| *a == attr) {
                Some((_, v)) => {
                    set.push(format!("{attr} = :{attr}"));
                    exprs = exprs.str(&format!(":{attr}"), v);
                }
                None => remove.push(attr.to_string()),
            }
        }
    }
    let mut update = format!("SET {}", set.join(", "));
    if !remove.is_empty() {
        update.push_str(&format!(" REMOVE {}", remove.join(", ")));
    }
    tx.update(table, &keys::user(t, &new.id), &update, Cond::Expr("version = :read".into()), exprs)
}

/// The items of a new user: profile (with its index attributes and search
/// entries, `store::people`) and credential (the email guard; an empty
/// hash for a person who has no login yet). Returns the credential's index
/// in `tx`.
pub fn stage_new_user(
    tx: &mut Tx,
    table: &str,
    t: &Tenant,
    user: &User,
    password_hash: String,
) -> Result<usize, StoreError> {
    let counted = User { counted: true, ..user.clone() };
    tx.put_item(table, new_user_item(t, &counted)?, Cond::New, Exprs::new());
    stage_entries(tx, table, t, None, user)?;
    super::stats::stage_company(tx, table, t, "people", 1);
    super::stats::stage_company(tx, table, t, &format!("role_{}", user.role.as_str()), 1);
    let cred = items::Credential {
        user_id: user.id.clone(),
        company_id: user.company_id.clone(),
        password_hash,
        failed_logins: 0,
        locked_until: 0,
    };
    Ok(tx.put(table, &keys::credential(&user.email), items::CREDENTIAL, &cred, Cond::New))
}
