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
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TransportError {
    /// Nothing accepted the connection (refused, unreachable, DNS).
    Connect(String),
    /// No complete answer within the timeout.
    Timeout(Duration),
    /// The body was larger than `--max-body`.
    BodyTooLarge(u64),
    /// The answer was not HTTP, or the connection broke mid-answer.
    Protocol(String),
    /// The request could not even be built (an invalid header value, say).
    Request(String),
}

impl std::fmt::Display for TransportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TransportError::Connect(m) => write!(f, "could not connect: {m}"),
            TransportError::Timeout(d) => {
                write!(
                    f,
                    "no complete answer within {:.1}s (timeout)",
                    d.as_secs_f64()
                )
            }
            TransportError::BodyTooLarge(max) => {
                write!(f, "the response body exceeds --max-body ({max} bytes)")
            }
            TransportError::Protocol(m) => write!(f, "broken answer: {m}"),
            TransportError::Request(m) => write!(f, "could not build the request: {m}"),
        }
    }
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
