//! Driving an exploration: programs made from the seed and run several at once until the budget
//! (a time, or a number of programs) is spent; findings of the example database replayed first;
//! each new finding shrunk to a minimal program.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::task::JoinSet;

use crate::run::RunContext;

use super::exec::{execute, xuids, Ending, Executed};
use super::gen::{program, Limits};
use super::judge::Xuids;
use super::program::Program;
use super::shrink::shrink;

/// How long an exploration goes on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Budget {
    Time(Duration),
    /// This many programs: the same seed and budget make the same programs.
    Programs(u64),
}

#[derive(Clone, Debug)]
pub struct Options {
    pub seed: u64,
    pub budget: Budget,
    /// Programs in flight.
    pub jobs: usize,
    pub limits: Limits,
    /// Programs that failed before against this target, run first.
    pub replay: Vec<Program>,
    /// The most findings kept (each is shrunk).
    pub max_findings: usize,
}

/// Where a program came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Program `index` of seed `seed`.
    Seed { seed: u64, index: u64 },
    /// A finding of an earlier exploration, from the example database.
    Replay(usize),
}

/// A program that broke a rule, shrunk.
#[derive(Clone, Debug)]
pub struct Finding {
    pub origin: Origin,
    /// The program as generated.
    pub original: Program,
    /// The smallest program that still fails on the same rule, and its run.
    pub program: Program,
    pub executed: Executed,
    /// The rule its first failure names.
    pub rule: String,
    /// Candidates run while shrinking.
    pub shrink_runs: usize,
}

/// What an exploration did.
#[derive(Clone, Debug, Default)]
pub struct Exploration {
    pub programs: u64,
    pub operations: u64,
    pub findings: Vec<Finding>,
    /// Programs that could not be judged, and why (the first few).
    pub errors: Vec<String>,
    pub errored: u64,
    pub elapsed: Duration,
    pub interrupted: bool,
    /// Kept findings (by their index in `Options::replay`) that pass now: the database lets
    /// them go, as Hypothesis' does.
    pub replays_passed: Vec<usize>,
}

/// What the exploration tells as it goes.
pub enum Progress<'a> {
    Program {
        origin: &'a Origin,
        program: &'a Program,
        executed: &'a Executed,
    },
    Finding(&'a Finding),
}

/// Explores the target of `ctx`.
pub async fn explore(
    ctx: Arc<RunContext>,
    options: &Options,
    on: &mut (dyn FnMut(Progress<'_>, &Exploration) + Send),
) -> Exploration {
    let started = Instant::now();
    let xuids = Arc::new(xuids(&ctx));
    let mut out = Exploration::default();
    let mut tasks: JoinSet<(Origin, Program, Executed)> = JoinSet::new();
    let mut next_index = 0u64;
    let mut replay = options.replay.clone().into_iter().enumerate();
    let mut found_rules: BTreeSet<String> = BTreeSet::new();
    let jobs = options.jobs.max(1);
    let mut replaying = !options.replay.is_empty();
    loop {
        while tasks.len() < jobs && !ctx.is_interrupted() {
            let (origin, p) = match replay.next() {
                Some((i, p)) => (Origin::Replay(i), p),
                None => {
                    // Kept findings are replayed first, to their end: new programs start once no
                    // replay is in flight. Started beside them, a new program finding the same
                    // rule could end first and claim it (one finding per rule), and the kept
                    // finding found again would not be told as itself (`explore/replay/<n>`).
                    if replaying {
                        if !tasks.is_empty() {
                            break;
                        }
                        replaying = false;
                    }
                    let out_of_budget = match options.budget {
                        Budget::Time(t) => started.elapsed() >= t,
                        Budget::Programs(n) => next_index >= n,
                    };
                    if out_of_budget || out.findings.len() >= options.max_findings {
                        break;
                    }
                    let index = next_index;
                    next_index += 1;
                    (
                        Origin::Seed {
                            seed: options.seed,
                            index,
                        },
                        program(options.seed, index, &options.limits),
                    )
                }
            };
            let (ctx, xuids) = (Arc::clone(&ctx), Arc::clone(&xuids));
            tasks.spawn(async move {
                let executed = execute(&ctx, &xuids, &p).await;
                (origin, p, executed)
            });
        }
        let Some(joined) = tasks.join_next().await else {
            break;
        };
        let Ok((origin, p, executed)) = joined else {
            continue;
        };
        out.programs += 1;
        out.operations += executed.operations as u64;
        on(
            Progress::Program {
                origin: &origin,
                program: &p,
                executed: &executed,
            },
            &out,
        );
        match &executed.ending {
            Ending::Finding => {
                let Some(rule) = executed.failures().next().map(|f| f.rule.clone()) else {
                    continue;
                };
                // One finding per rule: the same bug found again says nothing new.
                if !found_rules.insert(rule.clone()) || out.findings.len() >= options.max_findings {
                    continue;
                }
                let finding = shrunk(&ctx, &xuids, origin, p, executed, rule).await;
                on(Progress::Finding(&finding), &out);
                out.findings.push(finding);
            }
            Ending::Error(why) => {
                out.errored += 1;
                if out.errors.len() < 5 {
                    out.errors.push(why.clone());
                }
            }
            Ending::Interrupted => out.interrupted = true,
            Ending::Passed => {
                if let Origin::Replay(i) = origin {
                    out.replays_passed.push(i);
                }
            }
        }
        if ctx.is_interrupted() {
            out.interrupted = true;
        }
    }
    out.elapsed = started.elapsed();
    out
}

/// Shrinks a failing program to the smallest that fails on the same rule.
async fn shrunk(
    ctx: &Arc<RunContext>,
    xuids: &Arc<Xuids>,
    origin: Origin,
    original: Program,
    executed: Executed,
    rule: String,
) -> Finding {
    // What followed the failing step is never needed.
    let mut start = original.clone();
    start.steps.truncate(executed.steps.len());
    let fails = |candidate: Program| {
        let (ctx, xuids, rule) = (Arc::clone(ctx), Arc::clone(xuids), rule.clone());
        async move {
            let run = execute(&ctx, &xuids, &candidate).await;
            run.ending == Ending::Finding && run.failures().any(|f| f.rule == rule)
        }
    };
    let (shrunk, shrink_runs) = shrink(start.clone(), fails).await;
    // The shrunk program's own run, for its story (a race may need a few tries to show). If it
    // will not fail again, the finding is told as first found, so that program and story agree.
    let mut reproduced = None;
    for _ in 0..8 {
        let run = execute(ctx, xuids, &shrunk).await;
        if run.ending == Ending::Finding && run.failures().any(|f| f.rule == rule) {
            reproduced = Some(run);
            break;
        }
    }
    let (program, executed) = match reproduced {
        Some(run) => (shrunk, run),
        None => (start, executed),
    };
    Finding {
        origin,
        original,
        program,
        executed,
        rule,
        shrink_runs,
    }
}

/// Parses `60s`, `10m`, `1.5s` (a time) or `500` (a number of programs).
pub fn parse_budget(text: &str) -> Result<Budget, String> {
    let text = text.trim();
    if let Ok(n) = text.parse::<u64>() {
        return if n == 0 {
            Err("a budget of 0 programs explores nothing".into())
        } else {
            Ok(Budget::Programs(n))
        };
    }
    humantime::parse_duration(text)
        .map(Budget::Time)
        .map_err(|e| format!("`{text}` is neither a time (60s, 10m) nor a number of programs: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_are_times_or_numbers_of_programs() {
        assert_eq!(
            parse_budget("60s"),
            Ok(Budget::Time(Duration::from_secs(60)))
        );
        assert_eq!(
            parse_budget("10m"),
            Ok(Budget::Time(Duration::from_secs(600)))
        );
        assert_eq!(parse_budget("500"), Ok(Budget::Programs(500)));
        assert!(parse_budget("0").is_err());
        assert!(parse_budget("soon").is_err());
    }
}
