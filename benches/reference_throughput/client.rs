//! A minimal keep-alive HTTP/1.1 client, and the sessions every mode of the bench writes.

use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub const CONNECTIONS: usize = 64;
const SCID: &str = "8f2a4c1e-0d7b-4e5a-9c3f-1b6d2e7a9f40";
pub const XUID: &str = "2533274790395904";

/// One keep-alive connection; the reference always answers with a Content-Length.
pub struct Conn {
    stream: TcpStream,
    buffer: Vec<u8>,
}

impl Conn {
    pub async fn open(addr: SocketAddr) -> Result<Self, String> {
        let stream = TcpStream::connect(addr)
            .await
            .map_err(|e| format!("connect {addr}: {e}"))?;
        stream
            .set_nodelay(true)
            .map_err(|e| format!("nodelay: {e}"))?;
        Ok(Self {
            stream,
            buffer: Vec::with_capacity(16 * 1024),
        })
    }

    pub async fn exchange(
        &mut self,
        method: &str,
        path: &str,
        body: &str,
    ) -> Result<(u16, Vec<u8>), String> {
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: bench\r\nAuthorization: XBL3.0 x={XUID};bench\r\nX-Xbl-Contract-Version: 107\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        self.stream
            .write_all(request.as_bytes())
            .await
            .map_err(|e| format!("send: {e}"))?;
        let mut chunk = [0u8; 16 * 1024];
        loop {
            if let Some(end) = self.buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&self.buffer[..end]).to_ascii_lowercase();
                let status = head
                    .split(' ')
                    .nth(1)
                    .and_then(|s| s.parse().ok())
                    .ok_or("no status line")?;
                let len = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse::<usize>().ok())
                    .unwrap_or(0);
                if self.buffer.len() >= end + 4 + len {
                    let body = self.buffer[end + 4..end + 4 + len].to_vec();
                    self.buffer.drain(..end + 4 + len);
                    return Ok((status, body));
                }
            }
            let n = self
                .stream
                .read(&mut chunk)
                .await
                .map_err(|e| format!("read: {e}"))?;
            if n == 0 {
                return Err("the server closed the connection".into());
            }
            self.buffer.extend_from_slice(&chunk[..n]);
        }
    }

    /// The session's `changeNumber`: one more for every write that was stored.
    pub async fn change_number(&mut self, handle: &str) -> Result<u64, String> {
        let (status, body) = self.exchange("GET", &session_path(handle), "").await?;
        if status != 200 {
            return Err(format!("reading session {handle} answered {status}"));
        }
        let doc: serde_json::Value =
            serde_json::from_slice(&body).map_err(|e| format!("session document: {e}"))?;
        doc["changeNumber"]
            .as_u64()
            .ok_or_else(|| format!("session {handle} has no changeNumber"))
    }
}

pub fn session_path(handle: &str) -> String {
    format!("/handles/{handle}/session")
}

/// Creates one handle and session per connection; each session starts at changeNumber 1.
pub async fn prepare(addr: SocketAddr) -> Result<Vec<String>, String> {
    let mut conn = Conn::open(addr).await?;
    let mut handles = Vec::new();
    for i in 0..CONNECTIONS {
        let body = format!(
            r#"{{"version":1,"type":"invite","invitedXuid":"1","sessionRef":{{"scid":"{SCID}","templateName":"lobby","name":"bench-{i}-{}"}}}}"#,
            std::process::id()
        );
        let (status, reply) = conn.exchange("POST", "/handles", &body).await?;
        if status != 201 {
            return Err(format!("POST /handles answered {status}"));
        }
        let doc: serde_json::Value =
            serde_json::from_slice(&reply).map_err(|e| format!("handle document: {e}"))?;
        let id = doc["id"]
            .as_str()
            .ok_or("handle document without id")?
            .to_owned();
        let join = r#"{"members":{"me":{"properties":{"system":{"active":true}}}}}"#;
        let (status, _) = conn.exchange("PUT", &session_path(&id), join).await?;
        if status != 201 {
            return Err(format!("joining the session answered {status}"));
        }
        handles.push(id);
    }
    Ok(handles)
}

/// Writes stored since `prepare`, summed over `handles`.
pub async fn stored_writes(addr: SocketAddr, handles: &[String]) -> Result<u64, String> {
    let mut conn = Conn::open(addr).await?;
    let mut total = 0;
    for handle in handles {
        total += conn.change_number(handle).await? - 1;
    }
    Ok(total)
}
