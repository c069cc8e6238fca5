//! How a case ended, and what of it gates.

use std::time::Duration;

use serde::Serialize;

use crate::case::Severity;
use crate::check::Failure;
use crate::exit::Exit;
use crate::http::Exchange;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Pass,
    /// The target broke a rule.
    Fail,
    /// The harness could not judge.
    Error,
    /// Not applicable (an identity that was not given, or a stopped run).
    Skip,
    /// Ctrl-C came first.
    Interrupted,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::Error => "error",
            Outcome::Skip => "skip",
            Outcome::Interrupted => "interrupted",
        }
    }
}

/// What gates: `must` only, or `must` and `should` (the default).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum FailOn {
    Must,
    #[default]
    Should,
}

/// The result of one case.
#[derive(Clone, Debug)]
pub struct CaseResult {
    pub id: String,
    pub area: String,
    pub title: String,
    pub rules: Vec<String>,
    pub severity: Severity,
    pub outcome: Outcome,
    /// Why it did not pass, in one line (`None` on pass).
    pub message: Option<String>,
    pub failures: Vec<Failure>,
    pub exchanges: Vec<Exchange>,
    pub duration: Duration,
    /// Listed in the baseline: a gating failure here is expected.
    pub in_baseline: bool,
}

impl CaseResult {
    /// A failure whose severity gates under `fail_on` (before the baseline is applied).
    pub fn fails_gate(&self, fail_on: FailOn) -> bool {
        self.outcome == Outcome::Fail
            && match self.severity {
                Severity::Must => true,
                Severity::Should => fail_on == FailOn::Should,
                Severity::May => false,
            }
    }

    /// A gating failure the baseline does not excuse.
    pub fn gates(&self, fail_on: FailOn) -> bool {
        self.fails_gate(fail_on) && !self.in_baseline
    }

    pub fn expected_failure(&self, fail_on: FailOn) -> bool {
        self.fails_gate(fail_on) && self.in_baseline
    }

    pub fn unexpected_pass(&self) -> bool {
        self.in_baseline && self.outcome == Outcome::Pass
    }
}

/// Counts over a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub total: usize,
    pub passed: usize,
    pub failed: usize,
    pub errored: usize,
    pub skipped: usize,
    pub interrupted: usize,
    pub expected_failures: usize,
    pub unexpected_passes: usize,
}

impl Summary {
    pub fn of(results: &[CaseResult], fail_on: FailOn) -> Summary {
        let mut s = Summary {
            total: results.len(),
            ..Summary::default()
        };
        for r in results {
            match r.outcome {
                Outcome::Pass => s.passed += 1,
                Outcome::Fail => s.failed += 1,
                Outcome::Error => s.errored += 1,
                Outcome::Skip => s.skipped += 1,
                Outcome::Interrupted => s.interrupted += 1,
            }
            if r.expected_failure(fail_on) {
                s.expected_failures += 1;
            }
            if r.unexpected_pass() {
                s.unexpected_passes += 1;
            }
        }
        s
    }

    /// The last line of the output.
    pub fn line(&self) -> String {
        format!(
            "{} passed, {} failed, {} errored, {} skipped",
            self.passed, self.failed, self.errored, self.skipped
        )
    }
}

/// The exit code of `run`, as DESIGN.md pins it (2 is decided before anything runs; which signal
/// stopped the run is the CLI's to say).
pub fn exit_code(results: &[CaseResult], fail_on: FailOn) -> Exit {
    if results.iter().any(|r| r.outcome == Outcome::Interrupted) {
        Exit::Interrupted
    } else if results.iter().any(|r| r.gates(fail_on)) {
        Exit::Failed
    } else if results.iter().any(|r| r.outcome == Outcome::Error) {
        Exit::Errored
    } else {
        Exit::Ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(severity: Severity, outcome: Outcome, in_baseline: bool) -> CaseResult {
        CaseResult {
            id: "a/b".into(),
            area: "a".into(),
            title: String::new(),
            rules: vec![],
            severity,
            outcome,
            message: None,
            failures: vec![],
            exchanges: vec![],
            duration: Duration::ZERO,
            in_baseline,
        }
    }

    #[test]
    fn gating_follows_severity_fail_on_and_baseline() {
        let should_fail = result(Severity::Should, Outcome::Fail, false);
        assert!(should_fail.gates(FailOn::Should));
        assert!(!should_fail.gates(FailOn::Must));
        assert!(!result(Severity::May, Outcome::Fail, false).gates(FailOn::Should));
        let known = result(Severity::Must, Outcome::Fail, true);
        assert!(!known.gates(FailOn::Should) && known.expected_failure(FailOn::Should));
        assert!(result(Severity::Must, Outcome::Pass, true).unexpected_pass());
    }

    #[test]
    fn exit_codes_rank_interrupt_then_failure_then_error() {
        let pass = result(Severity::Must, Outcome::Pass, false);
        let fail = result(Severity::Must, Outcome::Fail, false);
        let may_fail = result(Severity::May, Outcome::Fail, false);
        let error = result(Severity::Must, Outcome::Error, false);
        let int = result(Severity::Must, Outcome::Interrupted, false);
        assert_eq!(
            exit_code(&[pass.clone(), may_fail.clone()], FailOn::Should),
            Exit::Ok
        );
        assert_eq!(
            exit_code(&[pass.clone(), error.clone()], FailOn::Should),
            Exit::Errored
        );
        assert_eq!(
            exit_code(&[fail.clone(), error.clone()], FailOn::Should),
            Exit::Failed
        );
        assert_eq!(exit_code(&[fail, int], FailOn::Should), Exit::Interrupted);
    }
}
