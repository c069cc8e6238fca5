//! `cargo test`: one libtest trial per case, named by its id.
//!
//! Without CONFORMANCE_TARGET the embedded reference server is started once per process; with
//! it, the cases run against that URL (and the other CONFORMANCE_* variables). `may` cases never
//! gate, so they are marked ignored: `cargo test -- --include-ignored` runs them too. With
//! CONFORMANCE_REPORT_DIR, report.json and junit.xml are written there at the end.

use std::collections::BTreeSet;
use std::process::ExitCode;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Instant, SystemTime};

use libtest_mimic::{Arguments, Completion, Failed, Trial};
use mpsd_conformance::case::{load, CaseSet, CaseSource, Severity};
use mpsd_conformance::plan::{expand, CaseInstance};
use mpsd_conformance::report::{explain, write_reports, Redactor, RunInfo};
use mpsd_conformance::run::{
    prepare, probe, run_case, CaseResult, Environment, FailOn, Outcome, PrepareOptions, Prepared,
};

/// The target and runtime, started by the first trial that runs (never by `--list`).
struct Shared {
    prepared: Prepared,
    runtime: tokio::runtime::Runtime,
    redactor: Redactor,
    /// Why nothing can be judged (an unreachable target), if so.
    unreachable: Option<String>,
}

static SHARED: OnceLock<Result<Shared, String>> = OnceLock::new();
static RESULTS: Mutex<Vec<CaseResult>> = Mutex::new(Vec::new());

fn main() -> ExitCode {
    let started_at = humantime::format_rfc3339_seconds(SystemTime::now()).to_string();
    let clock = Instant::now();
    let args = Arguments::from_args();
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
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    // nextest asks for one case by its exact name: a name that names no case is an error, not an
    // empty pass. (Plain filters stay lenient: `cargo test NAME` passes NAME to every test binary.)
    let cases = expand(&set);
    if let (Some(id), true, false) = (&args.filter, args.exact, args.list) {
        if !cases.iter().any(|c| &c.id == id) {
            eprintln!("error: no case has the id `{id}` (mpsd-conformance list shows them)");
            return ExitCode::from(2);
        }
    }
    let trials: Vec<Trial> = cases
        .into_iter()
        .map(|case| {
            let name = case.id.clone();
            let ignored = case.severity == Severity::May;
            let set = Arc::clone(&set);
            Trial::ignorable_test(name, move || run_trial(&set, &case)).with_ignored_flag(ignored)
        })
        .collect();
    let conclusion = libtest_mimic::run(&args, trials);

    if let (Ok(dir), Some(Ok(shared))) = (std::env::var("CONFORMANCE_REPORT_DIR"), SHARED.get()) {
        let mut results = RESULTS.lock().map(|r| r.clone()).unwrap_or_default();
        results.sort_by(|a, b| a.id.cmp(&b.id));
        let info = RunInfo {
            target_url: shared.prepared.target_label.clone(),
            embedded: shared.prepared.embedded,
            case_count: set.case_count(),
            fingerprint: set.fingerprint.clone(),
            files: set.files.clone(),
            options: serde_json::json!({ "via": "cargo test" }),
            started_at,
            duration_ms: clock.elapsed().as_millis() as u64,
            fail_on: FailOn::Should,
            detection_score: mpsd_conformance::mutants::detection_score(&set.fingerprint),
        };
        if let Err(e) = write_reports(
            std::path::Path::new(&dir),
            &info,
            &results,
            &shared.redactor,
        ) {
            eprintln!("error: {e}");
        }
    }
    conclusion.exit_code()
}

fn shared(set: &CaseSet) -> &'static Result<Shared, String> {
    SHARED.get_or_init(|| {
        let env = Environment::from_process();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| format!("failed to start the runtime: {e}"))?;
        let prepared = prepare(
            set,
            &env,
            PrepareOptions {
                target: env.target.clone(),
                ..PrepareOptions::default()
            },
        )?;
        let redactor = Redactor::new(prepared.secrets.clone());
        let ctx = Arc::clone(&prepared.ctx);
        let unreachable = runtime
            .block_on(probe(&ctx.client, &ctx.base_url, &ctx.headers))
            .err()
            .map(|e| {
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

fn run_trial(set: &CaseSet, case: &CaseInstance) -> Result<Completion, Failed> {
    let shared = match shared(set) {
        Ok(s) => s,
        Err(e) => return Err(format!("could not start: {e}").into()),
    };
    if let Some(why) = &shared.unreachable {
        return Err(why.clone().into());
    }
    let ctx = Arc::clone(&shared.prepared.ctx);
    let result = shared.runtime.block_on(run_case(&ctx, case));
    if let Ok(mut all) = RESULTS.lock() {
        all.push(result.clone());
    }
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
