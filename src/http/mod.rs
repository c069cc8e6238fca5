//! The client side of the wire: one reqwest client per run; exchanges as plain data.

mod client;
mod exchange;

pub use client::{ClientOptions, HttpClient, USER_AGENT};
pub use exchange::{Exchange, RequestData, ResponseData, TransportError};
