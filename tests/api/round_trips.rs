//! The DynamoDB cost of every route: each one is called on its main path
//! and its calls are counted by the SDK interceptor. The harness already
//! fails any request that scans or takes more than three round trips; this
//! suite makes sure every route of the table was measured, and prints the
//! figures (`make bench` shows them).

use std::collections::BTreeMap;

use serde_json::json;
use tenure_core::routes;
use tenure_tests::{unique_email, Harness, Req, Resp, PASSWORD};

#[tokio::test]
async fn every_route_stays_within_three_round_trips_without_scans() {
    // The walk through every route is one large future: keep it on the heap.
    Box::pin(walk_every_route()).await;
}

async fn walk_every_route() {
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
    let r = h
        .send(
            Req::new("PATCH", &format!("/companies/{company}"))
                .bearer(&access)
                .json(json!({"version": 1, "time_zone": "Europe/Lisbon", "holidays": ["2026-12-25"]})),
        )
        .await;
    note("PATCH", "/companies/{id}", r.expect(200));
    let r = h.send(Req::new("GET", "/audit").bearer(&access)).await;
    note("GET", "/audit", r.expect(200));
    let r = h.send(Req::new("GET", "/audit/verify").bearer(&access)).await;
    note("GET", "/audit/verify", r.expect(200));
    let leaver = json!({"first_name": "R", "surname": "Trips", "department": "Finance", "leave_date": "2030-01-01", "reason": "dismissal"});
    let r = h.send(Req::new("POST", "/leavers").bearer(&access).json(leaver)).await;
    note("POST", "/leavers", r.expect(201));
    let lid = r.json()["id"].as_str().unwrap().to_string();
    let r = h.send(Req::new("GET", "/leavers").bearer(&access)).await;
    note("GET", "/leavers", r.expect(200));
    let r = h.send(Req::new("GET", "/leavers/trips").bearer(&access)).await;
    note("GET", "/leavers/{id}", r.expect(200));
    let r = h.send(Req::new("PUT", "/leavers/trips").bearer(&access).json(json!({"leave_date": "2029-12-01"}))).await;
    note("PUT", "/leavers/{id}", r.expect(200));
    let r = h
        .send(
            Req::new("PATCH", &format!("/leavers/{lid}"))
                .bearer(&access)
                .json(json!({"version": 2, "access_level": "privileged"})),
        )
        .await;
    note("PATCH", "/leavers/{id}", r.expect(200));
    let r = h.send(Req::new("GET", &format!("/leavers/{lid}/risk")).bearer(&access)).await;
    note("GET", "/leavers/{id}/risk", r.expect(200));
    let r = h.send(Req::new("POST", &format!("/leavers/{lid}/assess")).bearer(&access)).await;
    note("POST", "/leavers/{id}/assess", r.expect(200));
    let r = h.send(Req::new("GET", &format!("/leavers/{lid}/checklist")).bearer(&access)).await;
    note("GET", "/leavers/{id}/checklist", r.expect(200));
    let r = h
        .send(
            Req::new("PATCH", &format!("/leavers/{lid}/checklist/exit_interview"))
                .bearer(&access)
                .json(json!({"done": true})),
        )
        .await;
    note("PATCH", "/leavers/{id}/checklist/{item}", r.expect(200));
    let r = h.send(Req::new("GET", "/risk-settings").bearer(&access)).await;
    note("GET", "/risk-settings", r.expect(200));
    let r = h
        .send(
            Req::new("PUT", "/risk-settings")
                .bearer(&access)
                .json(json!({"version": 0, "weights": {"leave_reason": 30}})),
        )
        .await;
    note("PUT", "/risk-settings", r.expect(200));
    let high = json!({"first_name": "A", "surname": "Alarm", "department": "Finance", "leave_date": "2026-11-25", "reason": "dismissal", "access_level": "privileged"});
    h.send(Req::new("POST", "/leavers").bearer(&access).json(high)).await.expect(201);
    let r = h.send(Req::new("GET", "/alerts").bearer(&access)).await;
    note("GET", "/alerts", r.expect(200));
    let aid = r.json()["items"][0]["id"].as_str().unwrap().to_string();
    let r = h
        .send(
            Req::new("PATCH", &format!("/alerts/{aid}"))
                .bearer(&access)
                .json(json!({"status": "resolved", "note": "handled"})),
        )
        .await;
    note("PATCH", "/alerts/{id}", r.expect(200));
    let r = h.send(Req::new("POST", "/sweeps").bearer(&access)).await;
    note("POST", "/sweeps", r.expect(200));
    let r = h.send(Req::new("DELETE", &format!("/leavers/{lid}")).bearer(&access)).await;
    note("DELETE", "/leavers/{id}", r.expect(204));
    let size = 100;
    let r = h
        .send(
            Req::new("POST", "/documents/upload-url")
                .bearer(&access)
                .json(json!({"kind": "resume", "filename": "cv.pdf", "content_type": "application/pdf", "size": size})),
        )
        .await;
    note("POST", "/documents/upload-url", r.expect(201));
    let did = r.json()["document_id"].as_str().unwrap().to_string();
    let r = h.send(Req::new("GET", "/documents").bearer(&access)).await;
    note("GET", "/documents", r.expect(200));
    let r = h.send(Req::new("GET", &format!("/documents/{did}")).bearer(&access)).await;
    note("GET", "/documents/{id}", r.expect(200));
    // Not uploaded yet: the refusal still goes through the whole pipeline.
    let r = h.send(Req::new("GET", &format!("/documents/{did}/download")).bearer(&access)).await;
    note("GET", "/documents/{id}/download", r.expect(409));
    let r = h.send(Req::new("DELETE", &format!("/documents/{did}")).bearer(&access)).await;
    note("DELETE", "/documents/{id}", r.expect(204));
    // After the risk settings: the first department converts their list.
    let r = h.send(Req::new("POST", "/departments").bearer(&access).json(json!({"name": "RT Dept"}))).await;
    note("POST", "/departments", r.expect(201));
    let dept = r.json()["id"].as_str().unwrap().to_string();
    let r = h.send(Req::new("GET", "/departments").bearer(&access)).await;
    note("GET", "/departments", r.expect(200));
    let r = h
        .send(
            Req::new("PATCH", &format!("/departments/{dept}"))
                .bearer(&access)
                .json(json!({"version": 1, "name": "RT Two"})),
        )
        .await;
    note("PATCH", "/departments/{id}", r.expect(200));
    let r = h.send(Req::new("DELETE", &format!("/departments/{dept}")).bearer(&access)).await;
    note("DELETE", "/departments/{id}", r.expect(204));
    let r = h
        .send(
            Req::new("POST", "/employees")
                .bearer(&access)
                .json(json!({"email": tenure_tests::unique_email("rt"), "full_name": "Round Trip"})),
        )
        .await;
    note("POST", "/employees", r.expect(201));
    let person = r.json()["id"].as_str().unwrap().to_string();
    let r = h.send(Req::new("GET", "/employees").bearer(&access)).await;
    note("GET", "/employees", r.expect(200));
    let r = h.send(Req::new("GET", &format!("/employees/{person}")).bearer(&access)).await;
    note("GET", "/employees/{id}", r.expect(200));
    let r = h
        .send(
            Req::new("PATCH", &format!("/employees/{person}"))
                .bearer(&access)
                .json(json!({"version": 1, "hourly_rate": "12.50"})),
        )
        .await;
    note("PATCH", "/employees/{id}", r.expect(200));
    let r = h.send(Req::new("POST", &format!("/employees/{person}/invite")).bearer(&access)).await;
    note("POST", "/employees/{id}/invite", r.expect(200));
    let token = r.json()["token"].clone();
    // An import: pending (its apply refused: the file is not checked), then
    // checked, then applied (202; the rows are the import function's work).
    let csv = format!("email,full_name\n{},Round Trip Import\n", tenure_tests::unique_email("rti"));
    let r = h
        .send(
            Req::new("POST", "/imports")
                .bearer(&access)
                .json(json!({"kind": "employees", "filename": "rt.csv", "size": csv.len()})),
        )
        .await;
    note("POST", "/imports", r.expect(201));
    let v = r.json();
    let imp = v["import_id"].as_str().unwrap().to_string();
    let r = h.send(Req::new("GET", "/imports").bearer(&access)).await;
    note("GET", "/imports", r.expect(200));
    let r = h.send(Req::new("GET", &format!("/imports/{imp}")).bearer(&access)).await;
    note("GET", "/imports/{id}", r.expect(200));
    let (status, _) = tenure_tests::http(
        "PUT",
        v["upload"]["url"].as_str().unwrap(),
        &tenure_tests::upload_headers(&v),
        csv.as_bytes(),
    )
    .await;
    assert_eq!(status, 200);
    let event = serde_json::from_value(tenure_tests::s3_event_json(&tenure_tests::key_of(&v), csv.len())).unwrap();
    let budget = tenure_core::events::import_uploaded::Budget::until(
        std::time::Instant::now() + std::time::Duration::from_secs(60),
    );
    tenure_core::events::import_uploaded::handle(&h.app("import-uploaded"), event, budget).await.unwrap();
    let r = h.send(Req::new("POST", &format!("/imports/{imp}/apply")).bearer(&access).json(json!({}))).await;
    note("POST", "/imports/{id}/apply", r.expect(202));
    // A ticket through its routes; the SLA policy.
    let r = h.send(Req::new("GET", "/sla-policies").bearer(&access)).await;
    note("GET", "/sla-policies", r.expect(200));
    let policies = r.json()["policies"].clone();
    let r = h
        .send(Req::new("PUT", "/sla-policies").bearer(&access).json(json!({"version": 0, "policies": {
            "low": policies["low"], "medium": policies["medium"], "high": policies["high"],
            "urgent": {"first_response_minutes": 15, "resolution_minutes": 120}
        }})))
        .await;
    note("PUT", "/sla-policies", r.expect(200));
    let r = h
        .send(
            Req::new("POST", "/tickets").bearer(&access).json(
                json!({"title": "RT", "description": "Round trips", "priority": "urgent", "category": "software"}),
            ),
        )
        .await;
    note("POST", "/tickets", r.expect(201));
    let ticket = r.json()["id"].as_str().unwrap().to_string();
    let r = h.send(Req::new("GET", "/tickets").bearer(&access)).await;
    note("GET", "/tickets", r.expect(200));
    let r = h.send(Req::new("GET", &format!("/tickets/{ticket}")).bearer(&access)).await;
    note("GET", "/tickets/{id}", r.expect(200));
    let r = h
        .send(
            Req::new("PATCH", &format!("/tickets/{ticket}"))
                .bearer(&access)
                .json(json!({"version": 1, "status": "in_progress", "reason": "on it"})),
        )
        .await;
    note("PATCH", "/tickets/{id}", r.expect(200));
    let r = h
        .send(
            Req::new("POST", &format!("/tickets/{ticket}/comments"))
                .bearer(&access)
                .json(json!({"body": "RT comment"})),
        )
        .await;
    note("POST", "/tickets/{id}/comments", r.expect(201));
    let r = h.send(Req::new("GET", &format!("/tickets/{ticket}/comments")).bearer(&access)).await;
    note("GET", "/tickets/{id}/comments", r.expect(200));
    let r = h.send(Req::new("GET", &format!("/tickets/{ticket}/events")).bearer(&access)).await;
    note("GET", "/tickets/{id}/events", r.expect(200));
    // Assignment needs a technician of the company.
    let tech = h
        .send(Req::new("POST", "/auth/admin/users").bearer(&access).json(json!({"email": tenure_tests::unique_email("rt-tech"), "full_name": "Tech", "role": "technician", "password": tenure_tests::PASSWORD})))
        .await
        .json();
    let r = h
        .send(
            Req::new("POST", &format!("/tickets/{ticket}/assign"))
                .bearer(&access)
                .json(json!({"technician_id": tech["id"]})),
        )
        .await;
    note("POST", "/tickets/{id}/assign", r.expect(200));
    // A project and its tasks.
    let r = h.send(Req::new("POST", "/projects").bearer(&access).json(json!({"name": "RT"}))).await;
    note("POST", "/projects", r.expect(201));
    let project = r.json()["id"].as_str().unwrap().to_string();
    let r = h.send(Req::new("GET", "/projects").bearer(&access)).await;
    note("GET", "/projects", r.expect(200));
    let r = h.send(Req::new("GET", &format!("/projects/{project}")).bearer(&access)).await;
    note("GET", "/projects/{id}", r.expect(200));
    let r = h
        .send(
            Req::new("PUT", &format!("/projects/{project}"))
                .bearer(&access)
                .json(json!({"version": 1, "name": "RT 2"})),
        )
        .await;
    note("PUT", "/projects/{id}", r.expect(200));
    let r = h
        .send(
            Req::new("POST", &format!("/projects/{project}/tasks"))
                .bearer(&access)
                .json(json!({"title": "RT task", "assignee_id": tech["id"], "due_date": "2027-01-01"})),
        )
        .await;
    note("POST", "/projects/{id}/tasks", r.expect(201));
    let task = r.json()["id"].as_str().unwrap().to_string();
    let r = h.send(Req::new("GET", &format!("/projects/{project}/tasks")).bearer(&access)).await;
    note("GET", "/projects/{id}/tasks", r.expect(200));
    let r = h
        .send(
            Req::new("PATCH", &format!("/projects/{project}/tasks/{task}"))
                .bearer(&access)
                .json(json!({"version": 1, "status": "in_progress"})),
        )
        .await;
    note("PATCH", "/projects/{id}/tasks/{task_id}", r.expect(200));
    let r = h.send(Req::new("GET", "/tasks").bearer(&access)).await;
    note("GET", "/tasks", r.expect(200));
    let r = h
        .send(
            Req::new("POST", &format!("/projects/{project}/transfer"))
                .bearer(&access)
                .json(json!({"owner_id": tech["id"]})),
        )
        .await;
    note("POST", "/projects/{id}/transfer", r.expect(200));
    let r = h.send(Req::new("DELETE", &format!("/projects/{project}/tasks/{task}")).bearer(&access)).await;
    note("DELETE", "/projects/{id}/tasks/{task_id}", r.expect(204));
    let r = h.send(Req::new("DELETE", &format!("/projects/{project}")).bearer(&access)).await;
    note("DELETE", "/projects/{id}", r.expect(204));
    // Time: the owner records and corrects a shift of the person's, plans
    // an event of their own in a department they manage, runs payroll.
    let me_id = h.send(Req::get("/auth/me").bearer(&access)).await.json()["id"].as_str().unwrap().to_string();
    let ago = |m: i64| {
        (time::OffsetDateTime::now_utc() - time::Duration::minutes(m))
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    };
    let mut shift = String::new();
    for (action, at) in [("in", ago(120)), ("out", ago(60))] {
        let r = h
            .send(
                Req::new("POST", "/clockins")
                    .bearer(&access)
                    .json(json!({"action": action, "employee_id": person, "at": at, "reason": "round trips"})),
            )
            .await;
        note("POST", "/clockins", r.expect(201));
        shift = r.json()["id"].as_str().unwrap().to_string();
    }
    let r = h.send(Req::get("/clockins").bearer(&access).query("employee_id", &person)).await;
    note("GET", "/clockins", r.expect(200));
    let r = h.send(Req::get(&format!("/clockins/{shift}")).bearer(&access)).await;
    note("GET", "/clockins/{id}", r.expect(200));
    let r = h
        .send(
            Req::new("PATCH", &format!("/clockins/{shift}"))
                .bearer(&access)
                .json(json!({"version": 2, "out_at": ago(50), "reason": "round trips"})),
        )
        .await;
    note("PATCH", "/clockins/{id}", r.expect(200));
    let r = h
        .send(Req::new("DELETE", &format!("/clockins/{shift}")).bearer(&access).query("reason", "recorded in error"))
        .await;
    note("DELETE", "/clockins/{id}", r.expect(204));
    let r = h
        .send(Req::new("POST", "/departments").bearer(&access).json(json!({"name": "RT Time", "manager_id": me_id})))
        .await;
    let time_dept = r.expect(201).json()["id"].as_str().unwrap().to_string();
    let r = h
        .send(
            Req::new("POST", "/packages")
                .bearer(&access)
                .json(json!({"name": "RT", "price": "80.00", "duration_minutes": 60})),
        )
        .await;
    note("POST", "/packages", r.expect(201));
    let pkg = r.json()["id"].as_str().unwrap().to_string();
    let r = h.send(Req::get("/packages").bearer(&access)).await;
    note("GET", "/packages", r.expect(200));
    let r = h
        .send(
            Req::new("PATCH", &format!("/packages/{pkg}"))
                .bearer(&access)
                .json(json!({"version": 1, "price": "90.00"})),
        )
        .await;
    note("PATCH", "/packages/{id}", r.expect(200));
    let r = h
        .send(Req::new("POST", "/events").bearer(&access).json(json!({
            "name": "RT", "start": "2099-05-01T09:00:00Z", "end": "2099-05-01T10:00:00Z",
            "employee_id": me_id, "package_id": pkg, "department_id": time_dept
        })))
        .await;
    note("POST", "/events", r.expect(201));
    let ev = r.json()["id"].as_str().unwrap().to_string();
    let r = h.send(Req::get("/events").bearer(&access).query("department_id", &time_dept)).await;
    note("GET", "/events", r.expect(200));
    let r = h.send(Req::get(&format!("/events/{ev}")).bearer(&access)).await;
    note("GET", "/events/{id}", r.expect(200));
    let r = h
        .send(
            Req::new("PATCH", &format!("/events/{ev}"))
                .bearer(&access)
                .json(json!({"version": 1, "name": "RT, renamed"})),
        )
        .await;
    note("PATCH", "/events/{id}", r.expect(200));
    let r = h.send(Req::new("DELETE", &format!("/events/{ev}")).bearer(&access)).await;
    note("DELETE", "/events/{id}", r.expect(204));
    let r = h.send(Req::new("DELETE", &format!("/packages/{pkg}")).bearer(&access)).await;
    note("DELETE", "/packages/{id}", r.expect(204));
    let today = time::OffsetDateTime::now_utc().date();
    let r = h
        .send(
            Req::get("/reports/payroll")
                .bearer(&access)
                .query("from", &(today - time::Duration::days(7)).to_string())
                .query("to", &today.to_string()),
        )
        .await;
    note("GET", "/reports/payroll", r.expect(200));
    let r = h.send(Req::get("/payroll-periods").bearer(&access)).await;
    note("GET", "/payroll-periods", r.expect(200));
    let r = h.send(Req::get("/overview").bearer(&access)).await;
    note("GET", "/overview", r.expect(200));
    let r = h.send(Req::new("POST", "/payroll-periods").bearer(&access).json(json!({"to": "2020-01-31"}))).await;
    note("POST", "/payroll-periods", r.expect(201));
    // Too little history: the forecast's 422 still reads what it needs.
    let r = h.send(Req::get(&format!("/employees/{person}/cost-forecast")).bearer(&access)).await;
    note("GET", "/employees/{id}/cost-forecast", r.expect(422));
    // A hand-over (the documented exception: batches until none is left).
    let l = h
        .send(Req::new("POST", "/leavers").bearer(&access).json(
            json!({"employee_id": tech["id"], "department": "IT", "leave_date": "2099-01-01", "reason": "other"}),
        ))
        .await
        .json();
    let r = h
        .send(
            Req::new("POST", &format!("/leavers/{}/handover", l["id"].as_str().unwrap()))
                .bearer(&access)
                .json(json!({"to_user_id": person})),
        )
        .await;
    note("POST", "/leavers/{id}/handover", r.expect(200));
    let r = h
        .send(
            Req::new("POST", "/auth/invitations/accept")
                .json(json!({"token": token, "password": tenure_tests::PASSWORD})),
        )
        .await;
    note("POST", "/auth/invitations/accept", r.expect(200));
    let r = h.send(Req::new("POST", "/auth/logout").bearer(&access)).await;
    note("POST", "/auth/logout", r.expect(204));
    let admin = h.admin().await;
    let r = h.send(Req::new("POST", "/companies").bearer(&admin.access).json(json!({"name": "RT Two"}))).await;
    note("POST", "/companies", r.expect(201));
    let r = h.send(Req::new("GET", "/companies").bearer(&admin.access)).await;
    note("GET", "/companies", r.expect(200));
    for path in ["/status", "/openapi.json", "/docs", "/"] {
        let r = h.send(Req::new("GET", path)).await;
        note("GET", path, r.expect(200));
    }

    let r = h.send(Req::new("GET", "/assets/app.js")).await;
    note("GET", "/assets/{file}", r.expect(200));
    let mut table = String::from("route | DynamoDB round trips | contention retries | operations\n");
    for r in routes::all() {
        let key = format!("{} {}", r.method, r.path);
        let calls = seen.get(&key).unwrap_or_else(|| panic!("{key} was not measured"));
        // Round trips as the bar counts them (a contention retry of one's own
        // transaction is not one more), with every call listed.
        table.push_str(&format!(
            "{key} | {} | {} | {}\n",
            tenure_tests::round_trips(calls),
            tenure_tests::contention_retries(calls),
            calls.join(", ")
        ));
    }
    println!("{table}");
    if let Ok(path) = std::env::var("TENURE_ROUND_TRIPS_OUT") {
        std::fs::write(path, table).unwrap();
    }
}
