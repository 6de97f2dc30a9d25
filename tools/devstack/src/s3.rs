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
        let conn = http.serve_connection(TokioIo::new(socket), service.clone());
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
