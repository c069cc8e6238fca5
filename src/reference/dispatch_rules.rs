//! How this server routes and answers, as switches: the planted faults resolved once per request
//! ([`DispatchRules::of`]), so `dispatch` reads as the contract and never asks which fault is
//! planted. With no fault planted every switch is the contract's. The modules `dispatch` hands a
//! request to (headers, bodies, handles, the write) get the faults themselves, in `faults`.

use super::faults::{Fault, Faults};

/// The switches of one request, each named for what the contract demands or for the deviation
/// it allows.
#[derive(Clone, Copy, Debug)]
pub(crate) struct DispatchRules {
    /// SH4 deviation: a 400 carries a JSON object instead of text.
    pub bad_request_as_json: bool,
    /// SH4 deviation: a 404 has no body.
    pub not_found_empty: bool,
    /// Deviation: `sessionTemplates` is matched with its exact case.
    pub template_segment_exact_case: bool,
    /// Deviation: a verb the handle's session does not allow is a 404, not a 405.
    pub handle_session_wrong_verb_not_found: bool,
    /// A 405 names the allowed verbs in `Allow`.
    pub allow_on_405: bool,
    /// Reads check `Authorization` too.
    pub reads_check_auth: bool,
    /// Reads check the contract version too.
    pub reads_check_version: bool,
    /// A handle DELETE removes the handle.
    pub handle_delete_removes: bool,
    /// Deviation: the handle's session route looks the id up as sent (case-sensitive).
    pub handle_session_id_as_sent: bool,
    /// The handle's session route answers with `Content-Location`.
    pub content_location_via_handle: bool,
    /// Deviation: any GUID form is a handle id (braces, URN, no hyphens).
    pub handle_id_lenient: bool,
    /// Deviation: an id that is no GUID is a 500.
    pub handle_id_invalid_500: bool,
    /// Deviation: a body over the limit is a 500, not a 413.
    pub oversized_body_500: bool,
    /// Deviation: reading a missing session is a 404, not a 204.
    pub missing_session_read_404: bool,
    /// Deviation: any `If-None-Match` makes a read a 304.
    pub not_modified_on_any_etag: bool,
    /// A 304 carries the ETag.
    pub not_modified_keeps_etag: bool,
    /// Deviation: `Content-Type` is compared as a whole string (a charset is refused).
    pub media_type_whole_string: bool,
    /// Deviation: an `If-Match` over 8 KiB is a 500.
    pub long_if_match_500: bool,
    /// Deviation: `nocommit` given twice is a 500.
    pub repeated_nocommit_500: bool,
    /// A create answers 201.
    pub create_answers_201: bool,
    /// A create's answer carries the ETag.
    pub etag_on_create: bool,
    /// Deviation: `Content-Location` is the request's path, not the session's by name.
    pub content_location_request_path: bool,
    /// The planted faults, for the modules a request is handed to.
    pub faults: Faults,
}

impl DispatchRules {
    /// The switches the planted `faults` turn.
    pub fn of(faults: Faults) -> DispatchRules {
        let has = |f| faults.has(f);
        DispatchRules {
            bad_request_as_json: has(Fault::BadRequestJsonBody),
            not_found_empty: has(Fault::NotFoundEmptyBody),
            template_segment_exact_case: has(Fault::SessionTemplatesExactCase),
            handle_session_wrong_verb_not_found: has(Fault::WrongVerb404),
            allow_on_405: !has(Fault::AllowHeaderMissing),
            reads_check_auth: !has(Fault::AuthUncheckedOnReads),
            reads_check_version: !has(Fault::VersionUncheckedOnReads),
            handle_delete_removes: !has(Fault::HandleDeleteNoop),
            handle_session_id_as_sent: has(Fault::HandleIdCaseSensitiveOnSession),
            content_location_via_handle: !has(Fault::ContentLocationMissingViaHandle),
            handle_id_lenient: has(Fault::HandleIdLenientParse),
            handle_id_invalid_500: has(Fault::HandleIdInvalid500),
            oversized_body_500: has(Fault::OversizedBody500),
            missing_session_read_404: has(Fault::ReadMissingSession404),
            not_modified_on_any_etag: has(Fault::NotModifiedOnAnyEtag),
            not_modified_keeps_etag: !has(Fault::NotModifiedWithoutEtag),
            media_type_whole_string: has(Fault::CharsetRefused),
            long_if_match_500: has(Fault::LongIfMatch500),
            repeated_nocommit_500: has(Fault::NocommitTwice500),
            create_answers_201: !has(Fault::CreateAnswers200),
            etag_on_create: !has(Fault::EtagMissingOnCreate),
            content_location_request_path: has(Fault::ContentLocationRequestPath),
            faults,
        }
    }
}
