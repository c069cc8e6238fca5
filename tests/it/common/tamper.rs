//! A proxy in front of a real server that plants one bug at a time: it may rewrite a request
//! before forwarding it, answer in the server's place, or rewrite the server's answer. With no
//! tampering it is the server itself, so a case must pass through it; with a bug, the case that
//! is meant to catch that bug must fail.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{to_bytes, Body};
use axum::http::{HeaderName, HeaderValue, Request, Response, StatusCode};
use axum::Router;
use mpsd_conformance::exchange::RequestData;
use mpsd_conformance::http::{ClientOptions, HttpClient};
use mpsd_conformance::reference::RunningServer;

/// A request as the proxy sees it: path with query, headers in order.
#[derive(Clone, Debug, Default)]
pub struct Forward {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Forward {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn is(&self, method: &str, path_part: &str) -> bool {
        self.method == method && self.path.contains(path_part)
    }
}

/// An answer, the server's or the proxy's own.
#[derive(Clone, Debug, Default)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn text(status: u16, body: &str) -> Answer {
        Answer {
            status,
            headers: vec![("Content-Type".into(), "text/plain".into())],
            body: body.as_bytes().to_vec(),
        }
    }

    /// The body, read as text, with every `from` replaced by `to`.
    pub fn replace_in_body(&mut self, from: &str, to: &str) {
        self.body = String::from_utf8_lossy(&self.body)
            .replace(from, to)
            .into_bytes();
    }

    pub fn set_header(&mut self, name: &str, value: &str) {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.headers.push((name.to_string(), value.to_string()));
    }
}

/// The bug a proxy plants. Every hook defaults to "no bug".
pub trait Tamper: Send + Sync + 'static {
    /// Rewrites the request before it is forwarded, or answers in the server's place.
    fn request(&self, _req: &mut Forward) -> Option<Answer> {
        None
    }
    /// Rewrites the server's answer to `req` (as forwarded).
    fn response(&self, _req: &Forward, _answer: &mut Answer) {}
    /// Requests for which this returns a barrier wait until the barrier's count of them are in
    /// flight at once (or answer 500 after a few seconds): proof that they were concurrent.
    fn hold(&self, _req: &Forward) -> Option<Arc<tokio::sync::Barrier>> {
        None
    }
    /// Requests for which this is true are never answered (a target that hangs).
    fn hangs(&self, _req: &Forward) -> bool {
        false
    }
}

/// No bug at all.
pub struct Honest;
impl Tamper for Honest {}

/// Never answers the requests its function picks: a target that hangs there.
pub struct HangsOn(pub fn(&Forward) -> bool);
impl Tamper for HangsOn {
    fn hangs(&self, req: &Forward) -> bool {
        (self.0)(req)
    }
}

/// Holds the requests its function picks until the barrier's count of them are in flight at
/// once: proof that they went together.
pub struct HeldTogether(pub Arc<tokio::sync::Barrier>, pub fn(&Forward) -> bool);
impl Tamper for HeldTogether {
    fn hold(&self, req: &Forward) -> Option<Arc<tokio::sync::Barrier>> {
        (self.1)(req).then(|| Arc::clone(&self.0))
    }
}

/// Answers the requests its function picks with 503 and `Retry-After: 30`: a target that asks
/// for a wait longer than a test lasts.
pub struct Overloaded(pub fn(&Forward) -> bool);
impl Tamper for Overloaded {
    fn request(&self, req: &mut Forward) -> Option<Answer> {
        if !(self.0)(req) {
            return None;
        }
        let mut answer = Answer::text(503, "overloaded");
        answer.set_header("Retry-After", "30");
        Some(answer)
    }
}

/// A case's `GET /hang…`, and teardown's leaves and deletes.
pub fn step_and_teardown(req: &Forward) -> bool {
    req.path.starts_with("/hang") || req.method == "DELETE" || is_leave(req)
}

/// A write that makes its caller leave (`"me": null`), as teardown sends.
pub fn is_leave(req: &Forward) -> bool {
    req.method == "PUT" && String::from_utf8_lossy(&req.body).contains("\"me\":null")
}

pub struct Proxy {
    pub url: String,
    /// Every request the proxy received, as received.
    pub seen: Arc<Mutex<Vec<Forward>>>,
    /// The server behind it, which lives as long as the proxy.
    _upstream: RunningServer,
}

impl Proxy {
    /// Waits until the proxy has seen a request that `is`: `what`, named when it never comes
    /// (within 20 s).
    pub async fn until_seen(&self, what: &str, is: impl Fn(&Forward) -> bool) {
        let started = std::time::Instant::now();
        while !self.seen.lock().expect("lock").iter().any(&is) {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "{what} never came"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// Starts a proxy to `upstream` on 127.0.0.1, port 0, on the current runtime.
pub async fn start(upstream: RunningServer, tamper: impl Tamper) -> Proxy {
    let server = upstream;
    let upstream = server.url();
    let client = HttpClient::new(ClientOptions::default()).expect("client");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let state = Arc::new((client, upstream, tamper, Arc::clone(&seen)));
    let app = Router::new().fallback(move |req: Request<Body>| {
        let state = Arc::clone(&state);
        async move {
            let (client, upstream, tamper, seen) = &*state;
            handle(client, upstream, tamper, seen, req).await
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Proxy {
        url,
        seen,
        _upstream: server,
    }
}

const HOP_BY_HOP: &[&str] = &["host", "content-length", "connection", "transfer-encoding"];

async fn handle(
    client: &HttpClient,
    upstream: &str,
    tamper: &impl Tamper,
    seen: &Mutex<Vec<Forward>>,
    req: Request<Body>,
) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let mut forward = Forward {
        method: parts.method.as_str().to_string(),
        path: parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_default(),
        headers: parts
            .headers
            .iter()
            .filter(|(n, _)| !HOP_BY_HOP.contains(&n.as_str()))
            .map(|(n, v)| {
                (
                    n.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: to_bytes(body, 64 * 1024 * 1024)
            .await
            .map(|b| b.to_vec())
            .unwrap_or_default(),
    };
    if let Ok(mut all) = seen.lock() {
        all.push(forward.clone());
    }
    if tamper.hangs(&forward) {
        std::future::pending::<()>().await;
    }
    if let Some(barrier) = tamper.hold(&forward) {
        if tokio::time::timeout(Duration::from_secs(5), barrier.wait())
            .await
            .is_err()
        {
            return reply(Answer::text(
                500,
                "held requests never were in flight together",
            ));
        }
    }
    if let Some(answer) = tamper.request(&mut forward) {
        return reply(answer);
    }
    let data = RequestData {
        method: forward.method.clone(),
        url: format!("{upstream}{}", forward.path),
        headers: forward.headers.clone(),
        body: forward.body.clone().into(),
        truncated: false,
        framing: Default::default(),
    };
    let (result, _) = client.send(&data).await;
    let mut answer = match result {
        Ok(r) => Answer {
            status: r.status,
            headers: r
                .headers
                .into_iter()
                .filter(|(n, _)| !HOP_BY_HOP.contains(&n.to_ascii_lowercase().as_str()))
                .collect(),
            body: r.body.to_vec(),
        },
        Err(e) => Answer::text(502, &format!("the proxy could not reach the server: {e}")),
    };
    tamper.response(&forward, &mut answer);
    reply(answer)
}

fn reply(answer: Answer) -> Response<Body> {
    let mut response = Response::new(Body::from(answer.body));
    *response.status_mut() = StatusCode::from_u16(answer.status).expect("a status code");
    for (name, value) in answer.headers {
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            response.headers_mut().append(n, v);
        }
    }
    response
}
