//! `devstack`: the pieces of the local stack that are not third-party
//! programs. Driven by `scripts/stack.sh` and the `Makefile`.
//!
//! ```text
//! devstack s3 --addr 127.0.0.1:9000 --root .local/s3 --access-key K --secret-key S [--notify-url URL]
//! devstack init                 # table + bucket, idempotent
//! devstack check                # exit 0 only if table and bucket are there, with the right shape
//! devstack keygen --out .local/jwt
//! devstack router [--check Cargo.toml | --write Cargo.toml]
//! ```
//!
//! `init` and `check` only ever talk to endpoints given by
//! `AWS_ENDPOINT_URL_DYNAMODB` / `AWS_ENDPOINT_URL_S3`, and refuse to run
//! unless both are set and point at a loopback address: this tool never
//! touches a real AWS account.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod keys;
mod notify;
mod router;
mod s3;
mod setup;

type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

const USAGE: &str = "\
usage:
  devstack s3 --addr 127.0.0.1:PORT --root DIR --access-key K --secret-key S
              [--notify-url http://127.0.0.1:PORT/2015-03-31/functions/{function}/invocations]
  devstack init
  devstack check
  devstack keygen --out DIR
  devstack router [--check CARGO_TOML | --write CARGO_TOML]

env for init/check: AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_S3 (both loopback),
  AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION,
  TENURE_TABLE (default tenure), TENURE_BUCKET (default tenure-documents-local)";

/// `--name value` pairs after the subcommand.
struct Flags(Vec<(String, String)>);

impl Flags {
    fn parse(args: &[String], known: &[&str]) -> Result<Self, String> {
        let mut out = Vec::new();
        let mut it = args.iter();
        while let Some(a) = it.next() {
            let name = a.strip_prefix("--").ok_or_else(|| format!("unexpected argument {a:?}"))?;
            let (name, value) = match name.split_once('=') {
                Some((n, v)) => (n.to_string(), v.to_string()),
                None => {
                    let v = it.next().ok_or_else(|| format!("--{name} needs a value"))?;
                    (name.to_string(), v.clone())
                }
            };
            if !known.contains(&name.as_str()) {
                return Err(format!("unknown option --{name}"));
            }
            out.push((name, value));
        }
        Ok(Self(out))
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().rev().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    fn required(&self, name: &str) -> Result<&str, String> {
        self.get(name).ok_or_else(|| format!("--{name} is required"))
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((cmd, rest)) = args.split_first() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let result = match cmd.as_str() {
        "s3" => run_s3(rest),
        "init" => no_flags(rest).and_then(|()| block_on(setup::init())),
        "check" => no_flags(rest).and_then(|()| block_on(setup::check())),
        "keygen" => run_keygen(rest),
        "router" => run_router(rest),
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            Ok(())
        }
        other => Err(format!("unknown subcommand {other:?}\n{USAGE}").into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("devstack {cmd}: {e}");
            ExitCode::FAILURE
        }
    }
}

fn no_flags(rest: &[String]) -> Result<(), BoxError> {
    Flags::parse(rest, &[])?;
    Ok(())
}

fn block_on<F: std::future::Future<Output = Result<(), BoxError>>>(f: F) -> Result<(), BoxError> {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?.block_on(f)
}

fn run_s3(rest: &[String]) -> Result<(), BoxError> {
    let flags = Flags::parse(rest, &["addr", "root", "access-key", "secret-key", "notify-url"])?;
    let addr: SocketAddr = flags.required("addr")?.parse().map_err(|e| format!("--addr must be IP:PORT ({e})"))?;
    if !addr.ip().is_loopback() {
        return Err(
            format!("--addr {addr} is not a loopback address; the local S3 endpoint binds loopback only").into()
        );
    }
    let root = PathBuf::from(flags.required("root")?);
    let access_key = flags.required("access-key")?.to_string();
    let secret_key = flags.required("secret-key")?.to_string();
    if access_key.is_empty() || secret_key.is_empty() {
        return Err("--access-key and --secret-key must not be empty".into());
    }
    let region = std::env::var("AWS_REGION").unwrap_or_else(|_| "eu-west-1".into());
    let notifier = flags.get("notify-url").map(|u| notify::Notifier::new(u, &region)).transpose()?;
    block_on(s3::serve(s3::Options { addr, root, access_key, secret_key, notifier }))
}

fn run_keygen(rest: &[String]) -> Result<(), BoxError> {
    let flags = Flags::parse(rest, &["out"])?;
    let out = Path::new(flags.required("out")?);
    let env = keys::ensure(out)?;
    print!("{env}");
    Ok(())
}

fn run_router(rest: &[String]) -> Result<(), BoxError> {
    let flags = Flags::parse(rest, &["check", "write"])?;
    let section = router::section();
    match (flags.get("check"), flags.get("write")) {
        (None, None) => {
            print!("{section}");
            Ok(())
        }
        (Some(path), None) => router::check(Path::new(path), &section),
        (None, Some(path)) => router::write(Path::new(path), &section),
        (Some(_), Some(_)) => Err("use either --check or --write".into()),
    }
}
