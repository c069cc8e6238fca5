//! What a test trial makes of a case's result.

use crate::report::{explain, Redactor};
use crate::run::{CaseResult, Outcome};
use crate::verdict::FailOn;

/// A case's verdict as a test runner shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Judgement {
    /// The answer met the contract.
    Passed,
    /// Not judged as a pass or a failure: skipped, interrupted, or a `may` rule that failed
    /// (which never gates). The text says why.
    Ignored(String),
    /// A gating failure, or an error (the case could not be judged): the text names the rule,
    /// the expectation, the diff and the redacted transcript.
    Failed(String),
}

impl Judgement {
    /// The judgement of one finished case; every text is redacted.
    pub fn of(result: &CaseResult, redactor: &Redactor) -> Judgement {
        match result.case.outcome {
            Outcome::Pass => Judgement::Passed,
            Outcome::Skip | Outcome::Interrupted => {
                Judgement::Ignored(redactor.text(result.message.as_deref().unwrap_or_default()))
            }
            Outcome::Fail if !result.fails_gate(FailOn::Should) => Judgement::Ignored(format!(
                "warning: may-case failure: {}",
                redactor.text(result.message.as_deref().unwrap_or(""))
            )),
            Outcome::Fail => Judgement::Failed(explain(result, redactor)),
            Outcome::Error => Judgement::Failed(format!(
                "could not judge (error)\n{}",
                explain(result, redactor)
            )),
        }
    }
}
