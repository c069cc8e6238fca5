//! Requests written byte for byte, for what an HTTP client library does not let a case say:
//! header names in the letter case written, a chunked body without Content-Length, `Expect:
//! 100-continue` with a wait for the interim answer, an HTTP/1.0 request line. One connection
//! per request (`Connection: close`), plain HTTP only: a framing case against an HTTPS or
//! proxied target is skipped before it is sent (see [`HttpClient::wire_unsupported`]).

use std::time::Duration;

use bytes::{Buf, Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::exchange::{RequestData, ResponseData, TransportError};

use super::client::{HttpClient, USER_AGENT};

/// How long a request with `Expect: 100-continue` waits for the interim answer before it sends
/// its body anyway (RFC 9110 §10.1.1 lets a client stop waiting).
const CONTINUE_WAIT: Duration = Duration::from_secs(1);
/// Bytes of a chunk of a small chunked request body: few, so that the body takes several.
const CHUNK: usize = 7;
/// Bytes of a chunk of a large one (over 4 KiB).
const LARGE_CHUNK: usize = 16 * 1024;

impl HttpClient {
    /// Why a request with this framing cannot be written to `url` by this run, or `None`.
    pub fn wire_unsupported(&self, url: &str) -> Option<String> {
        if !url.starts_with("http://") {
            return Some(
                "framing cases are written over plain HTTP only (the target is not http://)".into(),
            );
        }
        self.proxy_for(url).map(|proxy| {
            format!(
                "framing cases are written straight to the target, not through the proxy {proxy}"
            )
        })
    }

    /// Writes `request` as its framing says and reads the whole answer, within `timeout`, at most
    /// `max_body` bytes of body.
    pub(super) async fn send_wire(
        &self,
        request: &RequestData,
    ) -> Result<ResponseData, TransportError> {
        let options = self.options();
        let work = exchange(request, options.max_body);
        match tokio::time::timeout(options.timeout, work).await {
            Ok(result) => result,
            Err(_) => Err(TransportError::Timeout(options.timeout)),
        }
    }
}

async fn exchange(request: &RequestData, max_body: u64) -> Result<ResponseData, TransportError> {
    let url = reqwest::Url::parse(&request.url)
        .map_err(|e| TransportError::Request(format!("invalid URL `{}`: {e}", request.url)))?;
    let host = url
        .host_str()
        .ok_or_else(|| TransportError::Request(format!("no host in `{}`", request.url)))?;
    let port = url.port_or_known_default().unwrap_or(80);
    let mut stream = TcpStream::connect((host, port))
        .await
        .map_err(|e| TransportError::Connect(e.to_string()))?;
    let authority = match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_string(),
    };
    let target = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    };
    let framing = request.framing;
    let head = head(request, &authority, &target);
    let io = |e: std::io::Error| TransportError::Protocol(e.to_string());
    stream.write_all(&head).await.map_err(io)?;
    let mut reader = Reader::new(max_body);
    if framing.expect_continue {
        // The interim answer, a final one, or nothing within the wait: then the body goes.
        let early = tokio::time::timeout(CONTINUE_WAIT, reader.head(&mut stream)).await;
        match early {
            Ok(Ok(Head::Continue)) | Err(_) => {}
            Ok(Ok(Head::Final(status, headers))) => {
                return reader
                    .finish(&mut stream, &request.method, status, headers)
                    .await
            }
            Ok(Err(e)) => return Err(e),
        }
    }
    stream.write_all(&body(request)).await.map_err(io)?;
    loop {
        match reader.head(&mut stream).await? {
            Head::Continue => continue,
            Head::Final(status, headers) => {
                return reader
                    .finish(&mut stream, &request.method, status, headers)
                    .await
            }
        }
    }
}

/// The request line and headers, names as written.
fn head(request: &RequestData, authority: &str, target: &str) -> Vec<u8> {
    let framing = request.framing;
    let version = if framing.http10 {
        "HTTP/1.0"
    } else {
        "HTTP/1.1"
    };
    let mut out = format!("{} {target} {version}\r\n", request.method).into_bytes();
    let mut line = |name: &str, value: &[u8]| {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    };
    let has = |name: &str| {
        request
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
    };
    if !has("host") {
        line("Host", authority.as_bytes());
    }
    for (name, value) in &request.headers {
        line(name, value.as_bytes());
    }
    if !has("user-agent") {
        line("User-Agent", USER_AGENT.as_bytes());
    }
    let sends_body = !request.body.is_empty() || matches!(request.method.as_str(), "PUT" | "POST");
    if sends_body {
        if framing.chunked && !framing.http10 {
            line("Transfer-Encoding", b"chunked");
        } else {
            line("Content-Length", request.body.len().to_string().as_bytes());
        }
    }
    if framing.expect_continue && !has("expect") {
        line("Expect", b"100-continue");
    }
    line("Connection", b"close");
    out.extend_from_slice(b"\r\n");
    out
}

/// The body as framed: as is, or in chunks.
fn body(request: &RequestData) -> Vec<u8> {
    let framing = request.framing;
    if !framing.chunked || framing.http10 {
        return request.body.to_vec();
    }
    let size = if request.body.len() > 4096 {
        LARGE_CHUNK
    } else {
        CHUNK
    };
    let extension = if framing.chunk_extensions {
        ";mpsdc=1"
    } else {
        ""
    };
    let mut out = Vec::with_capacity(request.body.len() + request.body.len() / size * 16 + 8);
    for chunk in request.body.chunks(size) {
        out.extend_from_slice(format!("{:x}{extension}\r\n", chunk.len()).as_bytes());
        out.extend_from_slice(chunk);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}

enum Head {
    /// A 1xx interim answer (100 Continue), read and dropped.
    Continue,
    Final(u16, Vec<(String, String)>),
}

/// What was read off the connection and not yet used.
struct Reader {
    buffer: BytesMut,
    max_body: u64,
    /// The server closed the connection.
    eof: bool,
}

impl Reader {
    fn new(max_body: u64) -> Reader {
        Reader {
            buffer: BytesMut::with_capacity(8192),
            max_body,
            eof: false,
        }
    }

    /// Reads more; false at the end of the stream.
    async fn fill(&mut self, stream: &mut TcpStream) -> Result<bool, TransportError> {
        if self.eof {
            return Ok(false);
        }
        let n = stream
            .read_buf(&mut self.buffer)
            .await
            .map_err(|e| TransportError::Protocol(e.to_string()))?;
        self.eof = n == 0;
        Ok(n > 0)
    }

    /// The next answer's head.
    async fn head(&mut self, stream: &mut TcpStream) -> Result<Head, TransportError> {
        loop {
            let mut headers = [httparse::EMPTY_HEADER; 128];
            let mut parsed = httparse::Response::new(&mut headers);
            match parsed.parse(&self.buffer) {
                Ok(httparse::Status::Complete(len)) => {
                    let status = parsed.code.unwrap_or_default();
                    let headers = parsed
                        .headers
                        .iter()
                        .map(|h| {
                            let value = String::from_utf8_lossy(h.value).into_owned();
                            (h.name.to_string(), value)
                        })
                        .collect();
                    self.buffer.advance(len);
                    if (100..200).contains(&status) {
                        return Ok(Head::Continue);
                    }
                    return Ok(Head::Final(status, headers));
                }
                Ok(httparse::Status::Partial) => {
                    if self.buffer.len() > 64 * 1024 {
                        return Err(TransportError::Protocol(
                            "the answer's head is over 64 KiB".into(),
                        ));
                    }
                    if !self.fill(stream).await? {
                        return Err(TransportError::Protocol(
                            "the connection closed before a complete answer".into(),
                        ));
                    }
                }
                Err(e) => return Err(TransportError::Protocol(format!("not an HTTP answer: {e}"))),
            }
        }
    }

    /// The body of an answer whose head was read, framed as its headers say.
    async fn finish(
        &mut self,
        stream: &mut TcpStream,
        method: &str,
        status: u16,
        headers: Vec<(String, String)>,
    ) -> Result<ResponseData, TransportError> {
        let header = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        };
        let body = if method == "HEAD" || matches!(status, 204 | 304) {
            Bytes::new()
        } else if header("transfer-encoding")
            .is_some_and(|te| te.to_ascii_lowercase().contains("chunked"))
        {
            self.chunked(stream).await?
        } else if let Some(length) = header("content-length") {
            let length: u64 = length.trim().parse().map_err(|_| {
                TransportError::Protocol(format!("Content-Length `{length}` is not a number"))
            })?;
            if length > self.max_body {
                return Err(TransportError::BodyTooLarge(self.max_body));
            }
            self.exactly(stream, length as usize).await?
        } else {
            self.until_closed(stream).await?
        };
        Ok(ResponseData::new(status, headers, body))
    }

    async fn exactly(&mut self, stream: &mut TcpStream, n: usize) -> Result<Bytes, TransportError> {
        while self.buffer.len() < n {
            if !self.fill(stream).await? {
                return Err(TransportError::Protocol(
                    "the connection closed before the whole body".into(),
                ));
            }
        }
        Ok(self.buffer.split_to(n).freeze())
    }

    async fn until_closed(&mut self, stream: &mut TcpStream) -> Result<Bytes, TransportError> {
        while self.fill(stream).await? {
            if self.buffer.len() as u64 > self.max_body {
                return Err(TransportError::BodyTooLarge(self.max_body));
            }
        }
        Ok(self.buffer.split().freeze())
    }

    /// A line ending in CRLF, without it.
    async fn line(&mut self, stream: &mut TcpStream) -> Result<String, TransportError> {
        loop {
            if let Some(i) = self.buffer.windows(2).position(|w| w == b"\r\n") {
                let mut line = self.buffer.split_to(i + 2);
                line.truncate(i);
                return Ok(String::from_utf8_lossy(&line).into_owned());
            }
            if self.buffer.len() > 8192 {
                return Err(TransportError::Protocol(
                    "a chunk line is over 8 KiB".into(),
                ));
            }
            if !self.fill(stream).await? {
                return Err(TransportError::Protocol(
                    "the connection closed inside a chunked body".into(),
                ));
            }
        }
    }

    async fn chunked(&mut self, stream: &mut TcpStream) -> Result<Bytes, TransportError> {
        let mut body = BytesMut::new();
        loop {
            let line = self.line(stream).await?;
            let size = line.split(';').next().unwrap_or_default().trim();
            let size = u64::from_str_radix(size, 16).map_err(|_| {
                TransportError::Protocol(format!("chunk size `{size}` is not hexadecimal"))
            })?;
            if size == 0 {
                // Trailers, up to the empty line.
                while !self.line(stream).await?.is_empty() {}
                return Ok(body.freeze());
            }
            if body.len() as u64 + size > self.max_body {
                return Err(TransportError::BodyTooLarge(self.max_body));
            }
            let chunk = self.exactly(stream, size as usize).await?;
            body.extend_from_slice(&chunk);
            if !self.line(stream).await?.is_empty() {
                return Err(TransportError::Protocol(
                    "a chunk does not end in CRLF".into(),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::Framing;

    fn request(framing: Framing) -> RequestData {
        RequestData {
            method: "PUT".into(),
            url: "http://h:1/x".into(),
            headers: vec![("X-XBL-Contract-Version".into(), "107".into())],
            body: Bytes::from_static(b"{\"a\":\"0123456789\"}"),
            truncated: false,
            framing,
        }
    }

    #[test]
    fn names_keep_their_case_and_bodies_their_framing() {
        let plain = request(Framing::default());
        let text = String::from_utf8(head(&plain, "h:1", "/x")).expect("text");
        assert!(
            text.starts_with("PUT /x HTTP/1.1\r\nHost: h:1\r\nX-XBL-Contract-Version: 107\r\n"),
            "{text}"
        );
        assert!(text.contains("Content-Length: 18\r\n"), "{text}");
        let chunked = request(Framing {
            chunked: true,
            ..Framing::default()
        });
        let text = String::from_utf8(head(&chunked, "h:1", "/x")).expect("text");
        assert!(
            text.contains("Transfer-Encoding: chunked\r\n") && !text.contains("Content-Length")
        );
        let framed = String::from_utf8(body(&chunked)).expect("text");
        assert_eq!(
            framed,
            "7\r\n{\"a\":\"0\r\n7\r\n1234567\r\n4\r\n89\"}\r\n0\r\n\r\n"
        );
        let old = request(Framing {
            http10: true,
            ..Framing::default()
        });
        assert!(String::from_utf8(head(&old, "h:1", "/x"))
            .expect("text")
            .starts_with("PUT /x HTTP/1.0\r\n"));
    }
}
