//! The client side of the wire: one reqwest client per run, turning `exchange` data into requests
//! and answers back into `exchange` data. No reqwest type leaves this module.

mod client;
mod error;
mod proxy;
mod rate;
mod retry;
mod tls;
mod urls;
mod wire;

pub use client::{
    ClientOptions, Head, HttpClient, DEFAULT_MAX_BODY, DEFAULT_TIMEOUT_SECS, USER_AGENT,
};
pub use error::ClientError;
pub use proxy::{ProxyChoice, ProxyRules};
pub use retry::{
    Attempt, Decision, Interrupts, Retried, RetryAfter, RetryEnd, RetryPolicy,
    DEFAULT_MAX_RETRY_WAIT_SECS, DEFAULT_RETRIES,
};
pub use tls::{ClientIdentity, TlsOptions};
