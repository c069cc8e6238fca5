//! How this server reads a request's body on its own (a session write's, B1–B3 and B6; a new
//! handle's, R3), as switches: the planted faults resolved once per request
//! ([`BodyRules::of`]), so `write_request` and `handles` read as the contract and never ask which
//! fault is planted. With no fault planted every switch is the contract's. What a body means
//! against the stored session is the write's (`write_rules`).

use super::faults::{Fault, Faults};

/// The switches of one request's body.
#[derive(Clone, Copy, Debug)]
pub(crate) struct BodyRules {
    pub write: WriteBodyRules,
    pub handle: HandleBodyRules,
}

/// B1–B3, B6: the shape of a session write's body.
#[derive(Clone, Copy, Debug)]
pub(crate) struct WriteBodyRules {
    /// B2: an empty body is refused (400).
    pub empty_refused: bool,
    /// B3 deviation: `{}` is refused as "nothing to update".
    pub empty_object_refused: bool,
    /// B1: an unknown top-level field is refused (400).
    pub unknown_field_refused: bool,
    /// B6: reservations are numbered from `reserve_0` without gaps.
    pub reserve_numbering_checked: bool,
    /// B1, O13 deviation: a member that is no object is a 500.
    pub member_wrong_type_500: bool,
}

/// R3: what a new handle's body must hold.
#[derive(Clone, Copy, Debug)]
pub(crate) struct HandleBodyRules {
    /// An invite names the invited user (`invitedXuid`).
    pub invite_names_invitee: bool,
}

impl BodyRules {
    /// The switches the planted `faults` turn.
    pub fn of(faults: Faults) -> BodyRules {
        let has = |f| faults.has(f);
        BodyRules {
            write: WriteBodyRules {
                empty_refused: !has(Fault::EmptyBodyServed),
                empty_object_refused: has(Fault::EmptyWriteRefused),
                unknown_field_refused: !has(Fault::UnknownFieldIgnored),
                reserve_numbering_checked: !has(Fault::ReserveNumberingUnchecked),
                member_wrong_type_500: has(Fault::MemberWrongType500),
            },
            handle: HandleBodyRules {
                invite_names_invitee: !has(Fault::InviteWithoutInvitedXuid),
            },
        }
    }
}
