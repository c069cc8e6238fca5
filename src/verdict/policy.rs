//! Gating: a failure gates when its severity says so under `--fail-on`, unless the baseline
//! expected it. A case's severity is its rules'; a failure of the oracle that runs on every
//! exchange (global checks, set-up outcomes, read-backs) carries its own rule's severity and
//! gates with it, whatever the case's.

use serde::{Deserialize, Serialize};

use crate::case::Severity;
use crate::check::Failure;

/// What gates: `must` only, or `must` and `should` (the default).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum FailOn {
    Must,
    #[default]
    Should,
}

impl FailOn {
    /// Whether a failure of this severity gates.
    pub fn gates(self, severity: Severity) -> bool {
        match severity {
            Severity::Must => true,
            Severity::Should => self == FailOn::Should,
            Severity::May => false,
        }
    }
}

/// What the baseline expects of a case: a known failure or a known error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Expected {
    Fail,
    Error,
}

impl Expected {
    pub fn as_str(self) -> &'static str {
        match self {
            Expected::Fail => "fail",
            Expected::Error => "error",
        }
    }
}

/// One entry of a baseline: what is expected, and why it is known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BaselineEntry {
    pub expected: Expected,
    pub reason: String,
}

/// What a case's outcome means for this run, once severity, `--fail-on` and the baseline are
/// applied: the one accounting that the console, report.json, JUnit, Markdown and HTML share.
/// Every case has exactly one verdict, so the counts of a summary add up to its total.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// A failure that gates: `must`, or `should` under `--fail-on should`, not in the baseline.
    Fail,
    /// The harness could not judge.
    Error,
    /// Ctrl-C (or a stop signal) came first.
    Interrupted,
    /// A failure that does not gate: a `may` case, or a `should` case under `--fail-on must`.
    Warning,
    /// A gating failure, or an error, that the baseline lists as such.
    ExpectedFailure,
    /// A pass that the baseline lists as a known failure or error.
    UnexpectedPass,
    Skip,
    Pass,
}

/// The outcome of a case, as the verdict reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Judged {
    Pass,
    /// Failed; the severity is the strongest of its failures' (see [`Verdict::of`]).
    Fail(Severity),
    Error,
    Skip,
    Interrupted,
}

impl Verdict {
    /// Every verdict, the ones that need attention first.
    pub const ALL: [Verdict; 8] = [
        Verdict::Fail,
        Verdict::Error,
        Verdict::Interrupted,
        Verdict::Warning,
        Verdict::ExpectedFailure,
        Verdict::UnexpectedPass,
        Verdict::Skip,
        Verdict::Pass,
    ];

    /// A case that ended `judged`, under `fail_on`, with what the baseline expects of it. A
    /// case listed as a known error that fails instead, or the reverse, is not excused.
    pub fn of(judged: Judged, fail_on: FailOn, baseline: Option<Expected>) -> Verdict {
        match judged {
            Judged::Pass if baseline.is_some() => Verdict::UnexpectedPass,
            Judged::Pass => Verdict::Pass,
            Judged::Fail(severity) if !fail_on.gates(severity) => Verdict::Warning,
            Judged::Fail(_) if baseline == Some(Expected::Fail) => Verdict::ExpectedFailure,
            Judged::Fail(_) => Verdict::Fail,
            Judged::Error if baseline == Some(Expected::Error) => Verdict::ExpectedFailure,
            Judged::Error => Verdict::Error,
            Judged::Skip => Verdict::Skip,
            Judged::Interrupted => Verdict::Interrupted,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Error => "error",
            Verdict::Interrupted => "interrupted",
            Verdict::Warning => "warning",
            Verdict::ExpectedFailure => "expected_failure",
            Verdict::UnexpectedPass => "unexpected_pass",
            Verdict::Skip => "skip",
        }
    }

    /// How a person reads it.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Pass => "passed",
            Verdict::Fail => "failed",
            Verdict::Error => "errored",
            Verdict::Interrupted => "interrupted",
            Verdict::Warning => "warning",
            Verdict::ExpectedFailure => "expected failure",
            Verdict::UnexpectedPass => "unexpected pass",
            Verdict::Skip => "skipped",
        }
    }

    /// `n` cases of this verdict, as a person says it: `2 failed`, `1 warning`, `3 warnings`.
    pub fn counted(self, n: usize) -> String {
        let label = match (self, n) {
            (Verdict::Warning, 1)
            | (Verdict::ExpectedFailure, 1)
            | (Verdict::UnexpectedPass, 1) => self.label().to_string(),
            (Verdict::Warning, _) => "warnings".to_string(),
            (Verdict::ExpectedFailure, _) => "expected failures".to_string(),
            (Verdict::UnexpectedPass, _) => "unexpected passes".to_string(),
            _ => self.label().to_string(),
        };
        format!("{n} {label}")
    }

    /// The target broke a rule, whether or not it gates.
    pub fn is_failure(self) -> bool {
        matches!(
            self,
            Verdict::Fail | Verdict::Warning | Verdict::ExpectedFailure
        )
    }

    /// Anything but a pass: what `--transcripts failures` keeps, besides skips and interrupts.
    pub fn needs_attention(self) -> bool {
        self.is_failure() || self == Verdict::Error
    }
}

/// Which cases keep their request/response transcripts (`--transcripts`): the runner drops the
/// others' before any reporter sees them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Transcripts {
    /// Failing, erroring and warning cases.
    #[default]
    Failures,
    All,
    None,
}

impl Transcripts {
    /// The policy that keeps what both `self` and `other` keep.
    pub fn or(self, other: Transcripts) -> Transcripts {
        match (self, other) {
            (Transcripts::All, _) | (_, Transcripts::All) => Transcripts::All,
            (Transcripts::Failures, _) | (_, Transcripts::Failures) => Transcripts::Failures,
            _ => Transcripts::None,
        }
    }

    pub fn keeps(self, verdict: Verdict) -> bool {
        match self {
            Transcripts::Failures => verdict.needs_attention(),
            Transcripts::All => true,
            Transcripts::None => false,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Transcripts::Failures => "failures",
            Transcripts::All => "all",
            Transcripts::None => "none",
        }
    }
}

/// The strongest severity among `failures`: each gates with its own when it has one, else with
/// the case's. (`Must` orders first.)
pub fn gating_severity(case: Severity, failures: &[Failure]) -> Severity {
    failures
        .iter()
        .map(|f| f.gates_as.unwrap_or(case))
        .min()
        .unwrap_or(case)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gating_follows_severity_fail_on_and_baseline() {
        let should = Judged::Fail(Severity::Should);
        assert_eq!(Verdict::of(should, FailOn::Should, None), Verdict::Fail);
        assert_eq!(Verdict::of(should, FailOn::Must, None), Verdict::Warning);
        let may = Judged::Fail(Severity::May);
        assert_eq!(Verdict::of(may, FailOn::Should, None), Verdict::Warning);
        let must = Judged::Fail(Severity::Must);
        assert_eq!(
            Verdict::of(must, FailOn::Should, Some(Expected::Fail)),
            Verdict::ExpectedFailure
        );
        assert_eq!(
            Verdict::of(Judged::Pass, FailOn::Should, Some(Expected::Fail)),
            Verdict::UnexpectedPass
        );
    }

    #[test]
    fn a_known_error_is_expected_and_a_swapped_one_gates() {
        let error = Judged::Error;
        let must = Judged::Fail(Severity::Must);
        assert_eq!(
            Verdict::of(error, FailOn::Should, Some(Expected::Error)),
            Verdict::ExpectedFailure
        );
        // Listed as an error, it failed: the baseline does not know this failure.
        assert_eq!(
            Verdict::of(must, FailOn::Should, Some(Expected::Error)),
            Verdict::Fail
        );
        // Listed as a failure, it errored: not what the baseline knows either.
        assert_eq!(
            Verdict::of(error, FailOn::Should, Some(Expected::Fail)),
            Verdict::Error
        );
    }
}
