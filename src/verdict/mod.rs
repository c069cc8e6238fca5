//! What a run's outcomes mean: which failures gate (severity, `--fail-on`, the baseline), the one
//! verdict each case gets, and the counts every reporter shows. The engine (`run`) produces
//! outcomes; the reporters and the CLI read this policy, never the engine's internals.

mod policy;
mod row;
mod summary;

pub use policy::{gating_severity, BaselineEntry, Expected, FailOn, Judged, Transcripts, Verdict};
pub use row::CaseRow;
pub use summary::{Conclusion, Summary};
