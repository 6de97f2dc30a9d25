//! Invitation tokens: `inv1.{company}.{user}.{secret}`, one-time, valid
//! `INVITATION_SECONDS`. The ids let one round trip load the person and the
//! company's audit head; the user item stores only a hash of the secret, so
//! a copy of the table yields no usable invitation.

use base64::Engine;
use sha2::{Digest, Sha256};

use crate::domain::audit::hex;
use crate::ids::{random_bytes, CompanyId, UserId};

/// An invitation is valid 72 hours.
pub const INVITATION_SECONDS: i64 = 72 * 3600;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvitationToken {
    pub company: CompanyId,
    pub user: UserId,
    secret: String,
}

impl InvitationToken {
    pub fn new(company: CompanyId, user: UserId) -> Self {
        let secret = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random_bytes::<32>());
        Self { company, user, secret }
    }

    pub fn parse(s: &str) -> Option<Self> {
        let mut parts = s.trim().split('.');
        let (v, c, u, secret) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        if v != "inv1" || parts.next().is_some() || secret.len() != 43 {
            return None;
        }
        base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(secret).ok()?;
        Some(Self { company: CompanyId::parse(c)?, user: UserId::parse(u)?, secret: secret.to_string() })
    }

    /// What the user item stores.
    pub fn secret_hash(&self) -> String {
        hex(&Sha256::digest(self.secret.as_bytes()))
    }

    pub fn encode(&self) -> String {
        format!("inv1.{}.{}.{}", self.company, self.user, self.secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invitations_round_trip_and_each_has_its_own_secret() {
        let t = InvitationToken::new(CompanyId::new(), UserId::new());
        assert_eq!(InvitationToken::parse(&t.encode()), Some(t.clone()));
        let other = InvitationToken::new(t.company.clone(), t.user.clone());
        assert_ne!(other.secret_hash(), t.secret_hash());
        assert_eq!(t.secret_hash().len(), 64);
    }

    #[test]
    fn malformed_invitations_do_not_parse() {
        let t = InvitationToken::new(CompanyId::new(), UserId::new()).encode();
        for bad in ["", "inv1", &t.replacen("inv1", "rt1", 1), &format!("{t}.x"), &t[..t.len() - 1], "inv1.a.b.c"] {
            assert!(InvitationToken::parse(bad).is_none(), "{bad:?}");
        }
    }
}
