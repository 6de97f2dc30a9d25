//! Documents: presigned uploads against the local S3 endpoint (which
//! checks SigV4), the upload trigger, downloads, and their risk signal.

use serde_json::{json, Value};
use tenure_core::events::document_uploaded;
use tenure_tests::{http, key_of, s3_event_json, upload_headers, Account, Harness, Req};

const PDF: &[u8] = include_bytes!("../fixtures/documents/sample.pdf");
const PNG: &[u8] = include_bytes!("../fixtures/documents/sample.png");
const JPG: &[u8] = include_bytes!("../fixtures/documents/sample.jpg");
const DOCX: &[u8] = include_bytes!("../fixtures/documents/sample.docx");
const DOCX_TYPE: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

async fn request_upload(
    h: &Harness,
    by: &Account,
    employee: &str,
    filename: &str,
    content_type: &str,
    size: usize,
) -> Value {
    let r = h
        .send(Req::new("POST", "/documents/upload-url").bearer(&by.access).json(json!({"employee_id": employee, "kind": "resume", "filename": filename, "content_type": content_type, "size": size})))
        .await;
    r.expect(201);
    r.json()
}

/// The S3 notification for a stored object, as S3 sends it.
fn s3_event(key: &str, size: usize) -> aws_lambda_events::s3::S3Event {
    serde_json::from_value(s3_event_json(key, size)).expect("a real S3 event")
}

/// Uploads `bytes` with the presigned request and runs the trigger.
async fn upload_and_check(h: &Harness, v: &Value, bytes: &[u8]) -> Vec<document_uploaded::Outcome> {
    let (status, body) = http("PUT", v["upload"]["url"].as_str().unwrap(), &upload_headers(v), bytes).await;
    assert_eq!(status, 200, "upload refused: {}", String::from_utf8_lossy(&body));
    document_uploaded::handle(&h.app("document-uploaded"), s3_event(&key_of(v), bytes.len())).await.unwrap()
}

async fn doc(h: &Harness, by: &Account, id: &str) -> Value {
    h.send(Req::get(&format!("/documents/{id}")).bearer(&by.access)).await.json()
}

#[tokio::test]
async fn an_employee_uploads_each_type_and_hr_downloads_it() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let emp = h.add_user(&o, "employee").await;
    let hr = h.add_user(&o, "hr").await;
    for (name, ct, bytes) in [
        ("cv.pdf", "application/pdf", PDF),
        ("photo.png", "image/png", PNG),
        ("id.jpg", "image/jpeg", JPG),
        ("contract.docx", DOCX_TYPE, DOCX),
    ] {
        let v = request_upload(&h, &emp, &emp.user_id, name, ct, bytes.len()).await;
        let id = v["document_id"].as_str().unwrap().to_string();
        let key = key_of(&v);
        assert_eq!(
            key,
            format!("uploads/{}/{}/{}", o.company_id, emp.user_id, v["document_id"].as_str().unwrap()),
            "the key is ids only, never the filename"
        );
        assert_eq!(doc(&h, &emp, &id).await["status"], "pending");
        let outcomes = upload_and_check(&h, &v, bytes).await;
        assert_eq!(outcomes[0].result, "available", "{name}: {outcomes:?}");
        let d = doc(&h, &hr, &id).await;
        assert_eq!(d["status"], "available");
        assert_eq!(d["filename"], name);
        assert_eq!(d["sha256"].as_str().unwrap().len(), 64);
        let r = h.send(Req::get(&format!("/documents/{id}/download")).bearer(&hr.access)).await;
        r.expect(200);
        assert_eq!(r.json()["expires_in"], 60);
        let (status, got) = http("GET", r.json()["download"]["url"].as_str().unwrap(), &[], &[]).await;
        assert_eq!(status, 200);
        assert_eq!(got, bytes, "{name} downloads byte for byte");
    }
    let mine = h.send(Req::get("/documents").bearer(&emp.access)).await.json();
    assert_eq!(mine["items"].as_array().unwrap().len(), 4);
    let all = h.send(Req::get("/documents").bearer(&hr.access)).await.json();
    assert_eq!(all["items"].as_array().unwrap().len(), 4);
    let log = h.send(Req::get("/audit").bearer(&o.access).query("action", "document.downloaded")).await.json();
    assert_eq!(log["items"].as_array().unwrap().len(), 4);
    assert_eq!(log["items"][0]["actor"], hr.user_id.as_str());
}

#[tokio::test]
async fn bytes_that_lie_about_their_type_are_rejected_and_the_object_deleted() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let v = request_upload(&h, &o, &o.user_id, "cv.pdf", "application/pdf", PNG.len()).await;
    let outcomes = upload_and_check(&h, &v, PNG).await;
    assert_eq!(outcomes[0].result, "rejected");
    let d = doc(&h, &o, v["document_id"].as_str().unwrap()).await;
    assert_eq!(d["status"], "rejected");
    assert!(d["reason"].as_str().unwrap().contains("PNG"), "{d}");
    h.send(Req::get(&format!("/documents/{}/download", d["id"].as_str().unwrap())).bearer(&o.access))
        .await
        .expect_problem(409, None);
    let bucket = tenure_tests::bucket().await;
    assert!(bucket.stream(&key_of(&v)).await.unwrap().is_none(), "a rejected object is deleted");
    let zip_not_docx = [b"PK\x03\x04".as_slice(), &[0u8; 60]].concat();
    let v = request_upload(&h, &o, &o.user_id, "c.docx", DOCX_TYPE, zip_not_docx.len()).await;
    assert_eq!(upload_and_check(&h, &v, &zip_not_docx).await[0].result, "rejected");
}

#[tokio::test]
async fn the_presigned_upload_is_bound_to_its_key_type_and_size() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let v = request_upload(&h, &o, &o.user_id, "cv.pdf", "application/pdf", PDF.len()).await;
    let url = v["upload"]["url"].as_str().unwrap().to_string();
    let headers = upload_headers(&v);
    // Another content type.
    let mut other = headers.clone();
    other.iter_mut().for_each(|(k, val)| {
        if k == "content-type" {
            *val = "image/png".into()
        }
    });
    assert_eq!(http("PUT", &url, &other, PDF).await.0, 403);
    // Another key.
    let tampered = url.replacen("/uploads/", "/uploads/x", 1);
    assert_eq!(http("PUT", &tampered, &headers, PDF).await.0, 403);
    // A longer body than declared.
    let mut longer = headers.clone();
    let big = [PDF, b"more bytes"].concat();
    longer.iter_mut().for_each(|(k, val)| {
        if k == "content-length" {
            *val = big.len().to_string()
        }
    });
    assert_eq!(http("PUT", &url, &longer, &big).await.0, 403);
    // A forged expiry.
    let forged = url.replace("X-Amz-Expires=300", "X-Amz-Expires=604800");
    assert_ne!(forged, url);
    assert_eq!(http("PUT", &forged, &headers, PDF).await.0, 403);
    assert_eq!(doc(&h, &o, v["document_id"].as_str().unwrap()).await["status"], "pending");
}

#[tokio::test]
async fn bad_upload_requests_name_the_field() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let base = json!({"employee_id": o.user_id, "kind": "resume", "filename": "cv.pdf", "content_type": "application/pdf", "size": 100});
    for (field, value) in [
        ("size", json!(10 * 1024 * 1024 + 1)),
        ("size", json!(0)),
        ("filename", json!("../../etc/passwd.pdf")),
        ("filename", json!("cv\u{0007}.pdf")),
        ("filename", json!("cv.exe")),
        ("filename", json!("x".repeat(300) + ".pdf")),
        ("content_type", json!("application/x-msdownload")),
        ("kind", json!("selfie")),
        ("employee_id", json!("usr_nope")),
    ] {
        let mut body = base.clone();
        body[field] = value;
        h.send(Req::new("POST", "/documents/upload-url").bearer(&o.access).json(body))
            .await
            .expect_problem(422, Some(field));
    }
    let mut body = base.clone();
    body["size"] = json!("big");
    h.send(Req::new("POST", "/documents/upload-url").bearer(&o.access).json(body))
        .await
        .expect_problem(400, Some("size"));
    let mut body = base.clone();
    body["status"] = json!("available");
    h.send(Req::new("POST", "/documents/upload-url").bearer(&o.access).json(body))
        .await
        .expect_problem(422, Some("status"));
    let list = h.send(Req::get("/documents").bearer(&o.access)).await.json();
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn employees_handle_only_their_own_documents_and_companies_stay_apart() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let a = h.add_user(&o, "employee").await;
    let b = h.add_user(&o, "employee").await;
    h.send(Req::new("POST", "/documents/upload-url").bearer(&a.access).json(
        json!({"employee_id": b.user_id, "kind": "id", "filename": "id.png", "content_type": "image/png", "size": 10}),
    ))
    .await
    .expect_problem(403, None);
    let v = request_upload(&h, &b, &b.user_id, "id.png", "image/png", PNG.len()).await;
    upload_and_check(&h, &v, PNG).await;
    let id = v["document_id"].as_str().unwrap();
    for path in [format!("/documents/{id}"), format!("/documents/{id}/download")] {
        h.send(Req::get(&path).bearer(&a.access)).await.expect_problem(404, None);
    }
    h.send(Req::new("DELETE", &format!("/documents/{id}")).bearer(&a.access)).await.expect_problem(404, None);
    h.send(Req::get("/documents").bearer(&a.access).query("employee_id", &b.user_id)).await.expect_problem(403, None);
    let other = h.signup().await;
    for path in [format!("/documents/{id}"), format!("/documents/{id}/download")] {
        h.send(Req::get(&path).bearer(&other.access)).await.expect_problem(404, None);
    }
    h.send(Req::new("POST", "/documents/upload-url").bearer(&other.access).json(
        json!({"employee_id": b.user_id, "kind": "id", "filename": "id.png", "content_type": "image/png", "size": 10}),
    ))
    .await
    .expect_problem(422, Some("employee_id"));
    // The owner employee deletes it; it is gone for everyone.
    h.send(Req::new("DELETE", &format!("/documents/{id}")).bearer(&b.access)).await.expect(204);
    h.send(Req::get(&format!("/documents/{id}")).bearer(&o.access)).await.expect_problem(404, None);
    let log = h.send(Req::get("/audit").bearer(&o.access).query("action", "document.deleted")).await.json();
    assert_eq!(log["items"][0]["target"], id);
}

#[tokio::test]
async fn repeated_late_and_unknown_events_change_nothing() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let v = request_upload(&h, &o, &o.user_id, "cv.pdf", "application/pdf", PDF.len()).await;
    upload_and_check(&h, &v, PDF).await;
    let before = doc(&h, &o, v["document_id"].as_str().unwrap()).await;
    let app = h.app("document-uploaded");
    let again = document_uploaded::handle(&app, s3_event(&key_of(&v), PDF.len())).await.unwrap();
    assert_eq!(again[0].result, "skipped");
    assert_eq!(doc(&h, &o, v["document_id"].as_str().unwrap()).await, before);
    let seq_before = h.send(Req::get("/audit/verify").bearer(&o.access)).await.json()["head_seq"].clone();
    for key in [
        "somewhere/else.txt",
        "uploads/cmp_x/usr_y/doc_z",
        &format!("uploads/{}/{}/doc_01JD0000000000000000000000", o.company_id, o.user_id),
        &format!("documents/{}/{}/{}", o.company_id, o.user_id, v["document_id"].as_str().unwrap()),
        "uploads%2F..%2F..%2Fetc",
    ] {
        let r = document_uploaded::handle(&app, s3_event(key, 10)).await.unwrap();
        assert_eq!(r[0].result, "skipped", "{key}");
    }
    // Skipped means nothing written: no audit event, the document as it was.
    let seq_after = h.send(Req::get("/audit/verify").bearer(&o.access)).await.json()["head_seq"].clone();
    assert_eq!(seq_after, seq_before, "an unknown or repeated key wrote an audit event");
    assert_eq!(doc(&h, &o, v["document_id"].as_str().unwrap()).await, before);
}

#[tokio::test]
async fn a_leaver_downloading_far_above_their_baseline_raises_their_risk() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let hr = h.add_user(&o, "hr").await;
    let v = request_upload(&h, &o, &o.user_id, "plans.pdf", "application/pdf", PDF.len()).await;
    upload_and_check(&h, &v, PDF).await;
    let leave = (time::OffsetDateTime::now_utc().date() + time::Duration::days(200)).to_string();
    let l = h
        .send(Req::new("POST", "/leavers").bearer(&o.access).json(json!({"first_name": "H", "surname": "Hoarder", "department": "Sales", "leave_date": leave, "reason": "retirement", "employee_id": hr.user_id})))
        .await;
    l.expect(201);
    let lid = l.json()["id"].as_str().unwrap().to_string();
    for _ in 0..6 {
        h.send(Req::get(&format!("/documents/{}/download", v["document_id"].as_str().unwrap())).bearer(&hr.access))
            .await
            .expect(200);
    }
    let a = h.send(Req::new("POST", &format!("/leavers/{lid}/assess")).bearer(&o.access)).await.json();
    let f = a["factors"].as_array().unwrap().iter().find(|f| f["id"] == "document_downloads").cloned();
    let f = f.unwrap_or_else(|| panic!("no download factor: {a}"));
    assert!(f["evidence"][0].as_str().unwrap().starts_with("6 downloads"), "{f}");
}

/// A registered leaver cannot delete their own documents (what they held
/// is evidence): 403, and the document stays; HR still can. Before they
/// are registered, they can (the previous sessions' open item).
#[tokio::test]
async fn a_registered_leaver_cannot_delete_their_own_documents() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let emp = h.add_user(&o, "employee").await;
    let mine = request_upload(&h, &emp, &emp.user_id, "cv.pdf", "application/pdf", PDF.len()).await;
    upload_and_check(&h, &mine, PDF).await;
    let kept = request_upload(&h, &emp, &emp.user_id, "id.pdf", "application/pdf", PDF.len()).await;
    upload_and_check(&h, &kept, PDF).await;
    let path = |v: &Value| format!("/documents/{}", v["document_id"].as_str().unwrap());
    // Not a leaver yet: their own document is theirs to delete.
    h.send(Req::new("DELETE", &path(&mine)).bearer(&emp.access)).await.expect(204);
    let leave = (time::OffsetDateTime::now_utc().date() + time::Duration::days(30)).to_string();
    h.send(Req::new("POST", "/leavers").bearer(&o.access).json(json!({
        "employee_id": emp.user_id, "first_name": "E", "surname": "Leaving", "department": "Ops",
        "leave_date": leave, "reason": "resignation"
    })))
    .await
    .expect(201);
    h.send(Req::new("DELETE", &path(&kept)).bearer(&emp.access)).await.expect_problem(403, None);
    h.send(Req::get(&path(&kept)).bearer(&emp.access)).await.expect(200);
    // HR still removes it, and it is gone.
    h.send(Req::new("DELETE", &path(&kept)).bearer(&o.access)).await.expect(204);
    h.send(Req::get(&path(&kept)).bearer(&o.access)).await.expect_problem(404, None);
}

/// On AWS the console's content security policy allows uploads to
/// `TENURE_UPLOAD_ORIGIN`, which the templates set to the bucket's regional
/// domain name (`{bucket}.s3.{region}.amazonaws.com`, as CloudFormation's
/// `RegionalDomainName` and Terraform's `bucket_regional_domain_name` give
/// it): exactly the origin the SDK presigns uploads for, in any region.
#[tokio::test]
async fn the_consoles_upload_origin_is_where_presigned_uploads_go_on_aws() {
    use aws_sdk_dynamodb::config::{Credentials, Region, SharedCredentialsProvider};
    for region in ["eu-west-1", "us-east-1", "ap-southeast-2"] {
        let sdk = aws_config::SdkConfig::builder()
            .region(Region::new(region))
            .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
                "AKIDEXAMPLE",
                "not-a-secret",
                None,
                None,
                "tests",
            )))
            .behavior_version(aws_config::BehaviorVersion::latest())
            .build();
        let name = "tenure-documents-prod-123456789012";
        let bucket = tenure_core::store::s3::Bucket::with_path_style(&sdk, name, false);
        let p = bucket
            .presign_upload("documents/x", "application/pdf", 10, std::time::Duration::from_secs(60))
            .await
            .expect("presigning needs no network");
        let origin = p.url.splitn(4, '/').take(3).collect::<Vec<_>>().join("/");
        let regional_domain_name = format!("{name}.s3.{region}.amazonaws.com");
        let configured = format!("https://{regional_domain_name}");
        assert_eq!(
            tenure_core::api::console::upload_origin(None, Some(&configured)).as_deref(),
            Some(origin.as_str()),
            "{region}: presigned {}",
            p.url
        );
    }
}

/// A second `PUT` to a document's presigned URL after it was checked (the
/// URL lives five minutes) changes nothing a reader gets: downloads serve
/// the checked bytes, and the trigger discards the new upload unread.
#[tokio::test]
async fn a_second_upload_to_a_checked_document_changes_nothing_a_reader_gets() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let emp = h.add_user(&o, "employee").await;
    let v = request_upload(&h, &emp, &emp.user_id, "cv.pdf", "application/pdf", PDF.len()).await;
    let id = v["document_id"].as_str().unwrap().to_string();
    assert_eq!(upload_and_check(&h, &v, PDF).await[0].result, "available");
    let checked = doc(&h, &o, &id).await;
    // Bytes of the same declared type and size, but not the ones checked.
    let mut swapped = PDF.to_vec();
    let n = swapped.len();
    swapped[n - 8..].copy_from_slice(b"SWAPPED!");
    let (status, _) = http("PUT", v["upload"]["url"].as_str().unwrap(), &upload_headers(&v), &swapped).await;
    assert_eq!(status, 200, "the presigned URL is still valid (as S3 would allow)");
    // Before the trigger ran, and after it did: the download serves the checked bytes.
    let download = || async {
        let r = h.send(Req::get(&format!("/documents/{id}/download")).bearer(&o.access)).await;
        r.expect(200);
        http("GET", r.json()["download"]["url"].as_str().unwrap(), &[], &[]).await
    };
    assert_eq!(download().await, (200, PDF.to_vec()), "the download serves the checked bytes");
    let again = document_uploaded::handle(&h.app("document-uploaded"), s3_event(&key_of(&v), n)).await.unwrap();
    assert_eq!(again[0].result, "skipped");
    assert_eq!(download().await, (200, PDF.to_vec()), "still the checked bytes after the trigger");
    assert_eq!(doc(&h, &o, &id).await, checked, "the record did not change");
    let bucket = tenure_tests::bucket().await;
    assert!(bucket.stream(&key_of(&v)).await.unwrap().is_none(), "the unchecked upload is discarded");
}

/// An upload replaced while the trigger was checking it is not served:
/// the copy of the checked bytes happens only while the upload still has
/// the ETag that was read, and the replacement's own event checks it.
#[tokio::test]
async fn an_upload_replaced_during_its_check_is_copied_only_as_checked() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let bucket = tenure_tests::bucket().await;
    let v = request_upload(&h, &o, &o.user_id, "cv.pdf", "application/pdf", PDF.len()).await;
    let (status, _) = http("PUT", v["upload"]["url"].as_str().unwrap(), &upload_headers(&v), PDF).await;
    assert_eq!(status, 200);
    let key = key_of(&v);
    let read = bucket.stream(&key).await.unwrap().expect("the upload");
    let etag = read.etag.expect("an ETag");
    // Replaced after the read: the conditional copy refuses.
    let mut other = PDF.to_vec();
    let n = other.len();
    other[n - 5..].copy_from_slice(b"OTHER");
    assert_eq!(http("PUT", v["upload"]["url"].as_str().unwrap(), &upload_headers(&v), &other).await.0, 200);
    let target = format!("documents/{}/{}/{}/x", o.company_id, o.user_id, v["document_id"].as_str().unwrap());
    assert!(!bucket.copy_if_unchanged(&key, &target, &etag).await.unwrap(), "copied bytes that were not checked");
    assert!(bucket.stream(&target).await.unwrap().is_none());
    // The replacement's own event checks and serves the replacement.
    assert_eq!(
        document_uploaded::handle(&h.app("document-uploaded"), s3_event(&key, n)).await.unwrap()[0].result,
        "available"
    );
    let r = h
        .send(Req::get(&format!("/documents/{}/download", v["document_id"].as_str().unwrap())).bearer(&o.access))
        .await;
    assert_eq!(http("GET", r.json()["download"]["url"].as_str().unwrap(), &[], &[]).await, (200, other));
}

/// The user item is read with every request, so its per-day download
/// counters are kept to the days the risk signal reads (90): a download
/// drops old ones and keeps the rest (issue 11).
#[tokio::test]
async fn downloads_prune_counters_older_than_the_risk_window() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let v = request_upload(&h, &o, &o.user_id, "cv.pdf", "application/pdf", PDF.len()).await;
    upload_and_check(&h, &v, PDF).await;
    let today = time::OffsetDateTime::now_utc().date();
    let day = |ago: i64| {
        let d = today - time::Duration::days(ago);
        format!("dl_{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
    };
    // The user's item (keys::user: the company's partition, USER#{id}).
    let user_key = tenure_core::store::Key {
        pk: format!("CO#{}", o.company_id),
        sk: format!("{}{}", tenure_core::store::keys::USER_SK_PREFIX, o.user_id),
    };
    let (old, older, kept) = (day(90), day(400), day(89));
    h.store
        .update_returning(
            &user_key,
            "SET #a = :n, #b = :n, #c = :n",
            tenure_core::store::Cond::Exists,
            tenure_core::store::Exprs::new().name("#a", &old).name("#b", &older).name("#c", &kept).num(":n", 3),
        )
        .await
        .unwrap();
    let id = v["document_id"].as_str().unwrap();
    h.send(Req::get(&format!("/documents/{id}/download")).bearer(&o.access)).await.expect(200);
    let item = h.store.get(&user_key).await.unwrap().unwrap();
    assert!(!item.contains_key(&old) && !item.contains_key(&older), "stale counters kept: {:?}", item.keys());
    assert!(item.contains_key(&kept), "a counter inside the window was dropped");
    assert!(item.contains_key(&day(0)), "today's download was not counted");
}

/// `DELETE /documents/{id}` removes the checked object (and any upload left
/// under the upload key): the bucket no longer holds the bytes (issue 12).
#[tokio::test]
async fn deleting_a_document_removes_its_object() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let v = request_upload(&h, &o, &o.user_id, "cv.pdf", "application/pdf", PDF.len()).await;
    upload_and_check(&h, &v, PDF).await;
    let id = v["document_id"].as_str().unwrap();
    // Where the bytes are served from: the download's presigned key.
    let r = h.send(Req::get(&format!("/documents/{id}/download")).bearer(&o.access)).await.json();
    let url = r["download"]["url"].as_str().unwrap().to_string();
    let path = url.split('?').next().unwrap();
    let served = &path[path.find("/documents/").unwrap() + 1..];
    let bucket = tenure_tests::bucket().await;
    assert!(bucket.stream(served).await.unwrap().is_some(), "the checked object exists before");
    h.send(Req::new("DELETE", &format!("/documents/{id}")).bearer(&o.access)).await.expect(204);
    assert!(bucket.stream(served).await.unwrap().is_none(), "the checked object is gone");
    assert!(bucket.stream(&key_of(&v)).await.unwrap().is_none(), "nothing left under the upload key");
    let (status, _) = http("GET", &url, &[], &[]).await;
    assert_ne!(status, 200, "the old presigned download no longer serves the bytes");
}

/// The upload trigger is held to the bar too (issue 12): checking an upload
/// takes two DynamoDB round trips (the document and the chain head in one
/// read, then the conditional write with its audit event), and a repeated
/// event one (the read).
#[tokio::test]
async fn the_upload_trigger_takes_two_dynamodb_round_trips_and_a_repeat_one() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let v = request_upload(&h, &o, &o.user_id, "cv.pdf", "application/pdf", PDF.len()).await;
    let (status, _) = http("PUT", v["upload"]["url"].as_str().unwrap(), &upload_headers(&v), PDF).await;
    assert_eq!(status, 200);
    let app = h.app("document-uploaded");
    h.counter.take();
    let first = document_uploaded::handle(&app, s3_event(&key_of(&v), PDF.len())).await.unwrap();
    let calls = h.counter.take();
    assert_eq!(first[0].result, "available");
    assert_eq!(tenure_tests::round_trips(&calls), 2, "{calls:?}");
    let again = document_uploaded::handle(&app, s3_event(&key_of(&v), PDF.len())).await.unwrap();
    let calls = h.counter.take();
    assert_eq!(again[0].result, "skipped");
    assert_eq!(calls, vec!["BatchGetItem".to_string()], "a repeat reads once and writes nothing");
}
