//! What one run says about one fault: which cases failed, and whether one of them catches it.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::reference::Fault;
use crate::run::{CaseResult, Outcome};
use crate::verdict::FailOn;

/// A case that failed against a faulty server.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FailingCase {
    pub id: String,
    pub severity: &'static str,
    /// The rules of its failures (sorted, once each).
    pub rules: Vec<String>,
    /// Its failure gates (a `must` or `should` case).
    pub gating: bool,
    /// It gates, with a rule the fault breaks, and passes against the healthy server.
    pub catches: bool,
}

/// The cases that failed against one fault, and what the explorer found.
#[derive(Clone, Debug)]
pub struct FaultVerdict {
    pub fault: Fault,
    pub failing_cases: Vec<FailingCase>,
    /// `None` when the explorer was not run against this fault.
    pub explored: Option<Explored>,
}

/// What `explore` found against one server, with a fixed seed and a number of programs.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Explored {
    pub seed: u64,
    pub programs: u64,
    pub operations: u64,
    pub findings: Vec<ExploredFinding>,
    /// A finding gates with a rule the fault breaks.
    pub caught: bool,
}

/// One finding of the explorer: its shrunk program's size and the rules its failures name.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ExploredFinding {
    pub id: String,
    pub steps: usize,
    pub rules: Vec<String>,
}

impl Explored {
    /// Judges an exploration against `fault` (`None`: the healthy server, where any finding is
    /// the explorer's error). Against a fault, any gating finding catches it: the same seed and
    /// budget find nothing against the healthy server (`measure` checks), so whatever the model
    /// names — the rule the answer broke as the model sees it, often another than the one the
    /// fault's code breaks (a stored `nocommit` shows as an O2 later) — is the fault's doing.
    pub fn judge(
        exploration: &crate::explore::drive::Exploration,
        seed: u64,
        programs: u64,
        fault: Option<Fault>,
    ) -> Explored {
        let findings: Vec<ExploredFinding> = exploration
            .findings
            .iter()
            .map(|f| {
                let rules: BTreeSet<String> =
                    f.executed.failures().map(|x| x.rule.clone()).collect();
                ExploredFinding {
                    id: crate::explore::report::finding_id(&f.origin),
                    steps: f.program.steps.len(),
                    rules: rules.into_iter().collect(),
                }
            })
            .collect();
        let caught = fault.is_some()
            && exploration.findings.iter().any(|f| {
                f.executed
                    .failures()
                    .any(|x| x.gates_as.is_none_or(|s| FailOn::Should.gates(s)))
            });
        Explored {
            seed,
            programs,
            operations: exploration.operations,
            findings,
            caught,
        }
    }
}

impl FaultVerdict {
    /// Judges a fault by the results of the catalog against a server with it planted; cases in
    /// `unreliable` (those that do not pass against the healthy server) never catch.
    pub fn judge(fault: Fault, results: &[CaseResult], unreliable: &BTreeSet<String>) -> Self {
        let failing_cases = results
            .iter()
            .filter(|r| r.case.outcome == Outcome::Fail)
            .map(|r| {
                let rules: BTreeSet<&str> = r.failures.iter().map(|f| f.rule.as_str()).collect();
                let gating = r.fails_gate(FailOn::Should);
                let catches = gating
                    && !unreliable.contains(&r.case.id)
                    && rules.iter().any(|rule| fault.rules().contains(rule));
                FailingCase {
                    id: r.case.id.clone(),
                    severity: r.case.severity.as_str(),
                    rules: rules.into_iter().map(str::to_owned).collect(),
                    gating,
                    catches,
                }
            })
            .collect();
        Self {
            fault,
            failing_cases,
            explored: None,
        }
    }

    /// A case of the catalog catches it.
    pub fn caught_by_run(&self) -> bool {
        self.failing_cases.iter().any(|c| c.catches)
    }

    /// The explorer, with its fixed seed and budget, catches it.
    pub fn caught_by_explore(&self) -> bool {
        self.explored.as_ref().is_some_and(|e| e.caught)
    }

    /// Caught by the catalog or by the explorer.
    pub fn caught(&self) -> bool {
        self.caught_by_run() || self.caught_by_explore()
    }
}

/// A case that did not pass against the healthy server: the catalog, not the server, is wrong.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UncleanCase {
    pub id: String,
    pub outcome: &'static str,
    pub message: Option<String>,
}

impl UncleanCase {
    /// Every case that neither passed nor was skipped.
    pub fn of(results: &[CaseResult]) -> Vec<UncleanCase> {
        results
            .iter()
            .filter(|r| !matches!(r.case.outcome, Outcome::Pass | Outcome::Skip))
            .map(|r| UncleanCase {
                id: r.case.id.clone(),
                outcome: r.case.outcome.as_str(),
                message: r.message.clone(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::case::Severity;
    use crate::check::Failure;
    use crate::verdict::CaseRow;

    fn result(id: &str, severity: Severity, outcome: Outcome, rules: &[&str]) -> CaseResult {
        CaseResult {
            case: CaseRow {
                id: id.into(),
                area: "a".into(),
                title: String::new(),
                rules: vec![],
                severity,
                outcome,
            },
            message: None,
            failures: rules.iter().map(|r| Failure::new(r, "e", "m")).collect(),
            exchanges: vec![],
            duration: Duration::ZERO,
            baseline: None,
            retries: 0,
        }
    }

    #[test]
    fn only_a_gating_failure_with_a_broken_rule_catches() {
        // WrongVerb404 breaks O10 only.
        let fault = Fault::WrongVerb404;
        let none = BTreeSet::new();
        let other_rule = [result("x", Severity::Must, Outcome::Fail, &["O13"])];
        assert!(!FaultVerdict::judge(fault, &other_rule, &none).caught());
        let may = [result("x", Severity::May, Outcome::Fail, &["O10"])];
        assert!(!FaultVerdict::judge(fault, &may, &none).caught());
        let error = [result("x", Severity::Must, Outcome::Error, &["O10"])];
        let verdict = FaultVerdict::judge(fault, &error, &none);
        assert!(!verdict.caught() && verdict.failing_cases.is_empty());
        let should = [result(
            "x",
            Severity::Should,
            Outcome::Fail,
            &["O13", "O10"],
        )];
        let verdict = FaultVerdict::judge(fault, &should, &none);
        assert!(verdict.caught());
        assert_eq!(verdict.failing_cases[0].rules, ["O10", "O13"]);
        let unreliable = BTreeSet::from(["x".to_string()]);
        assert!(!FaultVerdict::judge(fault, &should, &unreliable).caught());
    }

    #[test]
    fn unclean_cases_are_failures_and_errors() {
        let results = [
            result("p", Severity::Must, Outcome::Pass, &[]),
            result("s", Severity::Must, Outcome::Skip, &[]),
            result("f", Severity::May, Outcome::Fail, &["O13"]),
            result("e", Severity::Must, Outcome::Error, &[]),
        ];
        let ids: Vec<String> = UncleanCase::of(&results)
            .into_iter()
            .map(|c| c.id)
            .collect();
        assert_eq!(ids, ["f", "e"]);
    }
}
