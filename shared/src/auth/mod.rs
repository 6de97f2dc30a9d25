//! Identity and integrity: access tokens, refresh tokens, invitations,
//! password hashing and the key that tags pagination cursors.

pub mod cursor_key;
pub mod invitation;
pub mod jwt;
pub mod password;
pub mod refresh;
