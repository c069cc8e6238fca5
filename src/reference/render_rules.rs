//! How this server renders a stored session (SH1, SH2) and its ETag (O1), as switches: the
//! planted faults resolved once per write or change ([`RenderRules::of`]), so `session` reads as
//! the contract and never asks which fault is planted. With no fault planted every switch is the
//! contract's. Session documents are rendered once per stored change, so these faults are part
//! of what is stored and read back, not a rewrite of one answer.

use super::faults::{Fault, Faults};

/// The switches of one rendering.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RenderRules {
    /// SH1, SH2: an empty `custom` object is shown, not left out.
    pub empty_custom_shown: bool,
    /// SH2, O17: an empty `members` object is shown, not left out.
    pub empty_members_shown: bool,
    /// SH2 deviation: a member's `next` is its own index plus one, not the next member's.
    pub next_is_index_plus_one: bool,
    /// SH2.a: `membersInfo.accepted` leaves reservations out.
    pub accepted_without_reserved: bool,
    /// O1, H4.c deviation: the ETag is derived from `members` alone, not the whole document.
    pub etag_of_members_only: bool,
}

impl RenderRules {
    /// The switches the planted `faults` turn.
    pub fn of(faults: Faults) -> RenderRules {
        let has = |f| faults.has(f);
        RenderRules {
            empty_custom_shown: !has(Fault::EmptyCustomOmitted),
            empty_members_shown: !has(Fault::EmptyMembersOmitted),
            next_is_index_plus_one: has(Fault::MemberNextIndexPlusOne),
            accepted_without_reserved: !has(Fault::ReservedCountedAsAccepted),
            etag_of_members_only: has(Fault::EtagOfMembersOnly),
        }
    }
}
