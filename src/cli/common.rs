//! What several commands share: loading the case set, refusing it with exit code 2; preparing
//! the target (`run`, `explore`); the first event of `--message-format json`.

use std::time::{Instant, SystemTime};

use crate::case::CaseSource;
use crate::errln;
use crate::exit::Exit;
use crate::http::ClientOptions;
use crate::plan::{load, PlanSet};
use crate::report::{EventStream, RunStarted};
use crate::run::{prepare, Environment, PrepareOptions, Prepared, Target};
use crate::verdict::Summary;

use super::config::Configured;
use super::run::redactor_before_run;
use super::{AccessArgs, CasesArgs, MessageFormatArg, SettingsArgs};

/// How a `run` or an `explore` starts.
pub(super) struct Started {
    /// `--message-format json`: stdout carries only the events, the human output goes to stderr.
    pub json_events: bool,
    /// When, as report.json records it (RFC 3339, UTC, seconds).
    pub started_at: String,
    /// What the run's duration is measured on.
    pub clock: Instant,
}

impl Started {
    /// Starts now, the human output moved to stderr for `--message-format json`.
    pub fn now(settings: &SettingsArgs) -> Started {
        let json_events = settings.message_format == MessageFormatArg::Json;
        if json_events {
            crate::output::human_output_to_stderr();
        }
        Started {
            json_events,
            started_at: humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
            clock: Instant::now(),
        }
    }
}

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

/// Prepares `target` with the flags' headers, secrets and client, and prints the warnings. A
/// failure (`None`: a usage error) is told redacted of what is known to be secret before the
/// run: the secrets, and the credentials in `--target` and `--proxy` (`url`, `proxy`).
pub(super) fn prepare_target(
    set: &PlanSet,
    env: &Environment,
    target: Target,
    (url, proxy): (&Option<String>, &Option<String>),
    access: &AccessArgs,
    client: ClientOptions,
) -> Option<Prepared> {
    let options = PrepareOptions {
        headers: access.header.clone(),
        secrets: access.secret.clone(),
        client,
        ..PrepareOptions::new(target)
    };
    let prepared = prepare(set, env, options)
        .inspect_err(|e| {
            let redactor = redactor_before_run(&access.secret, url, proxy, env);
            errln!("error: {}", redactor.text(&e.to_string()));
        })
        .ok()?;
    for warning in &prepared.warnings {
        errln!("warning: {warning}");
    }
    Some(prepared)
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
