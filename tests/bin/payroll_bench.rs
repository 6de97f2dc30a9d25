//! `make bench-payroll`: what `GET /reports/payroll` costs, in DynamoDB
//! requests, items read and wall time, against the local DynamoDB endpoint,
//! as the data around it grows. Figures only; nothing here passes or fails
//! on a time.
//!
//! Company A: `PEOPLE` people in five departments, each with a shift every
//! weekday of `WEEKS` weeks (from `FIRST_MONDAY`). Company B: `OTHER_PEOPLE`
//! people over the same weeks, written the same way (`PAYROLL_BENCH_B_SHIFTS=0`
//! leaves out their shifts, the bulk of the seeding: 325,000 items).
//! Phases, each followed by the report runs:
//!
//! 1. A's weekly totals (`PAYWEEK#…`), monthly totals (`PAYMONTH#…`) and
//!    clocks (`CLOCK#…`): what the clock-outs leave besides the shifts;
//! 2. \+ A's shifts (`CLOCKIN#…`), one per person and weekday;
//! 3. \+ company B.
//!
//! Each run asks, as A's owner, through the real pipeline in-process (the
//! `timekeeping` function's own client, counted), for one week, one
//! calendar month and the whole seeded range (and, in phase 3, the month
//! for one department), paging with `limit=100` until there is no cursor.
//!
//! Everything is seeded with `BatchWriteItem` as exactly the items the
//! clock-outs leave: the shifts as `store::time::Shift` through
//! `store::to_item` with the index keys of `stage_shift`, their pieces
//! from `domain::payroll::pieces`, the weekly totals summed with
//! `store::time::add_pieces` as `stage_week_deltas`'s updates leave them.
//! The key builders need a `Tenant`, which only the core crate can make,
//! so the formats of `store::keys` are reproduced here and checked first:
//! in a company of its own, a person's two shifts are recorded through
//! `POST /clockins`, and every item they wrote is compared, attribute for
//! attribute, with the one rebuilt here.
//!
//! Sizes from the environment (defaults in brackets): `PAYROLL_BENCH_PEOPLE`
//! [500], `PAYROLL_BENCH_OTHER_PEOPLE` [5000], `PAYROLL_BENCH_WEEKS` [13],
//! `PAYROLL_BENCH_FIRST_MONDAY` [2026-08-31], `PAYROLL_BENCH_RUNS` [5],
//! `PAYROLL_BENCH_TASKS` [4] (concurrent seeding writers),
//! `PAYROLL_BENCH_B_SHIFTS` [1]. `TENURE_PAYROLL_OUT` names a file to write
//! the Markdown to.

use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::config::interceptors::AfterDeserializationInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::operation::query::QueryOutput;
use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
use serde_json::{json, Value};
use tenure_core::config::RateLimits;
use tenure_core::domain::calendar::Calendar;
use tenure_core::domain::{money, payroll};
use tenure_core::ids::{ClockinId, CompanyId, DepartmentId, UserId};
use tenure_core::routes;
use tenure_core::service::App;
use tenure_core::store::counter::CallCounter;
use tenure_core::store::items::Company;
use tenure_core::store::time::{
    add_pieces, ClockState, Payee, Shift, ShiftVersion, WeekDeltas, CLOCKIN, CLOCK_STATE, PAY_MONTH, PAY_WEEK,
};
use tenure_core::store::{decode, keys, schema, to_item, Item, Key, Store};
use tenure_tests::bench::{median, thousands, write_all};
use tenure_tests::{dynamo, table, Account, Harness, Req};

fn env_num(name: &str, default: usize) -> usize {
    match std::env::var(name) {
        Ok(v) => v.parse().unwrap_or_else(|_| panic!("{name}={v} is not a count")),
        Err(_) => default,
    }
}

fn progress(msg: &str) {
    eprintln!("[payroll-bench] {msg}");
}

/// A value the core crate's functions take (an instant, a date), parsed
/// from its text; its type comes from where it goes.
fn p<T: FromStr>(s: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    s.parse().unwrap_or_else(|e| panic!("{s}: {e:?}"))
}

fn ymd(d: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// An instant as the API stores a punch (`show`: UTC, whole seconds).
fn instant(d: time::Date, minutes: i64) -> String {
    let t = d.midnight().assume_utc() + time::Duration::minutes(minutes);
    format!("{}T{:02}:{:02}:{:02}Z", ymd(t.date()), t.hour(), t.minute(), t.second())
}

/// The same instant as `Ctx::timestamp` records when (milliseconds).
fn recorded(d: time::Date, minutes: i64) -> String {
    tenure_core::domain::timestamp(d.midnight().assume_utc() + time::Duration::minutes(minutes))
}

/// A scrambled but repeatable number from `n`.
fn spread(n: usize, modulo: usize) -> usize {
    ((n as u64).wrapping_mul(2_654_435_761) >> 7) as usize % modulo
}

// ---------------------------------------------------------------------------
// Items, as the clock-outs leave them.

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn n(v: i64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn company_pk(c: &CompanyId) -> String {
    format!("{}{c}", keys::COMPANY_PK_PREFIX)
}

/// A person of the benchmark, as their shifts file them.
#[derive(Clone)]
struct Person {
    id: UserId,
    department: Option<DepartmentId>,
    name: String,
    rate_cents: Option<i64>,
}

impl Person {
    fn payee(&self) -> Payee {
        Payee {
            employee_id: self.id.clone(),
            department_id: self.department.clone(),
            full_name: self.name.clone(),
            rate_cents: self.rate_cents,
        }
    }
}

/// One punch pair: clocked in and out at (as stored), recorded at (as
/// `Ctx::timestamp` records them).
#[derive(Clone)]
struct Punches {
    in_at: String,
    out_at: String,
    in_recorded: String,
    out_recorded: String,
}

/// Who recorded a person's punches, and why.
#[derive(Clone)]
struct Recorder {
    by: String,
    reason: Option<String>,
}

/// The `k`th of a person's closed shifts, each recorded by a clock-in and
/// a clock-out, with its neighbours' bounds as the later punches left them.
fn shift(
    cal: &Calendar,
    person: &Person,
    by: &Recorder,
    ids: &[ClockinId],
    punches: &[Punches],
    k: usize,
    rounding: u32,
) -> Shift {
    let pu = &punches[k];
    let pieces = payroll::pieces(cal, p(&pu.in_at), p(&pu.out_at), rounding);
    Shift {
        id: ids[k].clone(),
        employee_id: person.id.clone(),
        department_id: person.department.clone(),
        full_name: person.name.clone(),
        hourly_rate: person.rate_cents.map(money::format),
        in_at: pu.in_at.clone(),
        out_at: Some(pu.out_at.clone()),
        open: false,
        seconds: Some(pieces.iter().map(|x| x.seconds).sum()),
        after_hours: !cal.is_working(p(&pu.in_at)) || cal.outside_hours(p(&pu.in_at), p(&pu.out_at)),
        voided: false,
        pieces,
        earliest_in: (k > 0).then(|| punches[k - 1].out_at.clone()),
        latest_out: punches.get(k + 1).map(|x| x.in_at.clone()),
        prev_id: (k > 0).then(|| ids[k - 1].clone()),
        next_id: ids.get(k + 1).cloned(),
        version: 2,
        versions: vec![
            ShiftVersion {
                action: "in".into(),
                in_at: pu.in_at.clone(),
                out_at: None,
                by: by.by.clone(),
                at: pu.in_recorded.clone(),
                reason: by.reason.clone(),
            },
            ShiftVersion {
                action: "out".into(),
                in_at: pu.in_at.clone(),
                out_at: Some(pu.out_at.clone()),
                by: by.by.clone(),
                at: pu.out_recorded.clone(),
                reason: by.reason.clone(),
            },
        ],
        created_at: pu.in_recorded.clone(),
    }
}

/// The shift's item: `stage_shift`'s (the shift, its gsi1 and gsi2 keys),
/// as the clock-out's update and the next clock-in's leave it.
fn shift_item(company: &CompanyId, sh: &Shift) -> Item {
    let pk = company_pk(company);
    let key = Key { pk: pk.clone(), sk: format!("CLOCKIN#{}", sh.id) };
    let mut item = to_item(&key, CLOCKIN, sh).expect("a shift maps to an item");
    let sk = keys::clockin_index_sk(&sh.in_at, &sh.id);
    item.insert(schema::GSI1_PK.into(), s(format!("{pk}#CLK#{}", sh.employee_id)));
    item.insert(schema::GSI1_SK.into(), s(sk.clone()));
    if let Some(d) = &sh.department_id {
        item.insert(schema::GSI2_PK.into(), s(format!("{pk}#CLKDEPT#{d}")));
        item.insert(schema::GSI2_SK.into(), s(sk));
    }
    item
}

/// A person's weekly totals as `stage_week_deltas`'s updates leave them:
/// `SET` the payee's fields (and gsi2 keys with a department) and the rate
/// of each day a shift added to, `ADD` each day's seconds (a day never
/// added has no attribute). A person's rate is the same for all their
/// shifts here.
fn week_item(company: &CompanyId, payee: &Payee, week: &str, days: &[i64; 7]) -> Item {
    let pk = company_pk(company);
    let uid = &payee.employee_id;
    let mut item = Item::new();
    item.insert(schema::PK.into(), s(pk.clone()));
    item.insert(schema::SK.into(), s(format!("{}{week}#{uid}", keys::PAY_WEEK_SK_PREFIX)));
    item.insert(schema::ENTITY_TYPE.into(), s(PAY_WEEK));
    item.insert("employee_id".into(), s(uid.to_string()));
    item.insert("week".into(), s(week));
    item.insert("full_name".into(), s(payee.full_name.clone()));
    if let Some(d) = &payee.department_id {
        item.insert("department_id".into(), s(d.to_string()));
        item.insert(schema::GSI2_PK.into(), s(format!("{pk}#PAYDEPT#{d}")));
        item.insert(schema::GSI2_SK.into(), s(keys::department_weeks_gsi2sk(week, uid)));
    }
    if let Some(r) = payee.rate_cents {
        item.insert("rate_cents".into(), n(r));
    }
    for (i, d) in days.iter().enumerate() {
        if *d != 0 {
            item.insert(format!("d{i}"), n(*d));
        }
        // Each day's rate: the rate of the shift that last added to it.
        if let (true, Some(r)) = (*d > 0, payee.rate_cents) {
            item.insert(format!("r{i}"), n(r));
        }
    }
    item
}

/// A person's month (`stage_month`'s `seconds` counter).
fn month_item(company: &CompanyId, person: &UserId, month: &str, seconds: i64) -> Item {
    let mut item = Item::new();
    item.insert(schema::PK.into(), s(company_pk(company)));
    item.insert(schema::SK.into(), s(format!("{}{month}", keys::pay_month_prefix(person))));
    item.insert(schema::ENTITY_TYPE.into(), s(PAY_MONTH));
    item.insert("month".into(), s(month));
    item.insert("seconds".into(), n(seconds));
    item
}

/// A person's clock after their last clock-out.
fn clock_item(company: &CompanyId, person: &UserId, ids: &[ClockinId], punches: &[Punches]) -> Item {
    let c = ClockState {
        open: None,
        last_shift_id: ids.last().cloned(),
        last_out: punches.last().map(|x| x.out_at.clone()),
        first_in: punches.first().map(|x| x.in_at.clone()),
        last_punch: punches.last().map(|x| x.out_at.clone()),
        version: 2 * punches.len() as u64,
    };
    let key = Key { pk: company_pk(company), sk: format!("CLOCK#{person}") };
    to_item(&key, CLOCK_STATE, &c).expect("a clock maps to an item")
}

/// Weekly and monthly totals of a person's shifts.
fn totals(cal: &Calendar, punches: &[Punches], rounding: u32) -> (WeekDeltas, BTreeMap<String, i64>) {
    let mut weeks = WeekDeltas::new();
    let mut months = BTreeMap::new();
    for pu in punches {
        let pieces = payroll::pieces(cal, p(&pu.in_at), p(&pu.out_at), rounding);
        add_pieces(&mut weeks, &pieces, 1);
        for x in &pieces {
            *months.entry(x.date[..7].to_string()).or_insert(0) += x.seconds;
        }
    }
    (weeks, months)
}

// ---------------------------------------------------------------------------
// The format check.

fn differing(mine: &Item, theirs: &Item) -> Vec<String> {
    let mut names: BTreeSet<&String> = mine.keys().collect();
    names.extend(theirs.keys());
    names.into_iter().filter(|k| mine.get(*k) != theirs.get(*k)).cloned().collect()
}

async fn post(h: &Harness, by: &Account, path: &str, body: Value) -> Value {
    let r = h.send(Req::new("POST", path).bearer(&by.access).json(body)).await;
    r.expect(201);
    r.json()
}

/// In a company of its own: a person with a department and a rate, two
/// shifts recorded by the owner through `POST /clockins` (one across
/// midnight), and every item they wrote compared with the rebuilt one.
async fn check_item_format(h: &Harness) {
    let owner = h.signup().await;
    let cid = CompanyId::parse(&owner.company_id).expect("a company id");
    let dept = post(h, &owner, "/departments", json!({"name": "Format check"})).await;
    let emp = post(
        h,
        &owner,
        "/employees",
        json!({"email": tenure_tests::unique_email("payroll"), "full_name": "Pat Format", "department_id": dept["id"], "hourly_rate": "18.75"}),
    )
    .await;
    let person = Person {
        id: UserId::parse(emp["id"].as_str().expect("an employee id")).expect("a user id"),
        department: DepartmentId::parse(dept["id"].as_str().expect("a department id")),
        name: "Pat Format".into(),
        rate_cents: Some(1875),
    };
    let company: Company = decode(
        h.store
            .get(&Key { pk: company_pk(&cid), sk: "COMPANY".into() })
            .await
            .expect("GetItem")
            .expect("the company item (store::keys::company changed?)"),
    )
    .expect("a company");
    let (cal, rounding) = (company.calendar(), company.rounding_minutes.unwrap_or(0));
    let reason = "payroll bench format check";
    let times = [("2026-11-24T08:40:00Z", "2026-11-24T17:10:00Z"), ("2026-11-25T20:00:00Z", "2026-11-26T04:30:00Z")];
    let mut ids = Vec::new();
    let mut punches = Vec::new();
    for (i, o) in times {
        let mut rec = Vec::new();
        for (action, at) in [("in", i), ("out", o)] {
            let v = post(
                h,
                &owner,
                "/clockins",
                json!({"action": action, "employee_id": person.id.to_string(), "at": at, "reason": reason}),
            )
            .await;
            rec.push(v["versions"].as_array().and_then(|l| l.last()).expect("versions")["at"].clone());
            if action == "in" {
                ids.push(ClockinId::parse(v["id"].as_str().expect("a shift id")).expect("a clockin id"));
            }
        }
        punches.push(Punches {
            in_at: i.into(),
            out_at: o.into(),
            in_recorded: rec[0].as_str().expect("at").into(),
            out_recorded: rec[1].as_str().expect("at").into(),
        });
    }
    let by = Recorder { by: owner.user_id.clone(), reason: Some(reason.into()) };
    let mut mine: Vec<Item> =
        (0..ids.len()).map(|k| shift_item(&cid, &shift(&cal, &person, &by, &ids, &punches, k, rounding))).collect();
    let (weeks, months) = totals(&cal, &punches, rounding);
    assert!(weeks.len() == 1 && months.len() == 1, "the check's shifts are meant to fall in one week");
    mine.extend(weeks.iter().map(|(w, d)| week_item(&cid, &person.payee(), w, d)));
    mine.extend(months.iter().map(|(m, sec)| month_item(&cid, &person.id, m, *sec)));
    mine.push(clock_item(&cid, &person.id, &ids, &punches));
    for item in &mine {
        let key =
            Key { pk: item[schema::PK].as_s().expect("pk").clone(), sk: item[schema::SK].as_s().expect("sk").clone() };
        let theirs = h.store.get(&key).await.expect("GetItem").unwrap_or_else(|| {
            panic!("POST /clockins wrote nothing at {key:?}: store::keys changed; update this benchmark's items")
        });
        let differ = differing(item, &theirs);
        assert!(
            differ.is_empty(),
            "{}: the seeded item differs from what POST /clockins wrote in {differ:?}:\nmine   {:?}\ntheirs {:?}",
            key.sk,
            differ.iter().map(|d| item.get(d)).collect::<Vec<_>>(),
            differ.iter().map(|d| theirs.get(d)).collect::<Vec<_>>()
        );
    }
    progress(&format!(
        "format check: the {} items rebuilt here (2 shifts, their weekly and monthly totals, the clock) match, \
         attribute for attribute, those POST /clockins wrote",
        mine.len()
    ));
}

// ---------------------------------------------------------------------------
// Seeding.

/// A company's seeded people and their shifts.
struct Staff {
    company: CompanyId,
    cal: Calendar,
    rounding: u32,
    people: Vec<Person>,
    /// Per person: the shift ids and punches, in time order.
    ids: Vec<Vec<ClockinId>>,
    punches: Vec<Vec<Punches>>,
}

/// `count` people in `departments`, a shift every weekday of `weeks` weeks
/// from `monday`: in between 08:30 and 09:29 UTC, 7 h 30 to 9 h 29 long
/// (so some weeks pass 40 hours), each punch their own.
#[allow(clippy::too_many_arguments)]
fn staff(
    company: CompanyId,
    cal: Calendar,
    rounding: u32,
    departments: &[DepartmentId],
    count: usize,
    monday: time::Date,
    weeks: usize,
    salt: usize,
) -> Staff {
    let mut people = Vec::with_capacity(count);
    let mut ids = Vec::with_capacity(count);
    let mut punches = Vec::with_capacity(count);
    for i in 0..count {
        people.push(Person {
            id: UserId::new(),
            department: departments.get(i % departments.len().max(1)).cloned(),
            name: format!("Person {} {}", salt, i + 1),
            rate_cents: Some(1500 + (spread(i + salt, 26) as i64) * 100),
        });
        let mut ps = Vec::with_capacity(weeks * 5);
        for w in 0..weeks {
            for d in 0..5 {
                let day = monday + time::Duration::days((w * 7 + d) as i64);
                let m = i * 1_000 + w * 7 + d + salt;
                let start = 8 * 60 + 30 + spread(m, 60) as i64;
                let end = start + 7 * 60 + 30 + spread(m * 31 + 7, 120) as i64;
                ps.push(Punches {
                    in_at: instant(day, start),
                    out_at: instant(day, end),
                    in_recorded: recorded(day, start),
                    out_recorded: recorded(day, end),
                });
            }
        }
        ids.push((0..ps.len()).map(|_| ClockinId::new()).collect());
        punches.push(ps);
    }
    Staff { company, cal, rounding, people, ids, punches }
}

/// The totals items of a company's people (weekly, monthly, clock), built
/// up front; returns them with how many are weekly totals.
fn totals_items(st: &Staff) -> (Vec<Item>, usize) {
    let mut out = Vec::new();
    let mut weekly = 0;
    for (i, person) in st.people.iter().enumerate() {
        let (weeks, months) = totals(&st.cal, &st.punches[i], st.rounding);
        for (w, d) in &weeks {
            out.push(week_item(&st.company, &person.payee(), w, d));
            weekly += 1;
        }
        for (m, sec) in &months {
            out.push(month_item(&st.company, &person.id, m, *sec));
        }
        out.push(clock_item(&st.company, &person.id, &st.ids[i], &st.punches[i]));
    }
    (out, weekly)
}

async fn seed_totals(client: &aws_sdk_dynamodb::Client, st: &Staff, tasks: usize, label: &str) -> (usize, usize, f64) {
    let (items, weekly) = totals_items(st);
    let total = items.len();
    let items = Arc::new(items);
    let secs = write_all(
        client,
        total,
        tasks,
        label,
        Duration::from_secs(5),
        progress,
        Arc::new(move |i| put(items[i].clone())),
    )
    .await;
    (total, weekly, secs)
}

async fn seed_shifts(client: &aws_sdk_dynamodb::Client, st: &Arc<Staff>, tasks: usize, label: &str) -> (usize, f64) {
    let per = st.punches.first().map_or(0, Vec::len);
    let total = st.people.len() * per;
    let st2 = st.clone();
    let make: Arc<dyn Fn(usize) -> Item + Send + Sync> = Arc::new(move |i| {
        let (who, k) = (i / per, i % per);
        let by = Recorder { by: st2.people[who].id.to_string(), reason: None };
        let sh = shift(&st2.cal, &st2.people[who], &by, &st2.ids[who], &st2.punches[who], k, st2.rounding);
        shift_item(&st2.company, &sh)
    });
    (
        total,
        write_all(client, total, tasks, label, Duration::from_secs(5), progress, Arc::new(move |i| put(make(i)))).await,
    )
}

// ---------------------------------------------------------------------------
// The report.

/// Every `Query` page the client received: its `Count` and `ScannedCount`.
#[derive(Debug, Clone, Default)]
struct QueryTally {
    pages: Arc<Mutex<Vec<(i32, i32)>>>,
}

impl QueryTally {
    fn take(&self) -> Vec<(i32, i32)> {
        self.pages.lock().map(|mut p| std::mem::take(&mut *p)).unwrap_or_default()
    }
}

impl Intercept for QueryTally {
    fn name(&self) -> &'static str {
        "QueryTally"
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        if let Ok(out) = context.output_or_error() {
            if let Some(q) = out.downcast_ref::<QueryOutput>() {
                if let Ok(mut p) = self.pages.lock() {
                    p.push((q.count(), q.scanned_count()));
                }
            }
        }
        Ok(())
    }
}

/// The `timekeeping` function in-process, as deployed (its own guarded
/// client), with the call counter and the query tally on its client.
struct Reporter {
    app: Arc<App>,
    counter: CallCounter,
    tally: QueryTally,
    ip: String,
}

impl Reporter {
    async fn new(limits: RateLimits) -> Self {
        let counter = CallCounter::new();
        let tally = QueryTally::default();
        let sdk = tenure_tests::sdk().await;
        let guarded = tenure_core::store::client_for(&sdk, "timekeeping", Some(&counter));
        let client =
            aws_sdk_dynamodb::Client::from_conf(guarded.config().to_builder().interceptor(tally.clone()).build());
        let config = tenure_tests::config(limits);
        let app = Arc::new(App {
            verifier: tenure_core::auth::jwt::Verifier::from_config(&config),
            config,
            store: Store::new(client, table()),
            signer: None,
            cursor_key: Some(tenure_tests::cursor_key().clone()),
            function: "timekeeping",
            bucket: None,
        });
        Self { app, counter, tally, ip: "10.250.0.1".into() }
    }

    async fn send(&self, req: Req) -> (u16, String) {
        let group = routes::group("timekeeping").expect("the timekeeping function");
        let request =
            lambda_http::request::from_str(&req.event(&self.ip).to_string()).expect("a valid API Gateway v2 event");
        let reply = tenure_core::http::handle(self.app.clone(), group, request).await;
        let (parts, body) = reply.into_parts();
        let text = match body {
            lambda_http::Body::Text(t) => t,
            lambda_http::Body::Binary(b) => String::from_utf8_lossy(&b).into_owned(),
            _ => String::new(),
        };
        (parts.status.as_u16(), text)
    }
}

/// A range the report is asked for.
#[derive(Clone)]
struct Range {
    name: &'static str,
    from: String,
    to: String,
    department: Option<String>,
    /// People × weeks of the range with hours: the items it should read.
    expected: usize,
    /// Seconds inside the range of the people asked for.
    seconds: i64,
}

/// One report, every page.
struct Run {
    phase: usize,
    range: &'static str,
    pages: usize,
    calls: BTreeMap<String, usize>,
    count: usize,
    scanned: usize,
    lines: usize,
    seconds: i64,
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

async fn report(r: &Reporter, owner: &Account, phase: usize, range: &Range) -> Run {
    r.counter.take();
    r.tally.take();
    let t = Instant::now();
    let (mut pages, mut lines, mut seconds) = (0, 0, 0i64);
    let mut cursor: Option<String> = None;
    loop {
        let mut req = Req::get("/reports/payroll")
            .bearer(&owner.access)
            .query("from", &range.from)
            .query("to", &range.to)
            .query("limit", "100");
        if let Some(d) = &range.department {
            req = req.query("department_id", d);
        }
        if let Some(c) = &cursor {
            req = req.query("cursor", c);
        }
        let (status, text) = r.send(req).await;
        assert_eq!(status, 200, "GET /reports/payroll answered {status}: {text}");
        let v: Value = serde_json::from_str(&text).expect("a JSON page");
        pages += 1;
        for l in v["items"].as_array().expect("items") {
            lines += 1;
            seconds += ["regular_seconds", "overtime_seconds", "double_time_seconds"]
                .iter()
                .map(|k| l[*k].as_i64().unwrap_or(0))
                .sum::<i64>();
        }
        cursor = v["next_cursor"].as_str().map(String::from);
        if cursor.is_none() {
            break;
        }
    }
    let secs = t.elapsed().as_secs_f64();
    let mut calls = BTreeMap::new();
    for c in r.counter.take() {
        *calls.entry(c).or_insert(0) += 1;
    }
    let q = r.tally.take();
    let count = q.iter().map(|(c, _)| *c as usize).sum();
    let scanned = q.iter().map(|(_, s)| *s as usize).sum();
    Run { phase, range: range.name, pages, calls, count, scanned, lines, seconds, secs }
}

async fn runs(r: &Reporter, owner: &Account, phase: usize, ranges: &[Range], n: usize, all: &mut Vec<Run>) {
    for range in ranges {
        // One unmeasured request first: the connection and the function warm.
        report(r, owner, phase, &Range { name: "warm-up", ..range.clone() }).await;
        let mut these = Vec::new();
        for _ in 0..n {
            these.push(report(r, owner, phase, range).await);
        }
        let m = &these[these.len() / 2];
        progress(&format!(
            "phase {phase}, {} ({} – {}): {} pages, {} requests ({}), {} items read, {} lines, median {:.3}s",
            range.name,
            range.from,
            range.to,
            m.pages,
            m.requests(),
            m.ops(),
            thousands(m.count),
            thousands(m.lines),
            median(these.iter().map(|x| x.secs).collect())
        ));
        if these.iter().any(|x| x.count != range.expected || x.seconds != range.seconds) {
            progress(&format!(
                "  NOTE: expected {} items and {} seconds, read {:?} and paid {:?}",
                range.expected,
                range.seconds,
                these.iter().map(|x| x.count).collect::<Vec<_>>(),
                these.iter().map(|x| x.seconds).collect::<Vec<_>>()
            ));
        }
        all.extend(these);
    }
}

/// Pages `range` as `who` until the last page or a refusal: the pages
/// answered 200, the status that ended it, and the seconds.
async fn page_until_refused(r: &Reporter, who: &Account, range: &Range) -> (usize, u16, f64) {
    let t = Instant::now();
    let mut pages = 0;
    let mut cursor: Option<String> = None;
    loop {
        let mut req = Req::get("/reports/payroll")
            .bearer(&who.access)
            .query("from", &range.from)
            .query("to", &range.to)
            .query("limit", "100");
        if let Some(c) = &cursor {
            req = req.query("cursor", c);
        }
        let (status, text) = r.send(req).await;
        if status != 200 {
            return (pages, status, t.elapsed().as_secs_f64());
        }
        pages += 1;
        let v: Value = serde_json::from_str(&text).expect("a JSON page");
        cursor = v["next_cursor"].as_str().map(String::from);
        if cursor.is_none() {
            return (pages, status, t.elapsed().as_secs_f64());
        }
    }
}

/// People × weeks with hours, and the seconds, of `st`'s people (those of
/// `department`, if named) between `from` and `to`.
fn expect(st: &Staff, from: &str, to: &str, department: Option<&DepartmentId>) -> (usize, i64) {
    let (mut items, mut seconds) = (0, 0);
    let (w_from, w_to) = (payroll::week_of(p(from)).0, payroll::week_of(p(to)).0);
    for (i, person) in st.people.iter().enumerate() {
        if department.is_some_and(|d| person.department.as_ref() != Some(d)) {
            continue;
        }
        let (weeks, _) = totals(&st.cal, &st.punches[i], st.rounding);
        for (w, days) in &weeks {
            if w.as_str() < w_from.as_str() || w.as_str() > w_to.as_str() {
                continue;
            }
            items += 1;
            if let Some(dates) = payroll::dates_of(w) {
                for (d, sec) in dates.iter().zip(days.iter()) {
                    let d = d.to_string();
                    if d.as_str() >= from && d.as_str() <= to {
                        seconds += sec;
                    }
                }
            }
        }
    }
    (items, seconds)
}

async fn sign_up_company(h: &Harness, departments: usize) -> (Account, CompanyId, Calendar, u32, Vec<DepartmentId>) {
    let owner = h.signup().await;
    let cid = CompanyId::parse(&owner.company_id).expect("a company id");
    let company: Company = decode(
        h.store
            .get(&Key { pk: company_pk(&cid), sk: "COMPANY".into() })
            .await
            .expect("GetItem")
            .expect("the company item"),
    )
    .expect("a company");
    let mut depts = Vec::new();
    for i in 0..departments {
        let v = post(h, &owner, "/departments", json!({"name": format!("Department {}", i + 1)})).await;
        depts.push(DepartmentId::parse(v["id"].as_str().expect("a department id")).expect("a department id"));
    }
    (owner, cid, company.calendar(), company.rounding_minutes.unwrap_or(0), depts)
}

#[tokio::main]
async fn main() {
    let started = Instant::now();
    let people = env_num("PAYROLL_BENCH_PEOPLE", 500).max(1);
    let other_people = env_num("PAYROLL_BENCH_OTHER_PEOPLE", 5000);
    let weeks = env_num("PAYROLL_BENCH_WEEKS", 13).clamp(2, 13);
    let n_runs = env_num("PAYROLL_BENCH_RUNS", 5).max(1);
    let tasks = env_num("PAYROLL_BENCH_TASKS", 4).max(1);
    let b_shifts = std::env::var("PAYROLL_BENCH_B_SHIFTS").map_or(true, |v| v != "0");
    let monday = std::env::var("PAYROLL_BENCH_FIRST_MONDAY").unwrap_or_else(|_| "2026-08-31".into());
    let monday = time::Date::parse(&monday, time::macros::format_description!("[year]-[month]-[day]"))
        .expect("PAYROLL_BENCH_FIRST_MONDAY is a date");
    assert_eq!(monday.weekday(), time::Weekday::Monday, "PAYROLL_BENCH_FIRST_MONDAY must be a Monday");
    let limits = RateLimits { per_minute: 100_000, heavy_per_minute: 100_000, ip_per_minute: 100_000 };

    let h = Harness::with_limits(limits).await;
    let seeder = dynamo(&CallCounter::new()).await;
    check_item_format(&h).await;

    progress(&format!("company A: signing up, 5 departments, {people} people…"));
    let (owner_a, cid_a, cal_a, rounding_a, depts_a) = sign_up_company(&h, 5).await;
    let a = Arc::new(staff(cid_a, cal_a, rounding_a, &depts_a, people, monday, weeks, 0));
    let (_, cid_b, cal_b, rounding_b, depts_b) = sign_up_company(&h, 5).await;
    let b = Arc::new(staff(cid_b, cal_b, rounding_b, &depts_b, other_people, monday, weeks, 7));

    // The ranges: the week of the seventh Monday, the calendar month of the
    // sixth, and every seeded week (at most 13: 91 days, under the 93 a
    // report covers).
    let last_sunday = monday + time::Duration::days((weeks * 7 - 1) as i64);
    let wk = monday + time::Duration::days(7 * (weeks as i64 / 2));
    let mid = monday + time::Duration::days(7 * (weeks as i64 / 2 - 1));
    let month_first = mid.replace_day(1).expect("a first of the month");
    let month_last = {
        let next = if mid.month() == time::Month::December {
            time::Date::from_calendar_date(mid.year() + 1, time::Month::January, 1)
        } else {
            time::Date::from_calendar_date(mid.year(), mid.month().next(), 1)
        };
        next.expect("a date") - time::Duration::days(1)
    };
    let make = |name: &'static str, from: time::Date, to: time::Date, dept: Option<&DepartmentId>| {
        let (from, to) = (ymd(from), ymd(to));
        let (expected, seconds) = expect(&a, &from, &to, dept);
        Range { name, from, to, department: dept.map(ToString::to_string), expected, seconds }
    };
    let ranges = vec![
        make("one week", wk, wk + time::Duration::days(6), None),
        make("one month", month_first, month_last, None),
        make("every seeded week", monday, last_sunday, None),
    ];
    let dept_range = make("one month, one department", month_first, month_last, Some(&depts_a[0]));
    let weeks_in = |r: &Range| {
        let (f, t) = (payroll::week_of(p(&r.from)).0, payroll::week_of(p(&r.to)).0);
        let mut n = 0;
        let mut d = monday;
        while d <= last_sunday {
            let w = payroll::week_of(p(&ymd(d))).0;
            if w >= f && w <= t {
                n += 1;
            }
            d += time::Duration::days(7);
        }
        n
    };

    let reporter = Reporter::new(limits).await;
    let mut all = Vec::new();
    let mut seeding = Vec::new();

    progress("phase 1: company A's weekly and monthly totals and clocks…");
    let (items, weekly_a, secs) = seed_totals(&seeder, &a, tasks, "A's totals").await;
    seeding.push(format!(
        "A's totals: {} items ({} weekly totals, monthly totals, {} clocks) in {secs:.1} s",
        thousands(items),
        thousands(weekly_a),
        thousands(people)
    ));
    runs(&reporter, &owner_a, 1, &ranges, n_runs, &mut all).await;

    progress("phase 2: company A's shifts…");
    let (shifts_a, secs) = seed_shifts(&seeder, &a, tasks, "A's shifts").await;
    seeding.push(format!("A's shifts: {} in {secs:.1} s ({:.0} items/s)", thousands(shifts_a), shifts_a as f64 / secs));
    runs(&reporter, &owner_a, 2, &ranges, n_runs, &mut all).await;

    progress(&format!("phase 3: company B, {other_people} people…"));
    let (items_b, weekly_b, secs) = seed_totals(&seeder, &b, tasks, "B's totals").await;
    seeding.push(format!(
        "B's totals: {} items ({} weekly totals) in {secs:.1} s ({:.0} items/s)",
        thousands(items_b),
        thousands(weekly_b),
        items_b as f64 / secs
    ));
    let shifts_b = if b_shifts {
        let (n, secs) = seed_shifts(&seeder, &b, tasks, "B's shifts").await;
        seeding.push(format!("B's shifts: {} in {secs:.1} s", thousands(n)));
        n
    } else {
        0
    };
    let mut ranges3 = ranges.clone();
    ranges3.push(dept_range.clone());
    runs(&reporter, &owner_a, 3, &ranges3, n_runs, &mut all).await;

    // The runs above raise the rate limits; with the deployed defaults a
    // fresh HR person of A pages every seeded week, each page a request of
    // the heavy route.
    let deployed = RateLimits::default();
    let hr = h.add_user(&owner_a, "hr").await;
    let strict = Reporter::new(deployed).await;
    let (ok_pages, ended, limited_secs) = page_until_refused(&strict, &hr, &ranges[2]).await;
    progress(&format!(
        "deployed limits ({} a minute, {} on heavy routes): every seeded week, {ok_pages} pages answered{}, {limited_secs:.2}s",
        deployed.per_minute,
        deployed.heavy_per_minute,
        if ended == 200 { " (all)".to_string() } else { format!(", then {ended}") }
    ));
    let total_secs = started.elapsed().as_secs_f64();

    // ---- The Markdown.
    let mut md = String::new();
    let w = |md: &mut String, s: &str| {
        md.push_str(s);
        md.push('\n');
    };
    let shifts_per = weeks * 5;
    w(
        &mut md,
        &format!(
            "Company A: {people} people in 5 departments (a rate each, 15.00 to 40.00), a shift every weekday of {weeks} \
             weeks ({} to {}): in between 08:30 and 09:29 UTC, 7 h 30 to 9 h 29 long, so some weeks pass 40 hours \
             (default company: UTC, weekly overtime, no rounding). {} shifts, {} weekly totals (people × weeks). \
             Company B: {} people over the same weeks, {} weekly totals{}.",
            ymd(monday),
            ymd(last_sunday),
            thousands(people * shifts_per),
            thousands(weekly_a),
            thousands(other_people),
            thousands(weekly_b),
            if b_shifts {
                format!(" and {} shifts", thousands(shifts_b))
            } else {
                format!(
                    " (its {} shifts left out: `PAYROLL_BENCH_B_SHIFTS=0`)",
                    thousands(other_people * shifts_per)
                )
            }
        ),
    );
    w(&mut md, "");
    w(
        &mut md,
        "Phases, each followed by the runs: **1** A's weekly totals, monthly totals and clocks alone; **2** + A's \
         shifts; **3** + company B. Each run is every page of `GET /reports/payroll?from=&to=&limit=100` as A's \
         owner (one request per page, each through the whole pipeline: token, rate limit, prefetch, handler), \
         after one unmeasured warm-up run per range. Times fall from phase to phase as DynamoDB Local (a JVM) \
         and the process warm up, not because of the data: the counts are the figures to compare.",
    );
    w(&mut md, "");
    w(
        &mut md,
        "| phase | range | person-weeks in range | pages | DynamoDB requests per run | by operation | items read (`Count`) | lines | wall time, median (min – max) | per item read |",
    );
    w(&mut md, "|---:|---|---:|---:|---:|---|---:|---:|---:|---:|");
    let mut rows: Vec<(usize, &'static str)> = Vec::new();
    for r in &all {
        if !rows.contains(&(r.phase, r.range)) {
            rows.push((r.phase, r.range));
        }
    }
    let all_ranges: Vec<&Range> = ranges3.iter().collect();
    let group =
        |phase: usize, range: &str| all.iter().filter(|r| r.phase == phase && r.range == range).collect::<Vec<_>>();
    let join = |rs: &[&Run], f: &dyn Fn(&Run) -> String| {
        let v: Vec<String> = rs.iter().map(|r| f(r)).collect();
        if v.iter().all(|x| *x == v[0]) {
            v[0].clone()
        } else {
            v.join(" / ")
        }
    };
    let med_of = |rs: &[&Run]| median(rs.iter().map(|r| r.secs).collect());
    for (phase, name) in &rows {
        let rs = group(*phase, name);
        let range = all_ranges.iter().find(|r| r.name == *name).expect("a range");
        let secs: Vec<f64> = rs.iter().map(|r| r.secs).collect();
        let (lo, hi) = secs.iter().fold((f64::MAX, 0f64), |(a, b), x| (a.min(*x), b.max(*x)));
        let med = med_of(&rs);
        w(
            &mut md,
            &format!(
                "| {phase} | {name}: {} – {} ({} week{}{}) | {} | {} | {} | {} | {} | {} | {} ({} – {}) | {:.2} ms |",
                range.from,
                range.to,
                weeks_in(range),
                if weeks_in(range) == 1 { "" } else { "s" },
                if range.department.is_some() { ", `department_id`" } else { "" },
                thousands(range.expected),
                join(&rs, &|r| r.pages.to_string()),
                join(&rs, &|r| thousands(r.requests())),
                join(&rs, &|r| r.ops()),
                join(&rs, &|r| thousands(r.count)),
                join(&rs, &|r| thousands(r.lines)),
                secs_fmt(med),
                secs_fmt(lo),
                secs_fmt(hi),
                med * 1000.0 / rs[0].count.max(1) as f64
            ),
        );
    }
    w(&mut md, "");
    w(
        &mut md,
        &format!(
            "Median of {n_runs} runs per row; where the runs of a row differ, their figures are separated by `/`. \
             Items read is the sum of the `Count` of every `Query` page the function received (an SDK interceptor \
             on its client); `ScannedCount` was the same in every run{}. Lines are the person-weeks the pages \
             returned.",
            if all.iter().all(|r| r.scanned == r.count) { "" } else { " **except where noted below**" }
        ),
    );
    w(&mut md, "");
    for line in shape_lines(&all, &ranges3) {
        w(&mut md, &format!("- {line}"));
    }
    let wrong: Vec<&Run> = all
        .iter()
        .filter(|r| {
            let range = all_ranges.iter().find(|x| x.name == r.range).expect("a range");
            r.count != range.expected || r.seconds != range.seconds || r.scanned != r.count
        })
        .collect();
    if !wrong.is_empty() {
        w(&mut md, "");
        w(
            &mut md,
            &format!(
                "**Note**: {} run(s) read other than the person-weeks in range, or paid other than the seeded seconds \
                 (see the progress output).",
                wrong.len()
            ),
        );
    }
    // A page per 100 person-weeks, and an empty last one when they fill the last page.
    let month_pages = |people: usize| people * weeks_in(&ranges[1]) / 100 + 1;
    w(&mut md, "");
    w(
        &mut md,
        &format!(
            "**Rate limits.** Every page is a request of the route, which is `Heavy`: it counts against the \
             caller's heavy-route limit ({} a minute by default, `TENURE_HEAVY_RATE_LIMIT_PER_MINUTE`), and a caller \
             over a limit in {} different minutes of an hour is blocked for an hour. The runs above raise the limits; \
             with the defaults, a fresh HR person of A paging every seeded week ({} pages) got {}. At 100 lines a page, \
             A's month is {} pages and B's ({} people) would be about {}: more than one minute's allowance.",
            deployed.heavy_per_minute,
            tenure_core::domain::ratelimit::STRIKES_TO_BLOCK,
            all.iter().find(|r| r.range == ranges[2].name).map_or(0, |r| r.pages),
            if ended == 200 {
                format!("every page ({ok_pages}) in {limited_secs:.2} s: no refusal")
            } else {
                format!("{ok_pages} pages, then {ended} ({limited_secs:.2} s after the first)")
            },
            all.iter().find(|r| r.range == ranges[1].name).map_or(0, |r| r.pages),
            thousands(other_people),
            month_pages(other_people)
        ),
    );
    w(&mut md, "");
    w(
        &mut md,
        &format!(
            "Seeding (not part of the runs; `BatchWriteItem`, 25 items a request, {tasks} writers at once): {}.",
            seeding.join("; ")
        ),
    );
    w(&mut md, "");
    w(&mut md, &format!("The benchmark binary ran {:.0} s in all (seeding included).", total_secs));
    println!("{md}");
    if let Ok(path) = std::env::var("TENURE_PAYROLL_OUT") {
        std::fs::write(path, &md).expect("writing TENURE_PAYROLL_OUT");
    }
}

fn secs_fmt(s: f64) -> String {
    if s < 10.0 {
        format!("{:.0} ms", s * 1000.0)
    } else {
        format!("{s:.1} s")
    }
}

/// The sentences that say what the cost follows.
fn shape_lines(all: &[Run], ranges: &[Range]) -> Vec<String> {
    let mut out = Vec::new();
    let of =
        |phase: usize, range: &str| all.iter().filter(|r| r.phase == phase && r.range == range).collect::<Vec<_>>();
    let med = |rs: &[&Run]| median(rs.iter().map(|r| r.secs).collect());
    let (week, month, every) = (&ranges[0], &ranges[1], &ranges[2]);
    let (w3, m3, e3) = (of(3, week.name), of(3, month.name), of(3, every.name));
    if let (Some(w), Some(m), Some(e)) = (w3.first(), m3.first(), e3.first()) {
        out.push(format!(
            "Month / week (phase 3): items read {} / {} = ×{:.2} for ×{:.2} the person-weeks; requests {} / {} = \
             ×{:.2}; time {} / {} = ×{:.2}. Every seeded week / one week: items ×{:.2}, requests ×{:.2}, time ×{:.2}.",
            thousands(m.count),
            thousands(w.count),
            m.count as f64 / w.count.max(1) as f64,
            month.expected as f64 / week.expected.max(1) as f64,
            m.requests(),
            w.requests(),
            m.requests() as f64 / w.requests().max(1) as f64,
            secs_fmt(med(&m3)),
            secs_fmt(med(&w3)),
            med(&m3) / med(&w3),
            e.count as f64 / w.count.max(1) as f64,
            e.requests() as f64 / w.requests().max(1) as f64,
            med(&e3) / med(&w3),
        ));
    }
    let same = |x: &[&Run], y: &[&Run]| {
        x.iter().chain(y.iter()).all(|r| {
            let f = x[0];
            r.calls == f.calls && r.count == f.count && r.pages == f.pages && r.lines == f.lines
        })
    };
    for range in &ranges[..3] {
        let (p1, p2, p3) = (of(1, range.name), of(2, range.name), of(3, range.name));
        if p1.is_empty() || p2.is_empty() || p3.is_empty() {
            continue;
        }
        out.push(format!(
            "{}: the requests, pages, items read and lines were {} with A's shifts added (phase 2) and {} with \
             company B added (phase 3) as with A's totals alone (phase 1); median time {} → {} → {}.",
            range.name,
            if same(&p1, &p2) { "exactly the same" } else { "**not** the same" },
            if same(&p1, &p3) { "exactly the same" } else { "**not** the same" },
            secs_fmt(med(&p1)),
            secs_fmt(med(&p2)),
            secs_fmt(med(&p3)),
        ));
    }
    if let Some(r) = of(3, month.name).first() {
        let q = r.calls.get("Query").copied().unwrap_or(0);
        let per_page = (r.requests() - q) as f64 / r.pages.max(1) as f64;
        let empty_last = r.count % 100 == 0 && r.pages == r.count / 100 + 1;
        out.push(format!(
            "Per page: one `Query` of the company partition's `PAYWEEK#{{first week}}#` to `PAYWEEK#{{last week}}#~` \
             (up to 100 items) and {per_page:.0} other request(s) of the pipeline ({} in all for the month's {} pages).{}",
            r.requests() - q,
            r.pages,
            if empty_last {
                format!(
                    " {} pages for {} items: DynamoDB returns a `LastEvaluatedKey` when a page fills its limit, so a \
                     count that is a multiple of 100 ends with an empty page.",
                    r.pages,
                    thousands(r.count)
                )
            } else {
                String::new()
            }
        ));
    }
    out
}

fn put(item: Item) -> WriteRequest {
    WriteRequest::builder().put_request(PutRequest::builder().set_item(Some(item)).build().expect("a put")).build()
}
