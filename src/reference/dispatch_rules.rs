//! How this server routes and answers, as switches: the planted faults resolved once per request
//! ([`DispatchRules::of`]), so `dispatch` reads as the contract and never asks which fault is
//! planted. With no fault planted every switch is the contract's. Only what changes the
//! contract's logic is here, grouped by rule; faults that only rewrite a request or an answer
//! live in the layer next to the handler (`faulty::edges`). The modules `dispatch` hands a
//! request to get their own switches from here: the headers (`header_rules`) and the bodies
//! (`body_rules`). Only the write resolves its own (`write_rules`), once per write, from
//! `faults`.

use super::body_rules::BodyRules;
use super::faults::{Fault, Faults};
use super::header_rules::HeaderRules;

/// The switches of one request.
#[derive(Clone, Copy, Debug)]
pub(crate) struct DispatchRules {
    pub reads: ReadRules,
    pub handles: HandleRules,
    pub headers: HeaderRules,
    pub bodies: BodyRules,
    /// The planted faults, for the write (`write_rules`) and the faulty write path
    /// (`faulty::racy`).
    pub faults: Faults,
}

/// H1, H2: which checks a read (GET) goes through.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ReadRules {
    /// Reads check `Authorization` too.
    pub check_auth: bool,
    /// Reads check the contract version too.
    pub check_version: bool,
}

/// G2–G4, R4: how a handle id is read and a handle found or removed.
#[derive(Clone, Copy, Debug)]
pub(crate) struct HandleRules {
    /// Deviation: the handle's session route looks the id up as sent (case-sensitive).
    pub session_id_as_sent: bool,
    /// Deviation: an id that is no GUID is a 500.
    pub invalid_id_500: bool,
    /// A handle DELETE removes the handle.
    pub delete_removes: bool,
}

impl DispatchRules {
    /// The switches the planted `faults` turn.
    pub fn of(faults: Faults) -> DispatchRules {
        let has = |f| faults.has(f);
        DispatchRules {
            reads: ReadRules {
                check_auth: !has(Fault::AuthUncheckedOnReads),
                check_version: !has(Fault::VersionUncheckedOnReads),
            },
            handles: HandleRules {
                session_id_as_sent: has(Fault::HandleIdCaseSensitiveOnSession),
                invalid_id_500: has(Fault::HandleIdInvalid500),
                delete_removes: !has(Fault::HandleDeleteNoop),
            },
            headers: HeaderRules::of(faults),
            bodies: BodyRules::of(faults),
            faults,
        }
    }
}
