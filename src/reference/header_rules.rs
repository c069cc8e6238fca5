//! How this server reads the headers every route checks (H1, the contract version; H2, the
//! caller), as switches: the planted faults resolved once per request ([`HeaderRules::of`]), so
//! `headers` reads as the contract and never asks which fault is planted. With no fault planted
//! every switch is the contract's.

use super::faults::{Fault, Faults};

/// The switches of one request's headers.
#[derive(Clone, Copy, Debug)]
pub(crate) struct HeaderRules {
    pub version: VersionRules,
    pub auth: AuthRules,
}

/// H1, O13: which contract versions are served.
#[derive(Clone, Copy, Debug)]
pub(crate) struct VersionRules {
    /// H1.b: a request without the header is refused (400).
    pub required: bool,
    /// H1.c: a version below the oldest known is refused (406).
    pub oldest_checked: bool,
    /// H1.d deviation: the version is parsed as a float and truncated.
    pub float_parsed: bool,
    /// H1.a deviation: only the newest version is served.
    pub only_newest: bool,
    /// O13 deviation: all digits, too many for 32 bits, is a 500.
    pub overflow_500: bool,
}

/// H2: how `Authorization` names the caller.
#[derive(Clone, Copy, Debug)]
pub(crate) struct AuthRules {
    /// The `XBL3.0` scheme is compared ignoring case.
    pub scheme_any_case: bool,
    /// A token must follow the userhash, not empty.
    pub token_checked: bool,
    /// Deviation: a request without the header is a 403, not a 401.
    pub missing_403: bool,
}

impl HeaderRules {
    /// The switches the planted `faults` turn.
    pub fn of(faults: Faults) -> HeaderRules {
        let has = |f| faults.has(f);
        HeaderRules {
            version: VersionRules {
                required: !has(Fault::VersionMissingServed),
                oldest_checked: !has(Fault::VersionOldServed),
                float_parsed: has(Fault::VersionFloatParse),
                only_newest: has(Fault::VersionOnly107),
                overflow_500: has(Fault::VersionOverflow500),
            },
            auth: AuthRules::of(faults),
        }
    }
}

impl AuthRules {
    /// The switches the planted `faults` turn; the rate limiter tells callers apart by them too.
    pub fn of(faults: Faults) -> AuthRules {
        let has = |f| faults.has(f);
        AuthRules {
            scheme_any_case: !has(Fault::AuthSchemeCaseSensitive),
            token_checked: !has(Fault::AuthTokenUnchecked),
            missing_403: has(Fault::AuthMissing403),
        }
    }
}
