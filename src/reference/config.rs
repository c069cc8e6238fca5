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
    /// Bugs to plant (the fault catalog); none by default.
    pub faults: Faults,
}
