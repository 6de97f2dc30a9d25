//! Roles and the decisions that depend on them.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Operates the whole installation (all companies).
    Admin,
    /// A company's owner; its first user.
    Owner,
    Hr,
    Security,
    Manager,
    Technician,
    Employee,
}

impl Role {
    pub const ALL: [Role; 7] =
        [Role::Admin, Role::Owner, Role::Hr, Role::Security, Role::Manager, Role::Technician, Role::Employee];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Owner => "owner",
            Role::Hr => "hr",
            Role::Security => "security",
            Role::Manager => "manager",
            Role::Technician => "technician",
            Role::Employee => "employee",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Roles only an owner or a platform admin may grant (or take away).
    pub fn is_protected(self) -> bool {
        matches!(self, Role::Owner | Role::Security | Role::Hr | Role::Admin)
    }
}

/// Why a change to another user is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Nobody changes their own role or deactivates themselves.
    OwnAccount,
    /// The actor's role may not grant or touch this role.
    NotPermitted,
}

/// May `actor` give a user whose role is `current` the role `wanted`?
/// Only owners and admins change roles; only an admin grants `admin`;
/// an owner cannot take an admin's role.
pub fn may_change_role(actor: Role, is_self: bool, current: Role, wanted: Role) -> Result<(), Refusal> {
    if is_self {
        return Err(Refusal::OwnAccount);
    }
    match actor {
        Role::Admin => Ok(()),
        Role::Owner if current != Role::Admin && wanted != Role::Admin => Ok(()),
        _ => Err(Refusal::NotPermitted),
    }
}

/// May `actor` create a user with role `wanted`? Owner, HR and admin create
/// users; only owner and admin grant the protected roles; only admin grants
/// `admin`.
pub fn may_create_with_role(actor: Role, wanted: Role) -> bool {
    match actor {
        Role::Admin => true,
        Role::Owner => wanted != Role::Admin,
        Role::Hr => !wanted.is_protected(),
        _ => false,
    }
}

/// May `actor` activate or deactivate a user whose role is `target`?
/// HR may only do it for unprotected roles.
pub fn may_change_status(actor: Role, is_self: bool, target: Role) -> Result<(), Refusal> {
    if is_self {
        return Err(Refusal::OwnAccount);
    }
    let ok = match actor {
        Role::Admin => true,
        Role::Owner => target != Role::Admin,
        Role::Hr => !target.is_protected(),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(Refusal::NotPermitted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Role::*;

    #[test]
    fn roles_round_trip_through_their_names() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("Owner"), None);
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn role_changes_follow_the_contract() {
        let cases = [
            (Owner, false, Employee, Hr, Ok(())),
            (Owner, false, Employee, Owner, Ok(())),
            (Owner, false, Employee, Admin, Err(Refusal::NotPermitted)),
            (Owner, false, Admin, Employee, Err(Refusal::NotPermitted)),
            (Owner, true, Owner, Employee, Err(Refusal::OwnAccount)),
            (Admin, true, Admin, Employee, Err(Refusal::OwnAccount)),
            (Admin, false, Owner, Employee, Ok(())),
            (Hr, false, Employee, Manager, Err(Refusal::NotPermitted)),
            (Security, false, Employee, Manager, Err(Refusal::NotPermitted)),
        ];
        for (actor, me, cur, want, expected) in cases {
            assert_eq!(may_change_role(actor, me, cur, want), expected, "{actor:?} self={me} {cur:?}->{want:?}");
        }
    }

    #[test]
    fn hr_creates_only_unprotected_roles() {
        assert!(may_create_with_role(Hr, Employee));
        assert!(may_create_with_role(Hr, Manager));
        for r in [Owner, Security, Hr, Admin] {
            assert!(!may_create_with_role(Hr, r), "hr granted {r:?}");
        }
        assert!(may_create_with_role(Owner, Security));
        assert!(!may_create_with_role(Owner, Admin));
        assert!(!may_create_with_role(Employee, Employee));
    }

    #[test]
    fn nobody_deactivates_themselves_and_hr_cannot_touch_protected_roles() {
        assert_eq!(may_change_status(Owner, true, Owner), Err(Refusal::OwnAccount));
        assert_eq!(may_change_status(Hr, false, Owner), Err(Refusal::NotPermitted));
        assert_eq!(may_change_status(Hr, false, Employee), Ok(()));
        assert_eq!(may_change_status(Owner, false, Hr), Ok(()));
    }
}
