//! Local token-signing keys.
//!
//! `DIR/private.der`: an Ed25519 private key, PKCS#8 DER (the v2 document
//! `Ed25519KeyPair::generate_pkcs8` writes, public key included), mode 0600.
//! `DIR/public.env`: `TENURE_JWT_KID=<kid>` and
//! `TENURE_JWT_PUBLIC_KEYS=<kid>:<base64url, no padding, raw 32-byte key>`.
//!
//! An existing private key is kept; `public.env` is always rewritten from it.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

use crate::BoxError;

pub const PRIVATE_FILE: &str = "private.der";
pub const PUBLIC_ENV_FILE: &str = "public.env";

/// Makes sure the key pair exists under `dir`; returns the `public.env` text.
pub fn ensure(dir: &Path) -> Result<String, BoxError> {
    fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
    let private_path = dir.join(PRIVATE_FILE);

    let pkcs8 = match fs::read(&private_path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let doc =
                Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).map_err(|_| "Ed25519 key generation failed")?;
            let mut f = fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&private_path)?;
            f.write_all(doc.as_ref())?;
            f.sync_all()?;
            eprintln!("devstack keygen: wrote a new Ed25519 key to {}", private_path.display());
            doc.as_ref().to_vec()
        }
        Err(e) => return Err(format!("cannot read {}: {e}", private_path.display()).into()),
    };
    // Whatever created it, the private key is for this user only.
    fs::set_permissions(&private_path, fs::Permissions::from_mode(0o600))?;

    let pair = Ed25519KeyPair::from_pkcs8(&pkcs8)
        .map_err(|e| format!("{} is not an Ed25519 PKCS#8 key: {e}", private_path.display()))?;
    let public = pair.public_key().as_ref();
    if public.len() != 32 {
        return Err("unexpected Ed25519 public key length".into());
    }
    let env = public_env(public);
    fs::write(dir.join(PUBLIC_ENV_FILE), &env)?;
    Ok(env)
}

/// A key id derived from the public key, so a new key gets a new id.
pub fn kid(public: &[u8]) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, public);
    format!("local-{}", &URL_SAFE_NO_PAD.encode(digest.as_ref())[..12])
}

fn public_env(public: &[u8]) -> String {
    let kid = kid(public);
    format!("TENURE_JWT_KID={kid}\nTENURE_JWT_PUBLIC_KEYS={kid}:{}\n", URL_SAFE_NO_PAD.encode(public))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generates_once_and_keeps_the_key() {
        let dir = std::env::temp_dir().join(format!("devstack-keys-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let first = ensure(&dir).unwrap();
        let der = fs::read(dir.join(PRIVATE_FILE)).unwrap();
        let mode = fs::metadata(dir.join(PRIVATE_FILE)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let second = ensure(&dir).unwrap();
        assert_eq!(first, second);
        assert_eq!(der, fs::read(dir.join(PRIVATE_FILE)).unwrap());

        let mut lines = first.lines();
        let kid = lines.next().unwrap().strip_prefix("TENURE_JWT_KID=").unwrap().to_string();
        let keys = lines.next().unwrap().strip_prefix("TENURE_JWT_PUBLIC_KEYS=").unwrap();
        let (k, b64) = keys.split_once(':').unwrap();
        assert_eq!(k, kid);
        assert!(!kid.contains(':') && !kid.contains(','));
        let raw = URL_SAFE_NO_PAD.decode(b64).unwrap();
        assert_eq!(raw.len(), 32);

        // The written key signs, and the published key verifies.
        let pair = Ed25519KeyPair::from_pkcs8(&der).unwrap();
        let sig = pair.sign(b"hello");
        let pk = aws_lc_rs::signature::UnparsedPublicKey::new(&aws_lc_rs::signature::ED25519, &raw);
        pk.verify(b"hello", sig.as_ref()).unwrap();
        fs::remove_dir_all(&dir).unwrap();
    }
}
