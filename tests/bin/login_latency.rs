//! `make bench`: the latency of `POST /auth/login` through the real
//! pipeline against the local DynamoDB endpoint, median of 20, and the
//! DynamoDB round trips it took. Prints figures; asserts nothing about time.

use std::time::Instant;

use serde_json::json;
use tenure_tests::{Harness, Req, PASSWORD};

#[tokio::main]
async fn main() {
    let h = Harness::new().await;
    let account = h.signup().await;
    let mut ms = Vec::new();
    let mut trips = 0;
    for _ in 0..20 {
        let t = Instant::now();
        let r =
            h.send(Req::new("POST", "/auth/login").json(json!({"email": account.email, "password": PASSWORD}))).await;
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
        r.expect(200);
        trips = r.calls.len();
    }
    ms.sort_by(f64::total_cmp);
    let median = (ms[9] + ms[10]) / 2.0;
    println!(
        "{}",
        json!({"route": "POST /auth/login", "runs": 20, "median_ms": (median * 10.0).round() / 10.0, "min_ms": (ms[0] * 10.0).round() / 10.0, "max_ms": (ms[19] * 10.0).round() / 10.0, "dynamodb_round_trips": trips})
    );
}
