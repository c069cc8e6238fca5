//! `mpsd-conformance explore`: seeded programs of operations by both callers, sessions and
//! handles, sequential and concurrent steps, judged by the global checks, the shapes and a model
//! of the contract; a failure is shrunk to a minimal program, told as a story, saved as a case
//! file, and kept to be replayed first next time.

pub mod db;
pub mod drive;
pub mod exec;
pub mod gen;
pub mod judge;
pub mod model;
pub mod program;
pub mod report;
pub mod rng;
pub mod save;
pub mod shrink;
pub mod story;
