//! Handing a leaver's work over, the unhanded_work signal, and closing a
//! case only when nothing blocks it.

use serde_json::{json, Value};
use tenure_tests::{Account, Harness, Req};

fn days_from_today(days: i64) -> String {
    let d = time::OffsetDateTime::now_utc().date() + time::Duration::days(days);
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

async fn project(h: &Harness, by: &Account, owner: &Account, name: &str) -> String {
    let p = h.send(Req::new("POST", "/projects").bearer(&owner.access).json(json!({"name": name}))).await;
    p.expect(201);
    let _ = by;
    p.json()["id"].as_str().unwrap().to_string()
}

async fn task(h: &Harness, by: &Account, project: &str, title: &str, assignee: &Account) -> Value {
    let r = h
        .send(
            Req::new("POST", &format!("/projects/{project}/tasks"))
                .bearer(&by.access)
                .json(json!({"title": title, "assignee_id": assignee.user_id, "due_date": "2027-02-01"})),
        )
        .await;
    r.expect(201);
    r.json()
}

async fn factor(h: &Harness, by: &Account, leaver: &str, id: &str) -> Option<Value> {
    let risk = h.send(Req::get(&format!("/leavers/{leaver}/risk")).bearer(&by.access)).await.json();
    risk["factors"].as_array().unwrap().iter().find(|f| f["id"] == id).cloned()
}

async fn leaver(h: &Harness, by: &Account, id: &str) -> Value {
    h.send(Req::get(&format!("/leavers/{id}")).bearer(&by.access)).await.json()
}

#[tokio::test]
async fn a_leavers_work_is_risk_until_handed_over_and_the_case_closes_only_when_nothing_blocks_it() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let hr = h.add_user(&o, "hr").await;
    let leaving = h.add_user(&o, "manager").await;
    let bob = h.add_user(&o, "manager").await;
    // What Lee holds: two projects of their own, three open tasks (one on
    // someone else's project), and a done task that does not count.
    let p1 = project(&h, &leaving, &leaving, "Data warehouse").await;
    let p2 = project(&h, &leaving, &leaving, "Vendor review").await;
    let theirs = project(&h, &bob, &bob, "Bob's project").await;
    task(&h, &leaving, &p1, "Migrate tables", &leaving).await;
    task(&h, &leaving, &p2, "Call vendors", &leaving).await;
    let on_bobs = task(&h, &bob, &theirs, "Review Bob's plan", &leaving).await;
    let done = task(&h, &leaving, &p1, "Old thing", &leaving).await;
    h.send(
        Req::new("PATCH", &format!("/projects/{p1}/tasks/{}", done["id"].as_str().unwrap()))
            .bearer(&leaving.access)
            .json(json!({"version": 1, "status": "done"})),
    )
    .await
    .expect(200);

    let r = h
        .send(Req::new("POST", "/leavers").bearer(&hr.access).json(json!({
            "employee_id": leaving.user_id, "department": "Data", "leave_date": days_from_today(5), "reason": "resignation"
        })))
        .await;
    r.expect(201);
    let lid = r.json()["id"].as_str().unwrap().to_string();
    let f = factor(&h, &hr, &lid, "unhanded_work").await.expect("held work is a risk factor");
    assert_eq!(f["evidence"][0], "2 projects and 3 open tasks not handed over, 5 days before the leave date");
    assert_eq!(f["contribution"], f["weight"], "five days before: the full weight");
    // The sweep names the items.
    h.send(Req::new("POST", "/sweeps").bearer(&o.access)).await.expect(200);
    let f = factor(&h, &hr, &lid, "unhanded_work").await.unwrap();
    let evidence: Vec<&str> = f["evidence"].as_array().unwrap().iter().map(|e| e.as_str().unwrap()).collect();
    assert!(evidence.contains(&"project: Data warehouse"), "{evidence:?}");
    assert!(evidence.contains(&"task: Review Bob's plan (due 2027-02-01)"), "{evidence:?}");

    // Closing now: every blocker, one per kind, with counts.
    let l = leaver(&h, &hr, &lid).await;
    let r = h
        .send(
            Req::new("PATCH", &format!("/leavers/{lid}"))
                .bearer(&hr.access)
                .json(json!({"version": l["version"], "status": "closed"})),
        )
        .await;
    r.expect(409);
    let errors = r.json()["errors"].clone();
    let by_field = |f: &str| {
        errors.as_array().unwrap().iter().find(|e| e["field"] == f).map(|e| e["message"].as_str().unwrap().to_string())
    };
    assert_eq!(by_field("checklist").as_deref(), Some("5 of 5 checklist items are not done"), "{errors}");
    assert_eq!(by_field("handover").as_deref(), Some("2 projects and 3 open tasks are not handed over"), "{errors}");
    assert_eq!(by_field("deactivation").as_deref(), Some("the leaver's account is still active"), "{errors}");
    assert_eq!(leaver(&h, &hr, &lid).await["status"], "active", "a refused close changes nothing");

    // Bad hand-overs: to the leaver, to a deactivated person, to another
    // company's person, to no one.
    let handover = |to: &str| {
        Req::new("POST", &format!("/leavers/{lid}/handover")).bearer(&hr.access).json(json!({"to_user_id": to}))
    };
    h.send(handover(&leaving.user_id)).await.expect_problem(422, Some("to_user_id"));
    let gone = h.add_user(&o, "employee").await;
    h.send(
        Req::new("PATCH", &format!("/auth/admin/users/{}/status", gone.user_id))
            .bearer(&o.access)
            .json(json!({"active": false})),
    )
    .await
    .expect(200);
    h.send(handover(&gone.user_id)).await.expect_problem(422, Some("to_user_id"));
    let stranger = h.signup().await;
    h.send(handover(&stranger.user_id)).await.expect_problem(422, Some("to_user_id"));
    h.send(handover("usr_nope")).await.expect_problem(422, Some("to_user_id"));
    // The leaver does not hand over their own case.
    h.send(
        Req::new("POST", &format!("/leavers/{lid}/handover"))
            .bearer(&leaving.access)
            .json(json!({"to_user_id": bob.user_id})),
    )
    .await
    .expect(403);

    let r = h.send(handover(&bob.user_id)).await;
    r.expect(200);
    assert_eq!((r.json()["moved_projects"].as_u64(), r.json()["moved_tasks"].as_u64()), (Some(2), Some(3)));
    assert_eq!(r.json()["remaining"], false);
    // Again: nothing left, nothing changes.
    let r = h.send(handover(&bob.user_id)).await;
    r.expect(200);
    assert_eq!((r.json()["moved_projects"].as_u64(), r.json()["moved_tasks"].as_u64()), (Some(0), Some(0)));

    // Bob holds it all now; attribution stays.
    let bobs = h.send(Req::get("/projects").bearer(&bob.access)).await.json();
    assert_eq!(bobs["items"].as_array().unwrap().len(), 3);
    let tasks = h.send(Req::get("/tasks").bearer(&bob.access)).await.json();
    assert_eq!(tasks["items"].as_array().unwrap().len(), 3);
    let moved = tasks["items"].as_array().unwrap().iter().find(|t| t["id"] == on_bobs["id"]).unwrap().clone();
    let history = moved["history"].as_array().unwrap();
    assert_eq!(history[0]["actor"], bob.user_id.as_str(), "who created it stays");
    let last = history.last().unwrap();
    assert_eq!((last["action"].as_str(), last["actor"].as_str()), (Some("handed_over"), Some(hr.user_id.as_str())));
    assert_eq!(last["detail"]["from"], leaving.user_id.as_str());
    assert!(factor(&h, &hr, &lid, "unhanded_work").await.is_none(), "nothing held, no risk");
    let log = h.send(Req::get("/audit").bearer(&o.access).query("action", "leaver.handover")).await.json();
    assert_eq!(log["items"].as_array().unwrap().len(), 1, "one batch, one event");

    // The rest of the blockers: the checklist and the account.
    for item in ["accounts_disabled", "access_revoked", "devices_returned", "documents_retrieved", "exit_interview"] {
        h.send(
            Req::new("PATCH", &format!("/leavers/{lid}/checklist/{item}"))
                .bearer(&hr.access)
                .json(json!({"done": true})),
        )
        .await
        .expect(200);
    }
    let l = leaver(&h, &hr, &lid).await;
    let r = h
        .send(
            Req::new("PATCH", &format!("/leavers/{lid}"))
                .bearer(&hr.access)
                .json(json!({"version": l["version"], "status": "closed"})),
        )
        .await;
    r.expect(409);
    let errors = r.json()["errors"].as_array().unwrap().clone();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["field"], "deactivation");
    h.send(
        Req::new("PATCH", &format!("/auth/admin/users/{}/status", leaving.user_id))
            .bearer(&hr.access)
            .json(json!({"active": false})),
    )
    .await
    .expect(200);
    let l = leaver(&h, &hr, &lid).await;
    let r = h
        .send(
            Req::new("PATCH", &format!("/leavers/{lid}"))
                .bearer(&hr.access)
                .json(json!({"version": l["version"], "status": "closed"})),
        )
        .await;
    r.expect(200);
    assert_eq!(r.json()["status"], "closed");

    // Closed: read-only, apart from reopening.
    let v = r.json()["version"].clone();
    h.send(
        Req::new("PATCH", &format!("/leavers/{lid}"))
            .bearer(&hr.access)
            .json(json!({"version": v, "notes": "late note"})),
    )
    .await
    .expect(409);
    h.send(
        Req::new("PATCH", &format!("/leavers/{lid}/checklist/exit_interview"))
            .bearer(&hr.access)
            .json(json!({"done": false})),
    )
    .await
    .expect(409);
    h.send(
        Req::new("PATCH", &format!("/leavers/{lid}"))
            .bearer(&hr.access)
            .json(json!({"version": v, "status": "closed", "notes": "x"})),
    )
    .await
    .expect_problem(422, Some("status"));
    let listed = h.send(Req::get("/leavers").bearer(&hr.access).query("status", "closed")).await.json();
    assert!(listed["items"].as_array().unwrap().iter().any(|l| l["id"] == lid.as_str()));
    let r = h
        .send(
            Req::new("PATCH", &format!("/leavers/{lid}"))
                .bearer(&hr.access)
                .json(json!({"version": v, "status": "active"})),
        )
        .await;
    r.expect(200);
    assert_eq!(r.json()["status"], "active");
    let log = h.send(Req::get("/audit").bearer(&o.access).query("action", "leaver.closed")).await.json();
    assert_eq!(log["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn hundreds_of_tasks_move_in_batches_and_a_second_call_finds_nothing_left() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let leaving = h.add_user(&o, "employee").await;
    let to = h.add_user(&o, "employee").await;
    let p = project(&h, &o, &o, "Big").await;
    for i in 0..60 {
        task(&h, &o, &p, &format!("Task {i}"), &leaving).await;
    }
    let r = h
        .send(Req::new("POST", "/leavers").bearer(&o.access).json(json!({
            "employee_id": leaving.user_id, "department": "Ops", "leave_date": days_from_today(20), "reason": "other"
        })))
        .await;
    let lid = r.json()["id"].as_str().unwrap().to_string();
    let r = h
        .send(
            Req::new("POST", &format!("/leavers/{lid}/handover"))
                .bearer(&o.access)
                .json(json!({"to_user_id": to.user_id})),
        )
        .await;
    r.expect(200);
    assert_eq!(r.json()["moved_tasks"], 60);
    let log = h.send(Req::get("/audit").bearer(&o.access).query("action", "leaver.handover")).await.json();
    assert_eq!(log["items"].as_array().unwrap().len(), 3, "25 + 25 + 10");
    let mut seen = 0;
    let mut cursor: Option<String> = None;
    loop {
        let mut req = Req::get("/tasks").bearer(&to.access).query("limit", "100");
        if let Some(c) = &cursor {
            req = req.query("cursor", c);
        }
        let v = h.send(req).await.json();
        seen += v["items"].as_array().unwrap().len();
        match v["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    assert_eq!(seen, 60);
    let leaving_tasks = h.send(Req::get("/tasks").bearer(&leaving.access)).await.json();
    assert!(leaving_tasks["items"].as_array().unwrap().is_empty());
}
