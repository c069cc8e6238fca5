//! The client side of the wire: one reqwest client per run; exchanges as plain data.

mod client;
mod exchange;

pub use client::{ClientOptions, HttpClient, DEFAULT_MAX_BODY, DEFAULT_TIMEOUT_SECS, USER_AGENT};
pub use exchange::{Exchange, RequestData, ResponseData, TransportError};
