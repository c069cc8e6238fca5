//! The limits the server sets itself (O11, a per-caller rate; O12, requests in flight) and what
//! their refusals say, as switches: the configuration and the planted faults resolved once when
//! the app is built ([`LimitRules::of`]), so the limiters read as the contract and never ask
//! which fault is planted. With no fault planted every switch is the contract's and each limit
//! is the configured one.

use super::config::Config;
use super::faults::{Fault, Faults};
use super::header_rules::AuthRules;

/// The per-caller rate the limiter runs at when a limiter fault switches it on.
const FAULTY_RATE_LIMIT: u32 = 10;
/// The in-flight limit the shedder runs at when a shedder fault switches it on.
const FAULTY_MAX_INFLIGHT: usize = 4;

/// The limits of one app; `None` is no limit.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LimitRules {
    pub rate: Option<RateRules>,
    pub inflight: Option<InflightRules>,
}

/// O11: the per-caller rate limit.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RateRules {
    /// Requests per caller per rolling second.
    pub max: u32,
    /// A 429 says when to retry (`Retry-After`).
    pub retry_after: bool,
    /// H2: how a caller is told from the `Authorization` header.
    pub auth: AuthRules,
}

/// O12: the limit on requests in flight.
#[derive(Clone, Copy, Debug)]
pub(crate) struct InflightRules {
    /// Requests handled at once.
    pub max: usize,
    /// A 503 says when to retry (`Retry-After`).
    pub retry_after: bool,
}

impl LimitRules {
    /// The limits `config` sets, with the switches its planted faults turn. A fault in a limiter
    /// switches the limiter on, so that there is something to break.
    pub fn of(config: &Config) -> LimitRules {
        let has = |f| config.faults.has(f);
        let rate = config.rate_limit.or_else(|| {
            let on = has(Fault::RateLimitWithoutRetryAfter);
            on.then_some(FAULTY_RATE_LIMIT)
        });
        let max_inflight = config.max_inflight.or_else(|| {
            let on = has(Fault::OverloadWithoutRetryAfter);
            on.then_some(FAULTY_MAX_INFLIGHT)
        });
        LimitRules {
            rate: rate.map(|max| RateRules::of(max, config.faults)),
            inflight: max_inflight.map(|max| InflightRules {
                max,
                retry_after: !has(Fault::OverloadWithoutRetryAfter),
            }),
        }
    }
}

impl RateRules {
    /// A rate of `max`, with the switches the planted `faults` turn.
    pub fn of(max: u32, faults: Faults) -> RateRules {
        RateRules {
            max,
            retry_after: !faults.has(Fault::RateLimitWithoutRetryAfter),
            auth: AuthRules::of(faults),
        }
    }
}
