//! Orchestration: the run's context, bounded concurrency, one case's steps and teardown,
//! outcomes and exit codes, events for reporters.

mod burst;
mod case;
mod context;
mod embedded;
mod error;
mod events;
mod outcome;
mod preflight;
mod prepare;
mod probe;
mod request;
mod retrying;
mod runner;
mod setup;
mod teardown;
mod vars;

pub use case::run_case;
pub use context::{Identity, RunContext};
pub use embedded::EmbeddedServer;
pub use error::{PrepareError, SetupError};
pub use events::{Event, EventSink, NoEvents};
pub use outcome::{exit_code, CaseResult, FailOn, Outcome, Summary, Verdict};
pub use preflight::{preflight, PreflightError};
pub use prepare::{prepare, PrepareOptions, Prepared};
pub use probe::probe;
pub use request::padded_body;
pub use retrying::step_of;
pub use runner::{not_run, run_cases, RunnerOptions};
pub use setup::{url_userinfo, Environment};
pub use vars::{RunVars, VarsError};
