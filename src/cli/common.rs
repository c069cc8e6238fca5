//! What several commands share: loading the case set, refusing it with exit code 2; the first
//! event of `--message-format json`.

use crate::case::CaseSource;
use crate::errln;
use crate::exit::Exit;
use crate::plan::{load, PlanSet};
use crate::report::{EventStream, RunStarted};
use crate::run::Prepared;
use crate::verdict::Summary;

use super::config::Configured;
use super::CasesArgs;

/// Loads and compiles the embedded catalog or `--cases DIR`; on failure prints every problem to
/// stderr.
pub fn load_cases(args: &CasesArgs) -> Result<PlanSet, Exit> {
    let source = match &args.cases {
        None => CaseSource::embedded(),
        Some(dir) => CaseSource::directory(dir).map_err(|e| {
            errln!("error: {e}");
            Exit::Usage
        })?,
    };
    load(&source, None).map_err(|e| {
        errln!("error: {e}");
        Exit::Usage
    })
}

/// `run-started`: what `run` and `explore` tell a program reading their events first.
pub fn run_started(
    command: &'static str,
    set: &PlanSet,
    selected: usize,
    target_label: &str,
    prepared: &Prepared,
    configured: &Configured,
) -> RunStarted {
    RunStarted {
        command,
        fingerprint: set.fingerprint.clone(),
        selected,
        cases: set.case_count(),
        target: target_label.to_string(),
        embedded: prepared.embedded,
        profile: configured.profile.as_ref().map(|p| p.name.clone()),
    }
}

/// `run-finished`, when the events are streamed; returns `exit`.
pub fn run_finished(
    stream: Option<EventStream>,
    summary: &Summary,
    exit: Exit,
    clock: std::time::Instant,
) -> Exit {
    if let Some(mut stream) = stream {
        stream.run_finished(summary, exit.code(), clock.elapsed().as_millis() as u64);
    }
    exit
}
