//! Audit events and their per-company hash chain. Each event's hash covers
//! the previous event's hash and the event's own canonical form, and events
//! carry consecutive sequence numbers, so an altered, inserted or deleted
//! event breaks the chain where it happened.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::ids::{CompanyId, EventId};

/// The `prev_hash` of a company's first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What a handler records: the pipeline adds who, when, where from.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub action: &'static str,
    pub target: String,
    /// Small, non-personal facts (`{"from": "employee", "to": "hr"}`).
    pub detail: BTreeMap<String, String>,
}

impl NewEvent {
    pub fn new(action: &'static str, target: impl Into<String>) -> Self {
        Self { action, target: target.into(), detail: BTreeMap::new() }
    }

    pub fn with(mut self, key: &str, value: impl Into<String>) -> Self {
        self.detail.insert(key.to_string(), value.into());
        self
    }
}

/// Who did it, from where, in which request.
#[derive(Debug, Clone, PartialEq)]
pub struct Origin {
    /// A user id, or `anonymous` for unauthenticated requests.
    pub actor: String,
    pub source_ip: String,
    pub request_id: String,
    /// RFC 3339 UTC with milliseconds.
    pub at: String,
}

/// One stored event, as `GET /audit` shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub id: EventId,
    pub company_id: CompanyId,
    pub seq: u64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub source_ip: String,
    pub request_id: String,
    #[serde(default)]
    pub detail: BTreeMap<String, String>,
    pub prev_hash: String,
    pub hash: String,
}

/// The last event of a company's chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainHead {
    pub seq: u64,
    pub hash: String,
}

impl ChainHead {
    pub fn genesis() -> Self {
        Self { seq: 0, hash: GENESIS.to_string() }
    }
}

/// The fields the hash covers, in a fixed order.
#[derive(Serialize)]
struct Canonical<'a> {
    id: &'a EventId,
    company_id: &'a CompanyId,
    seq: u64,
    at: &'a str,
    actor: &'a str,
    action: &'a str,
    target: &'a str,
    source_ip: &'a str,
    request_id: &'a str,
    detail: &'a BTreeMap<String, String>,
}

/// The hash an event must carry.
pub fn hash_of(e: &AuditEvent) -> String {
    let canonical = Canonical {
        id: &e.id,
        company_id: &e.company_id,
        seq: e.seq,
        at: &e.at,
        actor: &e.actor,
        action: &e.action,
        target: &e.target,
        source_ip: &e.source_ip,
        request_id: &e.request_id,
        detail: &e.detail,
    };
    // Serialising a struct of strings and a BTreeMap cannot fail.
    let body = serde_json::to_vec(&canonical).unwrap_or_default();
    let mut h = Sha256::new();
    h.update(e.prev_hash.as_bytes());
    h.update(b"\n");
    h.update(&body);
    hex(&h.finalize())
}

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// Appends `events` after `head`, returning the stored events and the new head.
pub fn append(
    company: &CompanyId,
    head: &ChainHead,
    origin: &Origin,
    events: Vec<NewEvent>,
) -> (Vec<AuditEvent>, ChainHead) {
    let mut prev = head.clone();
    let mut out = Vec::with_capacity(events.len());
    for n in events {
        let mut e = AuditEvent {
            id: EventId::new(),
            company_id: company.clone(),
            seq: prev.seq + 1,
            at: origin.at.clone(),
            actor: origin.actor.clone(),
            action: n.action.to_string(),
            target: n.target,
            source_ip: origin.source_ip.clone(),
            request_id: origin.request_id.clone(),
            detail: n.detail,
            prev_hash: prev.hash.clone(),
            hash: String::new(),
        };
        e.hash = hash_of(&e);
        prev = ChainHead { seq: e.seq, hash: e.hash.clone() };
        out.push(e);
    }
    (out, prev)
}

/// One break in the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Break {
    pub seq: u64,
    pub problem: String,
}

/// Checks a run of consecutive events that should follow `after`. Returns
/// the breaks found and the head the run ends on.
pub fn verify(after: &ChainHead, events: &[AuditEvent]) -> (Vec<Break>, ChainHead) {
    let mut breaks = Vec::new();
    let mut prev = after.clone();
    for e in events {
        if e.seq != prev.seq + 1 {
            breaks.push(Break {
                seq: prev.seq + 1,
                problem: format!(
                    "events {} to {} are missing",
                    prev.seq + 1,
                    e.seq.saturating_sub(1).max(prev.seq + 1)
                ),
            });
        } else if e.prev_hash != prev.hash {
            breaks.push(Break { seq: e.seq, problem: "does not link to the previous event".into() });
        }
        if hash_of(e) != e.hash {
            breaks.push(Break { seq: e.seq, problem: "content does not match its hash (altered)".into() });
        }
        prev = ChainHead { seq: e.seq, hash: e.hash.clone() };
    }
    (breaks, prev)
}

/// Checks the company's chain head against the end of a complete
/// verification. The head is read before the events (with the session), so
/// writes that came in between leave it behind the events: then it must be a
/// point on the verified chain (`start`, or one of `events`). A head ahead of
/// the last event means events are missing; a head equal in number but not
/// in hash, or on no point of the chain, was rewritten.
pub fn check_head(head: &ChainHead, start: &ChainHead, events: &[AuditEvent], end: &ChainHead) -> Option<Break> {
    if head.seq > end.seq {
        return Some(Break {
            seq: end.seq + 1,
            problem: format!("events {} to {} are missing (the head is at {})", end.seq + 1, head.seq, head.seq),
        });
    }
    let on_chain = if head.seq == start.seq {
        head.hash == start.hash
    } else {
        events.iter().any(|e| e.seq == head.seq && e.hash == head.hash)
    };
    if on_chain {
        None
    } else if head.seq == end.seq {
        Some(Break { seq: end.seq, problem: "the chain head does not match the last event".into() })
    } else {
        Some(Break { seq: head.seq, problem: "the chain head is on no event of the chain".into() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin() -> Origin {
        Origin {
            actor: "usr_x".into(),
            source_ip: "10.0.0.1".into(),
            request_id: "r1".into(),
            at: "2026-11-23T10:00:00.000Z".into(),
        }
    }

    fn chain(n: usize) -> (Vec<AuditEvent>, ChainHead) {
        let events = (0..n).map(|i| NewEvent::new("user.role_changed", format!("usr_{i}")).with("to", "hr")).collect();
        append(&CompanyId::new(), &ChainHead::genesis(), &origin(), events)
    }

    #[test]
    fn an_intact_chain_verifies_and_ends_on_its_head() {
        let (events, head) = chain(5);
        let (breaks, end) = verify(&ChainHead::genesis(), &events);
        assert!(breaks.is_empty(), "{breaks:?}");
        assert_eq!(end, head);
        assert_eq!(head.seq, 5);
    }

    #[test]
    fn a_head_read_before_newer_events_is_fine_if_it_is_on_the_chain() {
        let (events, end) = chain(5);
        let start = ChainHead::genesis();
        let at = |i: usize| ChainHead { seq: events[i].seq, hash: events[i].hash.clone() };
        let cases: Vec<(&str, ChainHead, bool)> = vec![
            ("the head is the last event", end.clone(), true),
            ("writes came in after the head was read", at(2), true),
            ("an empty chain's head, read before the first write", start.clone(), true),
            ("the head names a hash no event has", ChainHead { seq: 3, hash: "f".repeat(64) }, false),
            ("the head is ahead: events were deleted", ChainHead { seq: 7, hash: "e".repeat(64) }, false),
            ("the last event was rewritten under the head", ChainHead { seq: 5, hash: "d".repeat(64) }, false),
        ];
        for (name, head, ok) in cases {
            assert_eq!(check_head(&head, &start, &events, &end).is_none(), ok, "{name}");
        }
    }

    #[test]
    fn an_altered_event_is_detected() {
        let (mut events, _) = chain(5);
        events[2].detail.insert("to".into(), "owner".into());
        let (breaks, _) = verify(&ChainHead::genesis(), &events);
        assert_eq!(breaks.len(), 1, "{breaks:?}");
        assert_eq!(breaks[0].seq, 3);
    }

    #[test]
    fn an_altered_event_with_a_recomputed_hash_breaks_the_next_link() {
        let (mut events, _) = chain(5);
        events[2].target = "usr_other".into();
        events[2].hash = hash_of(&events[2]);
        let (breaks, _) = verify(&ChainHead::genesis(), &events);
        assert_eq!(breaks.iter().map(|b| b.seq).collect::<Vec<_>>(), vec![4]);
    }

    #[test]
    fn a_deleted_event_is_detected() {
        let (mut events, _) = chain(5);
        events.remove(1);
        let (breaks, _) = verify(&ChainHead::genesis(), &events);
        assert_eq!(breaks[0].seq, 2, "{breaks:?}");
    }
}
