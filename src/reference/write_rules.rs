//! How this server writes a session: the contract's rules, as switches. The planted faults are
//! resolved into them once per write ([`WriteRules::of`]), so `write` reads as the contract and
//! never asks which fault is planted. With no fault planted every switch is the contract's.

use super::faults::{Fault, Faults};

/// The switches of one write, each named for what the contract demands (true = as the contract
/// says, for the `*_checked`/`*_forbidden` kind) or for the deviation it allows.
#[derive(Clone, Copy, Debug)]
pub(crate) struct WriteRules {
    /// B5: readiness is judged on the member as stored and written, not on the request alone.
    pub ready_sees_stored: bool,
    /// B5 deviation: a member with any `active` key counts as active.
    pub any_active_key_counts: bool,
    /// H4: a leave (`"me": null`) still checks `If-Match`.
    pub leave_checks_preconditions: bool,
    /// H4, B10: a `nocommit` write still checks the preconditions.
    pub nocommit_checks_preconditions: bool,
    /// H4: `If-Match: *` on a missing session is a 412.
    pub if_match_any_needs_session: bool,
    /// H4: `If-Match` with ETags on a missing session is a 412.
    pub if_match_tags_need_session: bool,
    /// H4.c: a stale `If-Match` answers with the current session.
    pub stale_answer_carries_session: bool,
    /// H4.c deviation: the stale answer's ETag is the request's `If-Match`.
    pub stale_etag_echoes_if_match: bool,
    /// H4: `If-None-Match` is checked.
    pub if_none_match_checked: bool,
    /// A user may not write `servers` (403).
    pub servers_forbidden: bool,
    /// A user may not write a member by index (403).
    pub indexed_member_forbidden: bool,
    /// `members.me` naming another xuid is a 403.
    pub named_xuid_checked: bool,
    /// Deviation: a leave by a non-member is a 403 instead of a no-op.
    pub leave_by_non_member_forbidden: bool,
    /// Deviation: a leave removes the member at the caller's position, read as an index.
    pub leave_by_position: bool,
    /// Deviation: a write that makes the caller active always adds a member.
    pub active_write_always_joins: bool,
    /// Deviation: sending constants again is a 409, even unchanged.
    pub constants_resend_conflicts: bool,
    /// Deviation: a create's constants are patched over the template's.
    pub template_constants_overridable: bool,
    /// Constants are set once: a later change is a 409, not ignored.
    pub constants_checked_after_create: bool,
    /// Deviation: a joiner starts from the first member's constants.
    pub joiner_copies_first_member: bool,
    /// Reservations take seats under `maxMembersCount`.
    pub reservations_take_seats: bool,
    /// Seats allowed beyond `maxMembersCount` (0 in the contract).
    pub extra_seats: usize,
    /// O3: a template that keeps empty sessions keeps them.
    pub empty_kept_where_template_says: bool,
    /// An unchanged write changes nothing (no new ETag).
    pub unchanged_write_kept: bool,
    /// Any change bumps the change number, not only a change of members.
    pub change_number_on_any_change: bool,
    /// Deviation: every write starts a new branch.
    pub branch_renewed_on_write: bool,
    /// Deviation: the answer's ETag is the one from before the write.
    pub etag_from_before_write: bool,
    /// B10 deviation: a `nocommit` create is stored.
    pub nocommit_stores_creates: bool,
    /// B10 deviation: a `nocommit` write bumps the stored change number.
    pub nocommit_bumps_change_number: bool,
    /// B10 deviation: a `nocommit` last leave deletes the session.
    pub nocommit_deletes: bool,
    /// O3 deviation: the last leave answers 200 with the emptied session.
    pub last_leave_answers_session: bool,
    /// O3 deviation: "deleting" stores the emptied session.
    pub deleted_session_kept: bool,
    /// How a stored session is rendered (the session module's own switches).
    pub rendering: Faults,
}

impl WriteRules {
    /// The switches the planted `faults` turn.
    pub fn of(faults: Faults) -> WriteRules {
        let has = |f| faults.has(f);
        WriteRules {
            ready_sees_stored: !has(Fault::ReadyJudgedOnRequestOnly),
            any_active_key_counts: has(Fault::ReadyRefusedBesideInactive),
            leave_checks_preconditions: !has(Fault::LeaveSkipsIfMatch),
            nocommit_checks_preconditions: !has(Fault::NocommitSkipsPreconditions),
            if_match_any_needs_session: !has(Fault::IfMatchStarCreates),
            if_match_tags_need_session: !has(Fault::IfMatchIgnoredWithoutSession),
            stale_answer_carries_session: !has(Fault::Stale412WithoutSession),
            stale_etag_echoes_if_match: has(Fault::Stale412EchoesIfMatch),
            if_none_match_checked: !has(Fault::IfNoneMatchIgnored),
            servers_forbidden: !has(Fault::ServersWriteIgnored),
            indexed_member_forbidden: !has(Fault::IndexedMemberIgnored),
            named_xuid_checked: !has(Fault::XuidUnchecked),
            leave_by_non_member_forbidden: has(Fault::LeaveByNonMember403),
            leave_by_position: has(Fault::LeaveUsesPositionAsIndex),
            active_write_always_joins: has(Fault::RejoinDuplicatesMember),
            constants_resend_conflicts: has(Fault::ConstantsResend409),
            template_constants_overridable: has(Fault::TemplateConstantsOverridden),
            constants_checked_after_create: !has(Fault::ConstantsChangeIgnored),
            joiner_copies_first_member: has(Fault::JoinerCopiesFirstMember),
            reservations_take_seats: !has(Fault::ReservationsIgnoreMax),
            extra_seats: usize::from(has(Fault::MaxMembersOffByOne)),
            empty_kept_where_template_says: !has(Fault::EmptyPersistentDeleted),
            unchanged_write_kept: !has(Fault::UnchangedWriteNewEtag),
            change_number_on_any_change: !has(Fault::ChangeNumberMembersOnly),
            branch_renewed_on_write: has(Fault::BranchNewOnEveryWrite),
            etag_from_before_write: has(Fault::EtagFromBeforeWrite),
            nocommit_stores_creates: has(Fault::NocommitCreates),
            nocommit_bumps_change_number: has(Fault::NocommitBumpsChangeNumber),
            nocommit_deletes: has(Fault::NocommitDeletes),
            last_leave_answers_session: has(Fault::LastLeaveAnswers200),
            deleted_session_kept: has(Fault::DeletedSessionKept),
            rendering: faults,
        }
    }
}
