//! Typed, prefixed, time-sortable identifiers (`usr_01J…`). Each kind of
//! id is its own type, so a user id can never be passed where a company id
//! is expected, and parsing one checks both the prefix and the ULID body.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use ulid::Ulid;

/// Fills `buf` with bytes from the operating system's CSPRNG.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    // aws-lc's RNG only fails if the OS entropy source is unavailable, in
    // which case no id or token may be issued at all.
    if aws_lc_rs::rand::fill(&mut buf).is_err() {
        std::process::abort();
    }
    buf
}

/// A fresh ULID for the current time.
pub fn new_ulid() -> Ulid {
    let ms = time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000;
    let random = u128::from_be_bytes(random_bytes::<16>()) & ((1u128 << 80) - 1);
    Ulid::from_parts(ms as u64, random)
}

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(Ulid);

        impl $name {
            /// The prefix every id of this kind starts with.
            pub const PREFIX: &'static str = $prefix;

            /// A new id for the current time.
            pub fn new() -> Self {
                Self(new_ulid())
            }

            /// Parses `prefix_ULID`; anything else is `None`.
            pub fn parse(s: &str) -> Option<Self> {
                let body = s.strip_prefix($prefix)?.strip_prefix('_')?;
                if body.len() != 26 {
                    return None;
                }
                Ulid::from_string(body).ok().map(Self)
            }

            pub fn ulid(&self) -> Ulid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}_{}", $prefix, self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(self, f)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::parse(&s).ok_or_else(|| serde::de::Error::custom(concat!("not a valid ", $prefix, "_ id")))
            }
        }
    };
}

typed_id!(
    /// A company (tenant).
    CompanyId, "cmp");
typed_id!(
    /// A person: the same id serves their login (`/auth/admin/users`) and
    /// their HR record (`/employees`).
    UserId, "usr");
typed_id!(
    /// A sign-in session: one refresh-token family and the access tokens
    /// issued from it.
    SessionId, "ses");
typed_id!(
    /// An audit event.
    EventId, "evt");
typed_id!(
    /// One issued access token.
    TokenId, "tok");
typed_id!(
    /// A leaver: someone leaving a company.
    LeaverId, "lvr");
typed_id!(
    /// A risk alert about a leaver.
    AlertId, "alr");
typed_id!(
    /// An employee document (CV, ID, contract…).
    DocumentId, "doc");
typed_id!(
    /// A department of a company.
    DepartmentId, "dep");
typed_id!(
    /// A bulk import of people or leavers (`POST /imports`).
    ImportId, "imp");
typed_id!(
    /// An IT ticket.
    TicketId, "tkt");
typed_id!(
    /// A comment on a ticket.
    CommentId, "cmt");
typed_id!(
    /// A project (seed 003).
    ProjectId, "prj");
typed_id!(
    /// A task of a project.
    TaskId, "tsk");
typed_id!(
    /// A shift: one clock-in and its clock-out (seed 004).
    ClockinId, "clk");
typed_id!(
    /// An event template: name, price, duration (seed 004).
    PackageId, "pkg");
typed_id!(
    /// A scheduled event a person services (seed 004); `evt_` is the audit
    /// log's.
    CalEventId, "cev");

impl CompanyId {
    /// The company platform admins belong to. It holds no customer data.
    pub fn platform() -> Self {
        Self(Ulid::nil())
    }

    pub fn is_platform(&self) -> bool {
        self.0.is_nil()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_their_string_form() {
        let id = UserId::new();
        let s = id.to_string();
        assert!(s.starts_with("usr_"), "{s}");
        assert_eq!(s.len(), 30);
        assert_eq!(UserId::parse(&s), Some(id));
    }

    #[test]
    fn ids_of_another_kind_or_malformed_do_not_parse() {
        let user = UserId::new().to_string();
        assert_eq!(CompanyId::parse(&user), None, "a user id must not parse as a company id");
        for bad in [
            "",
            "usr_",
            "usr",
            "usr_0123",
            "usr_01J0000000000000000000000!",
            "USR_01J00000000000000000000000",
            "usr_01J00000000000000000000000x",
        ] {
            assert_eq!(UserId::parse(bad), None, "{bad:?} parsed");
        }
    }

    #[test]
    fn ids_sort_by_creation_time() {
        let a = EventId::new();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = EventId::new();
        assert!(a.to_string() < b.to_string());
    }
}
