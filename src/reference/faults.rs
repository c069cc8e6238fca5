//! The fault catalog: bugs a vendor under deadline really writes, each switchable at start.
//!
//! Each fault is either a switch of the contract logic, resolved from the planted faults in one
//! of the `*_rules` modules (`dispatch_rules`, `header_rules`, `body_rules`, `write_rules`,
//! `render_rules`, `limit_rules`) and read by the code it breaks, or a rewrite in a layer around
//! the handler (`faulty`). `mpsd-conformance mutants` runs the case catalog against the server
//! with each fault alone: a fault that no gating case catches, with one of the rules listed
//! here, is a hole in the catalog. The rules are the ids of `cases/rules.json` the bug breaks.

use std::fmt;

macro_rules! catalog {
    ($( $variant:ident = $name:literal, [$($rule:literal),+ $(,)?], $description:literal; )+) => {
        /// One bug of the catalog.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Fault {
            $( $variant, )+
        }

        impl Fault {
            /// Every fault, in catalog order.
            pub const ALL: &'static [Fault] = &[ $( Fault::$variant, )+ ];

            /// Kebab-case, as `serve --fault` takes it.
            pub fn name(self) -> &'static str {
                match self { $( Fault::$variant => $name, )+ }
            }

            /// The ids of the contract rules the bug breaks.
            pub fn rules(self) -> &'static [&'static str] {
                match self { $( Fault::$variant => &[ $( $rule, )+ ], )+ }
            }

            /// What the server does wrong, in one line.
            pub fn description(self) -> &'static str {
                match self { $( Fault::$variant => $description, )+ }
            }
        }
    };
}

catalog! {
    // H1: the contract version.
    VersionMissingServed = "version-missing-served", ["H1.b", "O7"],
        "a request without X-Xbl-Contract-Version is served as version 107 instead of refused";
    VersionOldServed = "version-old-served", ["H1.c"],
        "only the upper bound of the contract version is checked: 103, 1 and 0 are served";
    VersionFloatParse = "version-float-parse", ["H1.d", "O7"],
        "the contract version is parsed as a float and truncated, so 107.5 is served as 107";
    VersionOverflow500 = "version-overflow-500", ["O13"],
        "an all-digit contract version too large for 32 bits fails its parse unhandled: 500";
    VersionOnly107 = "version-only-107", ["H1.a"],
        "only the newest contract version is served: 104, 105 and 106 get 406";
    VersionUncheckedOnReads = "version-unchecked-on-reads", ["H1.b", "H1.c", "H1.d", "O7"],
        "GET requests skip the contract-version check; only writes are versioned";
    // H2: Authorization.
    AuthUncheckedOnReads = "auth-unchecked-on-reads", ["H2", "O9"],
        "GET requests are served without Authorization, as if reads were public";
    AuthSchemeCaseSensitive = "auth-scheme-case-sensitive", ["H2"],
        "the XBL3.0 scheme is compared case-sensitively, so `xbl3.0` gets 401";
    AuthTokenUnchecked = "auth-token-unchecked", ["H2", "O9"],
        "only the `XBL3.0 x=<userhash>` prefix is checked: a missing or empty token is accepted";
    AuthMissing403 = "auth-missing-403", ["H2", "O9"],
        "a request without Authorization is answered 403 instead of 401";
    // H3: content types.
    CharsetRefused = "charset-refused", ["H3.a"],
        "a Content-Type with parameters (`application/json; charset=utf-8`) is refused with 415";
    // H4: preconditions, and O16's conditional read.
    IfNoneMatchIgnored = "if-none-match-ignored", ["H4.a", "O5"],
        "If-None-Match: * is ignored on writes: a create-only write updates an existing session";
    IfMatchStarCreates = "if-match-star-creates", ["H4.b", "O5"],
        "If-Match: * on a session that does not exist creates it instead of answering 412";
    Stale412WithoutSession = "stale-412-without-session", ["H4.c", "O5"],
        "a stale If-Match gets a text/plain 412 instead of the whole current session";
    Stale412EchoesIfMatch = "stale-412-echoes-if-match", ["H4.c", "O5"],
        "the stale-If-Match 412 carries the client's stale tag as ETag, not the current one";
    IfMatchIgnoredWithoutSession = "if-match-ignored-without-session", ["H4.d", "O5"],
        "If-Match: <etag> is compared only when the session exists; otherwise the write creates it";
    LeaveSkipsIfMatch = "leave-skips-if-match", ["H4.c", "O5", "B4.a"],
        "a leave (`\"me\": null`) takes a fast path that skips If-Match: a stale leave still removes";
    NocommitSkipsPreconditions = "nocommit-skips-preconditions", ["B10", "H4.a", "H4.b", "H4.c", "H4.d", "O5"],
        "?nocommit=true takes a dry-run path without preconditions: a stale If-Match gets 200";
    NotModifiedOnAnyEtag = "not-modified-on-any-etag", ["O16"],
        "a GET with any If-None-Match is answered 304, a stale tag included";
    NotModifiedWithoutEtag = "not-modified-without-etag", ["O16.a"],
        "a 304 carries no ETag";
    LongIfMatch500 = "long-if-match-500", ["O13"],
        "an If-Match longer than 8 KiB overflows the tag buffer: 500";
    // G: handle ids.
    HandleIdCaseSensitiveOnSession = "handle-id-case-sensitive-on-session", ["G2"],
        "on /handles/{id}/session the id is looked up as sent: an upper-case GUID gets 404 there only";
    HandleIdLenientParse = "handle-id-lenient-parse", ["G4"],
        "handle ids go through a lenient GUID parser: braces, `urn:uuid:` and 32 bare digits are served";
    HandleIdInvalid500 = "handle-id-invalid-500", ["G4", "O13"],
        "a handle id that is not a GUID fails its parse unhandled: 500";
    HandleDeleteNoop = "handle-delete-noop", ["R4", "G3", "O4"],
        "DELETE /handles/{id} answers 204 but keeps the handle, which still serves its session";
    NotFoundEmptyBody = "not-found-empty-body", ["G3", "O4", "SH4"],
        "404 answers (an unknown handle among them) have an empty body, not a text/plain message";
    // B: the request body.
    UnknownFieldIgnored = "unknown-field-ignored", ["B1", "O7"],
        "unknown top-level fields of the body are ignored instead of refused with 400";
    MemberWrongType500 = "member-wrong-type-500", ["B1", "O7", "O13"],
        "a member that is not an object (`\"me\": 5`) fails deep in deserialization: 500";
    EmptyBodyServed = "empty-body-served", ["B2", "O7"],
        "an empty body is taken for `{}` and served";
    EmptyWriteRefused = "empty-write-refused", ["B3"],
        "a write with nothing in it (`{}`) is refused with 400 as an empty update";
    LeaveUsesPositionAsIndex = "leave-uses-position-as-index", ["B4.a", "SH2"],
        "a leave removes the member at the caller's position in the list: after a gap, someone else";
    LeaveByNonMember403 = "leave-by-non-member-403", ["B4.a"],
        "a leave from a caller who is not a member is refused with 403 instead of changing nothing";
    XuidUnchecked = "xuid-unchecked", ["B4.b", "O8"],
        "members.me.constants.system.xuid is never compared with the caller's: a mismatch gets 409, not 403";
    JoinerCopiesFirstMember = "joiner-copies-first-member", ["B4.a", "SH2"],
        "a joiner's constants start as a copy of the first member's, so it shows that member's xuid";
    ReadyJudgedOnRequestOnly = "ready-judged-on-request-only", ["B5", "O7"],
        "ready+active is judged on the request, not the merged member: ready on an active member passes";
    ReadyRefusedBesideInactive = "ready-refused-beside-inactive", ["B5"],
        "ready: true is refused whenever the member has an `active` key, even `active: false`";
    IndexedMemberIgnored = "indexed-member-ignored", ["B7", "O8"],
        "members written by index are dropped silently instead of refused with 403";
    ServersWriteIgnored = "servers-write-ignored", ["B8", "O8"],
        "a user's write to `servers` is dropped silently instead of refused with 403";
    ReserveNumberingUnchecked = "reserve-numbering-unchecked", ["B6", "O7"],
        "reservations are accepted under any reserve_<n> numbering (gaps, not starting at 0)";
    ReservedCountedAsAccepted = "reserved-counted-as-accepted", ["SH2.a"],
        "membersInfo.accepted counts reserved members too";
    ReservationsIgnoreMax = "reservations-ignore-max", ["B6.a", "B12"],
        "reservations do not count toward maxMembersCount: only accepted members are counted";
    ConstantsChangeIgnored = "constants-change-ignored", ["B9", "O6"],
        "constants sent to an existing session are dropped silently instead of refused with 409";
    ConstantsResend409 = "constants-resend-409", ["B9", "O15"],
        "any constants in a write to an existing session get 409, even the stored values resent";
    TemplateConstantsOverridden = "template-constants-overridden", ["B9", "O6"],
        "at creation, the body's constants overwrite the template's instead of conflicting";
    NocommitDeletes = "nocommit-deletes", ["B10"],
        "?nocommit=true still deletes the session when the write would (the 204 path stores)";
    NocommitCreates = "nocommit-creates", ["B10"],
        "?nocommit=true still stores a session that the write creates (the 201 path stores)";
    NocommitBumpsChangeNumber = "nocommit-bumps-change-number", ["B10"],
        "?nocommit=true on an update stores nothing but still bumps the stored changeNumber and ETag";
    NocommitTwice500 = "nocommit-twice-500", ["O13"],
        "a query with `nocommit` twice fails the query parser's duplicate-key check unhandled: 500";
    OversizedBody500 = "oversized-body-500", ["B11", "O13"],
        "a body over the size limit is answered 500 instead of 413";
    MaxMembersOffByOne = "max-members-off-by-one", ["B12", "O8"],
        "the maxMembersCount check is off by one: one member more than the maximum may join";
    // O: outcomes.
    CreateAnswers200 = "create-answers-200", ["O2"],
        "a write that creates the session answers 200 instead of 201";
    LastLeaveAnswers200 = "last-leave-answers-200", ["O3"],
        "the last member's leave deletes the session but answers 200 with it instead of 204";
    EmptyPersistentDeleted = "empty-persistent-deleted", ["O17"],
        "an empty session is deleted (204) even under a template that keeps empty sessions";
    DeletedSessionKept = "deleted-session-kept", ["O3", "O16", "O2", "SH1"],
        "the last leave answers 204 but the session stays stored: reads still find it, a join revives it";
    EtagMissingOnCreate = "etag-missing-on-create", ["O2"],
        "a 201 carries no ETag";
    EtagFromBeforeWrite = "etag-from-before-write", ["O1", "O16"],
        "a 200 carries the ETag the session had before the write";
    ContentLocationMissingViaHandle = "content-location-missing-via-handle", ["O14"],
        "Content-Location is sent by the by-name PUT only, not by a write through a handle";
    ContentLocationRequestPath = "content-location-request-path", ["O14"],
        "Content-Location is the request's own path instead of the session's path";
    WrongVerb404 = "wrong-verb-404", ["O10"],
        "POST, DELETE and PATCH on /handles/{id}/session get 404 (no route) instead of 405";
    AllowHeaderMissing = "allow-header-missing", ["O10.a"],
        "405 answers carry no Allow header";
    ChangeNumberMembersOnly = "change-number-members-only", ["SH1"],
        "changeNumber grows only when members change, not on property writes";
    UnchangedWriteNewEtag = "unchanged-write-new-etag", ["O15.a"],
        "a write that changes nothing still gets a new changeNumber and ETag";
    RejoinDuplicatesMember = "rejoin-duplicates-member", ["O15", "B4.a", "SH2"],
        "a write of `me` with `active: true` is taken for a join and adds a member already there again";
    RateLimitWithoutRetryAfter = "rate-limit-without-retry-after", ["O11"],
        "the rate limiter (on at 10 requests per second per caller) answers 429 without Retry-After";
    OverloadWithoutRetryAfter = "overload-without-retry-after", ["O12"],
        "the load shedder (on at 4 requests in flight) answers 503 without Retry-After";
    ReadMissingSession404 = "read-missing-session-404", ["O16", "R2", "R5"],
        "a read of a session that does not exist answers 404 instead of 204";
    SessionTemplatesExactCase = "session-templates-exact-case", ["R5.a"],
        "the by-name route matches `sessionTemplates` as written: the documented `sessiontemplates` gets 404";
    // SH: document shapes and error bodies.
    MemberNextIndexPlusOne = "member-next-index-plus-one", ["SH2"],
        "each member's `next` is its own index + 1 instead of the next member's index";
    BranchNewOnEveryWrite = "branch-new-on-every-write", ["SH1.a"],
        "every stored write draws a new `branch` GUID";
    EmptyCustomOmitted = "empty-custom-omitted", ["SH1", "SH2"],
        "empty `custom` objects are left out of the session document";
    EmptyMembersOmitted = "empty-members-omitted", ["SH2", "O17"],
        "`members` is left out of the session document when there are none";
    OwnerXuidNumber = "owner-xuid-number", ["SH3"],
        "the handle document's ownerXuid is a JSON number instead of a decimal string";
    InviteWithoutInvitedXuid = "invite-without-invited-xuid", ["R3"],
        "an invite handle without invitedXuid is created instead of refused with 400";
    BadRequestJsonBody = "bad-request-json-body", ["SH4", "O7"],
        "400 answers carry a JSON error object instead of a text/plain message";

    // The faults below live in a layer around the handler (`faulty`), as do the faults above
    // that only rewrite a request or an answer (`faulty::edges`): each rewrites a request on its
    // way in, an answer on its way out, or the store beside them, as the vendor's code around a
    // correct core would.
    // Refused writes that store part of their change.
    RefusedWriteBumpsVersion = "refused-write-bumps-version", ["B4.b", "B6", "B7", "B8", "B9", "B12", "H4.c", "O6", "O8"],
        "an audit hook bumps a session's changeNumber and ETag on every write attempt, refused ones included";
    RefusedWriteKeepsProperties = "refused-write-keeps-properties", ["B4.b", "B7", "B8", "B9", "B12", "O6", "O8"],
        "session properties are merged in a store call of their own before members, servers and constants are judged: a 403 or 409 keeps them";
    StaleWriteStored = "stale-write-stored", ["H4.c", "O5"],
        "If-Match is compared after the write is saved: a stale write gets its 412 but is stored";
    RefusedCreateLeavesSession = "refused-create-leaves-session", ["B1", "B2", "B5", "B6", "O7", "B13"],
        "a create inserts the session with its caller before the body is validated: a 400 leaves it behind";
    // Rules checked on one resource or one path only.
    UnknownFieldAcceptedOnCreate = "unknown-field-accepted-on-create", ["B1", "O7"],
        "unknown top-level fields are refused on updates only: the create path deserializes leniently";
    ReadyActiveUncheckedOnCreate = "ready-active-unchecked-on-create", ["B5", "O7"],
        "ready+active is judged when a member is updated, not when a write creates the session";
    IndexWriteIgnoredByName = "index-write-ignored-by-name", ["B7", "O8"],
        "the by-name route drops members written by index instead of refusing them (the handle route refuses)";
    ReadByNameCached = "read-by-name-cached", ["O16", "R5"],
        "reads by name come from a cache that only writes by name refresh: after a write through a handle it is stale";
    ReadByHandleWithoutMembersInfo = "read-by-handle-without-members-info", ["SH1", "SH2", "O16"],
        "the read through a handle renders the session without membersInfo";
    ConstantsDroppedViaHandle = "constants-dropped-via-handle", ["B9", "O6", "B13"],
        "a create through a handle drops the body's constants: template conflicts go unseen, new keys are lost";
    // Malformed inputs that crash or are accepted in one position.
    TopLevelNull500 = "top-level-null-500", ["B2", "O7", "O13"],
        "a body of `null` is read as a missing object and dereferenced: 500";
    LenientJsonLiterals = "lenient-json-literals", ["B2", "O7"],
        "a JSON5-style parser for JavaScript clients: NaN, Infinity, comments and trailing commas are accepted";
    ReservationShorthand = "reservation-shorthand", ["B6", "O7"],
        "a reservation written as a bare string is taken as the reserved xuid instead of refused";
    MemberSystemWrongType500 = "member-system-wrong-type-500", ["B1", "O7", "O13"],
        "members.me.properties.system that is not an object fails deep in the merge: 500";
    NonDecimalUserhash500 = "non-decimal-userhash-500", ["H2", "O13"],
        "a userhash that is not decimal fails the xuid parse unhandled: 500";
    ByteOrderMark500 = "byte-order-mark-500", ["B2", "O13"],
        "a body that starts with a UTF-8 byte order mark fails the decoder unhandled: 500";
    ChunkedBodyDropped = "chunked-body-dropped", ["H6"],
        "the body is read by Content-Length only: a chunked body arrives empty and is refused";
    // Encodings.
    StringsLatin1 = "strings-latin1", ["B13"],
        "strings are stored through a Latin-1 column: non-ASCII text reads back mangled";
    NulTruncatesStrings = "nul-truncates-strings", ["B13"],
        "strings are stored as C strings: a NUL cuts them";
    DeepNesting500 = "deep-nesting-500", ["B13", "O13"],
        "a recursive copy of custom values overflows its depth guard at 100 levels: 500";
    EscapedPairsSplit = "escaped-pairs-split", ["B13"],
        "a hand-written unescape decodes each \\u escape alone: an escaped surrogate pair becomes two U+FFFD";
    BidiControlsStripped = "bidi-controls-stripped", ["B13"],
        "a sanitizer strips bidirectional control characters from every string";
    // Header forms and framing.
    MediaTypeCaseSensitive = "media-type-case-sensitive", ["H5", "H3"],
        "the media type is compared case-sensitively: `Application/JSON` gets 415";
    LastContractHeaderWins = "last-contract-header-wins", ["H1.d", "O7"],
        "of two X-Xbl-Contract-Version headers the last is taken, instead of refusing differing ones";
    ExpectContinueRefused = "expect-continue-refused", ["H6"],
        "a request with Expect: 100-continue is refused with 417";
    Http10Refused = "http10-refused", ["H6"],
        "an HTTP/1.0 request is refused with 505";
    // Handles and sessions after deletes, across templates.
    InviteReadWithoutInvitedXuid = "invite-read-without-invited-xuid", ["R4", "SH3"],
        "a handle read back renders an invite as an activity handle: invitedXuid is missing";
    DeletedSessionServedByHandle = "deleted-session-served-by-handle", ["O16", "O3", "R2"],
        "reads through a handle come from a cache that a delete (the last leave) does not clear";
    EmptyPersistentHiddenByName = "empty-persistent-hidden-by-name", ["O17", "O16", "R5"],
        "a read by name answers 204 for a kept session that has no members";
    // A 500 where only `may` cases look.
    TwoAuthorizations500 = "two-authorizations-500", ["H2", "O13"],
        "two Authorization headers reach a map insert that panics: 500";
    NewerContract500 = "newer-contract-500", ["H1.e", "O13"],
        "a contract version above 107 indexes past a table of supported versions: 500";

    // Sequences and moments (`faulty::racy`, `faulty::ledger`, `faulty::lifecycle`): what no
    // single request shows. Races between a check and the store, with a database round trip
    // between loading and saving.
    LostUpdate = "lost-update", ["O1", "O2", "B4.a", "B13", "H4.a", "H4.c", "SH1"],
        "a write loads the session, merges, and saves it after a round trip without a lock: of two writes at once, the later save drops the earlier's change";
    IfMatchBeforeLock = "if-match-before-lock", ["H4.c", "O5"],
        "If-Match is compared on the session as loaded before the lock is taken: two writers holding one ETag both win";
    IfNoneMatchBeforeLock = "if-none-match-before-lock", ["H4.a", "O5"],
        "If-None-Match: * is checked before the lock is taken: two create-only writes at once both succeed";
    CreatedFromSnapshot = "created-from-snapshot", ["O1", "O2"],
        "whether a write creates the session is decided before the lock: of two creates at once, both answer 201";
    JoinIndexFromSnapshot = "join-index-from-snapshot", ["B4.a", "B6", "SH2"],
        "a joiner's index is allocated from the session as loaded before the lock: two joins at once get one index, and the later replaces the earlier member";
    // A change published in parts, or undone by restoring a copy.
    PartialPublish = "partial-publish", ["O16", "B4.a", "B13"],
        "a write stores the new members first and their properties in a second store call after a round trip: a read in between sees a state no write produced";
    NocommitRollback = "nocommit-rollback", ["B10", "B13", "SH1"],
        "?nocommit=true applies the write and restores the session loaded before it after a round trip: a read in between sees the change, a write in between is lost";
    // membersInfo and the member list kept as counters and links, updated event by event.
    NextNotRelinkedOnLeave = "next-not-relinked-on-leave", ["SH2"],
        "members' `next` links are set when a member joins and never mended when one leaves: the member before a leaver points at the leaver's index";
    FirstNotMovedOnLeave = "first-not-moved-on-leave", ["SH2"],
        "membersInfo.first is set when the first member joins and never moves: after that member leaves it names a member who is gone";
    CountBumpedOnReservedJoin = "count-bumped-on-reserved-join", ["SH2"],
        "membersInfo.count is a counter bumped for every member added, and again when a reserved member joins";
    AcceptedMissedOnReservedJoin = "accepted-missed-on-reserved-join", ["SH2.a"],
        "membersInfo.accepted is a counter bumped when a member is added as accepted: a reserved member who joins is never counted";
    // Deletion, re-creation and reads over time.
    LastAcceptedLeaveDeletes = "last-accepted-leave-deletes", ["O1", "O3", "B4.a"],
        "the session is deleted when its last accepted member leaves, though reserved members remain";
    RecreateRestoresProperties = "recreate-restores-properties", ["O2", "O3", "B13"],
        "a deleted session is kept as a tombstone: re-creating it under the same name brings its old properties back";
    RejoinRestoresProperties = "rejoin-restores-properties", ["B4.a", "B13"],
        "a member's properties are cached by xuid past their leave: rejoining brings them back";
    ReadBumpsChangeNumber = "read-bumps-change-number", ["O15.a", "O16"],
        "every read stores a last-read time in the record, which bumps changeNumber and the ETag";
    EtagOfMembersOnly = "etag-of-members-only", ["O1", "H4.c"],
        "the ETag is a hash of the members only: a change to session properties keeps it, and a stale If-Match still wins";
    // Handles after deletes.
    HandleIdsReused = "handle-ids-reused", ["R4", "G3", "O2"],
        "handle ids come from a pool a delete returns them to: the next handle created takes the deleted one's id";
    WriteThroughDeletedHandle = "write-through-deleted-handle", ["G3", "R1"],
        "writes resolve handles through a cache a delete does not clear: a PUT through a deleted handle writes the session, though reads of the handle 404";
}

impl Fault {
    /// A race: it shows only when two requests meet in its window, so a case that catches it
    /// catches it by chance; the explorer, which sends many such moments, is what proves it.
    pub fn is_race(self) -> bool {
        super::faulty::racy::FAULTS.contains(&self)
    }

    pub fn from_name(name: &str) -> Option<Fault> {
        Fault::ALL.iter().copied().find(|f| f.name() == name)
    }

    fn bit(self) -> u128 {
        1 << (self as u32)
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of active faults; empty (a healthy server) by default. Checking one is a single AND.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub struct Faults(u128);

impl Faults {
    pub fn none() -> Faults {
        Faults(0)
    }

    pub fn has(self, fault: Fault) -> bool {
        self.0 & fault.bit() != 0
    }

    pub fn with(self, fault: Fault) -> Faults {
        Faults(self.0 | fault.bit())
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Fault> {
        Fault::ALL.iter().copied().filter(move |f| self.has(*f))
    }
}

impl FromIterator<Fault> for Faults {
    fn from_iter<I: IntoIterator<Item = Fault>>(iter: I) -> Self {
        iter.into_iter().fold(Faults::none(), Faults::with)
    }
}

impl fmt::Debug for Faults {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter().map(Fault::name)).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalog_fits_the_set_and_names_are_unique_kebab_case() {
        assert!(Fault::ALL.len() <= 128);
        assert!(Fault::ALL.len() >= 40);
        let mut names: Vec<&str> = Fault::ALL.iter().map(|f| f.name()).collect();
        for name in &names {
            let kebab = name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !name.starts_with('-')
                && !name.ends_with('-')
                && !name.contains("--");
            assert!(kebab, "{name}");
        }
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Fault::ALL.len());
        for (i, f) in Fault::ALL.iter().enumerate() {
            assert_eq!(*f as usize, i);
            assert_eq!(Fault::from_name(f.name()), Some(*f));
            assert!(!f.rules().is_empty() && !f.description().is_empty());
        }
    }

    #[test]
    fn sets_hold_what_was_put_in() {
        let set: Faults = [Fault::WrongVerb404, Fault::BadRequestJsonBody]
            .into_iter()
            .collect();
        assert!(set.has(Fault::WrongVerb404) && set.has(Fault::BadRequestJsonBody));
        assert!(!set.has(Fault::VersionOldServed));
        assert_eq!(set.iter().count(), 2);
        assert!(Faults::default().is_empty());
        assert_eq!(
            format!("{set:?}"),
            r#"{"wrong-verb-404", "bad-request-json-body"}"#
        );
    }
}
