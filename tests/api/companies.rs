use serde_json::json;
use tenure_tests::{Harness, Req};

#[tokio::test]
async fn an_admin_creates_and_lists_companies() {
    let h = Harness::new().await;
    let admin = h.admin().await;
    let r = h.send(Req::new("POST", "/companies").bearer(&admin.access).json(json!({"name": "Globex"}))).await;
    r.expect(201);
    let id = r.json()["id"].as_str().unwrap().to_string();
    let got = h.send(Req::new("GET", &format!("/companies/{id}")).bearer(&admin.access)).await;
    got.expect(200);
    assert_eq!(got.json()["name"], "Globex");
    // The new company is on some page of the list.
    let mut cursor: Option<String> = None;
    let mut found = false;
    for _ in 0..200 {
        let mut req = Req::new("GET", "/companies").bearer(&admin.access).query("limit", "100");
        if let Some(c) = &cursor {
            req = req.query("cursor", c);
        }
        let v = h.send(req).await.json();
        found |= v["items"].as_array().unwrap().iter().any(|c| c["id"] == id.as_str());
        match v["next_cursor"].as_str() {
            Some(c) if !found => cursor = Some(c.into()),
            _ => break,
        }
    }
    assert!(found);
    // Its creation opened the new company's audit chain.
    let log = h.send(Req::new("GET", "/audit").bearer(&admin.access).query("company_id", &id)).await;
    assert_eq!(log.json()["items"][0]["action"], "company.created");
}

#[tokio::test]
async fn only_admins_list_or_create_companies() {
    let h = Harness::new().await;
    let o = h.signup().await;
    h.send(Req::new("GET", "/companies").bearer(&o.access)).await.expect_problem(403, None);
    h.send(Req::new("POST", "/companies").bearer(&o.access).json(json!({"name": "Mine"})))
        .await
        .expect_problem(403, None);
}

#[tokio::test]
async fn users_read_their_own_company_and_not_anothers() {
    let h = Harness::new().await;
    let a = h.signup().await;
    let b = h.signup().await;
    h.send(Req::new("GET", &format!("/companies/{}", a.company_id)).bearer(&a.access)).await.expect(200);
    h.send(Req::new("GET", &format!("/companies/{}", b.company_id)).bearer(&a.access)).await.expect_problem(404, None);
    h.send(Req::new("GET", "/companies/cmp_nonsense").bearer(&a.access)).await.expect_problem(404, None);
}

#[tokio::test]
async fn a_company_name_is_validated() {
    let h = Harness::new().await;
    let admin = h.admin().await;
    h.send(Req::new("POST", "/companies").bearer(&admin.access).json(json!({"name": "  "})))
        .await
        .expect_problem(422, Some("name"));
    h.send(Req::new("POST", "/companies").bearer(&admin.access).json(json!({"name": "x".repeat(5000)})))
        .await
        .expect_problem(422, Some("name"));
    h.send(
        Req::new("POST", "/companies")
            .bearer(&admin.access)
            .json(json!({"name": "Ok", "id": "cmp_01JD0000000000000000000000"})),
    )
    .await
    .expect_problem(422, Some("id"));
}

/// Issue 13: the owner sets the company calendar; it is versioned, audited
/// in the company's chain, and read back as stored.
#[tokio::test]
async fn the_owner_sets_the_company_calendar() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let path = format!("/companies/{}", o.company_id);
    let before = h.send(Req::get(&path).bearer(&o.access)).await.json();
    assert_eq!(before["time_zone"], "UTC");
    assert_eq!(before["working_hours"]["mon"], json!(["09:00", "17:00"]));
    assert_eq!(before["working_hours"]["sun"], json!([]));
    assert_eq!(before["holidays"], json!([]));
    let version = before["version"].as_u64().unwrap();
    let body = json!({
        "version": version,
        "time_zone": "America/St_Johns",
        "working_hours": {"mon": ["08:30", "12:00", "13:00", "17:00"], "fri": ["22:00", "24:00"], "sat": ["00:00", "06:00"]},
        "holidays": ["2026-12-26", "2026-12-25", "2026-12-25"],
    });
    let r = h.send(Req::new("PATCH", &path).bearer(&o.access).json(body.clone())).await;
    r.expect(200);
    let v = r.json();
    assert_eq!(v["time_zone"], "America/St_Johns");
    assert_eq!(v["working_hours"]["mon"], json!(["08:30", "12:00", "13:00", "17:00"]));
    assert_eq!(v["working_hours"]["tue"], json!([]), "a weekday left out has no hours");
    assert_eq!(v["holidays"], json!(["2026-12-25", "2026-12-26"]));
    assert_eq!(v["version"], version + 1);
    assert_eq!(h.send(Req::get(&path).bearer(&o.access)).await.json(), v, "read back as answered");
    // Audited in the company's chain, with what changed.
    let log = h.send(Req::get("/audit").bearer(&o.access).query("action", "company.updated")).await.json();
    let e = &log["items"][0];
    assert_eq!(e["target"], o.company_id.as_str(), "{e}");
    assert_eq!(e["detail"]["changed"], "time_zone,working_hours,holidays", "{e}");
    // The same version again: 409, nothing changed.
    let stale = h.send(Req::new("PATCH", &path).bearer(&o.access).json(body)).await;
    stale.expect_problem(409, None);
    assert_eq!(h.send(Req::get(&path).bearer(&o.access)).await.json()["version"], version + 1);
    // A change to nothing writes nothing.
    let same = h.send(
        Req::new("PATCH", &path)
            .bearer(&o.access)
            .json(json!({"version": version + 1, "time_zone": "America/St_Johns"})),
    );
    assert_eq!(same.await.json()["version"], version + 1);
}

/// Bad calendars are 422s naming the field, every field at once, and
/// change nothing (issue 13, "Bad input").
#[tokio::test]
async fn bad_calendars_name_the_field_and_change_nothing() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let path = format!("/companies/{}", o.company_id);
    let cases: Vec<(serde_json::Value, &str)> = vec![
        (json!({"time_zone": "Mars/Olympus"}), "time_zone"),
        (json!({"time_zone": "+05:30"}), "time_zone"),
        (json!({"working_hours": {"mon": ["25:00", "26:00"]}}), "working_hours.mon[0]"),
        (json!({"working_hours": {"mon": ["17:00", "09:00"]}}), "working_hours.mon[1]"),
        (json!({"working_hours": {"mon": ["09:00"]}}), "working_hours.mon"),
        (json!({"working_hours": {"funday": ["09:00", "17:00"]}}), "working_hours.funday"),
        (json!({"holidays": ["25/12/2026"]}), "holidays[0]"),
        (json!({"holidays": ["2026-12-25", "2026-02-30"]}), "holidays[1]"),
        (json!({"name": "x".repeat(10_000)}), "name"),
    ];
    for (fields, field) in cases {
        let mut body = fields.clone();
        body["version"] = json!(1);
        h.send(Req::new("PATCH", &path).bearer(&o.access).json(body)).await.expect_problem(422, Some(field));
    }
    // Several bad fields: each named.
    let r = h
        .send(Req::new("PATCH", &path).bearer(&o.access).json(json!({
            "version": 1, "time_zone": "Nowhere", "holidays": ["soon"], "working_hours": {"tue": ["9", "5"]}
        })))
        .await;
    r.expect_problem(422, Some("time_zone"))
        .expect_problem(422, Some("holidays[0]"))
        .expect_problem(422, Some("working_hours.tue[0]"));
    // Wrong types and unknown fields are 400/422, never 500.
    for body in [
        json!({"version": 1, "working_hours": {"mon": "09:00-17:00"}}),
        json!({"version": 1, "colour": "red"}),
        json!({"time_zone": "UTC"}),
    ] {
        let r = h.send(Req::new("PATCH", &path).bearer(&o.access).json(body.clone())).await;
        assert!(matches!(r.status, 400 | 422), "{body}: {}", r.status);
    }
    let after = h.send(Req::get(&path).bearer(&o.access)).await.json();
    assert_eq!(after["version"], 1, "nothing was written: {after}");
    assert_eq!(after["time_zone"], "UTC");
}

/// Only the company's owner and platform admins change it; another
/// company's owner cannot even tell it exists; an admin's change is audited
/// in that company's chain.
#[tokio::test]
async fn only_the_owner_or_an_admin_changes_a_company() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let path = format!("/companies/{}", o.company_id);
    let body = json!({"version": 1, "time_zone": "Asia/Kolkata"});
    for role in ["hr", "security", "technician", "manager", "employee"] {
        let u = h.add_user(&o, role).await;
        h.send(Req::new("PATCH", &path).bearer(&u.access).json(body.clone())).await.expect_problem(403, None);
    }
    let other = h.signup().await;
    h.send(Req::new("PATCH", &path).bearer(&other.access).json(body.clone())).await.expect_problem(404, None);
    h.send(Req::new("PATCH", "/companies/cmp_nope").bearer(&o.access).json(body.clone()))
        .await
        .expect_problem(404, None);
    let admin = h.admin().await;
    let r = h.send(Req::new("PATCH", &path).bearer(&admin.access).json(body)).await;
    r.expect(200);
    assert_eq!(r.json()["time_zone"], "Asia/Kolkata");
    let log = h.send(Req::get("/audit").bearer(&o.access).query("action", "company.updated")).await.json();
    assert_eq!(log["items"][0]["actor"], admin.user_id.as_str(), "{log}");
    let verify = h.send(Req::get("/audit/verify").bearer(&o.access)).await.json();
    assert_eq!(verify["valid"], true, "{verify}");
}
