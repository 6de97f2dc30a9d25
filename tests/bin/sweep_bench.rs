//! `make bench-sweep`: what the daily leaver-risk sweep costs, in DynamoDB
//! requests and wall time, against the local DynamoDB endpoint.
//!
//! Seeds companies (through `POST /companies`, as a platform admin) and
//! leavers spread over them, then runs `tenure_core::events::sweep::run`
//! (what the `risk-sweep` function runs) with a client that counts every
//! request:
//!
//! 1. A: `INSIDE` leavers inside the risk window (leave date from 30 days
//!    past to 90 days ahead), none outside;
//! 2. B: the same plus `OUTSIDE` leavers outside it (leave dates 1–5 years
//!    ahead, or more than 30 days past): the requests should not change;
//! 3. C: leavers added up to `INSIDE_MORE` inside, `OUTSIDE` outside;
//! 4. C2: C again (the leavers now carry their scores and open alerts, so
//!    their items, and the pages of their index, are larger than in C);
//! 5. D: C2 plus `EMPTY` companies with no leaver at all: the requests should
//!    equal C2's (the pass finds companies in the sharded leave-date index,
//!    gsi3, so a company without a leaver in the window costs nothing).
//!
//! Each run is a fresh day's pass: the day's `SWEEP#{date}` state item is
//! deleted before it. Figures only; nothing here passes or fails on time.
//!
//! Leavers are seeded with `BatchWriteItem` (25 a call, a few tasks at
//! once) as exactly the items `store::leavers::stage_put` writes (the
//! `Leaver` through `store::to_item`, plus its gsi1/gsi2 keys), except the
//! copy in the surname bucket, which the benchmark skips (the sweep reads
//! only the leave-date indexes and writes the bucket copy itself). The key
//! formats are those of `store::keys`, which needs a `Tenant` this crate
//! cannot make; they are checked against a leaver created through
//! `POST /leavers` before seeding.
//!
//! Sizes come from the environment (defaults in brackets):
//! `SWEEP_BENCH_COMPANIES` [50], `SWEEP_BENCH_INSIDE` [1000],
//! `SWEEP_BENCH_OUTSIDE` [100000], `SWEEP_BENCH_INSIDE_MORE` [10000],
//! `SWEEP_BENCH_EMPTY` [1000], `SWEEP_BENCH_TASKS` [4]. `TENURE_SWEEP_OUT` names a file to write the
//! Markdown table to.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
use serde_json::json;
use tenure_core::config::RateLimits;
use tenure_core::domain::leavers::{format_date, new_checklist, surname_key, AccessLevel, LeaverStatus, Reason};
use tenure_core::domain::timestamp;
use tenure_core::events::sweep;
use tenure_core::ids::{CompanyId, LeaverId};
use tenure_core::store::counter::CallCounter;
use tenure_core::store::leavers::Leaver;
use tenure_core::store::{items, key_item, keys, schema, to_item, Item, Key};
use tenure_tests::{dynamo, table, Harness, Req};

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The leave date of the `n`th seeded leaver of a kind.
fn leave_date(today: time::Date, inside: bool, n: usize) -> String {
    let days = if inside {
        // Evenly over the window, today-30 ..= today+90.
        -30 + (n % 121) as i64
    } else if n % 2 == 0 {
        // 1 to 5 years ahead.
        366 + ((n / 2) % 1461) as i64
    } else {
        // 31 days to about 2 years past.
        -31 - ((n / 2) % 700) as i64
    };
    format_date(today + time::Duration::days(days))
}

/// The items `store::leavers::stage_put` writes for a new leaver, without
/// the surname-bucket copy. Key formats as in `store::keys` (checked in
/// `check_key_formats`).
fn leaver_item(company: &CompanyId, l: &Leaver) -> Item {
    let pk = format!("CO#{company}");
    let key = Key { pk: pk.clone(), sk: format!("LEAVER#{}", l.id) };
    let mut item = to_item(&key, items::LEAVER, l).expect("a leaver maps to an item");
    let s = |v: String| AttributeValue::S(v);
    item.insert(schema::GSI1_PK.into(), s(format!("{pk}#SURNAME#{}", l.surname_key)));
    item.insert(schema::GSI1_SK.into(), s(l.id.to_string()));
    item.insert(schema::GSI2_PK.into(), s(format!("{pk}#LEAVERS")));
    item.insert(schema::GSI2_SK.into(), s(format!("{}#{}", l.leave_date, l.id)));
    item.insert(schema::GSI3_PK.into(), s(keys::leaving_gsi3pk(keys::leaving_shard(&l.id))));
    item.insert(schema::GSI3_SK.into(), s(format!("{}#{company}#{}", l.leave_date, l.id)));
    item
}

/// A new, not yet scored leaver like `template` (one `POST /leavers`
/// created, so fields added to `Leaver` later get the API's values).
fn new_leaver(
    template: &Leaver,
    company: &CompanyId,
    today: time::Date,
    stamp: &str,
    inside: bool,
    n: usize,
) -> Leaver {
    // One surname per leaver, as in real life mostly: the sweep writes each
    // in-window leaver's surname bucket, and a shared bucket would grow.
    let surname = format!("Bench{}{n}", if inside { "In" } else { "Out" });
    Leaver {
        id: LeaverId::new(),
        company_id: company.clone(),
        first_name: "Sam".into(),
        surname_key: surname_key(&surname),
        surname,
        email: None,
        employee_id: None,
        department: ["Finance", "Engineering", "Sales", "Operations"][n % 4].into(),
        job_title: None,
        leave_date: leave_date(today, inside, n),
        reason: Reason::ALL[n % Reason::ALL.len()],
        access_level: [AccessLevel::Standard, AccessLevel::Elevated, AccessLevel::Privileged][n % 3],
        notes: None,
        status: LeaverStatus::Active,
        checklist: new_checklist(),
        linked_role: None,
        post_leave_activity: None,
        risk: None,
        open_alerts: BTreeMap::new(),
        version: 1,
        created_at: stamp.to_string(),
        updated_at: stamp.to_string(),
        rev: 0,
        ..template.clone()
    }
}

/// Writes leavers `from..to` of a kind (inside or outside the window),
/// spread round-robin over `companies`, with `tasks` concurrent writers.
#[allow(clippy::too_many_arguments)]
async fn seed(
    client: &aws_sdk_dynamodb::Client,
    template: &Leaver,
    companies: &[CompanyId],
    today: time::Date,
    inside: bool,
    from: usize,
    to: usize,
    tasks: usize,
) {
    if to <= from {
        return;
    }
    let total = to - from;
    let kind = if inside { "inside" } else { "outside" };
    let done = Arc::new(AtomicUsize::new(0));
    let next_chunk = Arc::new(AtomicUsize::new(0));
    let chunks = total.div_ceil(25);
    let stamp = timestamp(time::OffsetDateTime::now_utc());
    let started = Instant::now();
    let mut handles = Vec::new();
    for _ in 0..tasks {
        let (client, template, companies, done, next_chunk, stamp) =
            (client.clone(), template.clone(), companies.to_vec(), done.clone(), next_chunk.clone(), stamp.clone());
        handles.push(tokio::spawn(async move {
            loop {
                let c = next_chunk.fetch_add(1, Ordering::Relaxed);
                if c >= chunks {
                    break;
                }
                let lo = from + c * 25;
                let hi = (lo + 25).min(to);
                let mut requests: Vec<WriteRequest> = (lo..hi)
                    .map(|n| {
                        let company = &companies[n % companies.len()];
                        let item = leaver_item(company, &new_leaver(&template, company, today, &stamp, inside, n));
                        WriteRequest::builder()
                            .put_request(PutRequest::builder().set_item(Some(item)).build().expect("put request"))
                            .build()
                    })
                    .collect();
                let mut attempt = 0;
                while !requests.is_empty() {
                    let out = client
                        .batch_write_item()
                        .request_items(table(), requests.clone())
                        .send()
                        .await
                        .unwrap_or_else(|e| panic!("BatchWriteItem failed: {e:?}"));
                    requests = out.unprocessed_items.and_then(|mut u| u.remove(&table())).unwrap_or_default();
                    if !requests.is_empty() {
                        attempt += 1;
                        tokio::time::sleep(Duration::from_millis(20 * attempt.min(50))).await;
                    }
                }
                done.fetch_add(hi - lo, Ordering::Relaxed);
            }
        }));
    }
    let progress = {
        let done = done.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(10)).await;
                let d = done.load(Ordering::Relaxed);
                let secs = started.elapsed().as_secs_f64();
                eprintln!(
                    "  seeding {kind}: {d}/{total} ({:.0}%), {:.0} items/s",
                    d as f64 * 100.0 / total as f64,
                    d as f64 / secs
                );
            }
        })
    };
    for h in handles {
        h.await.expect("seeding task");
    }
    progress.abort();
    let secs = started.elapsed().as_secs_f64();
    eprintln!("  seeded {total} leavers {kind} the window in {secs:.1}s ({:.0} items/s)", total as f64 / secs);
}

/// Creates one leaver through `POST /leavers`, checks that the item the
/// API wrote has the keys and attributes `leaver_item` builds, removes it
/// again and returns it (the template of the seeded leavers).
async fn check_key_formats(h: &Harness, admin: &str, company: &CompanyId, today: time::Date) -> Leaver {
    let date = format_date(today + time::Duration::days(500));
    let r = h
        .send(
            Req::new("POST", "/leavers")
                .query("company_id", &company.to_string())
                .bearer(admin)
                .json(json!({"first_name": "Key", "surname": "Check", "department": "Finance", "leave_date": date, "reason": "resignation"})),
        )
        .await;
    r.expect(201);
    let stored: Leaver = serde_json::from_value(r.json())
        .map(|mut l: Leaver| {
            l.surname_key = surname_key(&l.surname);
            l
        })
        .unwrap_or_else(|e| panic!("POST /leavers answered something that is not a Leaver: {e}"));
    let mine = leaver_item(company, &stored);
    let key = Key {
        pk: match &mine[schema::PK] {
            AttributeValue::S(s) => s.clone(),
            _ => unreachable!(),
        },
        sk: match &mine[schema::SK] {
            AttributeValue::S(s) => s.clone(),
            _ => unreachable!(),
        },
    };
    let theirs = h.store.get(&key).await.expect("GetItem").unwrap_or_else(|| {
        panic!("the leaver POST /leavers created is not at {key:?}: store::keys changed; update leaver_item")
    });
    for attr in [
        schema::GSI1_PK,
        schema::GSI1_SK,
        schema::GSI2_PK,
        schema::GSI2_SK,
        schema::GSI3_PK,
        schema::GSI3_SK,
        schema::ENTITY_TYPE,
    ] {
        assert_eq!(mine.get(attr), theirs.get(attr), "{attr} differs from what stage_put writes: update leaver_item");
    }
    let mut missing: Vec<&String> = theirs.keys().filter(|k| !mine.contains_key(*k)).collect();
    missing.sort();
    assert!(missing.is_empty(), "stage_put writes attributes leaver_item lacks: {missing:?}");
    h.store.client().delete_item().table_name(table()).set_key(Some(key_item(&key))).send().await.expect("DeleteItem");
    stored
}

/// Creates `n` companies through `POST /companies`, with progress.
async fn create_companies(h: &Harness, admin: &str, name: &str, n: usize) -> Vec<CompanyId> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let r = h.send(Req::new("POST", "/companies").bearer(admin).json(json!({"name": format!("{name} {i}")}))).await;
        r.expect(201);
        out.push(CompanyId::parse(r.json()["id"].as_str().expect("company id")).expect("a company id"));
        if (i + 1) % 250 == 0 {
            eprintln!("  {}/{n} companies", i + 1);
        }
    }
    out
}

struct Run {
    label: &'static str,
    inside: usize,
    outside: usize,
    report: sweep::RunReport,
    calls: BTreeMap<String, usize>,
    secs: f64,
}

async fn run_sweep(h: &Harness, label: &'static str, inside: usize, outside: usize, now: time::OffsetDateTime) -> Run {
    let date = format_date(now.date());
    // A fresh day's pass each time.
    h.store
        .client()
        .delete_item()
        .table_name(table())
        .set_key(Some(key_item(&keys::sweep_state(&date))))
        .send()
        .await
        .expect("DeleteItem of the sweep state");
    eprintln!("sweep {label}: {inside} leavers inside the window, {outside} outside…");
    let app = h.app("risk-sweep");
    h.counter.take();
    let t = Instant::now();
    let report = sweep::run(&app, now, u64::MAX).await.expect("the sweep run");
    let secs = t.elapsed().as_secs_f64();
    let mut calls = BTreeMap::new();
    for c in h.counter.take() {
        *calls.entry(c).or_insert(0) += 1;
    }
    eprintln!(
        "  {}: {} companies, {} assessed, {} alerts, {} skipped, {} errors, {} requests, {secs:.1}s",
        report.outcome,
        report.companies,
        report.totals.assessed,
        report.totals.alerts_raised,
        report.totals.skipped,
        report.totals.errors.len(),
        calls.values().sum::<usize>()
    );
    Run { label, inside, outside, report, calls, secs }
}

#[tokio::main]
async fn main() {
    let n_companies = env_num("SWEEP_BENCH_COMPANIES", 50).max(1);
    let inside = env_num("SWEEP_BENCH_INSIDE", 1000);
    let outside = env_num("SWEEP_BENCH_OUTSIDE", 100_000);
    let inside_more = env_num("SWEEP_BENCH_INSIDE_MORE", 10_000).max(inside);
    let empty = env_num("SWEEP_BENCH_EMPTY", 1000);
    let tasks = env_num("SWEEP_BENCH_TASKS", 4).max(1);

    let h =
        Harness::with_limits(RateLimits { per_minute: 10_000, heavy_per_minute: 10_000, ip_per_minute: 10_000 }).await;
    let seeder = dynamo(&CallCounter::new()).await;
    let now = time::OffsetDateTime::now_utc();
    let today = now.date();

    eprintln!("creating {n_companies} companies through POST /companies…");
    let admin = h.admin().await;
    let companies = create_companies(&h, &admin.access, "Sweep Bench", n_companies).await;
    let template = check_key_formats(&h, &admin.access, &companies[0], today).await;
    // A table made before gsi3 gets a one-off backfill on the first run;
    // this one needs none, but settle it here so no run below counts it.
    let mut backfill = sweep::Backfill::default();
    sweep::backfill(&h.app("risk-sweep").store, &mut backfill, u64::MAX).await.expect("the gsi3 backfill");
    // So does the overview counters' backfill (before the seeding: the
    // leavers seeded below are counted by the sweep's own writes).
    let mut counters = tenure_core::events::counters_backfill::Backfill::default();
    tenure_core::events::counters_backfill::run(&h.app("risk-sweep").store, &mut counters, now, u64::MAX)
        .await
        .expect("the counters' backfill");

    let mut runs = Vec::new();
    eprintln!("seeding {inside} leavers inside the window…");
    seed(&seeder, &template, &companies, today, true, 0, inside, tasks).await;
    runs.push(run_sweep(&h, "A", inside, 0, now).await);

    eprintln!("seeding {outside} leavers outside the window…");
    seed(&seeder, &template, &companies, today, false, 0, outside, tasks).await;
    runs.push(run_sweep(&h, "B", inside, outside, now).await);

    if inside_more > inside {
        eprintln!("seeding {} more leavers inside the window…", inside_more - inside);
        seed(&seeder, &template, &companies, today, true, inside, inside_more, tasks).await;
        runs.push(run_sweep(&h, "C", inside_more, outside, now).await);
    }

    if empty > 0 {
        runs.push(run_sweep(&h, "C2", inside_more, outside, now).await);
        eprintln!("creating {empty} companies without leavers…");
        create_companies(&h, &admin.access, "Sweep Bench Empty", empty).await;
        runs.push(run_sweep(&h, "D", inside_more, outside, now).await);
    }

    let mut md = String::new();
    md.push_str("| run | leavers in window | leavers outside | companies | assessed | alerts raised | DynamoDB requests | by operation | wall time | per assessed leaver |\n");
    md.push_str("|---|---:|---:|---:|---:|---:|---:|---|---:|---:|\n");
    for r in &runs {
        let total: usize = r.calls.values().sum();
        let ops = r.calls.iter().map(|(k, v)| format!("{k} {v}")).collect::<Vec<_>>().join(", ");
        let per = if r.report.totals.assessed > 0 {
            format!("{:.1} ms", r.secs * 1000.0 / r.report.totals.assessed as f64)
        } else {
            "–".into()
        };
        md.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {total} | {ops} | {:.1} s | {per} |\n",
            r.label,
            r.inside,
            r.outside,
            r.report.companies,
            r.report.totals.assessed,
            r.report.totals.alerts_raised,
            r.secs
        ));
    }
    let a: usize = runs[0].calls.values().sum();
    let b: usize = runs[1].calls.values().sum();
    let flat = if runs[0].calls == runs[1].calls {
        format!("Requests with {outside} leavers outside the window (B) equal those with none (A): {a} and {b}, operation by operation.")
    } else {
        format!("Requests with {outside} leavers outside the window (B) differ from those with none (A): {a} and {b}.")
    };
    md.push('\n');
    md.push_str(&flat);
    md.push('\n');
    if let (Some(c), Some(d)) = (runs.iter().find(|r| r.label == "C2"), runs.iter().find(|r| r.label == "D")) {
        let (cn, dn): (usize, usize) = (c.calls.values().sum(), d.calls.values().sum());
        let same = if c.calls == d.calls { "equal" } else { "differ from" };
        md.push_str(&format!(
            "\nRequests with {empty} more companies that have no leaver (D) {same} those without them (C2): {dn} and {cn}, operation by operation.\n"
        ));
    }
    println!("{md}");
    if let Ok(path) = std::env::var("TENURE_SWEEP_OUT") {
        std::fs::write(path, &md).expect("writing TENURE_SWEEP_OUT");
    }
}
