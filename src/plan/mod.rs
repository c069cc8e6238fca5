//! From a loaded case set to the concrete cases of a run: variants expanded, fixtures inlined,
//! the selection applied.

mod coverage;
mod instance;
mod select;

pub use coverage::{coverage, ungated, RuleCoverage};
pub use instance::{expand, CaseInstance};
pub use select::{fnv1a64, Partition, Selection};
