//! mpsd-conformance: a contract-conformance harness for the Xbox Live MPSD "write session by
//! handle" API (`PUT /handles/{handleId}/session`), with an embedded reference server.
//!
//! Data flows one way: `case` (files → model) → `plan` (compiled plans, selection) → `run`
//! (orchestration, sending through `http`, judging with `check`) → `report` (writers over
//! outcomes and events). `exchange` is the plain data of a request and its answer, which `http`
//! produces and `check`, `run` and `report` read. The `reference` server shares no types with any
//! of them, and the engine does not start it: the front ends (`cli`, the test harness) do.
//! `verdict` is what outcomes mean (gating, counts), read by `report` and `cli`; the process exit
//! code is `cli`'s (`cli::exit`).
//!
//! **The library entry** for another crate's tests is [`suite`]: load the catalog, start a run
//! against your server, judge each case as a test trial (see `examples/vendor_cargo_test.rs`).
//! The other modules are public for this package's binary and its own tests, not as an API:
//! they are hidden from these docs and may change in any release.

#![warn(missing_docs)]
#![forbid(unsafe_code)]
// A user's file or a target's answer must not be able to panic the harness: no unwrap, expect or
// unchecked index outside tests (which may unwrap).
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

pub mod suite;

#[doc(hidden)]
pub mod case;
#[doc(hidden)]
pub mod check;
#[doc(hidden)]
pub mod cli;
#[doc(hidden)]
pub mod exchange;
#[doc(hidden)]
pub mod explore;
#[doc(hidden)]
pub mod fuzzing;
#[doc(hidden)]
pub mod http;
#[doc(hidden)]
pub mod mutants;
#[doc(hidden)]
pub mod output;
#[doc(hidden)]
pub mod plan;
#[doc(hidden)]
pub mod reference;
#[doc(hidden)]
pub mod report;
#[doc(hidden)]
pub mod run;
#[doc(hidden)]
pub mod text;
#[doc(hidden)]
pub mod verdict;

/// The exit codes live with the command line that ends the process; this path is kept for the
/// harness (`tests/conformance.rs`) and other callers.
#[doc(hidden)]
pub use cli::exit;
