//! The local S3 endpoint: `s3s_fs::FileSystem` behind `s3s`, with SigV4
//! checked for every request (header-signed and presigned alike), so a
//! tampered, expired or unsigned request is refused as real S3 refuses it.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder as ConnBuilder;
use hyper_util::server::graceful::GracefulShutdown;
use s3s::auth::SimpleAuth;
use s3s::service::S3ServiceBuilder;
use tokio::net::TcpListener;
use tokio::signal::unix::{signal, SignalKind};

use crate::notify::{Notifier, Notifying};
use crate::BoxError;

pub struct Options {
    pub addr: SocketAddr,
    pub root: PathBuf,
    pub access_key: String,
    pub secret_key: String,
    /// Where to POST S3 events for created objects (see `notify`).
    pub notifier: Option<Notifier>,
}

pub async fn serve(opts: Options) -> Result<(), BoxError> {
    let Options { addr, root, access_key, secret_key, notifier } = opts;
    std::fs::create_dir_all(&root).map_err(|e| format!("cannot create {}: {e}", root.display()))?;
    let root = root.canonicalize()?;
    let fs = s3s_fs::FileSystem::new(&root).map_err(|e| format!("cannot serve {}: {e:?}", root.display()))?;
    let notifies = notifier.is_some();
    let s3 = Notifying::new(fs, root.clone(), notifier);

    let service = {
        let mut b = S3ServiceBuilder::new(s3);
        // With an auth provider set, s3s verifies SigV4 (and V2) signatures,
        // presigned-URL expiry and clock skew, and its default access check
        // refuses anonymous requests.
        b.set_auth(SimpleAuth::from_single(access_key, secret_key));
        b.build()
    };

    let listener = TcpListener::bind(addr).await.map_err(|e| format!("cannot bind {addr}: {e}"))?;
    let local = listener.local_addr()?;
    println!(
        "local S3 endpoint listening on http://{local} (root {}, SigV4 required{})",
        root.display(),
        if notifies { ", ObjectCreated events on" } else { "" }
    );

    let http = ConnBuilder::new(TokioExecutor::new());
    let graceful = GracefulShutdown::new();
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;

    loop {
        let socket = tokio::select! {
            res = listener.accept() => match res {
                Ok((socket, _)) => socket,
                Err(e) => {
                    eprintln!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = term.recv() => break,
            _ = int.recv() => break,
        };
        let conn = http.serve_connection(TokioIo::new(socket), Cors(service.clone()));
        let conn = graceful.watch(conn.into_owned());
        tokio::spawn(async move {
            let _ = conn.await;
        });
    }

    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {},
        () = tokio::time::sleep(Duration::from_secs(5)) => {},
    }
    println!("local S3 endpoint stopped");
    Ok(())
}

/// Browser access as the bucket's CORS rule allows it on AWS: preflights
/// for PUT and GET from any loopback origin are answered here, and every
/// response to a request with an `Origin` carries the CORS headers.
#[derive(Clone)]
struct Cors(s3s::service::S3Service);

fn loopback_origin(req: &http::Request<hyper::body::Incoming>) -> Option<http::HeaderValue> {
    let origin = req.headers().get(http::header::ORIGIN)?;
    let s = origin.to_str().ok()?;
    let host = s.strip_prefix("http://")?.split(':').next()?;
    matches!(host, "127.0.0.1" | "localhost" | "[::1]").then(|| origin.clone())
}

const ALLOWED_REQUEST_HEADERS: &[&str] = &["content-type", "content-length", "content-md5"];

impl hyper::service::Service<http::Request<hyper::body::Incoming>> for Cors {
    type Response = http::Response<s3s::Body>;
    type Error = s3s::HttpError;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn call(&self, req: http::Request<hyper::body::Incoming>) -> Self::Future {
        let origin = loopback_origin(&req);
        let preflight =
            req.method() == http::Method::OPTIONS && req.headers().contains_key("access-control-request-method");
        if preflight {
            let method_ok = req
                .headers()
                .get("access-control-request-method")
                .and_then(|m| m.to_str().ok())
                .is_some_and(|m| m == "PUT" || m == "GET");
            let requested: Vec<String> = req
                .headers()
                .get("access-control-request-headers")
                .and_then(|h| h.to_str().ok())
                .map(|h| h.split(',').map(|x| x.trim().to_ascii_lowercase()).filter(|x| !x.is_empty()).collect())
                .unwrap_or_default();
            let headers_ok =
                requested.iter().all(|h| ALLOWED_REQUEST_HEADERS.contains(&h.as_str()) || h.starts_with("x-amz-"));
            let mut resp = http::Response::new(s3s::Body::empty());
            match origin.filter(|_| method_ok && headers_ok) {
                Some(o) => {
                    let h = resp.headers_mut();
                    h.insert("access-control-allow-origin", o);
                    h.insert("access-control-allow-methods", http::HeaderValue::from_static("PUT, GET"));
                    if let Ok(v) = http::HeaderValue::from_str(&requested.join(", ")) {
                        h.insert("access-control-allow-headers", v);
                    }
                    h.insert("access-control-max-age", http::HeaderValue::from_static("3000"));
                    h.insert(http::header::VARY, http::HeaderValue::from_static("Origin"));
                }
                None => *resp.status_mut() = http::StatusCode::FORBIDDEN,
            }
            return Box::pin(async move { Ok(resp) });
        }
        let inner = hyper::service::Service::call(&self.0, req);
        Box::pin(async move {
            let mut resp = inner.await?;
            if let Some(o) = origin {
                let h = resp.headers_mut();
                h.insert("access-control-allow-origin", o);
                h.insert("access-control-expose-headers", http::HeaderValue::from_static("ETag"));
                h.insert(http::header::VARY, http::HeaderValue::from_static("Origin"));
            }
            Ok(resp)
        })
    }
}
