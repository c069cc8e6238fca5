//! An exploration in the forms `run` reports in: each finding a failing case
//! (`explore/<seed>/<index>`, or `explore/replay/<n>` for a kept one) with its story and the case
//! file it was saved as, and one case for the exploration itself (`explore/run`), which passes
//! when the target could be explored, errors when nothing could be judged, and is interrupted by
//! a signal.

use std::path::PathBuf;
use std::time::Duration;

use crate::case::Severity;
use crate::run::{CaseResult, Outcome, RunContext};
use crate::verdict::CaseRow;

use super::drive::{Exploration, Finding, Origin};
use super::story::story;

/// The area every case of an exploration is in.
pub const AREA: &str = "explore";
/// The id of the case that stands for the exploration itself.
pub const RUN_ID: &str = "explore/run";

/// A case of the exploration's reports, with what only an exploration has.
pub struct ExploredCase {
    pub result: CaseResult,
    /// The numbered story of the shrunk program's run.
    pub story: Option<String>,
    /// The case file the finding was saved as.
    pub saved_as: Option<PathBuf>,
}

/// How the exploration ended, for its own case.
pub enum Ended<'a> {
    /// It ran (perhaps cut short by a signal).
    Explored(&'a Exploration),
    /// It could not start: the probe or the preflight failed, or a signal came first.
    NotStarted { outcome: Outcome, why: String },
}

/// Every case of the exploration's reports: its own first, then each finding.
pub fn cases(
    ctx: &RunContext,
    ended: &Ended<'_>,
    saved: &[Option<PathBuf>],
    seed: u64,
) -> Vec<ExploredCase> {
    let mut out = vec![ExploredCase {
        result: run_case(ended, seed),
        story: None,
        saved_as: None,
    }];
    if let Ended::Explored(exploration) = ended {
        for (i, finding) in exploration.findings.iter().enumerate() {
            out.push(ExploredCase {
                result: finding_case(ctx, finding),
                story: Some(story(&finding.executed)),
                saved_as: saved.get(i).cloned().flatten(),
            });
        }
    }
    out
}

/// The case id of a finding: where its program came from.
pub fn finding_id(origin: &Origin) -> String {
    match origin {
        Origin::Seed { seed, index } => format!("{AREA}/{seed}/{index}"),
        Origin::Replay(n) => format!("{AREA}/replay/{n}"),
    }
}

fn run_case(ended: &Ended<'_>, seed: u64) -> CaseResult {
    let (outcome, message, duration) = match ended {
        Ended::NotStarted { outcome, why } => (*outcome, Some(why.clone()), Duration::ZERO),
        Ended::Explored(e) => {
            let counts = format!(
                "{} programs, {} operations, {} finding(s), {} program(s) could not be judged",
                e.programs,
                e.operations,
                e.findings.len(),
                e.errored
            );
            let first_error = e
                .errors
                .first()
                .map(|w| format!(": {w}"))
                .unwrap_or_default();
            if e.interrupted {
                (
                    Outcome::Interrupted,
                    Some(format!("interrupted after {counts}")),
                    e.elapsed,
                )
            } else if e.programs > 0 && e.errored == e.programs {
                (
                    Outcome::Error,
                    Some(format!("nothing could be judged: {counts}{first_error}")),
                    e.elapsed,
                )
            } else if e.errored > 0 {
                // Judged enough to count: the programs that could not be judged are said, but
                // the findings (their own cases) decide.
                (
                    Outcome::Pass,
                    Some(format!("{counts}{first_error}")),
                    e.elapsed,
                )
            } else {
                (Outcome::Pass, Some(counts), e.elapsed)
            }
        }
    };
    CaseResult {
        case: CaseRow {
            id: RUN_ID.into(),
            area: AREA.into(),
            title: format!("exploration with seed {seed}"),
            rules: Vec::new(),
            severity: Severity::Must,
            outcome,
        },
        message,
        failures: Vec::new(),
        exchanges: Vec::new(),
        duration,
        baseline: None,
        retries: 0,
    }
}

fn finding_case(ctx: &RunContext, finding: &Finding) -> CaseResult {
    let failures: Vec<_> = finding.executed.failures().cloned().collect();
    let mut rules: Vec<String> = failures.iter().map(|f| f.rule.clone()).collect();
    rules.sort();
    rules.dedup();
    // Every failure already gates as its own rule (the oracle's); the case is as strong.
    let severity = rules
        .iter()
        .map(|r| ctx.severity_of(r))
        .min()
        .unwrap_or(Severity::Must);
    let exchanges: Vec<_> = finding
        .executed
        .steps
        .iter()
        .flat_map(|s| s.ops.iter().map(|o| o.exchange.clone()))
        .chain(finding.executed.teardown.iter().cloned())
        .collect();
    let duration = exchanges.iter().map(|e| e.duration).sum();
    let steps = finding.program.steps.len();
    let first = failures
        .first()
        .map(|f| f.message.clone())
        .unwrap_or_else(|| "the program broke a rule".into());
    CaseResult {
        case: CaseRow {
            id: finding_id(&finding.origin),
            area: AREA.into(),
            title: format!(
                "[{}] in {steps} step{} (shrunk in {} runs)",
                finding.rule,
                if steps == 1 { "" } else { "s" },
                finding.shrink_runs
            ),
            rules,
            severity,
            outcome: Outcome::Fail,
        },
        message: Some(first),
        failures,
        exchanges,
        duration,
        baseline: None,
        retries: 0,
    }
}
