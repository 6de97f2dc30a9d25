//! The overview (issue 17): each role's first screen from counters kept in
//! the same transactions as the changes, checked against the lists their
//! links name; the first-run steps ticking themselves; what each role may
//! not see; and bad input.

use serde_json::{json, Value};
use tenure_tests::{Account, Harness, Req};
use time::{Duration, OffsetDateTime};

fn days_from_today(days: i64) -> String {
    (OffsetDateTime::now_utc().date() + Duration::days(days)).to_string()
}

async fn overview(h: &Harness, by: &Account) -> Value {
    let r = h.send(Req::get("/overview").bearer(&by.access)).await;
    r.expect(200);
    r.json()
}

fn card<'a>(o: &'a Value, id: &str) -> &'a Value {
    o["cards"].as_array().unwrap().iter().find(|c| c["id"] == id).unwrap_or_else(|| panic!("no card {id}: {o}"))
}

fn figure<'a>(o: &'a Value, card_id: &str, id: &str) -> &'a Value {
    card(o, card_id)["figures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id)
        .unwrap_or_else(|| panic!("no figure {card_id}.{id}: {o}"))
}

fn value(o: &Value, card_id: &str, id: &str) -> i64 {
    figure(o, card_id, id)["value"].as_i64().unwrap()
}

fn card_ids(o: &Value) -> Vec<String> {
    o["cards"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_string()).collect()
}

/// How many items the list a figure links to holds (every page).
async fn count_linked(h: &Harness, by: &Account, link: &str) -> i64 {
    let (path, query) = link.split_once('?').unwrap_or((link, ""));
    let mut n = 0;
    let mut cursor: Option<String> = None;
    loop {
        let mut req = Req::get(path).bearer(&by.access).query("limit", "100");
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap();
            req = req.query(k, v);
        }
        if let Some(c) = &cursor {
            req = req.query("cursor", c);
        }
        let r = h.send(req).await;
        r.expect(200);
        let page = r.json();
        n += page["items"].as_array().unwrap().len() as i64;
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return n,
        }
    }
}

/// Each figure whose link names exactly what it counts holds as many as
/// that list.
async fn figures_match_their_lists(h: &Harness, by: &Account, o: &Value, exact: &[(&str, &str)]) {
    for (c, f) in exact {
        let fig = figure(o, c, f);
        let link = fig["link"].as_str().unwrap_or_else(|| panic!("{c}.{f} links nowhere"));
        let listed = count_linked(h, by, link).await;
        assert_eq!(fig["value"].as_i64().unwrap(), listed, "{c}.{f} vs {link}");
    }
}

async fn register(h: &Harness, by: &Account, body: Value) -> Value {
    let r = h.send(Req::new("POST", "/leavers").bearer(&by.access).json(body)).await;
    r.expect(201);
    r.json()
}

fn leaver(surname: &str, days: i64, high: bool) -> Value {
    if high {
        json!({"first_name": "Hi", "surname": surname, "department": "Finance", "leave_date": days_from_today(days), "reason": "dismissal", "access_level": "privileged"})
    } else {
        json!({"first_name": "Lo", "surname": surname, "department": "Sales", "leave_date": days_from_today(days), "reason": "resignation", "access_level": "standard"})
    }
}

#[tokio::test]
async fn a_new_company_is_guided_through_its_first_steps_each_ticking_itself() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let first = overview(&h, &o).await;
    assert_eq!(first["role"], "owner");
    let fr = &first["first_run"];
    assert_eq!((fr["done"].as_u64(), fr["total"].as_u64()), (Some(0), Some(6)), "{fr}");
    let done = |o: &Value, step: &str| -> bool {
        o["first_run"]["steps"].as_array().unwrap().iter().find(|s| s["id"] == step).unwrap()["done"].as_bool().unwrap()
    };
    // The calendar.
    let c = h.send(Req::get(&format!("/companies/{}", o.company_id)).bearer(&o.access)).await.json();
    h.send(
        Req::new("PATCH", &format!("/companies/{}", o.company_id))
            .bearer(&o.access)
            .json(json!({"version": c["version"], "time_zone": "Europe/Berlin"})),
    )
    .await
    .expect(200);
    let now = overview(&h, &o).await;
    assert!(done(&now, "calendar") && !done(&now, "departments"), "{now}");
    // Departments, one of them sensitive.
    h.send(Req::new("POST", "/departments").bearer(&o.access).json(json!({"name": "Sales"}))).await.expect(201);
    // The first department also turns the risk settings' default sensitive
    // departments into departments marked sensitive.
    let now = overview(&h, &o).await;
    assert!(done(&now, "departments") && done(&now, "sensitive"), "{now}");
    // People, HR and security.
    let hr = h.add_user(&o, "hr").await;
    let now = overview(&h, &o).await;
    assert!(done(&now, "people") && !done(&now, "invite"), "HR alone is not both: {now}");
    h.add_user(&o, "security").await;
    assert!(done(&overview(&h, &o).await, "invite"));
    // HR sees the same checklist; the last step is the first leaver.
    assert_eq!(overview(&h, &hr).await["first_run"]["done"], 5);
    register(&h, &hr, leaver("First", 30, false)).await;
    let end = overview(&h, &o).await;
    assert_eq!(end["first_run"], Value::Null, "every step done: the checklist goes: {end}");
    assert_eq!(value(&end, "leave_dates", "next_90_days"), 1);
}

#[tokio::test]
async fn security_and_hr_figures_are_what_their_lists_hold_as_leavers_alerts_and_tickets_change() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let sec = h.add_user(&o, "security").await;
    let hr = h.add_user(&o, "hr").await;
    let person = h.add_user(&o, "employee").await;
    let critical = register(&h, &hr, leaver("Crit", 3, true)).await;
    assert_eq!(critical["risk"]["level"], "critical");
    register(&h, &hr, leaver("Later", 40, true)).await;
    let low = register(&h, &hr, leaver("Low", 20, false)).await;
    // A linked leaver: their offboarding ticket opens in the queue.
    let linked = register(
        &h,
        &hr,
        json!({"first_name": "Lin", "surname": "Ked", "employee_id": person.user_id, "department": "Finance",
               "leave_date": days_from_today(5), "reason": "dismissal", "access_level": "privileged"}),
    )
    .await;
    // One leaver in the past with its checklist open.
    register(&h, &hr, leaver("Gone", -3, false)).await;

    let exact = [
        ("risk", "critical"),
        ("risk", "high"),
        ("risk", "medium"),
        ("risk", "low"),
        ("risk", "critical_soon"),
        ("alerts", "critical"),
        ("alerts", "high"),
        ("leave_dates", "next_90_days"),
        ("offboarding", "breached"),
        ("offboarding", "at_risk"),
    ];
    let s = overview(&h, &sec).await;
    figures_match_their_lists(&h, &sec, &s, &exact).await;
    assert_eq!(value(&s, "risk", "critical_soon"), 2, "Crit (3 days) and Ked (5); Later is 40 days out: {s}");
    let active: i64 = ["critical", "high", "medium", "low", "unscored"].iter().map(|l| value(&s, "risk", l)).sum();
    assert_eq!(active, 5);
    assert!(value(&s, "alerts", "critical") >= 1, "{s}");
    let hr_view = overview(&h, &hr).await;
    figures_match_their_lists(&h, &hr, &hr_view, &[("leavers", "this_month"), ("leavers", "next_month")]).await;
    let items = tenure_core::domain::leavers::CHECKLIST.len() as i64; // all open
    assert_eq!(value(&hr_view, "checklists", "overdue"), items, "the past leaver's whole checklist: {hr_view}");
    let o_view = overview(&h, &o).await;
    // The leavers' offboarding tickets wait unassigned, none late yet.
    figures_match_their_lists(&h, &o, &o_view, &[("queue", "ok"), ("queue", "open")]).await;
    assert!(value(&o_view, "queue", "ok") >= 1, "{o_view}");

    // Changes move the figures: a deleted leaver, a resolved alert, a
    // ticked checklist item.
    let low_id = low["id"].as_str().unwrap();
    h.send(Req::new("DELETE", &format!("/leavers/{low_id}")).bearer(&hr.access)).await.expect(204);
    let alerts =
        h.send(Req::get("/alerts").bearer(&sec.access).query("leaver_id", critical["id"].as_str().unwrap())).await;
    let aid = alerts.json()["items"][0]["id"].as_str().unwrap().to_string();
    h.send(
        Req::new("PATCH", &format!("/alerts/{aid}"))
            .bearer(&sec.access)
            .json(json!({"status": "resolved", "note": "handled"})),
    )
    .await
    .expect(200);
    let after = overview(&h, &sec).await;
    figures_match_their_lists(&h, &sec, &after, &exact).await;
    let active_after: i64 =
        ["critical", "high", "medium", "low", "unscored"].iter().map(|l| value(&after, "risk", l)).sum();
    assert_eq!(active_after, 4);
    assert_eq!(value(&after, "alerts", "critical"), value(&s, "alerts", "critical") - 1);
    let _ = linked;
}

#[tokio::test]
async fn a_technician_sees_tickets_and_no_names_and_an_employee_only_their_own_things() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let tech = h.add_user(&o, "technician").await;
    let emp = h.add_user(&o, "employee").await;
    let other = h.add_user(&o, "employee").await;
    register(&h, &o, leaver("Secretname", 10, true)).await;
    let raise = |by: &Account| {
        Req::new("POST", "/tickets").bearer(&by.access).json(json!({
            "title": "Laptop", "description": "Broken.", "priority": "medium", "category": "hardware"
        }))
    };
    let t1 = h.send(raise(&emp)).await.json();
    h.send(raise(&emp)).await.expect(201);
    h.send(raise(&other)).await.expect(201);
    h.send(
        Req::new("POST", &format!("/tickets/{}/assign", t1["id"].as_str().unwrap()))
            .bearer(&tech.access)
            .json(json!({"technician_id": tech.user_id})),
    )
    .await
    .expect(200);

    // The offboarding filter lists the leaver's ticket and none raised.
    assert_eq!(count_linked(&h, &o, "/tickets?offboarding=true").await, 1);
    h.send(Req::get("/tickets").bearer(&o.access).query("offboarding", "1"))
        .await
        .expect_problem(400, Some("offboarding"));
    let t = overview(&h, &tech).await;
    assert_eq!(card_ids(&t), ["me", "my_tickets", "queue"]);
    assert!(!t.to_string().contains("Secretname"), "no leaver's name reaches a technician");
    assert_eq!(t["first_run"], Value::Null);
    figures_match_their_lists(&h, &tech, &t, &[("my_tickets", "ok"), ("queue", "open")]).await;
    assert_eq!(value(&t, "my_tickets", "ok"), 1);
    assert_eq!(value(&t, "queue", "ok"), 3, "two raised, and the leaver's offboarding ticket");

    let e = overview(&h, &emp).await;
    assert_eq!(card_ids(&e), ["me"], "{e}");
    assert_eq!(value(&e, "me", "tickets"), 2, "the two they raised");
    assert_eq!(value(&e, "me", "shift"), 0);
    assert!(!e.to_string().contains("Secretname"));
    assert_eq!(value(&overview(&h, &other).await, "me", "tickets"), 1);
    // Clocked in: the shift shows with its start.
    h.send(Req::new("POST", "/clockins").bearer(&emp.access).json(json!({"action": "in"}))).await.expect(201);
    let e = overview(&h, &emp).await;
    assert_eq!(value(&e, "me", "shift"), 1);
    assert!(figure(&e, "me", "shift")["detail"].is_string());
    // A resolved ticket leaves the counts.
    let path = format!("/tickets/{}", t1["id"].as_str().unwrap());
    for status in ["in_progress", "resolved"] {
        let version = h.send(Req::get(&path).bearer(&tech.access)).await.json()["version"].clone();
        h.send(Req::new("PATCH", &path).bearer(&tech.access).json(json!({"status": status, "version": version})))
            .await
            .expect(200);
    }
    assert_eq!(value(&overview(&h, &tech).await, "my_tickets", "ok"), 0);
    assert_eq!(value(&overview(&h, &emp).await, "me", "tickets"), 1);
}

#[tokio::test]
async fn a_manager_sees_their_departments_week_and_names_only_departments_they_manage() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let boss = h.add_user(&o, "manager").await;
    let p = h.add_user(&o, "employee").await;
    let r = h
        .send(
            Req::new("POST", "/departments").bearer(&o.access).json(json!({"name": "Ops", "manager_id": boss.user_id})),
        )
        .await;
    r.expect(201);
    let ops = r.json()["id"].as_str().unwrap().to_string();
    let other = h.send(Req::new("POST", "/departments").bearer(&o.access).json(json!({"name": "Else"}))).await.json()
        ["id"]
        .as_str()
        .unwrap()
        .to_string();
    let v = h.send(Req::get(&format!("/employees/{}", p.user_id)).bearer(&o.access)).await.json()["version"].clone();
    h.send(
        Req::new("PATCH", &format!("/employees/{}", p.user_id))
            .bearer(&o.access)
            .json(json!({"version": v, "department_id": ops, "hourly_rate": "20.00"})),
    )
    .await
    .expect(200);
    // A 90-minute shift that ended a minute ago; only its part in this
    // (UTC) week counts.
    let now = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
    let (start, end) = (now - Duration::minutes(91), now - Duration::minutes(1));
    let iso = |t: OffsetDateTime| t.format(&time::format_description::well_known::Rfc3339).unwrap();
    for (action, at) in [("in", start), ("out", end)] {
        h.send(
            Req::new("POST", "/clockins")
                .bearer(&boss.access)
                .json(json!({"action": action, "employee_id": p.user_id, "at": iso(at), "reason": "paper timesheet"})),
        )
        .await
        .expect(201);
    }
    let monday = (now.date() - Duration::days(i64::from(now.weekday().number_days_from_monday())))
        .with_hms(0, 0, 0)
        .unwrap()
        .assume_utc();
    let seconds = (end - start.max(monday)).whole_seconds().max(0);
    // An event this week (Monday 10:00) and one next week.
    let pkg = h
        .send(
            Req::new("POST", "/packages")
                .bearer(&boss.access)
                .json(json!({"name": "Gig", "price": "10", "duration_minutes": 60})),
        )
        .await
        .json();
    for start in [monday + Duration::hours(10), monday + Duration::days(7) + Duration::hours(10)] {
        h.send(Req::new("POST", "/events").bearer(&boss.access).json(json!({
            "name": "Visit", "start": iso(start), "end": iso(start + Duration::hours(1)),
            "employee_id": p.user_id, "package_id": pkg["id"], "department_id": ops
        })))
        .await
        .expect(201);
    }

    let m = overview(&h, &boss).await;
    assert_eq!(card_ids(&m), ["me", "department"], "{m}");
    assert_eq!(card(&m, "department")["title"], "Ops this week");
    assert_eq!(value(&m, "department", "hours"), (seconds * 100 + 1800) / 3600, "{m}");
    assert_eq!(value(&m, "department", "overtime"), 0);
    assert_eq!(value(&m, "department", "people"), i64::from(seconds > 0));
    assert_eq!(value(&m, "department", "events"), 1, "next week's event is not this week's: {m}");
    assert_eq!(figure(&m, "department", "hours")["unit"], "hours");
    // Its calls: the session batch, the rate limit, one query.
    let r = h.send(Req::get("/overview").bearer(&boss.access)).await;
    assert_eq!(r.calls, ["BatchGetItem", "UpdateItem", "Query"]);
    // Naming a department: only one they manage, and a real id.
    h.send(Req::get("/overview").bearer(&boss.access).query("department_id", &ops)).await.expect(200);
    h.send(Req::get("/overview").bearer(&boss.access).query("department_id", &other))
        .await
        .expect_problem(400, Some("department_id"));
    h.send(Req::get("/overview").bearer(&boss.access).query("department_id", "nonsense"))
        .await
        .expect_problem(400, Some("department_id"));
    // The employee sees none of it, even named a department's manager:
    // only managers by role see a department's week, as on its time routes.
    h.send(Req::new("POST", "/departments").bearer(&o.access).json(json!({"name": "Side", "manager_id": p.user_id})))
        .await
        .expect(201);
    assert_eq!(card_ids(&overview(&h, &p).await), ["me"]);
    // Signed out: no overview.
    h.send(Req::get("/overview")).await.expect_problem(401, None);
}

#[tokio::test]
async fn another_companys_changes_never_move_this_companys_figures() {
    let h = Harness::new().await;
    let a = h.signup().await;
    let b = h.signup().await;
    let before = overview(&h, &a).await;
    register(&h, &b, leaver("Elsewhere", 5, true)).await;
    h.send(Req::new("POST", "/departments").bearer(&b.access).json(json!({"name": "B's"}))).await.expect(201);
    let after = overview(&h, &a).await;
    assert_eq!(before["cards"], after["cards"]);
    assert_eq!(before["first_run"], after["first_run"]);
}

fn s3_event(key: &str, size: usize) -> aws_lambda_events::s3::S3Event {
    serde_json::from_value(tenure_tests::s3_event_json(key, size)).expect("a real S3 event")
}

#[tokio::test]
async fn imports_invitations_and_uploads_move_their_figures_through_every_step() {
    use tenure_core::events::{document_uploaded, import_uploaded};
    use tenure_tests::{http, key_of, unique_email, upload_headers};
    let h = Harness::new().await;
    let o = h.signup().await;
    let hr = h.add_user(&o, "hr").await;
    let people = |o: &Value, id: &str| value(o, "people", id);

    // An import: waiting for its file, checked, applying, applied.
    let csv = format!("email,full_name\n{},Ada Lovelace\n{},Alan Turing\n", unique_email("ada"), unique_email("alan"));
    let r = h
        .send(
            Req::new("POST", "/imports")
                .bearer(&hr.access)
                .json(json!({"kind": "employees", "filename": "people.csv", "size": csv.len()})),
        )
        .await;
    r.expect(201);
    let started = r.json();
    let v = overview(&h, &hr).await;
    assert_eq!((people(&v, "imports_pending"), people(&v, "imports_validated")), (1, 0));
    let (status, _) =
        http("PUT", started["upload"]["url"].as_str().unwrap(), &upload_headers(&started), csv.as_bytes()).await;
    assert_eq!(status, 200);
    let budget = || import_uploaded::Budget::until(std::time::Instant::now() + std::time::Duration::from_secs(900));
    import_uploaded::handle(&h.app("import-uploaded"), s3_event(&key_of(&started), csv.len()), budget()).await.unwrap();
    let v = overview(&h, &hr).await;
    assert_eq!((people(&v, "imports_pending"), people(&v, "imports_validated")), (0, 1), "{v}");
    let id = started["import_id"].as_str().unwrap();
    h.send(Req::new("POST", &format!("/imports/{id}/apply")).bearer(&hr.access).json(json!({}))).await.expect(202);
    let v = overview(&h, &hr).await;
    assert_eq!((people(&v, "imports_validated"), people(&v, "imports_applying")), (0, 1));
    let marker = format!("imports/{}/{id}.apply", o.company_id);
    import_uploaded::handle(&h.app("import-uploaded"), s3_event(&marker, 5), budget()).await.unwrap();
    let v = overview(&h, &hr).await;
    assert_eq!(people(&v, "imports_applying"), 0, "{v}");

    // Invitations: one counted however often it is sent, gone once accepted.
    let p = h
        .send(
            Req::new("POST", "/employees")
                .bearer(&hr.access)
                .json(json!({"email": unique_email("ivy"), "full_name": "Ivy"})),
        )
        .await
        .json();
    let pid = p["id"].as_str().unwrap();
    let mut token = Value::Null;
    for _ in 0..2 {
        let r = h.send(Req::new("POST", &format!("/employees/{pid}/invite")).bearer(&hr.access)).await;
        r.expect(200);
        token = r.json()["token"].clone();
        let v = overview(&h, &hr).await;
        assert_eq!(people(&v, "invitations"), 1);
        figures_match_their_lists(&h, &hr, &v, &[("people", "invitations")]).await;
    }
    h.send(Req::get("/employees").bearer(&hr.access).query("invited", "yes"))
        .await
        .expect_problem(400, Some("invited"));
    h.send(Req::get("/employees").bearer(&hr.access).query("invited", "true").query("q", "iv"))
        .await
        .expect_problem(400, Some("invited"));
    h.send(
        Req::new("POST", "/auth/invitations/accept").json(json!({"token": token, "password": tenure_tests::PASSWORD})),
    )
    .await
    .expect(200);
    let v = overview(&h, &hr).await;
    assert_eq!(people(&v, "invitations"), 0);
    figures_match_their_lists(&h, &hr, &v, &[("people", "invitations")]).await;

    // An upload asked for and not made waits; checked, it no longer does.
    let emp = h.add_user(&o, "employee").await;
    const PDF: &[u8] = include_bytes!("../fixtures/documents/sample.pdf");
    let r = h
        .send(Req::new("POST", "/documents/upload-url").bearer(&emp.access).json(json!({
            "employee_id": emp.user_id, "kind": "resume", "filename": "cv.pdf", "content_type": "application/pdf", "size": PDF.len()
        })))
        .await;
    r.expect(201);
    let d = r.json();
    assert_eq!(value(&overview(&h, &emp).await, "me", "documents"), 1);
    assert_eq!(value(&overview(&h, &hr).await, "me", "documents"), 0, "the person's, not the asker's");
    let (status, _) = http("PUT", d["upload"]["url"].as_str().unwrap(), &upload_headers(&d), PDF).await;
    assert_eq!(status, 200);
    document_uploaded::handle(&h.app("document-uploaded"), s3_event(&key_of(&d), PDF.len())).await.unwrap();
    assert_eq!(value(&overview(&h, &emp).await, "me", "documents"), 0);
}

#[tokio::test]
async fn leavers_registered_at_once_on_two_instances_are_each_counted_once() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let (h1, h2) = (Harness::new().await, Harness::new().await);
    // Pairs at once, one request per instance (each harness counts its
    // own calls).
    let mut statuses = vec![];
    for round in 0..4 {
        let body = |i: i64| leaver(&format!("Race{i}"), 10 + i, i % 2 == 0);
        let (a, b) = tokio::join!(
            h1.send(Req::new("POST", "/leavers").bearer(&o.access).json(body(2 * round))),
            h2.send(Req::new("POST", "/leavers").bearer(&o.access).json(body(2 * round + 1)))
        );
        statuses.extend([a.status, b.status]);
    }
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    let v = overview(&h, &o).await;
    let active: i64 = ["critical", "high", "medium", "low", "unscored"].iter().map(|l| value(&v, "risk", l)).sum();
    assert_eq!(active, 8);
    assert_eq!(value(&v, "leave_dates", "next_90_days"), 8);
    figures_match_their_lists(&h, &o, &v, &[("risk", "critical"), ("risk", "high"), ("risk", "low")]).await;
}

/// What the counters' backfill meets in a table written before the
/// counters existed: the company's records without their marks, and no
/// counter items. Returns how many records it stripped.
async fn forget_the_counters(h: &Harness, company: &str) -> usize {
    use aws_sdk_dynamodb::types::AttributeValue;
    let pk = format!("CO#{company}");
    let client = h.store.client();
    let mut stripped = 0;
    for prefix in ["LEAVER#", "TICKET#", "ALERT#", "USER#", "CEVENT#"] {
        let page = h.store.query_prefix(&pk, prefix, 1000, None, true).await.unwrap();
        for item in page.items {
            let sk = item["sk"].as_s().unwrap().clone();
            client
                .update_item()
                .table_name(h.store.table())
                .key("pk", AttributeValue::S(pk.clone()))
                .key("sk", AttributeValue::S(sk))
                .update_expression("REMOVE counted, invitation_counted")
                .send()
                .await
                .unwrap();
            stripped += 1;
        }
    }
    let page = h.store.query_prefix(&pk, "STATS", 100, None, true).await.unwrap();
    for item in page.items {
        client
            .delete_item()
            .table_name(h.store.table())
            .key("pk", AttributeValue::S(pk.clone()))
            .key("sk", item["sk"].clone())
            .send()
            .await
            .unwrap();
    }
    stripped
}

async fn backfill(h: &Harness, company: &str) -> u64 {
    use tenure_core::events::counters_backfill::{count_company, Backfill};
    let key = tenure_core::store::Key { pk: format!("CO#{company}"), sk: "COMPANY".into() };
    let item = h.store.get(&key).await.unwrap().unwrap();
    let company: tenure_core::store::items::Company = tenure_core::store::decode(item).unwrap();
    let mut state = Backfill::default();
    assert!(count_company(&h.store, &company, OffsetDateTime::now_utc(), u64::MAX, &mut state).await.unwrap());
    state.counted
}

#[tokio::test]
async fn records_written_before_the_counters_are_counted_once_by_the_backfill_and_never_uncounted_before() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let hr = h.add_user(&o, "hr").await;
    let boss = h.add_user(&o, "manager").await;
    let person = h.add_user(&o, "employee").await;
    // Leavers (alerts and offboarding tickets with them), a ticket, an
    // invitation not accepted, a department with an event this week.
    let first = register(&h, &hr, leaver("Old", 4, true)).await;
    register(&h, &hr, leaver("Older", 30, false)).await;
    register(
        &h,
        &hr,
        json!({"first_name": "Lin", "surname": "Ked", "employee_id": person.user_id, "department": "Finance",
               "leave_date": days_from_today(6), "reason": "dismissal", "access_level": "privileged"}),
    )
    .await;
    h.send(
        Req::new("POST", "/tickets")
            .bearer(&person.access)
            .json(json!({"title": "Laptop", "description": "Broken.", "priority": "medium", "category": "hardware"})),
    )
    .await
    .expect(201);
    let invitee = h
        .send(
            Req::new("POST", "/employees")
                .bearer(&hr.access)
                .json(json!({"email": tenure_tests::unique_email("iv"), "full_name": "Ivy"})),
        )
        .await
        .json();
    h.send(Req::new("POST", &format!("/employees/{}/invite", invitee["id"].as_str().unwrap())).bearer(&hr.access))
        .await
        .expect(200);
    let ops = h
        .send(
            Req::new("POST", "/departments").bearer(&o.access).json(json!({"name": "Ops", "manager_id": boss.user_id})),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let pkg = h
        .send(
            Req::new("POST", "/packages")
                .bearer(&boss.access)
                .json(json!({"name": "Gig", "price": "10", "duration_minutes": 60})),
        )
        .await
        .json();
    let v =
        h.send(Req::get(&format!("/employees/{}", person.user_id)).bearer(&o.access)).await.json()["version"].clone();
    h.send(
        Req::new("PATCH", &format!("/employees/{}", person.user_id))
            .bearer(&o.access)
            .json(json!({"version": v, "department_id": ops})),
    )
    .await
    .expect(200);
    let soon = (OffsetDateTime::now_utc() + Duration::hours(2)).replace_nanosecond(0).unwrap();
    let iso = |t: OffsetDateTime| t.format(&time::format_description::well_known::Rfc3339).unwrap();
    h.send(Req::new("POST", "/events").bearer(&boss.access).json(json!({
        "name": "Visit", "start": iso(soon), "end": iso(soon + Duration::hours(1)),
        "employee_id": person.user_id, "package_id": pkg["id"], "department_id": ops
    })))
    .await
    .expect(201);
    let before = (overview(&h, &o).await, overview(&h, &boss).await);

    // The same data as a table from before the counters holds it.
    assert!(forget_the_counters(&h, &o.company_id).await >= 10);
    let blank = overview(&h, &o).await;
    assert_eq!(value(&blank, "risk", "critical") + value(&blank, "risk", "low"), 0, "{blank}");
    // An alert resolved before the backfill is not uncounted (it was never
    // counted): no figure goes below what is there.
    let alerts = h.send(Req::get("/alerts").bearer(&o.access).query("leaver_id", first["id"].as_str().unwrap())).await;
    let aid = alerts.json()["items"][0]["id"].as_str().unwrap().to_string();
    h.send(
        Req::new("PATCH", &format!("/alerts/{aid}"))
            .bearer(&o.access)
            .json(json!({"status": "resolved", "note": "ok"})),
    )
    .await
    .expect(200);

    let counted = backfill(&h, &o.company_id).await;
    assert!(counted >= 10, "{counted}");
    assert_eq!(backfill(&h, &o.company_id).await, 0, "a second pass counts nothing again");
    let after = (overview(&h, &o).await, overview(&h, &boss).await);
    for (c, f) in [
        ("risk", "critical"),
        ("risk", "high"),
        ("risk", "low"),
        ("risk", "critical_soon"),
        ("leavers", "this_month"),
        ("leavers", "next_month"),
        ("leave_dates", "next_90_days"),
        ("queue", "ok"),
        ("queue", "open"),
        ("people", "invitations"),
    ] {
        assert_eq!(value(&after.0, c, f), value(&before.0, c, f), "{c}.{f}");
    }
    assert_eq!(value(&after.0, "alerts", "critical"), value(&before.0, "alerts", "critical") - 1, "the one resolved");
    figures_match_their_lists(
        &h,
        &o,
        &after.0,
        &[("risk", "critical"), ("alerts", "critical"), ("people", "invitations")],
    )
    .await;
    assert_eq!(value(&after.1, "department", "events"), value(&before.1, "department", "events"));
    assert_eq!(overview(&h, &o).await["first_run"], before.0["first_run"], "accounts counted again");
}
