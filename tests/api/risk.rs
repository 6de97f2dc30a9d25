//! Risk: explanations, history, assessment, alerts, settings, the
//! checklist, activity after the leave date and the sweep.

use serde_json::json;
use tenure_tests::{Harness, Req, PASSWORD};

use crate::leavers::{leaver_body, register};

fn days_from_today(days: i64) -> String {
    let d = time::OffsetDateTime::now_utc().date() + time::Duration::days(days);
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

fn high_risk(surname: &str, days: i64) -> serde_json::Value {
    json!({"first_name": "Hi", "surname": surname, "department": "Finance", "leave_date": days_from_today(days), "reason": "dismissal", "access_level": "privileged"})
}

#[tokio::test]
async fn the_risk_is_explained_with_factors_evidence_and_history() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let l = register(&h, &o, leaver_body("Explained", 12)).await;
    let id = l["id"].as_str().unwrap();
    let r = h.send(Req::get(&format!("/leavers/{id}/risk")).bearer(&o.access)).await;
    r.expect(200);
    let v = r.json();
    let score = v["score"].as_u64().unwrap();
    let sum: u64 = v["factors"].as_array().unwrap().iter().map(|f| f["contribution"].as_u64().unwrap()).sum();
    assert_eq!(score, sum.min(100));
    for f in v["factors"].as_array().unwrap() {
        assert!(!f["evidence"].as_array().unwrap().is_empty(), "{f}");
        assert!(f["contribution"].as_u64().unwrap() <= f["weight"].as_u64().unwrap());
    }
    assert_eq!(v["history"].as_array().unwrap().len(), 1);
    assert_eq!(v["history"][0]["date"], days_from_today(0).as_str());
    // Assessing again the same day updates, not duplicates, the day's entry.
    h.send(Req::new("POST", &format!("/leavers/{id}/assess")).bearer(&o.access)).await.expect(200);
    let v = h.send(Req::get(&format!("/leavers/{id}/risk")).bearer(&o.access)).await.json();
    assert_eq!(v["history"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_high_risk_leaver_raises_one_alert_per_level_which_security_handles() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let sec = h.add_user(&o, "security").await;
    let l = register(&h, &o, high_risk("Alerting", 3)).await;
    let id = l["id"].as_str().unwrap();
    assert_eq!(l["risk"]["level"], "critical");
    for _ in 0..2 {
        h.send(Req::new("POST", &format!("/leavers/{id}/assess")).bearer(&sec.access)).await.expect(200);
    }
    let alerts = h.send(Req::get("/alerts").bearer(&sec.access).query("leaver_id", id)).await.json();
    let items = alerts["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "one open alert per leaver and level: {alerts}");
    let alert = &items[0];
    assert_eq!(alert["level"], "critical");
    assert_eq!(alert["status"], "open");
    let aid = alert["id"].as_str().unwrap();
    // Acknowledge, then resolve with a note.
    let r = h
        .send(
            Req::new("PATCH", &format!("/alerts/{aid}"))
                .bearer(&sec.access)
                .json(json!({"status": "acknowledged", "note": "looking"})),
        )
        .await;
    r.expect(200);
    assert_eq!(r.json()["acknowledged_by"], sec.user_id.as_str());
    h.send(Req::new("PATCH", &format!("/alerts/{aid}")).bearer(&sec.access).json(json!({"status": "resolved"})))
        .await
        .expect_problem(422, Some("note"));
    h.send(
        Req::new("PATCH", &format!("/alerts/{aid}")).bearer(&sec.access).json(json!({"status": "closed", "note": "x"})),
    )
    .await
    .expect_problem(422, Some("status"));
    h.send(
        Req::new("PATCH", &format!("/alerts/{aid}"))
            .bearer(&sec.access)
            .json(json!({"status": "resolved", "note": "laptop collected, access removed"})),
    )
    .await
    .expect(200);
    h.send(
        Req::new("PATCH", &format!("/alerts/{aid}"))
            .bearer(&sec.access)
            .json(json!({"status": "resolved", "note": "again"})),
    )
    .await
    .expect_problem(409, None);
    // Once resolved, the level may alert again.
    h.send(Req::new("POST", &format!("/leavers/{id}/assess")).bearer(&sec.access)).await.expect(200);
    let open =
        h.send(Req::get("/alerts").bearer(&sec.access).query("leaver_id", id).query("status", "open")).await.json();
    assert_eq!(open["items"].as_array().unwrap().len(), 1);
    let log = h.send(Req::get("/audit").bearer(&o.access).query("action", "alert.resolved")).await.json();
    assert_eq!(log["items"][0]["target"], aid);
    // HR reads alerts but cannot handle them.
    let hr = h.add_user(&o, "hr").await;
    h.send(Req::get("/alerts").bearer(&hr.access)).await.expect(200);
    h.send(Req::new("PATCH", &format!("/alerts/{aid}")).bearer(&hr.access).json(json!({"status": "acknowledged"})))
        .await
        .expect_problem(403, None);
}

#[tokio::test]
async fn ticking_the_checklist_after_the_leave_date_lowers_the_score() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let l = register(&h, &o, leaver_body("Ticked", -3)).await;
    let id = l["id"].as_str().unwrap();
    let before = l["risk"]["score"].as_u64().unwrap();
    let mut after = before;
    for item in ["accounts_disabled", "access_revoked", "devices_returned", "documents_retrieved", "exit_interview"] {
        let r = h
            .send(
                Req::new("PATCH", &format!("/leavers/{id}/checklist/{item}"))
                    .bearer(&o.access)
                    .json(json!({"done": true, "note": "done"})),
            )
            .await;
        r.expect(200);
        let done = r.json()["items"].as_array().unwrap().iter().find(|i| i["id"] == item).unwrap().clone();
        assert_eq!(done["done"], true);
        assert_eq!(done["done_by"], o.user_id.as_str());
        after =
            h.send(Req::get(&format!("/leavers/{id}/risk")).bearer(&o.access)).await.json()["score"].as_u64().unwrap();
    }
    assert!(after < before, "{after} < {before}");
    h.send(
        Req::new("PATCH", &format!("/leavers/{id}/checklist/teleport")).bearer(&o.access).json(json!({"done": true})),
    )
    .await
    .expect_problem(404, None);
    h.send(
        Req::new("PATCH", &format!("/leavers/{id}/checklist/exit_interview"))
            .bearer(&o.access)
            .json(json!({"done": "yes"})),
    )
    .await
    .expect_problem(400, Some("done"));
}

#[tokio::test]
async fn risk_settings_are_validated_versioned_audited_and_used() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let s = h.send(Req::get("/risk-settings").bearer(&o.access)).await.json();
    assert_eq!(s["version"], 0);
    let bad = h.send(Req::new("PUT", "/risk-settings").bearer(&o.access).json(json!({"version": 0, "weights": {"astrology": 5, "access_level": 500}, "thresholds": {"medium": 50, "high": 40, "critical": 90}}))).await;
    for f in ["weights.astrology", "weights.access_level", "thresholds"] {
        bad.expect_problem(422, Some(f));
    }
    let l = register(&h, &o, leaver_body("Tuned", 40)).await;
    let before = l["risk"]["score"].as_u64().unwrap();
    let r = h
        .send(
            Req::new("PUT", "/risk-settings")
                .bearer(&o.access)
                .json(json!({"version": 0, "weights": {"leave_reason": 0}, "sensitive_departments": ["Marketing"]})),
        )
        .await;
    r.expect(200);
    assert_eq!(r.json()["version"], 1);
    h.send(Req::new("PUT", "/risk-settings").bearer(&o.access).json(json!({"version": 0})))
        .await
        .expect_problem(409, None);
    let id = l["id"].as_str().unwrap();
    let after = h.send(Req::new("POST", &format!("/leavers/{id}/assess")).bearer(&o.access)).await.json();
    let ids: Vec<&str> = after["factors"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&"sensitive_department") && !ids.contains(&"leave_reason"), "{ids:?}");
    assert_ne!(after["score"].as_u64().unwrap(), before);
    let log = h.send(Req::get("/audit").bearer(&o.access).query("action", "risk_settings.updated")).await.json();
    assert_eq!(log["items"].as_array().unwrap().len(), 1);
    let hr = h.add_user(&o, "hr").await;
    h.send(Req::new("PUT", "/risk-settings").bearer(&hr.access).json(json!({"version": 1})))
        .await
        .expect_problem(403, None);
}

#[tokio::test]
async fn a_leavers_account_used_after_the_leave_date_is_refused_and_makes_them_critical() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let emp = h.add_user(&o, "employee").await;
    let mut body = leaver_body("Gone", -1);
    body["employee_id"] = json!(emp.user_id);
    body["reason"] = json!("retirement");
    let l = register(&h, &o, body).await;
    assert_ne!(l["risk"]["level"], "critical");
    assert_eq!(l["linked_role"], "employee");
    h.send(Req::get("/auth/me").bearer(&emp.access)).await.expect_problem(401, None);
    let risk = h.send(Req::get(&format!("/leavers/{}/risk", l["id"].as_str().unwrap())).bearer(&o.access)).await.json();
    assert_eq!(risk["level"], "critical", "{risk}");
    assert_eq!(risk["post_leave_activity"]["what"], "GET /auth/me");
    let alerts = h.send(Req::get("/alerts").bearer(&o.access).query("level", "critical")).await.json();
    assert_eq!(alerts["items"].as_array().unwrap().len(), 1, "{alerts}");
    // Signing in again is refused too, and records nothing twice.
    h.send(Req::new("POST", "/auth/login").json(json!({"email": emp.email, "password": PASSWORD})))
        .await
        .expect_problem(401, None);
    let alerts = h.send(Req::get("/alerts").bearer(&o.access).query("level", "critical")).await.json();
    assert_eq!(alerts["items"].as_array().unwrap().len(), 1);
    // The next assessment keeps the evidence.
    let a = h
        .send(Req::new("POST", &format!("/leavers/{}/assess", l["id"].as_str().unwrap())).bearer(&o.access))
        .await
        .json();
    assert_eq!(a["level"], "critical");
    assert_eq!(a["factors"][0]["id"], "post_leave_activity");
}

#[tokio::test]
async fn the_sweep_scores_the_window_deactivates_on_the_leave_date_and_is_idempotent() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let emp = h.add_user(&o, "employee").await;
    let mut today = leaver_body("Today", 0);
    today["employee_id"] = json!(emp.user_id);
    let today = register(&h, &o, today).await;
    register(&h, &o, high_risk("Soon", 5)).await;
    register(&h, &o, leaver_body("Later", 400)).await;
    let r = h.send(Req::new("POST", "/sweeps").bearer(&o.access)).await;
    r.expect(200);
    let v = r.json();
    assert_eq!(v["assessed"], 2, "only the window: {v}");
    assert_eq!(v["deactivated"], 1, "{v}");
    // The linked account is off, verified, and ticked on the checklist.
    h.send(Req::get("/auth/me").bearer(&emp.access)).await.expect_problem(401, None);
    h.send(Req::new("POST", "/auth/login").json(json!({"email": emp.email, "password": PASSWORD})))
        .await
        .expect_problem(401, None);
    let cl = h
        .send(Req::get(&format!("/leavers/{}/checklist", today["id"].as_str().unwrap())).bearer(&o.access))
        .await
        .json();
    let item = cl["items"].as_array().unwrap().iter().find(|i| i["id"] == "accounts_disabled").unwrap().clone();
    assert_eq!(item["done"], true);
    assert!(item["note"].as_str().unwrap().contains("verified"), "{item}");
    let alerts_before = h.send(Req::get("/alerts").bearer(&o.access)).await.json()["items"].as_array().unwrap().len();
    // Twice on one day: nothing duplicated.
    let again = h.send(Req::new("POST", "/sweeps").bearer(&o.access)).await.json();
    assert_eq!(again["assessed"], 2);
    assert_eq!(again["alerts_raised"], 0, "{again}");
    assert_eq!(again["deactivated"], 0);
    let alerts_after = h.send(Req::get("/alerts").bearer(&o.access)).await.json()["items"].as_array().unwrap().len();
    assert_eq!(alerts_before, alerts_after);
    let risk =
        h.send(Req::get(&format!("/leavers/{}/risk", today["id"].as_str().unwrap())).bearer(&o.access)).await.json();
    assert_eq!(risk["history"].as_array().unwrap().len(), 1);
    let hr = h.add_user(&o, "hr").await;
    h.send(Req::new("POST", "/sweeps").bearer(&hr.access)).await.expect_problem(403, None);
}

#[tokio::test]
async fn an_alert_can_be_resolved_after_the_leavers_surname_changed() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let l = register(&h, &o, high_risk("Smith", 2)).await;
    let id = l["id"].as_str().unwrap();
    let r = h
        .send(
            Req::new("PATCH", &format!("/leavers/{id}"))
                .bearer(&o.access)
                .json(json!({"version": 1, "surname": "Smyth"})),
        )
        .await;
    r.expect(200);
    let alerts = h.send(Req::get("/alerts").bearer(&o.access).query("leaver_id", id)).await.json();
    let aid = alerts["items"][0]["id"].as_str().unwrap().to_string();
    assert!(alerts["items"][0].get("surname_key").is_none());
    h.send(
        Req::new("PATCH", &format!("/alerts/{aid}"))
            .bearer(&o.access)
            .json(json!({"status": "resolved", "note": "spoke to them"})),
    )
    .await
    .expect(200);
    let risk = h.send(Req::get(&format!("/leavers/{id}/risk")).bearer(&o.access)).await.json();
    assert!(risk["open_alerts"].as_object().unwrap().is_empty(), "{risk}");
}

#[tokio::test]
async fn the_scheduled_sweep_stops_near_the_time_limit_and_the_next_run_goes_on() {
    let h = Harness::new().await;
    let o = h.signup().await;
    // A day of its own, so this test's state item is its own, with a
    // leaver in its window.
    let offset = own_far_day(2000);
    let mut body = high_risk("Scheduled", 0);
    body["leave_date"] = json!(on_day(offset + 3));
    register(&h, &o, body).await;
    let app = h.app("risk-sweep");
    let day = time::OffsetDateTime::now_utc() + time::Duration::days(offset);
    let far = u64::MAX / 2;
    // No time left: it stops before the first company and says so.
    let first = tenure_core::events::sweep::run(&app, day, 0).await.unwrap();
    assert_eq!(first.outcome, "partial");
    assert_eq!(first.companies, 0);
    // The next run does the whole pass…
    let second = tenure_core::events::sweep::run(&app, day, far).await.unwrap();
    assert_eq!(second.outcome, "done");
    assert!(second.companies >= 1);
    // …and any later run that day does nothing.
    let third = tenure_core::events::sweep::run(&app, day, far).await.unwrap();
    assert_eq!(third.outcome, "already_complete");
}

/// A sweep whose commit for a leaver failed after it deactivated the account
/// left the account off and the checklist unticked. The next run must find
/// the account inactive, tick the checklist, and neither deactivate nor audit
/// the deactivation again (issue 11).
#[tokio::test]
async fn a_sweep_after_a_lost_commit_does_not_deactivate_or_audit_twice() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let emp = h.add_user(&o, "employee").await;
    let mut body = leaver_body("Lost", 0);
    body["employee_id"] = json!(emp.user_id);
    let l = register(&h, &o, body).await;
    // What the earlier run left: the account off (by the same write the sweep
    // makes), its checklist item not ticked.
    let user_key = tenure_core::store::Key {
        pk: format!("CO#{}", o.company_id),
        sk: format!("{}{}", tenure_core::store::keys::USER_SK_PREFIX, emp.user_id),
    };
    h.store
        .update_returning(
            &user_key,
            "SET active = :f",
            tenure_core::store::Cond::Exists,
            tenure_core::store::Exprs::new().bool(":f", false),
        )
        .await
        .unwrap();
    let v = h.send(Req::new("POST", "/sweeps").bearer(&o.access)).await.json();
    assert_eq!(v["deactivated"], 0, "deactivated again: {v}");
    let log = h.send(Req::get("/audit").bearer(&o.access).query("action", "user.deactivated")).await.json();
    assert!(log["items"].as_array().unwrap().is_empty(), "audited again: {log}");
    let cl = h.send(Req::get(&format!("/leavers/{}/checklist", l["id"].as_str().unwrap())).bearer(&o.access)).await;
    let items = cl.json()["items"].as_array().unwrap().clone();
    let item = items.iter().find(|i| i["id"] == "accounts_disabled").unwrap();
    assert_eq!(item["done"], true, "{item}");
    assert!(item["note"].as_str().unwrap().contains("found and verified"), "{item}");
}

/// `POST /sweeps` sweeps at most 100 leavers a call, within the HTTP
/// function's time, and answers a cursor to go on from: a second call
/// finishes the window, and no leaver is swept twice (issue 11).
#[tokio::test]
async fn the_sweep_on_demand_goes_on_from_a_cursor_and_sweeps_each_leaver_once() {
    let wide =
        tenure_core::config::RateLimits { per_minute: 100_000, heavy_per_minute: 100_000, ip_per_minute: 100_000 };
    let h = Harness::with_limits(wide).await;
    let o = h.signup().await;
    for i in 0..105 {
        register(&h, &o, leaver_body(&format!("Batch{i}"), 10 + i % 60)).await;
    }
    let first = h.send(Req::new("POST", "/sweeps").bearer(&o.access)).await;
    first.expect(200);
    let first = first.json();
    assert_eq!(first["assessed"], 100, "{first}");
    let cursor = first["next_cursor"].as_str().expect("a cursor to go on from").to_string();
    // The cursor is the company's own: another company's owner cannot use it.
    let other = h.signup().await;
    h.send(Req::new("POST", "/sweeps").bearer(&other.access).query("cursor", &cursor))
        .await
        .expect_problem(400, Some("cursor"));
    let second = h.send(Req::new("POST", "/sweeps").bearer(&o.access).query("cursor", &cursor)).await.json();
    // 100 + 5: the second call went on after the first, sweeping none twice.
    assert_eq!(second["assessed"], 5, "{second}");
    assert!(second["next_cursor"].is_null(), "{second}");
}

/// The sweep's window is 90 days before the leave date to 30 days after it,
/// both ends included (issue 12).
#[tokio::test]
async fn the_sweep_window_includes_its_edges_and_nothing_beyond() {
    let h = Harness::new().await;
    let o = h.signup().await;
    for (name, days) in [("Edge90", 90), ("Past91", 91), ("Edge30", -30), ("Past31", -31)] {
        register(&h, &o, leaver_body(name, days)).await;
    }
    let v = h.send(Req::new("POST", "/sweeps").bearer(&o.access)).await.json();
    assert_eq!(v["assessed"], 2, "only the two on the edges: {v}");
    assert!(v["next_cursor"].is_null());
}

/// `POST /sweeps` is the one route whose cost grows with the data, and only
/// with the leavers in the window: the session's two round trips, one read
/// of the company's settings and chain head, one query of the window, one
/// transaction per leaver, and the run's audit event (issue 12).
#[tokio::test]
async fn the_sweep_costs_five_round_trips_plus_one_per_leaver_in_the_window() {
    let h = Harness::new().await;
    let o = h.signup().await;
    for (name, days) in [("RtA", 10), ("RtB", 20), ("RtC", 30), ("RtOut", 400)] {
        register(&h, &o, leaver_body(name, days)).await;
    }
    let r = h.send(Req::new("POST", "/sweeps").bearer(&o.access)).await;
    r.expect(200);
    assert_eq!(r.json()["assessed"], 3);
    assert_eq!(tenure_tests::round_trips(&r.calls), 5 + 3, "{:?}", r.calls);
}

/// The day's state saved by a run that stopped early: the next run skips
/// the companies already swept, and inside the company it stopped in goes
/// on after the last leaver swept (issue 12). A saved leaver key that is not
/// the next company's is not handed to another tenant's query.
#[tokio::test]
async fn the_scheduled_sweep_resumes_after_the_saved_company_and_leaver() {
    use tenure_core::events::sweep::{run, SweepState};
    use tenure_core::store::{keys, schema};

    let h = Harness::new().await;
    let a = h.signup().await;
    let b = h.signup().await;
    // Days of this test's own, far enough ahead that no other test's
    // leavers are in their window.
    let offset =
        3000 + (tenure_core::ids::random_bytes::<2>()[0] as i64) * 40 + tenure_core::ids::random_bytes::<1>()[0] as i64;
    let day = |n: i64| time::OffsetDateTime::now_utc() + time::Duration::days(offset + n);
    let in_window = |n: i64| {
        let mut body = high_risk("Resumed", offset + 5 + n);
        body["first_name"] = json!(format!("N{n}"));
        body
    };
    let in_a = register(&h, &a, in_window(0)).await;
    let first_in_b = register(&h, &b, in_window(0)).await;
    let second_in_b = register(&h, &b, in_window(1)).await;
    let date = |n: i64| tenure_core::domain::leavers::format_date(day(n).date());
    let swept_on = |leaver: serde_json::Value, n: i64| {
        let h = &h;
        let access = if leaver["id"] == in_a["id"] { a.access.clone() } else { b.access.clone() };
        async move {
            let id = leaver["id"].as_str().unwrap().to_string();
            let v = h.send(Req::get(&format!("/leavers/{id}/risk")).bearer(&access)).await.json();
            v["history"].as_array().unwrap().iter().any(|e| e["date"] == date(n).as_str())
        }
    };
    // The leave-date index key of a leaver (docs/data-model.md), as the
    // sweep saves it.
    let resume_at = |company: &str, l: &serde_json::Value| {
        let (id, date) = (l["id"].as_str().unwrap(), l["leave_date"].as_str().unwrap());
        std::collections::HashMap::from([
            (schema::PK.to_string(), format!("CO#{company}")),
            (schema::SK.to_string(), format!("{}{id}", keys::LEAVER_SK_PREFIX)),
            (schema::GSI2_PK.to_string(), format!("CO#{company}#LEAVERS")),
            (schema::GSI2_SK.to_string(), format!("{date}#{id}")),
        ])
    };
    // The company just before B, whatever other tests created meanwhile.
    let before_b = {
        let prefix = format!("{}_", tenure_core::ids::CompanyId::PREFIX);
        let u = ulid::Ulid::from_string(b.company_id.strip_prefix(&prefix).unwrap()).unwrap();
        format!("{prefix}{}", ulid::Ulid::from(u128::from(u) - 1))
    };
    let save = |n: i64, after_company: String, resume| {
        let state =
            SweepState { date: date(n), after_company: Some(after_company), resume, runs: 1, ..Default::default() };
        let item = tenure_core::store::to_item(&keys::sweep_state(&date(n)), "sweep_state", &state).unwrap();
        let store = h.store.clone();
        async move {
            store.client().put_item().table_name(store.table()).set_item(Some(item)).send().await.unwrap();
        }
    };
    let app = h.app("risk-sweep");
    let far = u64::MAX / 2;

    // 1. Stopped after company A: the next run starts with the companies
    //    after it, so A's leaver is not swept again and B's are.
    save(0, a.company_id.clone(), None).await;
    let r = run(&app, day(0), far).await.unwrap();
    assert_eq!(r.outcome, "done", "{r:?}");
    assert!(r.totals.errors.is_empty(), "{r:?}");
    assert!(!swept_on(in_a.clone(), 0).await, "company A was swept again");
    assert!(swept_on(first_in_b.clone(), 0).await && swept_on(second_in_b.clone(), 0).await);

    // 2. Stopped inside B after its first leaver: only the second is swept.
    save(1, before_b.clone(), Some(resume_at(&b.company_id, &first_in_b))).await;
    let r = run(&app, day(1), far).await.unwrap();
    assert_eq!(r.outcome, "done", "{r:?}");
    assert!(r.totals.errors.is_empty(), "{r:?}");
    assert!(!swept_on(first_in_b.clone(), 1).await, "the leaver before the saved key was swept again");
    assert!(swept_on(second_in_b.clone(), 1).await, "the leaver after the saved key was not swept");

    // 3. A saved key of another company (A's) is not used for B: B is swept
    //    from its start, with no error.
    save(2, before_b.clone(), Some(resume_at(&a.company_id, &in_a))).await;
    let r = run(&app, day(2), far).await.unwrap();
    assert!(r.totals.errors.is_empty(), "another tenant's key reached B's query: {r:?}");
    assert!(swept_on(first_in_b.clone(), 2).await && swept_on(second_in_b.clone(), 2).await);

    // 4. A company that entered the window before the one the run stopped
    //    in (A, before B) does not drop B's saved key: B goes on after it.
    let before_a = {
        let prefix = format!("{}_", tenure_core::ids::CompanyId::PREFIX);
        let u = ulid::Ulid::from_string(a.company_id.strip_prefix(&prefix).unwrap()).unwrap();
        format!("{prefix}{}", ulid::Ulid::from(u128::from(u) - 1))
    };
    save(3, before_a, Some(resume_at(&b.company_id, &first_in_b))).await;
    let r = run(&app, day(3), far).await.unwrap();
    assert!(r.totals.errors.is_empty(), "{r:?}");
    assert!(swept_on(in_a.clone(), 3).await, "A, before B, was not swept");
    assert!(!swept_on(first_in_b, 3).await, "B's saved key was dropped: its first leaver was swept again");
    assert!(swept_on(second_in_b, 3).await);
}

/// A leave date `offset` days from today, as the API takes it.
fn on_day(offset: i64) -> String {
    tenure_core::domain::leavers::format_date((time::OffsetDateTime::now_utc() + time::Duration::days(offset)).date())
}

/// A day far enough ahead that only this test's leavers are in its window.
fn own_far_day(base: i64) -> i64 {
    base + (tenure_core::ids::random_bytes::<2>()[0] as i64) * 40 + tenure_core::ids::random_bytes::<1>()[0] as i64
}

/// Issue 11: the daily pass read every company (the companies index), so
/// ten thousand companies without leavers cost ten thousand reads a day. It
/// now finds the companies with an active leaver in its window in the
/// sharded leave-date index (gsi3): one query per shard, whatever the number
/// of companies, and a company with no leaver in the window (none at all,
/// one outside it, or one deleted) is not visited.
#[tokio::test]
async fn the_daily_sweep_visits_only_companies_with_an_active_leaver_in_its_window() {
    use tenure_core::events::sweep::{companies_in_window, run};
    use tenure_core::store::{keys, schema};
    let h = Harness::new().await;
    let inside = h.signup().await;
    let outside = h.signup().await;
    let deleted = h.signup().await;
    let none = h.signup().await;
    let offset = own_far_day(14_000);
    let mut body = high_risk("Windowed", 0);
    body["leave_date"] = json!(on_day(offset + 5));
    let l = register(&h, &inside, body.clone()).await;
    body["leave_date"] = json!(on_day(offset + 200));
    register(&h, &outside, body.clone()).await;
    body["leave_date"] = json!(on_day(offset + 5));
    let gone = register(&h, &deleted, body).await;
    h.send(Req::new("DELETE", &format!("/leavers/{}", gone["id"].as_str().unwrap())).bearer(&deleted.access))
        .await
        .expect(204);

    let app = h.app("risk-sweep");
    let day = time::OffsetDateTime::now_utc() + time::Duration::days(offset);
    h.counter.take();
    let found = companies_in_window(&app.store, day.date()).await.unwrap();
    let calls = h.counter.take();
    assert_eq!(calls, vec!["Query"; keys::LEAVING_SHARDS as usize], "one query a shard, nothing per company");
    assert!(found.contains(&inside.company_id), "{found:?}");
    for c in [&outside, &deleted, &none] {
        assert!(!found.contains(&c.company_id), "{} has no active leaver in the window: {found:?}", c.company_id);
    }
    // The index is sparse: the deleted leaver left it, the active one is in it.
    let item = |company: &str, id: &str| {
        let key =
            tenure_core::store::Key { pk: format!("CO#{company}"), sk: format!("{}{id}", keys::LEAVER_SK_PREFIX) };
        let store = h.store.clone();
        async move { store.get(&key).await.unwrap().expect("the leaver item") }
    };
    assert!(item(&inside.company_id, l["id"].as_str().unwrap()).await.contains_key(schema::GSI3_PK));
    assert!(!item(&deleted.company_id, gone["id"].as_str().unwrap()).await.contains_key(schema::GSI3_PK));

    // The pass sweeps the company it found.
    let r = run(&app, day, u64::MAX / 2).await.unwrap();
    assert_eq!(r.outcome, "done", "{r:?}");
    let risk = h.send(Req::get(&format!("/leavers/{}/risk", l["id"].as_str().unwrap())).bearer(&inside.access)).await;
    let date = tenure_core::domain::leavers::format_date(day.date());
    assert!(risk.json()["history"].as_array().unwrap().iter().any(|e| e["date"] == date.as_str()), "not swept");
}

/// Leavers written before gsi3 existed carry no gsi3 keys: the one-off
/// backfill gives them theirs (and nothing else), resumably, and leaves
/// alone what is no longer active.
#[tokio::test]
async fn the_backfill_gives_leavers_written_before_gsi3_their_keys() {
    use tenure_core::events::sweep::{backfill, companies_in_window, Backfill};
    use tenure_core::store::{keys, schema, Cond, Exprs, Key};
    let h = Harness::new().await;
    let o = h.signup().await;
    let offset = own_far_day(26_000);
    let mut body = high_risk("Legacy", 0);
    body["leave_date"] = json!(on_day(offset + 5));
    let l = register(&h, &o, body).await;
    let key = Key {
        pk: format!("CO#{}", o.company_id),
        sk: format!("{}{}", keys::LEAVER_SK_PREFIX, l["id"].as_str().unwrap()),
    };
    // As an older version wrote it: no gsi3 keys.
    h.store.update_returning(&key, "REMOVE gsi3pk, gsi3sk", Cond::Exists, Exprs::new()).await.unwrap();
    let before = h.store.get(&key).await.unwrap().unwrap();
    assert!(!before.contains_key(schema::GSI3_PK));
    let app = h.app("risk-sweep");
    let day = (time::OffsetDateTime::now_utc() + time::Duration::days(offset)).date();
    assert!(!companies_in_window(&app.store, day).await.unwrap().contains(&o.company_id));

    // Start just before this company (a whole table's walk is the first
    // run's job, not this test's).
    let prefix = format!("{}_", tenure_core::ids::CompanyId::PREFIX);
    let u = ulid::Ulid::from_string(o.company_id.strip_prefix(&prefix).unwrap()).unwrap();
    let before_o = format!("{prefix}{}", ulid::Ulid::from(u128::from(u) - 1));
    // And a person written before search entries existed: none.
    let entry = |token: String| Key { pk: format!("CO#{}", o.company_id), sk: format!("PQ#{token}#{}", o.user_id) };
    let tokens = [o.email.to_lowercase(), "test owner".to_string()];
    let owner =
        h.store.get(&Key { pk: format!("CO#{}", o.company_id), sk: format!("USER#{}", o.user_id) }).await.unwrap();
    let name_token = owner.unwrap()["full_name"].as_s().unwrap().to_lowercase();
    let tokens = [tokens[0].clone(), name_token];
    for t in &tokens {
        h.store
            .client()
            .delete_item()
            .table_name(h.store.table())
            .set_key(Some(tenure_core::store::key_item(&entry(t.clone()))))
            .send()
            .await
            .unwrap();
    }
    // Out of time at once: nothing done, the place kept.
    let mut state = Backfill { after_company: Some(before_o.clone()), ..Default::default() };
    assert!(!backfill(&app.store, &mut state, 0).await.unwrap());
    assert_eq!(state.after_company.as_deref(), Some(before_o.as_str()));
    assert!(!h.store.get(&key).await.unwrap().unwrap().contains_key(schema::GSI3_PK));
    // Given time: done, and the leaver has its keys and nothing else changed.
    assert!(backfill(&app.store, &mut state, u64::MAX / 2).await.unwrap());
    assert!(state.done && state.leavers >= 1 && state.people >= 1, "{state:?}");
    for t in &tokens {
        assert!(h.store.get(&entry(t.clone())).await.unwrap().is_some(), "no search entry {t}");
    }
    let found = h.send(Req::get("/employees").bearer(&o.access).query("q", &tokens[0])).await.json();
    assert_eq!(found["items"][0]["id"], o.user_id.as_str(), "{found}");
    let after = h.store.get(&key).await.unwrap().unwrap();
    let mut expected = before.clone();
    expected.insert(schema::GSI3_PK.into(), after[schema::GSI3_PK].clone());
    expected.insert(schema::GSI3_SK.into(), after[schema::GSI3_SK].clone());
    assert_eq!(after, expected, "the backfill changed more than the index keys");
    assert_eq!(
        after[schema::GSI3_SK].as_s().unwrap(),
        &format!("{}#{}#{}", l["leave_date"].as_str().unwrap(), o.company_id, l["id"].as_str().unwrap())
    );
    assert!(companies_in_window(&app.store, day).await.unwrap().contains(&o.company_id));
    // Again: nothing left to give.
    let mut again = Backfill { after_company: Some(before_o), ..Default::default() };
    assert!(backfill(&app.store, &mut again, u64::MAX / 2).await.unwrap());
    let mine = h.store.get(&key).await.unwrap().unwrap();
    assert_eq!(mine, after);
}
