//! Running a selection of cases with bounded concurrency, fixed or learnt (`concurrency`). A
//! case's slot is freed once its steps are done: its teardown runs beside the next cases (half as
//! many teardowns at once as cases), and the run ends once every teardown has. Results flow to the
//! reporters as events as cases finish, and are dropped then: the runner keeps only the counts,
//! so memory does not grow with the number of cases.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use tokio::sync::{mpsc, Semaphore};
use tokio::task::JoinSet;

use crate::plan::CasePlan;

use super::case::run_steps;
use super::concurrency::ConcurrencyMode;
use super::context::RunContext;
use super::events::{Event, EventSink};
use super::outcome::{CaseResult, Outcome};
use super::retrying::CASE_EVENTS;
use crate::verdict::{Expected, FailOn, Summary, Transcripts};

pub struct RunnerOptions {
    /// Cases in flight: fixed, or learnt from the target.
    pub concurrency: ConcurrencyMode,
    pub fail_fast: bool,
    pub fail_on: FailOn,
    /// What the baseline (`--baseline`) expects of the cases it lists: a known failure does not
    /// gate, nor does a known error.
    pub baseline: Arc<BTreeMap<String, Expected>>,
    /// Which finished cases keep their exchanges for the reporters; the others' are dropped
    /// before any reporter sees them.
    pub transcripts: Transcripts,
}

/// Runs every case; events go to `sink` as they happen (each case's `CaseFinished` once it and
/// its teardown are done). Returns the counts, which is all the exit code needs.
pub async fn run_cases(
    ctx: Arc<RunContext>,
    cases: Vec<Arc<CasePlan>>,
    options: &RunnerOptions,
    sink: &mut dyn EventSink,
) -> Summary {
    sink.event(&Event::Started { total: cases.len() });
    ctx.concurrency.configure(options.concurrency);
    let jobs = options.concurrency.ceiling();
    // Bounded: a slow reporter holds the cases back rather than piling their results up.
    let (tx, mut rx) = mpsc::channel::<Event>(jobs * 2);
    let feeder = tokio::spawn(feed(
        ctx,
        cases,
        jobs,
        Settings {
            fail_fast: options.fail_fast,
            fail_on: options.fail_on,
            baseline: Arc::clone(&options.baseline),
            transcripts: options.transcripts,
        },
        tx,
    ));
    let mut summary = Summary::default();
    while let Some(event) = rx.recv().await {
        if let Event::CaseFinished { result } = &event {
            summary.add(result.verdict(options.fail_on));
        }
        sink.event(&event);
    }
    // The feeder ends once every case has finished (the channel closing says so); a feeder that
    // panicked has already sent what it could.
    let _ = feeder.await;
    summary
}

/// What each case task needs of the runner's options.
#[derive(Clone)]
struct Settings {
    fail_fast: bool,
    fail_on: FailOn,
    baseline: Arc<BTreeMap<String, Expected>>,
    transcripts: Transcripts,
}

/// Starts each case once a slot is free — a case waiting for its turn costs nothing but its place
/// in the list — and reports the ones that never start.
async fn feed(
    ctx: Arc<RunContext>,
    cases: Vec<Arc<CasePlan>>,
    jobs: usize,
    settings: Settings,
    tx: mpsc::Sender<Event>,
) {
    let teardowns = Arc::new(Semaphore::new(teardown_slots(jobs)));
    let mut tasks = JoinSet::new();
    for case in cases {
        let slot = ctx.concurrency.slot().await;
        let in_baseline = settings.baseline.get(&case.id).copied();
        let not_started = if ctx.is_interrupted() {
            Some((Outcome::Interrupted, "interrupted before the case started"))
        } else if ctx.stopping.load(Ordering::SeqCst) {
            Some((
                Outcome::Skip,
                "not run: --fail-fast stopped the run after a gating failure",
            ))
        } else {
            None
        };
        if let Some((outcome, why)) = not_started {
            let mut result = not_run(&case, outcome, why);
            result.baseline = in_baseline;
            drop(slot);
            let _ = tx
                .send(Event::CaseFinished {
                    result: Box::new(result),
                })
                .await;
            continue;
        }
        let ctx = Arc::clone(&ctx);
        let tx = tx.clone();
        let settings = settings.clone();
        let teardowns = Arc::clone(&teardowns);
        tasks.spawn(async move {
            let _ = tx
                .send(Event::CaseStarted {
                    id: case.id.clone(),
                })
                .await;
            let events = (case.id.clone(), tx.clone());
            // The case's futures are boxed: a case's state machine is kilobytes, and the task
            // holding it inline was copied whole at each move (spawn, the task's cell, its
            // output); boxed, it is written once and the task moves a pointer.
            let steps = CASE_EVENTS
                .scope(events.clone(), Box::pin(run_steps(&ctx, &case)))
                .await;
            // --fail-fast decides on the whole verdict before the next case may start.
            let slot = if settings.fail_fast {
                Some(slot)
            } else {
                drop(slot);
                None
            };
            // The semaphore is never closed; were it, the teardown would just go unbounded.
            let turn = teardowns.acquire().await;
            let mut result = CASE_EVENTS
                .scope(events, Box::pin(steps.finish(&ctx, &case)))
                .await;
            drop(turn);
            result.baseline = in_baseline;
            if settings.fail_fast && result.gates(settings.fail_on) {
                ctx.stopping.store(true, Ordering::SeqCst);
            }
            drop(slot);
            if !settings.transcripts.keeps(result.verdict(settings.fail_on)) {
                result.exchanges = Vec::new();
            }
            let _ = tx
                .send(Event::CaseFinished {
                    result: Box::new(result),
                })
                .await;
        });
        // Finished tasks are reaped as they go, so the set stays as small as the slots.
        while tasks.try_join_next().is_some() {}
    }
    while tasks.join_next().await.is_some() {}
}

/// Teardowns at once beside `jobs` cases in flight. A teardown takes one round trip where a case
/// takes several: half as many teardowns as cases keeps up, and keeps the connections open at
/// once within `open_files`' budget.
pub(super) fn teardown_slots(jobs: usize) -> usize {
    (jobs / 2).max(1)
}

/// The result of a case that was never started: interrupted, stopped, or unjudgeable.
pub fn not_run(case: &CasePlan, outcome: Outcome, why: &str) -> CaseResult {
    CaseResult::of(case, outcome, Some(why.to_string()))
}
