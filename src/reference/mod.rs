//! The embedded reference server: the contract of `CONTRACT.md`, running.
//!
//! It shares no types with the harness engine on purpose: if both read the contract through the
//! same code, checking one with the other would prove nothing.

mod body_rules;
mod config;
mod connection;
mod dispatch;
mod dispatch_rules;
mod errors;
mod faults;
mod faulty;
mod handle_id;
mod handles;
mod header_rules;
mod headers;
mod in_memory;
mod inflight;
mod limit_rules;
mod merge;
mod padding;
mod rate_limit;
mod render_rules;
mod request_body;
mod route;
mod server;
mod session;
mod store;
mod watchdog;
mod world;
mod write;
mod write_request;
mod write_rules;

pub use config::{Config, Timeouts};
pub use faults::{Fault, Faults};
#[doc(hidden)]
pub use in_memory::exchange;
pub use server::{app, serve, start, RunningServer};
