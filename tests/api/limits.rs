//! Rate limits, with tiny limits so the tests stay fast.

use serde_json::json;
use tenure_core::config::RateLimits;
use tenure_tests::{Harness, Req};

#[tokio::test]
async fn unauthenticated_clients_are_limited_per_ip_with_retry_after() {
    let h = Harness::with_limits(RateLimits { per_minute: 100, heavy_per_minute: 50, ip_per_minute: 3 }).await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let r = h.send(Req::new("GET", "/status")).await;
        // Every 429, not only the last, says when to retry.
        if r.status == 429 {
            r.expect_problem(429, None);
            let retry: u64 = r.header("retry-after").expect("Retry-After on every 429").parse().unwrap();
            assert!((1..=3600).contains(&retry), "retry-after {retry}");
        }
        statuses.push(r.status);
    }
    // A minute boundary may reset the window once mid-test.
    assert!(statuses.iter().filter(|s| **s == 429).count() >= 1, "{statuses:?}");
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

/// A token that fails, or names a revoked session, is charged to the source
/// IP, never to the user it names: holding someone's revoked token must not
/// let anyone use up (or get blocked) that person's limit (issue 11).
#[tokio::test]
async fn revoked_and_invalid_tokens_are_charged_to_the_ip_not_to_the_user() {
    let h = Harness::with_limits(RateLimits { per_minute: 4, heavy_per_minute: 4, ip_per_minute: 1000 }).await;
    let a = h.signup().await;
    let old = h.login(&a.email, &a.password).await;
    h.send(Req::new("POST", "/auth/logout").bearer(&old.access)).await.expect(204);
    // Far more than the user's limit with the revoked token, from elsewhere.
    for _ in 0..8 {
        h.send_from(Req::get("/auth/me").bearer(&old.access), "203.0.113.9").await.expect_problem(401, None);
    }
    // The user's own session is untouched by them.
    h.send(Req::get("/auth/me").bearer(&a.access)).await.expect(200);

    // Invalid tokens use up the IP's limit instead.
    let h = Harness::with_limits(RateLimits { per_minute: 100, heavy_per_minute: 50, ip_per_minute: 3 }).await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(h.send(Req::get("/auth/me").bearer("not.a.token")).await.status);
    }
    // A minute boundary may reset the window once mid-test.
    assert!(statuses.contains(&429), "invalid tokens are not limited: {statuses:?}");
    assert!(statuses.iter().all(|s| *s == 401 || *s == 429), "{statuses:?}");
}

/// A sign-in that starts its IP's block stays within three round trips (the
/// login's read, the refused attempt's count, the block's two counter items
/// in one transaction), and a signed-in request that starts its user's block
/// too (issue 12: these took four and five).
#[tokio::test]
async fn requests_that_start_a_block_stay_within_three_round_trips() {
    let h = Harness::with_limits(RateLimits { per_minute: 1, heavy_per_minute: 1, ip_per_minute: 1 }).await;
    h.seed_two_minutes_over(&format!("ip:{}", h.ip)).await;
    let login =
        || Req::new("POST", "/auth/login").json(json!({"email": "nobody@example.com", "password": "whatever12345"}));
    h.send(login()).await;
    let r = h.send(login()).await;
    r.expect_problem(429, None);
    assert!(tenure_tests::round_trips(&r.calls) <= 3, "{:?}", r.calls);
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!(retry > 3000, "the block started: retry-after {retry}");

    let h = Harness::new().await;
    let o = h.signup().await;
    let tight = Harness::with_limits(RateLimits { per_minute: 1, heavy_per_minute: 1, ip_per_minute: 100 }).await;
    tight.seed_two_minutes_over(&o.user_id).await;
    tight.send(Req::get("/auth/me").bearer(&o.access)).await;
    let r = tight.send(Req::get("/auth/me").bearer(&o.access)).await;
    r.expect_problem(429, None);
    assert!(tenure_tests::round_trips(&r.calls) <= 3, "{:?}", r.calls);
}
