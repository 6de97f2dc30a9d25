//! `make bench-trigger` (scripts/trigger-bench.sh): the upload trigger on a
//! 10 MiB PDF against the local stack. Prints figures; asserts nothing about
//! time.
//!
//!   trigger-bench                  in-process figures, 5 uploads: the PUT
//!                                  through the presigned URL, then
//!                                  `events::document_uploaded::handle`
//!                                  (PUT returned → handle returned, which is
//!                                  upload complete → `available`)
//!   trigger-bench pending FILE     one fresh upload, PUT but not checked: its
//!                                  S3 event JSON into FILE, its ids on stdout
//!   trigger-bench status EMAIL DOCUMENT
//!                                  the document's status, through
//!                                  `GET /documents/{id}` as its owner

use std::time::Instant;

use serde_json::{json, Value};
use tenure_core::events::document_uploaded;
use tenure_tests::{http, key_of, s3_event_json, upload_headers, Account, Harness, Req, PASSWORD};

/// 10 MiB, the largest upload allowed.
const SIZE: usize = 10 * 1024 * 1024;
const RUNS: usize = 5;

fn pdf() -> Vec<u8> {
    let mut b = b"%PDF-1.7\n".to_vec();
    b.resize(SIZE, b'0');
    b
}

async fn request_upload(h: &Harness, by: &Account) -> Value {
    let r = h
        .send(Req::new("POST", "/documents/upload-url").bearer(&by.access).json(json!({
            "employee_id": by.user_id, "kind": "resume", "filename": "big.pdf",
            "content_type": "application/pdf", "size": SIZE
        })))
        .await;
    r.expect(201);
    r.json()
}

/// Requests an upload and PUTs the bytes; returns (upload-url response, PUT ms).
async fn upload(h: &Harness, by: &Account, bytes: &[u8]) -> (Value, f64) {
    let v = request_upload(h, by).await;
    let t = Instant::now();
    let (status, body) = http("PUT", v["upload"]["url"].as_str().unwrap(), &upload_headers(&v), bytes).await;
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    assert_eq!(status, 200, "upload refused: {}", String::from_utf8_lossy(&body));
    (v, ms)
}

/// The document's status, as `GET /documents/{id}` gives it.
async fn status_of(h: &Harness, by: &Account, document: &str) -> String {
    let r = h.send(Req::get(&format!("/documents/{document}")).bearer(&by.access)).await;
    r.expect(200);
    r.json()["status"].as_str().unwrap_or_default().to_string()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let m = if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 };
    (m * 10.0).round() / 10.0
}

fn r1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let h = Harness::new().await;
    match args.first().map(String::as_str) {
        Some("pending") => {
            let file = args.get(1).expect("usage: trigger-bench pending EVENT_FILE");
            let o = h.signup().await;
            let (v, put_ms) = upload(&h, &o, &pdf()).await;
            let id = v["document_id"].as_str().unwrap().to_string();
            assert_eq!(status_of(&h, &o, &id).await, "pending");
            std::fs::write(file, s3_event_json(&key_of(&v), SIZE).to_string()).expect("write the event file");
            println!("{}", json!({"email": o.email, "document_id": id, "key": key_of(&v), "put_ms": r1(put_ms)}));
        }
        Some("status") => {
            let (Some(email), Some(document)) = (args.get(1), args.get(2)) else {
                panic!("usage: trigger-bench status EMAIL DOCUMENT")
            };
            let o = h.login(email, PASSWORD).await;
            println!("{}", status_of(&h, &o, document).await);
        }
        None => {
            let o = h.signup().await;
            let bytes = pdf();
            let app = h.app("document-uploaded");
            let (mut put, mut check, mut to_available) = (Vec::new(), Vec::new(), Vec::new());
            for _ in 0..RUNS {
                let (v, put_ms) = upload(&h, &o, &bytes).await;
                let put_returned = Instant::now();
                let event = serde_json::from_value(s3_event_json(&key_of(&v), SIZE)).expect("a real S3 event");
                let t = Instant::now();
                let out = document_uploaded::handle(&app, event).await.expect("the trigger");
                let check_ms = t.elapsed().as_secs_f64() * 1000.0;
                let avail_ms = put_returned.elapsed().as_secs_f64() * 1000.0;
                assert_eq!(out.len(), 1);
                assert_eq!(out[0].result, "available", "{out:?}");
                let id = v["document_id"].as_str().unwrap();
                assert_eq!(status_of(&h, &o, id).await, "available");
                put.push(put_ms);
                check.push(check_ms);
                to_available.push(avail_ms);
            }
            println!(
                "{}",
                json!({
                    "size_bytes": SIZE, "runs": RUNS,
                    "put_ms_median": median(put.clone()), "put_ms_min": r1(put.iter().copied().fold(f64::MAX, f64::min)), "put_ms_max": r1(put.iter().copied().fold(0.0, f64::max)),
                    "check_ms_median": median(check.clone()), "check_ms_min": r1(check.iter().copied().fold(f64::MAX, f64::min)), "check_ms_max": r1(check.iter().copied().fold(0.0, f64::max)),
                    "upload_to_available_ms_median": median(to_available),
                })
            );
        }
        Some(other) => panic!("unknown mode {other}; see the top of tests/bin/trigger_bench.rs"),
    }
}
