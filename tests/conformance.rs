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
//!
//! The flow — set up, probe, preflight, run ahead, judge, report — is the library's
//! (`mpsd_conformance::suite`), the one a vendor's own `cargo test` uses
//! (`examples/vendor_cargo_test.rs`).

use std::process::ExitCode;
use std::sync::OnceLock;

use libtest_mimic::{Arguments, Completion, Failed, Trial};
use mpsd_conformance::errln;
use mpsd_conformance::exit::Exit;
use mpsd_conformance::plan::fnv1a64;
use mpsd_conformance::suite::{Case, Judgement, StartOptions, Suite, SuiteRun};

/// The run, started once before the first trial (never by `--list`).
static RUN: OnceLock<SuiteRun> = OnceLock::new();

fn main() -> ExitCode {
    let mut args = Arguments::from_args();
    // Under nextest (`--exact NAME`), parse only the one case file.
    let suite = match (&args.filter, args.exact) {
        (Some(id), true) => Suite::embedded_for_case(id),
        _ => Suite::embedded(),
    };
    let suite = match suite {
        Ok(suite) => suite,
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
    let mut cases = suite.cases();
    if let (Some(filter), true) = (&args.filter, args.exact) {
        // libtest's --exact compares whole names, which would drop a file id's variants.
        cases = suite.select(Some(filter), true);
        args.filter = None;
    }
    let mut selected = Vec::new();
    let mut trials = Vec::new();
    for case in cases {
        let trial = {
            let case = case.clone();
            let (id, may) = (case.id().to_owned(), case.is_may());
            Trial::ignorable_test(id, move || judge(&case)).with_ignored_flag(may)
        };
        if !args.is_filtered_out(&trial) && !args.is_ignored(&trial) {
            selected.push(case);
        }
        trials.push(trial);
    }

    if !args.list && !selected.is_empty() {
        let mut options = StartOptions::from_environment();
        options.jobs = in_flight(&args);
        options.fragment = fragment;
        // Set up once, before any trial: a problem here concerns them all, so it is told once.
        let run = match suite.start(options, &selected) {
            Ok(run) => RUN.get_or_init(|| run),
            Err(e) => {
                errln!("error: {e}");
                return Exit::Usage.into();
            }
        };
        if let Some(why) = run.untestable() {
            errln!("error: {why}");
            return match run.finish() {
                Ok(()) => Exit::Errored.into(),
                Err(e) => {
                    errln!("error: {e}");
                    Exit::Usage.into()
                }
            };
        }
    }
    let conclusion = libtest_mimic::run(&args, trials);
    if let Some(run) = RUN.get() {
        if let Err(e) = run.finish() {
            errln!("error: {e}");
            return Exit::Usage.into();
        }
    }
    conclusion.exit_code()
}

/// How many cases are in flight: `--test-threads N` (or RUST_TEST_THREADS) fixes it when the
/// user gives it, else it is learnt from the target as `run` does. libtest's own default, the
/// number of cores, suits trials that compute; these wait on the network.
fn in_flight(args: &Arguments) -> Option<usize> {
    args.test_threads.or_else(|| {
        std::env::var("RUST_TEST_THREADS")
            .ok()
            .and_then(|n| n.parse().ok())
    })
}

fn judge(case: &Case) -> Result<Completion, Failed> {
    let Some(run) = RUN.get() else {
        return Err("the run was not started".into());
    };
    match run.judge(case) {
        Judgement::Passed => Ok(Completion::Completed),
        Judgement::Ignored(why) => Ok(Completion::ignored_with(why)),
        Judgement::Failed(why) => Err(why.into()),
    }
}
