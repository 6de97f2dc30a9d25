//! The role matrix (issue 12): every route of the table, called by every
//! kind of caller, answers 401, 403 or 404 exactly where the route's access
//! and the contract say, and a refused call writes nothing (the company's
//! audit chain, which every write extends, does not move).
//!
//! A new route is in the matrix by being in the route table; the only place
//! to say more is `contract_refusal` (a refusal a handler makes beyond the
//! route's declared access) and `fill` (how to call it), and a route that
//! `fill` does not know fails the test.

use std::collections::HashMap;

use serde_json::{json, Value};
use tenure_core::config::RateLimits;
use tenure_core::domain::roles::Role;
use tenure_core::routes::{self, Access, Row};
use tenure_tests::{http, key_of, s3_event_json, upload_headers, Account, Harness, Req};

const PDF: &[u8] = include_bytes!("../fixtures/documents/sample.pdf");

/// Who calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Caller {
    Role(Role),
    /// No token.
    Anonymous,
    /// The owner of another company.
    Stranger,
}

/// What a call must get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// A public route: whatever its handler answers (a wrong password is a
    /// 401 of the handler's, not a refusal of the caller).
    Any,
    /// Anything but 401 and 403 (and never a 5xx: the harness checks).
    Allowed,
    Refused(u16),
}

/// A company with a person of every role, and one of each thing a route
/// can name.
struct Fixture {
    callers: HashMap<Caller, Account>,
    company: String,
    owner: Account,
    target_user: String,
    leaver: String,
    alert: String,
    document: String,
    department: String,
    import: String,
    ticket: String,
    project: String,
    task: String,
    /// A closed shift of `target_user`'s, recorded by the owner.
    shift: String,
    /// A department the manager manages, a package, and an event of the
    /// manager's in that department.
    time_department: String,
    package: String,
    event: String,
}

async fn fixture(h: &Harness) -> Fixture {
    let owner = h.signup().await;
    let mut callers = HashMap::new();
    for role in [Role::Hr, Role::Security, Role::Manager, Role::Technician, Role::Employee] {
        callers.insert(Caller::Role(role), h.add_user(&owner, role.as_str()).await);
    }
    callers.insert(Caller::Role(Role::Owner), owner.clone());
    callers.insert(Caller::Role(Role::Admin), h.admin().await);
    callers.insert(Caller::Stranger, h.signup().await);
    let target_user = h.add_user(&owner, "employee").await.user_id;
    // A leaver who raises an alert at once.
    let l = h
        .send(Req::new("POST", "/leavers").bearer(&owner.access).json(json!({
            "first_name": "Mat", "surname": "Rix", "department": "Finance", "reason": "dismissal",
            "access_level": "privileged", "leave_date": days_from_today(5)
        })))
        .await
        .json();
    let leaver = l["id"].as_str().expect("a leaver").to_string();
    let alerts = h.send(Req::get("/alerts").bearer(&owner.access).query("leaver_id", &leaver)).await.json();
    let alert = alerts["items"][0]["id"].as_str().expect("an alert").to_string();
    // An available document of the owner's.
    let document = upload(h, &owner).await;
    let d = h.send(Req::new("POST", "/departments").bearer(&owner.access).json(json!({"name": "Matrix"}))).await.json();
    let department = d["id"].as_str().expect("a department").to_string();
    let import = checked_import(h, &owner).await;
    // A ticket the owner raised (unassigned: in the technicians' queue).
    let t = h
        .send(Req::new("POST", "/tickets").bearer(&owner.access).json(json!({
            "title": "Matrix", "description": "A ticket for the matrix", "priority": "low", "category": "other"
        })))
        .await
        .json();
    let ticket = t["id"].as_str().expect("a ticket").to_string();
    // A project of the owner's, with a task.
    let p = h.send(Req::new("POST", "/projects").bearer(&owner.access).json(json!({"name": "Matrix"}))).await.json();
    let project = p["id"].as_str().expect("a project").to_string();
    let tk = h
        .send(
            Req::new("POST", &format!("/projects/{project}/tasks"))
                .bearer(&owner.access)
                .json(json!({"title": "Matrix"})),
        )
        .await
        .json();
    let task = tk["id"].as_str().expect("a task").to_string();
    // Time: a closed shift of the target person's, recorded by the owner.
    let ago = |minutes: i64| {
        (time::OffsetDateTime::now_utc() - time::Duration::minutes(minutes))
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    };
    let mut shift = String::new();
    for (action, at) in [("in", ago(180)), ("out", ago(120))] {
        let r = h
            .send(Req::new("POST", "/clockins").bearer(&owner.access).json(json!({
                "action": action, "employee_id": target_user, "at": at, "reason": "matrix"
            })))
            .await;
        shift = r.json()["id"].as_str().expect("a shift").to_string();
    }
    let manager = callers[&Caller::Role(Role::Manager)].user_id.clone();
    let td = h
        .send(
            Req::new("POST", "/departments")
                .bearer(&owner.access)
                .json(json!({"name": "Matrix time", "manager_id": manager})),
        )
        .await
        .json();
    let time_department = td["id"].as_str().expect("a department").to_string();
    let pk = h
        .send(
            Req::new("POST", "/packages")
                .bearer(&owner.access)
                .json(json!({"name": "Matrix", "price": "50.00", "duration_minutes": 60})),
        )
        .await
        .json();
    let package = pk["id"].as_str().expect("a package").to_string();
    let ev = h
        .send(Req::new("POST", "/events").bearer(&owner.access).json(json!({
            "name": "Matrix", "start": "2099-03-01T09:00:00Z", "end": "2099-03-01T10:00:00Z",
            "employee_id": manager, "package_id": package, "department_id": time_department
        })))
        .await
        .json();
    let event = ev["id"].as_str().expect("an event").to_string();
    Fixture {
        company: owner.company_id.clone(),
        owner,
        callers,
        target_user,
        leaver,
        alert,
        document,
        department,
        import,
        ticket,
        project,
        task,
        shift,
        time_department,
        package,
        event,
    }
}

/// A validated import of one person; its id.
async fn checked_import(h: &Harness, by: &Account) -> String {
    let csv = format!("email,full_name\n{},Matrix Person\n", tenure_tests::unique_email("imp"));
    let v = h
        .send(Req::new("POST", "/imports").bearer(&by.access).json(json!({
            "kind": "employees", "filename": "people.csv", "size": csv.len()
        })))
        .await
        .json();
    let (status, _) = http("PUT", v["upload"]["url"].as_str().unwrap(), &upload_headers(&v), csv.as_bytes()).await;
    assert_eq!(status, 200);
    let event = serde_json::from_value(s3_event_json(&key_of(&v), csv.len())).unwrap();
    let budget = tenure_core::events::import_uploaded::Budget::until(
        std::time::Instant::now() + std::time::Duration::from_secs(60),
    );
    tenure_core::events::import_uploaded::handle(&h.app("import-uploaded"), event, budget).await.unwrap();
    v["import_id"].as_str().unwrap().to_string()
}

fn days_from_today(days: i64) -> String {
    let d = time::OffsetDateTime::now_utc().date() + time::Duration::days(days);
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// An available PDF of `by`'s own; its id.
async fn upload(h: &Harness, by: &Account) -> String {
    let v = h
        .send(Req::new("POST", "/documents/upload-url").bearer(&by.access).json(json!({
            "kind": "resume", "filename": "cv.pdf", "content_type": "application/pdf", "size": PDF.len()
        })))
        .await
        .json();
    let (status, _) = http("PUT", v["upload"]["url"].as_str().unwrap(), &upload_headers(&v), PDF).await;
    assert_eq!(status, 200);
    let event = serde_json::from_value(s3_event_json(&key_of(&v), PDF.len())).unwrap();
    tenure_core::events::document_uploaded::handle(&h.app("document-uploaded"), event).await.unwrap();
    v["document_id"].as_str().unwrap().to_string()
}

/// The request that calls `route` on the fixture's things, with a body an
/// allowed caller would send. Panics on a route it does not know, so a new
/// route cannot slip past the matrix.
fn fill(route: &Row, f: &Fixture) -> Req {
    let path = route
        .path
        .replace("{file}", "app.js")
        .replace("{item}", "exit_interview")
        .replace("{task_id}", &f.task)
        .replace(
            "{id}",
            match route.path {
                p if p.starts_with("/auth/admin/users/") => &f.target_user,
                p if p.starts_with("/companies/") => &f.company,
                p if p.starts_with("/leavers/") => &f.leaver,
                p if p.starts_with("/alerts/") => &f.alert,
                p if p.starts_with("/documents/") => &f.document,
                p if p.starts_with("/departments/") => &f.department,
                p if p.starts_with("/employees/") => &f.target_user,
                p if p.starts_with("/imports/") => &f.import,
                p if p.starts_with("/tickets/") => &f.ticket,
                p if p.starts_with("/projects/") => &f.project,
                p if p.starts_with("/clockins/") => &f.shift,
                p if p.starts_with("/packages/") => &f.package,
                p if p.starts_with("/events/") => &f.event,
                p if !p.contains("{id}") => "",
                p => panic!("the role matrix does not know how to fill {p}: add it to fill()"),
            },
        );
    let body: Option<Value> = match (route.method, route.path) {
        (_, _) if route.request.is_none() => None,
        ("POST", "/auth/signup") => Some(
            json!({"email": tenure_tests::unique_email("m"), "password": tenure_tests::PASSWORD, "full_name": "M", "company_name": "M"}),
        ),
        // Not the fixture's people: nine wrong passwords would lock them out.
        ("POST", "/auth/login") => {
            Some(json!({"email": tenure_tests::unique_email("nobody"), "password": "wrong password!!"}))
        }
        ("POST", "/auth/refresh") => Some(json!({"refresh_token": "rt1.x"})),
        ("POST", "/auth/invitations/accept") => Some(json!({"token": "inv1.x", "password": tenure_tests::PASSWORD})),
        ("POST", "/auth/logout") => Some(json!({})),
        ("POST", "/auth/admin/users") => Some(
            json!({"email": tenure_tests::unique_email("m"), "full_name": "M", "role": "employee", "password": tenure_tests::PASSWORD}),
        ),
        ("PATCH", "/auth/admin/users/{id}/role") => Some(json!({"role": "manager"})),
        ("PATCH", "/auth/admin/users/{id}/status") => Some(json!({"active": false})),
        ("POST", "/companies") => Some(json!({"name": "Matrix Ltd"})),
        ("POST", "/employees") => Some(json!({"email": tenure_tests::unique_email("m"), "full_name": "M"})),
        ("PATCH", "/employees/{id}") => Some(json!({"version": 1, "job_title": "Matrix"})),
        ("POST", "/departments") => Some(json!({"name": format!("Dept {}", tenure_tests::unique_email("d"))})),
        ("PATCH", "/departments/{id}") => Some(json!({"version": 1, "sensitive": true})),
        ("PATCH", "/companies/{id}") => Some(json!({"version": 1, "time_zone": "Europe/Berlin"})),
        ("POST", "/leavers") => Some(
            json!({"first_name": "A", "surname": "B", "department": "Ops", "leave_date": days_from_today(40), "reason": "retirement"}),
        ),
        ("PUT", "/leavers/{id}") => Some(json!({"leave_date": days_from_today(6)})),
        ("PATCH", "/leavers/{id}") => Some(json!({"notes": "matrix", "version": 1})),
        ("PATCH", "/leavers/{id}/checklist/{item}") => Some(json!({"done": true})),
        ("PUT", "/risk-settings") => Some(json!({"version": 0})),
        ("PATCH", "/alerts/{id}") => Some(json!({"status": "acknowledged", "note": "matrix"})),
        ("POST", "/documents/upload-url") => {
            Some(json!({"kind": "resume", "filename": "cv.pdf", "content_type": "application/pdf", "size": 10}))
        }
        ("POST", "/imports") => Some(json!({"kind": "employees", "filename": "people.csv", "size": 10})),
        ("POST", "/imports/{id}/apply") => Some(json!({})),
        ("POST", "/leavers/{id}/handover") => {
            Some(json!({"to_user_id": f.callers[&Caller::Role(Role::Manager)].user_id}))
        }
        ("POST", "/projects") => Some(json!({"name": "M"})),
        ("PUT", "/projects/{id}") => Some(json!({"version": 1, "name": "Matrix, renamed"})),
        ("POST", "/projects/{id}/transfer") => {
            Some(json!({"owner_id": f.callers[&Caller::Role(Role::Manager)].user_id}))
        }
        ("POST", "/projects/{id}/tasks") => Some(json!({"title": "M"})),
        ("PATCH", "/projects/{id}/tasks/{task_id}") => Some(json!({"version": 1, "status": "in_progress"})),
        ("POST", "/tickets") => Some(json!({"title": "M", "description": "M", "priority": "low", "category": "other"})),
        ("PATCH", "/tickets/{id}") => Some(json!({"version": 1, "title": "Matrix, edited"})),
        ("POST", "/tickets/{id}/assign") => {
            Some(json!({"technician_id": f.callers[&Caller::Role(Role::Technician)].user_id}))
        }
        ("POST", "/tickets/{id}/comments") => Some(json!({"body": "matrix"})),
        ("PUT", "/sla-policies") => Some(json!({"version": 0, "policies": {
            "low": {"first_response_minutes": 480, "resolution_minutes": 4800},
            "medium": {"first_response_minutes": 240, "resolution_minutes": 2400},
            "high": {"first_response_minutes": 60, "resolution_minutes": 960},
            "urgent": {"first_response_minutes": 20, "resolution_minutes": 200}
        }})),
        ("POST", "/clockins") => Some(json!({"action": "in"})),
        ("PATCH", "/clockins/{id}") => Some(
            json!({"version": 2, "out_at": (time::OffsetDateTime::now_utc() - time::Duration::minutes(90)).format(&time::format_description::well_known::Rfc3339).unwrap(), "reason": "matrix"}),
        ),
        ("POST", "/packages") => Some(json!({"name": "M", "price": "10.00", "duration_minutes": 30})),
        ("PATCH", "/packages/{id}") => Some(json!({"version": 1, "name": "Matrix, renamed"})),
        ("POST", "/events") => Some(json!({
            "name": "M", "start": "2099-04-01T09:00:00Z", "end": "2099-04-01T10:00:00Z",
            "employee_id": f.callers[&Caller::Role(Role::Manager)].user_id, "package_id": f.package, "department_id": f.time_department
        })),
        ("PATCH", "/events/{id}") => Some(json!({"version": 1, "name": "Matrix, renamed"})),
        ("POST", "/payroll-periods") => Some(json!({"to": "2020-01-31"})),
        (m, p) => panic!("the role matrix has no body for {m} {p}: add one to fill()"),
    };
    let mut req = Req::new(route.method, &path);
    if (route.method, route.path) == ("DELETE", "/clockins/{id}") {
        req = req.query("reason", "matrix");
    }
    if route.path == "/reports/payroll" {
        req = req
            .query("from", &days_from_today(-7))
            .query("to", &days_from_today(0))
            .query("department_id", &f.time_department);
    }
    if let Some(b) = body {
        req = req.json(b);
    }
    req
}

/// A refusal the contract asks of a handler beyond the route's declared
/// access: documents are the employee's own, and HR's, owners' and admins'.
fn contract_refusal(route: &Row, caller: Caller) -> Option<u16> {
    let handles_anyones = matches!(caller, Caller::Role(Role::Hr | Role::Owner | Role::Admin));
    match (route.method, route.path) {
        // Another person's document is not visible: 404.
        ("GET" | "DELETE", "/documents/{id}") | ("GET", "/documents/{id}/download") if !handles_anyones => Some(404),
        // Another person's project: its owner, the company's owner and admins only.
        (_, p) if p.starts_with("/projects/{id}") && !matches!(caller, Caller::Role(Role::Owner | Role::Admin)) => {
            Some(404)
        }
        // Another person's shift: owner, HR and admins (and the manager of
        // its department: it has none).
        (_, "/clockins/{id}") if !handles_anyones => Some(404),
        // An event: its person (the manager), its department's manager,
        // owner, HR and admins.
        (_, "/events/{id}")
            if !matches!(caller, Caller::Role(Role::Hr | Role::Owner | Role::Admin | Role::Manager)) =>
        {
            Some(404)
        }
        // A person's cost forecast: a manager only for their departments
        // (the target person has none).
        ("GET", "/employees/{id}/cost-forecast") if caller == Caller::Role(Role::Manager) => Some(404),
        // A ticket someone else raised is visible to agents only: 404.
        (_, p)
            if p.starts_with("/tickets/{id}")
                && !matches!(caller, Caller::Role(Role::Technician | Role::Owner | Role::Admin)) =>
        {
            Some(404)
        }
        _ => None,
    }
}

/// What `caller` must get from `route`, from its declared access and the
/// contract: no token is 401, a role not listed 403, another company's
/// things 404.
fn expected(route: &Row, caller: Caller) -> Expect {
    if route.access == Access::Public {
        return Expect::Any;
    }
    let role = match caller {
        Caller::Anonymous => return Expect::Refused(401),
        Caller::Stranger => Role::Owner,
        Caller::Role(r) => r,
    };
    if let Access::Roles(roles) = route.access {
        if !roles.contains(&role) {
            return Expect::Refused(403);
        }
    }
    if caller == Caller::Stranger && route.path.contains("{id}") {
        return Expect::Refused(404);
    }
    match contract_refusal(route, caller) {
        Some(status) => Expect::Refused(status),
        None => Expect::Allowed,
    }
}

/// Whether the newest event of the fixture company's chain records the call
/// that answered `got`: its request id, its caller and the caller's IP.
async fn audited(h: &Harness, f: &Fixture, got: &tenure_tests::Resp, by: Option<&Account>) -> Result<(), String> {
    let request_id = got.header("x-request-id").unwrap_or_default();
    let log = h.send(Req::get("/audit").bearer(&f.owner.access).query("limit", "20")).await.json();
    let events = log["items"].as_array().cloned().unwrap_or_default();
    let mine: Vec<&Value> = events.iter().filter(|e| e["request_id"] == request_id).collect();
    let Some(e) = mine.first() else {
        return Err(format!("answered {} but wrote no audit event", got.status));
    };
    let actor = by.map(|a| a.user_id.as_str()).unwrap_or("anonymous");
    if e["actor"] != actor || e["source_ip"] != h.ip.as_str() {
        return Err(format!("audit event {e} does not name the caller {actor} and IP {}", h.ip));
    }
    Ok(())
}

/// The fixture company's audit-chain head, as its owner verifies it.
async fn head(h: &Harness, f: &Fixture) -> u64 {
    let v = h.send(Req::get("/audit/verify").bearer(&f.owner.access)).await.json();
    v["head_seq"].as_u64().expect("head_seq")
}

#[tokio::test]
async fn every_route_refuses_exactly_the_callers_the_contract_refuses_and_a_refusal_writes_nothing() {
    let wide = RateLimits { per_minute: 100_000, heavy_per_minute: 100_000, ip_per_minute: 100_000 };
    let h = Harness::with_limits(wide).await;
    let f = fixture(&h).await;
    let mut callers: Vec<Caller> =
        [Role::Admin, Role::Owner, Role::Hr, Role::Security, Role::Manager, Role::Technician, Role::Employee]
            .into_iter()
            .map(Caller::Role)
            .collect();
    callers.extend([Caller::Stranger, Caller::Anonymous]);
    let mut wrong = Vec::new();
    let mut calls = 0;
    for route in routes::all() {
        // The refused callers first: the chain must not move under them.
        let before = head(&h, &f).await;
        let mut first_write_seen = false;
        for pass in [false, true] {
            for caller in &callers {
                let want = expected(&route, *caller);
                if matches!(want, Expect::Allowed | Expect::Any) != pass {
                    continue;
                }
                // Ending a session is allowed: give it one of its own.
                let account = match (caller, route.path) {
                    (Caller::Role(_) | Caller::Stranger, "/auth/logout") => {
                        let a = &f.callers[caller];
                        Some(h.login(&a.email, &a.password).await)
                    }
                    (Caller::Anonymous, _) => None,
                    _ => Some(f.callers[caller].clone()),
                };
                // A platform admin works in the fixture company by naming it.
                let mut req = fill(&route, &f);
                if *caller == Caller::Role(Role::Admin) {
                    req = req.query("company_id", &f.company);
                }
                if let Some(a) = &account {
                    req = req.bearer(&a.access);
                }
                let described = req.describe();
                let got = h.send(req).await;
                calls += 1;
                let ok = match want {
                    Expect::Refused(status) => got.status == status,
                    Expect::Allowed => got.status != 401 && got.status != 403,
                    Expect::Any => true,
                };
                if !ok {
                    wrong.push(format!("{caller:?}: {described} answered {}, expected {want:?}", got.status));
                }
                // A write that succeeded in the fixture company is the newest
                // event of its chain, with who, from where and which request.
                // (Only the first success: later ones may change nothing, as a
                // second identical role change does. A platform admin's logout
                // is audited in the platform's chain, and a new company in its
                // own.)
                let in_fixture = matches!(caller, Caller::Role(_))
                    && route.access != Access::Public
                    && !(*caller == Caller::Role(Role::Admin) && route.path == "/auth/logout")
                    && route.path != "/companies";
                if in_fixture && route.method != "GET" && (200..300).contains(&got.status) && !first_write_seen {
                    first_write_seen = true;
                    if let Err(e) = audited(&h, &f, &got, account.as_ref()).await {
                        wrong.push(format!("{caller:?}: {described}: {e}"));
                    }
                }
            }
            if !pass {
                let after = head(&h, &f).await;
                if after != before {
                    wrong.push(format!(
                        "{} {}: refused calls moved the audit chain {before} -> {after}",
                        route.method, route.path
                    ));
                }
            }
        }
    }
    assert!(calls > 300, "the matrix made only {calls} calls");
    // And the chain those writes made still verifies.
    let v = h.send(Req::get("/audit/verify").bearer(&f.owner.access)).await.json();
    assert_eq!(v["valid"], true, "{v}");
    assert!(wrong.is_empty(), "{} wrong answers:\n{}", wrong.len(), wrong.join("\n"));
}
