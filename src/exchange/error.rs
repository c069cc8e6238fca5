//! Why no response could be judged.

use std::time::Duration;

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
