//! The overview counters' backfill (`MIGRATION#overview-counters`, run by
//! the `risk-sweep` function before its pass until done, like the index
//! backfill): counts, once, what was written before the counters existed.
//!
//! Every record the overview counts carries a mark (`store::stats`):
//! leavers and tickets what they count for (`counted`), alerts, accounts,
//! invitations and events a flag. Records written since the counters exist
//! carry it from their first write; every write that uncounts a record is
//! conditional on the mark as read and uncounts only a marked one. So the
//! backfill marks each unmarked record and adds what it counts for in one
//! conditional transaction: a record is counted exactly once, whoever gets
//! there first. Records whose counters lapse within a month (imports, the
//! day an upload waits) are not backfilled; events only from this week on
//! (past weeks are never read).

use serde::{Deserialize, Serialize};

use super::sweep::save_migration;
use crate::service::assess::{Alert, AlertStatus};
use crate::service::sweep::{now_ms, Resume};
use crate::store::items::{self, Company, User};
use crate::store::leavers::Leaver;
use crate::store::stats::{self, Counted};
use crate::store::tickets::Ticket;
use crate::store::time::CalEvent;
use crate::store::{decode, keys, start_item, Cond, Exprs, Item, SkCond, Store, StoreError, Tenant, Tx};

/// The migration's name (`MIGRATION#overview-counters`).
pub const NAME: &str = "overview-counters";

/// The record kinds, in the order each company is walked: sort-key prefix
/// and entity type.
const KINDS: [(&str, &str); 5] = [
    (keys::LEAVER_SK_PREFIX, items::LEAVER),
    (keys::TICKET_SK_PREFIX, crate::store::tickets::TICKET),
    (keys::ALERT_SK_PREFIX, items::ALERT),
    (keys::USER_SK_PREFIX, items::USER),
    ("CEVENT#", crate::store::time::CAL_EVENT),
];

/// The backfill's progress.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct Backfill {
    pub done: bool,
    /// The last company fully counted.
    pub after_company: Option<String>,
    /// Within the company after it: the kind being walked, and where its
    /// next page starts.
    #[serde(default)]
    pub kind: usize,
    pub resume: Option<Resume>,
    /// Records counted so far.
    #[serde(default)]
    pub counted: u64,
}

/// Counts every company's unmarked records, company by company (the
/// companies index), until done (`true`) or `stop_at` (`false`), saving
/// its progress after each page.
pub async fn run(
    store: &Store,
    state: &mut Backfill,
    now: time::OffsetDateTime,
    stop_at: u64,
) -> Result<bool, StoreError> {
    let key = keys::migration(NAME);
    let index = Some((crate::store::schema::GSI1, crate::store::schema::GSI1_PK, crate::store::schema::GSI1_SK));
    let mut start = super::sweep::companies_after(state.after_company.as_deref());
    loop {
        let page = store
            .query(index, keys::COMPANIES_GSI1PK, SkCond::Prefix(crate::ids::CompanyId::PREFIX), 100, start, true, None)
            .await?;
        for item in page.items {
            let company: Company = decode(item)?;
            if !count_company(store, &company, now, stop_at, state).await? {
                save_migration(store, &key, state).await?;
                return Ok(false);
            }
            state.after_company = Some(company.id.to_string());
            state.kind = 0;
            state.resume = None;
        }
        save_migration(store, &key, state).await?;
        match page.last_key {
            Some(k) => start = Some(start_item(k)),
            None => break,
        }
    }
    state.done = true;
    save_migration(store, &key, state).await?;
    tracing::info!(records = state.counted, "overview counters backfilled");
    Ok(true)
}

/// Counts one company's unmarked records from `state.kind`/`state.resume`
/// on, until done (`true`) or `stop_at` (`false`, the place kept in
/// `state`). A record that cannot be counted is logged and skipped.
pub async fn count_company(
    store: &Store,
    company: &Company,
    now: time::OffsetDateTime,
    stop_at: u64,
    state: &mut Backfill,
) -> Result<bool, StoreError> {
    let t = Tenant::new(company.id.clone());
    let pk = keys::tenant_pk(&t);
    while state.kind < KINDS.len() {
        let (prefix, entity) = KINDS[state.kind];
        loop {
            if now_ms() >= stop_at {
                return Ok(false);
            }
            let only = Some(("entity_type = :et".to_string(), Exprs::new().str(":et", entity)));
            let page = store
                .query(None, &pk, SkCond::Prefix(prefix), 100, state.resume.clone().map(start_item), true, only)
                .await?;
            for item in page.items {
                match count_one(store, &t, company, now, entity, item).await {
                    Ok(true) => state.counted += 1,
                    Ok(false) => {}
                    Err(e) => tracing::warn!(company = %company.id, error = %e, "a record was not backfilled"),
                }
            }
            match page.last_key {
                Some(k) => state.resume = Some(k),
                None => break,
            }
        }
        state.kind += 1;
        state.resume = None;
    }
    Ok(true)
}

/// Counts one record if it is unmarked; `true` if it was counted now.
async fn count_one(
    store: &Store,
    t: &Tenant,
    company: &Company,
    now: time::OffsetDateTime,
    entity: &str,
    item: Item,
) -> Result<bool, StoreError> {
    let table = store.table();
    let mut tx = Tx::new();
    let to_value = |c: &Counted| serde_dynamo::to_attribute_value(c).map_err(|e| StoreError::Mapping(e.to_string()));
    // Leavers and tickets: what they count for, with the revision moved so
    // that a write from an earlier read (which would count them again)
    // fails and reads them anew.
    let whole = |tx: &mut Tx, key: &crate::store::Key, rev: u64, counted: &Counted| -> Result<(), StoreError> {
        tx.update(
            table,
            key,
            "SET counted = :c, rev = if_not_exists(rev, :zero) + :one",
            Cond::Expr("attribute_not_exists(counted) AND (rev = :rev OR attribute_not_exists(rev))".into()),
            Exprs::new().value(":c", to_value(counted)?).num(":zero", 0).num(":one", 1).num(":rev", rev),
        );
        Ok(())
    };
    match entity {
        e if e == items::LEAVER => {
            if item.contains_key("counted") {
                return Ok(false);
            }
            let l: Leaver = decode(item)?;
            let counted = stats::stage_move(&mut tx, table, t, &Counted::new(), &stats::leaver_counts(&l));
            whole(&mut tx, &keys::leaver(t, &l.id), l.rev, &counted)?;
        }
        e if e == crate::store::tickets::TICKET => {
            if item.contains_key("counted") {
                return Ok(false);
            }
            let ticket: Ticket = decode(item)?;
            let counted = stats::stage_move(&mut tx, table, t, &Counted::new(), &stats::ticket_counts(&ticket));
            whole(&mut tx, &keys::ticket(t, &ticket.id), ticket.rev, &counted)?;
        }
        e if e == items::ALERT => {
            let a: Alert = decode(item)?;
            if a.counted || a.status == AlertStatus::Resolved {
                return Ok(false);
            }
            tx.update(
                table,
                &keys::alert(t, &a.id),
                "SET counted = :yes",
                Cond::Expr(format!("{} AND #status <> :resolved", stats::counted_as_read(false))),
                Exprs::new()
                    .bool(":yes", true)
                    .bool(":counted", false)
                    .name("#status", "status")
                    .str(":resolved", "resolved"),
            );
            stats::stage_company(&mut tx, table, t, &stats::alert_counter(&a.raised_at, a.level.as_str()), 1);
        }
        e if e == items::USER => {
            let u: User = decode(item)?;
            let invitation = u.invitation_hash.as_ref().filter(|_| !u.invitation_counted);
            if u.counted && invitation.is_none() {
                return Ok(false);
            }
            let (mut set, mut conds) = (vec![], vec![]);
            let mut exprs = Exprs::new().bool(":yes", true);
            if !u.counted {
                set.push("counted = :yes");
                conds.push("attribute_not_exists(counted)".to_string());
                stats::stage_company(&mut tx, table, t, "people", 1);
                stats::stage_company(&mut tx, table, t, &format!("role_{}", u.role.as_str()), 1);
            }
            if let Some(h) = invitation {
                set.push("invitation_counted = :yes");
                conds.push("attribute_not_exists(invitation_counted) AND invitation_hash = :h".to_string());
                exprs = exprs.str(":h", h);
                stats::stage_company(&mut tx, table, t, "inv_open", 1);
            }
            tx.update(
                table,
                &keys::user(t, &u.id),
                &format!("SET {}", set.join(", ")),
                Cond::Expr(conds.join(" AND ")),
                exprs,
            );
        }
        _ => {
            let e: CalEvent = decode(item)?;
            let cal = company.calendar();
            let start = e.start.parse::<jiff::Timestamp>().map_err(|x| StoreError::Mapping(x.to_string()))?;
            let today =
                jiff::Timestamp::from_second(now.unix_timestamp()).map_err(|x| StoreError::Mapping(x.to_string()))?;
            let (week, this_week) = (
                crate::domain::payroll::week_of(cal.local_date(start)).0,
                crate::domain::payroll::week_of(cal.local_date(today)).0,
            );
            // Only weeks the overview still reads.
            if e.counted || week < this_week {
                return Ok(false);
            }
            tx.update(
                table,
                &keys::cal_event(t, &e.id),
                "SET counted = :yes",
                Cond::Expr(format!("{} AND version = :v", stats::counted_as_read(false))),
                Exprs::new().bool(":yes", true).bool(":counted", false).num(":v", e.version),
            );
            stats::stage_company(&mut tx, table, t, &stats::event_counter(&week, &e.department_id.to_string()), 1);
        }
    }
    match store.transact(tx).await {
        Ok(()) => Ok(true),
        // Written meanwhile (and so counted by that write) or resolved.
        Err(StoreError::Cancelled { .. }) => Ok(false),
        Err(e) => Err(e),
    }
}
