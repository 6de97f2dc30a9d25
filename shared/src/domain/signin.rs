//! The sign-in lockout, one state machine for every email, with an account
//! or without (so a lockout tells nothing about which emails have one).
//!
//! The state is the failures in a row and the end of the current lock. An
//! attempt first meets the gate: during a lock it is refused and changes
//! nothing, so attempts made during a lock neither count nor extend it (a
//! victim cannot be kept locked by someone retrying every few minutes).
//! Outside a lock the password is checked; a failure counts, and the
//! `MAX_FAILED_LOGINS`-th failure in a row starts a lock of `LOCK_SECONDS`
//! and clears the count, so the first failure after the lock starts afresh.
//! A success clears both. Failures counted at the same time (each counts
//! with an atomic add, none saw the limit) can pass the limit without a
//! lock: the next attempt then starts the lock it is due, unchecked. (The
//! caller charges the client's IP on every attempt, refused or not.)

/// Failures in a row that lock the email.
pub const MAX_FAILED_LOGINS: u32 = 5;
/// How long a lock lasts.
pub const LOCK_SECONDS: i64 = 15 * 60;

/// An email's sign-in state, as stored (on its credential, or on an
/// attempts item of its own when it has no account).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Attempts {
    pub failed: u32,
    /// Epoch seconds; the email is locked while this is in the future.
    pub locked_until: i64,
}

/// What the gate says of an attempt, before any password is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// Refused without a check; nothing changes. Seconds until the lock ends.
    Locked { retry_after: i64 },
    /// Refused without a check: concurrent failures passed the limit, so
    /// the lock starts now (this state is to be stored).
    LockDue(Attempts),
    /// Check the password.
    Open,
}

/// The gate at `now`.
pub fn gate(a: Attempts, now: i64) -> Gate {
    if a.locked_until > now {
        Gate::Locked { retry_after: a.locked_until - now }
    } else if a.failed >= MAX_FAILED_LOGINS {
        Gate::LockDue(Attempts { failed: 0, locked_until: now + LOCK_SECONDS })
    } else {
        Gate::Open
    }
}

/// What a failed check does to the state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// One more failure in a row, below the limit.
    Counted(Attempts),
    /// The limit was reached: locked from now, the count cleared.
    Locks(Attempts),
}

/// The state after a failed check at `now` (of an attempt the gate let in).
pub fn after_failure(a: Attempts, now: i64) -> Failure {
    let failed = a.failed.saturating_add(1);
    if failed >= MAX_FAILED_LOGINS {
        Failure::Locks(Attempts { failed: 0, locked_until: now + LOCK_SECONDS })
    } else {
        Failure::Counted(Attempts { failed, locked_until: a.locked_until.min(now) })
    }
}

/// The state after a successful sign-in.
pub fn after_success() -> Attempts {
    Attempts::default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    /// Plays attempts (seconds after NOW, password right?) from a fresh
    /// state; returns what each got: "ok", "bad", "locks" or "locked".
    fn play(attempts: &[(i64, bool)]) -> (Vec<&'static str>, Attempts) {
        let mut state = Attempts::default();
        let mut out = Vec::new();
        for (at, right) in attempts {
            let now = NOW + at;
            match gate(state, now) {
                Gate::Locked { .. } => out.push("locked"),
                Gate::LockDue(s) => {
                    state = s;
                    out.push("locks");
                }
                Gate::Open if *right => {
                    state = after_success();
                    out.push("ok");
                }
                Gate::Open => match after_failure(state, now) {
                    Failure::Counted(s) => {
                        state = s;
                        out.push("bad");
                    }
                    Failure::Locks(s) => {
                        state = s;
                        out.push("locks");
                    }
                },
            }
        }
        (out, state)
    }

    #[test]
    fn the_lockout_table() {
        let wrong = |at: i64| (at, false);
        let right = |at: i64| (at, true);
        // (name, attempts: seconds after NOW and whether the password is right, outcomes)
        type Case = (&'static str, Vec<(i64, bool)>, Vec<&'static str>);
        let cases: Vec<Case> = vec![
            ("four failures do not lock", (0..4).map(wrong).collect(), vec!["bad"; 4]),
            (
                "the fifth failure locks; the right password is refused during the lock",
                (0..5).map(wrong).chain([right(10)]).collect(),
                vec!["bad", "bad", "bad", "bad", "locks", "locked"],
            ),
            (
                "a success clears the count",
                vec![wrong(0), wrong(1), wrong(2), wrong(3), right(4), wrong(5), wrong(6), wrong(7), wrong(8)],
                vec!["bad", "bad", "bad", "bad", "ok", "bad", "bad", "bad", "bad"],
            ),
            (
                "attempts during the lock neither count nor extend it",
                (0..5).map(wrong).chain((1..=14).map(|m| wrong(m * 60))).chain([right(LOCK_SECONDS + 4)]).collect(),
                [vec!["bad", "bad", "bad", "bad", "locks"], vec!["locked"; 14], vec!["ok"]].concat(),
            ),
            (
                "after the lock the count starts afresh",
                (0..5).map(wrong).chain((0..4).map(|i| wrong(LOCK_SECONDS + 10 + i))).collect(),
                [vec!["bad", "bad", "bad", "bad", "locks"], vec!["bad"; 4]].concat(),
            ),
            (
                "six attempts every fifteen minutes cannot keep the account locked",
                (0..5)
                    .map(wrong)
                    .chain((0..6).map(|i| wrong(LOCK_SECONDS - 60 + i)))
                    .chain([right(LOCK_SECONDS + 4)])
                    .collect(),
                [vec!["bad", "bad", "bad", "bad", "locks"], vec!["locked"; 6], vec!["ok"]].concat(),
            ),
        ];
        for (name, attempts, want) in cases {
            assert_eq!(play(&attempts).0, want, "{name}");
        }
    }

    #[test]
    fn failures_counted_at_once_past_the_limit_lock_the_next_attempt_unchecked() {
        let raced = Attempts { failed: MAX_FAILED_LOGINS + 3, locked_until: 0 };
        assert_eq!(gate(raced, NOW), Gate::LockDue(Attempts { failed: 0, locked_until: NOW + LOCK_SECONDS }));
        // An expired lock with a count left by a race is due again.
        let old = Attempts { failed: MAX_FAILED_LOGINS, locked_until: NOW - 5 };
        assert!(matches!(gate(old, NOW), Gate::LockDue(_)));
        assert_eq!(gate(Attempts { failed: MAX_FAILED_LOGINS - 1, locked_until: NOW - 5 }, NOW), Gate::Open);
    }

    #[test]
    fn the_lock_ends_exactly_lock_seconds_after_it_started() {
        let s = match after_failure(Attempts { failed: MAX_FAILED_LOGINS - 1, locked_until: 0 }, NOW) {
            Failure::Locks(s) => s,
            other => panic!("expected a lock, got {other:?}"),
        };
        assert_eq!(gate(s, NOW + LOCK_SECONDS - 1), Gate::Locked { retry_after: 1 });
        assert_eq!(gate(s, NOW + LOCK_SECONDS), Gate::Open);
        assert_eq!(s.failed, 0);
    }
}
