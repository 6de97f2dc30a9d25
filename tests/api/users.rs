use serde_json::json;
use tenure_tests::{unique_email, Harness, Req, PASSWORD};

#[tokio::test]
async fn owner_creates_users_and_lists_them_with_pagination() {
    let h = Harness::new().await;
    let o = h.signup().await;
    for role in ["employee", "hr", "security", "manager"] {
        h.add_user(&o, role).await;
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut req = Req::new("GET", "/auth/admin/users").bearer(&o.access).query("limit", "2");
        if let Some(c) = &cursor {
            req = req.query("cursor", c);
        }
        let r = h.send(req).await;
        r.expect(200);
        let v = r.json();
        let items = v["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        for u in items {
            assert_eq!(u["company_id"], o.company_id.as_str());
            assert!(u.get("password_hash").is_none());
            seen.push(u["id"].as_str().unwrap().to_string());
        }
        match v["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 5, "owner + 4 users: {seen:?}");
    // No user twice across pages (a set, not a dedup of neighbours).
    let distinct: std::collections::BTreeSet<&String> = seen.iter().collect();
    assert_eq!(distinct.len(), 5, "a user on two pages: {seen:?}");
}

#[tokio::test]
async fn hr_may_create_employees_but_not_grant_protected_roles() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let hr = h.add_user(&o, "hr").await;
    h.add_user(&hr, "employee").await;
    for role in ["owner", "security", "hr", "admin"] {
        let r = h
            .send(
                Req::new("POST", "/auth/admin/users")
                    .bearer(&hr.access)
                    .json(json!({"email": unique_email("x"), "full_name": "X", "role": role, "password": PASSWORD})),
            )
            .await;
        r.expect_problem(403, None);
    }
}

#[tokio::test]
async fn employees_cannot_list_or_create_users() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let e = h.add_user(&o, "employee").await;
    h.send(Req::new("GET", "/auth/admin/users").bearer(&e.access)).await.expect_problem(403, None);
    h.send(
        Req::new("POST", "/auth/admin/users")
            .bearer(&e.access)
            .json(json!({"email": unique_email("x"), "full_name": "X", "role": "employee", "password": PASSWORD})),
    )
    .await
    .expect_problem(403, None);
}

#[tokio::test]
async fn owner_changes_a_role_and_the_audit_log_records_it() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let e = h.add_user(&o, "employee").await;
    let r = h
        .send(
            Req::new("PATCH", &format!("/auth/admin/users/{}/role", e.user_id))
                .bearer(&o.access)
                .json(json!({"role": "security"})),
        )
        .await;
    r.expect(200);
    assert_eq!(r.json()["role"], "security");
    assert_eq!(r.json()["version"], 2);
    // The new role applies at once, even to the old token.
    h.send(Req::new("GET", "/audit").bearer(&e.access)).await.expect(200);
    let log = h.send(Req::new("GET", "/audit").bearer(&o.access).query("action", "user.role_changed")).await;
    let ev = &log.json()["items"][0];
    assert_eq!(ev["target"], e.user_id.as_str());
    assert_eq!(ev["actor"], o.user_id.as_str());
    assert_eq!(ev["detail"]["from"], "employee");
    assert_eq!(ev["detail"]["to"], "security");
}

#[tokio::test]
async fn a_stale_version_is_a_conflict_and_changes_nothing() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let e = h.add_user(&o, "employee").await;
    let path = format!("/auth/admin/users/{}/role", e.user_id);
    h.send(Req::new("PATCH", &path).bearer(&o.access).json(json!({"role": "manager", "version": 1}))).await.expect(200);
    h.send(Req::new("PATCH", &path).bearer(&o.access).json(json!({"role": "technician", "version": 1})))
        .await
        .expect_problem(409, None);
    let me = h.send(Req::new("GET", "/auth/me").bearer(&e.access)).await;
    assert_eq!(me.json()["role"], "manager");
}

#[tokio::test]
async fn nobody_changes_their_own_role_or_deactivates_themselves() {
    let h = Harness::new().await;
    let o = h.signup().await;
    h.send(
        Req::new("PATCH", &format!("/auth/admin/users/{}/role", o.user_id))
            .bearer(&o.access)
            .json(json!({"role": "employee"})),
    )
    .await
    .expect_problem(403, None);
    h.send(
        Req::new("PATCH", &format!("/auth/admin/users/{}/status", o.user_id))
            .bearer(&o.access)
            .json(json!({"active": false})),
    )
    .await
    .expect_problem(403, None);
    // Still an active owner: the refused changes changed nothing.
    let me = h.send(Req::new("GET", "/auth/me").bearer(&o.access)).await;
    me.expect(200);
    assert_eq!(me.json()["role"], "owner");
    assert_eq!(me.json()["active"], true);
}

#[tokio::test]
async fn hr_cannot_change_roles() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let hr = h.add_user(&o, "hr").await;
    let e = h.add_user(&o, "employee").await;
    h.send(
        Req::new("PATCH", &format!("/auth/admin/users/{}/role", e.user_id))
            .bearer(&hr.access)
            .json(json!({"role": "manager"})),
    )
    .await
    .expect_problem(403, None);
}

#[tokio::test]
async fn a_deactivated_users_tokens_stop_working_at_once_and_they_cannot_log_in() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let e = h.add_user(&o, "employee").await;
    let r = h
        .send(
            Req::new("PATCH", &format!("/auth/admin/users/{}/status", e.user_id))
                .bearer(&o.access)
                .json(json!({"active": false})),
        )
        .await;
    r.expect(200);
    assert_eq!(r.json()["active"], false);
    h.send(Req::new("GET", "/auth/me").bearer(&e.access)).await.expect_problem(401, None);
    h.send(Req::new("POST", "/auth/refresh").json(json!({"refresh_token": e.refresh}))).await.expect_problem(401, None);
    h.send(Req::new("POST", "/auth/login").json(json!({"email": e.email, "password": PASSWORD})))
        .await
        .expect_problem(401, None);
    // Reactivated, they can sign in again.
    h.send(
        Req::new("PATCH", &format!("/auth/admin/users/{}/status", e.user_id))
            .bearer(&o.access)
            .json(json!({"active": true})),
    )
    .await
    .expect(200);
    h.login(&e.email, PASSWORD).await;
    let log = h.send(Req::new("GET", "/audit").bearer(&o.access).query("target", &e.user_id)).await;
    let actions: Vec<String> =
        log.json()["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap().to_string()).collect();
    for a in ["user.deactivated", "user.activated", "auth.login_failed", "user.created"] {
        assert!(actions.iter().any(|x| x == a), "{a} missing from {actions:?}");
    }
}

#[tokio::test]
async fn another_companys_users_are_not_found() {
    let h = Harness::new().await;
    let a = h.signup().await;
    let b = h.signup().await;
    let b_emp = h.add_user(&b, "employee").await;
    for (path, body) in [
        (format!("/auth/admin/users/{}/role", b_emp.user_id), json!({"role": "manager"})),
        (format!("/auth/admin/users/{}/status", b_emp.user_id), json!({"active": false})),
    ] {
        h.send(Req::new("PATCH", &path).bearer(&a.access).json(body)).await.expect_problem(404, None);
    }
    h.send(Req::new("GET", "/auth/me").bearer(&b_emp.access)).await.expect(200);
    let list = h.send(Req::new("GET", "/auth/admin/users").bearer(&a.access)).await;
    assert!(!list.text.contains(&b_emp.user_id));
    // A non-admin's company_id parameter is ignored, not obeyed.
    let list = h.send(Req::new("GET", "/auth/admin/users").bearer(&a.access).query("company_id", &b.company_id)).await;
    assert!(!list.text.contains(&b_emp.user_id));
}

#[tokio::test]
async fn an_admin_may_work_in_another_company_with_company_id() {
    let h = Harness::new().await;
    let admin = h.admin().await;
    let b = h.signup().await;
    let list =
        h.send(Req::new("GET", "/auth/admin/users").bearer(&admin.access).query("company_id", &b.company_id)).await;
    list.expect(200);
    assert!(list.text.contains(&b.user_id));
    let missing = tenure_core::ids::CompanyId::new().to_string();
    h.send(Req::new("GET", "/auth/admin/users").bearer(&admin.access).query("company_id", &missing))
        .await
        .expect_problem(404, None);
    h.send(Req::new("GET", "/auth/admin/users").bearer(&admin.access).query("company_id", "nope"))
        .await
        .expect_problem(400, Some("company_id"));
}

#[tokio::test]
async fn creating_a_user_with_an_idempotency_key_twice_creates_one_user() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let body = json!({"email": unique_email("idem"), "full_name": "Ida", "role": "employee", "password": PASSWORD});
    let first = h
        .send(
            Req::new("POST", "/auth/admin/users").bearer(&o.access).header("Idempotency-Key", "k-1").json(body.clone()),
        )
        .await;
    first.expect(201);
    let again = h
        .send(
            Req::new("POST", "/auth/admin/users").bearer(&o.access).header("Idempotency-Key", "k-1").json(body.clone()),
        )
        .await;
    again.expect(201);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(first.json()["id"], again.json()["id"]);
    let other = h
        .send(Req::new("POST", "/auth/admin/users").bearer(&o.access).header("Idempotency-Key", "k-1").json(
            json!({"email": unique_email("idem2"), "full_name": "Ida", "role": "employee", "password": PASSWORD}),
        ))
        .await;
    other.expect_problem(422, Some("Idempotency-Key"));
    let list = h.send(Req::new("GET", "/auth/admin/users").bearer(&o.access)).await;
    assert_eq!(list.json()["items"].as_array().unwrap().len(), 2, "owner and one user");
}
