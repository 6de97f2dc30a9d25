//! Tickets: who sees what, the status flow, assignment, comments, the
//! timeline, SLA policies and clocks, and the SLA check's notices.

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tenure_core::events::sla_check;
use tenure_tests::{Account, Harness, Req};

async fn raise(h: &Harness, by: &Account, priority: &str) -> Value {
    let r = h
        .send(Req::new("POST", "/tickets").bearer(&by.access).json(json!({
            "title": "Laptop will not boot", "description": "Since this morning.\nBlack screen.",
            "priority": priority, "category": "hardware"
        })))
        .await;
    r.expect(201);
    r.json()
}

async fn get(h: &Harness, by: &Account, id: &str) -> Value {
    let r = h.send(Req::get(&format!("/tickets/{id}")).bearer(&by.access)).await;
    r.expect(200);
    r.json()
}

async fn patch(h: &Harness, by: &Account, ticket: &Value, body: Value) -> tenure_tests::Resp {
    let mut body = body;
    body["version"] = ticket["version"].clone();
    h.send(Req::new("PATCH", &format!("/tickets/{}", ticket["id"].as_str().unwrap())).bearer(&by.access).json(body))
        .await
}

async fn move_to(h: &Harness, by: &Account, ticket: &Value, status: &str, reason: &str) -> Value {
    let r = patch(h, by, ticket, json!({"status": status, "reason": reason})).await;
    r.expect(200);
    r.json()
}

async fn timeline(h: &Harness, by: &Account, id: &str) -> Vec<Value> {
    let r = h.send(Req::get(&format!("/tickets/{id}/events")).bearer(&by.access).query("limit", "100")).await;
    r.expect(200);
    r.json()["items"].as_array().unwrap().clone()
}

/// The SLA check's entries in a ticket's timeline, as `kind target`.
async fn notices(h: &Harness, by: &Account, id: &str) -> Vec<String> {
    timeline(h, by, id)
        .await
        .iter()
        .filter(|e| e["actor"] == "system")
        .map(|e| format!("{} {}", e["kind"].as_str().unwrap(), e["detail"]["target"].as_str().unwrap()))
        .collect()
}

fn ids(list: &Value) -> Vec<String> {
    list["items"].as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn an_employee_raises_a_ticket_and_a_technician_works_it_along_the_flow() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let emp = h.add_user(&o, "employee").await;
    let other = h.add_user(&o, "employee").await;
    let tech = h.add_user(&o, "technician").await;
    let t = raise(&h, &emp, "medium").await;
    let id = t["id"].as_str().unwrap().to_string();
    assert_eq!(t["status"], "open");
    assert_eq!(t["requester_id"], emp.user_id.as_str());
    assert_eq!(t["sla"]["first_response"]["target_seconds"], 240 * 60, "the default medium policy");
    assert_eq!(t["sla"]["resolution"]["target_seconds"], 2400 * 60);
    assert_eq!(t["sla"]["first_response"]["met_at"], Value::Null);
    assert_eq!(t["description"], "Since this morning.\nBlack screen.");

    // Another employee does not learn it exists; the technician sees it in
    // the queue; the requester among their own.
    h.send(Req::get(&format!("/tickets/{id}")).bearer(&other.access)).await.expect(404);
    assert!(ids(&h.send(Req::get("/tickets").bearer(&other.access)).await.json()).is_empty());
    assert_eq!(ids(&h.send(Req::get("/tickets").bearer(&emp.access)).await.json()), vec![id.clone()]);
    assert_eq!(ids(&h.send(Req::get("/tickets").bearer(&tech.access)).await.json()), vec![id.clone()]);
    let queue = h.send(Req::get("/tickets").bearer(&tech.access).query("assignee", "unassigned")).await.json();
    assert_eq!(ids(&queue), vec![id.clone()]);

    // Assigned: a first response.
    let r = h
        .send(
            Req::new("POST", &format!("/tickets/{id}/assign"))
                .bearer(&tech.access)
                .json(json!({"technician_id": tech.user_id})),
        )
        .await;
    r.expect(200);
    let t = r.json();
    assert_eq!(t["assignee_id"], tech.user_id.as_str());
    assert!(t["sla"]["first_response"]["met_at"].is_string(), "{t}");
    assert_eq!(t["sla"]["first_response"]["breached"], false);
    let mine = h.send(Req::get("/tickets").bearer(&tech.access).query("assignee", "me")).await.json();
    assert_eq!(ids(&mine), vec![id.clone()]);

    let t = move_to(&h, &tech, &t, "in_progress", "").await;
    let t = move_to(&h, &tech, &t, "waiting", "Asked for the serial number").await;
    assert_eq!(t["sla"]["resolution"]["paused"], true);
    // The requester cannot move it on; only reopen or close when resolved.
    patch(&h, &emp, &t, json!({"status": "in_progress"})).await.expect(403);
    let t = move_to(&h, &tech, &t, "in_progress", "Serial number received").await;
    assert_eq!(t["sla"]["resolution"]["paused"], false);
    let t = move_to(&h, &tech, &t, "resolved", "Replaced the disk").await;
    assert!(t["sla"]["resolution"]["met_at"].is_string());
    let t = move_to(&h, &emp, &t, "closed", "Works now, thanks").await;
    assert_eq!(t["status"], "closed");

    let kinds: Vec<String> =
        timeline(&h, &emp, &id).await.iter().map(|e| e["kind"].as_str().unwrap().to_string()).collect();
    assert_eq!(
        kinds,
        [
            "created",
            "assigned",
            "status_changed",
            "status_changed",
            "sla_paused",
            "status_changed",
            "sla_resumed",
            "status_changed",
            "sla_paused",
            "status_changed"
        ]
    );
    let events = timeline(&h, &tech, &id).await;
    let paused = events.iter().find(|e| e["kind"] == "sla_paused").unwrap();
    assert_eq!(paused["actor"], tech.user_id.as_str(), "who paused it");
    assert_eq!(paused["detail"]["reason"], "Asked for the serial number", "and why");

    let log = h.send(Req::get("/audit").bearer(&o.access).query("limit", "100")).await.json();
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["target"] == id.as_str())
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions.iter().filter(|a| **a == "ticket.status_changed").count(), 5, "{actions:?}");
    assert!(actions.contains(&"ticket.created") && actions.contains(&"ticket.assigned"), "{actions:?}");
}

#[tokio::test]
async fn bad_input_is_refused_with_the_field_named_and_changes_nothing() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let emp = h.add_user(&o, "employee").await;
    let tech = h.add_user(&o, "technician").await;
    let stranger = h.signup().await;
    let their_tech = h.add_user(&stranger, "technician").await;
    for (body, field) in [
        (json!({"title": "x", "description": "y", "priority": "critical", "category": "hardware"}), "priority"),
        (json!({"title": "x", "description": "y", "priority": "low", "category": "furniture"}), "category"),
        (json!({"title": "x".repeat(10_000), "description": "y", "priority": "low", "category": "other"}), "title"),
        (json!({"title": "", "description": "y", "priority": "low", "category": "other"}), "title"),
        (
            json!({"title": "x", "description": "y".repeat(10_001), "priority": "low", "category": "other"}),
            "description",
        ),
        (json!({"title": "x", "priority": "low", "category": "other"}), "description"),
    ] {
        let r = h.send(Req::new("POST", "/tickets").bearer(&emp.access).json(body.clone())).await;
        r.expect(422);
        assert!(r.json()["errors"].as_array().unwrap().iter().any(|e| e["field"] == field), "{body}: {}", r.json());
    }
    assert!(ids(&h.send(Req::get("/tickets").bearer(&emp.access)).await.json()).is_empty(), "nothing was written");

    // Markup is text: stored as sent, never interpreted.
    let r = h
        .send(Req::new("POST", "/tickets").bearer(&emp.access).json(json!({
            "title": "<script>alert(1)</script>", "description": "<img src=x onerror=alert(1)>",
            "priority": "low", "category": "software"
        })))
        .await;
    r.expect(201);
    let t = r.json();
    assert_eq!(t["title"], "<script>alert(1)</script>");
    let id = t["id"].as_str().unwrap().to_string();

    // A status jump, a stale version, an unknown status.
    let r = patch(&h, &tech, &t, json!({"status": "resolved"})).await;
    r.expect(409);
    assert!(r.json()["detail"].as_str().unwrap().contains("open"), "{}", r.json());
    let r = h
        .send(
            Req::new("PATCH", &format!("/tickets/{id}"))
                .bearer(&tech.access)
                .json(json!({"version": 99, "status": "in_progress"})),
        )
        .await;
    r.expect(409);
    patch(&h, &tech, &t, json!({"status": "done"})).await.expect(422);
    // Priority is the agents'.
    patch(&h, &emp, &t, json!({"priority": "urgent"})).await.expect(403);

    // Assignment: only an active technician of this company.
    let assign = |who: &str| json!({"technician_id": who});
    for (who, why) in [
        (&emp.user_id, "an employee"),
        (&their_tech.user_id, "another company's technician"),
        (&"usr_nope".to_string(), "no id"),
    ] {
        let r = h.send(Req::new("POST", &format!("/tickets/{id}/assign")).bearer(&tech.access).json(assign(who))).await;
        r.expect(422);
        assert_eq!(r.json()["errors"][0]["field"], "technician_id", "{why}");
    }
    h.send(Req::new("POST", &format!("/tickets/{id}/assign")).bearer(&emp.access).json(assign(&tech.user_id)))
        .await
        .expect(403);

    // Comments: 100,000 characters (more than a request may carry), 10,001, empty.
    let r = h
        .send(
            Req::new("POST", &format!("/tickets/{id}/comments"))
                .bearer(&emp.access)
                .json(json!({"body": "x".repeat(100_000)})),
        )
        .await;
    r.expect(413);
    for body in [json!({"body": "x".repeat(10_001)}), json!({"body": "  "})] {
        let r = h.send(Req::new("POST", &format!("/tickets/{id}/comments")).bearer(&emp.access).json(body)).await;
        r.expect(422);
        assert_eq!(r.json()["errors"][0]["field"], "body");
    }

    // Another company's ticket: not found, whoever asks there.
    let theirs = raise(&h, &stranger, "low").await;
    let tid = theirs["id"].as_str().unwrap();
    for who in [&o, &tech] {
        h.send(Req::get(&format!("/tickets/{tid}")).bearer(&who.access)).await.expect(404);
        let r = h
            .send(
                Req::new("PATCH", &format!("/tickets/{tid}"))
                    .bearer(&who.access)
                    .json(json!({"version": 1, "status": "in_progress"})),
            )
            .await;
        r.expect(404);
        h.send(Req::new("POST", &format!("/tickets/{tid}/comments")).bearer(&who.access).json(json!({"body": "hi"})))
            .await
            .expect(404);
    }
    assert_eq!(get(&h, &stranger, tid).await["version"], 1, "nothing changed there");
    let now = get(&h, &emp, &id).await;
    assert_eq!(now["version"], 1, "every refusal left the ticket as it was");
    assert_eq!(now["assignee_id"], Value::Null);
    assert_eq!(timeline(&h, &emp, &id).await.len(), 1);

    // Filters: unknown values, and queues that are not the caller's.
    h.send(Req::get("/tickets").bearer(&emp.access).query("sla", "late")).await.expect(400);
    h.send(Req::get("/tickets").bearer(&emp.access).query("status", "done")).await.expect(400);
    h.send(Req::get("/tickets").bearer(&emp.access).query("assignee", "unassigned")).await.expect(403);
    h.send(Req::get("/tickets").bearer(&tech.access).query("assignee", &emp.user_id)).await.expect(403);
}

#[tokio::test]
async fn internal_comments_are_for_agents_and_a_public_one_is_a_first_response() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let emp = h.add_user(&o, "employee").await;
    let tech = h.add_user(&o, "technician").await;
    let t = raise(&h, &emp, "high").await;
    let id = t["id"].as_str().unwrap();
    let post = |by: &Account, body: Value| {
        h.send(Req::new("POST", &format!("/tickets/{id}/comments")).bearer(&by.access).json(body))
    };
    post(&emp, json!({"body": "Any news?"})).await.expect(201);
    post(&emp, json!({"body": "psst", "internal": true})).await.expect(403);
    post(&tech, json!({"body": "Probably the PSU.", "internal": true})).await.expect(201);
    assert_eq!(
        get(&h, &emp, id).await["sla"]["first_response"]["met_at"],
        Value::Null,
        "an internal note is no response"
    );
    post(&tech, json!({"body": "On my way <b>now</b>."})).await.expect(201);
    assert!(get(&h, &emp, id).await["sla"]["first_response"]["met_at"].is_string());

    let bodies = |by: &Account| {
        let by = by.access.clone();
        let h = &h;
        async move {
            let v = h.send(Req::get(&format!("/tickets/{id}/comments")).bearer(&by)).await.json();
            v["items"].as_array().unwrap().iter().map(|c| c["body"].as_str().unwrap().to_string()).collect::<Vec<_>>()
        }
    };
    assert_eq!(bodies(&emp).await, ["Any news?", "On my way <b>now</b>."]);
    assert_eq!(bodies(&tech).await, ["Any news?", "Probably the PSU.", "On my way <b>now</b>."]);
    assert_eq!(timeline(&h, &emp, id).await.len(), 3, "the requester's timeline has no internal entry");
    assert_eq!(timeline(&h, &tech, id).await.len(), 4);
}

#[tokio::test]
async fn a_technicians_list_pages_through_their_own_then_the_queue() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let emp = h.add_user(&o, "employee").await;
    let tech = h.add_user(&o, "technician").await;
    let other_tech = h.add_user(&o, "technician").await;
    let mut raised = Vec::new();
    for _ in 0..5 {
        raised.push(raise(&h, &emp, "low").await["id"].as_str().unwrap().to_string());
    }
    for (id, who) in [(&raised[0], &tech), (&raised[1], &tech), (&raised[2], &other_tech)] {
        h.send(
            Req::new("POST", &format!("/tickets/{id}/assign"))
                .bearer(&o.access)
                .json(json!({"technician_id": who.user_id})),
        )
        .await
        .expect(200);
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..10 {
        let mut req = Req::get("/tickets").bearer(&tech.access).query("limit", "2");
        if let Some(c) = &cursor {
            req = req.query("cursor", c);
        }
        let v = h.send(req).await.json();
        seen.extend(ids(&v));
        match v["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    let mut want = vec![raised[0].clone(), raised[1].clone(), raised[3].clone(), raised[4].clone()];
    let mut got = seen.clone();
    want.sort();
    got.sort();
    assert_eq!(got, want, "their own two and the unassigned two, once each; not the other technician's: {seen:?}");
    // The other technician's ticket is not theirs to see.
    h.send(Req::get(&format!("/tickets/{}", raised[2])).bearer(&tech.access)).await.expect(404);
    // Owners see all five.
    let all = h.send(Req::get("/tickets").bearer(&o.access).query("limit", "100")).await.json();
    assert_eq!(ids(&all).len(), 5);
}

#[tokio::test]
async fn a_policy_change_applies_to_tickets_opened_after_it() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let emp = h.add_user(&o, "employee").await;
    let p = h.send(Req::get("/sla-policies").bearer(&emp.access)).await.json();
    assert_eq!(p["version"], 0);
    assert_eq!(p["policies"]["urgent"], json!({"first_response_minutes": 30, "resolution_minutes": 240}));
    let before = raise(&h, &emp, "urgent").await;

    let mut policies = p["policies"].clone();
    policies["urgent"] = json!({"first_response_minutes": 10, "resolution_minutes": 60});
    h.send(Req::new("PUT", "/sla-policies").bearer(&emp.access).json(json!({"version": 0, "policies": policies})))
        .await
        .expect(403);
    for (bad, field) in [
        (json!({"first_response_minutes": -5, "resolution_minutes": 60}), None),
        (
            json!({"first_response_minutes": 0, "resolution_minutes": 60}),
            Some("policies.urgent.first_response_minutes"),
        ),
        (json!({"first_response_minutes": 90, "resolution_minutes": 60}), Some("policies.urgent.resolution_minutes")),
        (
            json!({"first_response_minutes": 10, "resolution_minutes": 99_999_999}),
            Some("policies.urgent.resolution_minutes"),
        ),
    ] {
        let mut wrong = p["policies"].clone();
        wrong["urgent"] = bad.clone();
        let r = h
            .send(Req::new("PUT", "/sla-policies").bearer(&o.access).json(json!({"version": 0, "policies": wrong})))
            .await;
        match field {
            Some(f) => {
                r.expect(422);
                assert!(r.json()["errors"].as_array().unwrap().iter().any(|e| e["field"] == f), "{bad}: {}", r.json());
            }
            None => assert!(r.status == 400 || r.status == 422, "{bad}: {}", r.status),
        }
    }
    let r = h
        .send(Req::new("PUT", "/sla-policies").bearer(&o.access).json(json!({"version": 0, "policies": policies})))
        .await;
    r.expect(200);
    assert_eq!(r.json()["version"], 1);
    h.send(Req::new("PUT", "/sla-policies").bearer(&o.access).json(json!({"version": 0, "policies": policies})))
        .await
        .expect(409);

    let after = raise(&h, &emp, "urgent").await;
    assert_eq!(after["sla"]["first_response"]["target_seconds"], 600);
    let still = get(&h, &emp, before["id"].as_str().unwrap()).await;
    assert_eq!(still["sla"]["first_response"]["target_seconds"], 1800, "opened under the old policy, kept");
    let log = h.send(Req::get("/audit").bearer(&o.access).query("action", "sla_policies.updated")).await.json();
    assert_eq!(log["items"].as_array().unwrap().len(), 1);
}

/// The SLA check, run at chosen instants after the ticket was opened, on a
/// calendar where every hour is a working hour (so business time is wall
/// time and the test does not depend on today's weekday).
#[tokio::test]
async fn the_sla_check_notes_at_risk_then_breach_once_and_lists_them() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let emp = h.add_user(&o, "employee").await;
    let tech = h.add_user(&o, "technician").await;
    let company = h.send(Req::get(&format!("/companies/{}", o.company_id)).bearer(&o.access)).await.json();
    let all_day: serde_json::Map<String, Value> = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .iter()
        .map(|d| (d.to_string(), json!(["00:00", "24:00"])))
        .collect();
    h.send(
        Req::new("PATCH", &format!("/companies/{}", o.company_id))
            .bearer(&o.access)
            .json(json!({"version": company["version"], "working_hours": all_day})),
    )
    .await
    .expect(200);
    let t = raise(&h, &emp, "urgent").await;
    let id = t["id"].as_str().unwrap();
    let opened =
        time::OffsetDateTime::parse(t["created_at"].as_str().unwrap(), &time::format_description::well_known::Rfc3339)
            .unwrap();
    let app = h.app("sla-check");
    let company_id = tenure_core::ids::CompanyId::parse(&o.company_id).unwrap();
    let at = |minutes: i64| opened + time::Duration::minutes(minutes);
    let run = |minutes: i64| {
        let (app, company_id) = (app.clone(), company_id.clone());
        async move {
            sla_check::run_for(&app, at(minutes), Instant::now() + Duration::from_secs(60), Some(&company_id))
                .await
                .unwrap()
        }
    };

    // The check reads every company's due tickets (other tests' too), so
    // what it did to this one is read from this ticket's timeline.
    // 30-minute first response: at risk in its last 15 minutes.
    run(10).await;
    assert!(notices(&h, &tech, id).await.is_empty());
    let r = run(20).await;
    assert!(r.at_risk >= 1, "{r:?}");
    assert_eq!(notices(&h, &tech, id).await, ["sla_at_risk first_response"]);
    run(20).await;
    assert_eq!(notices(&h, &tech, id).await, ["sla_at_risk first_response"], "noted once");
    let listed = h.send(Req::get("/tickets").bearer(&tech.access).query("sla", "at_risk")).await.json();
    assert_eq!(ids(&listed), vec![id.to_string()]);
    run(40).await;
    assert_eq!(notices(&h, &tech, id).await, ["sla_at_risk first_response", "sla_breached first_response"]);
    run(40).await;
    assert_eq!(notices(&h, &tech, id).await.len(), 2, "a breach is recorded once");
    let listed = h.send(Req::get("/tickets").bearer(&o.access).query("sla", "breached")).await.json();
    assert_eq!(ids(&listed), vec![id.to_string()]);
    assert!(ids(&h.send(Req::get("/tickets").bearer(&o.access).query("sla", "at_risk")).await.json()).is_empty());
    // The requester's list is theirs: the breached ticket is theirs.
    assert_eq!(
        ids(&h.send(Req::get("/tickets").bearer(&emp.access).query("sla", "breached")).await.json()),
        vec![id.to_string()]
    );

    let log = h.send(Req::get("/audit").bearer(&o.access).query("action", "ticket.sla_breached")).await.json();
    assert_eq!(log["items"].as_array().unwrap().len(), 1);

    // The resolution target (4 hours) comes next; much later it is noted
    // too, and the ticket leaves the index (nothing more to note).
    run(600).await;
    assert_eq!(
        notices(&h, &tech, id).await,
        ["sla_at_risk first_response", "sla_breached first_response", "sla_breached resolution"]
    );
    run(6000).await;
    assert_eq!(notices(&h, &tech, id).await.len(), 3);
    let log = h.send(Req::get("/audit").bearer(&o.access).query("action", "ticket.sla_breached")).await.json();
    assert_eq!(log["items"].as_array().unwrap().len(), 2);
}

async fn access_revoked(h: &Harness, by: &Account, leaver: &str) -> Value {
    let v = h.send(Req::get(&format!("/leavers/{leaver}/checklist")).bearer(&by.access)).await.json();
    v["items"].as_array().unwrap().iter().find(|i| i["id"] == "access_revoked").unwrap().clone()
}

fn days_from_today(days: i64) -> String {
    let d = time::OffsetDateTime::now_utc().date() + time::Duration::days(days);
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

async fn register(h: &Harness, by: &Account, leaver: &Account, leave_date: &str) -> Value {
    let r = h
        .send(Req::new("POST", "/leavers").bearer(&by.access).json(json!({
            "employee_id": leaver.user_id, "first_name": "Terry", "surname": "Leaving", "department": "IT",
            "leave_date": leave_date, "reason": "resignation"
        })))
        .await;
    r.expect(201);
    r.json()
}

#[tokio::test]
async fn registering_a_leaver_opens_their_offboarding_ticket_which_they_never_see() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let hr = h.add_user(&o, "hr").await;
    let tech = h.add_user(&o, "technician").await;
    // The leaver is a technician: the unassigned queue would show them the
    // ticket, were it not about them.
    let leaving = h.add_user(&o, "technician").await;
    let leave_date = days_from_today(10);
    let l = register(&h, &hr, &leaving, &leave_date).await;
    let tid = l["offboarding"]["ticket_id"].as_str().expect("the leaver links its ticket").to_string();

    let t = get(&h, &tech, &tid).await;
    assert_eq!((t["category"].as_str(), t["priority"].as_str()), (Some("access"), Some("high")));
    assert_eq!(t["leaver_id"], l["id"]);
    assert_eq!(t["requester_id"], hr.user_id.as_str());
    assert_eq!(t["assignee_id"], Value::Null, "in the unassigned queue");
    let res = &t["sla"]["resolution"];
    assert_eq!(res["continuous"], true);
    let end_of_leave_day = format!("{}T00:00:00Z", days_from_today(11));
    assert_eq!(res["due_at"], end_of_leave_day.as_str(), "due when the leave date ends (UTC company)");
    assert!(ids(&h.send(Req::get("/tickets").bearer(&tech.access)).await.json()).contains(&tid));

    // The person leaving: not found, not listed, not assignable.
    h.send(Req::get(&format!("/tickets/{tid}")).bearer(&leaving.access)).await.expect(404);
    assert!(!ids(&h.send(Req::get("/tickets").bearer(&leaving.access)).await.json()).contains(&tid));
    let r = h
        .send(
            Req::new("POST", &format!("/tickets/{tid}/assign"))
                .bearer(&o.access)
                .json(json!({"technician_id": leaving.user_id})),
        )
        .await;
    r.expect(422);
    assert_eq!(r.json()["errors"][0]["field"], "technician_id");

    // A later leave date moves the due time.
    let later = days_from_today(20);
    let r = h
        .send(
            Req::new("PATCH", &format!("/leavers/{}", l["id"].as_str().unwrap()))
                .bearer(&hr.access)
                .json(json!({"version": l["version"], "leave_date": later})),
        )
        .await;
    r.expect(200);
    let moved = get(&h, &tech, &tid).await;
    assert_eq!(moved["sla"]["resolution"]["due_at"], format!("{}T00:00:00Z", days_from_today(21)).as_str());
}

#[tokio::test]
async fn resolving_the_offboarding_ticket_ticks_access_revoked_once() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let hr = h.add_user(&o, "hr").await;
    let tech = h.add_user(&o, "technician").await;
    let leaving = h.add_user(&o, "employee").await;
    let l = register(&h, &hr, &leaving, &days_from_today(3)).await;
    let lid = l["id"].as_str().unwrap();
    let tid = l["offboarding"]["ticket_id"].as_str().unwrap();
    let t = get(&h, &tech, tid).await;
    let t = move_to(&h, &tech, &t, "in_progress", "").await;
    let t = move_to(&h, &tech, &t, "resolved", "Badge, VPN and SSO revoked").await;
    let item = access_revoked(&h, &hr, lid).await;
    assert_eq!(item["done"], true);
    assert_eq!(item["done_by"], tech.user_id.as_str());
    // Reopened and resolved again: ticked once, not twice.
    let t = move_to(&h, &tech, &t, "open", "Forgot the building badge").await;
    let t = move_to(&h, &tech, &t, "in_progress", "").await;
    move_to(&h, &tech, &t, "resolved", "Badge collected").await;
    let log = h.send(Req::get("/audit").bearer(&o.access).query("action", "leaver.checklist_updated")).await.json();
    let ticks: Vec<&Value> = log["items"].as_array().unwrap().iter().filter(|e| e["target"] == lid).collect();
    assert_eq!(ticks.len(), 1, "{ticks:?}");
    assert_eq!(ticks[0]["detail"]["ticket"], tid);
    assert_eq!(access_revoked(&h, &hr, lid).await["done_at"], item["done_at"], "the first tick stands");
}

#[tokio::test]
async fn an_overdue_offboarding_ticket_is_a_critical_alert_for_security() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let security = h.add_user(&o, "security").await;
    let leaving = h.add_user(&o, "employee").await;
    let l = register(&h, &o, &leaving, &days_from_today(1)).await;
    let lid = l["id"].as_str().unwrap();
    let tid = l["offboarding"]["ticket_id"].as_str().unwrap();
    // Three days on, the ticket is still open.
    let later = time::OffsetDateTime::now_utc() + time::Duration::days(3);
    let company_id = tenure_core::ids::CompanyId::parse(&o.company_id).unwrap();
    sla_check::run_for(&h.app("sla-check"), later, Instant::now() + Duration::from_secs(60), Some(&company_id))
        .await
        .unwrap();
    let alerts = h.send(Req::get("/alerts").bearer(&security.access).query("leaver_id", lid)).await.json();
    let overdue: Vec<&Value> =
        alerts["items"].as_array().unwrap().iter().filter(|a| a["kind"] == "offboarding_overdue").collect();
    assert_eq!(overdue.len(), 1, "{alerts}");
    assert_eq!(overdue[0]["level"], "critical");
    assert!(overdue[0]["reasons"][0].as_str().unwrap().contains(tid));
    assert_eq!(overdue[0]["employee_id"], leaving.user_id.as_str(), "about the leaver's account");
    // Again: no second alert.
    sla_check::run_for(&h.app("sla-check"), later, Instant::now() + Duration::from_secs(60), Some(&company_id))
        .await
        .unwrap();
    let alerts = h.send(Req::get("/alerts").bearer(&security.access).query("leaver_id", lid)).await.json();
    assert_eq!(alerts["items"].as_array().unwrap().iter().filter(|a| a["kind"] == "offboarding_overdue").count(), 1);
}

#[tokio::test]
async fn access_tickets_a_leaver_raised_are_a_risk_factor() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let leaving = h.add_user(&o, "employee").await;
    // Before registration: counted on the person, carried to the case.
    let r = h
        .send(Req::new("POST", "/tickets").bearer(&leaving.access).json(json!({
            "title": "Need the finance share", "description": "For a last report", "priority": "low", "category": "access"
        })))
        .await;
    r.expect(201);
    let l = register(&h, &o, &leaving, &days_from_today(30)).await;
    let lid = l["id"].as_str().unwrap();
    // After: counted on the case too.
    let fresh = h.login(&leaving.email, tenure_tests::PASSWORD).await;
    for title in ["VPN for home", "Admin on the CRM"] {
        h.send(Req::new("POST", "/tickets").bearer(&fresh.access).json(json!({
            "title": title, "description": "please", "priority": "low", "category": "access"
        })))
        .await
        .expect(201);
    }
    // A hardware ticket does not count.
    raise(&h, &fresh, "low").await;
    h.send(Req::new("POST", "/sweeps").bearer(&o.access)).await.expect(200);
    let risk = h.send(Req::get(&format!("/leavers/{lid}/risk")).bearer(&o.access)).await.json();
    let factor = risk["factors"].as_array().unwrap().iter().find(|f| f["id"] == "access_requests").cloned();
    let factor = factor.unwrap_or_else(|| panic!("no access_requests factor: {risk}"));
    assert_eq!(factor["evidence"][0], "3 access tickets raised in the last 14 days");
    assert_eq!(factor["contribution"], factor["weight"], "three score it fully");
}

#[tokio::test]
async fn a_leaver_registered_by_email_never_sees_their_ticket_and_a_past_leaver_gets_none() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let tech = h.add_user(&o, "technician").await;
    // Registered by name and email only (no employee_id): the account with
    // that email is still the person the ticket is about.
    let r = h
        .send(Req::new("POST", "/leavers").bearer(&o.access).json(json!({
            "first_name": "Tess", "surname": "Tech", "email": tech.email, "department": "IT",
            "leave_date": days_from_today(7), "reason": "resignation"
        })))
        .await;
    r.expect(201);
    let tid = r.json()["offboarding"]["ticket_id"].as_str().unwrap().to_string();
    h.send(Req::get(&format!("/tickets/{tid}")).bearer(&tech.access)).await.expect(404);
    assert!(!ids(&h.send(Req::get("/tickets").bearer(&tech.access)).await.json()).contains(&tid));
    h.send(
        Req::new("POST", &format!("/tickets/{tid}/assign"))
            .bearer(&o.access)
            .json(json!({"technician_id": tech.user_id})),
    )
    .await
    .expect_problem(422, Some("technician_id"));
    // Registered after the leave date ended: no ticket born overdue.
    let r = h
        .send(Req::new("POST", "/leavers").bearer(&o.access).json(json!({
            "first_name": "Old", "surname": "Timer", "department": "IT", "leave_date": days_from_today(-30), "reason": "retirement"
        })))
        .await;
    r.expect(201);
    assert_eq!(r.json()["offboarding"], Value::Null);
}
