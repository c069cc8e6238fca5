//! Leaving the world as it was found: the members a case added leave, the handles it created
//! are deleted. It runs even when the case failed; what it gets back does not judge the case
//! (except a server failure, O13).

use serde_json::Value;

use crate::http::{Exchange, Interrupts, RequestData, ResponseData};

use super::context::{url_path, RunContext};
use super::request::set;
use super::retrying::{attempt_exchanges, send_retrying};

#[derive(Debug, Default)]
pub struct Teardown {
    /// (Authorization value, session path) of every write that joined someone.
    joined: Vec<(Option<String>, String)>,
    /// (Authorization value, handle id) of every handle created.
    handles: Vec<(Option<String>, String)>,
}

impl Teardown {
    /// Notes what an accepted request created.
    pub fn track(&mut self, ctx: &RunContext, request: &RequestData, response: &ResponseData) {
        if !(200..300).contains(&response.status) {
            return;
        }
        let auth = request
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("authorization"))
            .map(|(_, v)| v.clone());
        let path = request
            .url
            .strip_prefix(&ctx.base_url)
            .unwrap_or(&request.url);
        let body: Option<Value> = serde_json::from_slice(&request.body).ok();
        match request.method.as_str() {
            "PUT" if !path.contains("nocommit=true") => {
                let joins = body
                    .as_ref()
                    .and_then(|b| b.pointer("/members"))
                    .and_then(Value::as_object)
                    .is_some_and(|m| m.iter().any(|(_, v)| !v.is_null()));
                if joins {
                    // Prefer the session's own URI: the handle may be gone by teardown time.
                    let target = response
                        .header("content-location")
                        .and_then(|v| session_path(v, &ctx.base_url))
                        .unwrap_or_else(|| path.split('?').next().unwrap_or(path).to_string());
                    if !self.joined.iter().any(|(a, p)| *a == auth && *p == target) {
                        self.joined.push((auth, target));
                    }
                }
            }
            "POST" if path.split('?').next() == Some("/handles") => {
                if let Some(id) = response
                    .json()
                    .as_ref()
                    .and_then(|d| d.get("id"))
                    .and_then(Value::as_str)
                {
                    self.handles.push((auth, id.to_string()));
                }
            }
            _ => {}
        }
    }

    /// Every exchange teardown had, throttled attempts included, and how many were retries.
    pub async fn run(self, ctx: &RunContext) -> (Vec<Exchange>, u32) {
        let mut out = Vec::new();
        let mut retries = 0;
        for (auth, path) in self.joined {
            let body = br#"{"members":{"me":null}}"#.to_vec();
            retries += send(ctx, "PUT", &path, auth, body, &mut out).await;
        }
        for (auth, id) in self.handles {
            let path = format!("/handles/{id}");
            retries += send(ctx, "DELETE", &path, auth, Vec::new(), &mut out).await;
        }
        (out, retries)
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

/// Sends one teardown request; its attempts go to `out`. Returns the retries it took. Only
/// the waits between attempts give way to an interruption: a request sent gets its answer.
async fn send(
    ctx: &RunContext,
    method: &str,
    path: &str,
    auth: Option<String>,
    body: Vec<u8>,
    out: &mut Vec<Exchange>,
) -> u32 {
    let mut headers = ctx.headers.clone();
    if !body.is_empty() {
        set(&mut headers, &ctx.body_headers);
    }
    if let Some(auth) = auth {
        set(&mut headers, &[("Authorization".to_string(), auth)]);
    }
    let request = RequestData {
        method: method.to_string(),
        url: format!("{}{path}", ctx.base_url),
        headers,
        body,
    };
    let retried = send_retrying(ctx, &request, Interrupts::Waits).await;
    let retries = retried.retries();
    out.extend(attempt_exchanges("teardown", &request, retried.attempts));
    retries
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
