//! What every case of a run shares: the client, the target, identities, defaults.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::check::Schemas;
use crate::http::HttpClient;

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
    /// The suite's default headers, then `--header`s.
    pub headers: Vec<(String, String)>,
    /// Added when a request has a body.
    pub body_headers: Vec<(String, String)>,
    pub schemas: Schemas,
    /// Set by Ctrl-C: stop between steps.
    pub interrupted: Arc<AtomicBool>,
    /// Set by --fail-fast after a gating failure: start nothing new.
    pub stopping: Arc<AtomicBool>,
}

impl RunContext {
    pub fn is_interrupted(&self) -> bool {
        self.interrupted.load(Ordering::SeqCst)
    }
}
