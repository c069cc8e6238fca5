//! Set up once, probe, preflight, then run the selected cases ahead of the trials; each trial
//! takes its case's result. Reports are fed as trials take their results and written by
//! [`SuiteRun::finish`].

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Instant, SystemTime};

use crate::cli::EmbeddedServer;
use crate::errln;
use crate::plan::{CasePlan, PlanSet};
use crate::report::{Format, Redactor, ReportOptions, ReportSet, RunInfo, SuiteInfo, Transcripts};
use crate::run::{
    not_run, prepare, run_case, run_cases, target_ready, url_userinfo, CaseResult, ConcurrencyMode,
    Environment, Event, EventSink, Outcome, PrepareOptions, Prepared, RunnerOptions, Target,
};
use crate::verdict::FailOn;

use super::{Case, Judgement, Suite, SuiteError};

/// How a run is set up.
pub struct StartOptions {
    /// The server under test; `None` starts the embedded reference on a free loopback port.
    pub target: Option<String>,
    /// The callers, their xuids and the world (CONTRACT.md §7), from the `CONFORMANCE_*`
    /// variables; `target` wins over CONFORMANCE_TARGET.
    environment: Environment,
    /// Cases in flight: `None` learns it from the target as `run` does (from 8, backing off on
    /// throttling, errors and rising latency); `Some(n)` fixes it (`run --jobs n`).
    pub jobs: Option<usize>,
    /// Where to write the reports (all four formats); none by default.
    pub report_dir: Option<PathBuf>,
    /// With `report_dir`: only report.json, as `fragments/NAME` (a runner that starts a process
    /// per test writes one fragment each; `mpsd-conformance report merge` joins them).
    pub fragment: Option<String>,
    /// What report.json's `options.via` says started the run.
    pub via: String,
}

impl StartOptions {
    /// As `cargo test` of this crate: the `CONFORMANCE_*` variables (DESIGN.md "Environment"),
    /// `CONFORMANCE_REPORT_DIR` included; without `CONFORMANCE_TARGET`, the embedded reference.
    pub fn from_environment() -> StartOptions {
        let environment = Environment::from_process();
        StartOptions {
            target: environment.target.clone(),
            environment,
            jobs: None,
            report_dir: std::env::var_os("CONFORMANCE_REPORT_DIR")
                .filter(|d| !d.is_empty())
                .map(PathBuf::from),
            fragment: None,
            via: "cargo test".to_owned(),
        }
    }

    /// Against the server at `url` (one the caller's test started), with the rest from the
    /// environment as [`StartOptions::from_environment`] reads it.
    pub fn against(url: impl Into<String>) -> StartOptions {
        StartOptions {
            target: Some(url.into()),
            ..StartOptions::from_environment()
        }
    }
}

/// A started run: judge each selected case, then [`finish`](SuiteRun::finish).
pub struct SuiteRun {
    set: Arc<PlanSet>,
    prepared: Prepared,
    runtime: tokio::runtime::Runtime,
    redactor: Redactor,
    untestable: Option<String>,
    reports: Mutex<Option<ReportSet>>,
    ahead: HashMap<String, Mutex<mpsc::Receiver<CaseResult>>>,
    via: String,
    started_at: String,
    clock: Instant,
}

impl Suite {
    /// Sets the run up and starts the `selected` cases: the target is probed and preflighted
    /// first; when it cannot be tested, every selected case is recorded as an error with the
    /// reason ([`SuiteRun::untestable`]).
    pub fn start(&self, options: StartOptions, selected: &[Case]) -> Result<SuiteRun, SuiteError> {
        let selected: Vec<Arc<CasePlan>> = selected.iter().map(|c| Arc::clone(&c.0)).collect();
        let selected = &selected[..];
        let started_at = humantime::format_rfc3339_seconds(SystemTime::now()).to_string();
        let clock = Instant::now();
        let mut env = options.environment;
        env.target.clone_from(&options.target);
        // Until the run is prepared, only the environment's secrets are known.
        let mut secrets = env.secrets();
        if let Some(userinfo) = env.target.as_deref().and_then(url_userinfo) {
            secrets.push(userinfo);
        }
        let early = Redactor::new(secrets);
        let setup = |e: String| SuiteError::Setup(early.text(&e));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| setup(format!("failed to start the runtime: {e}")))?;
        let target = match &env.target {
            Some(url) => Target::Url(url.clone()),
            None => Target::Started(Box::new(EmbeddedServer::start().map_err(|e| {
                setup(format!(
                    "failed to start the embedded reference server: {e}"
                ))
            })?)),
        };
        let prepared = prepare(&self.set, &env, PrepareOptions::new(target))
            .map_err(|e| setup(e.to_string()))?;
        for warning in &prepared.warnings {
            errln!("warning: {warning}");
        }
        let redactor = prepared.ctx.redactor.clone();
        // Every report path is checked before anything is sent.
        let reports = match options.report_dir {
            Some(dir) => Some(
                ReportSet::create(
                    ReportOptions {
                        coverage: self.set.coverage.clone().into(),
                        ..report_options(dir, options.fragment)
                    },
                    redactor.clone(),
                    Default::default(),
                )
                .map_err(|e| SuiteError::Setup(redactor.text(&e.to_string())))?,
            ),
            None => None,
        };
        let mut run = SuiteRun {
            set: Arc::clone(&self.set),
            prepared,
            runtime,
            redactor,
            untestable: None,
            reports: Mutex::new(reports),
            ahead: HashMap::new(),
            via: options.via,
            started_at,
            clock,
        };
        run.untestable = run.check_target(selected);
        match &run.untestable {
            Some(why) => {
                for case in selected {
                    run.record(&not_run(case, Outcome::Error, why));
                }
            }
            None => run.run_ahead(
                selected,
                match options.jobs {
                    Some(n) => ConcurrencyMode::Fixed(n.max(1)),
                    None => ConcurrencyMode::default(),
                },
            ),
        }
        Ok(run)
    }
}

impl SuiteRun {
    /// Why the target cannot be tested (unreachable, or missing the world the cases need),
    /// redacted; every trial fails with it.
    pub fn untestable(&self) -> Option<&str> {
        self.untestable.as_deref()
    }

    /// Waits for the case's result (run ahead, or now when it was not selected at start) and
    /// hands it to the reports.
    pub fn judge(&self, case: &Case) -> Judgement {
        let case = &*case.0;
        if let Some(why) = &self.untestable {
            return Judgement::Failed(why.clone());
        }
        let result = self.result_of(case);
        self.record(&result);
        Judgement::of(&result, &self.redactor)
    }

    /// Writes the report files, when there are any (once; later calls do nothing).
    pub fn finish(&self) -> Result<(), SuiteError> {
        let Some(reports) = self.reports.lock().ok().and_then(|mut r| r.take()) else {
            return Ok(());
        };
        let set = &self.set;
        let mut info = RunInfo::new(
            self.redactor.text(&self.prepared.target_label),
            self.prepared.embedded,
            SuiteInfo::new(set.case_count(), &set.fingerprint, &set.files),
            serde_json::json!({ "via": self.via }),
            self.started_at.clone(),
        );
        info.harness.detection_score = crate::mutants::detection_score(&set.fingerprint);
        info.duration_ms = u64::try_from(self.clock.elapsed().as_millis()).unwrap_or(u64::MAX);
        let written = reports.finish(info);
        match written.errors.first() {
            None => Ok(()),
            Some(_) => Err(SuiteError::Reports(
                written
                    .errors
                    .iter()
                    .map(|e| self.redactor.text(&e.to_string()))
                    .collect::<Vec<_>>()
                    .join("\n"),
            )),
        }
    }

    /// The probe, then the preflight of the selected cases' world (as `run` does them).
    fn check_target(&self, selected: &[Arc<CasePlan>]) -> Option<String> {
        if selected.is_empty() {
            return None;
        }
        let ctx = &self.prepared.ctx;
        let label = &self.prepared.target_label;
        // No Ctrl-C of its own: the test runner's process ends with it.
        let ready = target_ready(ctx, selected, label, std::future::pending::<()>());
        let not_ready = self.runtime.block_on(ready).err()?;
        Some(self.redactor.text(&not_ready.why))
    }

    /// Starts the selected cases on the run's runtime through the same runner as
    /// `mpsd-conformance run`: against a distant target the trials then cost what `run` does,
    /// not a round trip per case on each of the test runner's threads.
    fn run_ahead(&mut self, selected: &[Arc<CasePlan>], concurrency: ConcurrencyMode) {
        let mut senders = HashMap::new();
        for case in selected {
            let (tx, rx) = mpsc::channel();
            senders.insert(case.id.clone(), tx);
            self.ahead.insert(case.id.clone(), Mutex::new(rx));
        }
        // As `run` does: the open files raised toward the ceiling, the ceiling fitted to them.
        let fitted = crate::run::fit_open_files(concurrency, self.prepared.embedded);
        if let Some(note) = &fitted.note {
            errln!("{note}");
        }
        let options = RunnerOptions {
            concurrency: fitted.mode,
            fail_fast: false,
            fail_on: FailOn::Should,
            baseline: Default::default(),
            // What the trials and the reports need: the exchanges of the cases that did not pass.
            transcripts: Transcripts::Failures,
        };
        let ctx = Arc::clone(&self.prepared.ctx);
        let cases = selected.to_vec();
        self.runtime.spawn(async move {
            let mut sink = ToTrials(senders);
            run_cases(ctx, cases, &options, &mut sink).await;
        });
    }

    fn result_of(&self, case: &CasePlan) -> CaseResult {
        let ahead = self
            .ahead
            .get(&case.id)
            .and_then(|rx| rx.lock().ok().and_then(|rx| rx.recv().ok()));
        match ahead {
            Some(result) => result,
            None => {
                let ctx = Arc::clone(&self.prepared.ctx);
                self.runtime.block_on(run_case(&ctx, case))
            }
        }
    }

    fn record(&self, result: &CaseResult) {
        if let Ok(mut reports) = self.reports.lock() {
            if let Some(reports) = reports.as_mut() {
                reports.result(result);
            }
        }
    }
}

/// Hands each finished case to the trial waiting for it.
struct ToTrials(HashMap<String, mpsc::Sender<CaseResult>>);

impl EventSink for ToTrials {
    fn event(&mut self, event: &Event) {
        if let Event::CaseFinished { result } = event {
            if let Some(tx) = self.0.remove(&result.case.id) {
                let _ = tx.send((**result).clone());
            }
        }
    }
}

/// All formats in the directory, or a fragment's report.json in `fragments/`.
fn report_options(dir: PathBuf, fragment: Option<String>) -> ReportOptions {
    let (dir, formats) = match &fragment {
        Some(_) => (dir.join("fragments"), vec![Format::Json]),
        None => (dir, Format::ALL.to_vec()),
    };
    ReportOptions {
        dir,
        formats,
        fragment_name: fragment,
        transcripts: Transcripts::Failures,
        fail_on: FailOn::Should,
        write_baseline: None,
        step_summary: None,
        coverage: Default::default(),
    }
}
