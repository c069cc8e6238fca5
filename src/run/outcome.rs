//! How a case ended, and what of it gates.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::case::Severity;
use crate::check::Failure;
use crate::exchange::Exchange;
use crate::exit::Exit;

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
    /// Requests sent again after a throttled answer (steps and teardown).
    pub retries: u32,
}

impl CaseResult {
    /// A failure whose severity gates under `fail_on` (before the baseline is applied).
    pub fn fails_gate(&self, fail_on: FailOn) -> bool {
        self.outcome == Outcome::Fail && severity_gates(self.severity, fail_on)
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

    pub fn verdict(&self, fail_on: FailOn) -> Verdict {
        Verdict::of(self.outcome, self.severity, fail_on, self.in_baseline)
    }
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
    /// A gating failure that the baseline lists.
    ExpectedFailure,
    /// A pass that the baseline lists as a known failure.
    UnexpectedPass,
    Skip,
    Pass,
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

    pub fn of(outcome: Outcome, severity: Severity, fail_on: FailOn, in_baseline: bool) -> Verdict {
        match outcome {
            Outcome::Pass if in_baseline => Verdict::UnexpectedPass,
            Outcome::Pass => Verdict::Pass,
            Outcome::Fail if !severity_gates(severity, fail_on) => Verdict::Warning,
            Outcome::Fail if in_baseline => Verdict::ExpectedFailure,
            Outcome::Fail => Verdict::Fail,
            Outcome::Error => Verdict::Error,
            Outcome::Skip => Verdict::Skip,
            Outcome::Interrupted => Verdict::Interrupted,
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

fn severity_gates(severity: Severity, fail_on: FailOn) -> bool {
    match severity {
        Severity::Must => true,
        Severity::Should => fail_on == FailOn::Should,
        Severity::May => false,
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

/// Counts over a run, one verdict per case: `total` is the sum of every other count but
/// `unexpected_passes`, which is the part of `passed` that the baseline listed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub total: usize,
    pub passed: usize,
    pub failed: usize,
    pub errored: usize,
    pub skipped: usize,
    pub interrupted: usize,
    pub warnings: usize,
    pub expected_failures: usize,
    pub unexpected_passes: usize,
    /// Requests sent again after a throttled answer, over every case (not a verdict).
    #[serde(default)]
    pub retries: u64,
}

impl Summary {
    pub fn of(results: &[CaseResult], fail_on: FailOn) -> Summary {
        let mut s = Summary::default();
        for r in results {
            s.add(r.verdict(fail_on));
            s.retries += u64::from(r.retries);
        }
        s
    }

    /// Counts one more case.
    pub fn add(&mut self, verdict: Verdict) {
        self.total += 1;
        let count = match verdict {
            Verdict::Pass => &mut self.passed,
            Verdict::UnexpectedPass => {
                self.unexpected_passes += 1;
                &mut self.passed
            }
            Verdict::Fail => &mut self.failed,
            Verdict::Warning => &mut self.warnings,
            Verdict::ExpectedFailure => &mut self.expected_failures,
            Verdict::Error => &mut self.errored,
            Verdict::Skip => &mut self.skipped,
            Verdict::Interrupted => &mut self.interrupted,
        };
        *count += 1;
    }

    /// How many cases ended with this verdict.
    pub fn count(&self, verdict: Verdict) -> usize {
        match verdict {
            Verdict::Pass => self.passed - self.unexpected_passes,
            Verdict::UnexpectedPass => self.unexpected_passes,
            Verdict::Fail => self.failed,
            Verdict::Warning => self.warnings,
            Verdict::ExpectedFailure => self.expected_failures,
            Verdict::Error => self.errored,
            Verdict::Skip => self.skipped,
            Verdict::Interrupted => self.interrupted,
        }
    }

    /// The last line of the output: DESIGN's four counts first, then what else happened, then
    /// the wall time.
    pub fn line(&self, duration: std::time::Duration) -> String {
        format!("{} in {:.2}s", self.counts(), duration.as_secs_f64())
    }

    /// Every count, DESIGN's four first; the closing line without its duration.
    pub fn counts(&self) -> String {
        let mut line = format!(
            "{} passed, {} failed, {} errored, {} skipped",
            self.passed, self.failed, self.errored, self.skipped
        );
        let plural =
            |n: usize, one: &str, many: &str| format!(", {n} {}", if n == 1 { one } else { many });
        line.push_str(&plural(self.warnings, "warning", "warnings"));
        line.push_str(&format!(", {} interrupted", self.interrupted));
        if self.expected_failures > 0 || self.unexpected_passes > 0 {
            line.push_str(&plural(
                self.expected_failures,
                "expected failure",
                "expected failures",
            ));
            line.push_str(&plural(
                self.unexpected_passes,
                "unexpected pass",
                "unexpected passes",
            ));
        }
        line
    }

    /// The exit code of `run`, as DESIGN.md pins it (2 is decided before anything runs; which
    /// signal stopped the run is the CLI's to say).
    pub fn exit_code(&self) -> Exit {
        if self.interrupted > 0 {
            Exit::Interrupted
        } else if self.failed > 0 {
            Exit::Failed
        } else if self.errored > 0 {
            Exit::Errored
        } else {
            Exit::Ok
        }
    }
}

/// The exit code of `run`, as DESIGN.md pins it.
pub fn exit_code(results: &[CaseResult], fail_on: FailOn) -> Exit {
    Summary::of(results, fail_on).exit_code()
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
            retries: 0,
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

    #[test]
    fn every_case_has_one_verdict_and_the_counts_add_up() {
        let cases = [
            result(Severity::Must, Outcome::Pass, false),
            result(Severity::Must, Outcome::Pass, true),
            result(Severity::Must, Outcome::Fail, false),
            result(Severity::Must, Outcome::Fail, true),
            result(Severity::May, Outcome::Fail, false),
            result(Severity::May, Outcome::Fail, true),
            result(Severity::Should, Outcome::Fail, false),
            result(Severity::Must, Outcome::Error, false),
            result(Severity::Must, Outcome::Skip, false),
            result(Severity::Must, Outcome::Interrupted, false),
        ];
        let s = Summary::of(&cases, FailOn::Must);
        assert_eq!(
            (s.passed, s.unexpected_passes, s.failed, s.expected_failures),
            (2, 1, 1, 1)
        );
        // A may failure never gates, baseline or not; a should failure under --fail-on must
        // is a warning too.
        assert_eq!(s.warnings, 3);
        let sum: usize = Verdict::ALL.iter().map(|v| s.count(*v)).sum();
        assert_eq!(sum, s.total);
        assert_eq!(s.total, cases.len());
        assert!(s
            .line(std::time::Duration::from_millis(1500))
            .starts_with("2 passed, 1 failed, 1 errored, 1 skipped, 3 warnings, 1 interrupted, 1 expected failure, 1 unexpected pass in 1.50s"));
    }
}
