//! mpsd-conformance: a contract-conformance harness for the Xbox Live MPSD "write session by
//! handle" API (`PUT /handles/{handleId}/session`), with an embedded reference server.
//!
//! Data flows one way: `case` (files → model) → `plan` (variants, fixtures, selection) → `run`
//! (orchestration, using `http` and `check`) → `report` (writers over outcomes). The `reference`
//! server shares no types with any of them.

pub mod case;
pub mod check;
pub mod cli;
pub mod exit;
pub mod http;
pub mod output;
pub mod plan;
pub mod reference;
pub mod report;
pub mod run;
