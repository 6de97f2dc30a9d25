//! Leavers: the seed's flows over HTTP, bad input, roles and tenancy.

use serde_json::{json, Value};
use tenure_tests::{Account, Harness, Req};

fn days_from_today(days: i64) -> String {
    let d = time::OffsetDateTime::now_utc().date() + time::Duration::days(days);
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

pub fn leaver_body(surname: &str, days: i64) -> Value {
    json!({"first_name": "Sam", "surname": surname, "department": "Marketing", "leave_date": days_from_today(days), "reason": "resignation"})
}

pub async fn register(h: &Harness, by: &Account, body: Value) -> Value {
    let r = h.send(Req::new("POST", "/leavers").bearer(&by.access).json(body)).await;
    r.expect(201);
    r.json()
}

#[tokio::test]
async fn hr_registers_a_leaver_who_is_scored_at_once() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let hr = h.add_user(&o, "hr").await;
    let l = register(&h, &hr, json!({"first_name": "Siobhán", "surname": "O'Brien", "email": "SOB@example.com", "department": "Finance", "job_title": "Controller", "leave_date": days_from_today(10), "reason": "dismissal", "access_level": "privileged", "notes": "Keys to the vault"})).await;
    assert!(l["id"].as_str().unwrap().starts_with("lvr_"));
    assert_eq!(l["surname"], "O'Brien");
    assert_eq!(l["email"], "sob@example.com");
    assert_eq!(l["status"], "active");
    assert_eq!(l["version"], 1);
    assert_eq!(l["checklist"].as_array().unwrap().len(), 5);
    assert!(l.get("rev").is_none() && l.get("surname_key").is_none(), "internal fields leaked: {l}");
    // Dismissed, privileged, in a sensitive department, leaving in 10 days.
    assert_eq!(l["risk"]["level"], "critical", "{l}");
    let ids: Vec<&str> = l["risk"]["factors"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
    for f in ["leave_date_close", "leave_reason", "access_level", "sensitive_department"] {
        assert!(ids.contains(&f), "{f} missing: {ids:?}");
    }
    let log = h.send(Req::get("/audit").bearer(&o.access).query("action", "leaver.created")).await;
    assert_eq!(log.json()["items"][0]["target"], l["id"]);
}

#[tokio::test]
async fn the_seed_routes_find_and_update_by_surname_case_insensitively() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let l = register(&h, &o, leaver_body("Müller", 60)).await;
    for form in ["Müller", "MÜLLER", "m%C3%BCller", "M%C3%9CLLER"] {
        let r = h.send(Req::get(&format!("/leavers/{form}")).bearer(&o.access)).await;
        r.expect(200);
        assert_eq!(r.json()["items"][0]["id"], l["id"], "{form}");
    }
    let new_date = days_from_today(20);
    let r = h.send(Req::new("PUT", "/leavers/mÜller").bearer(&o.access).json(json!({"leave_date": new_date}))).await;
    r.expect(200);
    let v = r.json();
    assert_eq!(v["leave_date"], new_date.as_str());
    assert_eq!(v["version"], 2);
    let got = h.send(Req::get(&format!("/leavers/{}", l["id"].as_str().unwrap())).bearer(&o.access)).await.json();
    assert_eq!(got["leave_date"], new_date.as_str());
    assert!(
        got["risk"]["score"].as_u64().unwrap() > l["risk"]["score"].as_u64().unwrap(),
        "closer leave date, higher score"
    );
    h.send(Req::get("/leavers/Nobody").bearer(&o.access)).await.expect_problem(404, None);
}

#[tokio::test]
async fn several_leavers_with_one_surname_are_all_listed_and_put_is_a_409_with_candidates() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let a = register(&h, &o, leaver_body("Smith", 30)).await;
    let b = register(&h, &o, leaver_body("SMITH", 40)).await;
    let r = h.send(Req::get("/leavers/smith").bearer(&o.access)).await;
    assert_eq!(r.json()["items"].as_array().unwrap().len(), 2);
    let r = h
        .send(Req::new("PUT", "/leavers/Smith").bearer(&o.access).json(json!({"leave_date": days_from_today(5)})))
        .await;
    r.expect_problem(409, None);
    let body = r.json();
    let c: Vec<&str> = body["candidates"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert!(c.contains(&a["id"].as_str().unwrap()) && c.contains(&b["id"].as_str().unwrap()));
    // Nothing changed.
    let got = h.send(Req::get(&format!("/leavers/{}", a["id"].as_str().unwrap())).bearer(&o.access)).await.json();
    assert_eq!(got["leave_date"], a["leave_date"]);
    // By id, the update goes through.
    h.send(
        Req::new("PUT", &format!("/leavers/{}", a["id"].as_str().unwrap()))
            .bearer(&o.access)
            .json(json!({"leave_date": days_from_today(5)})),
    )
    .await
    .expect(200);
}

#[tokio::test]
async fn leavers_are_listed_with_filters_and_pages() {
    let h = Harness::new().await;
    let o = h.signup().await;
    register(&h, &o, leaver_body("Alpha", 5)).await;
    register(&h, &o, json!({"first_name": "B", "surname": "Beta", "department": "Legal", "leave_date": days_from_today(50), "reason": "dismissal", "access_level": "privileged"})).await;
    register(&h, &o, leaver_body("Gamma", 200)).await;
    let all = h.send(Req::get("/leavers").bearer(&o.access)).await.json();
    assert_eq!(all["items"].as_array().unwrap().len(), 3);
    let soon =
        h.send(Req::get("/leavers").bearer(&o.access).query("leaving_before", &days_from_today(60))).await.json();
    let names: Vec<&str> = soon["items"].as_array().unwrap().iter().map(|l| l["surname"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["Alpha", "Beta"], "in leave-date order");
    let after = h
        .send(
            Req::get("/leavers")
                .bearer(&o.access)
                .query("leaving_after", &days_from_today(10))
                .query("leaving_before", &days_from_today(100)),
        )
        .await
        .json();
    assert_eq!(after["items"].as_array().unwrap().len(), 1);
    let legal = h.send(Req::get("/leavers").bearer(&o.access).query("department", "Legal")).await.json();
    assert_eq!(legal["items"][0]["surname"], "Beta");
    // Filter by each level the leavers have: every one listed has it, and
    // every leaver is listed under its own level (an `all` over an empty list
    // would prove nothing).
    let levels: Vec<String> =
        all["items"].as_array().unwrap().iter().map(|l| l["risk"]["level"].as_str().unwrap().to_string()).collect();
    let mut listed = 0;
    for level in ["low", "medium", "high", "critical"] {
        let v = h.send(Req::get("/leavers").bearer(&o.access).query("risk_level", level)).await.json();
        let items = v["items"].as_array().unwrap();
        assert!(items.iter().all(|l| l["risk"]["level"] == level), "{level}: {items:?}");
        assert_eq!(items.len(), levels.iter().filter(|l| *l == level).count(), "{level}: {items:?}");
        listed += items.len();
    }
    assert_eq!(listed, 3, "every leaver under its level: {levels:?}");
    let mut seen = 0;
    let mut cursor: Option<String> = None;
    loop {
        let mut req = Req::get("/leavers").bearer(&o.access).query("limit", "1");
        if let Some(c) = &cursor {
            req = req.query("cursor", c);
        }
        let v = h.send(req).await.json();
        seen += v["items"].as_array().unwrap().len();
        match v["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.into()),
            None => break,
        }
    }
    assert_eq!(seen, 3);
    h.send(Req::get("/leavers").bearer(&o.access).query("leaving_before", "2026-02-30"))
        .await
        .expect_problem(400, Some("leaving_before"));
    h.send(Req::get("/leavers").bearer(&o.access).query("risk_level", "extreme"))
        .await
        .expect_problem(400, Some("risk_level"));
}

#[tokio::test]
async fn patch_needs_the_current_version_and_delete_is_soft() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let l = register(&h, &o, leaver_body("Patchy", 45)).await;
    let path = format!("/leavers/{}", l["id"].as_str().unwrap());
    let r = h
        .send(
            Req::new("PATCH", &path)
                .bearer(&o.access)
                .json(json!({"version": 1, "reason": "redundancy", "notes": null})),
        )
        .await;
    r.expect(200);
    assert_eq!(r.json()["reason"], "redundancy");
    h.send(Req::new("PATCH", &path).bearer(&o.access).json(json!({"version": 1, "reason": "other"})))
        .await
        .expect_problem(409, None);
    h.send(Req::new("PATCH", &path).bearer(&o.access).json(json!({"reason": "other"})))
        .await
        .expect_problem(422, Some("version"));
    // A surname change moves the leaver between surname lookups.
    h.send(Req::new("PATCH", &path).bearer(&o.access).json(json!({"version": 2, "surname": "Renamed"})))
        .await
        .expect(200);
    h.send(Req::get("/leavers/patchy").bearer(&o.access)).await.expect_problem(404, None);
    h.send(Req::get("/leavers/renamed").bearer(&o.access)).await.expect(200);
    h.send(Req::new("DELETE", &path).bearer(&o.access)).await.expect(204);
    h.send(Req::get(&path).bearer(&o.access)).await.expect_problem(404, None);
    h.send(Req::get("/leavers/renamed").bearer(&o.access)).await.expect_problem(404, None);
    assert_eq!(h.send(Req::get("/leavers").bearer(&o.access)).await.json()["items"].as_array().unwrap().len(), 0);
    assert_eq!(
        h.send(Req::get("/leavers").bearer(&o.access).query("status", "deleted")).await.json()["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let log = h.send(Req::get("/audit").bearer(&o.access).query("target", l["id"].as_str().unwrap())).await.json();
    let actions: Vec<&str> = log["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert!(actions.contains(&"leaver.deleted") && actions.contains(&"leaver.updated"), "{actions:?}");
}

#[tokio::test]
async fn every_bad_field_is_named_and_nothing_is_created() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let r = h.send(Req::new("POST", "/leavers").bearer(&o.access).json(json!({}))).await;
    for f in ["first_name", "surname", "department", "leave_date", "reason"] {
        r.expect_problem(422, Some(f));
    }
    let r = h
        .send(Req::new("POST", "/leavers").bearer(&o.access).json(json!({"first_name": "x".repeat(5000), "surname": "\u{0000}", "department": "D", "leave_date": "2026-02-30", "reason": "bored", "access_level": "root", "email": "nope", "employee_id": "usr_nope"})))
        .await;
    for f in ["first_name", "surname", "leave_date", "reason", "access_level", "email", "employee_id"] {
        r.expect_problem(422, Some(f));
    }
    for extra in ["id", "company_id", "version", "risk", "status"] {
        let mut body = leaver_body("Mass", 10);
        body[extra] = json!("x");
        h.send(Req::new("POST", "/leavers").bearer(&o.access).json(body)).await.expect_problem(422, Some(extra));
    }
    h.send(Req::new("POST", "/leavers").bearer(&o.access).json(
        json!({"first_name": "A", "surname": "B", "department": "C", "leave_date": 20261231, "reason": "other"}),
    ))
    .await
    .expect_problem(400, Some("leave_date"));
    assert_eq!(h.send(Req::get("/leavers").bearer(&o.access)).await.json()["items"].as_array().unwrap().len(), 0);
    // Hostile strings are only text.
    let l = register(&h, &o, leaver_body("O'Brien; DROP TABLE leavers; --", 10)).await;
    let r = h.send(Req::get("/leavers/o'brien;%20drop%20table%20leavers;%20--").bearer(&o.access)).await;
    r.expect(200);
    assert_eq!(r.json()["items"][0]["id"], l["id"]);
}

#[tokio::test]
async fn roles_decide_who_reads_and_writes_leavers() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let l = register(&h, &o, leaver_body("Roles", 10)).await;
    let path = format!("/leavers/{}", l["id"].as_str().unwrap());
    let sec = h.add_user(&o, "security").await;
    h.send(Req::get(&path).bearer(&sec.access)).await.expect(200);
    h.send(Req::new("POST", "/leavers").bearer(&sec.access).json(leaver_body("X", 5))).await.expect_problem(403, None);
    h.send(Req::new("DELETE", &path).bearer(&sec.access)).await.expect_problem(403, None);
    for role in ["employee", "manager", "technician"] {
        let u = h.add_user(&o, role).await;
        h.send(Req::get("/leavers").bearer(&u.access)).await.expect_problem(403, None);
        h.send(Req::get(&path).bearer(&u.access)).await.expect_problem(403, None);
    }
    let tech = h.add_user(&o, "technician").await;
    h.send(
        Req::new("PATCH", &format!("{path}/checklist/access_revoked")).bearer(&tech.access).json(json!({"done": true})),
    )
    .await
    .expect(200);
}

#[tokio::test]
async fn another_companys_leavers_are_invisible_by_id_and_by_surname() {
    let h = Harness::new().await;
    let a = h.signup().await;
    let b = h.signup().await;
    let lb = register(&h, &b, leaver_body("Hidden", 10)).await;
    let id = lb["id"].as_str().unwrap();
    for (m, p, body) in [
        ("GET", format!("/leavers/{id}"), None),
        ("PATCH", format!("/leavers/{id}"), Some(json!({"version": 1, "reason": "other"}))),
        ("DELETE", format!("/leavers/{id}"), None),
        ("GET", format!("/leavers/{id}/risk"), None),
        ("POST", format!("/leavers/{id}/assess"), None),
        ("GET", format!("/leavers/{id}/checklist"), None),
        ("PATCH", format!("/leavers/{id}/checklist/exit_interview"), Some(json!({"done": true}))),
        ("GET", "/leavers/hidden".to_string(), None),
        ("PUT", "/leavers/hidden".to_string(), Some(json!({"leave_date": days_from_today(1)}))),
    ] {
        let mut req = Req::new(m, &p).bearer(&a.access);
        if let Some(b) = body {
            req = req.json(b);
        }
        h.send(req).await.expect_problem(404, None);
    }
    let still = h.send(Req::get(&format!("/leavers/{id}")).bearer(&b.access)).await.json();
    assert_eq!(still["version"], 1);
    assert_eq!(still["leave_date"], lb["leave_date"]);
    // Linking another company's person is refused the same way.
    let body = json!({"first_name": "X", "surname": "Y", "department": "Z", "leave_date": days_from_today(5), "reason": "other", "employee_id": b.user_id});
    h.send(Req::new("POST", "/leavers").bearer(&a.access).json(body)).await.expect_problem(422, Some("employee_id"));
}

#[tokio::test]
async fn creating_a_leaver_with_an_idempotency_key_twice_creates_one() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let body = leaver_body("Once", 10);
    let a = h
        .send(Req::new("POST", "/leavers").bearer(&o.access).header("Idempotency-Key", "lv-1").json(body.clone()))
        .await;
    let b = h.send(Req::new("POST", "/leavers").bearer(&o.access).header("Idempotency-Key", "lv-1").json(body)).await;
    a.expect(201);
    b.expect(201);
    assert_eq!(a.json()["id"], b.json()["id"]);
    assert_eq!(h.send(Req::get("/leavers/once").bearer(&o.access)).await.json()["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn hr_cannot_register_a_protected_account_or_their_own_as_a_leaver() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let hr = h.add_user(&o, "hr").await;
    let sec = h.add_user(&o, "security").await;
    for target in [&o.user_id, &sec.user_id, &hr.user_id] {
        let mut body = leaver_body("Protected", -400);
        body["employee_id"] = json!(target);
        h.send(Req::new("POST", "/leavers").bearer(&hr.access).json(body)).await.expect_problem(403, None);
    }
    h.send(Req::get("/auth/me").bearer(&o.access)).await.expect(200);
    // The owner may register the security analyst; HR may not then move
    // that leave date into the past.
    let mut body = leaver_body("Analyst", 30);
    body["employee_id"] = json!(sec.user_id);
    let l = register(&h, &o, body).await;
    h.send(
        Req::new("PUT", &format!("/leavers/{}", l["id"].as_str().unwrap()))
            .bearer(&hr.access)
            .json(json!({"leave_date": "2020-01-01"})),
    )
    .await
    .expect_problem(403, None);
    h.send(Req::get("/auth/me").bearer(&sec.access)).await.expect(200);
}

#[tokio::test]
async fn an_overlong_surname_in_the_path_is_simply_not_found() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let long = "a".repeat(1200);
    h.send(Req::get(&format!("/leavers/{long}")).bearer(&o.access)).await.expect_problem(404, None);
    h.send(Req::new("PUT", &format!("/leavers/{long}")).bearer(&o.access).json(json!({"leave_date": "2027-01-01"})))
        .await
        .expect_problem(404, None);
}

/// Three hundred leavers of one surname, each with long notes: far past what
/// one item could hold (the old surname bucket failed every write at about
/// fourteen). Every write still works, the seed's surname routes page
/// through them all, and PUT by surname lists candidates (issue 11).
#[tokio::test]
async fn three_hundred_leavers_of_one_surname_stay_writable_and_findable() {
    // One owner registers them all: a limit the test does not run into.
    let wide =
        tenure_core::config::RateLimits { per_minute: 100_000, heavy_per_minute: 100_000, ip_per_minute: 100_000 };
    let h = Harness::with_limits(wide).await;
    let o = h.signup().await;
    let notes = "n".repeat(2000);
    let mut ids = std::collections::BTreeSet::new();
    for i in 0..300 {
        let mut body = leaver_body("Nguyen", 30 + (i % 50));
        body["notes"] = json!(notes);
        body["first_name"] = json!(format!("Person {i}"));
        ids.insert(register(&h, &o, body).await["id"].as_str().unwrap().to_string());
    }
    // Writes that touched the old shared copy: a patch and an assessment.
    let first = ids.iter().next().unwrap().clone();
    h.send(
        Req::new("PATCH", &format!("/leavers/{first}"))
            .bearer(&o.access)
            .json(json!({"notes": "updated", "version": 1})),
    )
    .await
    .expect(200);
    h.send(Req::new("POST", &format!("/leavers/{first}/assess")).bearer(&o.access)).await.expect(200);
    // GET by surname pages through all of them.
    let mut seen = std::collections::BTreeSet::new();
    let mut cursor: Option<String> = None;
    for _ in 0..20 {
        let mut req = Req::get("/leavers/NGUYEN").bearer(&o.access).query("limit", "100");
        if let Some(c) = &cursor {
            req = req.query("cursor", c);
        }
        let v = h.send(req).await.json();
        for l in v["items"].as_array().unwrap() {
            seen.insert(l["id"].as_str().unwrap().to_string());
        }
        match v["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    assert_eq!(seen, ids, "every leaver of the surname, once");
    // PUT by surname: 409 listing (a bounded number of) candidates.
    let r = h
        .send(Req::new("PUT", "/leavers/Nguyen").bearer(&o.access).json(json!({"leave_date": days_from_today(9)})))
        .await;
    r.expect_problem(409, None);
    let v = r.json();
    assert_eq!(v["candidates"].as_array().unwrap().len(), 25, "{}", v["detail"]);
    assert!(v["detail"].as_str().unwrap().starts_with("More than 25 leavers"), "{}", v["detail"]);
}

/// The seed's PUT by surname reads the surname index before its write: four
/// round trips, its documented bound; by id, three.
#[tokio::test]
async fn put_by_surname_takes_four_round_trips_and_by_id_three() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let l = register(&h, &o, leaver_body("Okafor", 60)).await;
    let by_name = h
        .send(Req::new("PUT", "/leavers/okafor").bearer(&o.access).json(json!({"leave_date": days_from_today(20)})))
        .await;
    by_name.expect(200);
    assert_eq!(tenure_tests::round_trips(&by_name.calls), 4, "{:?}", by_name.calls);
    let by_id = h
        .send(
            Req::new("PUT", &format!("/leavers/{}", l["id"].as_str().unwrap()))
                .bearer(&o.access)
                .json(json!({"leave_date": days_from_today(21)})),
        )
        .await;
    by_id.expect(200);
    assert_eq!(tenure_tests::round_trips(&by_id.calls), 3, "{:?}", by_id.calls);
}
