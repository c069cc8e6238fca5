//! `junit.xml`: one `<testsuite>` per area, one `<testcase name="<id>" classname="<area>">` per
//! case, written with quick-junit. Each case is rendered as it finishes and spooled; the suites,
//! whose counts are known only at the end, are put around them then.
//!
//! Every text handed to quick-junit passes through [`xml_text`] first: a target's answer may
//! hold characters XML 1.0 forbids, and one of them makes a file no CI system reads.

use std::path::{Path, PathBuf};
use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use crate::verdict::Verdict;

use super::error::ReportError;
use super::model::{CaseReport, RunInfo};
use super::output::{AtomicFile, Spool};
use super::set::Reporter;
use super::tally::Tally;
use super::transcript::transcript;
use crate::exchange::Redactor;
use crate::text::xml;

/// Text for the XML: characters XML forbids (and terminal escapes) shown escaped.
fn xml_text(text: &str) -> String {
    xml::text(text).into_owned()
}

const SUITE_END: &str = "    </testsuite>\n";

pub struct JunitReporter {
    file: AtomicFile,
    cases: Spool,
    redactor: Redactor,
}

impl JunitReporter {
    pub fn create(path: &Path, redactor: Redactor) -> Result<JunitReporter, ReportError> {
        Ok(JunitReporter {
            file: AtomicFile::create(path)?,
            cases: Spool::create(path)?,
            redactor,
        })
    }
}

fn render_error(e: impl std::fmt::Display) -> ReportError {
    ReportError::Render {
        what: "junit.xml",
        message: e.to_string(),
    }
}

/// The `<testcase>` element of one case, as quick-junit writes it inside a suite.
pub fn testcase_xml(case: &CaseReport) -> Result<String, ReportError> {
    let message = xml_text(case.message.as_deref().unwrap_or_default());
    let status = match case.verdict {
        Verdict::Pass | Verdict::UnexpectedPass => TestCaseStatus::success(),
        Verdict::Fail => {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
            let rule = case.failures.first().map_or("?", |f| f.rule.as_str());
            s.set_message(message)
                .set_type(xml_text(&format!("rule {rule}")))
                .set_description(failure_text(case));
            s
        }
        Verdict::Error => {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Error);
            s.set_message(message);
            s
        }
        Verdict::Warning | Verdict::ExpectedFailure | Verdict::Skip | Verdict::Interrupted => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(format!("{}: {message}", xml_text(&skip_reason(case))));
            if case.verdict.is_failure() {
                s.set_description(failure_text(case));
            }
            s
        }
    };
    let mut test = TestCase::new(xml_text(&case.id), status);
    test.set_classname(xml_text(&case.area))
        .set_time(Duration::from_millis(case.duration_ms));
    // Only what did not pass carries output, as nextest does.
    if case.verdict != Verdict::Pass {
        // A finding of `explore` leads with its story, then the exchanges it told.
        let out = match &case.story {
            Some(story) => format!("{story}\n{}", transcript(&case.exchanges)),
            None => transcript(&case.exchanges),
        };
        if !out.is_empty() {
            test.set_system_out(xml_text(&out));
        }
    }
    let mut suite = TestSuite::new(xml_text(&case.area));
    suite.add_test_case(test);
    let mut report = Report::new("x");
    report.add_test_suite(suite);
    let xml = report.to_string().map_err(render_error)?;
    let start = xml
        .find("<testcase")
        .and_then(|i| xml[..i].rfind('\n').map(|nl| nl + 1))
        .ok_or_else(|| render_error("quick-junit wrote no testcase"))?;
    let end = xml
        .rfind(SUITE_END)
        .filter(|end| *end > start)
        .ok_or_else(|| render_error("quick-junit wrote no testsuite end"))?;
    Ok(xml[start..end].to_string())
}

/// Why a case that did not pass is `<skipped>` rather than a failure.
fn skip_reason(case: &CaseReport) -> String {
    match case.verdict {
        Verdict::Warning => format!(
            "warning: a {} failure does not gate",
            case.severity.as_str()
        ),
        Verdict::ExpectedFailure => format!(
            "expected failure (baseline: {})",
            case.baseline.as_deref().unwrap_or("listed")
        ),
        Verdict::Interrupted => "interrupted".to_string(),
        _ => "skipped".to_string(),
    }
}

fn failure_text(case: &CaseReport) -> String {
    let mut out = String::new();
    for f in &case.failures {
        out.push_str(&format!("[{}] {}: {}\n", f.rule, f.expectation, f.message));
        if let Some(d) = &f.diff {
            out.push_str(d);
            out.push('\n');
        }
    }
    xml_text(&out)
}

/// Writes the skeleton up to the next suite's end.
fn copy_to_suite_end(file: &mut AtomicFile, rest: &mut &str) -> Result<(), ReportError> {
    let end = rest
        .find(SUITE_END)
        .ok_or_else(|| render_error("quick-junit wrote fewer suites than areas"))?;
    let (suite, after) = rest.split_at(end);
    file.write_all(suite.as_bytes())?;
    *rest = after;
    Ok(())
}

impl Reporter for JunitReporter {
    fn case(&mut self, case: &CaseReport) -> Result<(), ReportError> {
        let xml = self.redactor.text(&testcase_xml(case)?);
        self.cases
            .push(format!("{}\0{}", case.area, case.id), xml.as_bytes())
    }

    fn finish(self: Box<Self>, info: &RunInfo, tally: &Tally) -> Result<PathBuf, ReportError> {
        let JunitReporter {
            mut file,
            cases,
            redactor,
        } = *self;
        let timestamp = chrono::DateTime::parse_from_rfc3339(&info.started_at).ok();
        let properties = [
            ("target", info.target.url.clone()),
            ("fingerprint", info.suite.fingerprint.clone()),
            (
                "harness",
                format!("{} {}", info.harness.name, info.harness.version),
            ),
        ];
        let mut report = Report::new(xml_text(&info.harness.name));
        report.set_time(Duration::from_millis(info.duration_ms));
        if let Some(t) = timestamp {
            report.set_timestamp(t);
        }
        for (area, at) in &tally.areas {
            let s = &at.summary;
            let mut suite = TestSuite::new(xml_text(area));
            suite.tests = s.total;
            suite.failures = s.failed;
            suite.errors = s.errored;
            suite.skipped = s.skipped + s.interrupted + s.warnings + s.expected_failures;
            suite.set_time(Duration::from_millis(at.duration_ms));
            if let Some(t) = timestamp {
                suite.set_timestamp(t);
            }
            for (name, value) in &properties {
                suite.add_property(Property::new(*name, xml_text(value)));
            }
            report.add_test_suite(suite);
        }
        let skeleton = redactor.text(&report.to_string().map_err(render_error)?);
        // The skeleton has each suite's opening and properties; the cases go before each end.
        let mut rest = skeleton.as_str();
        let mut areas = tally.areas.keys();
        let mut current: Option<&String> = None;
        cases.drain_sorted(|key, xml| {
            let area = key.split('\0').next().unwrap_or_default();
            if current.map(String::as_str) != Some(area) {
                if current.is_some() {
                    file.write_all(SUITE_END.as_bytes())?;
                    rest = &rest[SUITE_END.len()..];
                }
                // Suites and spooled cases are both in area order.
                current = areas.next();
                copy_to_suite_end(&mut file, &mut rest)?;
            }
            file.write_all(xml)
        })?;
        file.write_all(rest.as_bytes())?;
        file.commit()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hostile_case_makes_well_formed_xml() {
        let hostile = "\x1b]0;pwned\x07\x00\x0b\u{fffe}\u{9b}\u{202e}<script>&";
        let case: CaseReport = serde_json::from_value(serde_json::json!({
            "id": format!("area/{hostile}"), "area": "area", "title": hostile,
            "rules": ["O1"], "severity": "must", "outcome": "fail", "verdict": "fail",
            "gating": true, "duration_ms": 1, "message": hostile,
            "failures": [{ "rule": "O1", "expectation": hostile, "message": hostile,
                           "diff": hostile }],
            "exchanges": [], "story": hostile,
        }))
        .expect("a case report");
        let xml = testcase_xml(&case).expect("rendered");
        assert!(
            !xml.chars()
                .any(|c| xml::is_forbidden(c) || c == '\x1b' || c == '\u{202e}'),
            "{xml}"
        );
        assert!(
            xml.contains("\\x1b]0;pwned\\x07") && xml.contains("&lt;script&gt;"),
            "{xml}"
        );
    }
}
