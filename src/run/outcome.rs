//! How a case ended: what the engine hands to the reporters. What it means for the run (gating,
//! counts) is the `verdict` module's.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::check::Failure;
use crate::exchange::Exchange;
use crate::plan::CasePlan;
use crate::verdict::{gating_severity, CaseRow, Expected, FailOn, Judged, Verdict};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
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

/// The result of one case.
#[derive(Clone, Debug)]
pub struct CaseResult {
    /// Which case, and its outcome: what report.json's row shares.
    pub case: CaseRow,
    /// Why it did not pass, in one line (`None` on pass).
    pub message: Option<String>,
    pub failures: Vec<Failure>,
    pub exchanges: Vec<Exchange>,
    pub duration: Duration,
    /// What the baseline expects of this case, when it lists it.
    pub baseline: Option<Expected>,
    /// Requests sent again after a throttled answer (steps and teardown).
    pub retries: u32,
}

impl CaseResult {
    /// A result of `case` with nothing sent or found yet.
    pub fn of(case: &CasePlan, outcome: Outcome, message: Option<String>) -> CaseResult {
        CaseResult {
            case: CaseRow::of(case, outcome),
            message,
            failures: vec![],
            exchanges: vec![],
            duration: Duration::ZERO,
            baseline: None,
            retries: 0,
        }
    }

    /// The outcome with the severity its failures gate with: the strongest of each failure's
    /// own (an oracle failure's rule) or, for the case's own expectations, the case's.
    pub fn judged(&self) -> Judged {
        match self.case.outcome {
            Outcome::Pass => Judged::Pass,
            Outcome::Fail => Judged::Fail(gating_severity(self.case.severity, &self.failures)),
            Outcome::Error => Judged::Error,
            Outcome::Skip => Judged::Skip,
            Outcome::Interrupted => Judged::Interrupted,
        }
    }

    /// A failure that gates under `fail_on`, before the baseline is applied.
    pub fn fails_gate(&self, fail_on: FailOn) -> bool {
        matches!(self.judged(), Judged::Fail(s) if fail_on.gates(s))
    }

    /// A gating failure the baseline does not excuse.
    pub fn gates(&self, fail_on: FailOn) -> bool {
        self.verdict(fail_on) == Verdict::Fail
    }

    pub fn verdict(&self, fail_on: FailOn) -> Verdict {
        Verdict::of(self.judged(), fail_on, self.baseline)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::Severity;

    fn result(severity: Severity, failures: Vec<Failure>) -> CaseResult {
        CaseResult {
            case: CaseRow {
                id: "a/b".into(),
                area: "a".into(),
                title: String::new(),
                rules: vec![],
                severity,
                outcome: Outcome::Fail,
            },
            message: None,
            failures,
            exchanges: vec![],
            duration: Duration::ZERO,
            baseline: None,
            retries: 0,
        }
    }

    #[test]
    fn an_oracle_failure_gates_whatever_the_case_severity() {
        let own = Failure::new("H1.e", "status", "got 406");
        let server_error = Failure::new("O13", "never 5xx", "500").gating_as(Severity::Must);
        assert_eq!(
            result(Severity::May, vec![own.clone()]).verdict(FailOn::Should),
            Verdict::Warning
        );
        let r = result(Severity::May, vec![own, server_error]);
        assert_eq!(r.verdict(FailOn::Must), Verdict::Fail);
        assert!(r.fails_gate(FailOn::Must));
        // A should-rule read-back failure in a must case gates only under --fail-on should.
        let readback = Failure::new("O15.a", "same ETag", "changed").gating_as(Severity::Should);
        let r = result(Severity::Must, vec![readback]);
        assert_eq!(r.verdict(FailOn::Should), Verdict::Fail);
        assert_eq!(r.verdict(FailOn::Must), Verdict::Warning);
    }
}
