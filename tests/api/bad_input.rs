//! Every kind of bad input gets its clear 4xx and changes nothing.

use base64::Engine;
use serde_json::json;
use tenure_core::auth::jwt::{generate_keypair, Signer};
use tenure_core::domain::roles::Role;
use tenure_core::ids::{CompanyId, SessionId, UserId};
use tenure_tests::{config, unique_email, Harness, Req, PASSWORD};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The user, company and session an account's access token names, and its claims.
fn token_of(a: &tenure_tests::Account) -> (UserId, CompanyId, SessionId, serde_json::Value) {
    let payload = a.access.split('.').nth(1).expect("a JWT");
    let claims: serde_json::Value = serde_json::from_slice(&B64.decode(payload).unwrap()).unwrap();
    let session = SessionId::parse(claims["sid"].as_str().unwrap()).unwrap();
    (UserId::parse(&a.user_id).unwrap(), CompanyId::parse(&a.company_id).unwrap(), session, claims)
}

async fn user_count(h: &Harness, owner: &tenure_tests::Account) -> usize {
    h.send(Req::new("GET", "/auth/admin/users").bearer(&owner.access).query("limit", "100")).await.json()["items"]
        .as_array()
        .unwrap()
        .len()
}

#[tokio::test]
async fn requests_without_a_token_are_401_on_every_protected_route() {
    // Two requests a route, from one address: more than its limit a minute.
    let wide =
        tenure_core::config::RateLimits { per_minute: 100_000, heavy_per_minute: 100_000, ip_per_minute: 100_000 };
    let h = Harness::with_limits(wide).await;
    for r in tenure_core::routes::all().filter(|r| r.access != tenure_core::routes::Access::Public) {
        let path = r.path.replace("{id}", "usr_01JD0000000000000000000001");
        let resp = h.send(Req::new(r.method, &path)).await;
        resp.expect_problem(401, None);
        let resp = h.send(Req::new(r.method, &path).header("authorization", "Basic dXNlcjpwYXNz")).await;
        resp.expect_problem(401, None);
    }
}

#[tokio::test]
async fn expired_forged_alg_none_and_other_key_tokens_are_401() {
    let h = Harness::new().await;
    let a = h.signup().await;
    let (kid, private, _) = tenure_tests::keys();
    let c = config(Default::default());
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let (user, company, session, claims) = token_of(&a);
    let parts: Vec<&str> = a.access.split('.').collect();

    // Expired: signed by the right key an hour ago.
    let (expired, _) =
        Signer::new(kid, private, &c).unwrap().issue(&user, &company, &session, Role::Owner, now - 3600).unwrap();
    // Another key that claims the same kid.
    let (other_private, _) = generate_keypair().unwrap();
    let (other_key, _) =
        Signer::new(kid, &other_private, &c).unwrap().issue(&user, &company, &session, Role::Owner, now).unwrap();
    // An unknown kid.
    let (unknown_kid, _) =
        Signer::new("rotated-away", private, &c).unwrap().issue(&user, &company, &session, Role::Owner, now).unwrap();
    // alg: none, and a payload edited to admin under the real signature.
    let none = format!("{}.{}.", B64.encode(br#"{"alg":"none","typ":"JWT","kid":"test-key"}"#), parts[1]);
    let mut admin_claims = claims.clone();
    admin_claims["role"] = "admin".into();
    let edited = format!("{}.{}.{}", parts[0], B64.encode(admin_claims.to_string()), parts[2]);
    let hs256 = format!("{}.{}.{}", B64.encode(br#"{"alg":"HS256","typ":"JWT","kid":"test-key"}"#), parts[1], parts[2]);

    for (name, token) in [
        ("expired", expired),
        ("other key", other_key),
        ("unknown kid", unknown_kid),
        ("alg none", none),
        ("edited", edited),
        ("hs256", hs256),
        ("garbage", "abc".into()),
    ] {
        let r = h.send(Req::new("GET", "/auth/me").bearer(&token)).await;
        assert_eq!(r.status, 401, "{name} token got {}: {}", r.status, r.text);
    }
    h.send(Req::new("GET", "/auth/me").bearer(&a.access)).await.expect(200);
}

#[tokio::test]
async fn a_token_for_another_companys_session_is_401() {
    let h = Harness::new().await;
    let a = h.signup().await;
    let b = h.signup().await;
    // A validly signed token naming user A but company B (as if the
    // signing key leaked) finds no such session or user in company B.
    let (kid, private, _) = tenure_tests::keys();
    let c = config(Default::default());
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let (t, _) = Signer::new(kid, private, &c)
        .unwrap()
        .issue(
            &UserId::parse(&a.user_id).unwrap(),
            &CompanyId::parse(&b.company_id).unwrap(),
            &SessionId::new(),
            Role::Owner,
            now,
        )
        .unwrap();
    h.send(Req::new("GET", "/auth/admin/users").bearer(&t)).await.expect_problem(401, None);
}

#[tokio::test]
async fn oversized_bodies_are_413_and_create_nothing() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let before = user_count(&h, &o).await;
    let big = json!({"email": unique_email("big"), "full_name": "x".repeat(70 * 1024), "role": "employee", "password": PASSWORD});
    h.send(Req::new("POST", "/auth/admin/users").bearer(&o.access).json(big)).await.expect_problem(413, None);
    let big_signup = json!({"email": unique_email("big"), "password": PASSWORD, "full_name": "x", "company_name": "y".repeat(70 * 1024)});
    h.send(Req::new("POST", "/auth/signup").json(big_signup)).await.expect_problem(413, None);
    assert_eq!(user_count(&h, &o).await, before);
}

#[tokio::test]
async fn wrong_content_types_are_415() {
    let h = Harness::new().await;
    let body =
        json!({"email": unique_email("ct"), "password": PASSWORD, "full_name": "x", "company_name": "y"}).to_string();
    for ct in ["text/plain", "application/x-www-form-urlencoded", "", "application/jsonx"] {
        h.send(Req::new("POST", "/auth/signup").raw(&body, ct)).await.expect_problem(415, None);
    }
    h.send(Req::new("POST", "/auth/signup").raw(&body, "application/json; charset=utf-8")).await.expect(201);
}

#[tokio::test]
async fn malformed_json_is_400_and_wrong_types_name_the_field() {
    let h = Harness::new().await;
    for body in ["{", "{\"email\": }", "not json", "[1,2", "{\"email\":\"a\"}}"] {
        h.send(Req::new("POST", "/auth/signup").raw(body, "application/json")).await.expect_problem(400, None);
    }
    let r = h
        .send(
            Req::new("POST", "/auth/signup")
                .json(json!({"email": 42, "password": PASSWORD, "full_name": "x", "company_name": "y"})),
        )
        .await;
    r.expect_problem(400, Some("email"));
    let r = h.send(Req::new("POST", "/auth/signup").json(json!([1, 2, 3]))).await;
    r.expect_problem(400, None);
    let o = h.signup().await;
    let e = h.add_user(&o, "employee").await;
    let r = h
        .send(
            Req::new("PATCH", &format!("/auth/admin/users/{}/status", e.user_id))
                .bearer(&o.access)
                .json(json!({"active": "no"})),
        )
        .await;
    r.expect_problem(400, Some("active"));
    h.send(Req::new("GET", "/auth/me").bearer(&e.access)).await.expect(200);
}

#[tokio::test]
async fn missing_and_invalid_fields_are_422_naming_each_field() {
    let h = Harness::new().await;
    h.send(Req::new("POST", "/auth/signup").json(json!({"password": PASSWORD, "full_name": "x", "company_name": "y"})))
        .await
        .expect_problem(422, Some("email"));
    let r = h
        .send(
            Req::new("POST", "/auth/signup").json(
                json!({"email": "not-an-email", "password": "short", "full_name": "\u{0007}", "company_name": ""}),
            ),
        )
        .await;
    for f in ["email", "password", "full_name", "company_name"] {
        r.expect_problem(422, Some(f));
    }
    h.send(
        Req::new("POST", "/auth/signup").json(
            json!({"email": unique_email("c"), "password": "password1234", "full_name": "x", "company_name": "y"}),
        ),
    )
    .await
    .expect_problem(422, Some("password"));
    let o = h.signup().await;
    let r = h
        .send(
            Req::new("POST", "/auth/admin/users")
                .bearer(&o.access)
                .json(json!({"email": unique_email("r"), "full_name": "x", "role": "superuser", "password": PASSWORD})),
        )
        .await;
    r.expect_problem(422, Some("role"));
}

#[tokio::test]
async fn a_body_cannot_set_role_company_id_or_version() {
    let h = Harness::new().await;
    let other = CompanyId::new().to_string();
    for extra in [
        json!({"role": "admin"}),
        json!({"company_id": other}),
        json!({"id": "usr_01JD0000000000000000000001"}),
        json!({"version": 7}),
    ] {
        let mut body =
            json!({"email": unique_email("mass"), "password": PASSWORD, "full_name": "x", "company_name": "y"});
        let key = extra.as_object().unwrap().keys().next().unwrap().clone();
        body[&key] = extra[&key].clone();
        h.send(Req::new("POST", "/auth/signup").json(body.clone())).await.expect_problem(422, Some(&key));
        // Nothing was created: that email cannot sign in.
        h.send(Req::new("POST", "/auth/login").json(json!({"email": body["email"], "password": PASSWORD})))
            .await
            .expect_problem(401, None);
    }
    let o = h.signup().await;
    let e = h.add_user(&o, "employee").await;
    let r = h
        .send(
            Req::new("PATCH", &format!("/auth/admin/users/{}/status", e.user_id))
                .bearer(&o.access)
                .json(json!({"active": true, "role": "owner"})),
        )
        .await;
    r.expect_problem(422, Some("role"));
    assert_eq!(h.send(Req::new("GET", "/auth/me").bearer(&e.access)).await.json()["role"], "employee");
}

#[tokio::test]
async fn edited_and_foreign_cursors_are_400() {
    let h = Harness::new().await;
    let a = h.signup().await;
    for role in ["employee", "manager", "hr"] {
        h.add_user(&a, role).await;
    }
    let page = h.send(Req::new("GET", "/auth/admin/users").bearer(&a.access).query("limit", "1")).await.json();
    let cursor = page["next_cursor"].as_str().unwrap().to_string();
    // The same cursor works for its own list…
    h.send(Req::new("GET", "/auth/admin/users").bearer(&a.access).query("cursor", &cursor)).await.expect(200);
    // …but not edited…
    let (payload, tag) = cursor.split_once('.').unwrap();
    let mut key: serde_json::Value = serde_json::from_slice(&B64.decode(payload).unwrap()).unwrap();
    let b = h.signup().await;
    key["pk"] = format!("CO#{}", b.company_id).into();
    let edited = format!("{}.{tag}", B64.encode(key.to_string()));
    for bad in [edited.as_str(), "garbage", &format!("{cursor}x"), &cursor[1..]] {
        h.send(Req::new("GET", "/auth/admin/users").bearer(&a.access).query("cursor", bad))
            .await
            .expect_problem(400, Some("cursor"));
    }
    // …nor in another company's hands, nor on another list.
    h.send(Req::new("GET", "/auth/admin/users").bearer(&b.access).query("cursor", &cursor))
        .await
        .expect_problem(400, Some("cursor"));
    h.send(Req::new("GET", "/audit").bearer(&a.access).query("cursor", &cursor))
        .await
        .expect_problem(400, Some("cursor"));
    for limit in ["0", "-1", "abc", "1.5"] {
        h.send(Req::new("GET", "/auth/admin/users").bearer(&a.access).query("limit", limit))
            .await
            .expect_problem(400, Some("limit"));
    }
}

#[tokio::test]
async fn unknown_paths_are_404_and_wrong_methods_405() {
    // Through the function that serves `$default`, as API Gateway routes
    // every request no route matches (issue 11: it answered an empty 404).
    let h = Harness::new().await;
    for path in ["/auth/nothing", "/nope", "/leavers/x/y/z", "/status/extra"] {
        h.send(Req::new("GET", path)).await.expect_problem(404, None);
    }
    for (method, path) in [("DELETE", "/auth/me"), ("POST", "/status"), ("DELETE", "/"), ("PUT", "/alerts/alr_x")] {
        h.send(Req::new(method, path)).await.expect_problem(405, None);
    }
}

#[tokio::test]
async fn hostile_strings_are_stored_as_plain_text() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let name = "O'Brien; DROP TABLE users; -- <script>alert(1)</script> ☃";
    let r = h
        .send(Req::new("POST", "/auth/admin/users").bearer(&o.access).json(
            json!({"email": unique_email("obrien"), "full_name": name, "role": "employee", "password": PASSWORD}),
        ))
        .await;
    r.expect(201);
    assert_eq!(r.json()["full_name"], name);
    // And read back from the store exactly so, not just echoed.
    let id = r.json()["id"].as_str().unwrap().to_string();
    let users = h.send(Req::get("/auth/admin/users").bearer(&o.access).query("limit", "100")).await.json();
    let stored =
        users["items"].as_array().unwrap().iter().find(|u| u["id"] == id.as_str()).expect("the user is listed").clone();
    assert_eq!(stored["full_name"], name);
}

#[tokio::test]
async fn calendar_edge_dates_in_audit_filters_are_400_not_a_crash() {
    let h = Harness::new().await;
    let o = h.signup().await;
    for v in ["9999-12-31T23:59:59-23:59", "-9999-01-01T00:00:00Z", "0000-01-01T00:00:00+23:59"] {
        h.send(Req::get("/audit").bearer(&o.access).query("from", v)).await.expect_problem(400, Some("from"));
    }
}

#[tokio::test]
async fn a_function_cannot_make_a_dynamodb_call_it_did_not_declare() {
    let h = Harness::new().await;
    // `status` declares only UpdateItem (its rate limit): anything else is
    // refused by its own client before it leaves the process.
    let status = h.app("status");
    let key = tenure_core::store::keys::credential("nobody@example.com");
    let err = status.store.get(&key).await.unwrap_err();
    assert!(err.to_string().contains("may not call dynamodb:GetItem"), "{err}");
    // `audit` may query the table but has no index.
    let audit = h.app("audit");
    let r = audit
        .store
        .query(
            Some(("gsi1", "gsi1pk", "gsi1sk")),
            "COMPANIES",
            tenure_core::store::SkCond::Prefix("cmp_"),
            1,
            None,
            true,
            None,
        )
        .await;
    assert!(r.unwrap_err().to_string().contains("on index gsi1"));
}

/// Issue 11: a cursor's tag was a digest anyone could recompute, so
/// `{"gsi1pk": "CO#<own company>"}` with a fresh tag reached DynamoDB as a
/// ValidationException (a 500). The tag is now an HMAC under the
/// deployment's cursor key: a cursor tagged the old way, or under another
/// key, is a 400 naming `cursor`. And even with the key (as if it leaked),
/// a key that names other key attributes of the caller's own partition, or
/// lacks one, or has an empty one, is a 400, never a 500.
#[tokio::test]
async fn forged_cursors_in_the_callers_own_partition_are_400_not_500() {
    use sha2::Digest;
    let h = Harness::new().await;
    let a = h.signup().await;
    let own = format!("CO#{}", a.company_id);
    // The scope `Ctx::page` tags a cursor with: tenant, caller, route, list.
    let scope = |route: &str, list: &str| format!("{}|{}|{route}|{list}", a.company_id, a.user_id);
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;

    // A real first page's cursor, re-tagged without the key (the v1 digest)
    // or under another key: refused.
    for _ in 0..2 {
        h.add_user(&a, "employee").await;
    }
    let first = h.send(Req::get("/auth/admin/users").bearer(&a.access).query("limit", "1")).await;
    let real = first.expect(200).json()["next_cursor"].as_str().expect("a next page").to_string();
    let (payload, _) = real.split_once('.').unwrap();
    let mut digest = sha2::Sha256::new();
    digest.update(format!("tenure-cursor-v1\n{}\n{payload}", scope("GET /auth/admin/users", "users")).as_bytes());
    let unkeyed = format!("{payload}.{}", b64.encode(&digest.finalize()[..16]));
    let other_key = tenure_core::auth::cursor_key::CursorKey::new(vec![9; 32]).unwrap();
    let map: std::collections::HashMap<String, String> = serde_json::from_slice(&b64.decode(payload).unwrap()).unwrap();
    let foreign = tenure_core::http::cursor::encode(&other_key, &scope("GET /auth/admin/users", "users"), &map);
    for forged in [unkeyed, foreign] {
        h.send(Req::get("/auth/admin/users").bearer(&a.access).query("cursor", &forged))
            .await
            .expect_problem(400, Some("cursor"));
    }
    h.send(Req::get("/auth/admin/users").bearer(&a.access).query("cursor", &real)).await.expect(200);

    let secret = tenure_tests::cursor_key();
    let forged: Vec<(&str, &str, serde_json::Value)> = vec![
        ("GET /auth/admin/users", "users", json!({"gsi1pk": own})),
        ("GET /auth/admin/users", "users", json!({"pk": own})),
        ("GET /auth/admin/users", "users", json!({"pk": own, "sk": ""})),
        ("GET /auth/admin/users", "users", json!({"pk": own, "sk": "USER#x", "gsi1pk": own})),
        ("GET /auth/admin/users", "users", json!({"pk": own, "sk": "USER#x", "gsi2pk": own, "gsi2sk": "x"})),
    ];
    for (route, list, key) in forged {
        let map: std::collections::HashMap<String, String> = serde_json::from_value(key.clone()).unwrap();
        let cursor = tenure_core::http::cursor::encode(secret, &scope(route, list), &map);
        let path = route.split_once(' ').unwrap().1;
        h.send(Req::get(path).bearer(&a.access).query("cursor", &cursor)).await.expect_problem(400, Some("cursor"));
    }
    // A well-formed key of the right shape that DynamoDB itself refuses
    // (a sort key too long for a key attribute) is a 400 too.
    let long = "x".repeat(1100);
    let map = std::collections::HashMap::from([("pk".to_string(), own.clone()), ("sk".to_string(), long)]);
    let cursor = tenure_core::http::cursor::encode(secret, &scope("GET /auth/admin/users", "users"), &map);
    h.send(Req::get("/auth/admin/users").bearer(&a.access).query("cursor", &cursor))
        .await
        .expect_problem(400, Some("cursor"));
}

/// A body that is not UTF-8 reaches a function base64-encoded
/// (`isBase64Encoded`), as API Gateway hands over binary bodies: it is a 400
/// (not JSON), a 415 under another content type, never a 5xx. (Locally,
/// `cargo lambda watch` refuses such a body itself, without invoking any
/// function; see tests/fuzz/hooks.py.)
#[tokio::test]
async fn a_body_that_is_not_utf8_is_a_400_or_415_not_a_server_error() {
    let h = Harness::new().await;
    let garbage =
        base64::engine::general_purpose::STANDARD.encode([0xff, 0xfe, 0x27, 0x45, 0x74, 0x2e, 0x2d, 0x39, 0xc3]);
    for (content_type, want) in [("application/json", 400), ("text/plain", 415)] {
        let mut event = Req::new("POST", "/auth/login").raw("x", content_type).event(&h.ip);
        event["body"] = garbage.clone().into();
        event["isBase64Encoded"] = true.into();
        let request = lambda_http::request::from_str(&event.to_string()).expect("a valid API Gateway v2 event");
        let group = tenure_core::routes::group("auth").expect("the auth group");
        let reply = tenure_core::http::handle(h.app("auth"), group, request).await;
        assert_eq!(reply.status().as_u16(), want, "{content_type}");
        assert_eq!(reply.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("application/problem+json"));
    }
}

/// Tokens signed by the right key but for another issuer or audience, or
/// issued in the future, are 401 (issue 12).
#[tokio::test]
async fn tokens_with_a_wrong_issuer_audience_or_a_future_iat_are_401() {
    let h = Harness::new().await;
    let a = h.signup().await;
    let (kid, private, _) = tenure_tests::keys();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let (user, company, session, _) = token_of(&a);
    let signed = |issuer: &str, audience: &str, at: i64| {
        let mut c = config(Default::default());
        c.issuer = issuer.into();
        c.audience = audience.into();
        Signer::new(kid, private, &c).unwrap().issue(&user, &company, &session, Role::Owner, at).unwrap().0
    };
    let right = config(Default::default());
    for (name, token) in [
        ("another issuer", signed("someone-else", &right.audience, now)),
        ("another audience", signed(&right.issuer, "another-api", now)),
        ("issued in an hour", signed(&right.issuer, &right.audience, now + 3600)),
    ] {
        let r = h.send(Req::new("GET", "/auth/me").bearer(&token)).await;
        assert_eq!(r.status, 401, "{name} token got {}: {}", r.status, r.text);
    }
    // The same signer with the right claims works: the refusals were the claims'.
    let good = signed(&right.issuer, &right.audience, now);
    h.send(Req::new("GET", "/auth/me").bearer(&good)).await.expect(200);
}

/// A deactivated user's tokens stay dead after the user is reactivated:
/// deactivation revokes every session, it does not pause them (issue 12).
#[tokio::test]
async fn a_reactivated_users_old_access_and_refresh_tokens_stay_dead() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let e = h.add_user(&o, "employee").await;
    let status = |active: bool| {
        Req::new("PATCH", &format!("/auth/admin/users/{}/status", e.user_id))
            .bearer(&o.access)
            .json(serde_json::json!({"active": active}))
    };
    h.send(status(false)).await.expect(200);
    h.send(status(true)).await.expect(200);
    h.send(Req::new("GET", "/auth/me").bearer(&e.access)).await.expect_problem(401, None);
    h.send(Req::new("POST", "/auth/refresh").json(serde_json::json!({"refresh_token": e.refresh})))
        .await
        .expect_problem(401, None);
    // Signing in again works.
    let again = h.login(&e.email, &e.password).await;
    h.send(Req::new("GET", "/auth/me").bearer(&again.access)).await.expect(200);
}
