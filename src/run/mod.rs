//! Orchestration: the run's context, bounded concurrency, one case's steps and teardown,
//! outcomes and exit codes, events for reporters. It executes the plans `plan` compiled, sends
//! through `http`, judges with `check`.

mod answer;
mod burst;
mod case;
mod concurrency;
mod context;
mod error;
mod events;
mod follow;
mod headers;
mod held;
mod interrupt;
mod limiter;
mod open_files;
mod outcome;
mod parses;
mod preflight;
mod prepare;
mod probe;
mod reads;
mod ready;
mod request;
mod retrying;
mod runner;
mod setup;
mod teardown;
mod together;
mod vars;

pub use case::run_case;
pub use concurrency::{
    Concurrency, ConcurrencyInfo, ConcurrencyMode, DEFAULT_JOBS, DEFAULT_MAX_JOBS,
};
pub use context::{Identity, RunContext};
pub use error::{PrepareError, SetupError};
pub use events::{Event, EventSink, NoEvents};
pub use headers::DefaultHeaders;
pub use interrupt::{Interrupt, TEARDOWN_GRACE};
pub use open_files::{fit as fit_open_files, requests_in_flight, Fitted};
pub use outcome::{CaseResult, Outcome};
pub use preflight::{preflight, PreflightError};
pub use prepare::{prepare, PrepareOptions, Prepared, StartedTarget, Target};
pub use probe::probe;
pub use ready::{target_ready, NotReady};
pub use request::padded_body;
pub use retrying::{send_retrying, step_of};
pub use runner::{not_run, run_cases, RunnerOptions};
pub use setup::{url_userinfo, Environment};
pub use vars::{CaseVars, RunVars};
