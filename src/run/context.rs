//! What every case of a run shares: the client, the target, identities, defaults, interruption.

use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use crate::case::Severity;
use crate::check::{Failure, Shapes};
use crate::exchange::{url_path, Redactor};
use crate::http::HttpClient;

use super::concurrency::Concurrency;
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
    /// The cases in flight, and what the answers teach about how many the target takes.
    pub concurrency: Arc<Concurrency>,
    /// The severity of each rule of the case set (its basis): what an oracle failure gates as.
    pub rule_severity: BTreeMap<String, Severity>,
    /// The schemas every session and handle answer is held to.
    pub shapes: Shapes,
}

impl RunContext {
    /// The severity a failure of `rule` gates with when the oracle finds it (a rule the case set
    /// does not list is the harness's own, and documented).
    pub fn severity_of(&self, rule: &str) -> Severity {
        self.rule_severity
            .get(rule)
            .copied()
            .unwrap_or(Severity::Must)
    }

    /// `f`, found by the oracle: it gates with its rule's severity, whatever the case's.
    pub fn oracle(&self, f: Failure) -> Failure {
        let severity = self.severity_of(&f.rule);
        f.gating_as(severity)
    }

    pub fn is_interrupted(&self) -> bool {
        self.interrupt.is_interrupted()
    }

    /// The path of the base URL (`/mpsd` of `https://host/mpsd`), empty at the root.
    pub fn base_path(&self) -> &str {
        url_path(&self.base_url)
    }

    /// Resolves once the run is interrupted: what waits and sends race against.
    pub async fn interruption(&self) {
        self.interrupt.interrupted().await
    }
}
