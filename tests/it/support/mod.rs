//! Shared helpers of the `reference_*` tests: a plain HTTP/1.1 client over a raw TCP socket (so
//! tests control every byte: duplicate headers, invalid UTF-8, oversized bodies) and a few
//! fixture steps. Included by the test files with `#[path]`; cargo also builds it as an empty
//! test target of its own.
#![allow(dead_code)]

use std::net::SocketAddr;

use mpsd_conformance::reference::{self, Config, RunningServer};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub const SCID: &str = "8f2a4c1e-0d7b-4e5a-9c3f-1b6d2e7a9f40";
pub const A: &str = "2533274790395904";
pub const B: &str = "2533274790395905";
pub const C: &str = "2533274790395906";

pub fn auth(xuid: &str) -> String {
    format!("XBL3.0 x={xuid};eyJ0b2tlbiI6InRlc3QifQ")
}

/// A response as plain data.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, Vec<u8>)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<String> {
        self.all(name).into_iter().next()
    }

    pub fn all(&self, name: &str) -> Vec<String> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
            .collect()
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.text()))
    }

    pub fn etag(&self) -> String {
        self.header("etag")
            .unwrap_or_else(|| panic!("no ETag on {} {}", self.status, self.text()))
    }

    pub fn media_type(&self) -> String {
        self.header("content-type")
            .unwrap_or_default()
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase()
    }

    /// SH4: a refusal is text/plain with a non-empty message.
    pub fn assert_refused(&self, status: u16) {
        assert_eq!(self.status, status, "body: {}", self.text());
        assert_eq!(self.media_type(), "text/plain", "status {status}");
        assert!(!self.text().trim().is_empty(), "empty message for {status}");
    }

    pub fn assert_json(&self, status: u16) -> Value {
        assert_eq!(self.status, status, "body: {}", self.text());
        assert_eq!(self.media_type(), "application/json");
        self.json()
    }
}

/// A request under construction; starts with caller A's identity and contract version 107.
#[derive(Clone, Debug)]
pub struct Req {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, Vec<u8>)>,
    pub body: Option<Vec<u8>>,
}

impl Req {
    pub fn new(method: &str, target: &str) -> Self {
        Self {
            method: method.to_owned(),
            target: target.to_owned(),
            headers: vec![
                ("Authorization".into(), auth(A).into_bytes()),
                ("X-Xbl-Contract-Version".into(), b"107".to_vec()),
            ],
            body: None,
        }
    }

    pub fn put(target: &str, body: Value) -> Self {
        Self::new("PUT", target).json(body)
    }

    pub fn get(target: &str) -> Self {
        Self::new("GET", target)
    }

    pub fn by(self, xuid: &str) -> Self {
        self.set("Authorization", auth(xuid).as_bytes())
    }

    /// Replaces every header of that name.
    pub fn set(self, name: &str, value: &[u8]) -> Self {
        self.without(name).add(name, value)
    }

    /// Adds one more header, keeping those of the same name.
    pub fn add(mut self, name: &str, value: &[u8]) -> Self {
        self.headers.push((name.to_owned(), value.to_vec()));
        self
    }

    pub fn without(mut self, name: &str) -> Self {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self
    }

    pub fn json(self, body: Value) -> Self {
        let bytes = serde_json::to_vec(&body).unwrap_or_default();
        self.set("Content-Type", b"application/json").body(bytes)
    }

    pub fn body(mut self, body: Vec<u8>) -> Self {
        self.body = Some(body);
        self
    }

    pub fn bytes(&self) -> Vec<u8> {
        let mut out = format!(
            "{} {} HTTP/1.1\r\nHost: 127.0.0.1\r\n",
            self.method, self.target
        )
        .into_bytes();
        for (name, value) in &self.headers {
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value);
            out.extend_from_slice(b"\r\n");
        }
        if let Some(body) = &self.body {
            out.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
        }
        out.extend_from_slice(b"Connection: close\r\n\r\n");
        if let Some(body) = &self.body {
            out.extend_from_slice(body);
        }
        out
    }
}

/// Sends raw bytes on a fresh connection and reads the reply to the end of the connection.
pub async fn raw(addr: SocketAddr, request: &[u8], head: bool) -> Reply {
    let mut stream = TcpStream::connect(addr)
        .await
        .expect("connect to the reference");
    stream.write_all(request).await.expect("send the request");
    let mut received = Vec::new();
    stream
        .read_to_end(&mut received)
        .await
        .expect("read the reply to its end");
    parse_reply(&received, head).unwrap_or_else(|| {
        panic!(
            "not an HTTP reply: {:?}",
            String::from_utf8_lossy(&received)
        )
    })
}

/// Reads one response (with a Content-Length) from a keep-alive connection.
pub async fn read_one(stream: &mut TcpStream) -> Reply {
    let mut data = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&data[..end]).to_ascii_lowercase();
            let len = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if data.len() >= end + 4 + len {
                return parse_reply(&data[..end + 4 + len], false).expect("an HTTP reply");
            }
        }
        let n = stream.read(&mut chunk).await.expect("read the reply");
        assert!(
            n > 0,
            "connection closed early: {:?}",
            String::from_utf8_lossy(&data)
        );
        data.extend_from_slice(&chunk[..n]);
    }
}

pub fn keep_alive(req: &Req) -> Vec<u8> {
    let text = req.bytes();
    let marker = b"Connection: close\r\n";
    let at = text
        .windows(marker.len())
        .position(|w| w == marker)
        .expect("the support client always closes");
    [&text[..at], &text[at + marker.len()..]].concat()
}

/// Parses one HTTP/1.1 response with a Content-Length (or none) from `data`.
pub fn parse_reply(data: &[u8], head: bool) -> Option<Reply> {
    let end = data.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head_text = String::from_utf8_lossy(&data[..end]).into_owned();
    let mut lines = head_text.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, Vec<u8>)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().as_bytes().to_vec()))
        .collect();
    let mut body = data[end + 4..].to_vec();
    if head {
        body.clear();
    } else if let Some(len) = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| String::from_utf8_lossy(v).parse::<usize>().ok())
    {
        body.truncate(len);
    }
    Some(Reply {
        status,
        headers,
        body,
    })
}

/// One reference server and the steps tests build their world with.
pub struct World {
    pub server: RunningServer,
}

impl World {
    pub async fn start() -> Self {
        Self::with(Config::default()).await
    }

    pub async fn with(config: Config) -> Self {
        let server = reference::start(config).await.expect("start the reference");
        Self { server }
    }

    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    pub async fn send(&self, req: Req) -> Reply {
        let head = req.method == "HEAD";
        raw(self.addr(), &req.bytes(), head).await
    }

    /// A fresh session name; tests never share one.
    pub fn name(&self) -> String {
        format!("test-{}", uuid::Uuid::new_v4())
    }

    /// An invite handle (the kind that returns a document) from A to B, to a session of `template`.
    pub async fn handle(&self, template: &str) -> String {
        self.handle_to(template, &self.name()).await
    }

    pub async fn handle_to(&self, template: &str, name: &str) -> String {
        let reply = self
            .send(Req::new("POST", "/handles").json(json!({
                "version": 1,
                "type": "invite",
                "sessionRef": {"scid": SCID, "templateName": template, "name": name},
                "invitedXuid": B,
            })))
            .await;
        let doc = reply.assert_json(201);
        doc["id"]
            .as_str()
            .unwrap_or_else(|| panic!("handle without id: {doc}"))
            .to_owned()
    }

    pub async fn put(&self, handle: &str, xuid: &str, body: Value) -> Reply {
        self.send(Req::put(&format!("/handles/{handle}/session"), body).by(xuid))
            .await
    }

    pub async fn get(&self, handle: &str) -> Reply {
        self.send(Req::get(&format!("/handles/{handle}/session")))
            .await
    }

    /// `xuid` joins (or updates itself in) the session behind `handle`.
    pub async fn join(&self, handle: &str, xuid: &str) -> Reply {
        self.put(
            handle,
            xuid,
            json!({"members": {"me": {
                "constants": {"system": {"xuid": xuid, "initialize": true}},
                "properties": {"system": {"active": true}}
            }}}),
        )
        .await
    }

    /// A handle to a session A has joined.
    pub async fn joined(&self, template: &str) -> String {
        let handle = self.handle(template).await;
        self.join(&handle, A).await.assert_json(201);
        handle
    }
}

pub fn session_path(handle: &str) -> String {
    format!("/handles/{handle}/session")
}
