//! The floor under the harness's CPU per request: the join case's 9 requests (as the Hurl files
//! "as harness" send them) written by a bare hyper HTTP/1 client, the HTTP stack the harness
//! sends through, that judges nothing, keeps nothing and reports nothing. One tokio
//! current-thread runtime, as the harness's case thread; `jobs` cases at once, each on its own
//! keep-alive connection. What it costs a request is what no harness built on hyper, on this
//! machine, can go under.

use std::net::SocketAddr;
use std::rc::Rc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1;
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;

use super::generated::{AUTH_A, AUTH_B, REQUESTS_AS_HARNESS, SCID};
use super::process::thread_cpu;

pub struct Floor {
    pub requests: u64,
    pub wall: Duration,
    pub user: Duration,
    pub sys: Duration,
}

/// Runs `cases` join cases through bare hyper against `target` (`http://host:port`).
pub fn bare_hyper(target: &str, cases: usize, jobs: usize) -> Result<Floor, String> {
    let authority = target
        .strip_prefix("http://")
        .ok_or_else(|| format!("{target}: the floor speaks plain HTTP only"))?
        .trim_end_matches('/')
        .to_string();
    let addr: SocketAddr = authority
        .parse()
        .map_err(|e| format!("{authority}: not an IP address and port ({e})"))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("no runtime: {e}"))?;
    let before = thread_cpu()?;
    let started = Instant::now();
    let next = Rc::new(std::cell::Cell::new(0usize));
    runtime.block_on(async {
        let local = tokio::task::LocalSet::new();
        let workers: Vec<_> = (0..jobs.min(cases))
            .map(|_| {
                let next = Rc::clone(&next);
                let authority = authority.clone();
                local.spawn_local(async move {
                    let mut client = Client::connect(addr, &authority).await?;
                    loop {
                        let i = next.get();
                        if i >= cases {
                            return Ok::<(), String>(());
                        }
                        next.set(i + 1);
                        client.join_case(i).await?;
                    }
                })
            })
            .collect();
        local
            .run_until(async {
                for worker in workers {
                    worker.await.map_err(|e| format!("a worker: {e}"))??;
                }
                Ok::<(), String>(())
            })
            .await
    })?;
    let after = thread_cpu()?;
    Ok(Floor {
        requests: cases as u64 * REQUESTS_AS_HARNESS,
        wall: started.elapsed(),
        user: after.0.saturating_sub(before.0),
        sys: after.1.saturating_sub(before.1),
    })
}

struct Client {
    sender: http1::SendRequest<Full<Bytes>>,
    host: String,
}

impl Client {
    async fn connect(addr: SocketAddr, host: &str) -> Result<Client, String> {
        let stream = tokio::net::TcpStream::connect(addr)
            .await
            .map_err(|e| format!("connect {addr}: {e}"))?;
        stream
            .set_nodelay(true)
            .map_err(|e| format!("nodelay: {e}"))?;
        let (sender, connection) = http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| format!("handshake: {e}"))?;
        tokio::task::spawn_local(connection);
        Ok(Client {
            sender,
            host: host.to_string(),
        })
    }

    /// The harness's 9 requests of the join case: fixture, handle, handle read back, join,
    /// session read back by handle and by name, then teardown (b leaves, a leaves, the handle
    /// goes). Only the handle's id is read from an answer: it names what follows.
    async fn join_case(&mut self, i: usize) -> Result<(), String> {
        let session = format!(
            "/serviceconfigs/{SCID}/sessionTemplates/lobby/sessions/floor-{i:05}-{}",
            std::process::id()
        );
        let member = r#"{"members":{"me":{"properties":{"system":{"active":true}}}}}"#;
        let fixture = r#"{"properties":{"custom":{"fixture":"mpsd-conformance"}},"members":{"me":{"properties":{"system":{"active":true}}}}}"#;
        let (status, _) = self
            .send(Method::PUT, &session, AUTH_A, Some(fixture), true)
            .await?;
        expect(status, 201, "the fixture")?;
        let handle_body = format!(
            r#"{{"version":1,"type":"invite","sessionRef":{{"scid":"{SCID}","templateName":"lobby","name":"floor-{i:05}-{}"}},"invitedXuid":"2533274790395905"}}"#,
            std::process::id()
        );
        let (_, answer) = self
            .send(Method::POST, "/handles", AUTH_A, Some(&handle_body), false)
            .await?;
        let id = handle_id(&answer).ok_or("the handle's answer has no id")?;
        let handle = format!("/handles/{id}");
        let by_handle = format!("{handle}/session");
        self.send(Method::GET, &handle, AUTH_A, None, false).await?;
        let (status, _) = self
            .send(Method::PUT, &by_handle, AUTH_B, Some(member), false)
            .await?;
        expect(status, 200, "the join")?;
        self.send(Method::GET, &by_handle, AUTH_A, None, false)
            .await?;
        self.send(Method::GET, &session, AUTH_A, None, false)
            .await?;
        let leave = r#"{"members":{"me":null}}"#;
        self.send(Method::PUT, &session, AUTH_B, Some(leave), false)
            .await?;
        self.send(Method::PUT, &session, AUTH_A, Some(leave), false)
            .await?;
        self.send(Method::DELETE, &handle, AUTH_A, None, false)
            .await?;
        Ok(())
    }

    async fn send(
        &mut self,
        method: Method,
        path: &str,
        auth: &str,
        body: Option<&str>,
        if_none_match: bool,
    ) -> Result<(u16, Bytes), String> {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header("accept", "*/*")
            .header("user-agent", "floor")
            .header("host", &self.host)
            .header("x-xbl-contract-version", "107")
            .header("authorization", auth);
        if if_none_match {
            request = request.header("if-none-match", "*");
        }
        if body.is_some() {
            request = request.header("content-type", "application/json");
        }
        let body = Full::new(Bytes::copy_from_slice(body.unwrap_or("").as_bytes()));
        let request = request.body(body).map_err(|e| format!("request: {e}"))?;
        self.sender
            .ready()
            .await
            .map_err(|e| format!("connection: {e}"))?;
        let answer = self
            .sender
            .send_request(request)
            .await
            .map_err(|e| format!("exchange: {e}"))?;
        let status = answer.status().as_u16();
        let body = answer
            .into_body()
            .collect()
            .await
            .map_err(|e| format!("body: {e}"))?;
        Ok((status, body.to_bytes()))
    }
}

/// The floor judges nothing, but a run whose joins failed would measure something else.
fn expect(status: u16, wanted: u16, what: &str) -> Result<(), String> {
    if status == wanted {
        Ok(())
    } else {
        Err(format!("{what} was answered {status}, not {wanted}"))
    }
}

/// The `"id"` of a handle's answer, found as text: the floor parses nothing it need not.
fn handle_id(body: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(body).ok()?;
    let after = text.split_once("\"id\"")?.1;
    let start = after.find('"')? + 1;
    let rest = after.get(start..)?;
    rest.get(..rest.find('"')?)
}
