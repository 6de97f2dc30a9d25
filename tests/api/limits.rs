//! Rate limits, with tiny limits so the tests stay fast.

use serde_json::json;
use tenure_core::config::RateLimits;
use tenure_tests::{Harness, Req};

#[tokio::test]
async fn unauthenticated_clients_are_limited_per_ip_with_retry_after() {
    let h = Harness::with_limits(RateLimits { per_minute: 100, heavy_per_minute: 50, ip_per_minute: 3 }).await;
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(h.send(Req::new("GET", "/status")).await.status);
    }
    // A minute boundary may reset the window once mid-test.
    assert!(statuses.iter().filter(|s| **s == 429).count() >= 1, "{statuses:?}");
    let r = h.send(Req::new("GET", "/status")).await;
    if r.status == 429 {
        let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
        assert!((1..=3600).contains(&retry));
        r.expect_problem(429, None);
    }
    // Another IP is not affected.
    h.send_from(Req::new("GET", "/status"), "192.0.2.77").await.expect(200);
}

#[tokio::test]
async fn login_attempts_count_against_the_ip_limit() {
    let h = Harness::with_limits(RateLimits { per_minute: 100, heavy_per_minute: 50, ip_per_minute: 2 }).await;
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(
            h.send(
                Req::new("POST", "/auth/login")
                    .json(json!({"email": "nobody@example.com", "password": "whatever12345"})),
            )
            .await
            .status,
        );
    }
    assert!(statuses.contains(&429), "{statuses:?}");
}

#[tokio::test]
async fn signed_in_users_are_limited_per_user_and_heavy_routes_lower() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let tight = Harness::with_limits(RateLimits { per_minute: 6, heavy_per_minute: 2, ip_per_minute: 100 }).await;
    let mut heavy = Vec::new();
    for _ in 0..4 {
        heavy.push(tight.send(Req::new("GET", "/audit").bearer(&o.access)).await.status);
    }
    assert!(heavy.contains(&429), "heavy route: {heavy:?}");
    let mut statuses = Vec::new();
    for _ in 0..8 {
        statuses.push(tight.send(Req::new("GET", "/auth/me").bearer(&o.access)).await.status);
    }
    assert!(statuses.contains(&429), "normal route: {statuses:?}");
}

#[tokio::test]
async fn a_client_that_keeps_exceeding_is_blocked_for_an_hour() {
    let h = Harness::with_limits(RateLimits { per_minute: 100, heavy_per_minute: 50, ip_per_minute: 1 }).await;
    // Three minutes over the limit in one hour: the two earlier ones
    // simulated by writing the counter item as they would have left it.
    h.seed_two_minutes_over(&format!("ip:{}", h.ip)).await;
    h.send(Req::new("GET", "/status")).await;
    let r = h.send(Req::new("GET", "/status")).await;
    r.expect_problem(429, None);
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!(retry > 3000, "blocked for an hour, got retry-after {retry}");
}
