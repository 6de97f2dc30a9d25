//! The overview's counters (`GET /overview`), moved in the same
//! transactions as the changes they count, so the overview reads a few
//! small items however large the company is.
//!
//! Plain maps of numbers moved with `ADD` (`Tx::add`, one update per item
//! per transaction), in items kept apart by what grows (`item_of`), so
//! that none nears DynamoDB's 400 KB:
//!
//! - the company's `STATS`:
//!   - `leavers`: leavers registered and not deleted;
//!   - `lv_{level}`: active leavers by risk level (`unscored` before the
//!     first assessment);
//!   - `tk_{state}`, `tq_{state}`, `tko_{state}`: open tickets, open
//!     unassigned tickets and open offboarding tickets by SLA state
//!     (`ok`, `at_risk`, `breached`);
//!   - `imp_pending_{day}` (by the day asked for, UTC: the record lasts a
//!     day), `imp_validated_{day}`, `imp_invalid_{day}` (by the day
//!     checked: the file is kept 29 days), `imp_applying`, `imp_applied`;
//!   - `inv_open`: invitations sent and not accepted;
//!   - `people`, `role_{role}`: accounts, and accounts by role;
//! - `STATS#LEAVE`: `ld_{date}_{level}`, active leavers by leave date and
//!   level, and `ck_{date}`, open checklist items of active leavers by
//!   leave date (at most one entry per leave date and level of a leaver
//!   still active);
//! - `STATS#ALERT`: `al_{day}_{level}`, alerts not resolved, by the UTC
//!   day raised and level;
//! - `STATS#EV#{week}`: `ev_{week}_{department}`, events by department and
//!   (local) week of start, one item per week (at most one entry per
//!   department);
//! - a person's `MINE#{id}`:
//!   - `ta_{state}`: open tickets assigned to them, by SLA state;
//!   - `tr_open`: open tickets they raised;
//!   - `doc_pending`: documents of theirs waiting for the upload.
//!
//! Leavers and tickets, written whole by many writers, remember what they
//! count for (`counted`, kept on the item): each write (`stage_put`)
//! computes what the record counts for now (`leaver_counts`,
//! `ticket_counts`), stages the difference from what the item as read
//! counted, and stores the new figures with it. Writes are conditional on
//! the revision read, so what was read is what the table holds, and no
//! writer has to know the counters. A record written before the counters
//! existed counts for nothing until its next write.

use std::collections::BTreeMap;

use super::leavers::Leaver;
use super::tickets::Ticket;
use super::{keys, Item, Key, Tenant, Tx};
use crate::domain::leavers::LeaverStatus;
use crate::domain::sla::Status;
use crate::ids::UserId;

/// Where a counter lives.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    Company,
    Person(UserId),
}

type Counts = BTreeMap<(Scope, String), i64>;

/// The item the counter `name` lives in.
pub fn item_of(t: &Tenant, scope: &Scope, name: &str) -> Key {
    match scope {
        Scope::Person(id) => keys::mine(t, id),
        Scope::Company => {
            if let Some(week) = name.strip_prefix("ev_").and_then(|r| r.get(..8)) {
                keys::stats_part(t, &format!("EV#{week}"))
            } else if name.starts_with("ld_") || name.starts_with("ck_") {
                keys::stats_part(t, "LEAVE")
            } else if name.starts_with("al_") {
                keys::stats_part(t, "ALERT")
            } else {
                keys::stats(t)
            }
        }
    }
}

/// What one leaver counts for.
pub fn leaver_counts(l: &Leaver) -> Counts {
    let mut c = Counts::new();
    let mut one = |name: String, n: i64| {
        if n != 0 {
            *c.entry((Scope::Company, name)).or_insert(0) += n;
        }
    };
    if l.status != LeaverStatus::Deleted {
        one("leavers".into(), 1);
    }
    if l.status == LeaverStatus::Active {
        let level = l.risk.as_ref().map(|r| r.level.as_str()).unwrap_or("unscored");
        one(format!("lv_{level}"), 1);
        one(format!("ld_{}_{level}", l.leave_date), 1);
        one(format!("ck_{}", l.leave_date), l.checklist.iter().filter(|i| !i.done).count() as i64);
    }
    c
}

/// A ticket's SLA state as the counters name it.
fn sla(ticket: &Ticket) -> &str {
    ticket.sla_state.as_deref().unwrap_or("ok")
}

/// What one ticket counts for.
pub fn ticket_counts(ticket: &Ticket) -> Counts {
    let mut c = Counts::new();
    if matches!(ticket.status, Status::Resolved | Status::Closed) {
        return c;
    }
    let state = sla(ticket);
    c.insert((Scope::Company, format!("tk_{state}")), 1);
    if ticket.assignee_id.is_none() {
        c.insert((Scope::Company, format!("tq_{state}")), 1);
    }
    if ticket.leaver_id.is_some() {
        c.insert((Scope::Company, format!("tko_{state}")), 1);
    }
    if let Some(a) = &ticket.assignee_id {
        c.insert((Scope::Person(a.clone()), format!("ta_{state}")), 1);
    }
    *c.entry((Scope::Person(ticket.requester_id.clone()), "tr_open".into())).or_insert(0) += 1;
    c
}

/// What a record counted for, as kept on its item: `name` for a company
/// counter, `name@person` for a person's.
pub type Counted = BTreeMap<String, i64>;

fn flatten(c: &Counts) -> Counted {
    c.iter()
        .map(|((scope, name), n)| match scope {
            Scope::Company => (name.clone(), *n),
            Scope::Person(id) => (format!("{name}@{id}"), *n),
        })
        .collect()
}

fn unflatten(c: &Counted) -> Counts {
    c.iter()
        .filter_map(|(k, n)| match k.split_once('@') {
            None => Some(((Scope::Company, k.clone()), *n)),
            Some((name, id)) => Some(((Scope::Person(UserId::parse(id)?), name.to_string()), *n)),
        })
        .collect()
}

/// Stages the move from what the item as read counted for (`was`) to what
/// the record counts for now (`now`), and returns `now` as the item keeps it.
pub fn stage_move(tx: &mut Tx, table: &str, t: &Tenant, was: &Counted, now: &Counts) -> Counted {
    let mut moved = now.clone();
    for (k, n) in unflatten(was) {
        *moved.entry(k).or_insert(0) -= n;
    }
    for ((scope, name), delta) in moved {
        tx.add(table, &item_of(t, &scope, &name), &name, delta);
    }
    flatten(now)
}

/// The condition that a record's overview mark (`counted`) is as read,
/// with `:counted` bound to the value read (a record from before the mark
/// has none): every write that may uncount a marked record, or marks one,
/// is conditional on it, so a record is counted at most once.
pub fn counted_as_read(counted: bool) -> &'static str {
    if counted {
        "counted = :counted"
    } else {
        "(attribute_not_exists(counted) OR counted = :counted)"
    }
}

/// Moves one company counter.
pub fn stage_company(tx: &mut Tx, table: &str, t: &Tenant, name: &str, delta: i64) {
    tx.add(table, &item_of(t, &Scope::Company, name), name, delta);
}

/// The company's counter items the overview reads on `today` (UTC) and
/// the days around it: the company's local week is the UTC week of one of
/// them.
pub fn company_items(t: &Tenant, utc_today: jiff::civil::Date) -> Vec<Key> {
    let mut k = vec![keys::stats(t), keys::stats_part(t, "LEAVE"), keys::stats_part(t, "ALERT")];
    for d in [utc_today.yesterday().ok(), Some(utc_today), utc_today.tomorrow().ok()].into_iter().flatten() {
        let part = keys::stats_part(t, &format!("EV#{}", crate::domain::payroll::week_of(d).0));
        if !k.contains(&part) {
            k.push(part);
        }
    }
    k
}

/// Counter names of an import in `status`: waiting for its file by the
/// day it was asked for, checked ones by the day checked.
pub fn import_counter(status: &str, created_at: &str, checked_at: Option<&str>) -> String {
    let day = |ts: &str| ts.get(..10).unwrap_or(ts).to_string();
    match status {
        "pending" => format!("imp_pending_{}", day(created_at)),
        "validated" | "invalid" => format!("imp_{status}_{}", day(checked_at.unwrap_or(created_at))),
        s => format!("imp_{s}"),
    }
}

/// Moves one of a person's counters.
pub fn stage_person(tx: &mut Tx, table: &str, t: &Tenant, person: &UserId, name: &str, delta: i64) {
    tx.add(table, &keys::mine(t, person), name, delta);
}

/// The counter of alerts not resolved, for an alert raised at `raised_at`
/// (RFC 3339) at `level`.
pub fn alert_counter(raised_at: &str, level: &str) -> String {
    format!("al_{}_{level}", raised_at.get(..10).unwrap_or(raised_at))
}

/// The counter of a department's events starting in `week` (`2026-W49`,
/// the company's local week).
pub fn event_counter(week: &str, department: &str) -> String {
    format!("ev_{week}_{department}")
}

/// The counter of a person's documents waiting for their upload, by the
/// day the upload was asked for (RFC 3339 `created_at`).
pub fn pending_document_counter(created_at: &str) -> String {
    format!("dp_{}", created_at.get(..10).unwrap_or(created_at))
}

/// The numbers of a counter item as read (absent: all zero).
pub fn numbers(item: Option<&Item>) -> BTreeMap<String, i64> {
    item.map(|i| {
        i.iter()
            .filter(|(k, _)| !matches!(k.as_str(), "pk" | "sk" | "entity_type"))
            .filter_map(|(k, v)| Some((k.clone(), v.as_n().ok()?.parse::<i64>().ok()?)))
            .collect()
    })
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_an_item_counted_for_round_trips_through_its_stored_form() {
        let person = UserId::new();
        let mut c = Counts::new();
        c.insert((Scope::Company, "tk_ok".into()), 1);
        c.insert((Scope::Person(person.clone()), "ta_ok".into()), 1);
        let flat = flatten(&c);
        assert_eq!(flat.get(&format!("ta_ok@{person}")), Some(&1));
        assert_eq!(unflatten(&flat), c);
    }

    #[test]
    fn growing_counters_live_in_items_of_their_own() {
        let t = Tenant::new(crate::ids::CompanyId::new());
        let sk = |name: &str| item_of(&t, &Scope::Company, name).sk;
        assert_eq!(sk("ev_2026-W49_dep_X"), "STATS#EV#2026-W49");
        assert_eq!(sk("ld_2026-11-30_high"), "STATS#LEAVE");
        assert_eq!(sk("ck_2026-11-30"), "STATS#LEAVE");
        assert_eq!(sk("al_2026-11-30_high"), "STATS#ALERT");
        assert_eq!(sk("people"), "STATS");
        let weeks: Vec<String> = company_items(&t, jiff::civil::date(2026, 11, 30)).into_iter().map(|k| k.sk).collect();
        assert_eq!(weeks, ["STATS", "STATS#LEAVE", "STATS#ALERT", "STATS#EV#2026-W48", "STATS#EV#2026-W49"]);
        assert_eq!(import_counter("pending", "2026-11-30T10:00:00Z", None), "imp_pending_2026-11-30");
        assert_eq!(
            import_counter("invalid", "2026-11-29T10:00:00Z", Some("2026-11-30T00:01:00Z")),
            "imp_invalid_2026-11-30"
        );
        assert_eq!(import_counter("applying", "2026-11-29T10:00:00Z", None), "imp_applying");
    }

    #[test]
    fn counter_names_carry_their_day_or_week() {
        assert_eq!(event_counter("2026-W49", "D1"), "ev_2026-W49_D1");
        assert_eq!(pending_document_counter("2026-11-30T08:00:00Z"), "dp_2026-11-30");
        assert_eq!(alert_counter("2026-11-30T08:00:00Z", "high"), "al_2026-11-30_high");
    }
}
