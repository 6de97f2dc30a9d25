//! Identity: access tokens, refresh tokens and password hashing.

pub mod jwt;
pub mod password;
pub mod refresh;
