//! Opaque pagination cursors. A cursor carries DynamoDB's last evaluated
//! key and a tag over that key and the list it belongs to (tenant, caller,
//! route, filters). An edited cursor, or one taken from another list,
//! another caller or another company, fails the tag and is a 400.
//!
//! The tag is an HMAC-SHA256 under the deployment's cursor key (an SSM
//! SecureString in AWS, a generated file locally; only the functions with a
//! list route read it), so nobody outside can mint a cursor for a key of
//! their choosing. Behind the tag, `Ctx::page` still accepts only a key with
//! exactly the attributes of the table or index the list pages (`PageKey`)
//! whose partition is the one the list queries, and a key DynamoDB refuses
//! as a start key is a 400 too (`StoreError::BadCursor`).

use std::collections::{BTreeMap, HashMap};

use base64::Engine;

pub use crate::auth::cursor_key::CursorKey;
use crate::error::ApiError;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Encodes the last evaluated key of a page.
pub fn encode(key: &CursorKey, scope: &str, last_key: &HashMap<String, String>) -> String {
    let sorted: BTreeMap<_, _> = last_key.iter().collect();
    let payload = B64.encode(serde_json::to_vec(&sorted).unwrap_or_default());
    let t = key.tag(scope, &payload);
    format!("{payload}.{t}")
}

/// The key attributes a list's cursor carries, exactly: a cursor with any
/// other attribute, or without one of these, is a 400 before DynamoDB sees it.
#[derive(Debug, Clone, Copy)]
pub struct PageKey {
    pub attrs: &'static [&'static str],
    /// The attribute that must hold the list's partition.
    pub partition: &'static str,
}

/// Lists that query the table.
pub const BY_TABLE: PageKey = PageKey { attrs: &["pk", "sk"], partition: "pk" };
/// Lists that query `gsi1` (its start key holds the table's key too).
pub const BY_GSI1: PageKey = PageKey { attrs: &["pk", "sk", "gsi1pk", "gsi1sk"], partition: "gsi1pk" };
/// Lists that query `gsi2`.
pub const BY_GSI2: PageKey = PageKey { attrs: &["pk", "sk", "gsi2pk", "gsi2sk"], partition: "gsi2pk" };

impl PageKey {
    /// Whether `key` has exactly these attributes, none empty, and
    /// `partition` in the partition attribute.
    pub fn admits(&self, key: &HashMap<String, String>, partition: &str) -> bool {
        key.len() == self.attrs.len()
            && self.attrs.iter().all(|a| key.get(*a).is_some_and(|v| !v.is_empty()))
            && key.get(self.partition).is_some_and(|p| p == partition)
    }
}

fn bad() -> ApiError {
    ApiError::bad_field("cursor", "is not a cursor this list issued")
}

/// Decodes a cursor issued for `scope`.
pub fn decode(key: &CursorKey, scope: &str, cursor: &str) -> Result<HashMap<String, String>, ApiError> {
    let (payload, t) = cursor.split_once('.').ok_or_else(bad)?;
    if cursor.len() > 2048 || !key.verifies(scope, payload, t) {
        return Err(bad());
    }
    let bytes = B64.decode(payload).map_err(|_| bad())?;
    serde_json::from_slice(&bytes).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::Sha256;

    fn secret() -> CursorKey {
        CursorKey::new(vec![7; 32]).unwrap()
    }

    fn key() -> HashMap<String, String> {
        HashMap::from([("pk".to_string(), "CO#cmp_a".to_string()), ("sk".to_string(), "USER#usr_b".to_string())])
    }

    #[test]
    fn a_cursor_decodes_in_its_own_scope() {
        let c = encode(&secret(), "cmp_a GET /auth/admin/users", &key());
        assert_eq!(decode(&secret(), "cmp_a GET /auth/admin/users", &c).unwrap(), key());
    }

    #[test]
    fn a_cursor_must_carry_exactly_the_key_attributes_of_what_it_pages() {
        let own = "CO#cmp_a";
        let k = |pairs: &[(&str, &str)]| -> HashMap<String, String> {
            pairs.iter().map(|(a, v)| (a.to_string(), v.to_string())).collect()
        };
        assert!(BY_TABLE.admits(&k(&[("pk", own), ("sk", "USER#1")]), own));
        assert!(!BY_TABLE.admits(&k(&[("pk", "CO#cmp_b"), ("sk", "USER#1")]), own), "another partition");
        assert!(!BY_TABLE.admits(&k(&[("gsi1pk", own), ("sk", "USER#1")]), own), "another key attribute");
        assert!(!BY_TABLE.admits(&k(&[("pk", own), ("sk", "USER#1"), ("gsi1pk", own)]), own), "an extra attribute");
        assert!(!BY_TABLE.admits(&k(&[("pk", own), ("sk", "")]), own), "an empty sort key");
        assert!(!BY_TABLE.admits(&k(&[("pk", own)]), own), "no sort key");
        let g = k(&[("pk", own), ("sk", "LVR#1"), ("gsi2pk", "LD#cmp_a"), ("gsi2sk", "2026-12-01#1")]);
        assert!(BY_GSI2.admits(&g, "LD#cmp_a"));
        assert!(!BY_GSI2.admits(&g, own), "the index's partition, not the table's");
        assert!(!BY_GSI1.admits(&g, "LD#cmp_a"));
    }

    #[test]
    fn an_edited_or_foreign_cursor_is_a_400() {
        let c = encode(&secret(), "cmp_a GET /auth/admin/users", &key());
        assert_eq!(decode(&secret(), "cmp_b GET /auth/admin/users", &c).unwrap_err().status(), 400);
        let mut other = key();
        other.insert("pk".into(), "CO#cmp_b".into());
        let payload = B64.encode(serde_json::to_vec(&other.iter().collect::<BTreeMap<_, _>>()).unwrap());
        let forged = format!("{payload}.{}", c.split_once('.').unwrap().1);
        assert_eq!(decode(&secret(), "cmp_a GET /auth/admin/users", &forged).unwrap_err().status(), 400);
        for junk in ["", "abc", "a.b", &format!("{c}x")] {
            assert_eq!(decode(&secret(), "cmp_a GET /auth/admin/users", junk).unwrap_err().status(), 400, "{junk:?}");
        }
    }

    #[test]
    fn only_the_deployment_key_mints_cursors() {
        let scope = "cmp_a GET /auth/admin/users";
        // The same key and scope under another deployment's key: refused.
        let other = CursorKey::new(vec![8; 32]).unwrap();
        let c = encode(&other, scope, &key());
        assert_eq!(decode(&secret(), scope, &c).unwrap_err().status(), 400);
        // The unkeyed digest the v1 format used can be computed by anyone: refused.
        use sha2::Digest;
        let payload = c.split_once('.').unwrap().0;
        let mut h = Sha256::new();
        h.update(format!("tenure-cursor-v1\n{scope}\n{payload}").as_bytes());
        let digest = format!("{payload}.{}", B64.encode(&h.finalize()[..16]));
        assert_eq!(decode(&secret(), scope, &digest).unwrap_err().status(), 400);
        // A tag cut short is refused, not compared on its prefix.
        let good = encode(&secret(), scope, &key());
        let (p, t) = good.split_once('.').unwrap();
        let short = B64.encode(&B64.decode(t).unwrap()[..8]);
        assert_eq!(decode(&secret(), scope, &format!("{p}.{short}")).unwrap_err().status(), 400);
        assert!(decode(&secret(), scope, &good).is_ok());
    }

    #[test]
    fn a_short_key_is_refused() {
        assert!(CursorKey::new(vec![1; 31]).is_err());
        assert!(CursorKey::new(vec![1; 32]).is_ok());
    }
}
