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

    /// The path of the base URL (`/mpsd` of `https://host/mpsd`), empty at the root.
    pub fn base_path(&self) -> &str {
        url_path(&self.base_url)
    }

    /// Resolves once the run is interrupted: what waits and sends race against.
    pub async fn interruption(&self) {
        while !self.is_interrupted() {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
}

/// The path of an absolute URL, with its query (empty when it has none); a path stays itself.
pub fn url_path(url: &str) -> &str {
    match url.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("", |i| &rest[i..]),
        None => url,
    }
}

/// An Authorization value without its scheme and the whitespace after it: the credentials
/// (`x=<userhash>;<token>` of `XBL3.0 x=<userhash>;<token>`). Empty when there is no scheme.
pub fn credentials_of(authorization: &str) -> &str {
    match authorization.trim_start().split_once(char::is_whitespace) {
        Some((_, rest)) => rest.trim_start(),
        None => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_what_follows_the_scheme() {
        assert_eq!(credentials_of("XBL3.0 x=1;tok"), "x=1;tok");
        assert_eq!(credentials_of("XBL3.0 \t x=1;a b"), "x=1;a b");
        assert_eq!(credentials_of("XBL3.0"), "");
    }

    #[test]
    fn the_path_of_a_url() {
        assert_eq!(url_path("https://host/mpsd"), "/mpsd");
        assert_eq!(url_path("http://127.0.0.1:8080"), "");
        assert_eq!(url_path("http://h/a/b?c=1"), "/a/b?c=1");
        assert_eq!(url_path("/already/a/path"), "/already/a/path");
    }
}
