//! `Idempotency-Key` on every create route (issue 12): the same key and
//! body replay the first answer and create nothing new; another body is a
//! 422; another caller's key is their own (no replay across callers); two
//! requests at once with one key create one thing.

use serde_json::{json, Value};
use tenure_core::config::RateLimits;
use tenure_tests::{unique_email, Account, Harness, Req, PASSWORD};

/// The creates of the route table, with a body each (the same body twice
/// must be the same request).
fn creates() -> Vec<(&'static str, Value)> {
    let routes: Vec<(&'static str, &'static str)> =
        tenure_core::routes::all().filter(|r| r.create).map(|r| (r.method, r.path)).collect();
    routes
        .into_iter()
        .map(|(method, path)| {
            assert_eq!(method, "POST", "creates are POSTs");
            let body = match path {
                "/auth/signup" => json!({"email": unique_email("idem"), "password": PASSWORD, "full_name": "I", "company_name": "I"}),
                "/auth/admin/users" => json!({"email": unique_email("idem"), "full_name": "I", "role": "employee", "password": PASSWORD}),
                "/companies" => json!({"name": "Idem Ltd"}),
                "/employees" => json!({"email": unique_email("idem"), "full_name": "Idem Person"}),
                "/departments" => json!({"name": format!("Idem {}", tenure_core::ids::new_ulid())}),
                "/leavers" => json!({"first_name": "I", "surname": format!("Idem{}", tenure_core::ids::new_ulid()), "department": "Ops", "leave_date": "2099-01-01", "reason": "retirement"}),
                "/documents/upload-url" => json!({"kind": "resume", "filename": "cv.pdf", "content_type": "application/pdf", "size": 10}),
                "/imports" => json!({"kind": "employees", "filename": "people.csv", "size": 10}),
                "/tickets" => json!({"title": "Idem", "description": "Twice?", "priority": "low", "category": "other"}),
                "/tickets/{id}/comments" => json!({"body": "Idempotent comment"}),
                "/projects" => json!({"name": "Idem"}),
                "/projects/{id}/tasks" => json!({"title": "Idem task"}),
                "/clockins" => json!({"action": "in"}),
                "/packages" => json!({"name": "Idem", "price": "10.00", "duration_minutes": 60}),
                // DEPT, PKG and ME are filled in with the owner's below.
                "/events" => json!({"name": "Idem", "start": "2099-01-01T09:00:00Z", "end": "2099-01-01T10:00:00Z", "employee_id": "ME", "package_id": "PKG", "department_id": "DEPT"}),
                "/payroll-periods" => json!({"to": "2026-01-01"}),
                p => panic!("no body for the create {p}: add one here"),
            };
            (path, body)
        })
        .collect()
}

#[tokio::test]
async fn every_create_replays_for_its_caller_only_and_refuses_a_changed_body() {
    let wide = RateLimits { per_minute: 100_000, heavy_per_minute: 100_000, ip_per_minute: 100_000 };
    let h = Harness::with_limits(wide).await;
    let admin = h.admin().await;
    let o = h.signup().await;
    let other = h.signup().await;
    // A ticket of the owner's, for the routes under one.
    let ticket = h
        .send(
            Req::new("POST", "/tickets")
                .bearer(&o.access)
                .json(json!({"title": "T", "description": "D", "priority": "low", "category": "other"})),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let project = h.send(Req::new("POST", "/projects").bearer(&o.access).json(json!({"name": "P"}))).await.json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    // A department the owner manages and a package, for an event.
    let dept = h
        .send(
            Req::new("POST", "/departments")
                .bearer(&o.access)
                .json(json!({"name": "Idem dept", "manager_id": o.user_id})),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let pkg = h
        .send(
            Req::new("POST", "/packages")
                .bearer(&o.access)
                .json(json!({"name": "P", "price": "1.00", "duration_minutes": 60})),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    for (route, body) in creates() {
        let body: Value = serde_json::from_str(
            &body
                .to_string()
                .replace("\"DEPT\"", &format!("\"{dept}\""))
                .replace("\"PKG\"", &format!("\"{pkg}\""))
                .replace("\"ME\"", &format!("\"{}\"", o.user_id)),
        )
        .unwrap();
        let id = if route.starts_with("/projects/") { &project } else { &ticket };
        let path = route.replace("{id}", id);
        let path = path.as_str();
        // Companies are created by a platform admin; the rest by an owner.
        let (first_caller, second_caller) = if path == "/companies" { (&admin, &o) } else { (&o, &other) };
        let send = |by: &Account, key: &str, body: &Value| {
            let mut r = Req::new("POST", path).header("Idempotency-Key", key).json(body.clone());
            if path != "/auth/signup" {
                r = r.bearer(&by.access);
            }
            r
        };
        let key = format!("k-{}", tenure_core::ids::new_ulid());
        let a = h.send(send(first_caller, &key, &body)).await;
        a.expect(201);
        let b = h.send(send(first_caller, &key, &body)).await;
        b.expect(201);
        assert_eq!(b.header("idempotent-replayed"), Some("true"), "{path}: not a replay");
        assert_eq!(a.text, b.text, "{path}: the replay differs from the first answer");
        // Another body under the same key (one field changed): 422.
        let mut changed = body.clone();
        let field = changed.as_object().unwrap().keys().next().unwrap().clone();
        changed[&field] = json!(format!("{}x", changed[&field].as_str().unwrap_or("x")));
        h.send(send(first_caller, &key, &changed)).await.expect_problem(422, Some("Idempotency-Key"));
        if path == "/auth/signup" {
            // Unauthenticated: the key is the IP's; the same body from
            // another IP is its own request (and a duplicate email, 409).
            let r = h.send_from(send(first_caller, &key, &body), "198.51.100.77").await;
            assert_ne!(r.header("idempotent-replayed"), Some("true"), "{path}: replayed across IPs");
            continue;
        }
        // Another caller with the same key and body: never the first's answer.
        let c = h.send(send(second_caller, &key, &body)).await;
        assert_ne!(c.header("idempotent-replayed"), Some("true"), "{path}: replayed across callers");
        assert_ne!(c.text, a.text, "{path}: another caller got the first caller's answer");
    }
}

#[tokio::test]
async fn two_requests_at_once_with_one_key_create_one_leaver() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let surname = format!("Twice{}", tenure_core::ids::new_ulid());
    let body = json!({"first_name": "T", "surname": surname, "department": "Ops", "leave_date": "2099-01-01", "reason": "retirement"});
    let req = || Req::new("POST", "/leavers").bearer(&o.access).header("Idempotency-Key", "same").json(body.clone());
    // Two harnesses: two function instances, each counting its own calls.
    let (h1, h2) = (Harness::new().await, Harness::new().await);
    let (a, b) = tokio::join!(h1.send(req()), h2.send(req()));
    // One creates; the other replays it or is told the key is in use (409).
    let statuses = [a.status, b.status];
    assert!(statuses.contains(&201), "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 201 || *s == 409), "{statuses:?}");
    let found = h.send(Req::get(&format!("/leavers/{surname}")).bearer(&o.access)).await.json();
    assert_eq!(found["items"].as_array().unwrap().len(), 1, "{found}");
}
