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

pub mod case;
pub mod check;
pub mod cli;
pub mod exchange;
pub mod explore;
pub mod http;
pub mod mutants;
pub mod output;
pub mod plan;
pub mod reference;
pub mod report;
pub mod run;
pub mod text;
pub mod verdict;

/// The exit codes live with the command line that ends the process; this path is kept for the
/// harness (`tests/conformance.rs`) and other callers.
pub use cli::exit;
