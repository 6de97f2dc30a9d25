//! Departments (issue 13): CRUD, names, managers, the sensitive flag the
//! risk signal reads, and the conversion of the risk settings' old list.

use serde_json::{json, Value};
use tenure_tests::{Account, Harness, Req};

use crate::leavers::{leaver_body, register};

async fn create(h: &Harness, by: &Account, body: Value) -> Value {
    let r = h.send(Req::new("POST", "/departments").bearer(&by.access).json(body)).await;
    r.expect(201);
    r.json()
}

async fn list(h: &Harness, by: &Account) -> Vec<Value> {
    let v = h.send(Req::get("/departments").bearer(&by.access).query("limit", "100")).await.json();
    v["items"].as_array().unwrap().clone()
}

/// Whether a leaver's score has the `sensitive_department` factor.
async fn sensitive_factor(h: &Harness, by: &Account, leaver: &Value) -> bool {
    let id = leaver["id"].as_str().unwrap();
    h.send(Req::new("POST", &format!("/leavers/{id}/assess")).bearer(&by.access)).await.expect(200);
    let v = h.send(Req::get(&format!("/leavers/{id}/risk")).bearer(&by.access)).await.json();
    v["factors"].as_array().unwrap().iter().any(|f| f["id"] == "sensitive_department")
}

#[tokio::test]
async fn hr_creates_renames_and_deletes_departments_and_each_change_is_audited() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let hr = h.add_user(&o, "hr").await;
    let boss = h.add_user(&o, "manager").await;
    let d = create(&h, &hr, json!({"name": "  Customer   Care ", "manager_id": boss.user_id})).await;
    assert!(d["id"].as_str().unwrap().starts_with("dep_"));
    assert_eq!(d["name"], "Customer   Care", "trimmed");
    assert_eq!(d["sensitive"], false);
    assert_eq!(d["manager_id"], boss.user_id.as_str());
    assert_eq!(d["people"], 0);
    assert_eq!(d["version"], 1);
    let id = d["id"].as_str().unwrap();
    // Everyone in the company may read the list.
    let emp = h.add_user(&o, "employee").await;
    assert!(list(&h, &emp).await.iter().any(|x| x["id"] == id));
    // Names are unique in a company, whatever the case and spacing.
    h.send(Req::new("POST", "/departments").bearer(&hr.access).json(json!({"name": "customer care"})))
        .await
        .expect_problem(409, None);
    // …but another company may use the name.
    let other = h.signup().await;
    create(&h, &other, json!({"name": "Customer Care"})).await;

    let path = format!("/departments/{id}");
    let r = h
        .send(
            Req::new("PATCH", &path)
                .bearer(&hr.access)
                .json(json!({"version": 1, "name": "Support", "manager_id": null})),
        )
        .await;
    r.expect(200);
    let v = r.json();
    assert_eq!(v["name"], "Support");
    assert!(v["manager_id"].is_null());
    assert_eq!(v["version"], 2);
    // The old name is free again, the new one taken.
    create(&h, &hr, json!({"name": "Customer Care"})).await;
    h.send(Req::new("POST", "/departments").bearer(&hr.access).json(json!({"name": "SUPPORT"})))
        .await
        .expect_problem(409, None);
    // Stale version.
    h.send(Req::new("PATCH", &path).bearer(&hr.access).json(json!({"version": 1, "sensitive": true})))
        .await
        .expect_problem(409, None);
    h.send(Req::new("DELETE", &path).bearer(&hr.access)).await.expect(204);
    h.send(Req::new("DELETE", &path).bearer(&hr.access)).await.expect_problem(404, None);
    assert!(!list(&h, &hr).await.iter().any(|x| x["id"] == id));
    create(&h, &hr, json!({"name": "Support"})).await;

    let log = h.send(Req::get("/audit").bearer(&o.access).query("limit", "50")).await.json();
    let actions: Vec<&str> = log["items"].as_array().unwrap().iter().filter_map(|e| e["action"].as_str()).collect();
    for a in ["department.created", "department.updated", "department.deleted", "departments.migrated"] {
        assert!(actions.contains(&a), "{a} not audited: {actions:?}");
    }
}

#[tokio::test]
async fn bad_departments_name_the_field_and_write_nothing() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let other = h.signup().await;
    let inactive = h.add_user(&o, "manager").await;
    h.send(
        Req::new("PATCH", &format!("/auth/admin/users/{}/status", inactive.user_id))
            .bearer(&o.access)
            .json(json!({"active": false})),
    )
    .await
    .expect(200);
    let cases: Vec<(Value, &str)> = vec![
        (json!({"name": ""}), "name"),
        (json!({"name": "x".repeat(10_000)}), "name"),
        (json!({"name": "Ops", "manager_id": other.user_id}), "manager_id"),
        (json!({"name": "Ops", "manager_id": inactive.user_id}), "manager_id"),
        (json!({"name": "Ops", "manager_id": "usr_nope"}), "manager_id"),
    ];
    for (body, field) in cases {
        h.send(Req::new("POST", "/departments").bearer(&o.access).json(body)).await.expect_problem(422, Some(field));
    }
    for body in
        [json!({"name": 5}), json!({"name": "Ops", "sensitive": "yes"}), json!({"name": "Ops", "colour": "red"})]
    {
        let r = h.send(Req::new("POST", "/departments").bearer(&o.access).json(body.clone())).await;
        assert!(matches!(r.status, 400 | 422), "{body}: {}", r.status);
    }
    assert!(list(&h, &o).await.is_empty(), "nothing was created");
    // A department of another company is not there.
    let theirs = create(&h, &other, json!({"name": "Theirs"})).await;
    let path = format!("/departments/{}", theirs["id"].as_str().unwrap());
    h.send(Req::new("PATCH", &path).bearer(&o.access).json(json!({"version": 1, "name": "Mine"})))
        .await
        .expect_problem(404, None);
    h.send(Req::new("DELETE", &path).bearer(&o.access)).await.expect_problem(404, None);
    // Only owner, HR and admin change departments.
    for role in ["security", "technician", "manager", "employee"] {
        let u = h.add_user(&o, role).await;
        h.send(Req::new("POST", "/departments").bearer(&u.access).json(json!({"name": "Mine"})))
            .await
            .expect_problem(403, None);
    }
}

/// The sensitive flag on a department is what the risk signal reads; the
/// first department converts the risk settings' list (here the defaults:
/// Finance, Legal, Security, Research and Development) into departments
/// marked sensitive, and the list can no longer be changed there.
#[tokio::test]
async fn the_sensitive_flag_of_a_department_drives_the_risk_signal() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let mut body = leaver_body("Counted", 20);
    body["department"] = json!("Finance");
    let finance_leaver = register(&h, &o, body).await;
    let mut body = leaver_body("Marketed", 20);
    body["department"] = json!("Marketing");
    let marketing_leaver = register(&h, &o, body).await;
    // Before any department: the defaults of the risk settings.
    assert!(sensitive_factor(&h, &o, &finance_leaver).await);
    assert!(!sensitive_factor(&h, &o, &marketing_leaver).await);

    let marketing = create(&h, &o, json!({"name": "Marketing", "sensitive": true})).await;
    // The defaults became departments marked sensitive; the list is empty
    // in storage and shows the departments' names.
    let names: Vec<String> = list(&h, &o)
        .await
        .iter()
        .filter(|d| d["sensitive"] == true)
        .map(|d| d["name"].as_str().unwrap().to_string())
        .collect();
    for n in ["Finance", "Legal", "Security", "Research and Development", "Marketing"] {
        assert!(names.contains(&n.to_string()), "{n} not a sensitive department: {names:?}");
    }
    let settings = h.send(Req::get("/risk-settings").bearer(&o.access)).await.json();
    let mut shown: Vec<String> =
        settings["sensitive_departments"].as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect();
    shown.sort();
    let mut want = names.clone();
    want.sort();
    assert_eq!(shown, want);
    assert!(sensitive_factor(&h, &o, &finance_leaver).await);
    assert!(sensitive_factor(&h, &o, &marketing_leaver).await);

    // Unmarking the department takes the factor away.
    let path = format!("/departments/{}", marketing["id"].as_str().unwrap());
    h.send(Req::new("PATCH", &path).bearer(&o.access).json(json!({"version": 1, "sensitive": false})))
        .await
        .expect(200);
    assert!(!sensitive_factor(&h, &o, &marketing_leaver).await);
    // Deleting Finance too.
    let finance = list(&h, &o).await.into_iter().find(|d| d["name"] == "Finance").unwrap();
    h.send(Req::new("DELETE", &format!("/departments/{}", finance["id"].as_str().unwrap())).bearer(&o.access))
        .await
        .expect(204);
    assert!(!sensitive_factor(&h, &o, &finance_leaver).await);

    // The old list cannot be changed in the risk settings any more…
    let v = settings["version"].as_u64().unwrap();
    h.send(
        Req::new("PUT", "/risk-settings")
            .bearer(&o.access)
            .json(json!({"version": v, "sensitive_departments": ["Sales"]})),
    )
    .await
    .expect_problem(422, Some("sensitive_departments"));
    // …but sending back what was read is fine (clients that PUT what they GET).
    let now = h.send(Req::get("/risk-settings").bearer(&o.access)).await.json();
    let r = h
        .send(Req::new("PUT", "/risk-settings").bearer(&o.access).json(json!({
            "version": now["version"], "sensitive_departments": now["sensitive_departments"], "auto_deactivate": false
        })))
        .await;
    r.expect(200);
    assert_eq!(r.json()["sensitive_departments"], now["sensitive_departments"]);
}

/// A company that changed its list converts that list, not the defaults;
/// one that emptied it converts nothing.
#[tokio::test]
async fn the_first_department_converts_the_companys_own_list() {
    let h = Harness::new().await;
    let o = h.signup().await;
    h.send(
        Req::new("PUT", "/risk-settings")
            .bearer(&o.access)
            .json(json!({"version": 0, "sensitive_departments": ["Treasury", "finance "]})),
    )
    .await
    .expect(200);
    create(&h, &o, json!({"name": "Finance"})).await;
    let all = list(&h, &o).await;
    let by_name = |n: &str| all.iter().find(|d| d["name"] == n).cloned();
    assert_eq!(by_name("Treasury").expect("Treasury converted")["sensitive"], true);
    // The request's own department wins over the list's entry of that name.
    assert_eq!(by_name("Finance").unwrap()["sensitive"], false);
    assert!(by_name("Legal").is_none(), "the defaults were not this company's list");
    assert_eq!(all.len(), 2);

    let bare = h.signup().await;
    h.send(
        Req::new("PUT", "/risk-settings").bearer(&bare.access).json(json!({"version": 0, "sensitive_departments": []})),
    )
    .await
    .expect(200);
    create(&h, &bare, json!({"name": "Ops"})).await;
    assert_eq!(list(&h, &bare).await.len(), 1);
}
