//! `junit.xml`: one `<testsuite>` per area, one `<testcase name="<id>" classname="<area>">`
//! per case; the redacted transcript in `<system-out>`.

use std::collections::BTreeMap;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use crate::case::Severity;
use crate::run::{CaseResult, FailOn, Outcome};

use super::redact::Redactor;
use super::transcript::transcript;

pub fn junit(
    results: &[CaseResult],
    fail_on: FailOn,
    redactor: &Redactor,
) -> Result<String, String> {
    let mut areas: BTreeMap<&str, Vec<&CaseResult>> = BTreeMap::new();
    for r in results {
        areas.entry(r.area.as_str()).or_default().push(r);
    }
    let mut report = Report::new("mpsd-conformance");
    for (area, cases) in areas {
        let mut suite = TestSuite::new(area);
        for r in cases {
            let message = redactor.text(r.message.as_deref().unwrap_or(""));
            let status = match r.outcome {
                Outcome::Pass => TestCaseStatus::success(),
                Outcome::Fail if r.gates(fail_on) => {
                    let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    s.set_message(message)
                        .set_type(format!("rule {}", first_rule(r)));
                    s.set_description(redactor.text(&failure_text(r)));
                    s
                }
                Outcome::Fail => {
                    let why = if r.in_baseline && r.fails_gate(fail_on) {
                        "expected failure (baseline)"
                    } else if r.severity == Severity::May {
                        "may-case failure (does not gate)"
                    } else {
                        "failure below --fail-on (does not gate)"
                    };
                    let mut s = TestCaseStatus::skipped();
                    s.set_message(format!("{why}: {message}"));
                    s
                }
                Outcome::Error => {
                    let mut s = TestCaseStatus::non_success(NonSuccessKind::Error);
                    s.set_message(message);
                    s
                }
                Outcome::Skip | Outcome::Interrupted => {
                    let mut s = TestCaseStatus::skipped();
                    s.set_message(format!("{}: {message}", r.outcome.as_str()));
                    s
                }
            };
            let mut case = TestCase::new(r.id.as_str(), status);
            case.set_classname(area).set_time(r.duration);
            case.set_system_out(transcript(r, redactor));
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
    }
    report
        .to_string()
        .map_err(|e| format!("failed to write JUnit: {e}"))
}

fn first_rule(r: &CaseResult) -> &str {
    r.failures.first().map(|f| f.rule.as_str()).unwrap_or("?")
}

fn failure_text(r: &CaseResult) -> String {
    let mut out = String::new();
    for f in &r.failures {
        out.push_str(&format!("[{}] {}: {}\n", f.rule, f.expectation, f.message));
        if let Some(d) = &f.diff {
            out.push_str(d);
            out.push('\n');
        }
    }
    out
}
