//! Writers over outcomes: report.json, JUnit, the console; redaction applies to all of them.

mod console;
mod junit;
mod model;
mod redact;
mod transcript;
mod write;

pub use console::Console;
pub use junit::junit;
pub use model::{build, Report, RunInfo, BODY_LIMIT, FORMAT};
pub use redact::{secret_header, Redactor, REDACTED};
pub use transcript::{explain, transcript};
pub use write::{prepare_dir, write_reports, WriteError};
