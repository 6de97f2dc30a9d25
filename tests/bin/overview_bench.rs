//! `make bench-overview`: what `GET /overview` costs, in DynamoDB requests
//! and wall time, for a company of a few leavers and for one of many, and
//! how large its counter item grows. Figures only; nothing here passes or
//! fails on a time.
//!
//! Both companies are built through the API (the real write paths, so the
//! counters are the ones the modules keep): company S registers
//! `OVERVIEW_BENCH_SMALL` [5] leavers; company L registers
//! `OVERVIEW_BENCH_LEAVERS` [1000] leavers (every third high risk, leave
//! dates spread over 120 days, so alerts and offboarding tickets open too)
//! and raises `OVERVIEW_BENCH_TICKETS` [200] tickets. Each company's owner
//! then asks for the overview `OVERVIEW_BENCH_RUNS` [50] times, and a
//! manager of a department of `OVERVIEW_BENCH_TEAM` [50] people with a shift
//! each this week asks for theirs. `TENURE_OVERVIEW_OUT` names a file to
//! write the Markdown to.

use std::time::Instant;

use serde_json::json;
use tenure_core::config::RateLimits;
use tenure_tests::bench::{median, thousands};
use tenure_tests::{Account, Harness, Req};
use time::{Duration, OffsetDateTime};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn day(offset: i64) -> String {
    (OffsetDateTime::now_utc().date() + Duration::days(offset)).to_string()
}

async fn leavers(h: &Harness, o: &Account, n: usize, tag: &str) {
    for i in 0..n {
        let high = i % 3 == 0;
        let body = json!({
            "first_name": "B", "surname": format!("{tag}{i}"), "department": if high { "Finance" } else { "Sales" },
            "leave_date": day((i % 120) as i64), "reason": if high { "dismissal" } else { "resignation" },
            "access_level": if high { "privileged" } else { "standard" }
        });
        h.send(Req::new("POST", "/leavers").bearer(&o.access).json(body)).await.expect(201);
        if (i + 1) % 250 == 0 {
            eprintln!("[overview-bench] {tag}: {} leavers", i + 1);
        }
    }
}

struct Measured {
    calls: String,
    p50_ms: f64,
    p90_ms: f64,
}

async fn measure(h: &Harness, who: &Account, runs: usize) -> Measured {
    let mut times = Vec::new();
    let mut calls = String::new();
    for _ in 0..runs {
        let t = Instant::now();
        let r = h.send(Req::get("/overview").bearer(&who.access)).await;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        r.expect(200);
        calls = r.calls.join(", ");
    }
    times.sort_by(|a, b| a.total_cmp(b));
    let p90 = times[(times.len() * 9 / 10).min(times.len() - 1)];
    Measured { calls, p50_ms: median(times), p90_ms: p90 }
}

/// The company's counter items (`store::stats`): attributes and stored
/// size in bytes as DynamoDB counts it (names plus values; numbers counted
/// as their digits), e.g. `STATS 14 attrs 171 B`.
async fn counter_items(h: &Harness, company: &str) -> String {
    let mut out = Vec::new();
    for sk in ["STATS", "STATS#LEAVE", "STATS#ALERT"] {
        let key = tenure_core::store::Key { pk: format!("CO#{company}"), sk: sk.into() };
        let item = h.store.get(&key).await.expect("read").unwrap_or_default();
        let bytes: usize = item
            .iter()
            .map(|(k, v)| k.len() + v.as_s().map(|s| s.len()).or_else(|_| v.as_n().map(|n| n.len())).unwrap_or(8))
            .sum();
        out.push(format!("`{sk}` {} attributes, {} B", item.len(), thousands(bytes)));
    }
    out.join("; ")
}

#[tokio::main]
async fn main() {
    let _ = tracing::subscriber::set_global_default(tracing::subscriber::NoSubscriber::default());
    let wide = RateLimits { per_minute: 1_000_000, heavy_per_minute: 1_000_000, ip_per_minute: 1_000_000 };
    let h = Harness::with_limits(wide).await;
    let (small_n, big_n) = (env("OVERVIEW_BENCH_SMALL", 5), env("OVERVIEW_BENCH_LEAVERS", 1000));
    let (tickets, runs, team) =
        (env("OVERVIEW_BENCH_TICKETS", 200), env("OVERVIEW_BENCH_RUNS", 50), env("OVERVIEW_BENCH_TEAM", 50));

    let small = h.signup().await;
    leavers(&h, &small, small_n, "Small").await;
    let big = h.signup().await;
    let seeded = Instant::now();
    leavers(&h, &big, big_n, "Big").await;
    let emp = h.add_user(&big, "employee").await;
    for _ in 0..tickets {
        h.send(
            Req::new("POST", "/tickets").bearer(&emp.access).json(
                json!({"title": "Laptop", "description": "Broken.", "priority": "medium", "category": "hardware"}),
            ),
        )
        .await
        .expect(201);
    }
    // A manager's department of `team` people, each with a shift this week.
    let boss = h.add_user(&big, "manager").await;
    let dept = h
        .send(
            Req::new("POST", "/departments")
                .bearer(&big.access)
                .json(json!({"name": "Ops", "manager_id": boss.user_id})),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let now = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
    let iso = |t: OffsetDateTime| t.format(&time::format_description::well_known::Rfc3339).unwrap();
    for _ in 0..team {
        let p = h.add_user(&big, "employee").await;
        let v =
            h.send(Req::get(&format!("/employees/{}", p.user_id)).bearer(&big.access)).await.json()["version"].clone();
        h.send(
            Req::new("PATCH", &format!("/employees/{}", p.user_id))
                .bearer(&big.access)
                .json(json!({"version": v, "department_id": dept})),
        )
        .await
        .expect(200);
        for (action, at) in [("in", now - Duration::minutes(30)), ("out", now - Duration::minutes(1))] {
            h.send(
                Req::new("POST", "/clockins")
                    .bearer(&boss.access)
                    .json(json!({"action": action, "employee_id": p.user_id, "at": iso(at), "reason": "bench"})),
            )
            .await
            .expect(201);
        }
    }
    eprintln!("[overview-bench] seeded in {:.0} s", seeded.elapsed().as_secs_f64());

    let s = measure(&h, &small, runs).await;
    let b = measure(&h, &big, runs).await;
    let m = measure(&h, &boss, runs).await;
    let (s_items, b_items) = (counter_items(&h, &small.company_id).await, counter_items(&h, &big.company_id).await);
    let mut out = String::new();
    out.push_str(&format!(
        "{runs} requests each; `GET /overview` through the `companies` function in-process, medians.\n\n\
         | caller | company | DynamoDB calls per request | p50 | p90 |\n\
         |---|---|---|---:|---:|\n\
         | owner | S: {small_n} leavers | {} | {:.1} ms | {:.1} ms |\n\
         | owner | L: {} leavers, {} tickets | {} | {:.1} ms | {:.1} ms |\n\
         | manager of {team} people | L | {} | {:.1} ms | {:.1} ms |\n\n\
         L/S p50: ×{:.2}.\n\n\
         Counter items read by every request: S: {s_items}. L: {b_items}.\n",
        s.calls,
        s.p50_ms,
        s.p90_ms,
        thousands(big_n),
        thousands(tickets),
        b.calls,
        b.p50_ms,
        b.p90_ms,
        m.calls,
        m.p50_ms,
        m.p90_ms,
        b.p50_ms / s.p50_ms,
    ));
    print!("{out}");
    if let Ok(path) = std::env::var("TENURE_OVERVIEW_OUT") {
        std::fs::write(path, &out).expect("write the figures");
    }
}
