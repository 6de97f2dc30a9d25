//! S3 event notifications for the local S3 endpoint, so that under
//! `make dev` an upload runs the real upload-trigger function, as the
//! bucket's `ObjectCreated` notification does on AWS.
//!
//! `Notifying` wraps `s3s_fs::FileSystem` and delegates every operation it
//! implements; after a successful PutObject, PostObject (browser form
//! upload), CopyObject or CompleteMultipartUpload of a key under a prefix
//! that has a trigger (`tenure_core::store::s3::TRIGGERS`: `uploads/` →
//! `document-uploaded`, `imports/` → `import-uploaded`, as the bucket's
//! notifications in the templates) it POSTs an S3 event
//! (`{"Records":[...]}`, as Lambda receives it) to a URL whose
//! `{function}` is that trigger, normally the function's invoke endpoint
//! under `cargo lambda watch`:
//! `http://127.0.0.1:3000/2015-03-31/functions/{function}/invocations`.
//! Delivery is in the background, like an asynchronous Lambda invocation:
//! the upload's response never waits for the function. As Lambda does for
//! an asynchronous invocation that fails, a delivery that gets no answer or
//! a 5xx is tried twice more (after 1 s, then 2 s; Lambda waits minutes):
//! the local emulator now and then drops a request while it restarts a
//! function, and the trigger functions take a repeated event in their
//! stride.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use s3s::dto::*;
use s3s::{S3Request, S3Response, S3Result, S3};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Where events go: an `http://` URL on loopback.
#[derive(Debug)]
pub struct Notifier {
    host_port: String,
    path: String,
    region: String,
    sequence: AtomicU64,
}

impl Notifier {
    pub fn new(url: &str, region: &str) -> Result<Self, String> {
        let rest = url.strip_prefix("http://").ok_or_else(|| format!("--notify-url {url}: expected http://"))?;
        let (host_port, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let addr: std::net::SocketAddr =
            host_port.parse().map_err(|_| format!("--notify-url {url}: expected http://IP:PORT/path"))?;
        if !addr.ip().is_loopback() {
            return Err(format!("--notify-url {url} is not on loopback"));
        }
        Ok(Self {
            host_port: host_port.to_string(),
            path: path.to_string(),
            region: region.to_string(),
            sequence: AtomicU64::new(1),
        })
    }

    fn event(&self, event_name: &str, bucket: &str, key: &str, size: u64, etag: Option<&str>) -> String {
        let now = time::OffsetDateTime::now_utc();
        let event_time = now
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_else(|_| "1970-01-01T00:00:00Z".into());
        let seq = self.sequence.fetch_add(1, Ordering::Relaxed);
        let request_id = format!("LOCAL{:011X}", now.unix_timestamp_nanos() as u64 ^ seq);
        serde_json::json!({
            "Records": [{
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": self.region,
                "eventTime": event_time,
                "eventName": event_name,
                "userIdentity": { "principalId": "local" },
                "requestParameters": { "sourceIPAddress": "127.0.0.1" },
                "responseElements": { "x-amz-request-id": request_id, "x-amz-id-2": "local" },
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": "tenure-local-upload-trigger",
                    "bucket": {
                        "name": bucket,
                        "ownerIdentity": { "principalId": "local" },
                        "arn": format!("arn:aws:s3:::{bucket}")
                    },
                    "object": {
                        "key": encode_key(key),
                        "size": size,
                        "eTag": etag.unwrap_or_default().trim_matches('"'),
                        "sequencer": format!("{seq:016X}")
                    }
                }
            }]
        })
        .to_string()
    }

    fn send(
        self: &Arc<Self>,
        function: &'static str,
        event_name: &'static str,
        bucket: String,
        key: String,
        size: u64,
        etag: Option<String>,
    ) {
        let body = self.event(event_name, &bucket, &key, size, etag.as_deref());
        let this = Arc::clone(self);
        tokio::spawn(async move {
            for attempt in 1..=3u64 {
                let failed = match tokio::time::timeout(Duration::from_secs(900), this.post(function, &body)).await {
                    Ok(Ok(status)) if (200..300).contains(&status) => {
                        println!("notified {event_name} s3://{bucket}/{key} -> {status}");
                        return;
                    }
                    // A 4xx is the function's answer: trying again changes nothing.
                    Ok(Ok(status)) if status < 500 => {
                        eprintln!("notification {event_name} s3://{bucket}/{key}: HTTP {status}");
                        return;
                    }
                    Ok(Ok(status)) => format!("HTTP {status}"),
                    Ok(Err(e)) => format!("failed: {e}"),
                    Err(_) => "timed out".to_string(),
                };
                eprintln!("notification {event_name} s3://{bucket}/{key} (attempt {attempt} of 3) {failed}");
                tokio::time::sleep(Duration::from_secs(attempt)).await;
            }
        });
    }

    /// A plain HTTP/1.1 POST over loopback; returns the status code.
    async fn post(&self, function: &str, body: &str) -> std::io::Result<u16> {
        let mut stream = tokio::net::TcpStream::connect(&self.host_port).await?;
        let head = format!(
            "POST {} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            self.path.replace("{function}", function),
            self.host_port,
            body.len()
        );
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(body.as_bytes()).await?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await?;
        let line = response.split(|b| *b == b'\n').next().unwrap_or_default();
        let status = std::str::from_utf8(line)
            .ok()
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| std::io::Error::other("no HTTP status line in the response"))?;
        Ok(status)
    }
}

/// Object keys in S3 events are URL-encoded, spaces as `+`.
fn encode_key(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for b in key.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => out.push(b as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// `s3s_fs::FileSystem` plus notifications.
pub struct Notifying {
    inner: s3s_fs::FileSystem,
    root: PathBuf,
    notifier: Option<Arc<Notifier>>,
}

impl Notifying {
    pub fn new(inner: s3s_fs::FileSystem, root: PathBuf, notifier: Option<Notifier>) -> Self {
        Self { inner, root, notifier: notifier.map(Arc::new) }
    }

    /// Notifies the trigger of a created object's prefix, as the bucket's
    /// notifications (filtered on those prefixes) do on AWS.
    fn created(&self, event_name: &'static str, bucket: &str, key: &str, etag: Option<&ETag>) {
        let Some(function) = tenure_core::store::s3::trigger_for(key) else { return };
        if let Some(n) = &self.notifier {
            let size = std::fs::metadata(self.root.join(bucket).join(key)).map(|m| m.len()).unwrap_or(0);
            let etag = etag.map(|e| e.value().to_string());
            n.send(function, event_name, bucket.to_string(), key.to_string(), size, etag);
        }
    }
}

// `#[async_trait]` must see the expanded methods, so the macro writes the
// whole impl: delegated methods first, then the ones written out.
macro_rules! impl_s3 {
    (delegate { $($name:ident($input:ty) -> $output:ty;)* } $($own:tt)*) => {
        #[async_trait::async_trait]
        impl S3 for Notifying {
            $(
                async fn $name(&self, req: S3Request<$input>) -> S3Result<S3Response<$output>> {
                    self.inner.$name(req).await
                }
            )*
            $($own)*
        }
    };
}

impl_s3! {
    delegate {
        create_bucket(CreateBucketInput) -> CreateBucketOutput;
        delete_bucket(DeleteBucketInput) -> DeleteBucketOutput;
        delete_object(DeleteObjectInput) -> DeleteObjectOutput;
        delete_objects(DeleteObjectsInput) -> DeleteObjectsOutput;
        get_bucket_location(GetBucketLocationInput) -> GetBucketLocationOutput;
        get_object(GetObjectInput) -> GetObjectOutput;
        head_bucket(HeadBucketInput) -> HeadBucketOutput;
        head_object(HeadObjectInput) -> HeadObjectOutput;
        list_buckets(ListBucketsInput) -> ListBucketsOutput;
        list_objects(ListObjectsInput) -> ListObjectsOutput;
        list_objects_v2(ListObjectsV2Input) -> ListObjectsV2Output;
        create_multipart_upload(CreateMultipartUploadInput) -> CreateMultipartUploadOutput;
        upload_part(UploadPartInput) -> UploadPartOutput;
        upload_part_copy(UploadPartCopyInput) -> UploadPartCopyOutput;
        list_parts(ListPartsInput) -> ListPartsOutput;
        abort_multipart_upload(AbortMultipartUploadInput) -> AbortMultipartUploadOutput;
    }

    async fn put_object(&self, req: S3Request<PutObjectInput>) -> S3Result<S3Response<PutObjectOutput>> {
        let (bucket, key) = (req.input.bucket.clone(), req.input.key.clone());
        let resp = self.inner.put_object(req).await?;
        self.created("ObjectCreated:Put", &bucket, &key, resp.output.e_tag.as_ref());
        Ok(resp)
    }

    async fn post_object(&self, req: S3Request<PostObjectInput>) -> S3Result<S3Response<PostObjectOutput>> {
        let (bucket, key) = (req.input.bucket.clone(), req.input.key.clone());
        // FileSystem's own post_object stores through its own put_object.
        let resp = self.inner.post_object(req).await?;
        self.created("ObjectCreated:Post", &bucket, &key, resp.output.e_tag.as_ref());
        Ok(resp)
    }

    async fn copy_object(&self, req: S3Request<CopyObjectInput>) -> S3Result<S3Response<CopyObjectOutput>> {
        let (bucket, key) = (req.input.bucket.clone(), req.input.key.clone());
        let resp = self.inner.copy_object(req).await?;
        let etag = resp.output.copy_object_result.as_ref().and_then(|r| r.e_tag.clone());
        self.created("ObjectCreated:Copy", &bucket, &key, etag.as_ref());
        Ok(resp)
    }

    async fn complete_multipart_upload(
        &self,
        req: S3Request<CompleteMultipartUploadInput>,
    ) -> S3Result<S3Response<CompleteMultipartUploadOutput>> {
        let (bucket, key) = (req.input.bucket.clone(), req.input.key.clone());
        let resp = self.inner.complete_multipart_upload(req).await?;
        self.created("ObjectCreated:CompleteMultipartUpload", &bucket, &key, resp.output.e_tag.as_ref());
        Ok(resp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_encoded_as_s3_events_encode_them() {
        assert_eq!(encode_key("companies/c1/docs/a b+c.pdf"), "companies/c1/docs/a+b%2Bc.pdf");
        assert_eq!(encode_key("é"), "%C3%A9");
    }

    #[test]
    fn the_event_has_the_lambda_s3_shape() {
        let n = Notifier::new("http://127.0.0.1:3000/2015-03-31/functions/upload-trigger/invocations", "eu-west-1")
            .unwrap();
        let v: serde_json::Value =
            serde_json::from_str(&n.event("ObjectCreated:Put", "b", "k 1", 5, Some("\"abc\""))).unwrap();
        let r = &v["Records"][0];
        assert_eq!(r["eventSource"], "aws:s3");
        assert_eq!(r["eventName"], "ObjectCreated:Put");
        assert_eq!(r["s3"]["bucket"]["name"], "b");
        assert_eq!(r["s3"]["object"]["key"], "k+1");
        assert_eq!(r["s3"]["object"]["size"], 5);
        assert_eq!(r["s3"]["object"]["eTag"], "abc");
        assert!(Notifier::new("http://10.0.0.1:3000/x", "eu-west-1").is_err());
    }
}
