//! Wall time of the whole catalog against the embedded reference: what `cargo run --release --
//! run` costs once built, without process start-up. Prints the median and spread over a few
//! rounds, and cases per second.
//!
//! `cargo bench --bench suite_run`

use std::sync::Arc;
use std::time::Instant;

use mpsd_conformance::case::CaseSource;
use mpsd_conformance::cli::EmbeddedServer;
use mpsd_conformance::plan::load;
use mpsd_conformance::run::{
    prepare, run_cases, ConcurrencyMode, Environment, NoEvents, PrepareOptions, RunnerOptions,
    Target,
};
use mpsd_conformance::verdict::{FailOn, Transcripts};

const ROUNDS: usize = 7;

fn main() {
    if let Err(e) = bench() {
        eprintln!("suite_run: {e}");
        std::process::exit(1);
    }
}

fn bench() -> Result<(), String> {
    let load_started = Instant::now();
    let set = load(&CaseSource::embedded(), None).map_err(|e| e.to_string())?;
    let cases = set.cases.clone();
    let load_time = load_started.elapsed();
    let server = EmbeddedServer::start().map_err(|e| e.to_string())?;
    let prepared = prepare(
        &set,
        &Environment::default(),
        PrepareOptions::new(Target::Started(Box::new(server))),
    )
    .map_err(|e| e.to_string())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let options = RunnerOptions {
        concurrency: ConcurrencyMode::Fixed(8),
        fail_fast: false,
        fail_on: FailOn::Should,
        baseline: Default::default(),
        transcripts: Transcripts::Failures,
    };
    let mut times = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        let started = Instant::now();
        let summary = runtime.block_on(run_cases(
            Arc::clone(&prepared.ctx),
            cases.clone(),
            &options,
            &mut NoEvents,
        ));
        times.push(started.elapsed());
        if summary.passed != summary.total {
            return Err(format!(
                "{} of {} cases passed: the bench measures a healthy run",
                summary.passed, summary.total
            ));
        }
    }
    times.sort();
    let median = times[ROUNDS / 2];
    println!(
        "suite_run: {} cases ({} files) against the embedded reference, --jobs 8, {ROUNDS} rounds",
        cases.len(),
        set.file_count
    );
    println!("  load + compile: {:.1} ms", load_time.as_secs_f64() * 1e3);
    println!(
        "  run: median {:.1} ms (min {:.1}, max {:.1}), {:.0} cases/s",
        median.as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        times[ROUNDS - 1].as_secs_f64() * 1e3,
        cases.len() as f64 / median.as_secs_f64()
    );
    Ok(())
}
