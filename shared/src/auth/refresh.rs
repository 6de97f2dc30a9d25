//! Refresh tokens: `rt1.{company}.{user}.{session}.{secret}` (the ids let
//! one round trip load the session, the user and the audit head). The session item
//! stores only a hash of the current secret and of the secrets already
//! used, so a stolen table does not yield live tokens, and presenting a
//! used secret is recognised as reuse (which revokes the whole session).

use base64::Engine;
use sha2::{Digest, Sha256};

use crate::domain::audit::hex;
use crate::ids::{random_bytes, CompanyId, SessionId, UserId};

/// Refresh tokens (sessions) live 30 days.
pub const REFRESH_TOKEN_SECONDS: i64 = 30 * 24 * 3600;
/// How many used secrets a session remembers for reuse detection.
pub const USED_SECRETS_KEPT: usize = 20;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshToken {
    pub company: CompanyId,
    pub user: UserId,
    pub session: SessionId,
    secret: String,
}

impl RefreshToken {
    pub fn new(company: CompanyId, user: UserId, session: SessionId) -> Self {
        let secret = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random_bytes::<32>());
        Self { company, user, session, secret }
    }

    /// The same session with a fresh secret.
    pub fn rotated(&self) -> Self {
        Self::new(self.company.clone(), self.user.clone(), self.session.clone())
    }

    pub fn parse(s: &str) -> Option<Self> {
        let mut parts = s.split('.');
        let (v, c, u, sess, secret) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        if v != "rt1" || parts.next().is_some() || secret.len() != 43 {
            return None;
        }
        base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(secret).ok()?;
        Some(Self {
            company: CompanyId::parse(c)?,
            user: UserId::parse(u)?,
            session: SessionId::parse(sess)?,
            secret: secret.to_string(),
        })
    }

    /// What the session stores.
    pub fn secret_hash(&self) -> String {
        hex(&Sha256::digest(self.secret.as_bytes()))
    }

    pub fn encode(&self) -> String {
        format!("rt1.{}.{}.{}.{}", self.company, self.user, self.session, self.secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_tokens_round_trip_and_rotate_to_a_new_secret() {
        let t = RefreshToken::new(CompanyId::new(), UserId::new(), SessionId::new());
        let parsed = RefreshToken::parse(&t.encode()).unwrap();
        assert_eq!(parsed, t);
        let r = t.rotated();
        assert_eq!((r.company.clone(), r.session.clone()), (t.company.clone(), t.session.clone()));
        assert_ne!(r.secret_hash(), t.secret_hash());
    }

    #[test]
    fn malformed_refresh_tokens_do_not_parse() {
        let t = RefreshToken::new(CompanyId::new(), UserId::new(), SessionId::new()).encode();
        for bad in ["", "rt1", &t.replacen("rt1", "rt2", 1), &format!("{t}.x"), &t[..t.len() - 1]] {
            assert!(RefreshToken::parse(bad).is_none(), "{bad:?}");
        }
    }
}
