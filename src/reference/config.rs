use std::time::Duration;

use super::faults::Faults;

/// Options of the reference server.
///
/// Both limits are off by default. `Some(0)` is honoured literally (every request is throttled or
/// shed), which gives a client a deterministic way to see O11 and O12.
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// Requests per caller per rolling second; over it, 429 (O11).
    pub rate_limit: Option<u32>,
    /// Requests handled at once; over it, 503 (O12).
    pub max_inflight: Option<usize>,
    /// When a connection that holds a slot without using it is closed.
    pub timeouts: Timeouts,
    /// Bugs to plant (the fault catalog); none by default.
    pub faults: Faults,
    /// Bytes of whitespace appended to every JSON answer (`serve --pad-answers`): the same
    /// documents, made big, to measure a client's memory.
    pub pad_answers: Option<usize>,
    /// Sessions and handles that no request touched for this long are forgotten (`serve
    /// --forget-idle`). Off by default: the contract keeps them. An exploration turns it on so
    /// that the millions of sessions its finished programs left behind do not fill the memory;
    /// no program pauses anywhere near this long between two of its requests.
    pub forget_idle: Option<Duration>,
}

/// How long a connection may hold a file descriptor without making progress, as a real server
/// bounds it: without these, slow or idle clients exhaust descriptors and nobody is served.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// How long a request head may take: the first from the accept, a later one from its first
    /// byte (a slowloris client never finishes one).
    pub header: Duration,
    /// With no request in progress, how long nothing may move: a fresh connection that sends
    /// nothing, a keep-alive connection between requests, a client that stops reading its answer.
    pub idle: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            header: Duration::from_secs(30),
            idle: Duration::from_secs(30),
        }
    }
}
