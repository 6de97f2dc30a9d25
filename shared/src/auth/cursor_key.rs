//! The key pagination cursors are tagged with (`http::cursor`): an
//! HMAC-SHA256, so only the deployment can mint a cursor. It lives here,
//! beside the token keys, because the `App` every function builds holds it.

use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::config::Secret;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Bytes of the MAC a cursor carries.
const TAG_LEN: usize = 16;

/// The key cursors are tagged with: at least 32 random bytes.
#[derive(Debug, Clone)]
pub struct CursorKey(Secret<Vec<u8>>);

impl CursorKey {
    pub const MIN_LEN: usize = 32;

    pub fn new(bytes: Vec<u8>) -> Result<Self, String> {
        if bytes.len() < Self::MIN_LEN {
            return Err(format!("the cursor key must be at least {} bytes, got {}", Self::MIN_LEN, bytes.len()));
        }
        Ok(Self(Secret::new(bytes)))
    }

    fn mac(&self, scope: &str, payload: &str) -> Hmac<Sha256> {
        // HMAC takes a key of any length; `new` has checked the minimum.
        let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(self.0.expose()).expect("HMAC accepts any key length");
        m.update(b"tenure-cursor-v2\n");
        m.update(scope.as_bytes());
        m.update(b"\n");
        m.update(payload.as_bytes());
        m
    }

    pub fn tag(&self, scope: &str, payload: &str) -> String {
        B64.encode(&self.mac(scope, payload).finalize().into_bytes()[..TAG_LEN])
    }

    /// Whether `tag` is this key's tag of `payload` in `scope` (compared in
    /// constant time).
    pub fn verifies(&self, scope: &str, payload: &str, tag: &str) -> bool {
        match B64.decode(tag) {
            Ok(t) if t.len() == TAG_LEN => self.mac(scope, payload).verify_truncated_left(&t).is_ok(),
            _ => false,
        }
    }
}
