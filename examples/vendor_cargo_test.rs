//! A vendor's `cargo test` against its own server: copy this file to your crate's
//! `tests/mpsd_conformance.rs`, add to your `Cargo.toml`
//!
//! ```toml
//! [dev-dependencies]
//! mpsd-conformance = "0.1"
//! libtest-mimic = "0.8"
//!
//! [[test]]
//! name = "mpsd_conformance"
//! harness = false
//! ```
//!
//! and replace `start_your_server` with the start of your own service on a loopback port. Each
//! case becomes one test named by its id (`cargo test -- contract-version/` runs a part of the
//! catalog); `CONFORMANCE_REPORT_DIR=reports cargo test` writes the four reports too, and the
//! `CONFORMANCE_*` variables (callers, xuids, world) work as they do for `mpsd-conformance run`.
//!
//! Here the stand-in for your server is this crate's embedded reference, so that the example
//! runs as it is: `cargo run --example vendor_cargo_test -- --list`, or `cargo test --example
//! vendor_cargo_test` (which `cargo test` does, and CI with it).

use std::process::ExitCode;
use std::sync::OnceLock;

use libtest_mimic::{Arguments, Completion, Failed, Trial};
use mpsd_conformance::suite::ReferenceServer;
use mpsd_conformance::suite::{Case, Judgement, StartOptions, Suite, SuiteRun};

/// The part of the catalog this example runs: a few dozen cases keep it quick. A vendor runs the
/// whole catalog (no filter) or picks its own.
const AREA: &str = "contract-version/";

fn start_your_server() -> std::io::Result<ReferenceServer> {
    ReferenceServer::start()
}

static RUN: OnceLock<SuiteRun> = OnceLock::new();

fn main() -> ExitCode {
    let args = Arguments::from_args();
    let suite = match Suite::embedded() {
        Ok(suite) => suite,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let cases = suite.select(Some(AREA), false);
    let trials: Vec<Trial> = cases
        .iter()
        .map(|case| {
            let case = case.clone();
            // `may` cases never gate: ignored unless `-- --include-ignored`.
            let (id, may) = (case.id().to_owned(), case.is_may());
            Trial::ignorable_test(id, move || judge(&case)).with_ignored_flag(may)
        })
        .collect();

    // Keep the server alive until the trials are done.
    let _server = if args.list {
        None
    } else {
        let server = match start_your_server() {
            Ok(server) => server,
            Err(e) => {
                eprintln!("error: failed to start the server: {e}");
                return ExitCode::from(2);
            }
        };
        match suite.start(StartOptions::against(server.url()), &cases) {
            Ok(run) => {
                RUN.get_or_init(|| run);
            }
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        }
        Some(server)
    };
    let conclusion = libtest_mimic::run(&args, trials);
    if let Some(Err(e)) = RUN.get().map(SuiteRun::finish) {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    conclusion.exit_code()
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
