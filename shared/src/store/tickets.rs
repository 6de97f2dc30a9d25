//! A ticket as stored: its fields, the short history its SLA clocks are
//! computed from (`log`), which SLA notices were recorded (`noted`), and
//! the index keys that follow from them. Every write of a ticket is a whole
//! item (`stage_put`), conditional on the version read, which also keeps
//! its SLA state item (`TKSLA#…`, for `GET /tickets?sla=`) and its place in
//! the SLA check's index (gsi3) current.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::AttributeValue;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::{keys, schema, Cond, Exprs, StoreError, Tenant, Tx};
use crate::domain::calendar::Calendar;
use crate::domain::sla::{self, Change, Clock, Entry, Target, TargetSpec};
use crate::domain::tickets::{Category, Priority, Status};
use crate::ids::{CommentId, CompanyId, LeaverId, TicketId, UserId};

pub const TICKET: &str = "ticket";
pub const TICKET_EVENT: &str = "ticket_event";
pub const TICKET_COMMENT: &str = "ticket_comment";
pub const TICKET_SLA_STATE: &str = "ticket_sla_state";
pub const SLA_POLICIES: &str = "sla_policies";

/// One step of the history the clocks read: `created`, `responded`, or the
/// status the ticket moved to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    /// RFC 3339 UTC.
    pub at: String,
    pub change: String,
}

/// A ticket's targets, fixed when it was opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TicketSla {
    pub first_response: TargetSpec,
    pub resolution: TargetSpec,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ticket {
    pub id: TicketId,
    pub company_id: CompanyId,
    pub title: String,
    pub description: String,
    pub priority: Priority,
    pub category: Category,
    pub status: Status,
    pub requester_id: UserId,
    pub assignee_id: Option<UserId>,
    /// The leaver whose offboarding this ticket is.
    pub leaver_id: Option<LeaverId>,
    /// The person the ticket is about (a leaver's account): never shown
    /// the ticket, never acts on it.
    pub subject_id: Option<UserId>,
    pub sla: TicketSla,
    pub log: Vec<LogEntry>,
    /// SLA notices recorded: `first_response.at_risk`, `resolution.breached`, …
    pub noted: Vec<String>,
    /// `at_risk` or `breached` while the ticket is listed so.
    pub sla_state: Option<String>,
    /// Timeline entries so far (the next one's number is this plus one).
    pub events: u32,
    /// What people edit against (`PATCH` sends it back).
    pub version: u64,
    /// Every write's counter, people's and the SLA check's (which records
    /// its notices without bumping `version`): each write is conditional
    /// on the `rev` it read.
    #[serde(default)]
    pub rev: u64,
    pub created_at: String,
    pub updated_at: String,
    /// What the item counts for in the overview (`store::stats`).
    #[serde(default)]
    pub counted: super::stats::Counted,
}

pub fn parse_ts(s: &str) -> Option<Timestamp> {
    s.parse().ok()
}

fn change_of(s: &str) -> Option<Change> {
    match s {
        "created" => Some(Change::Created),
        "responded" => Some(Change::Responded),
        other => Status::parse(other).ok().map(Change::Status),
    }
}

impl Ticket {
    /// A new open ticket, its history started.
    #[allow(clippy::too_many_arguments)]
    pub fn open(
        company_id: CompanyId,
        title: String,
        description: String,
        priority: Priority,
        category: Category,
        requester_id: UserId,
        sla: TicketSla,
        at: &str,
    ) -> Self {
        let mut t = Self {
            id: TicketId::new(),
            company_id,
            title,
            description,
            priority,
            category,
            status: Status::Open,
            requester_id,
            assignee_id: None,
            leaver_id: None,
            subject_id: None,
            sla,
            log: Vec::new(),
            noted: Vec::new(),
            sla_state: None,
            events: 0,
            version: 1,
            rev: 0,
            created_at: at.to_string(),
            updated_at: at.to_string(),
            counted: Default::default(),
        };
        t.log_change(at, "created");
        t
    }

    /// The history as the clocks read it.
    pub fn history(&self) -> Vec<Entry> {
        self.log.iter().filter_map(|e| Some(Entry { at: parse_ts(&e.at)?, change: change_of(&e.change)? })).collect()
    }

    pub fn log_change(&mut self, at: &str, change: &str) {
        self.log.push(LogEntry { at: at.to_string(), change: change.to_string() });
    }

    /// Whether a technician has responded yet.
    pub fn responded(&self) -> bool {
        self.log.iter().any(|e| e.change == "responded")
    }

    pub fn clocks(&self, calendar: &Calendar, now: Timestamp) -> (Clock, Clock) {
        let h = self.history();
        (
            sla::clock(&h, Target::FirstResponse, self.sla.first_response, calendar, now),
            sla::clock(&h, Target::Resolution, self.sla.resolution, calendar, now),
        )
    }

    /// `breached` if a target was breached, else `at_risk` if a running
    /// target is at risk.
    pub fn state(&self, calendar: &Calendar, now: Timestamp) -> Option<&'static str> {
        let (f, r) = self.clocks(calendar, now);
        if f.breached || r.breached {
            Some("breached")
        } else if f.at_risk || r.at_risk {
            Some("at_risk")
        } else {
            None
        }
    }

    pub fn noted(&self, target: &str, notice: &str) -> bool {
        self.noted.iter().any(|n| n == &format!("{target}.{notice}"))
    }

    /// When the SLA check should next look at this ticket (epoch seconds).
    pub fn next_check(&self, calendar: &Calendar, now: Timestamp) -> Option<i64> {
        let h = self.history();
        [
            (Target::FirstResponse, "first_response", self.sla.first_response),
            (Target::Resolution, "resolution", self.sla.resolution),
        ]
        .into_iter()
        .filter_map(|(target, name, spec)| {
            sla::next_check(&h, target, spec, calendar, now, self.noted(name, "at_risk"), self.noted(name, "breached"))
        })
        .map(|t| t.as_second())
        .min()
    }
}

/// Stages a whole write of `ticket` (its `sla_state` and index keys from
/// its clocks at `now`) over the `rev` read (`None`: a new ticket), and
/// moves its SLA state item when the state changed from `old_state`.
/// Returns the index of the ticket in `tx`.
#[allow(clippy::too_many_arguments)]
pub fn stage_put(
    tx: &mut Tx,
    table: &str,
    t: &Tenant,
    ticket: &mut Ticket,
    read_rev: Option<u64>,
    old_state: Option<&str>,
    calendar: &Calendar,
    now: Timestamp,
) -> Result<usize, StoreError> {
    ticket.rev = read_rev.map(|r| r + 1).unwrap_or(0);
    let state = ticket.state(calendar, now);
    ticket.sla_state = state.map(str::to_string);
    // The overview's counters move with the ticket (`ticket.counted` is
    // what the item as read counted for).
    ticket.counted = super::stats::stage_move(tx, table, t, &ticket.counted, &super::stats::ticket_counts(ticket));
    let mut item = super::to_item(&keys::ticket(t, &ticket.id), TICKET, &*ticket)?;
    let s = |v: String| AttributeValue::S(v);
    item.insert(schema::GSI1_PK.into(), s(keys::requester_tickets_gsi1pk(t, &ticket.requester_id)));
    item.insert(schema::GSI1_SK.into(), s(ticket.id.to_string()));
    item.insert(schema::GSI2_PK.into(), s(keys::assignee_tickets_gsi2pk(t, ticket.assignee_id.as_ref())));
    item.insert(schema::GSI2_SK.into(), s(ticket.id.to_string()));
    if let Some(at) = ticket.next_check(calendar, now) {
        let (pk, sk) = keys::sla_due_gsi3(t, &ticket.id, at);
        item.insert(schema::GSI3_PK.into(), s(pk));
        item.insert(schema::GSI3_SK.into(), s(sk));
    }
    let index = match read_rev {
        None => tx.put_item(table, item, Cond::New, Exprs::new()),
        Some(r) => tx.put_item(
            table,
            item,
            Cond::Expr("#rev = :read OR (attribute_not_exists(#rev) AND :read = :zero)".into()),
            Exprs::new().name("#rev", "rev").num(":read", r).num(":zero", 0),
        ),
    };
    // The state item is a copy of the ticket, so `GET /tickets?sla=` reads
    // the tickets in one query: rewritten with every write while the
    // ticket is in a state, moved when the state changes.
    if let Some(old) = old_state.filter(|o| Some(*o) != state) {
        tx.delete(table, &keys::ticket_sla_state(t, old, &ticket.id));
    }
    if let Some(new) = state {
        let mut copy = super::to_item(&keys::ticket_sla_state(t, new, &ticket.id), TICKET_SLA_STATE, &*ticket)?;
        copy.insert("ticket_id".into(), s(ticket.id.to_string()));
        tx.put_item(table, copy, Cond::None, Exprs::new());
    }
    Ok(index)
}

/// One entry of a ticket's timeline: who did what, when, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TimelineEntry {
    pub seq: u32,
    pub at: String,
    /// A user id, or `system` (the SLA check).
    pub actor: String,
    /// `created`, `assigned`, `status_changed`, `commented`, `sla_paused`,
    /// `sla_resumed`, `sla_at_risk`, `sla_breached`, `updated`
    pub kind: String,
    #[schema(value_type = Object)]
    pub detail: BTreeMap<String, String>,
}

/// Stages the ticket's next timeline entry (numbered from its counter,
/// which it advances).
#[allow(clippy::too_many_arguments)]
pub fn stage_timeline(
    tx: &mut Tx,
    table: &str,
    t: &Tenant,
    ticket: &mut Ticket,
    at: &str,
    actor: &str,
    kind: &str,
    detail: &[(&str, String)],
) {
    ticket.events += 1;
    let entry = TimelineEntry {
        seq: ticket.events,
        at: at.to_string(),
        actor: actor.to_string(),
        kind: kind.to_string(),
        detail: detail.iter().map(|(k, v)| (k.to_string(), v.clone())).collect(),
    };
    tx.put(table, &keys::ticket_event(t, &ticket.id, ticket.events), TICKET_EVENT, &entry, Cond::New);
}

/// A comment on a ticket. `internal` ones are for technicians, owners and
/// admins only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Comment {
    #[schema(value_type = String)]
    pub id: CommentId,
    #[schema(value_type = String)]
    pub ticket_id: TicketId,
    #[schema(value_type = String)]
    pub author_id: UserId,
    pub body: String,
    pub internal: bool,
    pub created_at: String,
}
