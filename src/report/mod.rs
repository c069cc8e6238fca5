//! Reporters over finished cases: report.json, JUnit, Markdown, HTML and the console, fed by
//! the run's events; baselines; merging shards and comparing targets. Redaction applies to all.

mod baseline;
mod case_json;
mod compare;
mod compare_md;
mod console;
mod curl;
mod error;
mod event_stream;
mod html;
mod json;
mod junit;
mod markdown;
mod merge;
mod model;
mod output;
mod read;
mod sections;
mod set;
mod tally;
mod terminal;
mod transcript;
mod view;

pub use crate::exchange::{secret_header, Redactor, REDACTED};
pub use crate::verdict::Transcripts;
pub use baseline::{Baseline, BASELINE_FORMAT};
pub use compare::{comparison, write_comparison, Comparison};
pub use console::{Console, Verbosity};
pub use curl::curl_command;
pub use error::ReportError;
pub use event_stream::{EventStream, RunStarted, EVENTS_FORMAT};
pub use html::escape as html_escape;
pub use merge::{merge, Merged};
pub use model::{
    CaseReport, ExchangeReport, FailureReport, FileInfo, ProfileInfo, Report, RunInfo, SuiteInfo,
    BODY_LIMIT, FORMAT,
};
pub use output::{check_target, AtomicFile};
pub use read::{read_report, report_files, FRAGMENTS};
pub use set::{Format, ReportOptions, ReportSet, Reporter, Written};
pub use tally::Tally;
pub use transcript::{explain, explain_report, transcript};
