//! The work both adapters share, below them: the `App` every function
//! builds once at cold start, committing a change with its audit events,
//! scoring a leaver and recording it, sweeping a company. `http` (the
//! request pipeline and the route groups of `api`) and `events` (the event
//! functions) both call into here; neither imports the other, and nothing
//! here imports either.

pub mod assess;
pub mod commit;
pub mod offboarding;
pub mod sweep;

use crate::auth::cursor_key::CursorKey;
use crate::auth::jwt::{Signer, Verifier};
use crate::config::Config;
use crate::store::Store;

pub use commit::commit_with_audit;

/// What a function builds once per cold start and shares across requests.
#[derive(Debug)]
pub struct App {
    pub config: Config,
    pub store: Store,
    pub verifier: Verifier,
    /// Only a function that signs tokens (`auth`) has one.
    pub signer: Option<Signer>,
    /// Only a function with list routes has one (`http::cursor`).
    pub cursor_key: Option<CursorKey>,
    /// The function this process serves (`auth`, `users`, …).
    pub function: &'static str,
    /// The documents bucket, for the functions that use it.
    #[cfg(feature = "s3")]
    pub bucket: Option<crate::store::s3::Bucket>,
}

/// The functions that use the documents bucket.
pub const BUCKET_FUNCTIONS: &[&str] = &["documents", "document-uploaded", "people", "import-uploaded"];

/// Why a function could not start.
pub type StartError = Box<dyn std::error::Error + Send + Sync>;

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

/// A secret's bytes: a local file's content, or an SSM SecureString
/// parameter's base64 value.
async fn load_secret(
    source: &crate::config::SecretSource,
    what: &str,
    _sdk: &aws_config::SdkConfig,
) -> Result<Vec<u8>, StartError> {
    use crate::config::SecretSource;
    match source {
        SecretSource::File(path) => {
            Ok(std::fs::read(path).map_err(|e| format!("reading the {what} file {path}: {e}"))?)
        }
        #[cfg(feature = "ssm")]
        SecretSource::SsmParameter(name) => {
            use base64::Engine;
            let out = aws_sdk_ssm::Client::new(_sdk)
                .get_parameter()
                .name(name)
                .with_decryption(true)
                .send()
                .await
                .map_err(|e| format!("reading the {what} parameter: {e}"))?;
            let value = out.parameter.and_then(|p| p.value).ok_or_else(|| format!("the {what} parameter is empty"))?;
            Ok(base64::engine::general_purpose::STANDARD
                .decode(value.trim())
                .map_err(|_| format!("the {what} parameter is not base64"))?)
        }
        #[cfg(not(feature = "ssm"))]
        SecretSource::SsmParameter(_) => Err("this build cannot read SSM parameters (feature `ssm`)".into()),
    }
}

async fn load_signer(config: &Config, sdk: &aws_config::SdkConfig) -> Result<Signer, StartError> {
    let sc = crate::config::SignerConfig::from_env()?;
    let der = load_secret(&sc.source, "signing key", sdk).await?;
    Ok(Signer::new(&sc.kid, &der, config)?)
}

async fn load_cursor_key(sdk: &aws_config::SdkConfig) -> Result<CursorKey, StartError> {
    let bytes = load_secret(&crate::config::cursor_key_source()?, "cursor key", sdk).await?;
    Ok(CursorKey::new(bytes)?)
}

impl App {
    /// For HTTP functions: reads configuration and builds clients once, at
    /// cold start. `signs_tokens` loads the signing key, `pages` the cursor
    /// key.
    pub async fn from_env(function: &'static str, signs_tokens: bool, pages: bool) -> Result<Self, StartError> {
        let config = Config::from_env()?;
        let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        let store = Store::new(crate::store::client_for(&sdk, function, None), config.table.clone());
        let signer = if signs_tokens { Some(load_signer(&config, &sdk).await?) } else { None };
        let cursor_key = if pages { Some(load_cursor_key(&sdk).await?) } else { None };
        Ok(Self {
            verifier: Verifier::from_config(&config),
            config,
            store,
            signer,
            cursor_key,
            function,
            #[cfg(feature = "s3")]
            bucket: bucket_for(function, &sdk)?,
        })
    }

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
            cursor_key: None,
            function,
            #[cfg(feature = "s3")]
            bucket: bucket_for(function, &sdk)?,
        })
    }
}
