//! `make bench-chain`: how many audited writes a second one company's audit
//! chain takes. Each company's chain takes one write at a time (every
//! audited write moves its head with a conditional update); a write that
//! loses the race learns the new head from its cancellation and retries,
//! up to `AUDIT_ATTEMPTS` (64) attempts within 3 s, then fails its request
//! with a 5xx. This runs N writers at once in one company
//! (N = 1, 2, 4, 8, 16, 32), each registering leavers (one audited
//! transaction, contended only on the chain head) for a few seconds, through
//! the real pipeline against DynamoDB Local, and prints per N: writes a
//! second, failed requests, the share of transactions that lost the
//! race, and the contention retries per request (median, 99th percentile,
//! worst: the bound the round-trip bar excuses). Prints figures; asserts nothing about time. `CHAIN_BENCH_SHOW=1`
//! prints each failed request (status, body, DynamoDB calls) to stderr.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use tenure_core::config::RateLimits;
use tenure_tests::{Harness, Req};

const SECONDS: u64 = 4;

#[tokio::main]
async fn main() {
    // The requests that give up log an error each: the table says how many.
    let _ = tracing::subscriber::set_global_default(tracing::subscriber::NoSubscriber::default());
    let wide = RateLimits { per_minute: 1_000_000, heavy_per_minute: 1_000_000, ip_per_minute: 1_000_000 };
    let h = Harness::with_limits(wide).await;
    let owner = Arc::new(h.signup().await);
    let group = tenure_core::routes::group("leavers").expect("the leavers group");
    println!("writers\twrites_per_s\tok\tfailed\tlost_races\ttransactions\tretries_p50\tretries_p99\tretries_max");
    for writers in [1usize, 2, 4, 8, 16, 32] {
        let deadline = Instant::now() + Duration::from_secs(SECONDS);
        let mut tasks = Vec::new();
        for w in 0..writers {
            let owner = owner.clone();
            tasks.push(tokio::spawn(async move {
                let (mut ok, mut failed, mut lost, mut txs) = (0u64, 0u64, 0u64, 0u64);
                let mut retries = Vec::new();
                let mut i = 0u64;
                // Each writer is a function instance of its own: its own counted client.
                let me = Harness::with_limits(wide).await;
                while Instant::now() < deadline {
                    i += 1;
                    let body = json!({"first_name": "C", "surname": format!("Chain{w}x{i}"), "department": "Ops",
                                      "leave_date": "2099-01-01", "reason": "retirement"});
                    let req = Req::new("POST", "/leavers").bearer(&owner.access).json(body);
                    let event = req.event(&me.ip).to_string();
                    let request = lambda_http::request::from_str(&event).expect("an API Gateway event");
                    me.counter.take();
                    let reply = tenure_core::http::handle(me.app("leavers"), group, request).await;
                    let calls = me.counter.take();
                    txs += calls.iter().filter(|c| c.starts_with("TransactWriteItems")).count() as u64;
                    lost += calls.iter().filter(|c| *c == "TransactWriteItems!").count() as u64;
                    retries.push(tenure_tests::contention_retries(&calls));
                    if reply.status().as_u16() == 201 {
                        ok += 1;
                    } else {
                        failed += 1;
                        if std::env::var("CHAIN_BENCH_SHOW").is_ok() {
                            let (parts, body) = reply.into_parts();
                            let text = match body {
                                lambda_http::Body::Text(t) => t,
                                _ => String::new(),
                            };
                            eprintln!("{} {} {calls:?}", parts.status, text);
                        }
                    }
                }
                (ok, failed, lost, txs, retries)
            }));
        }
        let (mut ok, mut failed, mut lost, mut txs) = (0, 0, 0, 0);
        let mut retries = Vec::new();
        for t in tasks {
            let (a, b, c, d, r) = t.await.expect("a writer");
            ok += a;
            failed += b;
            lost += c;
            txs += d;
            retries.extend(r);
        }
        retries.sort_unstable();
        let at = |q: f64| retries.get(((retries.len() as f64 - 1.0) * q).round() as usize).copied().unwrap_or(0);
        let per_s = ok as f64 / SECONDS as f64;
        let lost_share = if txs == 0 { 0.0 } else { lost as f64 / txs as f64 };
        println!(
            "{writers}\t{per_s:.0}\t{ok}\t{failed}\t{:.0}%\t{txs}\t{}\t{}\t{}",
            lost_share * 100.0,
            at(0.5),
            at(0.99),
            at(1.0)
        );
    }
}
