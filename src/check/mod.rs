//! Assertions over plain data: status sets, headers, JSON Schema shapes, JSON pointers,
//! invariants, diffs. It judges compiled expectations (`plan`) against exchange data
//! (`exchange`), and does no I/O.

mod body;
mod diff;
mod failure;
mod global;
mod header;
mod invariants;
mod json;
mod judge;
mod members;
mod pattern;
mod readback;
mod schemas;
mod setup;
mod shape;
mod tally;
#[cfg(test)]
mod testing;
mod unchanged;

pub use diff::{json_diff, text_diff};
pub use failure::Failure;
pub use global::{check_framing, check_global, GlobalVerdict};
pub use header::media_type;
pub use invariants::check as check_invariant;
pub use json::json_equal;
pub use judge::judge;
pub use readback::{
    judge_handle_fields, judge_handle_gone, judge_same_document, judge_same_session, Answered,
};
pub use setup::{judge_set_up, SetUp, SetUpVerdict};
pub use shape::{schema_failure, Shapes};
pub use tally::judge_tally;
pub use unchanged::{judge_unchanged, Recorded};
