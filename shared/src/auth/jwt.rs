//! Access tokens: EdDSA-signed JWTs with a `kid`. Verifiers hold public keys
//! only; the private key is loaded by the `auth` function alone. The
//! verifier accepts exactly one algorithm, a known `kid`, and checks `exp`,
//! `iat`, `iss` and `aud`.

use std::collections::HashMap;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::config::{Config, PublicKey};
use crate::domain::roles::Role;
use crate::ids::{CompanyId, SessionId, TokenId, UserId};

/// Access tokens live 15 minutes.
pub const ACCESS_TOKEN_SECONDS: i64 = 15 * 60;

/// What an access token says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    /// The user.
    pub sub: UserId,
    /// The user's company.
    pub cid: CompanyId,
    /// The session (refresh-token family) it was issued from.
    pub sid: SessionId,
    pub jti: TokenId,
    /// The role at issue time; the pipeline uses the stored, current role.
    pub role: Role,
    pub iat: i64,
    pub exp: i64,
}

/// Signs access tokens (the `auth` function only).
pub struct Signer {
    kid: String,
    key: EncodingKey,
    issuer: String,
    audience: String,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer").field("kid", &self.kid).finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("the signing key is not a valid Ed25519 PKCS#8 key")]
    BadKey,
    #[error("reading the signing key: {0}")]
    Io(String),
}

impl Signer {
    /// `pkcs8` is the Ed25519 private key as PKCS#8 DER.
    pub fn new(kid: &str, pkcs8: &[u8], config: &Config) -> Result<Self, KeyError> {
        aws_lc_rs::signature::Ed25519KeyPair::from_pkcs8(pkcs8)
            .or_else(|_| aws_lc_rs::signature::Ed25519KeyPair::from_pkcs8_maybe_unchecked(pkcs8))
            .map_err(|_| KeyError::BadKey)?;
        Ok(Self {
            kid: kid.to_string(),
            key: EncodingKey::from_ed_der(pkcs8),
            issuer: config.issuer.clone(),
            audience: config.audience.clone(),
        })
    }

    /// Issues an access token; returns it with its lifetime in seconds.
    pub fn issue(
        &self,
        user: &UserId,
        company: &CompanyId,
        session: &SessionId,
        role: Role,
        now: i64,
    ) -> Result<(String, i64), KeyError> {
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: user.clone(),
            cid: company.clone(),
            sid: session.clone(),
            jti: TokenId::new(),
            role,
            iat: now,
            exp: now + ACCESS_TOKEN_SECONDS,
        };
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.kid.clone());
        let token = jsonwebtoken::encode(&header, &claims, &self.key).map_err(|_| KeyError::BadKey)?;
        Ok((token, ACCESS_TOKEN_SECONDS))
    }
}

/// A new Ed25519 key pair: (PKCS#8 DER private key, raw public key).
pub fn generate_keypair() -> Result<(Vec<u8>, Vec<u8>), KeyError> {
    use aws_lc_rs::signature::KeyPair;
    let rng = aws_lc_rs::rand::SystemRandom::new();
    let doc = aws_lc_rs::signature::Ed25519KeyPair::generate_pkcs8(&rng).map_err(|_| KeyError::BadKey)?;
    let pair = aws_lc_rs::signature::Ed25519KeyPair::from_pkcs8(doc.as_ref()).map_err(|_| KeyError::BadKey)?;
    Ok((doc.as_ref().to_vec(), pair.public_key().as_ref().to_vec()))
}

/// Why a token was refused. All become the same 401 for the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("malformed token")]
    Malformed,
    #[error("unknown key id")]
    UnknownKey,
    #[error("algorithm not allowed")]
    Algorithm,
    #[error("expired")]
    Expired,
    #[error("invalid signature or claims")]
    Invalid,
}

/// Verifies access tokens with public keys only.
#[derive(Clone)]
pub struct Verifier {
    keys: HashMap<String, DecodingKey>,
    validation: Validation,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier").field("kids", &self.keys.keys().collect::<Vec<_>>()).finish()
    }
}

impl Verifier {
    pub fn new(keys: &[PublicKey], issuer: &str, audience: &str) -> Self {
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.algorithms = vec![Algorithm::EdDSA];
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.leeway = 30;
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        let keys = keys.iter().map(|k| (k.kid.clone(), DecodingKey::from_ed_der(&k.key))).collect();
        Self { keys, validation }
    }

    pub fn from_config(c: &Config) -> Self {
        Self::new(&c.public_keys, &c.issuer, &c.audience)
    }

    pub fn verify(&self, token: &str, now: i64) -> Result<Claims, TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Malformed)?;
        if header.alg != Algorithm::EdDSA {
            return Err(TokenError::Algorithm);
        }
        let kid = header.kid.ok_or(TokenError::UnknownKey)?;
        let key = self.keys.get(&kid).ok_or(TokenError::UnknownKey)?;
        let data = jsonwebtoken::decode::<Claims>(token, key, &self.validation).map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
            _ => TokenError::Invalid,
        })?;
        let c = data.claims;
        // `iat` in the future (beyond clock skew) means a forged or broken clock.
        if c.iat > now + 60 {
            return Err(TokenError::Invalid);
        }
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    fn config(keys: Vec<PublicKey>) -> Config {
        Config {
            table: "t".into(),
            issuer: "tenure".into(),
            audience: "tenure-api".into(),
            public_keys: keys,
            limits: Default::default(),
        }
    }

    fn pair(kid: &str) -> (Signer, PublicKey, Config) {
        let (private, public) = generate_keypair().unwrap();
        let pk = PublicKey { kid: kid.into(), key: public };
        let c = config(vec![pk.clone()]);
        (Signer::new(kid, &private, &c).unwrap(), pk, c)
    }

    fn now() -> i64 {
        time::OffsetDateTime::now_utc().unix_timestamp()
    }

    #[test]
    fn a_signed_token_verifies_with_its_public_key() {
        let (signer, _, c) = pair("k1");
        let (u, co, s) = (UserId::new(), CompanyId::new(), SessionId::new());
        let (token, ttl) = signer.issue(&u, &co, &s, Role::Hr, now()).unwrap();
        assert_eq!(ttl, 900);
        let claims = Verifier::from_config(&c).verify(&token, now()).unwrap();
        assert_eq!((claims.sub, claims.cid, claims.sid, claims.role), (u, co, s, Role::Hr));
    }

    #[test]
    fn expired_tokens_are_refused() {
        let (signer, _, c) = pair("k1");
        let (token, _) =
            signer.issue(&UserId::new(), &CompanyId::new(), &SessionId::new(), Role::Hr, now() - 3600).unwrap();
        assert_eq!(Verifier::from_config(&c).verify(&token, now()), Err(TokenError::Expired));
    }

    #[test]
    fn a_token_signed_by_another_key_with_the_same_kid_is_refused() {
        let (signer, _, _) = pair("k1");
        let (_, _, other) = pair("k1");
        let (token, _) = signer.issue(&UserId::new(), &CompanyId::new(), &SessionId::new(), Role::Hr, now()).unwrap();
        assert_eq!(Verifier::from_config(&other).verify(&token, now()), Err(TokenError::Invalid));
    }

    #[test]
    fn unknown_kids_and_alg_none_are_refused() {
        let (signer, _, _) = pair("k2");
        let (_, _, c) = pair("k1");
        let (token, _) = signer.issue(&UserId::new(), &CompanyId::new(), &SessionId::new(), Role::Hr, now()).unwrap();
        let v = Verifier::from_config(&c);
        assert_eq!(v.verify(&token, now()), Err(TokenError::UnknownKey));
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let payload = token.split('.').nth(1).unwrap();
        let none = format!("{}.{}.", b64.encode(br#"{"alg":"none","typ":"JWT","kid":"k1"}"#), payload);
        assert!(v.verify(&none, now()).is_err());
        let hs =
            format!("{}.{}.{}", b64.encode(br#"{"alg":"HS256","typ":"JWT","kid":"k1"}"#), payload, b64.encode(b"sig"));
        assert_eq!(v.verify(&hs, now()), Err(TokenError::Algorithm));
        assert_eq!(v.verify("not.a.token", now()), Err(TokenError::Malformed));
    }

    #[test]
    fn a_tampered_payload_is_refused() {
        let (signer, _, c) = pair("k1");
        let (token, _) =
            signer.issue(&UserId::new(), &CompanyId::new(), &SessionId::new(), Role::Employee, now()).unwrap();
        let parts: Vec<&str> = token.split('.').collect();
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let mut claims: serde_json::Value = serde_json::from_slice(&b64.decode(parts[1]).unwrap()).unwrap();
        claims["role"] = "admin".into();
        let forged = format!("{}.{}.{}", parts[0], b64.encode(claims.to_string()), parts[2]);
        assert_eq!(Verifier::from_config(&c).verify(&forged, now()), Err(TokenError::Invalid));
    }
}
