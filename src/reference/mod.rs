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

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// The contract logic reads switches and never asks which fault is planted: only the
    /// catalog and the modules that resolve it into switches (`*_rules`) name a fault; the
    /// layers around the handler (`faulty/`) are where the others live.
    #[test]
    fn only_the_catalog_and_the_rules_name_a_fault() {
        // Spelt in two pieces so that this test does not find itself.
        let needle = concat!("Fault", "::");
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/reference");
        let entries = std::fs::read_dir(&dir).expect("src/reference is readable");
        let mut named = Vec::new();
        for path in entries.flatten().map(|e| e.path()) {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if !name.ends_with(".rs") || name == "faults.rs" || name.ends_with("_rules.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("a source file is readable");
            for (i, line) in text.lines().enumerate() {
                if line.contains(needle) {
                    named.push(format!("{name}:{}: {}", i + 1, line.trim()));
                }
            }
        }
        assert!(
            named.is_empty(),
            "contract logic asks which fault is planted (make it a switch in a `*_rules` module, or a rewrite in `faulty/`):\n{}",
            named.join("\n")
        );
    }
}
