//! How this server writes a session: the contract's rules, as switches grouped by rule. The
//! planted faults are resolved into them once per write ([`WriteRules::of`]), so `write` reads
//! as the contract and never asks which fault is planted. With no fault planted every switch is
//! the contract's. Only what changes the contract's logic is here: faults that only rewrite the
//! write's answer (a 412's body or ETag, the ETag of a 200) live in `faulty::edges`.

use super::faults::{Fault, Faults};
use super::render_rules::RenderRules;

/// The switches of one write, each named for what the contract demands (true = as the contract
/// says, for the `*_checked`/`*_forbidden` kind) or for the deviation it allows.
#[derive(Clone, Copy, Debug)]
pub(crate) struct WriteRules {
    pub ready: ReadyRules,
    pub preconditions: PreconditionRules,
    pub permission: PermissionRules,
    pub membership: MembershipRules,
    pub constants: ConstantRules,
    pub nocommit: NocommitRules,
    pub storing: StoringRules,
    /// How a stored session is rendered.
    pub rendering: RenderRules,
}

/// B5: ready and active together.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ReadyRules {
    /// Readiness is judged on the member as stored and written, not on the request alone.
    pub sees_stored: bool,
    /// Deviation: a member with any `active` key counts as active.
    pub any_active_key_counts: bool,
}

/// H4, B10: `If-Match` and `If-None-Match` on a write.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PreconditionRules {
    /// A leave (`"me": null`) still checks them.
    pub on_leave: bool,
    /// A `nocommit` write still checks them.
    pub on_nocommit: bool,
    /// `If-Match: *` on a missing session is a 412.
    pub if_match_any_needs_session: bool,
    /// `If-Match` with ETags on a missing session is a 412.
    pub if_match_tags_need_session: bool,
    /// `If-None-Match` is checked.
    pub if_none_match_checked: bool,
}

/// B4.b, B7, B8: what a user may write (403).
#[derive(Clone, Copy, Debug)]
pub(crate) struct PermissionRules {
    /// A user may not write `servers`.
    pub servers_forbidden: bool,
    /// A user may not write a member by index.
    pub indexed_member_forbidden: bool,
    /// `members.me` naming another xuid is refused.
    pub named_xuid_checked: bool,
}

/// B4.a, B6, B12: joins, leaves and seats.
#[derive(Clone, Copy, Debug)]
pub(crate) struct MembershipRules {
    /// Deviation: a leave by a non-member is a 403 instead of a no-op.
    pub leave_by_non_member_forbidden: bool,
    /// Deviation: a leave removes the member at the caller's position, read as an index.
    pub leave_by_position: bool,
    /// Deviation: a write that makes the caller active always adds a member.
    pub active_write_always_joins: bool,
    /// Deviation: a joiner starts from the first member's constants.
    pub joiner_copies_first_member: bool,
    /// Reservations take seats under `maxMembersCount`.
    pub reservations_take_seats: bool,
    /// Seats allowed beyond `maxMembersCount` (0 in the contract).
    pub extra_seats: usize,
}

/// B9: constants are set once.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ConstantRules {
    /// Deviation: sending constants again is a 409, even unchanged.
    pub resend_conflicts: bool,
    /// Deviation: a create's constants are patched over the template's.
    pub template_overridable: bool,
    /// A later change is a 409, not ignored.
    pub checked_after_create: bool,
}

/// B10 deviations: what a `nocommit` write stores.
#[derive(Clone, Copy, Debug)]
pub(crate) struct NocommitRules {
    /// A `nocommit` create is stored.
    pub stores_creates: bool,
    /// A `nocommit` write bumps the stored change number.
    pub bumps_change_number: bool,
    /// A `nocommit` last leave deletes the session.
    pub deletes: bool,
}

/// O3, O15, O17, SH1: what a write stores, and what its last leave answers.
#[derive(Clone, Copy, Debug)]
pub(crate) struct StoringRules {
    /// O17: a template that keeps empty sessions keeps them.
    pub empty_kept_where_template_says: bool,
    /// O15.a: an unchanged write changes nothing (no new ETag).
    pub unchanged_write_kept: bool,
    /// SH1: any change bumps the change number, not only a change of members.
    pub change_number_on_any_change: bool,
    /// SH1.a deviation: every write starts a new branch.
    pub branch_renewed_on_write: bool,
    /// O3 deviation: the last leave answers 200 with the emptied session.
    pub last_leave_answers_session: bool,
    /// O3 deviation: "deleting" stores the emptied session.
    pub deleted_session_kept: bool,
}

impl WriteRules {
    /// The switches the planted `faults` turn.
    pub fn of(faults: Faults) -> WriteRules {
        let has = |f| faults.has(f);
        WriteRules {
            ready: ReadyRules {
                sees_stored: !has(Fault::ReadyJudgedOnRequestOnly),
                any_active_key_counts: has(Fault::ReadyRefusedBesideInactive),
            },
            preconditions: PreconditionRules {
                on_leave: !has(Fault::LeaveSkipsIfMatch),
                on_nocommit: !has(Fault::NocommitSkipsPreconditions),
                if_match_any_needs_session: !has(Fault::IfMatchStarCreates),
                if_match_tags_need_session: !has(Fault::IfMatchIgnoredWithoutSession),
                if_none_match_checked: !has(Fault::IfNoneMatchIgnored),
            },
            permission: PermissionRules {
                servers_forbidden: !has(Fault::ServersWriteIgnored),
                indexed_member_forbidden: !has(Fault::IndexedMemberIgnored),
                named_xuid_checked: !has(Fault::XuidUnchecked),
            },
            membership: MembershipRules {
                leave_by_non_member_forbidden: has(Fault::LeaveByNonMember403),
                leave_by_position: has(Fault::LeaveUsesPositionAsIndex),
                active_write_always_joins: has(Fault::RejoinDuplicatesMember),
                joiner_copies_first_member: has(Fault::JoinerCopiesFirstMember),
                reservations_take_seats: !has(Fault::ReservationsIgnoreMax),
                extra_seats: usize::from(has(Fault::MaxMembersOffByOne)),
            },
            constants: ConstantRules {
                resend_conflicts: has(Fault::ConstantsResend409),
                template_overridable: has(Fault::TemplateConstantsOverridden),
                checked_after_create: !has(Fault::ConstantsChangeIgnored),
            },
            nocommit: NocommitRules {
                stores_creates: has(Fault::NocommitCreates),
                bumps_change_number: has(Fault::NocommitBumpsChangeNumber),
                deletes: has(Fault::NocommitDeletes),
            },
            storing: StoringRules {
                empty_kept_where_template_says: !has(Fault::EmptyPersistentDeleted),
                unchanged_write_kept: !has(Fault::UnchangedWriteNewEtag),
                change_number_on_any_change: !has(Fault::ChangeNumberMembersOnly),
                branch_renewed_on_write: has(Fault::BranchNewOnEveryWrite),
                last_leave_answers_session: has(Fault::LastLeaveAnswers200),
                deleted_session_kept: has(Fault::DeletedSessionKept),
            },
            rendering: RenderRules::of(faults),
        }
    }
}
