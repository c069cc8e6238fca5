//! Leaving the world as it was found: the members a case added leave, the handles it created
//! are deleted. It runs even when the case failed; what it gets back does not judge the case
//! (except a server failure, O13). Once the run is interrupted it has a grace period, and a
//! second signal ends it at once.

use bytes::Bytes;
use futures_util::future::join_all;
use serde_json::Value;

use crate::exchange::{url_path, Exchange, RequestData, ResponseData};
use crate::http::Interrupts;
use crate::plan::{joins_value, Joins};

use super::context::RunContext;
use super::request::Built;
use super::retrying::{attempt_exchanges, send_retrying};

#[derive(Debug, Default)]
pub struct Teardown {
    /// (Authorization value, session path) of every write that joined someone.
    joined: Vec<(Option<String>, String)>,
    /// (Authorization value, handle id) of every handle created.
    handles: Vec<(Option<String>, String)>,
}

const LEAVE: &[u8] = br#"{"members":{"me":null}}"#;

impl Teardown {
    /// Notes what an accepted request created; `base_url` is the run's target.
    pub fn track(&mut self, base_url: &str, built: &Built, joins: Joins, response: &ResponseData) {
        if !(200..300).contains(&response.status) {
            return;
        }
        let request = &built.data;
        let path = built.path.as_str();
        let auth = || request.header("authorization").map(str::to_string);
        match request.method.as_str() {
            "PUT" if !path.contains("nocommit=true") => {
                let joined = match joins {
                    Joins::No => false,
                    Joins::Yes => true,
                    Joins::AsSent => serde_json::from_slice::<Value>(&request.body)
                        .is_ok_and(|b| joins_value(&b)),
                };
                if joined {
                    // Prefer the session's own URI: the handle may be gone by teardown time.
                    let target = response
                        .header("content-location")
                        .and_then(|v| session_path(v, base_url))
                        .unwrap_or_else(|| path.split('?').next().unwrap_or(path).to_string());
                    let auth = auth();
                    if !self.joined.iter().any(|(a, p)| *a == auth && *p == target) {
                        self.joined.push((auth, target));
                    }
                }
            }
            "POST" if path.split('?').next() == Some("/handles") => {
                if let Some(Value::String(id)) = response.pointer("/id") {
                    self.handles.push((auth(), id));
                }
            }
            _ => {}
        }
    }

    /// Sends the leaves and deletes, all at once (none needs another's answer), each retried
    /// while throttled, until done or cut short: once the run is interrupted teardown has its
    /// grace, and a second signal ends it. Every exchange it had, in the order of the requests,
    /// and how many were retries.
    pub async fn run(self, ctx: &RunContext) -> (Vec<Exchange>, u32) {
        let mut requests = Vec::with_capacity(self.joined.len() + self.handles.len());
        for (auth, path) in self.joined {
            let leave = Bytes::from_static(LEAVE);
            requests.push(request(ctx, "PUT", &path, auth.as_deref(), leave));
        }
        for (auth, id) in self.handles {
            let path = format!("/handles/{id}");
            requests.push(request(ctx, "DELETE", &path, auth.as_deref(), Bytes::new()));
        }
        let sent = join_all(requests.into_iter().map(|request| async move {
            // Once the run is interrupted a request goes at once, without waiting out a
            // throttled answer's Retry-After; the grace, counted from the signal, bounds it all.
            let retried = tokio::select! {
                biased;
                _ = ctx.interrupt.teardown_cut(ctx.teardown_grace) => None,
                retried = send_retrying(ctx, &request, Interrupts::Waits) => Some(retried),
            };
            (request, retried)
        }))
        .await;
        let mut out = Vec::with_capacity(sent.len());
        let mut retries = 0;
        for (request, retried) in sent {
            match retried {
                Some(retried) => {
                    retries += retried.retries();
                    out.extend(attempt_exchanges(
                        ctx,
                        "teardown",
                        &request,
                        retried.attempts,
                    ));
                }
                None => out.push(cut_short_exchange(ctx, request)),
            }
        }
        (out, retries)
    }
}

/// A teardown request that was not sent, or not answered, because the run was interrupted.
fn cut_short_exchange(ctx: &RunContext, request: RequestData) -> Exchange {
    Exchange::record(
        "teardown (cut short: the run was interrupted)".into(),
        request,
        None,
        None,
        std::time::Duration::ZERO,
        &ctx.redactor,
    )
}

fn request(
    ctx: &RunContext,
    method: &str,
    path: &str,
    auth: Option<&str>,
    body: Bytes,
) -> RequestData {
    RequestData {
        method: method.to_string(),
        url: format!("{}{path}", ctx.base_url),
        headers: ctx.headers.build(!body.is_empty(), auth),
        body,
        truncated: false,
        framing: Default::default(),
    }
}

/// The path of a Content-Location (a path, or an absolute URL) under the base URL: a server
/// whose API lives under a prefix (`https://host/mpsd`) names its sessions with it.
fn session_path(value: &str, base_url: &str) -> Option<String> {
    if !value.starts_with('/') && !value.contains("://") {
        return None;
    }
    let path = url_path(value);
    let prefix = url_path(base_url);
    match path.strip_prefix(prefix) {
        Some(rest) if !prefix.is_empty() && rest.starts_with('/') => Some(rest.to_string()),
        _ => Some(path.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::session_path;

    #[test]
    fn a_content_location_is_read_under_the_base_urls_prefix() {
        let at = |v, base| session_path(v, base).unwrap_or_default();
        assert_eq!(
            at("/serviceconfigs/s/x", "http://h:1"),
            "/serviceconfigs/s/x"
        );
        assert_eq!(
            at("http://h:1/serviceconfigs/s/x", "http://h:1"),
            "/serviceconfigs/s/x"
        );
        assert_eq!(
            at("/mpsd/serviceconfigs/s/x", "https://h/mpsd"),
            "/serviceconfigs/s/x"
        );
        assert_eq!(
            at("https://h/mpsd/serviceconfigs/s/x", "https://h/mpsd"),
            "/serviceconfigs/s/x"
        );
        // A gateway that strips its prefix names the session without it.
        assert_eq!(
            at("/serviceconfigs/s/x", "https://h/mpsd"),
            "/serviceconfigs/s/x"
        );
        assert_eq!(at("/mpsdx/a", "https://h/mpsd"), "/mpsdx/a");
    }
}
