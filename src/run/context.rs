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

    /// The path of the base URL (`/mpsd` of `https://host/mpsd`), empty at the root.
    pub fn base_path(&self) -> &str {
        url_path(&self.base_url)
    }

    /// Resolves once the run is interrupted: what waits and sends race against.
    pub async fn interruption(&self) {
        self.interrupt.interrupted().await
    }
}

/// The path of an absolute URL, with its query (empty when it has none); a path stays itself.
pub fn url_path(url: &str) -> &str {
    match url.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("", |i| &rest[i..]),
        None => url,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_path_of_a_url() {
        assert_eq!(url_path("https://host/mpsd"), "/mpsd");
        assert_eq!(url_path("http://127.0.0.1:8080"), "");
        assert_eq!(url_path("http://h/a/b?c=1"), "/a/b?c=1");
        assert_eq!(url_path("/already/a/path"), "/already/a/path");
    }
}
