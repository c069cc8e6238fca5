//! `cargo test`: one libtest trial per case, named by its id.
//!
//! Without CONFORMANCE_TARGET the embedded reference server is started once per process; with
//! it, the cases run against that URL (and the other CONFORMANCE_* variables). `may` cases never
//! gate, so they are marked ignored: `cargo test -- --include-ignored` runs them too. With
//! CONFORMANCE_REPORT_DIR, the reports are written there as trials finish; under nextest, whose
//! every test is a process of its own, each process writes its case's report.json to
//! `fragments/` there instead, and `mpsd-conformance report merge DIR` joins them.
//!
//! It behaves like libtest where cargo relies on it: `cargo test NAME` and `--exact NAME` pass
//! NAME to every test binary, so a name that is no case here selects nothing and passes (exit 0).
//! A case file's id with `--exact` selects its variants. A set-up error (a caller's AUTH without
//! its XUID, a target that is not a URL, a report path in the way) concerns every trial: it is
//! told once, exit 2. A target that cannot be tested (unreachable, or missing the world the
//! preflight looks for) likewise, exit 3, as `mpsd-conformance run` does.

use std::collections::{BTreeSet, HashMap};
use std::process::ExitCode;
use std::sync::{mpsc, Arc, Mutex, OnceLock};
use std::time::{Instant, SystemTime};

use libtest_mimic::{Arguments, Completion, Failed, Trial};
use mpsd_conformance::case::{CaseSource, Severity};
use mpsd_conformance::cli::EmbeddedServer;
use mpsd_conformance::errln;
use mpsd_conformance::exit::Exit;
use mpsd_conformance::plan::{fnv1a64, load, CasePlan, PlanSet, Selection};
use mpsd_conformance::report::{
    explain, Format, Redactor, ReportOptions, ReportSet, RunInfo, SuiteInfo, Transcripts,
};
use mpsd_conformance::run::{
    not_run, preflight, prepare, probe, run_case, run_cases, url_userinfo, CaseResult,
    ConcurrencyMode, Environment, Event, EventSink, Outcome, PrepareOptions, Prepared,
    RunnerOptions, Target,
};
use mpsd_conformance::verdict::FailOn;

/// The target and runtime, started once before the first trial (never by `--list`).
struct Shared {
    prepared: Prepared,
    runtime: tokio::runtime::Runtime,
    redactor: Redactor,
    /// Why nothing can be judged (an unreachable target), if so.
    unreachable: Option<String>,
}

/// The shared state, or why it could not be set up (redacted).
static SHARED: OnceLock<Result<Shared, String>> = OnceLock::new();
/// With CONFORMANCE_REPORT_DIR: the report files, fed as trials finish.
static REPORTS: Mutex<Option<ReportSet>> = Mutex::new(None);
/// Where the reports go, set before any trial runs.
static REPORT_TO: OnceLock<Option<ReportOptions>> = OnceLock::new();
/// The results of the selected cases, run ahead of the trials (see `run_ahead`): each trial
/// takes its own.
static AHEAD: OnceLock<HashMap<String, Mutex<mpsc::Receiver<CaseResult>>>> = OnceLock::new();

fn main() -> ExitCode {
    let started_at = humantime::format_rfc3339_seconds(SystemTime::now()).to_string();
    let clock = Instant::now();
    let mut args = Arguments::from_args();
    let source = CaseSource::embedded();
    // Under nextest (`--exact NAME`), parse only the one case file.
    let only: Option<BTreeSet<String>> = match (&args.filter, args.exact) {
        (Some(id), true) => {
            let base = id.split("::").next().unwrap_or(id);
            Some(BTreeSet::from([format!("{base}.json")]))
        }
        _ => None,
    };
    let set = match load(&source, only.as_ref()) {
        Ok(set) => Arc::new(set),
        Err(e) => {
            errln!("error: {e}");
            return Exit::Usage.into();
        }
    };
    // Under nextest each process runs one case: its report is a fragment named after it.
    let fragment = match (&args.filter, args.exact, std::env::var_os("NEXTEST")) {
        (Some(id), true, Some(_)) => Some(format!("{:016x}.json", fnv1a64(id.as_bytes()))),
        _ => None,
    };
    let _ = REPORT_TO.set(
        std::env::var_os("CONFORMANCE_REPORT_DIR")
            .filter(|d| !d.is_empty() && !args.list)
            .map(|dir| ReportOptions {
                coverage: set.coverage.clone().into(),
                ..report_options(dir.into(), fragment)
            }),
    );
    let mut cases = set.cases.clone();
    if let (Some(filter), true) = (&args.filter, args.exact) {
        // libtest's --exact compares whole names, which would drop a file id's variants.
        let selection = Selection {
            filters: vec![filter.clone()],
            exact: true,
            partition: None,
        };
        cases.retain(|c| selection.matches(&c.id));
        args.filter = None;
    }
    let mut selected = Vec::new();
    let mut trials = Vec::new();
    for case in cases {
        let ignored = case.severity == Severity::May;
        let trial = {
            let set = Arc::clone(&set);
            let case = Arc::clone(&case);
            Trial::ignorable_test(case.id.clone(), move || run_trial(&set, &case))
                .with_ignored_flag(ignored)
        };
        if !args.is_filtered_out(&trial) && !args.is_ignored(&trial) {
            selected.push(case);
        }
        trials.push(trial);
    }

    if !args.list && !selected.is_empty() {
        // Set up once, before any trial: a problem here concerns them all, so it is told once.
        match shared(&set) {
            Err(why) => {
                errln!("error: {why}");
                return Exit::Usage.into();
            }
            Ok(shared) => {
                if let Some(why) = &shared.unreachable {
                    errln!("error: {why}");
                    for case in &selected {
                        record(&not_run(case, Outcome::Error, why));
                    }
                    return match finish_reports(&set, shared, started_at, clock) {
                        Ok(()) => Exit::Errored.into(),
                        Err(exit) => exit.into(),
                    };
                }
                let ctx = &shared.prepared.ctx;
                if let Err(e) = shared.runtime.block_on(preflight(ctx, &selected)) {
                    let why = shared.redactor.text(&format!(
                        "target {} cannot be tested: {e}",
                        shared.prepared.target_label
                    ));
                    errln!("error: {why}");
                    for case in &selected {
                        record(&not_run(case, Outcome::Error, &why));
                    }
                    return match finish_reports(&set, shared, started_at, clock) {
                        Ok(()) => Exit::Errored.into(),
                        Err(exit) => exit.into(),
                    };
                }
                run_ahead(shared, &selected, in_flight(&args));
            }
        }
    }
    let conclusion = libtest_mimic::run(&args, trials);

    if let Some(Ok(shared)) = SHARED.get() {
        if let Err(exit) = finish_reports(&set, shared, started_at, clock) {
            return exit.into();
        }
    }
    conclusion.exit_code()
}

/// How many cases are in flight: `--test-threads N` (or RUST_TEST_THREADS) fixes it when the
/// user gives it, else it is learnt from the target as `run` does. libtest's own default, the
/// number of cores, suits trials that compute; these wait on the network.
fn in_flight(args: &Arguments) -> ConcurrencyMode {
    let fixed = args.test_threads.or_else(|| {
        std::env::var("RUST_TEST_THREADS")
            .ok()
            .and_then(|n| n.parse().ok())
    });
    match fixed {
        Some(n) => ConcurrencyMode::Fixed(n.max(1)),
        None => ConcurrencyMode::default(),
    }
}

/// Starts the selected cases on the shared runtime, as many at a time as `concurrency` says, in the order libtest runs
/// the trials, through the same runner as `mpsd-conformance run`: against a distant target the
/// trials then cost what `run` does, not a round trip per case on each of libtest's threads.
/// Each trial waits for its case's result; libtest's output, filters and counts are its own.
fn run_ahead(shared: &Shared, selected: &[Arc<CasePlan>], concurrency: ConcurrencyMode) {
    let mut senders = HashMap::new();
    let mut receivers = HashMap::new();
    for case in selected {
        let (tx, rx) = mpsc::channel();
        senders.insert(case.id.clone(), tx);
        receivers.insert(case.id.clone(), Mutex::new(rx));
    }
    if AHEAD.set(receivers).is_err() {
        return;
    }
    struct ToTrials(HashMap<String, mpsc::Sender<CaseResult>>);
    impl EventSink for ToTrials {
        fn event(&mut self, event: &Event) {
            if let Event::CaseFinished { result } = event {
                if let Some(tx) = self.0.remove(&result.id) {
                    let _ = tx.send((**result).clone());
                }
            }
        }
    }
    let ctx = Arc::clone(&shared.prepared.ctx);
    let cases = selected.to_vec();
    let options = RunnerOptions {
        concurrency,
        fail_fast: false,
        fail_on: FailOn::Should,
        baseline: Default::default(),
        // What the trials and the reports need: the exchanges of the cases that did not pass.
        transcripts: Transcripts::Failures,
    };
    shared.runtime.spawn(async move {
        let mut sink = ToTrials(senders);
        run_cases(ctx, cases, &options, &mut sink).await;
    });
}

/// The case's result, run ahead; or run now when it was not (a trial outside the selection).
fn result_of(shared: &Shared, case: &CasePlan) -> CaseResult {
    let ahead = AHEAD
        .get()
        .and_then(|all| all.get(&case.id))
        .and_then(|rx| rx.lock().ok().and_then(|rx| rx.recv().ok()));
    match ahead {
        Some(result) => result,
        None => {
            let ctx = Arc::clone(&shared.prepared.ctx);
            shared.runtime.block_on(run_case(&ctx, case))
        }
    }
}

/// All formats in the directory, or a fragment's report.json in `fragments/`.
fn report_options(dir: std::path::PathBuf, fragment: Option<String>) -> ReportOptions {
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

/// Hands a finished case to the report files, when there are any.
fn record(result: &mpsd_conformance::run::CaseResult) {
    if let Ok(mut reports) = REPORTS.lock() {
        if let Some(reports) = reports.as_mut() {
            reports.result(result);
        }
    }
}

/// Writes the report files, when there are any; a file that could not be written is exit 2.
fn finish_reports(
    set: &PlanSet,
    shared: &Shared,
    started_at: String,
    clock: Instant,
) -> Result<(), Exit> {
    let Some(reports) = REPORTS.lock().ok().and_then(|mut r| r.take()) else {
        return Ok(());
    };
    let mut info = RunInfo::new(
        shared.redactor.text(&shared.prepared.target_label),
        shared.prepared.embedded,
        SuiteInfo::new(set.case_count(), &set.fingerprint, &set.files),
        serde_json::json!({ "via": "cargo test" }),
        started_at,
    );
    info.harness.detection_score = mpsd_conformance::mutants::detection_score(&set.fingerprint);
    info.duration_ms = clock.elapsed().as_millis() as u64;
    let written = reports.finish(info);
    for e in &written.errors {
        errln!("error: {}", shared.redactor.text(&e.to_string()));
    }
    if written.errors.is_empty() {
        Ok(())
    } else {
        Err(Exit::Usage)
    }
}

fn shared(set: &PlanSet) -> &'static Result<Shared, String> {
    SHARED.get_or_init(|| {
        let env = Environment::from_process();
        // Until the run is prepared, only the environment's secrets are known.
        let mut secrets = env.secrets();
        if let Some(userinfo) = env.target.as_deref().and_then(url_userinfo) {
            secrets.push(userinfo);
        }
        let early = Redactor::new(secrets);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| format!("failed to start the runtime: {e}"))?;
        let target = match &env.target {
            Some(url) => Target::Url(url.clone()),
            None => {
                Target::Started(Box::new(EmbeddedServer::start().map_err(|e| {
                    format!("failed to start the embedded reference server: {e}")
                })?))
            }
        };
        let prepared = prepare(set, &env, PrepareOptions::new(target))
            .map_err(|e| early.text(&e.to_string()))?;
        for warning in &prepared.warnings {
            errln!("warning: {warning}");
        }
        let ctx = Arc::clone(&prepared.ctx);
        let redactor = ctx.redactor.clone();
        // Every report path is checked before anything is sent.
        if let Some(Some(options)) = REPORT_TO.get() {
            let reports = ReportSet::create(options.clone(), redactor.clone(), Default::default())
                .map_err(|e| redactor.text(&e.to_string()))?;
            if let Ok(mut slot) = REPORTS.lock() {
                *slot = Some(reports);
            }
        }
        let unreachable = runtime.block_on(probe(&ctx)).err().map(|e| {
            redactor.text(&format!(
                "target {} cannot be tested: {e}",
                prepared.target_label
            ))
        });
        Ok(Shared {
            prepared,
            runtime,
            redactor,
            unreachable,
        })
    })
}

fn run_trial(set: &PlanSet, case: &CasePlan) -> Result<Completion, Failed> {
    let shared = match shared(set) {
        Ok(s) => s,
        Err(e) => return Err(format!("could not start: {e}").into()),
    };
    if let Some(why) = &shared.unreachable {
        return Err(why.clone().into());
    }
    let result = result_of(shared, case);
    record(&result);
    let text = || explain(&result, &shared.redactor);
    match result.outcome {
        Outcome::Pass => Ok(Completion::Completed),
        Outcome::Skip | Outcome::Interrupted => Ok(Completion::ignored_with(
            result.message.clone().unwrap_or_default(),
        )),
        Outcome::Fail if !result.fails_gate(FailOn::Should) => {
            Ok(Completion::ignored_with(format!(
                "warning: may-case failure: {}",
                shared
                    .redactor
                    .text(result.message.as_deref().unwrap_or(""))
            )))
        }
        Outcome::Fail => Err(text().into()),
        Outcome::Error => Err(format!("could not judge (error)\n{}", text()).into()),
    }
}
