//! Bulk imports: presigned uploads of CSV files against the local S3
//! endpoint, the import function's check and apply (run here as Lambda
//! runs it, on the S3 events of the upload and of the apply marker), and
//! every way a file or a request can be wrong.

use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{json, Value};
use tenure_core::events::import_uploaded::{self, Budget, Outcome};
use tenure_tests::{http, key_of, s3_event_json, unique_email, upload_headers, Account, Harness, Req};

fn s3_event(key: &str, size: usize) -> aws_lambda_events::s3::S3Event {
    serde_json::from_value(s3_event_json(key, size)).expect("a real S3 event")
}

fn budget() -> Budget {
    Budget::until(Instant::now() + Duration::from_secs(900))
}

async fn start(h: &Harness, by: &Account, kind: &str, size: usize) -> Value {
    let r = h
        .send(
            Req::new("POST", "/imports")
                .bearer(&by.access)
                .json(json!({"kind": kind, "filename": "people.csv", "size": size})),
        )
        .await;
    r.expect(201);
    r.json()
}

/// Starts an import, uploads `bytes` with the presigned request and runs
/// the check; returns the import as `GET /imports/{id}` shows it.
async fn upload(h: &Harness, by: &Account, kind: &str, bytes: &[u8]) -> Value {
    let v = start(h, by, kind, bytes.len()).await;
    let (status, body) = http("PUT", v["upload"]["url"].as_str().unwrap(), &upload_headers(&v), bytes).await;
    assert_eq!(status, 200, "upload refused: {}", String::from_utf8_lossy(&body));
    let key = key_of(&v);
    let out = import_uploaded::handle(&h.app("import-uploaded"), s3_event(&key, bytes.len()), budget()).await.unwrap();
    assert_eq!(out.len(), 1, "{out:?}");
    read(h, by, v["import_id"].as_str().unwrap()).await
}

async fn read(h: &Harness, by: &Account, id: &str) -> Value {
    let r = h.send(Req::get(&format!("/imports/{id}")).bearer(&by.access)).await;
    r.expect(200);
    r.json()
}

fn apply_key(imp: &Value) -> String {
    format!("imports/{}/{}.apply", imp["company_id"].as_str().unwrap(), imp["id"].as_str().unwrap())
}

/// Asks for the apply (202), then runs the import function on the marker.
async fn apply(h: &Harness, by: &Account, imp: &Value, body: Value, budget: Budget) -> Vec<Outcome> {
    let r = h
        .send(
            Req::new("POST", &format!("/imports/{}/apply", imp["id"].as_str().unwrap())).bearer(&by.access).json(body),
        )
        .await;
    r.expect(202);
    assert_eq!(r.json()["status"], "applying");
    run_apply(h, imp, budget).await
}

async fn run_apply(h: &Harness, imp: &Value, budget: Budget) -> Vec<Outcome> {
    import_uploaded::handle(&h.app("import-uploaded"), s3_event(&apply_key(imp), 5), budget).await.unwrap()
}

async fn department(h: &Harness, by: &Account, name: &str) -> String {
    let r = h.send(Req::new("POST", "/departments").bearer(&by.access).json(json!({"name": name}))).await;
    r.expect(201);
    r.json()["id"].as_str().unwrap().to_string()
}

async fn people(h: &Harness, by: &Account) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut req = Req::get("/employees").bearer(&by.access).query("limit", "100");
        if let Some(c) = &cursor {
            req = req.query("cursor", c);
        }
        let v = h.send(req).await.json();
        out.extend(v["items"].as_array().unwrap_or_else(|| panic!("{v}")).iter().cloned());
        match v["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return out,
        }
    }
}

fn audit_events(v: &Value, action: &str) -> Vec<Value> {
    v["items"].as_array().unwrap().iter().filter(|e| e["action"] == action).cloned().collect()
}

#[tokio::test]
async fn hr_imports_people_from_a_spreadsheet_export_and_applying_twice_changes_nothing() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let hr = h.add_user(&o, "hr").await;
    let finance = department(&h, &o, "Finance").await;
    let (a, b, c) = (unique_email("ada"), unique_email("grace"), unique_email("alan"));
    // Excel's export: a byte-order mark, semicolons, CRLF, a quoted value
    // with the separator in it, a formula-like cell, a decimal rate.
    let csv = format!(
        "\u{FEFF}email;full_name;department;hourly_rate;job_title;emergency_contact\r\n\
         {a};Ada Lovelace;finance;20.50;=SUM(A1:A9);\"Byron; +44 20 7946 0000\"\r\n\
         {b};Grace Hopper;Finance;;@admiral;\r\n\
         {c};Alan Turing;;12;;\r\n"
    );
    let imp = upload(&h, &hr, "employees", csv.as_bytes()).await;
    assert_eq!(imp["status"], "validated", "{imp}");
    assert_eq!((imp["rows"].as_u64(), imp["valid"].as_u64(), imp["invalid"].as_u64()), (Some(3), Some(3), Some(0)));
    assert_eq!(imp["errors"], json!([]));
    let before = people(&h, &hr).await.len();

    let out = apply(&h, &hr, &imp, json!({}), budget()).await;
    assert_eq!(out[0].result, "applied", "{out:?}");
    let done = read(&h, &hr, imp["id"].as_str().unwrap()).await;
    assert_eq!(done["status"], "applied");
    assert_eq!(done["applied"], json!({"created": 3, "existing": 0, "skipped": 0, "failed": 0}));
    let all = people(&h, &hr).await;
    assert_eq!(all.len(), before + 3);
    let ada = all.iter().find(|p| p["email"] == a.as_str()).expect("Ada was imported");
    assert_eq!(ada["department_id"], finance.as_str(), "department names match in any case");
    assert_eq!(ada["hourly_rate"], "20.50");
    assert_eq!(ada["job_title"], "=SUM(A1:A9)", "a formula cell is kept as text");
    assert_eq!(ada["emergency_contact"], "Byron; +44 20 7946 0000");
    let alan = all.iter().find(|p| p["email"] == c.as_str()).unwrap();
    assert_eq!(alan["department_id"], Value::Null);
    assert_eq!(alan["hourly_rate"], "12.00");
    // The department counts its new people: deleting it is refused.
    let r = h.send(Req::new("DELETE", &format!("/departments/{finance}")).bearer(&hr.access)).await;
    r.expect(409);
    assert!(r.json()["detail"].as_str().unwrap().contains('2'), "{}", r.json());

    // Applying again: 202, nothing new; the marker again: nothing either.
    let r = h
        .send(
            Req::new("POST", &format!("/imports/{}/apply", imp["id"].as_str().unwrap()))
                .bearer(&hr.access)
                .json(json!({})),
        )
        .await;
    r.expect(202);
    assert_eq!(r.json()["status"], "applied");
    let again = run_apply(&h, &imp, budget()).await;
    assert_eq!(again[0].result, "skipped");
    assert_eq!(people(&h, &hr).await.len(), before + 3);

    // The same file as a new import: every person exists already.
    let imp2 = upload(&h, &hr, "employees", csv.as_bytes()).await;
    let out = apply(&h, &hr, &imp2, json!({}), budget()).await;
    assert_eq!(out[0].result, "applied");
    let done2 = read(&h, &hr, imp2["id"].as_str().unwrap()).await;
    assert_eq!(done2["applied"], json!({"created": 0, "existing": 3, "skipped": 0, "failed": 0}));
    assert_eq!(people(&h, &hr).await.len(), before + 3);

    // Audited: each import's creation, check, apply request and one event
    // with the counts (no event per row).
    let log = h.send(Req::get("/audit").bearer(&o.access).query("limit", "100")).await.json();
    let applied = audit_events(&log, "import.applied");
    assert_eq!(applied.len(), 2, "{log}");
    assert!(applied.iter().any(|e| e["detail"]["created"] == "3"), "{applied:?}");
    assert_eq!(audit_events(&log, "employee.created").len(), 0);
    assert_eq!(audit_events(&log, "import.checked").len(), 2);
    assert_eq!(audit_events(&log, "import.apply_requested").len(), 2);

    // The list shows both, newest first, without their errors.
    let list = h.send(Req::get("/imports").bearer(&hr.access)).await.json();
    let ids: Vec<&str> = list["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec![imp2["id"].as_str().unwrap(), imp["id"].as_str().unwrap()]);
}

#[tokio::test]
async fn row_errors_name_row_field_and_reason_and_apply_skips_them_only_when_asked() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let (a, b) = (unique_email("good"), unique_email("dup"));
    let csv = format!(
        "email,full_name,department,hourly_rate,start_date\n\
         {a},Good Person,,,2026-01-05\n\
         not-an-email,No Email,,,\n\
         {b},Rate Wrong,,12.345,\n\
         {b},Duplicate Row,,,\n\
         {o_email},The Owner,,,\n\
         x@example.com,Bad Dept,Nowhere,-1,2026-13-01\n",
        o_email = o.email
    );
    let imp = upload(&h, &o, "employees", csv.as_bytes()).await;
    assert_eq!(imp["status"], "invalid", "{imp}");
    assert_eq!((imp["rows"].as_u64(), imp["valid"].as_u64(), imp["invalid"].as_u64()), (Some(6), Some(3), Some(3)));
    let errors = imp["errors"].as_array().unwrap();
    let has = |row: u64, field: &str| errors.iter().any(|e| e["row"] == row && e["field"] == field);
    assert!(has(3, "email"), "{errors:?}");
    assert!(has(4, "hourly_rate"), "{errors:?}");
    assert!(has(7, "department") && has(7, "hourly_rate") && has(7, "start_date"), "{errors:?}");
    // The duplicate is judged against the first valid row with that email:
    // row 4 is invalid, so row 5 is the first and is good.
    assert!(!has(5, "email"), "{errors:?}");
    assert!(errors.iter().all(|e| !e["message"].as_str().unwrap().is_empty()));
    assert_eq!(imp["errors_total"].as_u64(), Some(errors.len() as u64));

    let id = imp["id"].as_str().unwrap();
    let r = h.send(Req::new("POST", &format!("/imports/{id}/apply")).bearer(&o.access).json(json!({}))).await;
    r.expect(409);
    assert!(r.json()["detail"].as_str().unwrap().contains("accept_errors"), "{}", r.json());
    assert_eq!(read(&h, &o, id).await["status"], "invalid", "a refused apply changes nothing");

    let out = apply(&h, &o, &imp, json!({"accept_errors": true}), budget()).await;
    assert_eq!(out[0].result, "applied", "{out:?}");
    let done = read(&h, &o, id).await;
    // Rows 2 and 5 are new; row 6 is the owner (exists: left alone).
    assert_eq!(done["applied"], json!({"created": 2, "existing": 1, "skipped": 3, "failed": 0}), "{done}");
    let owner = h.send(Req::get(&format!("/employees/{}", o.user_id)).bearer(&o.access)).await.json();
    assert_eq!(owner["full_name"], "Olive Owner", "an existing person is not overwritten");
}

#[tokio::test]
async fn a_file_that_cannot_be_read_is_rejected_whole_and_cannot_be_applied() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let many = {
        let mut s = String::from("email,full_name\n");
        for i in 0..20_001 {
            s.push_str(&format!("p{i}@example.com,P {i}\n"));
        }
        s
    };
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("invalid UTF-8", b"email,full_name\nx@example.com,Caf\xe9\n".to_vec(), "UTF-8"),
        ("no header", b"\n\n".to_vec(), "empty"),
        ("a missing column", b"email,name\nx@example.com,X\n".to_vec(), "full_name"),
        ("an unknown column", b"email,full_name,salary\nx@example.com,X,1\n".to_vec(), "salary"),
        ("20,001 rows", many.into_bytes(), "20,000"),
    ];
    for (what, bytes, needle) in cases {
        let imp = upload(&h, &o, "employees", &bytes).await;
        assert_eq!(imp["status"], "rejected", "{what}: {imp}");
        assert!(imp["reason"].as_str().unwrap().contains(needle), "{what}: {}", imp["reason"]);
        let r = h
            .send(
                Req::new("POST", &format!("/imports/{}/apply", imp["id"].as_str().unwrap()))
                    .bearer(&o.access)
                    .json(json!({"accept_errors": true})),
            )
            .await;
        r.expect(409);
    }
}

#[tokio::test]
async fn bad_requests_are_refused_with_the_field_named_and_nothing_written() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let emp = h.add_user(&o, "employee").await;
    let manager = h.add_user(&o, "manager").await;
    for (body, field) in [
        (json!({"kind": "payroll", "filename": "a.csv", "size": 10}), "kind"),
        (json!({"filename": "a.csv", "size": 10}), "kind"),
        (json!({"kind": "employees", "filename": "a.xlsx", "size": 10}), "filename"),
        (json!({"kind": "employees", "filename": "../../a.csv", "size": 10}), "filename"),
        (json!({"kind": "employees", "filename": "x".repeat(10_000) + ".csv", "size": 10}), "filename"),
        (json!({"kind": "employees", "filename": "a.csv", "size": 5 * 1024 * 1024 + 1}), "size"),
        (json!({"kind": "employees", "filename": "a.csv", "size": 0}), "size"),
        (json!({"kind": "employees", "filename": "a.csv"}), "size"),
    ] {
        let r = h.send(Req::new("POST", "/imports").bearer(&o.access).json(body.clone())).await;
        r.expect(422);
        assert!(r.json()["errors"].as_array().unwrap().iter().any(|e| e["field"] == field), "{body}: {}", r.json());
    }
    let r = h
        .send(
            Req::new("POST", "/imports")
                .bearer(&o.access)
                .json(json!({"kind": "employees", "filename": "a.csv", "size": 10, "extra": 1})),
        )
        .await;
    r.expect(422);
    assert_eq!(r.json()["errors"][0]["field"], "extra");
    let list = h.send(Req::get("/imports").bearer(&o.access)).await.json();
    assert_eq!(list["items"], json!([]), "no refused request left an import behind");

    // Only owner, HR and admin import.
    for who in [&emp, &manager] {
        let r = h
            .send(
                Req::new("POST", "/imports")
                    .bearer(&who.access)
                    .json(json!({"kind": "employees", "filename": "a.csv", "size": 10})),
            )
            .await;
        r.expect(403);
        h.send(Req::get("/imports").bearer(&who.access)).await.expect(403);
    }

    // Another company's import is not found; nor is a made-up id.
    let other = h.signup().await;
    let theirs = start(&h, &other, "employees", 10).await;
    let path = format!("/imports/{}", theirs["import_id"].as_str().unwrap());
    h.send(Req::get(&path).bearer(&o.access)).await.expect(404);
    h.send(Req::new("POST", &format!("{path}/apply")).bearer(&o.access).json(json!({}))).await.expect(404);
    h.send(Req::get("/imports/imp_nope").bearer(&o.access)).await.expect(404);

    // Pending (not checked yet): apply is a conflict.
    h.send(Req::new("POST", &format!("{path}/apply")).bearer(&other.access).json(json!({}))).await.expect(409);
}

#[tokio::test]
async fn a_second_upload_to_the_same_url_after_the_check_changes_nothing() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let good = format!("email,full_name\n{},Early Bird\n", unique_email("early"));
    let v = start(&h, &o, "employees", good.len()).await;
    let url = v["upload"]["url"].as_str().unwrap();
    assert_eq!(http("PUT", url, &upload_headers(&v), good.as_bytes()).await.0, 200);
    let app = h.app("import-uploaded");
    let key = key_of(&v);
    assert_eq!(
        import_uploaded::handle(&app, s3_event(&key, good.len()), budget()).await.unwrap()[0].result,
        "validated"
    );
    // Same length, other bytes, same presigned URL.
    let evil = good.replace("Early Bird", "Evil Birdy");
    assert_eq!(evil.len(), good.len());
    assert_eq!(http("PUT", url, &upload_headers(&v), evil.as_bytes()).await.0, 200);
    let again = import_uploaded::handle(&app, s3_event(&key, evil.len()), budget()).await.unwrap();
    assert_eq!(again[0].result, "skipped");
    let imp = read(&h, &o, v["import_id"].as_str().unwrap()).await;
    apply(&h, &o, &imp, json!({}), budget()).await;
    let all = people(&h, &o).await;
    assert!(all.iter().any(|p| p["full_name"] == "Early Bird"), "the checked bytes are the applied ones");
    assert!(!all.iter().any(|p| p["full_name"] == "Evil Birdy"));
}

#[tokio::test]
async fn an_apply_cut_short_resumes_where_it_stopped_and_a_lost_checkpoint_duplicates_nothing() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let sales = department(&h, &o, "Sales").await;
    let mut csv = String::from("email,full_name,department\n");
    for i in 0..250 {
        csv.push_str(&format!("{},Person {i},Sales\n", unique_email(&format!("p{i}"))));
    }
    let imp = upload(&h, &o, "employees", csv.as_bytes()).await;
    assert_eq!(imp["status"], "validated");
    let id = imp["id"].as_str().unwrap();

    // A run that may write 130 rows: it saves at row 102, writes on, and
    // hands over at row 132.
    let out =
        apply(&h, &o, &imp, json!({}), Budget { deadline: Instant::now() + Duration::from_secs(900), max_rows: 130 })
            .await;
    assert_eq!(out[0].result, "resumed", "{out:?}");
    let mid = read(&h, &o, id).await;
    assert_eq!(mid["status"], "applying");
    assert_eq!(mid["next_row"], 132);
    assert_eq!(mid["applied"]["created"], 130);

    // The run after it dies before its first checkpoint; Lambda's retry
    // starts again from row 132 and finds the rows already written.
    let died = run_apply(&h, &imp, Budget { deadline: Instant::now() + Duration::from_secs(900), max_rows: 40 }).await;
    assert_eq!(died[0].result, "resumed");
    h.store
        .client()
        .update_item()
        .table_name(h.store.table())
        .key("pk", AttributeValue::S(format!("CO#{}", o.company_id)))
        .key("sk", AttributeValue::S(format!("IMPORT#{id}")))
        .update_expression("SET next_row = :n, applied = :a")
        .expression_attribute_values(":n", AttributeValue::N("132".into()))
        .expression_attribute_values(
            ":a",
            AttributeValue::M(
                ["created", "existing", "skipped", "failed"]
                    .iter()
                    .map(|k| (k.to_string(), AttributeValue::N(mid["applied"][k].to_string())))
                    .collect(),
            ),
        )
        .send()
        .await
        .unwrap();
    let out = run_apply(&h, &imp, budget()).await;
    assert_eq!(out[0].result, "applied", "{out:?}");
    let done = read(&h, &o, id).await;
    assert_eq!(done["applied"], json!({"created": 250, "existing": 0, "skipped": 0, "failed": 0}), "{done}");
    assert_eq!(done["next_row"], 252);
    let in_sales = h
        .send(Req::get("/employees").bearer(&o.access).query("department_id", &sales).query("limit", "100"))
        .await
        .json();
    assert_eq!(in_sales["items"].as_array().unwrap().len(), 100);
    assert_eq!(people(&h, &o).await.len(), 251, "250 people and the owner, none twice");
    let r = h.send(Req::new("DELETE", &format!("/departments/{sales}")).bearer(&o.access)).await;
    r.expect(409);
    assert!(r.json()["detail"].as_str().unwrap().contains("250"), "the count is exact: {}", r.json());
}

#[tokio::test]
async fn leavers_are_imported_scored_once_per_email_and_never_the_importer_themselves() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let hr = h.add_user(&o, "hr").await;
    let security = h.add_user(&o, "security").await;
    let r = h
        .send(Req::new("POST", "/departments").bearer(&o.access).json(json!({"name": "Finance", "sensitive": true})))
        .await;
    r.expect(201);
    let (a, b) = (unique_email("leaving"), unique_email("going"));
    let csv = format!(
        "first_name,surname,email,department,leave_date,reason,access_level\n\
         Lena,Leaving,{a},Finance,2027-01-15,dismissal,privileged\n\
         Gus,Going,{b},Operations,2027-02-01,resignation,\n\
         Harriet,Self,{hr_email},HR,2027-03-01,resignation,\n\
         Bad,Date,,Ops,15/01/2027,resignation,\n",
        hr_email = hr.email
    );
    let imp = upload(&h, &hr, "leavers", csv.as_bytes()).await;
    assert_eq!(imp["status"], "invalid");
    assert!(imp["errors"].as_array().unwrap().iter().any(|e| e["row"] == 5 && e["field"] == "leave_date"), "{imp}");
    let out = apply(&h, &hr, &imp, json!({"accept_errors": true}), budget()).await;
    assert_eq!(out[0].result, "applied");
    let done = read(&h, &hr, imp["id"].as_str().unwrap()).await;
    assert_eq!(done["applied"], json!({"created": 2, "existing": 0, "skipped": 1, "failed": 1}), "{done}");
    assert!(
        done["errors"].as_array().unwrap().iter().any(|e| e["row"] == 4 && e["field"] == "email"),
        "the importer's own row is reported: {done}"
    );

    let leavers = h.send(Req::get("/leavers").bearer(&security.access)).await.json();
    let items = leavers["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    let lena = items.iter().find(|l| l["surname"] == "Leaving").unwrap();
    let factors: Vec<&str> =
        lena["risk"]["factors"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap_or_default()).collect();
    assert!(lena["risk"]["score"].as_u64().unwrap() > 0, "scored at import: {lena}");
    assert!(factors.contains(&"sensitive_department"), "the sensitive department counts: {factors:?}");

    // The same leavers again: the email is the natural key.
    let imp2 = upload(&h, &hr, "leavers", csv.as_bytes()).await;
    apply(&h, &hr, &imp2, json!({"accept_errors": true}), budget()).await;
    let done2 = read(&h, &hr, imp2["id"].as_str().unwrap()).await;
    assert_eq!(done2["applied"]["created"], 0, "{done2}");
    assert_eq!(done2["applied"]["existing"], 2, "{done2}");
    let leavers = h.send(Req::get("/leavers").bearer(&security.access)).await.json();
    assert_eq!(leavers["items"].as_array().unwrap().len(), 2);
}
