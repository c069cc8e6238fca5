//! One request and its answer, as plain data: what checks read and reports write. No reqwest
//! types leave the `http` module.

use std::time::Duration;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct RequestData {
    pub method: String,
    pub url: String,
    /// In the order sent; a header sent twice appears twice.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ResponseData {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// Why no response could be judged.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// Nothing accepted the connection (refused, unreachable, DNS).
    #[error("could not connect: {0}")]
    Connect(String),
    /// The proxy that carries requests to the target did not accept the connection or the tunnel.
    #[error("could not connect to the proxy {proxy}: {message}")]
    ProxyConnect { proxy: String, message: String },
    /// The TLS handshake failed; the message says why in words (an untrusted CA, a name mismatch…).
    #[error("TLS handshake failed: {0}")]
    Tls(String),
    /// No complete answer within the timeout.
    #[error("no complete answer within {:.1}s (timeout)", .0.as_secs_f64())]
    Timeout(Duration),
    /// The body was larger than `--max-body`.
    #[error("the response body exceeds --max-body ({0} bytes)")]
    BodyTooLarge(u64),
    /// The answer was not HTTP, or the connection broke mid-answer.
    #[error("broken answer: {0}")]
    Protocol(String),
    /// The request could not even be built (an invalid header value, say).
    #[error("could not build the request: {0}")]
    Request(String),
}

#[derive(Clone, Debug)]
pub struct Exchange {
    /// The step's label.
    pub step: String,
    pub request: RequestData,
    pub response: Option<ResponseData>,
    pub error: Option<TransportError>,
    pub duration: Duration,
}

impl ResponseData {
    /// The first value of a header, by name, case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a header, in order.
    pub fn header_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON, if it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}
