//! The work both adapters share, below them: the `App` every function
//! builds once at cold start, committing a change with its audit events,
//! scoring a leaver and recording it, sweeping a company. `http` (the
//! request pipeline and the route groups of `api`) and `events` (the event
//! functions) both call into here; neither imports the other, and nothing
//! here imports either.

pub mod assess;
pub mod commit;
pub mod sweep;

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
    /// The function this process serves (`auth`, `users`, …).
    pub function: &'static str,
    /// The documents bucket, for the functions that use it.
    #[cfg(feature = "s3")]
    pub bucket: Option<crate::store::s3::Bucket>,
}

/// The functions that use the documents bucket.
pub const BUCKET_FUNCTIONS: &[&str] = &["documents", "document-uploaded"];

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
    /// For HTTP functions: reads configuration and builds clients once, at
    /// cold start. `signs_tokens` loads the signing key.
    pub async fn from_env(function: &'static str, signs_tokens: bool) -> Result<Self, StartError> {
        let config = Config::from_env()?;
        let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        let store = Store::new(crate::store::client_for(&sdk, function, None), config.table.clone());
        let signer = if signs_tokens { Some(load_signer(&config, &sdk).await?) } else { None };
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
