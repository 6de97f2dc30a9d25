use serde_json::json;
use tenure_tests::{unique_email, Harness, Req, PASSWORD};

#[tokio::test]
async fn signup_creates_a_company_and_its_owner() {
    let h = Harness::new().await;
    let email = unique_email("founder");
    let r = h
        .send(Req::new("POST", "/auth/signup").json(json!({"email": email.to_uppercase(), "password": PASSWORD, "full_name": "Ada Founder", "company_name": "Ada Co"})))
        .await;
    r.expect(201);
    let v = r.json();
    assert_eq!(v["user"]["role"], "owner");
    assert_eq!(v["user"]["email"], email, "emails are stored lower-cased");
    assert_eq!(v["user"]["active"], true);
    assert_eq!(v["user"]["company_id"], v["company"]["id"]);
    assert!(v["user"]["id"].as_str().unwrap().starts_with("usr_"));
    assert!(v["company"]["id"].as_str().unwrap().starts_with("cmp_"));
    assert!(!r.text.contains("argon2"), "a password hash leaked: {}", r.text);
}

#[tokio::test]
async fn signup_with_a_taken_email_is_a_conflict_and_creates_nothing() {
    let h = Harness::new().await;
    let a = h.signup().await;
    let r = h
        .send(Req::new("POST", "/auth/signup").json(json!({"email": a.email, "password": "another good passphrase", "full_name": "Mallory", "company_name": "Evil"})))
        .await;
    r.expect_problem(409, None);
    // The original owner still signs in with the original password.
    h.login(&a.email, PASSWORD).await;
    let bad = h
        .send(Req::new("POST", "/auth/login").json(json!({"email": a.email, "password": "another good passphrase"})))
        .await;
    bad.expect_problem(401, None);
}

#[tokio::test]
async fn login_returns_tokens_and_me_shows_the_user() {
    let h = Harness::new().await;
    let a = h.signup().await;
    let r = h.send(Req::new("POST", "/auth/login").json(json!({"email": a.email, "password": PASSWORD}))).await;
    r.expect(200);
    let v = r.json();
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["expires_in"], 900);
    assert!(v["refresh_token"].as_str().unwrap().starts_with("rt1."));
    let me = h.send(Req::new("GET", "/auth/me").bearer(v["access_token"].as_str().unwrap())).await;
    me.expect(200);
    let m = me.json();
    assert_eq!(m["email"], a.email);
    assert_eq!(m["role"], "owner");
    for leaked in ["password", "password_hash"] {
        assert!(m.get(leaked).is_none(), "{leaked} in {m}");
    }
}

#[tokio::test]
async fn every_bad_credential_gets_the_same_message() {
    let h = Harness::new().await;
    let a = h.signup().await;
    let wrong_password =
        h.send(Req::new("POST", "/auth/login").json(json!({"email": a.email, "password": "not the password"}))).await;
    let unknown = h
        .send(Req::new("POST", "/auth/login").json(json!({"email": unique_email("nobody"), "password": PASSWORD})))
        .await;
    wrong_password.expect_problem(401, None);
    unknown.expect_problem(401, None);
    assert_eq!(wrong_password.json()["detail"], unknown.json()["detail"]);
}

#[tokio::test]
async fn repeated_failures_lock_the_account_with_retry_after() {
    let h = Harness::new().await;
    let a = h.signup().await;
    for _ in 0..5 {
        h.send(Req::new("POST", "/auth/login").json(json!({"email": a.email, "password": "wrong password!!"})))
            .await
            .expect(401);
    }
    let locked = h.send(Req::new("POST", "/auth/login").json(json!({"email": a.email, "password": PASSWORD}))).await;
    locked.expect_problem(429, None);
    let retry: u64 = locked.header("retry-after").unwrap().parse().unwrap();
    assert!(retry > 800 && retry <= 900, "retry-after {retry}");
}

/// The statuses, Retry-After and problem documents of six wrong sign-ins
/// and then a seventh attempt with `last_password`.
async fn seven_sign_ins(h: &Harness, email: &str, last_password: &str) -> Vec<(u16, Option<u64>, serde_json::Value)> {
    let mut out = Vec::new();
    for i in 0..7 {
        let password = if i == 6 { last_password } else { "wrong password!!" };
        let r = h.send(Req::new("POST", "/auth/login").json(json!({"email": email, "password": password}))).await;
        let retry = r.header("retry-after").and_then(|v| v.parse().ok());
        let mut problem = r.json();
        problem.as_object_mut().map(|p| p.remove("request_id"));
        out.push((r.status, retry, problem));
    }
    out
}

#[tokio::test]
async fn an_unknown_email_locks_exactly_like_an_account_so_lockouts_reveal_no_account() {
    let h = Harness::new().await;
    let a = h.signup().await;
    let real = seven_sign_ins(&h, &a.email, PASSWORD).await;
    let unknown = seven_sign_ins(&Harness::new().await, &unique_email("nobody"), PASSWORD).await;
    let statuses = |v: &[(u16, Option<u64>, serde_json::Value)]| v.iter().map(|r| r.0).collect::<Vec<_>>();
    assert_eq!(statuses(&real), vec![401, 401, 401, 401, 401, 429, 429], "a real account");
    assert_eq!(statuses(&unknown), statuses(&real), "an unknown email answers as a real account does");
    for (i, (r, u)) in real.iter().zip(&unknown).enumerate() {
        assert_eq!(r.2, u.2, "attempt {}: the same problem document", i + 1);
        match (r.1, u.1) {
            (None, None) => {}
            (Some(x), Some(y)) => assert!(x.abs_diff(y) <= 5, "attempt {}: Retry-After {x} vs {y}", i + 1),
            other => panic!("attempt {}: Retry-After differs: {other:?}", i + 1),
        }
    }
    // The lock does not make the email an account: signing up with it works.
    let email = unique_email("later");
    seven_sign_ins(&h, &email, PASSWORD).await;
    h.send(
        Req::new("POST", "/auth/signup").json(
            json!({"email": email, "password": PASSWORD, "full_name": "Late Comer", "company_name": "Later Ltd"}),
        ),
    )
    .await
    .expect(201);
}

#[tokio::test]
async fn refresh_rotates_and_a_reused_refresh_token_revokes_the_family() {
    let h = Harness::new().await;
    let a = h.signup().await;
    let r1 = h.send(Req::new("POST", "/auth/refresh").json(json!({"refresh_token": a.refresh}))).await;
    r1.expect(200);
    let v1 = r1.json();
    let second = v1["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(second, a.refresh);
    // The new access token works.
    h.send(Req::new("GET", "/auth/me").bearer(v1["access_token"].as_str().unwrap())).await.expect(200);
    // Replaying the first refresh token is reuse: the whole session dies.
    h.send(Req::new("POST", "/auth/refresh").json(json!({"refresh_token": a.refresh}))).await.expect_problem(401, None);
    h.send(Req::new("POST", "/auth/refresh").json(json!({"refresh_token": second}))).await.expect_problem(401, None);
    h.send(Req::new("GET", "/auth/me").bearer(&a.access)).await.expect_problem(401, None);
    h.send(Req::new("GET", "/auth/me").bearer(v1["access_token"].as_str().unwrap())).await.expect_problem(401, None);
    // And the reuse is in the audit log.
    let owner = h.login(&a.email, PASSWORD).await;
    let log = h.send(Req::new("GET", "/audit").bearer(&owner.access).query("action", "auth.refresh_reused")).await;
    log.expect(200);
    assert_eq!(log.json()["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_forged_refresh_secret_is_refused_without_revoking_the_session() {
    let h = Harness::new().await;
    let a = h.signup().await;
    let mut forged = a.refresh.clone();
    forged.truncate(forged.len() - 4);
    forged.push_str("AAAA");
    h.send(Req::new("POST", "/auth/refresh").json(json!({"refresh_token": forged}))).await.expect_problem(401, None);
    h.send(Req::new("GET", "/auth/me").bearer(&a.access)).await.expect(200);
    h.send(Req::new("POST", "/auth/refresh").json(json!({"refresh_token": a.refresh}))).await.expect(200);
}

#[tokio::test]
async fn logout_revokes_the_access_token_and_the_refresh_token() {
    let h = Harness::new().await;
    let a = h.signup().await;
    h.send(Req::new("POST", "/auth/logout").bearer(&a.access)).await.expect(204);
    h.send(Req::new("GET", "/auth/me").bearer(&a.access)).await.expect_problem(401, None);
    h.send(Req::new("POST", "/auth/refresh").json(json!({"refresh_token": a.refresh}))).await.expect_problem(401, None);
}

#[tokio::test]
async fn logout_can_also_revoke_another_session_of_the_same_user() {
    let h = Harness::new().await;
    let a = h.signup().await;
    let other = h.login(&a.email, PASSWORD).await;
    h.send(Req::new("POST", "/auth/logout").bearer(&a.access).json(json!({"refresh_token": other.refresh})))
        .await
        .expect(204);
    h.send(Req::new("GET", "/auth/me").bearer(&other.access)).await.expect_problem(401, None);
}

#[tokio::test]
async fn logout_refuses_someone_elses_refresh_token_and_changes_nothing() {
    let h = Harness::new().await;
    let a = h.signup().await;
    let b = h.signup().await;
    h.send(Req::new("POST", "/auth/logout").bearer(&a.access).json(json!({"refresh_token": b.refresh})))
        .await
        .expect_problem(422, Some("refresh_token"));
    h.send(Req::new("GET", "/auth/me").bearer(&a.access)).await.expect(200);
    h.send(Req::new("GET", "/auth/me").bearer(&b.access)).await.expect(200);
}

#[tokio::test]
async fn the_bootstrap_admin_is_created_once_and_never_overwritten() {
    let h = Harness::new().await;
    let email = unique_email("boot");
    let app = h.app("auth");
    assert!(tenure_core::api::auth::bootstrap_admin(&app, &email, PASSWORD).await.unwrap());
    assert!(!tenure_core::api::auth::bootstrap_admin(&app, &email, "a different passphrase").await.unwrap());
    let admin = h.login(&email, PASSWORD).await;
    let me = h.send(Req::new("GET", "/auth/me").bearer(&admin.access)).await;
    assert_eq!(me.json()["role"], "admin");
    assert!(tenure_core::api::auth::bootstrap_admin(&app, &unique_email("weak"), "short").await.is_err());
}

#[tokio::test]
async fn parallel_wrong_passwords_are_all_counted_toward_the_lock() {
    let h = Harness::new().await;
    let a = h.signup().await;
    // Four guesses at once (one fewer than the lock), each from its own IP
    // and function instance: every one must be counted.
    let mut set = tokio::task::JoinSet::new();
    for i in 0..4 {
        let email = a.email.clone();
        set.spawn(async move {
            let h = Harness::new().await;
            let req = Req::new("POST", "/auth/login").json(json!({"email": email, "password": "wrong guess 123"}));
            h.send_from(req, &format!("198.51.100.{i}")).await.status
        });
    }
    let statuses = set.join_all().await;
    assert_eq!(statuses, vec![401; 4]);
    let cred = h.store.get(&tenure_core::store::keys::credential(&a.email)).await.unwrap().unwrap();
    assert_eq!(tenure_core::store::number(&cred, "failed_logins"), Some(4), "every parallel guess counted");
    // So the next wrong one is the fifth: it locks, and the right password
    // is then refused.
    h.send(Req::new("POST", "/auth/login").json(json!({"email": a.email, "password": "wrong guess 123"})))
        .await
        .expect_problem(401, None);
    h.send(Req::new("POST", "/auth/login").json(json!({"email": a.email, "password": PASSWORD})))
        .await
        .expect_problem(429, None);
}

#[tokio::test]
async fn a_demoted_admins_old_token_cannot_reach_another_company() {
    let h = Harness::new().await;
    let boss = h.admin().await;
    let b = h.admin().await;
    let victim = h.signup().await;
    h.send(Req::get("/auth/admin/users").bearer(&b.access).query("company_id", &victim.company_id)).await.expect(200);
    h.send(
        Req::new("PATCH", &format!("/auth/admin/users/{}/role", b.user_id))
            .bearer(&boss.access)
            .json(json!({"role": "hr"})),
    )
    .await
    .expect(200);
    h.send(Req::get("/auth/admin/users").bearer(&b.access).query("company_id", &victim.company_id))
        .await
        .expect_problem(403, None);
}

/// Ends the current lock of `email` as the clock would (its credential, or
/// the attempts item of an email without an account).
async fn end_lock(h: &Harness, email: &str) {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    for key in [tenure_core::store::keys::credential(email), tenure_core::store::keys::login_attempts(email)] {
        if h.store.get(&key).await.expect("read").is_some() {
            h.store
                .update_returning(
                    &key,
                    "SET locked_until = :past",
                    tenure_core::store::Cond::None,
                    tenure_core::store::Exprs::new().num(":past", now - 1),
                )
                .await
                .expect("end the lock");
        }
    }
}

async fn sign_in_status(h: &Harness, email: &str, password: &str) -> u16 {
    h.send(Req::new("POST", "/auth/login").json(json!({"email": email, "password": password}))).await.status
}

/// Attempts during a lock neither count nor extend it: once it ends, the
/// right password signs in at once, and a wrong one is one failure, not a
/// new lock; for an email without an account exactly the same (issue 11).
#[tokio::test]
async fn attempts_during_a_lock_neither_count_nor_extend_it_for_accounts_and_unknown_emails() {
    let h = Harness::new().await;
    let a = h.signup().await;
    let nobody = unique_email("nobody");
    for email in [a.email.as_str(), nobody.as_str()] {
        let statuses: Vec<u16> = {
            let mut v = Vec::new();
            for _ in 0..5 {
                v.push(sign_in_status(&h, email, "wrong password!!").await);
            }
            for _ in 0..6 {
                v.push(sign_in_status(&h, email, "wrong password!!").await);
            }
            v
        };
        assert_eq!(statuses, [vec![401; 5], vec![429; 6]].concat(), "{email}: five failures lock, then refused");
        end_lock(&h, email).await;
        // One wrong attempt after the lock is a plain failure, not a new lock.
        assert_eq!(sign_in_status(&h, email, "wrong password!!").await, 401, "{email}: the lock was extended");
    }
    // And the account's owner signs in at once.
    assert_eq!(sign_in_status(&h, &a.email, PASSWORD).await, 200);
}

/// A refused attempt on a locked email still counts against the client's
/// IP (issue 11: attempts on locked accounts cost the attacker nothing).
#[tokio::test]
async fn attempts_on_a_locked_email_are_charged_to_the_ip() {
    let h = Harness::new().await;
    let email = unique_email("locked");
    for _ in 0..5 {
        sign_in_status(&h, &email, "wrong password!!").await;
    }
    let w = tenure_core::domain::ratelimit::window(time::OffsetDateTime::now_utc().unix_timestamp());
    let key = tenure_core::store::keys::rate_limit(&format!("ip:{}", h.ip), &w.hour);
    let count = |item: Option<tenure_core::store::Item>| -> u64 {
        item.and_then(|i| i.get(&w.minute_attr).and_then(|v| v.as_n().ok()).and_then(|n| n.parse().ok())).unwrap_or(0)
    };
    let before = count(h.store.get(&key).await.unwrap());
    assert_eq!(sign_in_status(&h, &email, "wrong password!!").await, 429);
    let after = count(h.store.get(&key).await.unwrap());
    // (A minute boundary between the two reads would start a new counter.)
    assert!(
        after == before + 1 || (before > 0 && after == 1),
        "the locked attempt was not charged: {before} -> {after}"
    );
}

/// A refresh session past its expiry is refused like a revoked one, and the
/// refusal rotates nothing (issue 12).
#[tokio::test]
async fn an_expired_refresh_session_is_refused_and_rotates_nothing() {
    use tenure_core::store::{Cond, Exprs, Key};
    let h = Harness::new().await;
    let a = h.signup().await;
    let pk = format!("CO#{}", a.company_id);
    let sessions = h.store.query_prefix(&pk, "SESSION#", 10, None, true).await.expect("the sessions");
    assert_eq!(sessions.items.len(), 1, "signup opens one session");
    let sk = match sessions.items[0].get("sk") {
        Some(aws_sdk_dynamodb::types::AttributeValue::S(s)) => s.clone(),
        other => panic!("a session without sk: {other:?}"),
    };
    let key = Key { pk, sk };
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    h.store
        .update_returning(&key, "SET expires_at = :past", Cond::Exists, Exprs::new().num(":past", now - 1))
        .await
        .expect("expire the session");
    let before = h.store.get(&key).await.expect("read").expect("the session");
    h.send(Req::new("POST", "/auth/refresh").json(json!({"refresh_token": a.refresh}))).await.expect_problem(401, None);
    let after = h.store.get(&key).await.expect("read").expect("the session");
    assert_eq!(before, after, "a refused refresh changed the session");
}

/// A good sign-in clears the failures before it: four wrong passwords, the
/// right one, then four more wrong ones are each a plain failure, not a lock
/// at the fifth (issue 12).
#[tokio::test]
async fn a_good_sign_in_resets_the_failure_count() {
    let h = Harness::new().await;
    let a = h.signup().await;
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(sign_in_status(&h, &a.email, "wrong password!!").await);
    }
    statuses.push(sign_in_status(&h, &a.email, PASSWORD).await);
    for _ in 0..4 {
        statuses.push(sign_in_status(&h, &a.email, "wrong password!!").await);
    }
    statuses.push(sign_in_status(&h, &a.email, PASSWORD).await);
    assert_eq!(statuses, [vec![401; 4], vec![200], vec![401; 4], vec![200]].concat());
}
