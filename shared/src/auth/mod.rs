//! Identity and integrity: access tokens, refresh tokens, password hashing
//! and the key that tags pagination cursors.

pub mod cursor_key;
pub mod jwt;
pub mod password;
pub mod refresh;
