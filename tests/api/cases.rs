//! The subject of a case never acts on it, and only who may deactivate a
//! person manages their case (issue 11, "The subject of a case must never
//! act on it"): every leaver, checklist, alert and risk-settings write.

use serde_json::{json, Value};
use tenure_tests::{Account, Harness, Req};

fn days_from_today(days: i64) -> String {
    let d = time::OffsetDateTime::now_utc().date() + time::Duration::days(days);
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// Registers `who` as a leaver (high risk, so an alert opens) by `by`.
async fn register_linked(h: &Harness, by: &Account, who: &Account) -> Value {
    let r = h
        .send(Req::new("POST", "/leavers").bearer(&by.access).json(json!({
            "first_name": "Lee", "surname": "Vance", "employee_id": who.user_id, "department": "Finance",
            "leave_date": days_from_today(5), "reason": "dismissal", "access_level": "privileged"
        })))
        .await;
    r.expect(201);
    r.json()
}

/// The company's audit-chain head sequence, read by its owner.
async fn head_seq(h: &Harness, owner: &Account) -> u64 {
    let v = h.send(Req::get("/audit/verify").bearer(&owner.access)).await.json();
    v["head_seq"].as_u64().expect("head_seq")
}

async fn leaver(h: &Harness, owner: &Account, id: &str) -> Value {
    let r = h.send(Req::get(&format!("/leavers/{id}")).bearer(&owner.access)).await;
    r.expect(200);
    r.json()
}

#[tokio::test]
async fn hr_registered_as_a_leaver_cannot_change_or_delete_her_own_case() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let hr = h.add_user(&o, "hr").await;
    let l = register_linked(&h, &o, &hr).await;
    let id = l["id"].as_str().unwrap();
    let before = leaver(&h, &o, id).await;
    let seq = head_seq(&h, &o).await;
    let path = format!("/leavers/{id}");
    h.send(Req::new("DELETE", &path).bearer(&hr.access)).await.expect_problem(403, None);
    h.send(Req::new("PATCH", &path).bearer(&hr.access).json(json!({"notes": "all fine", "version": 1})))
        .await
        .expect_problem(403, None);
    h.send(Req::new("PUT", &path).bearer(&hr.access).json(json!({"leave_date": days_from_today(300)})))
        .await
        .expect_problem(403, None);
    h.send(Req::new("POST", &format!("{path}/assess")).bearer(&hr.access)).await.expect_problem(403, None);
    h.send(
        Req::new("PATCH", &format!("{path}/checklist/accounts_disabled"))
            .bearer(&hr.access)
            .json(json!({"done": true})),
    )
    .await
    .expect_problem(403, None);
    // Nothing changed: neither the case nor the audit chain (the owner's
    // reads in between write nothing).
    let after = leaver(&h, &o, id).await;
    assert_eq!(after["version"], before["version"]);
    assert_eq!(after["status"], "active");
    assert_eq!(after["checklist"], before["checklist"]);
    assert_eq!(head_seq(&h, &o).await, seq, "a refused write was audited or written");
}

#[tokio::test]
async fn a_technician_leaver_cannot_tick_their_own_checklist_but_another_technician_can() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let tech = h.add_user(&o, "technician").await;
    let other = h.add_user(&o, "technician").await;
    let l = register_linked(&h, &o, &tech).await;
    let item = format!("/leavers/{}/checklist/accounts_disabled", l["id"].as_str().unwrap());
    h.send(Req::new("PATCH", &item).bearer(&tech.access).json(json!({"done": true}))).await.expect_problem(403, None);
    let r = h.send(Req::new("PATCH", &item).bearer(&other.access).json(json!({"done": true}))).await;
    r.expect(200);
    let items = r.json()["items"].as_array().unwrap().clone();
    let ticked = items.iter().find(|i| i["id"] == "accounts_disabled").unwrap();
    assert_eq!(ticked["done"], true);
    assert_eq!(ticked["done_by"], other.user_id.as_str());
}

#[tokio::test]
async fn a_security_leaver_cannot_handle_their_own_alert_nor_change_the_risk_settings() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let sec = h.add_user(&o, "security").await;
    let colleague = h.add_user(&o, "security").await;
    let l = register_linked(&h, &o, &sec).await;
    let alerts =
        h.send(Req::get("/alerts").bearer(&o.access).query("leaver_id", l["id"].as_str().unwrap())).await.json();
    let alert = alerts["items"][0].clone();
    assert_eq!(alert["employee_id"], sec.user_id.as_str(), "the alert names its subject: {alert}");
    let path = format!("/alerts/{}", alert["id"].as_str().unwrap());
    for status in ["acknowledged", "resolved"] {
        h.send(Req::new("PATCH", &path).bearer(&sec.access).json(json!({"status": status, "note": "false positive"})))
            .await
            .expect_problem(403, None);
    }
    let settings = h.send(Req::get("/risk-settings").bearer(&sec.access)).await.json();
    h.send(
        Req::new("PUT", "/risk-settings")
            .bearer(&sec.access)
            .json(json!({"version": settings["version"], "auto_deactivate": false})),
    )
    .await
    .expect_problem(403, None);
    // A colleague does both.
    h.send(Req::new("PATCH", &path).bearer(&colleague.access).json(json!({"status": "acknowledged", "note": "on it"})))
        .await
        .expect(200);
    let s = h.send(Req::get("/risk-settings").bearer(&colleague.access)).await.json();
    assert_eq!(s["auto_deactivate"], settings["auto_deactivate"], "the refused PUT changed the settings");
    h.send(
        Req::new("PUT", "/risk-settings")
            .bearer(&colleague.access)
            .json(json!({"version": s["version"], "auto_deactivate": false})),
    )
    .await
    .expect(200);
}

#[tokio::test]
async fn hr_may_not_manage_the_case_of_an_owner_or_a_security_user() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let hr = h.add_user(&o, "hr").await;
    let sec = h.add_user(&o, "security").await;
    let co_owner = h.add_user(&o, "owner").await;
    for subject in [&sec, &co_owner] {
        let l = register_linked(&h, &o, subject).await;
        let path = format!("/leavers/{}", l["id"].as_str().unwrap());
        h.send(Req::new("DELETE", &path).bearer(&hr.access)).await.expect_problem(403, None);
        h.send(Req::new("PATCH", &path).bearer(&hr.access).json(json!({"notes": "quiet", "version": 1})))
            .await
            .expect_problem(403, None);
        assert_eq!(leaver(&h, &o, l["id"].as_str().unwrap()).await["status"], "active");
    }
    // HR still manages an employee's case, and works the others' checklists.
    let emp = h.add_user(&o, "employee").await;
    let l = register_linked(&h, &o, &emp).await;
    h.send(
        Req::new("PATCH", &format!("/leavers/{}", l["id"].as_str().unwrap()))
            .bearer(&hr.access)
            .json(json!({"notes": "exit interview booked", "version": 1})),
    )
    .await
    .expect(200);
}

#[tokio::test]
async fn deleting_a_linked_leaver_raises_a_critical_alert_of_its_own() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let hr = h.add_user(&o, "hr").await;
    let emp = h.add_user(&o, "employee").await;
    let l = register_linked(&h, &o, &emp).await;
    let id = l["id"].as_str().unwrap();
    h.send(Req::new("DELETE", &format!("/leavers/{id}")).bearer(&hr.access)).await.expect(204);
    let alerts = h.send(Req::get("/alerts").bearer(&o.access).query("leaver_id", id)).await.json();
    let deleted: Vec<&Value> =
        alerts["items"].as_array().unwrap().iter().filter(|a| a["kind"] == "case_deleted").collect();
    assert_eq!(deleted.len(), 1, "{alerts}");
    assert_eq!(deleted[0]["level"], "critical");
    assert_eq!(deleted[0]["status"], "open");
    assert_eq!(deleted[0]["employee_id"], emp.user_id.as_str());
    let log = h.send(Req::get("/audit").bearer(&o.access).query("action", "alert.raised")).await.json();
    assert!(
        log["items"].as_array().unwrap().iter().any(|e| e["target"] == deleted[0]["id"]),
        "the alert is audited: {log}"
    );
    // An unlinked leaver's deletion raises none.
    let r = h
        .send(Req::new("POST", "/leavers").bearer(&hr.access).json(json!({
            "first_name": "Una", "surname": "Linked", "department": "Ops", "leave_date": days_from_today(40), "reason": "retirement"
        })))
        .await;
    let plain = r.json()["id"].as_str().unwrap().to_string();
    h.send(Req::new("DELETE", &format!("/leavers/{plain}")).bearer(&hr.access)).await.expect(204);
    let none = h.send(Req::get("/alerts").bearer(&o.access).query("leaver_id", &plain)).await.json();
    assert!(none["items"].as_array().unwrap().iter().all(|a| a["kind"] != "case_deleted"), "{none}");
}
