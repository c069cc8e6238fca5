//! Leaving the world as it was found: the members a case added leave, the handles it created
//! are deleted. It runs even when the case failed; what it gets back does not judge the case
//! (except a server failure, O13). Once the run is interrupted it has a grace period, and a
//! second signal ends it at once.

use std::time::Instant;

use bytes::Bytes;
use serde_json::Value;

use crate::exchange::{Exchange, RequestData, ResponseData};
use crate::plan::{joins_value, Joins};

use super::context::RunContext;
use super::request::Built;
use super::send::send_until;

#[derive(Debug, Default)]
pub struct Teardown {
    /// (Authorization value, session path) of every write that joined someone.
    joined: Vec<(Option<String>, String)>,
    /// (Authorization value, handle id) of every handle created.
    handles: Vec<(Option<String>, String)>,
}

const LEAVE: &[u8] = br#"{"members":{"me":null}}"#;

impl Teardown {
    /// Notes what an accepted request created.
    pub fn track(&mut self, built: &Built, joins: Joins, response: &ResponseData) {
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
                        .and_then(session_path)
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

    /// Sends the leaves and deletes, in order, until done or cut short by interruption.
    pub async fn run(self, ctx: &RunContext) -> Vec<Exchange> {
        let mut requests = Vec::with_capacity(self.joined.len() + self.handles.len());
        for (auth, path) in self.joined {
            requests.push(request(
                ctx,
                "PUT",
                &path,
                auth.as_deref(),
                Bytes::from_static(LEAVE),
            ));
        }
        for (auth, id) in self.handles {
            let path = format!("/handles/{id}");
            requests.push(request(ctx, "DELETE", &path, auth.as_deref(), Bytes::new()));
        }
        let mut out = Vec::with_capacity(requests.len());
        let cut = ctx.interrupt.teardown_cut(ctx.teardown_grace);
        tokio::pin!(cut);
        let mut pending = requests.into_iter();
        for request in pending.by_ref() {
            let started = Instant::now();
            let sent = send_until(ctx, &request, &mut cut).await;
            let Some((result, _)) = sent else {
                out.push(cut_short(ctx, request));
                break;
            };
            let (response, error) = match result {
                Ok(r) => (Some(r), None),
                Err(e) => (None, Some(e)),
            };
            out.push(Exchange::record(
                "teardown".into(),
                request,
                response,
                error,
                started.elapsed(),
                &ctx.redactor,
            ));
        }
        out.extend(pending.map(|r| cut_short(ctx, r)));
        out
    }
}

/// A teardown request that was not sent, or not answered, because the run was interrupted.
fn cut_short(ctx: &RunContext, request: RequestData) -> Exchange {
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
    }
}

/// The path of a Content-Location (a path, or an absolute URL).
fn session_path(value: &str) -> Option<String> {
    if value.starts_with('/') {
        return Some(value.to_string());
    }
    let (_, rest) = value.split_once("://")?;
    rest.find('/').map(|i| rest[i..].to_string())
}
