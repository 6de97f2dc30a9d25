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
