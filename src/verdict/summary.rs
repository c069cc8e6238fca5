//! Counts over a run, one verdict per case, and what they conclude.

use serde::{Deserialize, Serialize};

use super::policy::Verdict;

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

/// What a run's counts conclude, strongest first: the CLI turns it into an exit code, the
/// reports into a headline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Conclusion {
    /// Stopped before every case finished.
    Interrupted,
    /// At least one gating failure.
    NotConformant,
    /// No gating failure, but at least one case could not be judged.
    Inconclusive,
    /// Every gating case passed (or nothing was selected).
    Conformant,
}

impl Summary {
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

    /// What the counts say about the target, as DESIGN.md ranks it: an interruption, then a
    /// gating failure, then an error.
    pub fn conclusion(&self) -> Conclusion {
        if self.interrupted > 0 {
            Conclusion::Interrupted
        } else if self.failed > 0 {
            Conclusion::NotConformant
        } else if self.errored > 0 {
            Conclusion::Inconclusive
        } else {
            Conclusion::Conformant
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_counts_add_up_and_conclude_in_order() {
        let mut s = Summary::default();
        for v in [
            Verdict::Pass,
            Verdict::UnexpectedPass,
            Verdict::Fail,
            Verdict::ExpectedFailure,
            Verdict::Warning,
            Verdict::Warning,
            Verdict::Warning,
            Verdict::Error,
            Verdict::Skip,
            Verdict::Interrupted,
        ] {
            s.add(v);
        }
        let sum: usize = Verdict::ALL.iter().map(|v| s.count(*v)).sum();
        assert_eq!(sum, s.total);
        assert_eq!(s.total, 10);
        assert!(s
            .line(std::time::Duration::from_millis(1500))
            .starts_with("2 passed, 1 failed, 1 errored, 1 skipped, 3 warnings, 1 interrupted, 1 expected failure, 1 unexpected pass in 1.50s"));
        assert_eq!(s.conclusion(), Conclusion::Interrupted);
        s.interrupted = 0;
        assert_eq!(s.conclusion(), Conclusion::NotConformant);
        s.failed = 0;
        assert_eq!(s.conclusion(), Conclusion::Inconclusive);
        s.errored = 0;
        assert_eq!(s.conclusion(), Conclusion::Conformant);
    }
}
