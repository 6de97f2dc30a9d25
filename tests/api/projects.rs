//! Projects and tasks: owner-only access with the company owner's and an
//! admin's override, soft delete, transfer, tasks with their history, a
//! person's open tasks across projects, and every bad input.

use serde_json::{json, Value};
use tenure_tests::{Account, Harness, Req};

async fn project(h: &Harness, by: &Account, name: &str) -> Value {
    let r = h
        .send(Req::new("POST", "/projects").bearer(&by.access).json(json!({"name": name, "description": "Q3 work"})))
        .await;
    r.expect(201);
    r.json()
}

async fn task(h: &Harness, by: &Account, project: &str, body: Value) -> Value {
    let r = h.send(Req::new("POST", &format!("/projects/{project}/tasks")).bearer(&by.access).json(body)).await;
    r.expect(201);
    r.json()
}

fn ids(list: &Value) -> Vec<String> {
    list["items"].as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap().to_string()).collect()
}

async fn my_tasks(h: &Harness, by: &Account) -> Vec<String> {
    ids(&h.send(Req::get("/tasks").bearer(&by.access).query("assignee_id", "me")).await.json())
}

#[tokio::test]
async fn a_project_is_its_owners_with_the_company_owner_and_an_admin_overriding() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let alice = h.add_user(&o, "employee").await;
    let bob = h.add_user(&o, "manager").await;
    let admin = h.admin().await;
    let p = project(&h, &alice, "Migration").await;
    let id = p["id"].as_str().unwrap().to_string();
    assert_eq!(p["owner_id"], alice.user_id.as_str());
    assert_eq!(p["history"][0]["action"], "created");

    // Bob does not learn it exists.
    h.send(Req::get(&format!("/projects/{id}")).bearer(&bob.access)).await.expect(404);
    h.send(
        Req::new("PUT", &format!("/projects/{id}")).bearer(&bob.access).json(json!({"version": 1, "name": "Mine now"})),
    )
    .await
    .expect(404);
    assert!(ids(&h.send(Req::get("/projects").bearer(&bob.access)).await.json()).is_empty());
    // The company owner and a platform admin (naming the company) do.
    h.send(Req::get(&format!("/projects/{id}")).bearer(&o.access)).await.expect(200);
    h.send(Req::get(&format!("/projects/{id}")).bearer(&admin.access).query("company_id", &o.company_id))
        .await
        .expect(200);
    assert_eq!(ids(&h.send(Req::get("/projects").bearer(&o.access)).await.json()), vec![id.clone()]);

    // PUT replaces: an absent description is cleared.
    let r = h
        .send(
            Req::new("PUT", &format!("/projects/{id}"))
                .bearer(&alice.access)
                .json(json!({"version": 1, "name": "Migration 2"})),
        )
        .await;
    r.expect(200);
    assert_eq!(r.json()["description"], Value::Null);
    assert_eq!(r.json()["version"], 2);
    h.send(
        Req::new("PUT", &format!("/projects/{id}")).bearer(&alice.access).json(json!({"version": 1, "name": "Stale"})),
    )
    .await
    .expect(409);

    // Transfer: to an active person of the company, not to its owner, not
    // to a deactivated one.
    let transfer = |to: &str| {
        Req::new("POST", &format!("/projects/{id}/transfer")).bearer(&alice.access).json(json!({"owner_id": to}))
    };
    h.send(transfer(&alice.user_id)).await.expect_problem(422, Some("owner_id"));
    let gone = h.add_user(&o, "employee").await;
    h.send(
        Req::new("PATCH", &format!("/auth/admin/users/{}/status", gone.user_id))
            .bearer(&o.access)
            .json(json!({"active": false})),
    )
    .await
    .expect(200);
    h.send(transfer(&gone.user_id)).await.expect_problem(422, Some("owner_id"));
    let stranger = h.signup().await;
    h.send(transfer(&stranger.user_id)).await.expect_problem(422, Some("owner_id"));
    let r = h.send(transfer(&bob.user_id)).await;
    r.expect(200);
    let moved = r.json();
    assert_eq!(moved["owner_id"], bob.user_id.as_str());
    let last = moved["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!((last["action"].as_str(), last["actor"].as_str()), (Some("transferred"), Some(alice.user_id.as_str())));
    // Now Alice is the one who gets a 404.
    h.send(Req::get(&format!("/projects/{id}")).bearer(&alice.access)).await.expect(404);
    assert_eq!(ids(&h.send(Req::get("/projects").bearer(&bob.access)).await.json()), vec![id.clone()]);
    let log = h.send(Req::get("/audit").bearer(&o.access).query("action", "project.transferred")).await.json();
    assert_eq!(log["items"].as_array().unwrap().len(), 1);

    // Soft delete: 404 after, gone from lists, kept with who and when.
    h.send(Req::new("DELETE", &format!("/projects/{id}")).bearer(&bob.access)).await.expect(204);
    h.send(Req::get(&format!("/projects/{id}")).bearer(&bob.access)).await.expect(404);
    h.send(Req::get(&format!("/projects/{id}")).bearer(&o.access)).await.expect(404);
    assert!(ids(&h.send(Req::get("/projects").bearer(&o.access)).await.json()).is_empty());
    let key = tenure_core::store::Key { pk: format!("CO#{}", o.company_id), sk: format!("PROJECT#{id}") };
    let stored = h.store.get(&key).await.unwrap().expect("kept");
    assert_eq!(stored["deleted_by"].as_s().unwrap(), &bob.user_id);
}

#[tokio::test]
async fn tasks_keep_who_did_what_and_show_on_their_assignees_list_by_due_date() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let lead = h.add_user(&o, "manager").await;
    let dev = h.add_user(&o, "employee").await;
    let p = project(&h, &lead, "Launch").await;
    let pid = p["id"].as_str().unwrap().to_string();
    let late =
        task(&h, &lead, &pid, json!({"title": "Docs", "assignee_id": dev.user_id, "due_date": "2027-03-01"})).await;
    let soon =
        task(&h, &lead, &pid, json!({"title": "Build", "assignee_id": dev.user_id, "due_date": "2027-01-15"})).await;
    let undated = task(&h, &lead, &pid, json!({"title": "Polish", "assignee_id": dev.user_id})).await;
    task(&h, &lead, &pid, json!({"title": "Unassigned"})).await;
    assert_eq!(
        my_tasks(&h, &dev).await,
        vec![soon["id"].as_str().unwrap(), late["id"].as_str().unwrap(), undated["id"].as_str().unwrap()],
        "by due date, undated last"
    );
    let all = h.send(Req::get(&format!("/projects/{pid}/tasks")).bearer(&lead.access)).await.json();
    assert_eq!(ids(&all).len(), 4);

    // The assignee moves the status of their task; nothing else.
    let path = format!("/projects/{pid}/tasks/{}", soon["id"].as_str().unwrap());
    h.send(Req::new("PATCH", &path).bearer(&dev.access).json(json!({"version": 1, "title": "Mine"}))).await.expect(403);
    let r = h.send(Req::new("PATCH", &path).bearer(&dev.access).json(json!({"version": 1, "status": "done"}))).await;
    r.expect(200);
    let done = r.json();
    let last = done["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["actor"], dev.user_id.as_str(), "who did it");
    assert_eq!(last["detail"]["status"], "done");
    assert_eq!(done["history"][0]["actor"], lead.user_id.as_str(), "the creation stays the lead's");
    assert_eq!(my_tasks(&h, &dev).await.len(), 2, "done tasks leave the list");
    // Null clears; another person's task path is not found for a stranger.
    let r = h
        .send(
            Req::new("PATCH", &format!("/projects/{pid}/tasks/{}", late["id"].as_str().unwrap()))
                .bearer(&lead.access)
                .json(json!({"version": 1, "due_date": null, "assignee_id": null})),
        )
        .await;
    r.expect(200);
    assert_eq!((r.json()["due_date"].clone(), r.json()["assignee_id"].clone()), (Value::Null, Value::Null));
    assert_eq!(my_tasks(&h, &dev).await, vec![undated["id"].as_str().unwrap()]);

    // Deleting the project hides its tasks everywhere.
    h.send(Req::new("DELETE", &format!("/projects/{pid}")).bearer(&lead.access)).await.expect(204);
    assert!(my_tasks(&h, &dev).await.is_empty());
    h.send(Req::get(&format!("/projects/{pid}/tasks")).bearer(&lead.access)).await.expect(404);
    h.send(
        Req::new("POST", &format!("/projects/{pid}/tasks"))
            .bearer(&lead.access)
            .json(json!({"title": "Late addition"})),
    )
    .await
    .expect(404);
    h.send(
        Req::new("PATCH", &format!("/projects/{pid}/tasks/{}", undated["id"].as_str().unwrap()))
            .bearer(&dev.access)
            .json(json!({"version": 1, "status": "done"})),
    )
    .await
    .expect(404);
}

#[tokio::test]
async fn bad_input_is_refused_with_the_field_named_and_changes_nothing() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let lead = h.add_user(&o, "manager").await;
    let other = h.signup().await;
    for (body, field) in [
        (json!({"name": ""}), "name"),
        (json!({"name": "x".repeat(10_000)}), "name"),
        (json!({}), "name"),
        (json!({"name": "ok", "description": "y".repeat(10_001)}), "description"),
    ] {
        let r = h.send(Req::new("POST", "/projects").bearer(&lead.access).json(body.clone())).await;
        r.expect(422);
        assert!(r.json()["errors"].as_array().unwrap().iter().any(|e| e["field"] == field), "{body}: {}", r.json());
    }
    assert!(ids(&h.send(Req::get("/projects").bearer(&lead.access)).await.json()).is_empty());
    let p = project(&h, &lead, "Real").await;
    let pid = p["id"].as_str().unwrap();
    for (body, field) in [
        (json!({"title": ""}), "title"),
        (json!({"title": "t", "status": "blocked"}), "status"),
        (json!({"title": "t", "due_date": "31/12/2026"}), "due_date"),
        (json!({"title": "t", "assignee_id": other.user_id}), "assignee_id"),
        (json!({"title": "t", "assignee_id": "usr_nope"}), "assignee_id"),
    ] {
        let r =
            h.send(Req::new("POST", &format!("/projects/{pid}/tasks")).bearer(&lead.access).json(body.clone())).await;
        r.expect(422);
        assert!(r.json()["errors"].as_array().unwrap().iter().any(|e| e["field"] == field), "{body}: {}", r.json());
    }
    let tasks = h.send(Req::get(&format!("/projects/{pid}/tasks")).bearer(&lead.access)).await.json();
    assert!(ids(&tasks).is_empty(), "no refused task was written");
    // Another company's project id: not found, whatever the route.
    let theirs = project(&h, &other, "Theirs").await;
    let tid = theirs["id"].as_str().unwrap();
    for req in [
        Req::get(&format!("/projects/{tid}")),
        Req::new("PUT", &format!("/projects/{tid}")).json(json!({"version": 1, "name": "x"})),
        Req::new("DELETE", &format!("/projects/{tid}")),
        Req::new("POST", &format!("/projects/{tid}/tasks")).json(json!({"title": "x"})),
        Req::new("POST", &format!("/projects/{tid}/transfer")).json(json!({"owner_id": lead.user_id})),
    ] {
        h.send(req.bearer(&o.access)).await.expect(404);
    }
    assert_eq!(
        h.send(Req::get(&format!("/projects/{tid}")).bearer(&other.access)).await.json()["version"],
        1,
        "nothing changed there"
    );
    // Someone else's tasks: only the company's owner and admins.
    h.send(Req::get("/tasks").bearer(&lead.access).query("assignee_id", &o.user_id)).await.expect(403);
    h.send(Req::get("/tasks").bearer(&o.access).query("assignee_id", &lead.user_id)).await.expect(200);
    h.send(Req::get("/tasks").bearer(&lead.access).query("assignee_id", "nobody")).await.expect(400);
}
