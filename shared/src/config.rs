//! Typed configuration, read once per cold start from the environment.
//! A missing or malformed variable is an error that names it. Each function
//! reads only what it needs: verifiers never see the signing key.

use std::fmt;

use base64::Engine;

/// A value that must never reach a log line.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    pub fn new(v: T) -> Self {
        Self(v)
    }
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(…)")
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("environment variable {0} is not set")]
    Missing(&'static str),
    #[error("environment variable {0} is invalid: {1}")]
    Invalid(&'static str, String),
}

/// The limits of "Limits" in the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    /// Requests a minute per signed-in user.
    pub per_minute: u32,
    /// Requests a minute on heavy routes (reports, exports, sweeps).
    pub heavy_per_minute: u32,
    /// Requests a minute per source IP on unauthenticated routes.
    pub ip_per_minute: u32,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self { per_minute: 100, heavy_per_minute: 50, ip_per_minute: 100 }
    }
}

/// A public key that verifies access tokens, named by its `kid`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    pub kid: String,
    /// The raw 32-byte Ed25519 public key.
    pub key: Vec<u8>,
}

/// What every HTTP function needs.
#[derive(Debug, Clone)]
pub struct Config {
    pub table: String,
    pub issuer: String,
    pub audience: String,
    pub public_keys: Vec<PublicKey>,
    pub limits: RateLimits,
}

/// Where a function finds a secret: the `auth` function its private
/// signing key, the functions with list routes the cursor key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    /// A local, git-ignored file holding the raw bytes (`make dev`, tests).
    File(String),
    /// An SSM SecureString parameter holding the bytes in base64 (AWS).
    SsmParameter(String),
}

/// What only the `auth` function needs.
#[derive(Debug, Clone)]
pub struct SignerConfig {
    pub kid: String,
    pub source: SecretSource,
    pub bootstrap_admin: Option<(String, Secret<String>)>,
}

type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

fn get(env: Lookup, name: &'static str) -> Option<String> {
    env(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

fn required(env: Lookup, name: &'static str) -> Result<String, ConfigError> {
    get(env, name).ok_or(ConfigError::Missing(name))
}

fn number(env: Lookup, name: &'static str, default: u32) -> Result<u32, ConfigError> {
    match get(env, name) {
        None => Ok(default),
        Some(v) => match v.parse::<u32>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(ConfigError::Invalid(name, "expected a positive whole number".into())),
        },
    }
}

/// Parses `kid:base64url,kid:base64url`.
pub fn parse_public_keys(v: &str) -> Result<Vec<PublicKey>, ConfigError> {
    const NAME: &str = "TENURE_JWT_PUBLIC_KEYS";
    let mut keys = Vec::new();
    for part in v.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (kid, b64) =
            part.split_once(':').ok_or_else(|| ConfigError::Invalid(NAME, "expected kid:base64url pairs".into()))?;
        let key = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(b64.trim())
            .map_err(|_| ConfigError::Invalid(NAME, format!("key {kid} is not base64url")))?;
        if key.len() != 32 {
            return Err(ConfigError::Invalid(NAME, format!("key {kid} is not a 32-byte Ed25519 key")));
        }
        keys.push(PublicKey { kid: kid.trim().to_string(), key });
    }
    if keys.is_empty() {
        return Err(ConfigError::Missing(NAME));
    }
    Ok(keys)
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(&|k| std::env::var(k).ok())
    }

    pub fn from_lookup(env: Lookup) -> Result<Self, ConfigError> {
        Ok(Self {
            table: required(env, "TENURE_TABLE")?,
            issuer: get(env, "TENURE_JWT_ISSUER").unwrap_or_else(|| "tenure".into()),
            audience: get(env, "TENURE_JWT_AUDIENCE").unwrap_or_else(|| "tenure-api".into()),
            public_keys: parse_public_keys(&required(env, "TENURE_JWT_PUBLIC_KEYS")?)?,
            limits: RateLimits {
                per_minute: number(env, "TENURE_RATE_LIMIT_PER_MINUTE", 100)?,
                heavy_per_minute: number(env, "TENURE_HEAVY_RATE_LIMIT_PER_MINUTE", 50)?,
                ip_per_minute: number(env, "TENURE_IP_RATE_LIMIT_PER_MINUTE", 100)?,
            },
        })
    }
}

/// A secret's source from a pair of variables: a file locally, an SSM
/// parameter in AWS, exactly one of them.
fn secret_source(env: Lookup, file: &'static str, param: &'static str) -> Result<SecretSource, ConfigError> {
    match (get(env, file), get(env, param)) {
        (Some(f), None) => Ok(SecretSource::File(f)),
        (None, Some(p)) => Ok(SecretSource::SsmParameter(p)),
        (None, None) => Err(ConfigError::Missing(param)),
        (Some(_), Some(_)) => Err(ConfigError::Invalid(file, format!("set either the file or {param}, not both"))),
    }
}

/// Where a function with list routes finds the key its cursors are tagged
/// with (`TENURE_CURSOR_KEY_FILE` locally, `TENURE_CURSOR_KEY_PARAM` in AWS).
pub fn cursor_key_source() -> Result<SecretSource, ConfigError> {
    cursor_key_source_from(&|k| std::env::var(k).ok())
}

pub fn cursor_key_source_from(env: Lookup) -> Result<SecretSource, ConfigError> {
    secret_source(env, "TENURE_CURSOR_KEY_FILE", "TENURE_CURSOR_KEY_PARAM")
}

impl SignerConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(&|k| std::env::var(k).ok())
    }

    pub fn from_lookup(env: Lookup) -> Result<Self, ConfigError> {
        let source = secret_source(env, "TENURE_JWT_PRIVATE_KEY_FILE", "TENURE_JWT_PRIVATE_KEY_PARAM")?;
        let bootstrap_admin =
            match (get(env, "TENURE_BOOTSTRAP_ADMIN_EMAIL"), get(env, "TENURE_BOOTSTRAP_ADMIN_PASSWORD")) {
                (Some(email), Some(password)) => Some((email, Secret::new(password))),
                (None, None) => None,
                (Some(_), None) => return Err(ConfigError::Missing("TENURE_BOOTSTRAP_ADMIN_PASSWORD")),
                (None, Some(_)) => return Err(ConfigError::Missing("TENURE_BOOTSTRAP_ADMIN_EMAIL")),
            };
        Ok(Self { kid: required(env, "TENURE_JWT_KID")?, source, bootstrap_admin })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    const KEY: &str = "k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

    #[test]
    fn a_missing_table_is_named() {
        let e = env(&[("TENURE_JWT_PUBLIC_KEYS", KEY)]);
        let err = Config::from_lookup(&|k| e.get(k).cloned()).unwrap_err();
        assert_eq!(err, ConfigError::Missing("TENURE_TABLE"));
    }

    #[test]
    fn limits_default_and_reject_nonsense() {
        let e = env(&[("TENURE_TABLE", "t"), ("TENURE_JWT_PUBLIC_KEYS", KEY)]);
        let c = Config::from_lookup(&|k| e.get(k).cloned()).unwrap();
        assert_eq!(c.limits, RateLimits::default());
        assert_eq!(c.public_keys[0].kid, "k1");
        let e = env(&[("TENURE_TABLE", "t"), ("TENURE_JWT_PUBLIC_KEYS", KEY), ("TENURE_RATE_LIMIT_PER_MINUTE", "-3")]);
        assert!(matches!(
            Config::from_lookup(&|k| e.get(k).cloned()),
            Err(ConfigError::Invalid("TENURE_RATE_LIMIT_PER_MINUTE", _))
        ));
    }

    #[test]
    fn public_keys_must_be_32_bytes() {
        assert!(parse_public_keys("k:AAAA").is_err());
        assert!(parse_public_keys("nocolon").is_err());
    }

    #[test]
    fn secrets_do_not_print() {
        assert_eq!(format!("{:?}", Secret::new("hunter2")), "Secret(…)");
    }

    #[test]
    fn a_secret_comes_from_exactly_one_of_file_and_parameter() {
        let look = |pairs: &[(&str, &str)]| {
            let e = env(pairs);
            cursor_key_source_from(&|k| e.get(k).cloned())
        };
        assert_eq!(look(&[("TENURE_CURSOR_KEY_FILE", "/k")]), Ok(SecretSource::File("/k".into())));
        assert_eq!(look(&[("TENURE_CURSOR_KEY_PARAM", "/p")]), Ok(SecretSource::SsmParameter("/p".into())));
        assert_eq!(look(&[]), Err(ConfigError::Missing("TENURE_CURSOR_KEY_PARAM")));
        assert!(matches!(
            look(&[("TENURE_CURSOR_KEY_FILE", "/k"), ("TENURE_CURSOR_KEY_PARAM", "/p")]),
            Err(ConfigError::Invalid("TENURE_CURSOR_KEY_FILE", _))
        ));
    }
}
