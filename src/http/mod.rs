//! The client side of the wire: one reqwest client per run; exchanges as plain data.

mod client;
mod error;
mod exchange;
mod proxy;
mod rate;
mod retry;
mod tls;

pub use client::{ClientOptions, HttpClient, DEFAULT_MAX_BODY, DEFAULT_TIMEOUT_SECS, USER_AGENT};
pub use error::ClientError;
pub use exchange::{Exchange, RequestData, ResponseData, TransportError};
pub use proxy::{ProxyChoice, ProxyRules};
pub use retry::{
    Attempt, Decision, Interrupts, Retried, RetryAfter, RetryEnd, RetryPolicy,
    DEFAULT_MAX_RETRY_WAIT_SECS, DEFAULT_RETRIES,
};
pub use tls::{ClientIdentity, TlsOptions};
