//! The HTTP side: the request pipeline every function uses, problem+json
//! responses, body parsing, cursors and rate limits.

pub mod body;
pub mod cursor;
pub mod pipeline;
pub mod ratelimit;

use lambda_http::Body;
use serde::Serialize;

use crate::auth::jwt::{Signer, Verifier};
use crate::config::Config;
use crate::store::Store;

pub use pipeline::{handle, Ctx, Principal};

/// A response.
pub type Reply = http::Response<Body>;

/// What a function builds once per cold start and shares across requests.
#[derive(Debug)]
pub struct App {
    pub config: Config,
    pub store: Store,
    pub verifier: Verifier,
    /// Only the `auth` function has one.
    pub signer: Option<Signer>,
    /// The function this process serves (`auth`, `users`, …).
    pub function: &'static str,
    /// The documents bucket, for the functions that use it.
    #[cfg(feature = "s3")]
    pub bucket: Option<crate::store::s3::Bucket>,
}

/// The functions that use the documents bucket.
pub const BUCKET_FUNCTIONS: &[&str] = &["documents", "document-uploaded"];

#[cfg(feature = "s3")]
fn bucket_for(function: &str, sdk: &aws_config::SdkConfig) -> Result<Option<crate::store::s3::Bucket>, StartError> {
    if !BUCKET_FUNCTIONS.contains(&function) {
        return Ok(None);
    }
    let name = std::env::var("TENURE_BUCKET")
        .ok()
        .filter(|b| !b.is_empty())
        .ok_or("environment variable TENURE_BUCKET is not set")?;
    Ok(Some(crate::store::s3::Bucket::new(sdk, name)))
}

/// A JSON response.
pub fn json<T: Serialize>(status: u16, value: &T) -> Reply {
    let body = serde_json::to_string(value).unwrap_or_else(|_| "{}".into());
    raw(status, "application/json", body)
}

pub fn raw(status: u16, content_type: &str, body: impl Into<Body>) -> Reply {
    let mut r = http::Response::new(body.into());
    *r.status_mut() = http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    if let Ok(v) = http::HeaderValue::from_str(content_type) {
        r.headers_mut().insert(http::header::CONTENT_TYPE, v);
    }
    r
}

pub fn no_content() -> Reply {
    let mut r = http::Response::new(Body::Empty);
    *r.status_mut() = http::StatusCode::NO_CONTENT;
    r
}

/// A page of a list, as every list route returns it.
#[derive(Debug, Serialize)]
pub struct ListPage<T: Serialize> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// Why a function could not start.
pub type StartError = Box<dyn std::error::Error + Send + Sync>;

async fn load_signer(config: &Config, _sdk: &aws_config::SdkConfig) -> Result<Signer, StartError> {
    use crate::config::{SignerConfig, SigningKeySource};
    let sc = SignerConfig::from_env()?;
    let der = match &sc.source {
        SigningKeySource::File(path) => {
            std::fs::read(path).map_err(|e| format!("reading TENURE_JWT_PRIVATE_KEY_FILE: {e}"))?
        }
        #[cfg(feature = "ssm")]
        SigningKeySource::SsmParameter(name) => {
            use base64::Engine;
            let out = aws_sdk_ssm::Client::new(_sdk)
                .get_parameter()
                .name(name)
                .with_decryption(true)
                .send()
                .await
                .map_err(|e| format!("reading the signing key parameter: {e}"))?;
            let value = out.parameter.and_then(|p| p.value).ok_or("the signing key parameter is empty")?;
            base64::engine::general_purpose::STANDARD
                .decode(value.trim())
                .map_err(|_| "the signing key parameter is not base64")?
        }
        #[cfg(not(feature = "ssm"))]
        SigningKeySource::SsmParameter(_) => return Err("this build cannot read SSM parameters (feature `ssm`)".into()),
    };
    Ok(Signer::new(&sc.kid, &der, config)?)
}

impl App {
    /// Reads configuration and builds clients once, at cold start.
    pub async fn from_env(function: &'static str) -> Result<Self, StartError> {
        let config = Config::from_env()?;
        let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        let store = Store::new(crate::store::client_for(&sdk, function, None), config.table.clone());
        let signer = if function == "auth" { Some(load_signer(&config, &sdk).await?) } else { None };
        Ok(Self {
            verifier: Verifier::from_config(&config),
            config,
            store,
            signer,
            function,
            #[cfg(feature = "s3")]
            bucket: bucket_for(function, &sdk)?,
        })
    }
}

impl App {
    /// For event functions: only the table is configured (they verify no
    /// tokens and sign none).
    pub async fn for_events(function: &'static str) -> Result<Self, StartError> {
        let table = std::env::var("TENURE_TABLE")
            .ok()
            .filter(|t| !t.is_empty())
            .ok_or("environment variable TENURE_TABLE is not set")?;
        let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        let config = Config {
            table: table.clone(),
            issuer: String::new(),
            audience: String::new(),
            public_keys: Vec::new(),
            limits: Default::default(),
        };
        Ok(Self {
            verifier: Verifier::new(&[], "", ""),
            config,
            store: Store::new(crate::store::client_for(&sdk, function, None), table),
            signer: None,
            function,
            #[cfg(feature = "s3")]
            bucket: bucket_for(function, &sdk)?,
        })
    }
}

/// The whole of a function's `main`: logging, cold-start setup, then serve.
pub async fn serve(function: &'static str) -> Result<(), lambda_http::Error> {
    crate::telemetry::init();
    let app = std::sync::Arc::new(App::from_env(function).await.map_err(|e| {
        tracing::error!(error = %e, "cold start failed");
        e
    })?);
    if function == "auth" {
        if let Ok(crate::config::SignerConfig { bootstrap_admin: Some((email, password)), .. }) =
            crate::config::SignerConfig::from_env()
        {
            match crate::api::auth::bootstrap_admin(&app, &email, password.expose()).await {
                Ok(true) => tracing::info!("bootstrap admin created"),
                Ok(false) => tracing::info!("bootstrap admin already exists"),
                Err(e) => tracing::error!(error = %e, "bootstrap admin not created"),
            }
        }
    }
    lambda_http::run(lambda_http::service_fn(move |req| {
        let app = app.clone();
        async move { Ok::<_, std::convert::Infallible>(handle(app, req).await) }
    }))
    .await
}
