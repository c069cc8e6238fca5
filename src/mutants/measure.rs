//! Runs the catalog against in-process reference servers: the healthy one, then one per fault
//! with that fault alone, several at once. This is the one place where `mutants` drives the
//! engine (prepare, run_cases).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::plan::{CasePlan, PlanSet};
use crate::reference::{self, Config, Fault, Faults};
use crate::run::{
    prepare, run_cases, CaseResult, ConcurrencyMode, Environment, Event, EventSink, PrepareOptions,
    Prepared, RunnerOptions, Target,
};
use crate::verdict::{FailOn, Transcripts};

use super::error::MutantsError;
use super::verdict::{Explored, FaultVerdict, UncleanCase};

/// Cases in flight against one server, as `run`'s default.
const CASE_JOBS: usize = 8;

#[derive(Clone, Debug)]
pub struct MutantsOptions {
    /// Faulty servers judged at once (at least 1).
    pub jobs: usize,
    /// The faults to plant, each alone, in the order given.
    pub faults: Vec<Fault>,
    /// Each fault judged by these cases only (by fault name), and the healthy server by their
    /// union; `None`: the whole case set everywhere.
    pub only: Option<BTreeMap<String, Vec<String>>>,
    /// Each fault (and the healthy server) explored too; `None`: the catalog only.
    pub explore: Option<ExploreOptions>,
}

/// How the explorer measures: `explore --seed <seed> --budget <programs>`.
#[derive(Clone, Debug)]
pub struct ExploreOptions {
    pub seed: u64,
    pub programs: u64,
    /// Only these faults are explored (`None`: every one measured).
    pub faults: Option<BTreeSet<Fault>>,
}

/// What the catalog caught.
#[derive(Clone, Debug)]
pub struct Measurement {
    /// The fingerprint of the case set that was measured.
    pub fingerprint: String,
    /// Cases that did not pass against the healthy server (must be none).
    pub unclean: Vec<UncleanCase>,
    /// One verdict per fault, in the order of the options.
    pub verdicts: Vec<FaultVerdict>,
}

impl Measurement {
    pub fn caught(&self) -> usize {
        self.verdicts.iter().filter(|v| v.caught()).count()
    }

    pub fn total(&self) -> usize {
        self.verdicts.len()
    }

    /// caught / total (0 when no fault was measured).
    pub fn score(&self) -> f64 {
        if self.verdicts.is_empty() {
            0.0
        } else {
            self.caught() as f64 / self.total() as f64
        }
    }

    pub fn survivors(&self) -> impl Iterator<Item = &FaultVerdict> {
        self.verdicts.iter().filter(|v| !v.caught())
    }

    /// The healthy server passed every case, and every fault was caught.
    pub fn complete(&self) -> bool {
        self.unclean.is_empty() && self.survivors().next().is_none()
    }
}

/// Measures `set`. `on_verdict` hears of each fault as its run ends (in no particular order).
pub fn measure(
    set: &Arc<PlanSet>,
    options: &MutantsOptions,
    on_verdict: &mut dyn FnMut(&FaultVerdict),
) -> Result<Measurement, MutantsError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(MutantsError::Runtime)?;
    let set = Arc::clone(set);
    let chosen = |ids: &dyn Fn(&str) -> bool| -> Arc<Vec<Arc<CasePlan>>> {
        Arc::new(set.cases.iter().filter(|c| ids(&c.id)).cloned().collect())
    };
    let cases = match &options.only {
        None => Arc::new(set.cases.clone()),
        Some(only) => chosen(&|id| only.values().any(|ids| ids.iter().any(|i| i == id))),
    };
    let per_fault = |fault: Fault| match &options.only {
        None => Arc::clone(&cases),
        Some(only) => {
            let ids = only.get(fault.name()).cloned().unwrap_or_default();
            chosen(&|id| ids.iter().any(|i| i == id))
        }
    };
    let explore = options.explore.clone();
    runtime.block_on(async {
        let healthy = run_against(&set, &cases, Faults::none()).await?;
        let mut unclean = UncleanCase::of(&healthy);
        if let Some(e) = &explore {
            // A finding against the healthy server is the explorer's mistake.
            let found = explore_against(&set, e, Faults::none(), None).await?;
            unclean.extend(found.findings.iter().map(|f| UncleanCase {
                id: f.id.clone(),
                outcome: "fail",
                message: Some(format!(
                    "the explorer found [{}] against the healthy reference",
                    f.rules.join(", ")
                )),
            }));
        }
        let unreliable: Arc<BTreeSet<String>> =
            Arc::new(unclean.iter().map(|c| c.id.clone()).collect());

        let permits = Arc::new(Semaphore::new(options.jobs.max(1)));
        let mut tasks = JoinSet::new();
        for (position, fault) in options.faults.iter().copied().enumerate() {
            let (set, cases) = (Arc::clone(&set), per_fault(fault));
            let (permits, unreliable) = (Arc::clone(&permits), Arc::clone(&unreliable));
            let explore = explore
                .clone()
                .filter(|e| e.faults.as_ref().is_none_or(|only| only.contains(&fault)));
            tasks.spawn(async move {
                // The semaphore is never closed, so acquiring cannot fail.
                let _permit = permits.acquire_owned().await.ok();
                let planted = Faults::none().with(fault);
                let results = if cases.is_empty() {
                    Vec::new()
                } else {
                    run_against(&set, &cases, planted).await?
                };
                let mut verdict = FaultVerdict::judge(fault, &results, &unreliable);
                if let Some(e) = &explore {
                    verdict.explored = Some(explore_against(&set, e, planted, Some(fault)).await?);
                }
                Ok::<_, MutantsError>((position, verdict))
            });
        }
        let mut verdicts: Vec<Option<FaultVerdict>> = vec![None; options.faults.len()];
        while let Some(joined) = tasks.join_next().await {
            let (position, verdict) =
                joined.map_err(|e| MutantsError::Aborted(e.to_string()))??;
            on_verdict(&verdict);
            if let Some(slot) = verdicts.get_mut(position) {
                *slot = Some(verdict);
            }
        }
        Ok(Measurement {
            fingerprint: set.fingerprint.clone(),
            unclean,
            verdicts: verdicts.into_iter().flatten().collect(),
        })
    })
}

/// The whole catalog against a fresh reference server with `faults` planted.
async fn run_against(
    set: &PlanSet,
    cases: &[Arc<CasePlan>],
    faults: Faults,
) -> Result<Vec<CaseResult>, MutantsError> {
    let (server, prepared) = faulty_target(set, faults).await?;
    let options = RunnerOptions {
        // Many faulty servers run at once: a fixed share each, as before.
        concurrency: ConcurrencyMode::Fixed(CASE_JOBS),
        fail_fast: false,
        fail_on: FailOn::Should,
        baseline: Arc::default(),
        // A verdict reads outcomes and failures, never transcripts.
        transcripts: Transcripts::None,
    };
    let mut results = Results(Vec::with_capacity(cases.len()));
    run_cases(
        Arc::clone(&prepared.ctx),
        cases.to_vec(),
        &options,
        &mut results,
    )
    .await;
    stop(server, prepared).await;
    Ok(results.0)
}

/// A fresh reference server with `faults` planted, and the run prepared against it.
async fn faulty_target(
    set: &PlanSet,
    faults: Faults,
) -> Result<(reference::RunningServer, Prepared), MutantsError> {
    let server = reference::start(Config {
        faults,
        ..Config::default()
    })
    .await
    .map_err(MutantsError::Server)?;
    // The process's CONFORMANCE_* variables describe some other target: the reference takes the
    // suite's synthetic callers and world.
    let prepared = prepare(
        set,
        &Environment::default(),
        PrepareOptions::new(Target::Url(server.url())),
    )?;
    Ok((server, prepared))
}

async fn stop(server: reference::RunningServer, prepared: Prepared) {
    // The client's pooled keep-alive connections would hold the graceful shutdown open.
    drop(prepared);
    server.shutdown().await;
}

/// The explorer against a fresh reference server with `faults` planted.
async fn explore_against(
    set: &PlanSet,
    e: &ExploreOptions,
    faults: Faults,
    fault: Option<Fault>,
) -> Result<Explored, MutantsError> {
    use crate::explore::drive::{explore, Budget, Options};
    let (server, prepared) = faulty_target(set, faults).await?;
    let options = Options {
        seed: e.seed,
        budget: Budget::Programs(e.programs),
        jobs: CASE_JOBS,
        limits: crate::explore::gen::Limits::default(),
        replay: Vec::new(),
        max_findings: 3,
    };
    let exploration = explore(Arc::clone(&prepared.ctx), &options, &mut |_, _| {}).await;
    stop(server, prepared).await;
    Ok(Explored::judge(&exploration, e.seed, e.programs, fault))
}

/// The results of a run, as its cases finish (without transcripts).
struct Results(Vec<CaseResult>);

impl EventSink for Results {
    fn event(&mut self, event: &Event) {
        if let Event::CaseFinished { result } = event {
            self.0.push(CaseResult::clone(result));
        }
    }
}
