//! Local token-signing keys.
//!
//! `DIR/private.der`: an Ed25519 private key, PKCS#8 DER (the v2 document
//! `Ed25519KeyPair::generate_pkcs8` writes, public key included), mode 0600.
//! `DIR/cursor.key`: 32 random bytes that tag pagination cursors, mode 0600.
//! `DIR/public.env`: `TENURE_JWT_KID=<kid>`,
//! `TENURE_JWT_PUBLIC_KEYS=<kid>:<base64url, no padding, raw 32-byte key>`
//! and `TENURE_CURSOR_KEY_FILE=<absolute path of cursor.key>` (a path, no
//! secret: nothing secret is in this file).
//!
//! Existing keys are kept; `public.env` is always rewritten from them.

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
pub const CURSOR_KEY_FILE: &str = "cursor.key";

/// Writes `bytes` to a new file readable by this user only.
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), BoxError> {
    let mut f = fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok(())
}

/// Makes sure the cursor key exists under `dir`; returns its absolute path.
fn ensure_cursor_key(dir: &Path) -> Result<std::path::PathBuf, BoxError> {
    let path = fs::canonicalize(dir)?.join(CURSOR_KEY_FILE);
    match fs::metadata(&path) {
        Ok(m) if m.len() >= 32 => {}
        Ok(_) => return Err(format!("{} is shorter than 32 bytes", path.display()).into()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut key = [0u8; 32];
            aws_lc_rs::rand::fill(&mut key).map_err(|_| "random bytes unavailable")?;
            write_private(&path, &key)?;
            eprintln!("devstack keygen: wrote a new cursor key to {}", path.display());
        }
        Err(e) => return Err(format!("cannot read {}: {e}", path.display()).into()),
    }
    fs::set_permissions(&path, fs::Permissions::from_mode(0o600))?;
    Ok(path)
}

/// Makes sure the key pair exists under `dir`; returns the `public.env` text.
pub fn ensure(dir: &Path) -> Result<String, BoxError> {
    fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
    let private_path = dir.join(PRIVATE_FILE);

    let pkcs8 = match fs::read(&private_path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let doc =
                Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).map_err(|_| "Ed25519 key generation failed")?;
            write_private(&private_path, doc.as_ref())?;
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
    let cursor_key = ensure_cursor_key(dir)?;
    let env = format!("{}TENURE_CURSOR_KEY_FILE={}\n", public_env(public), cursor_key.display());
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
        let cursor_key = fs::read(dir.join(CURSOR_KEY_FILE)).unwrap();
        assert_eq!(cursor_key.len(), 32);
        let mode = fs::metadata(dir.join(CURSOR_KEY_FILE)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let mode = fs::metadata(dir.join(PRIVATE_FILE)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let second = ensure(&dir).unwrap();
        assert_eq!(first, second);
        assert_eq!(der, fs::read(dir.join(PRIVATE_FILE)).unwrap());
        assert_eq!(cursor_key, fs::read(dir.join(CURSOR_KEY_FILE)).unwrap());

        let mut lines = first.lines();
        let kid = lines.next().unwrap().strip_prefix("TENURE_JWT_KID=").unwrap().to_string();
        let keys = lines.next().unwrap().strip_prefix("TENURE_JWT_PUBLIC_KEYS=").unwrap();
        let (k, b64) = keys.split_once(':').unwrap();
        let file = lines.next().unwrap().strip_prefix("TENURE_CURSOR_KEY_FILE=").unwrap();
        assert_eq!(Path::new(file), fs::canonicalize(&dir).unwrap().join(CURSOR_KEY_FILE));
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
