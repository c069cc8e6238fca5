//! The client side of the wire: one client per run (hyper's for plain HTTP without a proxy,
//! reqwest's otherwise), turning `exchange` data into requests
//! and answers back into `exchange` data. No reqwest or hyper type leaves this module.

mod client;
mod direct;
mod error;
mod pool;
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
