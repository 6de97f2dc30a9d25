//! Time, events and payroll (seed 004), as stored and as the API shows
//! them.
//!
//! - A **shift** (`CLOCKIN#…`) is one clock-in and its clock-out. It is
//!   never overwritten in place of its past: every punch and correction is
//!   a new entry in `versions` (who, when, why), and the shift's current
//!   `in_at`/`out_at` are the last version's.
//! - A person's **clock** (`CLOCK#{uid}`) holds their open shift and where
//!   their last one ended; every punch writes it on condition of the version
//!   read: one open shift per person, under any concurrency, and no punch
//!   for the past inside an earlier shift.
//! - **Weekly totals** (`PAYWEEK#{week}#{uid}`): seconds per local day
//!   (`d0` Monday … `d6` Sunday) of a closed shift's counted pieces, added by
//!   the clock-out and moved by each correction in the same transaction. The
//!   payroll report reads these (people × weeks), never the shifts.
//! - The **payroll lock** (`PAYLOCK`) holds the last closed date; every
//!   write of a shift checks it in its transaction.
//! - **Events** keep a per-person, per-UTC-date **busy day** item with each
//!   event's span and a revision: a create checks the spans it read and
//!   bumps the revision, so two overlapping creates cannot both commit.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};

use super::{keys, schema, Cond, Exprs, Item, StoreError, Tenant, Tx};
use crate::domain::payroll::Piece;
use crate::ids::{CalEventId, ClockinId, DepartmentId, PackageId, UserId};

pub const CLOCKIN: &str = "clockin";
pub const CLOCK_STATE: &str = "clock_state";
pub const PAY_WEEK: &str = "pay_week";
pub const PAY_MONTH: &str = "pay_month";
pub const PAYROLL_LOCK: &str = "payroll_lock";
pub const PACKAGE: &str = "package";
pub const CAL_EVENT: &str = "cal_event";
pub const BUSY_DAY: &str = "busy_day";

/// At most this many versions of one shift (with 1000-character reasons
/// of 4-byte characters, about 160 KB: below DynamoDB's 400 KB); past it a
/// correction is a 409.
pub const MAX_VERSIONS: usize = 40;

/// One punch or correction of a shift.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ShiftVersion {
    /// `in`, `out` or `corrected`.
    pub action: String,
    pub in_at: String,
    pub out_at: Option<String>,
    /// Who recorded it (a user id).
    pub by: String,
    /// When it was recorded.
    pub at: String,
    /// Why (required when someone records or corrects another person's time).
    pub reason: Option<String>,
}

/// A shift: a clock-in and, once closed, its clock-out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Shift {
    #[schema(value_type = String)]
    pub id: ClockinId,
    #[schema(value_type = String)]
    pub employee_id: UserId,
    /// The person's department when they clocked in.
    #[schema(value_type = Option<String>)]
    pub department_id: Option<DepartmentId>,
    /// The person's name and hourly rate when they clocked in (what the
    /// weekly totals are filed with).
    #[serde(default)]
    pub full_name: String,
    /// Money; null when the person had no rate.
    #[serde(default)]
    pub hourly_rate: Option<String>,
    pub in_at: String,
    pub out_at: Option<String>,
    /// Still running (no clock-out yet).
    pub open: bool,
    /// The counted length once closed: the real length rounded as the
    /// company rounds shifts.
    pub seconds: Option<i64>,
    /// Any part of it outside the company's working hours.
    pub after_hours: bool,
    /// Voided (recorded in error): it counts for nothing and is in no
    /// list, but keeps its versions.
    #[serde(default)]
    pub voided: bool,
    /// What it adds to each local day (cut at the company's midnights).
    #[schema(value_type = Vec<PieceOut>)]
    pub pieces: Vec<Piece>,
    /// The earliest a correction may move its start to: the end of the
    /// person's previous shift (or their start date).
    pub earliest_in: Option<String>,
    /// The latest a correction may move its end to: the start of the
    /// person's next shift.
    pub latest_out: Option<String>,
    #[schema(value_type = Option<String>)]
    pub prev_id: Option<ClockinId>,
    #[schema(value_type = Option<String>)]
    pub next_id: Option<ClockinId>,
    pub version: u64,
    /// Every punch and correction, oldest first.
    pub versions: Vec<ShiftVersion>,
    pub created_at: String,
}

/// A shift's share of one local day.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct PieceOut {
    /// `2026-W49`
    week: String,
    /// 0 = Monday … 6 = Sunday.
    day: u8,
    /// `YYYY-MM-DD`
    date: String,
    seconds: i64,
}

/// A person's clock (`CLOCK#{uid}`): the open shift, whole, while there is
/// one (so the clock-out writes it without reading it), and where the last
/// closed shift ended (a punch recorded for the past may not start before).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClockState {
    pub open: Option<Shift>,
    pub last_shift_id: Option<ClockinId>,
    pub last_out: Option<String>,
    /// The first clock-in ever, and the last punch: whether someone has
    /// hours in a period, without reading their shifts.
    pub first_in: Option<String>,
    pub last_punch: Option<String>,
    pub version: u64,
}

/// Stages a whole write of the clock, conditional on the version read.
pub fn stage_clock(
    tx: &mut Tx,
    table: &str,
    t: &Tenant,
    person: &UserId,
    c: &ClockState,
    read: Option<u64>,
) -> Result<usize, StoreError> {
    let (cond, exprs) = match read {
        None => (Cond::New, Exprs::new()),
        Some(v) => (Cond::Expr("version = :read".into()), Exprs::new().num(":read", v)),
    };
    let item = super::to_item(&keys::clock_state(t, person), CLOCK_STATE, c)?;
    Ok(tx.put_item(table, item, cond, exprs))
}

/// Stages a whole write of `s` with its index keys; `cond` guards it.
pub fn stage_shift(
    tx: &mut Tx,
    table: &str,
    t: &Tenant,
    s: &Shift,
    cond: Cond,
    exprs: Exprs,
) -> Result<usize, StoreError> {
    let mut item = super::to_item(&keys::clockin(t, &s.id), CLOCKIN, s)?;
    if s.voided {
        return Ok(tx.put_item(table, item, cond, exprs));
    }
    let sk = keys::clockin_index_sk(&s.in_at, &s.id);
    item.insert(schema::GSI1_PK.into(), AttributeValue::S(keys::person_clockins_gsi1pk(t, &s.employee_id)));
    item.insert(schema::GSI1_SK.into(), AttributeValue::S(sk.clone()));
    if let Some(d) = &s.department_id {
        item.insert(schema::GSI2_PK.into(), AttributeValue::S(keys::department_clockins_gsi2pk(t, d)));
        item.insert(schema::GSI2_SK.into(), AttributeValue::S(sk));
    }
    Ok(tx.put_item(table, item, cond, exprs))
}

impl Shift {
    pub fn payee(&self) -> Payee {
        Payee {
            employee_id: self.employee_id.clone(),
            department_id: self.department_id.clone(),
            full_name: self.full_name.clone(),
            rate_cents: self.hourly_rate.as_deref().and_then(|r| crate::domain::money::parse(r).ok()),
        }
    }
}

/// An attribute value of any serialisable value.
pub fn attr<T: Serialize>(v: &T) -> Result<AttributeValue, StoreError> {
    serde_dynamo::to_attribute_value(v).map_err(|e| StoreError::Mapping(e.to_string()))
}

/// Seconds to add per week and local day (Monday = 0).
pub type WeekDeltas = BTreeMap<String, [i64; 7]>;

/// Adds `pieces` (with `sign` 1) or takes them away (−1).
pub fn add_pieces(deltas: &mut WeekDeltas, pieces: &[Piece], sign: i64) {
    for p in pieces {
        if p.day < 7 {
            deltas.entry(p.week.clone()).or_default()[p.day] += sign * p.seconds;
        }
    }
}

/// Who a shift's totals belong to, as the report shows them: the person
/// and their department, name and hourly rate when the shift was recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Payee {
    pub employee_id: UserId,
    pub department_id: Option<DepartmentId>,
    pub full_name: String,
    pub rate_cents: Option<i64>,
}

/// Stages one update per week whose totals change (a transaction may touch
/// an item once), filed under the payee's department and with their name
/// and rate, so the report reads nothing else; and one per month, for the
/// cost forecast.
pub fn stage_week_deltas(tx: &mut Tx, table: &str, t: &Tenant, payee: &Payee, deltas: &WeekDeltas) {
    let person = &payee.employee_id;
    for (week, days) in deltas {
        if days.iter().all(|d| *d == 0) {
            continue;
        }
        let mut exprs = Exprs::new()
            .str(":et", PAY_WEEK)
            .str(":e", person.to_string())
            .str(":w", week.clone())
            .str(":n", payee.full_name.clone())
            .name("#week", "week");
        let mut set = vec![
            "entity_type = :et".to_string(),
            "employee_id = :e".into(),
            "#week = :w".into(),
            "full_name = :n".into(),
        ];
        let mut remove = Vec::new();
        match &payee.department_id {
            Some(d) => {
                exprs = exprs
                    .str(":d", d.to_string())
                    .str(":g2", keys::department_weeks_gsi2pk(t, d))
                    .str(":g2s", keys::department_weeks_gsi2sk(week, person));
                set.extend(["department_id = :d".to_string(), "gsi2pk = :g2".into(), "gsi2sk = :g2s".into()]);
            }
            None => remove.extend(["department_id", "gsi2pk", "gsi2sk"]),
        }
        match payee.rate_cents {
            Some(r) => {
                exprs = exprs.num(":r", r);
                set.push("rate_cents = :r".into());
            }
            None => remove.push("rate_cents"),
        }
        let mut add = Vec::new();
        for (i, s) in days.iter().enumerate() {
            if *s != 0 {
                exprs = exprs.num(&format!(":d{i}"), s);
                add.push(format!("d{i} :d{i}"));
            }
            // The day is paid at the rate of the shift that last added to it.
            if let (true, Some(_)) = (*s > 0, payee.rate_cents) {
                set.push(format!("r{i} = :r"));
            }
        }
        let mut update = format!("SET {} ADD {}", set.join(", "), add.join(", "));
        if !remove.is_empty() {
            update.push_str(&format!(" REMOVE {}", remove.join(", ")));
        }
        tx.update(table, &keys::pay_week(t, week, person), &update, Cond::None, exprs);
    }
    let mut months: BTreeMap<String, i64> = BTreeMap::new();
    for (week, days) in deltas {
        if let Some(dates) = crate::domain::payroll::dates_of(week) {
            for (d, s) in dates.iter().zip(days.iter()) {
                *months.entry(format!("{:04}-{:02}", d.year(), d.month())).or_default() += s;
            }
        }
    }
    for (month, seconds) in months.into_iter().filter(|(_, s)| *s != 0) {
        stage_month(tx, table, t, person, &month, "seconds", seconds);
    }
}

/// Adds `n` to a counter (`seconds`, `events`) of a person's month.
pub fn stage_month(tx: &mut Tx, table: &str, t: &Tenant, person: &UserId, month: &str, counter: &str, n: i64) {
    tx.update(
        table,
        &keys::pay_month(t, person, month),
        "SET entity_type = :et, #month = :m ADD #c :n",
        Cond::None,
        Exprs::new().str(":et", PAY_MONTH).name("#month", "month").str(":m", month).name("#c", counter).num(":n", n),
    );
}

/// A person's month, as read back.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct MonthTotals {
    pub month: String,
    #[serde(default)]
    pub seconds: i64,
    #[serde(default)]
    pub events: i64,
}

/// A person's totals for one week, as read back.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct WeekTotals {
    pub employee_id: UserId,
    pub week: String,
    #[serde(default)]
    pub department_id: Option<DepartmentId>,
    #[serde(default)]
    pub full_name: String,
    #[serde(default)]
    pub rate_cents: Option<i64>,
    #[serde(default)]
    pub d0: i64,
    #[serde(default)]
    pub d1: i64,
    #[serde(default)]
    pub d2: i64,
    #[serde(default)]
    pub d3: i64,
    #[serde(default)]
    pub d4: i64,
    #[serde(default)]
    pub d5: i64,
    #[serde(default)]
    pub d6: i64,
    /// Each day's rate (cents), where a shift set one.
    #[serde(default)]
    pub r0: Option<i64>,
    #[serde(default)]
    pub r1: Option<i64>,
    #[serde(default)]
    pub r2: Option<i64>,
    #[serde(default)]
    pub r3: Option<i64>,
    #[serde(default)]
    pub r4: Option<i64>,
    #[serde(default)]
    pub r5: Option<i64>,
    #[serde(default)]
    pub r6: Option<i64>,
}

impl WeekTotals {
    pub fn days(&self) -> [i64; 7] {
        [self.d0, self.d1, self.d2, self.d3, self.d4, self.d5, self.d6]
    }

    /// Each day's rate in cents (the week's last rate where a day has none).
    pub fn rates(&self) -> [i64; 7] {
        let fallback = self.rate_cents.unwrap_or(0);
        [self.r0, self.r1, self.r2, self.r3, self.r4, self.r5, self.r6].map(|r| r.unwrap_or(fallback))
    }
}

/// The company's closed payroll period, as `GET /payroll-periods` shows it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = PayrollPeriod)]
pub struct PayrollLock {
    /// Every date up to and including this one is closed (`YYYY-MM-DD`);
    /// null while nothing is.
    pub closed_to: Option<String>,
    pub closed_at: Option<String>,
    /// Who closed it (a user id).
    pub closed_by: Option<String>,
    /// The overtime rule when it was closed: the report pays the weeks
    /// that touch the closed period by it, whatever the company's rule is now.
    #[serde(default)]
    pub overtime_rule: Option<crate::domain::payroll::OvertimeRule>,
    /// Earlier closings, oldest first (the last 50).
    #[serde(default)]
    pub history: Vec<LockEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LockEntry {
    pub to: String,
    pub at: String,
    pub by: String,
}

/// Stages the check that no date from `earliest` on is in a closed period.
pub fn stage_open_period(tx: &mut Tx, table: &str, t: &Tenant, earliest: &str) -> usize {
    tx.check(
        table,
        &keys::payroll_lock(t),
        Cond::Expr("attribute_not_exists(closed_to) OR closed_to < :d".into()),
        Exprs::new().str(":d", earliest),
    )
}

/// An event template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Package {
    #[schema(value_type = String)]
    pub id: PackageId,
    pub name: String,
    /// Money: a decimal string with two decimals.
    pub price: String,
    pub duration_minutes: u32,
    pub deleted_at: Option<String>,
    pub version: u64,
    pub created_at: String,
    pub updated_at: String,
}

/// A scheduled event a person services.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = ScheduledEvent)]
pub struct CalEvent {
    #[schema(value_type = String)]
    pub id: CalEventId,
    pub name: String,
    /// RFC 3339, UTC.
    pub start: String,
    pub end: String,
    #[schema(value_type = String)]
    pub employee_id: UserId,
    #[schema(value_type = String)]
    pub package_id: PackageId,
    #[schema(value_type = String)]
    pub department_id: DepartmentId,
    /// The package's price when the event was booked (money).
    pub price: String,
    #[schema(value_type = String)]
    pub created_by: UserId,
    pub version: u64,
    pub created_at: String,
    pub updated_at: String,
    /// The overview counts this event in its department's week
    /// (`store::stats`); false for events booked before the counters until
    /// their next change. Stored, never shown.
    #[serde(default, skip_serializing)]
    #[schema(ignore)]
    pub counted: bool,
}

/// Stages a whole write of an event with its index keys, over the version
/// and overview mark read (`None` for a new event).
pub fn stage_event(
    tx: &mut Tx,
    table: &str,
    t: &Tenant,
    e: &CalEvent,
    read: Option<(u64, bool)>,
) -> Result<usize, StoreError> {
    let mut item = super::to_item(&keys::cal_event(t, &e.id), CAL_EVENT, e)?;
    item.insert("counted".into(), AttributeValue::Bool(e.counted));
    let sk = keys::event_index_sk(&e.start, &e.id);
    for (pk_attr, sk_attr, pk) in [
        (schema::GSI1_PK, schema::GSI1_SK, keys::person_events_gsi1pk(t, &e.employee_id)),
        (schema::GSI2_PK, schema::GSI2_SK, keys::department_events_gsi2pk(t, &e.department_id)),
    ] {
        item.insert(pk_attr.into(), AttributeValue::S(pk));
        item.insert(sk_attr.into(), AttributeValue::S(sk.clone()));
    }
    let (cond, exprs) = match read {
        None => (Cond::New, Exprs::new()),
        Some((v, counted)) => (
            Cond::Expr(format!("version = :read AND {}", super::stats::counted_as_read(counted))),
            Exprs::new().num(":read", v).bool(":counted", counted),
        ),
    };
    Ok(tx.put_item(table, item, cond, exprs))
}

/// A busy day as read: its revision and each event's `(start, end)`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BusyDay {
    pub rev: Option<i64>,
    pub spans: BTreeMap<String, (String, String)>,
}

const SPAN_PREFIX: &str = "e_";

impl BusyDay {
    pub fn from_item(item: Option<&Item>) -> Self {
        let Some(item) = item else { return Self::default() };
        let spans = item
            .iter()
            .filter_map(|(k, v)| {
                let id = k.strip_prefix(SPAN_PREFIX)?;
                let (s, e) = v.as_s().ok()?.split_once('|')?;
                Some((id.to_string(), (s.to_string(), e.to_string())))
            })
            .collect();
        Self { rev: super::number(item, "rev"), spans }
    }
}

/// Stages a busy day's change, conditional on the revision read: `add`
/// sets an event's span, `remove` takes one away.
#[allow(clippy::too_many_arguments)]
pub fn stage_busy_day(
    tx: &mut Tx,
    table: &str,
    t: &Tenant,
    person: &UserId,
    date: &str,
    read: &BusyDay,
    add: Option<(&CalEventId, &str, &str)>,
    remove: Option<&CalEventId>,
) {
    let mut exprs = Exprs::new().str(":et", BUSY_DAY).num(":one", 1);
    let mut update = "SET entity_type = :et".to_string();
    if let Some((id, start, end)) = add {
        exprs = exprs.name("#add", &format!("{SPAN_PREFIX}{id}")).str(":span", format!("{start}|{end}"));
        update.push_str(", #add = :span");
    }
    update.push_str(" ADD rev :one");
    if let Some(id) = remove.filter(|r| add.is_none_or(|(a, _, _)| a != *r)) {
        exprs = exprs.name("#rm", &format!("{SPAN_PREFIX}{id}"));
        update.push_str(" REMOVE #rm");
    }
    let cond = match read.rev {
        None => Cond::Expr("attribute_not_exists(rev)".into()),
        Some(r) => {
            exprs = exprs.num(":rev", r);
            Cond::Expr("rev = :rev".into())
        }
    };
    tx.update(table, &keys::busy_day(t, person, date), &update, cond, exprs);
}

/// Counters of after-hours shifts per day on a person's user item
/// (`ah_{YYYY-MM-DD}`), for the risk signal `after_hours_activity`…
pub const AFTER_HOURS_PREFIX: &str = "ah_";
/// …and the last few of them, described, for its evidence.
pub const AFTER_HOURS_RECENT: &str = "after_hours_recent";
/// How many described shifts the user item keeps.
pub const AFTER_HOURS_KEPT: usize = 10;
