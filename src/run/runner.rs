//! Running a selection of cases with bounded concurrency.

use std::collections::BTreeSet;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use tokio::sync::{mpsc, Semaphore};
use tokio::task::JoinSet;

use crate::plan::CaseInstance;

use super::case::run_case;
use super::context::RunContext;
use super::events::{Event, EventSink};
use super::outcome::{CaseResult, FailOn, Outcome};

pub struct RunnerOptions {
    /// Cases in flight (≥ 1).
    pub jobs: usize,
    pub fail_fast: bool,
    pub fail_on: FailOn,
    /// Ids of known failures (`--baseline`): their failures do not gate.
    pub baseline: Arc<BTreeSet<String>>,
}

/// Runs every case and returns the results sorted by id. Events go to `sink` in the order
/// they happen.
pub async fn run_cases(
    ctx: Arc<RunContext>,
    cases: Vec<CaseInstance>,
    options: &RunnerOptions,
    sink: &mut dyn EventSink,
) -> Vec<CaseResult> {
    sink.event(&Event::Started { total: cases.len() });
    let permits = Arc::new(Semaphore::new(options.jobs.max(1)));
    let (tx, mut rx) = mpsc::unbounded_channel::<Event>();
    let mut tasks = JoinSet::new();
    for case in cases {
        let ctx = Arc::clone(&ctx);
        let permits = Arc::clone(&permits);
        let tx = tx.clone();
        let fail_fast = options.fail_fast;
        let fail_on = options.fail_on;
        let in_baseline = options.baseline.contains(&case.id);
        tasks.spawn(async move {
            // The semaphore is never closed, so acquiring cannot fail.
            let _permit = permits.acquire_owned().await.ok();
            let mut result = if ctx.is_interrupted() {
                not_run(
                    &case,
                    Outcome::Interrupted,
                    "interrupted before the case started",
                )
            } else if ctx.stopping.load(Ordering::SeqCst) {
                not_run(
                    &case,
                    Outcome::Skip,
                    "not run: --fail-fast stopped the run after a gating failure",
                )
            } else {
                let _ = tx.send(Event::CaseStarted {
                    id: case.id.clone(),
                });
                let mut result = run_case(&ctx, &case).await;
                result.in_baseline = in_baseline;
                if fail_fast && result.gates(fail_on) {
                    ctx.stopping.store(true, Ordering::SeqCst);
                }
                result
            };
            result.in_baseline = in_baseline;
            let _ = tx.send(Event::CaseFinished {
                result: Box::new(result),
            });
        });
    }
    drop(tx);
    let mut results = Vec::new();
    while let Some(event) = rx.recv().await {
        sink.event(&event);
        if let Event::CaseFinished { result } = event {
            results.push(*result);
        }
    }
    while tasks.join_next().await.is_some() {}
    results.sort_by(|a, b| a.id.cmp(&b.id));
    results
}

/// The result of a case that was never started: interrupted, stopped, or unjudgeable.
pub fn not_run(case: &CaseInstance, outcome: Outcome, why: &str) -> CaseResult {
    CaseResult {
        id: case.id.clone(),
        area: case.area.clone(),
        title: case.title.clone(),
        rules: case.rules.clone(),
        severity: case.severity,
        outcome,
        message: Some(why.to_string()),
        failures: vec![],
        exchanges: vec![],
        duration: std::time::Duration::ZERO,
        in_baseline: false,
        retries: 0,
    }
}
