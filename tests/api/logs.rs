//! Logs: every line a request writes, the handler's own too, carries the
//! request's id, function, route and company, and no token or personal data.

use std::io::Write;
use std::sync::{Arc, Mutex};

use serde_json::Value;
use tenure_core::config::RateLimits;
use tenure_tests::{Harness, Req, PASSWORD};

/// A log destination the test can read back.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn every_log_line_of_a_request_carries_its_request_id_route_and_company() {
    let h = Harness::with_limits(RateLimits { per_minute: 1, heavy_per_minute: 1, ip_per_minute: 1000 }).await;
    let o = h.signup().await;
    // Over the per-user limit in two earlier minutes of this hour: the next
    // request over it blocks the user, and the rate limiter logs a warning
    // from inside the request.
    h.seed_two_minutes_over(&o.user_id).await;

    let captured = Captured::default();
    let sink = captured.clone();
    let filter = tracing_subscriber::EnvFilter::new("info");
    let guard = tracing::subscriber::set_default(tenure_core::telemetry::subscriber(move || sink.clone(), filter));
    let r = h.send(Req::get("/auth/me").bearer(&o.access)).await;
    drop(guard);
    r.expect_problem(429, None);
    let request_id = r.header("x-request-id").expect("request id").to_string();

    let text = String::from_utf8(captured.0.lock().expect("log buffer").clone()).expect("utf-8 logs");
    let lines: Vec<Value> =
        text.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("not a JSON line: {l}"))).collect();
    let messages: Vec<&str> = lines.iter().filter_map(|l| l["fields"]["message"].as_str()).collect();
    assert!(messages.contains(&"client blocked for an hour"), "the handler's warning was logged: {messages:?}");
    assert!(messages.contains(&"request"), "the request line was logged: {messages:?}");
    for line in &lines {
        let span = &line["span"];
        assert_eq!(span["request_id"], request_id.as_str(), "request id on {line}");
        assert_eq!(span["function"], "auth", "function on {line}");
        assert_eq!(span["route"], "/auth/me", "route on {line}");
        assert_eq!(span["company"], o.company_id.as_str(), "company on {line}");
    }
    for secret in [o.access.as_str(), o.refresh.as_str(), o.email.as_str(), PASSWORD] {
        assert!(!text.contains(secret), "a token, email or password reached the logs: {text}");
    }
}

/// The bootstrap admin's email already taken by a company's user: no admin
/// is made, and the log says so at error level, naming no email (issue 11).
#[tokio::test]
async fn a_bootstrap_admin_email_taken_by_a_company_user_is_an_error_in_the_log() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let captured = Captured::default();
    let sink = captured.clone();
    let filter = tracing_subscriber::EnvFilter::new("info");
    let guard = tracing::subscriber::set_default(tenure_core::telemetry::subscriber(move || sink.clone(), filter));
    let created = tenure_core::api::auth::bootstrap_admin(&h.app("auth"), &o.email, PASSWORD).await;
    drop(guard);
    assert_eq!(created, Ok(false), "no admin is made over a company's user");
    let text = String::from_utf8(captured.0.lock().expect("log buffer").clone()).expect("utf-8 logs");
    let errors: Vec<Value> =
        text.lines().filter_map(|l| serde_json::from_str::<Value>(l).ok()).filter(|l| l["level"] == "ERROR").collect();
    assert_eq!(errors.len(), 1, "{text}");
    assert!(errors[0]["fields"]["message"].as_str().unwrap_or("").contains("belongs to a user of a company"));
    assert!(!text.contains(&o.email), "the email reached the log: {text}");
    // The owner is still the owner.
    let me = h.send(Req::get("/auth/me").bearer(&o.access)).await.json();
    assert_eq!(me["role"], "owner");
}

/// A failed sign-in with an email that has no account belongs to no
/// company: it is logged as `auth.unknown_account` (without the email; both
/// templates count and alarm on it), and written to no audit chain, so a
/// flood of them cannot contend with the platform admins' own audited
/// writes (issue 11).
#[tokio::test]
async fn an_unknown_email_sign_in_is_logged_not_audited() {
    let h = Harness::new().await;
    let email = tenure_tests::unique_email("nobody");
    let captured = Captured::default();
    let sink = captured.clone();
    let filter = tracing_subscriber::EnvFilter::new("info");
    let guard = tracing::subscriber::set_default(tenure_core::telemetry::subscriber(move || sink.clone(), filter));
    let r = h
        .send(Req::new("POST", "/auth/login").json(serde_json::json!({"email": email, "password": "wrong password!!"})))
        .await;
    drop(guard);
    r.expect_problem(401, None);
    let request_id = r.header("x-request-id").unwrap().to_string();
    let text = String::from_utf8(captured.0.lock().expect("log buffer").clone()).expect("utf-8 logs");
    let events: Vec<Value> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|l| l["fields"]["event"] == tenure_core::api::auth::UNKNOWN_ACCOUNT_EVENT)
        .collect();
    assert_eq!(events.len(), 1, "{text}");
    assert_eq!(events[0]["level"], "WARN");
    assert!(!text.contains(&email), "the email reached the log");
    // No chain holds it: not the platform's, where it used to go.
    let platform = format!("CO#{}", tenure_core::ids::CompanyId::platform());
    let page =
        h.store.query_prefix(&platform, tenure_core::store::keys::EVENT_SK_PREFIX, 200, None, false).await.unwrap();
    assert!(
        !page.items.iter().any(|i| i.get("request_id").and_then(|v| v.as_s().ok()) == Some(&request_id)),
        "the failed sign-in was audited on the platform's chain"
    );
}
