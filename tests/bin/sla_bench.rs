//! `make bench-sla`: what the five-minute SLA check costs, in DynamoDB
//! requests and wall time, against the local DynamoDB endpoint, and what
//! the clock function costs per ticket. Figures only; nothing here passes
//! or fails on a time.
//!
//! 1. The clock: `domain::sla::clock` on a ticket with 50 history entries
//!    (created, one first response, 48 status changes: waiting pauses,
//!    resolves and reopens), each target, and `Ticket::clocks` (both
//!    targets, the history parsed), on two calendars; the median of many
//!    batches of calls.
//! 2. The check: companies signed up through the API, tickets seeded with
//!    `BatchWriteItem` and `tenure_core::events::sla_check::run` (what the
//!    `sla-check` function runs) with a client that counts every request:
//!    - A: `DUE` tickets due, nothing else in the table;
//!    - B: the same number due among `TICKETS` (the rest not due: indexed
//!      for later, or not indexed at all);
//!    - idle: B's table right after a run, nothing due;
//!    - C: `DUE_MORE` due among `TICKETS`.
//!
//!    A run changes what it checks (it records the notices and moves or
//!    drops the index entries), so before each run of A, B and C the due
//!    tickets of the last run are deleted and as many fresh ones written:
//!    every run sees exactly its tickets, its due ones never checked.
//!
//! Tickets are seeded as the items `store::tickets::stage_put` writes for
//! a ticket written at its last change (the `Ticket` through
//! `store::to_item`, its `sla_state`, gsi1 and gsi2 keys, and its gsi3 key
//! from `Ticket::next_check` when its clocks need a look). The key formats
//! are those of `store::keys`, whose builders need a `Tenant` this crate
//! cannot make: they are reproduced here and checked, whole item against
//! whole item, against a ticket raised through `POST /tickets` first. The
//! seeded tickets' own timeline entries are not written (the check reads
//! none; it adds its own after them).
//!
//! Sizes from the environment (defaults in brackets): `SLA_BENCH_TICKETS`
//! [100000], `SLA_BENCH_DUE` [1000], `SLA_BENCH_DUE_MORE` [10000],
//! `SLA_BENCH_COMPANIES` [10], `SLA_BENCH_RUNS` [3] (runs of A, B and C
//! each), `SLA_BENCH_TASKS` [4] (concurrent seeding writers),
//! `SLA_BENCH_CLOCK_BATCHES` [101] and `SLA_BENCH_CLOCK_CALLS` [100] (calls
//! per batch); `SLA_BENCH_CLOCK_ONLY=1` stops after the clock figures.
//! `TENURE_SLA_OUT` names a file to write the Markdown to.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::{AttributeValue, DeleteRequest, PutRequest, WriteRequest};
use serde_json::json;
use sha2::Digest;
use tenure_core::config::RateLimits;
use tenure_core::domain::calendar::Calendar;
use tenure_core::domain::sla::{self, Target, TargetSpec};
use tenure_core::domain::tickets::{Category, Priority, SlaPolicies, Status};
use tenure_core::domain::timestamp;
use tenure_core::events::sla_check;
use tenure_core::ids::{CompanyId, TicketId, UserId};
use tenure_core::store::counter::CallCounter;
use tenure_core::store::items::Company;
use tenure_core::store::tickets::{parse_ts, Ticket, TicketSla, TICKET};
use tenure_core::store::{decode, key_item, keys, schema, to_item, Item, Key};
use tenure_tests::bench::{median, thousands, write_all};
use tenure_tests::{dynamo, table, Harness, Req};

fn env_num(name: &str, default: usize) -> usize {
    match std::env::var(name) {
        Ok(v) => v.parse().unwrap_or_else(|_| panic!("{name}={v} is not a count")),
        Err(_) => default,
    }
}

fn progress(msg: &str) {
    eprintln!("[sla-bench] {msg}");
}

// ---------------------------------------------------------------------------
// The clock function.

/// Created on a Monday morning, a first response 20 minutes later, then 48
/// status changes over about four weeks: work, waiting on the requester,
/// resolved and reopened; it ends in progress, so both targets run at `now`.
fn busy_ticket() -> (Ticket, String) {
    let created = time::macros::datetime!(2026-11-02 09:30 UTC);
    let p = SlaPolicies::default().of(Priority::High);
    let sla = TicketSla {
        first_response: TargetSpec { seconds: p.first_response_minutes as i64 * 60, continuous: false },
        resolution: TargetSpec { seconds: p.resolution_minutes as i64 * 60, continuous: false },
    };
    let mut t = Ticket::open(
        CompanyId::new(),
        "VPN drops every hour".into(),
        "Since the update.".into(),
        Priority::High,
        Category::Software,
        UserId::new(),
        sla,
        &timestamp(created),
    );
    let mut at = created + time::Duration::minutes(20);
    t.log_change(&timestamp(at), "responded");
    let cycle = ["in_progress", "waiting", "in_progress", "waiting", "in_progress", "resolved", "open"];
    let mut i = 0;
    while t.log.len() < 49 {
        t.log_change(&timestamp(at), cycle[i % cycle.len()]);
        // 40 minutes to a day and a half apart.
        at += time::Duration::minutes(40 + (i as i64 * 397) % 2100);
        i += 1;
    }
    t.log_change(&timestamp(at), "in_progress");
    assert_eq!(t.log.len(), 50);
    (t, timestamp(at + time::Duration::hours(3)))
}

struct ClockRow {
    calendar: &'static str,
    what: &'static str,
    median_us: f64,
    min_us: f64,
    max_us: f64,
}

/// µs per call of `f`: `batches` batches of `calls` calls, after a warm-up.
fn per_call(batches: usize, calls: usize, mut f: impl FnMut()) -> (f64, f64, f64) {
    for _ in 0..calls.max(100) {
        f();
    }
    let mut v = Vec::with_capacity(batches);
    for _ in 0..batches {
        let t = Instant::now();
        for _ in 0..calls {
            f();
        }
        v.push(t.elapsed().as_secs_f64() * 1e6 / calls as f64);
    }
    let (min, max) = v.iter().fold((f64::MAX, 0f64), |(lo, hi), x| (lo.min(*x), hi.max(*x)));
    (median(v), min, max)
}

/// A case of the clock benchmark: what it measures, and one call of it.
type Case<'a> = (&'static str, Box<dyn Fn() + 'a>);

fn clock_bench(batches: usize, calls: usize) -> (Vec<ClockRow>, String) {
    let (ticket, now) = busy_ticket();
    let now = parse_ts(&now).expect("a timestamp");
    let history = ticket.history();
    assert_eq!(history.len(), 50, "every entry of the busy ticket parses");
    let holidays: Vec<String> = ["2026-12-25", "2026-12-28", "2027-01-01"].iter().map(|s| s.to_string()).collect();
    let calendars = [
        ("UTC, Mon–Fri 09:00–17:00 (the default)", Calendar::from_settings(None, None, None).expect("defaults")),
        (
            "Europe/London, Mon–Fri 09:00–17:00, 3 holidays",
            Calendar::from_settings(Some("Europe/London"), None, Some(&holidays)).expect("a calendar"),
        ),
    ];
    let mut rows = Vec::new();
    let mut shape = String::new();
    for (name, cal) in &calendars {
        let (f, r) = ticket.clocks(cal, now);
        let left = r.business_seconds_left;
        shape.push_str(&format!(
            "{name}: first response met at {}, {} business seconds used; resolution {}, {} business seconds {}{}.\n",
            f.met_at.map(|m| m.to_string()).unwrap_or_else(|| "–".into()),
            thousands((ticket.sla.first_response.seconds - f.business_seconds_left).max(0) as usize),
            if r.breached { "breached" } else { "running" },
            thousands(left.unsigned_abs() as usize),
            if left < 0 { "over" } else { "left" },
            if r.paused { ", paused" } else { "" },
        ));
        let cases: [Case; 5] = [
            (
                "`sla::clock`, first response (history parsed once, outside the loop)",
                Box::new(|| {
                    black_box(sla::clock(
                        black_box(&history),
                        Target::FirstResponse,
                        ticket.sla.first_response,
                        black_box(cal),
                        black_box(now),
                    ));
                }),
            ),
            (
                "`sla::clock`, resolution (history parsed once, outside the loop)",
                Box::new(|| {
                    black_box(sla::clock(
                        black_box(&history),
                        Target::Resolution,
                        ticket.sla.resolution,
                        black_box(cal),
                        black_box(now),
                    ));
                }),
            ),
            (
                "`Ticket::clocks`: both targets, the 50 timestamps parsed",
                Box::new(|| {
                    black_box(black_box(&ticket).clocks(black_box(cal), black_box(now)));
                }),
            ),
            (
                "`Ticket::next_check` (the index entry `stage_put` writes)",
                Box::new(|| {
                    black_box(black_box(&ticket).next_check(black_box(cal), black_box(now)));
                }),
            ),
            (
                "what the check computes per ticket: `clocks`, then `state` and `next_check` (in `stage_put`)",
                Box::new(|| {
                    let t = black_box(&ticket);
                    black_box(t.clocks(black_box(cal), now));
                    black_box(t.state(cal, now));
                    black_box(t.next_check(cal, now));
                }),
            ),
        ];
        for (what, f) in cases {
            let (median_us, min_us, max_us) = per_call(batches, calls, f);
            progress(&format!("clock: {name}: {what}: {median_us:.2} µs per call (median of {batches} batches)"));
            rows.push(ClockRow { calendar: name, what, median_us, min_us, max_us });
        }
    }
    (rows, shape)
}

// ---------------------------------------------------------------------------
// Seeding.

/// A company of the benchmark: its owner raises the tickets, its one
/// technician works them.
#[derive(Clone)]
struct Co {
    id: CompanyId,
    owner: UserId,
    tech: UserId,
    calendar: Calendar,
}

/// Which ticket to write: due (`n`th of generation `gen`) or not.
#[derive(Clone, Copy)]
enum Kind {
    Due { gen: usize },
    Rest,
}

/// What a not-due ticket is.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum RestShape {
    /// Responded, in progress: its next look is its resolution target's
    /// at-risk moment, a day or more of business time away.
    InProgress,
    /// Open, no response yet, raised in the last half hour: its next look
    /// is its first response's at-risk moment, hours away.
    Fresh,
    /// Waiting on the requester: both clocks stand, not indexed.
    Waiting,
    /// Resolved (in time): not indexed.
    Resolved,
    /// Resolved and closed: not indexed.
    Closed,
}

fn rest_shape(n: usize) -> RestShape {
    match n % 10 {
        0..=3 => RestShape::InProgress,
        4 | 5 => RestShape::Fresh,
        6 | 7 => RestShape::Waiting,
        8 => RestShape::Resolved,
        _ => RestShape::Closed,
    }
}

/// A scrambled but repeatable number from `n`.
fn spread(n: usize, modulo: i64) -> i64 {
    ((n as u64).wrapping_mul(2_654_435_761) % modulo as u64) as i64
}

/// A new ticket of `co` opened at `created`, then changed by `writes`
/// (minutes after `created`, the log entries of that write), as the API
/// leaves it: each write bumps `version` and `rev` and adds a timeline
/// entry.
fn ticket(
    co: &Co,
    id: &TicketId,
    n: usize,
    priority: Priority,
    created: time::OffsetDateTime,
    writes: &[(i64, &[&str])],
) -> Ticket {
    let p = SlaPolicies::default().of(priority);
    let sla = TicketSla {
        first_response: TargetSpec { seconds: p.first_response_minutes as i64 * 60, continuous: false },
        resolution: TargetSpec { seconds: p.resolution_minutes as i64 * 60, continuous: false },
    };
    let (title, category) = [
        ("Laptop will not boot", Category::Hardware),
        ("Cannot open the expenses app", Category::Software),
        ("New starter needs a desk phone", Category::Other),
    ][n % 3];
    let mut t = Ticket::open(
        co.id.clone(),
        title.into(),
        "Since this morning.\nBlack screen.".into(),
        priority,
        category,
        co.owner.clone(),
        sla,
        &timestamp(created),
    );
    t.id = id.clone();
    // The "created" timeline entry.
    t.events = 1;
    for (minutes, changes) in writes {
        let at = timestamp(created + time::Duration::minutes(*minutes));
        for c in *changes {
            t.log_change(&at, c);
            if let Ok(s) = Status::parse(c) {
                t.status = s;
                if s == Status::InProgress && t.assignee_id.is_none() {
                    t.assignee_id = Some(co.tech.clone());
                }
            }
        }
        t.updated_at = at;
        t.version += 1;
        t.rev += 1;
        t.events += 1;
    }
    t
}

/// The ticket `n` of a kind, and when it was last written.
fn planned(co: &Co, id: &TicketId, kind: Kind, n: usize, seed_at: time::OffsetDateTime) -> Ticket {
    let min = time::Duration::minutes;
    match kind {
        Kind::Due { gen } => {
            let m = n + gen * 7_919;
            if m % 3 == 2 {
                // Answered and worked, 15 to 45 days ago, never resolved:
                // its resolution target's at-risk moment has passed.
                let created = seed_at - time::Duration::days(15) - min(spread(m, 30 * 24 * 60));
                ticket(co, id, m, Priority::ALL[m % 4], created, &[(10, &["responded", "in_progress"])])
            } else {
                // Raised 5 to 35 days ago and never answered: its first
                // response's at-risk moment has passed.
                let created = seed_at - time::Duration::days(5) - min(spread(m, 30 * 24 * 60));
                ticket(co, id, m, Priority::ALL[m % 4], created, &[])
            }
        }
        Kind::Rest => {
            let three = [Priority::Low, Priority::Medium, Priority::High][n % 3];
            match rest_shape(n) {
                RestShape::InProgress => {
                    let created = seed_at - min(spread(n, 120));
                    ticket(co, id, n, three, created, &[(5, &["responded", "in_progress"])])
                }
                RestShape::Fresh => {
                    let created = seed_at - min(spread(n, 30));
                    ticket(co, id, n, [Priority::Low, Priority::Medium][n % 2], created, &[])
                }
                RestShape::Waiting => {
                    let created = seed_at - time::Duration::days(1) - min(spread(n, 20 * 24 * 60));
                    ticket(
                        co,
                        id,
                        n,
                        Priority::ALL[n % 4],
                        created,
                        &[(30, &["responded", "in_progress"]), (120, &["waiting"])],
                    )
                }
                RestShape::Resolved | RestShape::Closed => {
                    let created = seed_at - time::Duration::days(1) - min(spread(n, 20 * 24 * 60));
                    let mut writes: Vec<(i64, &[&str])> =
                        vec![(30, &["responded", "in_progress"]), (120, &["resolved"])];
                    if rest_shape(n) == RestShape::Closed {
                        writes.push((120 + 3 * 24 * 60, &["closed"]));
                    }
                    ticket(co, id, n, Priority::ALL[n % 4], created, &writes)
                }
            }
        }
    }
}

fn s(v: String) -> AttributeValue {
    AttributeValue::S(v)
}

fn ticket_key(company: &CompanyId, id: &TicketId) -> Key {
    Key { pk: format!("{}{company}", keys::COMPANY_PK_PREFIX), sk: format!("{}{id}", keys::TICKET_SK_PREFIX) }
}

/// The ticket item `store::tickets::stage_put` writes for `t` at `now`
/// (its write time), and the gsi3 `check_at` it gets (epoch seconds), if
/// any. Key formats as in `store::keys` (checked in `check_item_format`).
/// A ticket in an SLA state when written would also get its `TKSLA#…`
/// copy; none of the seeded ones is (asserted).
fn ticket_item(t: &mut Ticket, calendar: &Calendar, now: &str) -> (Item, Option<i64>) {
    let now = parse_ts(now).expect("a timestamp");
    let state = t.state(calendar, now);
    assert!(state.is_none(), "ticket {} would be {state:?} when written: the seed plan is wrong", t.id);
    t.sla_state = None;
    let key = ticket_key(&t.company_id, &t.id);
    let pk = key.pk.clone();
    let mut item = to_item(&key, TICKET, &*t).expect("a ticket maps to an item");
    item.insert(schema::GSI1_PK.into(), s(format!("{pk}#TKREQ#{}", t.requester_id)));
    item.insert(schema::GSI1_SK.into(), s(t.id.to_string()));
    let queue = t.assignee_id.as_ref().map(|a| a.to_string()).unwrap_or_else(|| "none".into());
    item.insert(schema::GSI2_PK.into(), s(format!("{pk}#TKQ#{queue}")));
    item.insert(schema::GSI2_SK.into(), s(t.id.to_string()));
    let check_at = t.next_check(calendar, now);
    if let Some(at) = check_at {
        let shard = sha2::Sha256::digest(t.id.to_string().as_bytes())[0] % keys::SLA_DUE_SHARDS;
        item.insert(schema::GSI3_PK.into(), s(keys::sla_due_gsi3pk(shard)));
        item.insert(schema::GSI3_SK.into(), s(format!("{at:012}#{}#{}", t.company_id, t.id)));
    }
    (item, check_at)
}

/// Raises a ticket through `POST /tickets`, checks that the item the API
/// wrote is exactly the one `ticket_item` builds from it, and deletes it.
async fn check_item_format(h: &Harness, owner: &tenure_tests::Account, co: &Co) {
    let r = h
        .send(Req::new("POST", "/tickets").bearer(&owner.access).json(json!({
            "title": "Key check", "description": "Checks the seeded item shape.", "priority": "medium", "category": "hardware"
        })))
        .await;
    r.expect(201);
    let id = TicketId::parse(r.json()["id"].as_str().expect("ticket id")).expect("a ticket id");
    let key = ticket_key(&co.id, &id);
    let theirs = h.store.get(&key).await.expect("GetItem").unwrap_or_else(|| {
        panic!("the ticket POST /tickets created is not at {key:?}: store::keys changed; update ticket_key")
    });
    let mut t: Ticket = decode(theirs.clone()).expect("the stored ticket decodes");
    let written = t.updated_at.clone();
    let (mine, check_at) = ticket_item(&mut t, &co.calendar, &written);
    assert!(check_at.is_some(), "a new ticket is in the SLA check's index");
    let mut names: Vec<&String> = mine.keys().chain(theirs.keys()).collect();
    names.sort();
    names.dedup();
    let differ: Vec<_> = names.into_iter().filter(|n| mine.get(*n) != theirs.get(*n)).collect();
    assert!(differ.is_empty(), "the seeded item differs from what stage_put writes in {differ:?}: update ticket_item");
    h.store.client().delete_item().table_name(table()).set_key(Some(key_item(&key))).send().await.expect("DeleteItem");
    progress("the seeded ticket item matches, attribute for attribute, the one POST /tickets wrote");
}

fn put(item: Item) -> WriteRequest {
    WriteRequest::builder().put_request(PutRequest::builder().set_item(Some(item)).build().expect("a put")).build()
}

fn delete(key: &Key) -> WriteRequest {
    WriteRequest::builder()
        .delete_request(DeleteRequest::builder().set_key(Some(key_item(key))).build().expect("a delete"))
        .build()
}

/// What the seeded tickets of a batch look like in the index.
#[derive(Default, Clone)]
struct Census {
    /// When they were written (epoch seconds).
    seeded: i64,
    indexed: usize,
    earliest: Option<i64>,
    latest: Option<i64>,
    shapes: BTreeMap<String, usize>,
}

/// Writes `ids` (each with its company) as tickets of `kind`, made at
/// `seed_at`; returns the seconds and what they are in the index.
async fn seed(
    client: &aws_sdk_dynamodb::Client,
    cos: &Arc<Vec<Co>>,
    ids: &Arc<Vec<(usize, TicketId)>>,
    kind: Kind,
    first_n: usize,
    tasks: usize,
    label: &str,
) -> (f64, Census) {
    let seed_at = time::OffsetDateTime::now_utc();
    let horizon = seed_at.unix_timestamp();
    // The plan, checked before anything is written: due tickets are due now,
    // the others not for hours at least (or not indexed).
    let mut census = Census { seeded: horizon, ..Census::default() };
    for (i, (c, id)) in ids.iter().enumerate() {
        let n = first_n + i;
        let mut t = planned(&cos[*c], id, kind, n, seed_at);
        let written = t.updated_at.clone();
        let (_, check_at) = ticket_item(&mut t, &cos[*c].calendar, &written);
        let shape = match kind {
            Kind::Due { .. } => {
                let at = check_at.unwrap_or_else(|| panic!("due ticket {n} is not indexed"));
                assert!(at <= horizon, "due ticket {n} is not due: check at {at}, seeded at {horizon}");
                if t.responded() {
                    "due: answered, resolution target"
                } else {
                    "due: unanswered, first response target"
                }
                .to_string()
            }
            Kind::Rest => {
                let shape = rest_shape(n);
                match (shape, check_at) {
                    (RestShape::InProgress | RestShape::Fresh, Some(at)) => assert!(
                        at > horizon + 3600,
                        "ticket {n} ({shape:?}) comes due within the hour: check at {at}, seeded at {horizon}"
                    ),
                    (RestShape::InProgress | RestShape::Fresh, None) => panic!("ticket {n} ({shape:?}) is not indexed"),
                    (_, Some(at)) => panic!("ticket {n} ({shape:?}) is indexed (check at {at}); it should stand"),
                    (_, None) => {}
                }
                format!("{shape:?}")
            }
        };
        *census.shapes.entry(shape).or_insert(0) += 1;
        if let Some(at) = check_at {
            census.indexed += 1;
            census.earliest = Some(census.earliest.map_or(at, |e| e.min(at)));
            census.latest = Some(census.latest.map_or(at, |e| e.max(at)));
        }
    }
    let (cos, ids_) = (cos.clone(), ids.clone());
    let make: Arc<dyn Fn(usize) -> WriteRequest + Send + Sync> = Arc::new(move |i| {
        let (c, id) = &ids_[i];
        let co = &cos[*c];
        let mut t = planned(co, id, kind, first_n + i, seed_at);
        let written = t.updated_at.clone();
        put(ticket_item(&mut t, &co.calendar, &written).0)
    });
    let secs = write_all(client, ids.len(), tasks, label, Duration::from_secs(10), progress, make).await;
    (secs, census)
}

/// Fresh ids for `n` tickets spread round-robin over the companies.
fn new_ids(n: usize, companies: usize, offset: usize) -> Arc<Vec<(usize, TicketId)>> {
    Arc::new((0..n).map(|i| ((offset + i) % companies, TicketId::new())).collect())
}

async fn delete_tickets(
    client: &aws_sdk_dynamodb::Client,
    cos: &Arc<Vec<Co>>,
    ids: &[(usize, TicketId)],
    tasks: usize,
    label: &str,
) -> f64 {
    let keys: Arc<Vec<Key>> = Arc::new(ids.iter().map(|(c, id)| ticket_key(&cos[*c].id, id)).collect());
    let n = keys.len();
    write_all(client, n, tasks, label, Duration::from_secs(10), progress, Arc::new(move |i| delete(&keys[i]))).await
}

// ---------------------------------------------------------------------------
// The check.

struct Run {
    phase: &'static str,
    tickets: usize,
    due: usize,
    report: sla_check::Report,
    calls: BTreeMap<String, usize>,
    secs: f64,
}

impl Run {
    fn requests(&self) -> usize {
        self.calls.values().sum()
    }

    fn ops(&self) -> String {
        tenure_tests::bench::ops(&self.calls)
    }
}

async fn run_check(h: &Harness, phase: &'static str, tickets: usize, due: usize) -> Run {
    progress(&format!("run {phase}: {} due of {} tickets…", thousands(due), thousands(tickets)));
    let app = h.app("sla-check");
    h.counter.take();
    let now = time::OffsetDateTime::now_utc();
    let t = Instant::now();
    let ticker = tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(15)).await;
            progress(&format!("  still checking, {:.0}s", t.elapsed().as_secs_f64()));
        }
    });
    let report = sla_check::run(&app, now, Instant::now() + Duration::from_secs(3600)).await.expect("the SLA check");
    let secs = t.elapsed().as_secs_f64();
    ticker.abort();
    let mut calls = BTreeMap::new();
    for c in h.counter.take() {
        *calls.entry(c).or_insert(0) += 1;
    }
    let run = Run { phase, tickets, due, report, calls, secs };
    progress(&format!(
        "  checked {}, at risk {}, breached {}, skipped {}, partial {}: {} requests ({}), {secs:.2}s",
        run.report.checked,
        run.report.at_risk,
        run.report.breached,
        run.report.skipped,
        run.report.partial,
        thousands(run.requests()),
        run.ops()
    ));
    if run.report.checked as usize != due {
        progress(&format!("  NOTE: {due} were seeded due but the check looked at {}", run.report.checked));
    }
    run
}

/// Deletes the last due set (if any) and writes `n` fresh due tickets.
#[allow(clippy::too_many_arguments)]
async fn arm(
    client: &aws_sdk_dynamodb::Client,
    cos: &Arc<Vec<Co>>,
    current: &mut Arc<Vec<(usize, TicketId)>>,
    n: usize,
    gen: &mut usize,
    tasks: usize,
    arm_secs: &mut Vec<(usize, f64)>,
    census: &mut Census,
) {
    let t = Instant::now();
    if !current.is_empty() {
        delete_tickets(client, cos, current, tasks, "deleting the last run's due tickets").await;
    }
    *gen += 1;
    *current = new_ids(n, cos.len(), *gen);
    let (_, c) = seed(client, cos, current, Kind::Due { gen: *gen }, 0, tasks, "writing fresh due tickets").await;
    *census = c;
    arm_secs.push((n, t.elapsed().as_secs_f64()));
}

#[tokio::main]
async fn main() {
    let started = Instant::now();
    let tickets = env_num("SLA_BENCH_TICKETS", 100_000);
    let due_a = env_num("SLA_BENCH_DUE", 1000).min(tickets);
    let due_c = env_num("SLA_BENCH_DUE_MORE", 10_000).min(tickets);
    let n_companies = env_num("SLA_BENCH_COMPANIES", 10).max(1);
    let runs = env_num("SLA_BENCH_RUNS", 3).max(1);
    let tasks = env_num("SLA_BENCH_TASKS", 4).max(1);
    let batches = env_num("SLA_BENCH_CLOCK_BATCHES", 101).max(1);
    let calls = env_num("SLA_BENCH_CLOCK_CALLS", 100).max(1);

    progress(&format!("the clock function: {batches} batches of {calls} calls per case…"));
    let (clock_rows, clock_shape) = clock_bench(batches, calls);
    if std::env::var("SLA_BENCH_CLOCK_ONLY").is_ok_and(|v| v == "1") {
        return;
    }

    let h =
        Harness::with_limits(RateLimits { per_minute: 10_000, heavy_per_minute: 10_000, ip_per_minute: 10_000 }).await;
    let seeder = dynamo(&CallCounter::new()).await;

    progress(&format!("signing up {n_companies} companies (an owner and a technician each)…"));
    let mut cos = Vec::new();
    let mut owner0 = None;
    for i in 0..n_companies {
        let o = h.signup().await;
        let tech = h.add_user(&o, "technician").await;
        let id = CompanyId::parse(&o.company_id).expect("a company id");
        let company_key = Key { pk: format!("{}{id}", keys::COMPANY_PK_PREFIX), sk: "COMPANY".into() };
        let company: Company = decode(
            h.store
                .get(&company_key)
                .await
                .expect("GetItem")
                .expect("the company item (store::keys::company changed?)"),
        )
        .expect("a company");
        cos.push(Co {
            id,
            owner: UserId::parse(&o.user_id).expect("a user id"),
            tech: UserId::parse(&tech.user_id).expect("a user id"),
            calendar: company.calendar(),
        });
        if i == 0 {
            owner0 = Some(o);
        }
    }
    let cos = Arc::new(cos);
    check_item_format(&h, owner0.as_ref().expect("a company"), &cos[0]).await;

    let mut all: Vec<Run> = Vec::new();
    let mut due_set: Arc<Vec<(usize, TicketId)>> = Arc::new(Vec::new());
    let mut gen = 0;
    let mut arm_secs = Vec::new();
    let mut due_census = Census::default();
    let mut due_censuses: BTreeMap<usize, Census> = BTreeMap::new();

    // A: only due tickets.
    for _ in 0..runs {
        arm(&seeder, &cos, &mut due_set, due_a, &mut gen, tasks, &mut arm_secs, &mut due_census).await;
        all.push(run_check(&h, "A", due_a, due_a).await);
    }
    due_censuses.insert(due_a, due_census.clone());

    // B: as many due among `tickets`.
    let rest_b = tickets - due_a;
    progress(&format!("seeding {} tickets not due…", thousands(rest_b)));
    let rest_ids = new_ids(rest_b, cos.len(), 0);
    let (rest_secs, rest_census) =
        seed(&seeder, &cos, &rest_ids, Kind::Rest, 0, tasks, "seeding not-due tickets").await;
    for _ in 0..runs {
        arm(&seeder, &cos, &mut due_set, due_a, &mut gen, tasks, &mut arm_secs, &mut due_census).await;
        all.push(run_check(&h, "B", tickets, due_a).await);
    }
    // Nothing due now: what a quiet run costs.
    all.push(run_check(&h, "idle", tickets, 0).await);

    // C: more due among as many tickets: drop not-due ones to make room.
    let rest_c = tickets - due_c;
    let dropped = rest_b.saturating_sub(rest_c);
    if dropped > 0 {
        progress(&format!(
            "deleting {} not-due tickets to make room for {} due…",
            thousands(dropped),
            thousands(due_c)
        ));
        delete_tickets(&seeder, &cos, &rest_ids[rest_c..], tasks, "deleting not-due tickets").await;
    }
    for _ in 0..runs {
        arm(&seeder, &cos, &mut due_set, due_c, &mut gen, tasks, &mut arm_secs, &mut due_census).await;
        all.push(run_check(&h, "C", tickets, due_c).await);
    }
    due_censuses.insert(due_c, due_census.clone());
    let total_secs = started.elapsed().as_secs_f64();

    // ---- The Markdown.
    let mut md = String::new();
    let w = |md: &mut String, s: &str| {
        md.push_str(s);
        md.push('\n');
    };
    w(&mut md, "### The check: DynamoDB requests and time");
    w(&mut md, "");
    w(
        &mut md,
        &format!(
            "{} companies (signed up through the API, default calendar: UTC, Monday to Friday 09:00–17:00, default SLA \
             policies), the tickets spread round-robin over them. Not due, {} tickets in B ({} in C): {}.",
            n_companies,
            thousands(rest_b),
            thousands(rest_c),
            describe_rest(&rest_census, rest_b)
        ),
    );
    if let (Some(e), Some(l)) = (rest_census.earliest, rest_census.latest) {
        w(&mut md, "");
        w(
            &mut md,
            &format!(
                "Their index entries fall from {} to {} UTC: the earliest {:.1} hours after they were written, and the last \
                 run ended {:.1} minutes after their writing: none came due meanwhile.",
                fmt_epoch(e),
                fmt_epoch(l),
                (e - rest_census.seeded) as f64 / 3600.0,
                (time::OffsetDateTime::now_utc().unix_timestamp() - rest_census.seeded) as f64 / 60.0
            ),
        );
    }
    for (n, c) in &due_censuses {
        w(&mut md, "");
        w(&mut md, &format!("Due, {} tickets (as in the last run of that size): {}.", thousands(*n), describe_due(c)));
    }
    w(&mut md, "");
    w(&mut md, "| run | tickets | due | runs | checked | at-risk notices | breach notices | skipped | DynamoDB requests per run | by operation | wall time, median (min – max) | per due ticket |");
    w(&mut md, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|");
    for phase in ["A", "B", "idle", "C"] {
        let rs: Vec<&Run> = all.iter().filter(|r| r.phase == phase).collect();
        if rs.is_empty() {
            continue;
        }
        let secs: Vec<f64> = rs.iter().map(|r| r.secs).collect();
        let (lo, hi) = secs.iter().fold((f64::MAX, 0f64), |(a, b), x| (a.min(*x), b.max(*x)));
        let med = median(secs);
        let join = |f: &dyn Fn(&Run) -> String| {
            let v: Vec<String> = rs.iter().map(|r| f(r)).collect();
            if v.iter().all(|x| *x == v[0]) {
                v[0].clone()
            } else {
                v.join(" / ")
            }
        };
        let per = if rs[0].due > 0 { format!("{:.2} ms", med * 1000.0 / rs[0].due as f64) } else { "–".into() };
        w(
            &mut md,
            &format!(
                "| {phase} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {per} |",
                thousands(rs[0].tickets),
                thousands(rs[0].due),
                rs.len(),
                join(&|r| thousands(r.report.checked as usize)),
                join(&|r| thousands(r.report.at_risk as usize)),
                join(&|r| thousands(r.report.breached as usize)),
                join(&|r| thousands(r.report.skipped as usize)),
                join(&|r| thousands(r.requests())),
                join(&|r| r.ops()),
                if rs.len() > 1 {
                    format!("{} ({} – {})", secs_fmt(med), secs_fmt(lo), secs_fmt(hi))
                } else {
                    secs_fmt(med)
                },
            ),
        );
    }
    w(&mut md, "");
    w(
        &mut md,
        "Notices are per target (a ticket can get one for its first response and one for its resolution; a target \
         found breached before its at-risk notice gets the breach notice only). Where the runs of a row differ, \
         their figures are separated by `/`, in run order; the time per due ticket is the median run's time over its \
         due tickets.",
    );
    w(&mut md, "");
    for line in shape_lines(&all, due_a, due_c, tickets) {
        w(&mut md, &format!("- {line}"));
    }
    if all.iter().any(|r| r.report.partial || r.report.checked as usize != r.due) {
        w(&mut md, "");
        w(
            &mut md,
            "**Note**: a run checked a different number of tickets than were due, or stopped short (see the table).",
        );
    }
    w(&mut md, "");
    w(
        &mut md,
        &format!(
            "Seeding (not part of the runs above; `BatchWriteItem`, 25 items a request, {tasks} writers at once): {} not-due tickets in {:.1} s ({:.0} items/s); before each run, deleting the last \
             run's due tickets and writing fresh ones took {} (median).",
            thousands(rest_b),
            rest_secs,
            rest_b as f64 / rest_secs.max(1e-9),
            arm_summary(&arm_secs)
        ),
    );
    w(&mut md, "");
    w(&mut md, "### The clock function");
    w(&mut md, "");
    w(
        &mut md,
        &format!(
            "A high-priority ticket (targets: first response 60, resolution 960 business minutes) with 50 history \
             entries: created, a first response 20 minutes later, then 48 status changes 40 minutes to a day and a half \
             apart over about four weeks (in progress, waiting on the requester and back, resolved, reopened), ending in \
             progress; `now` three hours after the last. Median of {batches} batches of {calls} calls each (min – max of \
             the batches), after a warm-up; inputs and results through `std::hint::black_box`."
        ),
    );
    w(&mut md, "");
    for l in clock_shape.lines() {
        w(&mut md, &format!("- {l}"));
    }
    w(&mut md, "");
    w(&mut md, "| calendar | what | µs per call, median | min – max |");
    w(&mut md, "|---|---|---:|---:|");
    for r in &clock_rows {
        w(
            &mut md,
            &format!("| {} | {} | {:.2} | {:.2} – {:.2} |", r.calendar, r.what, r.median_us, r.min_us, r.max_us),
        );
    }
    w(&mut md, "");
    w(&mut md, &clock_notes(&clock_rows, &all));
    w(&mut md, "");
    w(&mut md, &format!("The benchmark binary ran {:.0} s in all (seeding included).", total_secs));
    println!("{md}");
    if let Ok(path) = std::env::var("TENURE_SLA_OUT") {
        std::fs::write(path, &md).expect("writing TENURE_SLA_OUT");
    }
}

/// What the clock figures come to, next to the check's time per ticket.
fn clock_notes(rows: &[ClockRow], all: &[Run]) -> String {
    let default = rows[0].calendar;
    let of = |what: &str| {
        rows.iter().find(|r| r.calendar == default && r.what.starts_with(what)).map(|r| r.median_us).unwrap_or(f64::NAN)
    };
    let (first, resolution, both, check) =
        (of("`sla::clock`, first"), of("`sla::clock`, resolution"), of("`Ticket::clocks`"), of("what the check"));
    let per_ticket_us = {
        let c: Vec<f64> =
            all.iter().filter(|r| r.phase == "C" && r.due > 0).map(|r| r.secs * 1e6 / r.due as f64).collect();
        median(c)
    };
    format!(
        "On the default calendar the two clocks themselves take {:.2} µs of `Ticket::clocks`'s {:.2} µs: the rest, \
         about {:.1} µs, is parsing the 50 stored RFC 3339 timestamps (`Ticket::history`), which the check does three \
         times per ticket. Its clock work per ticket, {:.1} µs, is {:.1}% of its time per due ticket in run C ({:.2} ms, \
         the rest being the two DynamoDB round trips and the SDK's work \
         around them).",
        first + resolution,
        both,
        both - first - resolution,
        check,
        check * 100.0 / per_ticket_us,
        per_ticket_us / 1000.0
    )
}

fn secs_fmt(s: f64) -> String {
    if s < 10.0 {
        format!("{s:.2} s")
    } else {
        format!("{s:.1} s")
    }
}

fn fmt_epoch(at: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(at)
        .map(|t| format!("{:04}-{:02}-{:02} {:02}:{:02}", t.year(), u8::from(t.month()), t.day(), t.hour(), t.minute()))
        .unwrap_or_else(|_| at.to_string())
}

fn describe_rest(c: &Census, total: usize) -> String {
    let n = |k: &str| c.shapes.get(k).copied().unwrap_or(0);
    let pct = |x: usize| (x * 100).checked_div(total).unwrap_or(0);
    format!(
        "{} ({}%) answered and in progress, opened in the last two hours (low, medium or high priority; indexed \
         for their resolution target's at-risk moment, a day or more of business time away); {} ({}%) open and \
         unanswered, raised in the last half hour (low or medium; indexed for their first response's at-risk moment, \
         hours away); and, not in the index at all, {} ({}%) waiting on the requester (both clocks stand), {} ({}%) \
         resolved and {} ({}%) closed",
        thousands(n("InProgress")),
        pct(n("InProgress")),
        thousands(n("Fresh")),
        pct(n("Fresh")),
        thousands(n("Waiting")),
        pct(n("Waiting")),
        thousands(n("Resolved")),
        pct(n("Resolved")),
        thousands(n("Closed")),
        pct(n("Closed")),
    )
}

fn describe_due(c: &Census) -> String {
    let n = |k: &str| c.shapes.get(k).copied().unwrap_or(0);
    format!(
        "{} raised 5 to 35 days ago and never answered (their first response's at-risk moment passed), {} answered \
         and in progress since 15 to 45 days ago, never resolved (their resolution's), all four priorities; each \
         written as the API leaves it after its last change, so its index entry is the instant it was due for its \
         next look",
        thousands(n("due: unanswered, first response target")),
        thousands(n("due: answered, resolution target")),
    )
}

fn arm_summary(arm: &[(usize, f64)]) -> String {
    let mut sizes: Vec<usize> = arm.iter().map(|(n, _)| *n).collect();
    sizes.sort();
    sizes.dedup();
    sizes
        .iter()
        .map(|n| {
            let v: Vec<f64> = arm.iter().filter(|(m, _)| m == n).map(|(_, s)| *s).collect();
            format!("{:.1} s for {}", median(v), thousands(*n))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The sentences that say how the requests follow the due tickets.
fn shape_lines(all: &[Run], due_a: usize, due_c: usize, tickets: usize) -> Vec<String> {
    let mut out = Vec::new();
    let of = |p: &str| all.iter().filter(|r| r.phase == p).collect::<Vec<_>>();
    let (a, b, idle, c) = (of("A"), of("B"), of("idle"), of("C"));
    let same = |x: &[&Run], y: &[&Run]| {
        let xs: Vec<_> = x.iter().map(|r| &r.calls).collect();
        let ys: Vec<_> = y.iter().map(|r| &r.calls).collect();
        xs.iter().chain(ys.iter()).all(|m| *m == xs[0])
    };
    if !a.is_empty() && !b.is_empty() {
        out.push(format!(
            "Flat in the rest: with {} other tickets in the table (B) every run sent {} the requests of a run with none \
             (A), operation by operation.",
            thousands(tickets - due_a),
            if same(&a, &b) { "exactly" } else { "**not** exactly" }
        ));
    }
    let pages = |r: &Run| r.calls.get("Query").copied().unwrap_or(0);
    let per_ticket = |r: &Run| {
        let rest = r.requests() - pages(r);
        if r.report.checked > 0 {
            format!("{:.2}", rest as f64 / r.report.checked as f64)
        } else {
            "–".into()
        }
    };
    if let Some(i) = idle.first() {
        out.push(format!(
            "With nothing due among {} tickets (idle) a run is {} `Query` request(s): one page per shard of gsi3's `SLADUE#` \
             partitions ({} shards), which end at the first entry after now.",
            thousands(i.tickets),
            thousands(pages(i)),
            tenure_core::store::keys::SLA_DUE_SHARDS
        ));
    }
    if let (Some(b0), Some(c0)) = (b.first(), c.first()) {
        out.push(format!(
            "Following the due tickets: from {} due (B) to {} due (C), requests went from {} to {} (×{:.1} for ×{:.1} \
             due): per ticket checked, {} and {} requests besides the `Query` pages (one `BatchGetItem` of the ticket, \
             its company and the audit head, one `TransactWriteItems` writing it back, with its notices and audit \
             events); `Query` pages {} and {} (a page per 1,000 due entries of a shard, keys only).",
            thousands(due_a),
            thousands(due_c),
            thousands(b0.requests()),
            thousands(c0.requests()),
            c0.requests() as f64 / b0.requests().max(1) as f64,
            due_c as f64 / due_a.max(1) as f64,
            per_ticket(b0),
            per_ticket(c0),
            pages(b0),
            pages(c0),
        ));
    }
    out
}
