//! The library entry for another crate's `cargo test`: load the catalog, start a run against a
//! server the caller started (or the embedded reference), and judge each case as a test trial.
//!
//! This is the same flow `tests/conformance.rs` runs for the harness itself — set up once, probe
//! the target, check that it holds the world the cases need (preflight), then run the selected
//! cases ahead of the trials through the engine `mpsd-conformance run` uses, with its retries,
//! teardown and reports — so a vendor's trials get the verdicts `run` would give.
//!
//! The test harness itself is the caller's: any runner that can make one test per case works
//! (libtest-mimic in the example below and in `examples/vendor_cargo_test.rs`).
//!
//! ```no_run
//! use mpsd_conformance::suite::{Judgement, StartOptions, Suite};
//!
//! // Your server, started by your test on a loopback port.
//! let url = "http://127.0.0.1:8080".to_string();
//! let suite = Suite::embedded()?;
//! let selected = suite.select(Some("write/"), false);
//! let run = suite.start(StartOptions::against(url), &selected)?;
//! for case in &selected {
//!     match run.judge(case) {
//!         Judgement::Passed => {}
//!         Judgement::Ignored(why) => println!("{}: ignored: {why}", case.id()),
//!         Judgement::Failed(why) => panic!("{}: {why}", case.id()),
//!     }
//! }
//! run.finish()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod catalog;
mod judgement;
mod start;

mod error;
mod reference;

pub use catalog::{Case, Suite};
pub use error::SuiteError;
pub use judgement::Judgement;
pub use reference::ReferenceServer;
pub use start::{StartOptions, SuiteRun};
