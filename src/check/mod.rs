//! Assertions over plain data: status sets, headers, JSON Schema shapes, JSON pointers,
//! invariants, diffs. It judges compiled expectations (`plan`) against exchange data
//! (`exchange`), and does no I/O.

mod diff;
mod expect;
mod failure;
mod global;
mod invariants;
mod members;
mod readback;
mod schemas;
mod setup;
mod shape;
mod tally;
mod unchanged;

pub use diff::{json_diff, text_diff};
pub use expect::{json_equal, judge, media_type};
pub use failure::Failure;
pub use global::{check_framing, check_global, GlobalVerdict};
pub use invariants::check as check_invariant;
pub use readback::{
    judge_handle_fields, judge_handle_gone, judge_same_document, judge_same_session, Answered,
};
pub use setup::{judge_set_up, SetUp, SetUpVerdict};
pub use shape::Shapes;
pub use tally::judge_tally;
pub use unchanged::{judge_unchanged, Recorded};
