//! mpsd-conformance: a contract-conformance harness for the Xbox Live MPSD "write session by
//! handle" API (`PUT /handles/{handleId}/session`), with an embedded reference server.
//!
//! Data flows one way: `case` (files → model) → `plan` (compiled plans, selection) → `run`
//! (orchestration, sending through `http`, judging with `check`) → `report` (writers over
//! outcomes and events). `exchange` is the plain data of a request and its answer, which `http`
//! produces and `check`, `run` and `report` read. The `reference` server shares no types with any
//! of them, and the engine does not start it: the front ends (`cli`, the test harness) do.

#![forbid(unsafe_code)]
// A user's file or a target's answer must not be able to panic the harness: no unwrap, expect or
// unchecked index outside tests (which may unwrap).
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

pub mod case;
pub mod check;
pub mod cli;
pub mod exchange;
pub mod exit;
pub mod explore;
#[doc(hidden)]
pub mod fuzzing;
pub mod http;
pub mod mutants;
pub mod output;
pub mod plan;
pub mod reference;
pub mod report;
pub mod run;
pub mod text;
pub mod verdict;
