//! The DynamoDB cost of every route: each one is called on its main path
//! and its calls are counted by the SDK interceptor. The harness already
//! fails any request that scans or takes more than three round trips; this
//! suite makes sure every route of the table was measured, and prints the
//! figures (`make bench` shows them).

use std::collections::BTreeMap;

use serde_json::json;
use tenure_core::routes::ROUTES;
use tenure_tests::{unique_email, Harness, Req, Resp, PASSWORD};

#[tokio::test]
async fn every_route_stays_within_three_round_trips_without_scans() {
    let h = Harness::new().await;
    let mut seen: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut note = |method: &str, path: &str, r: &Resp| {
        seen.insert(format!("{method} {path}"), r.calls.clone());
    };
    let email = unique_email("rt");
    let r = h
        .send(
            Req::new("POST", "/auth/signup")
                .json(json!({"email": email, "password": PASSWORD, "full_name": "R T", "company_name": "RT"})),
        )
        .await;
    note("POST", "/auth/signup", r.expect(201));
    let r = h.send(Req::new("POST", "/auth/login").json(json!({"email": email, "password": PASSWORD}))).await;
    note("POST", "/auth/login", r.expect(200));
    let tokens = r.json();
    let access = tokens["access_token"].as_str().unwrap().to_string();
    let r = h.send(Req::new("POST", "/auth/refresh").json(json!({"refresh_token": tokens["refresh_token"]}))).await;
    note("POST", "/auth/refresh", r.expect(200));
    let r = h.send(Req::new("GET", "/auth/me").bearer(&access)).await;
    note("GET", "/auth/me", r.expect(200));
    let company = r.json()["company_id"].as_str().unwrap().to_string();
    let r = h
        .send(
            Req::new("POST", "/auth/admin/users")
                .bearer(&access)
                .json(json!({"email": unique_email("u"), "full_name": "U", "role": "employee", "password": PASSWORD})),
        )
        .await;
    note("POST", "/auth/admin/users", r.expect(201));
    let uid = r.json()["id"].as_str().unwrap().to_string();
    let r = h.send(Req::new("GET", "/auth/admin/users").bearer(&access)).await;
    note("GET", "/auth/admin/users", r.expect(200));
    let r = h
        .send(
            Req::new("PATCH", &format!("/auth/admin/users/{uid}/role"))
                .bearer(&access)
                .json(json!({"role": "manager"})),
        )
        .await;
    note("PATCH", "/auth/admin/users/{id}/role", r.expect(200));
    let r = h
        .send(
            Req::new("PATCH", &format!("/auth/admin/users/{uid}/status"))
                .bearer(&access)
                .json(json!({"active": false})),
        )
        .await;
    note("PATCH", "/auth/admin/users/{id}/status", r.expect(200));
    let r = h.send(Req::new("GET", &format!("/companies/{company}")).bearer(&access)).await;
    note("GET", "/companies/{id}", r.expect(200));
    let r = h.send(Req::new("GET", "/audit").bearer(&access)).await;
    note("GET", "/audit", r.expect(200));
    let r = h.send(Req::new("GET", "/audit/verify").bearer(&access)).await;
    note("GET", "/audit/verify", r.expect(200));
    let r = h.send(Req::new("POST", "/auth/logout").bearer(&access)).await;
    note("POST", "/auth/logout", r.expect(204));
    let admin = h.admin().await;
    let r = h.send(Req::new("POST", "/companies").bearer(&admin.access).json(json!({"name": "RT Two"}))).await;
    note("POST", "/companies", r.expect(201));
    let r = h.send(Req::new("GET", "/companies").bearer(&admin.access)).await;
    note("GET", "/companies", r.expect(200));
    for path in ["/status", "/openapi.json", "/docs"] {
        let r = h.send(Req::new("GET", path)).await;
        note("GET", path, r.expect(200));
    }

    let mut table = String::from("route | DynamoDB round trips | operations\n");
    for r in ROUTES {
        let key = format!("{} {}", r.method, r.path);
        let calls = seen.get(&key).unwrap_or_else(|| panic!("{key} was not measured"));
        table.push_str(&format!("{key} | {} | {}\n", calls.len(), calls.join(", ")));
    }
    println!("{table}");
    if let Ok(path) = std::env::var("TENURE_ROUND_TRIPS_OUT") {
        std::fs::write(path, table).unwrap();
    }
}
