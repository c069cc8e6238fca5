//! What every case of a run shares: the client, the target, identities, defaults, interruption.

use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use crate::exchange::Redactor;
use crate::http::HttpClient;

use super::headers::DefaultHeaders;
use super::interrupt::Interrupt;
use super::vars::RunVars;

/// A caller the harness can act as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub xuid: String,
    /// The Authorization value; `None` when the caller was not given (cases needing it skip).
    pub authorization: Option<String>,
}

pub struct RunContext {
    pub client: HttpClient,
    /// Base URL, no trailing slash.
    pub base_url: String,
    pub identities: BTreeMap<String, Identity>,
    pub vars: RunVars,
    /// The suite's headers, body headers and `--header`s.
    pub headers: DefaultHeaders,
    /// Every secret of the run: recorded bodies are redacted with it, reports write through it.
    pub redactor: Redactor,
    /// Ctrl-C and SIGTERM: stop starting cases, end the steps in flight, cut teardown short.
    pub interrupt: Interrupt,
    /// How long teardown may run once the run is interrupted.
    pub teardown_grace: Duration,
    /// Set by --fail-fast after a gating failure: start nothing new.
    pub stopping: AtomicBool,
}

impl RunContext {
    pub fn is_interrupted(&self) -> bool {
        self.interrupt.is_interrupted()
    }
}
