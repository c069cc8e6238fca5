//! A broken expectation, as data: the rule it enforces, what was expected, what happened.

use serde::Serialize;

use crate::case::Severity;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Failure {
    /// The contract rule the expectation enforces.
    pub rule: String,
    /// The expectation, in a few words: `status in [400, 406]`, `header etag equals "…"`.
    pub expectation: String,
    /// What went wrong, in a sentence.
    pub message: String,
    /// Expected versus actual, as a unified diff, when one helps.
    pub diff: Option<String>,
    /// The label of the step whose exchange broke it; the runner sets it.
    pub step: Option<String>,
    /// A failure of the oracle that runs on every exchange (global checks, set-up outcomes,
    /// read-backs): it gates with its own rule's severity, whatever the case's.
    pub gates_as: Option<Severity>,
}

impl Failure {
    pub fn new(rule: &str, expectation: impl Into<String>, message: impl Into<String>) -> Failure {
        Failure {
            rule: rule.to_string(),
            expectation: expectation.into(),
            message: message.into(),
            diff: None,
            step: None,
            gates_as: None,
        }
    }

    /// The same failure, gating as `severity` (its rule's) whatever the case's severity.
    pub fn gating_as(mut self, severity: Severity) -> Failure {
        self.gates_as = Some(severity);
        self
    }

    /// The same failure, said of the exchange of step `label`.
    pub fn at_step(mut self, label: &str) -> Failure {
        self.step = Some(label.to_string());
        self
    }

    pub fn with_diff(mut self, diff: Option<String>) -> Failure {
        self.diff = diff;
        self
    }
}
