//! `junit.xml`: one `<testsuite>` per area, one `<testcase name="<id>" classname="<area>">` per
//! case, written with quick-xml in the layout JUnit readers know (nextest's, four spaces of
//! indent, times in seconds with three decimals). Each case is rendered as it finishes and
//! spooled; the suites, whose counts are known only at the end, are put around them then.
//!
//! Every text goes through [`xml_text`] first: a target's answer may hold characters XML 1.0
//! forbids, and one of them makes a file no CI system reads. quick-xml escapes the markup.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;

use crate::verdict::{Summary, Verdict};

use super::error::ReportError;
use super::model::{CaseReport, RunInfo};
use super::output::{AtomicFile, Spool};
use super::set::Reporter;
use super::tally::{AreaTally, Tally};
use super::transcript::transcript;
use crate::exchange::Redactor;
use crate::text::xml;

/// Text for the XML: characters XML forbids (and terminal escapes) shown escaped.
fn xml_text(text: &str) -> Cow<'_, str> {
    xml::text(text)
}

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

/// A piece of the file written at `depth` (0 for `<testsuites>`, 1 for a `<testsuite>`, 2 for a
/// `<testcase>`), so that pieces written apart indent as one document would.
fn fragment(
    depth: usize,
    write: impl FnOnce(&mut Writer<Vec<u8>>) -> std::io::Result<()>,
) -> Result<String, ReportError> {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 4);
    for _ in 0..depth {
        // Opened only to set the indent; the enclosing elements are written by the caller.
        w.write_event(Event::Start(BytesStart::new("x")))
            .map_err(render_error)?;
    }
    let start = w.get_ref().len();
    write(&mut w).map_err(render_error)?;
    let bytes = w.into_inner().split_off(start);
    String::from_utf8(bytes).map_err(render_error)
}

/// Seconds with three decimals, as JUnit readers expect `time`.
fn seconds(ms: u64) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

fn text_element(w: &mut Writer<Vec<u8>>, name: &str, text: &str) -> std::io::Result<()> {
    w.write_event(Event::Start(BytesStart::new(name)))?;
    w.write_event(Event::Text(BytesText::new(text)))?;
    w.write_event(Event::End(BytesEnd::new(name)))
}

/// `<failure>`, `<error>` or `<skipped>`: a message, a type, and the failures as text.
fn status_element(
    w: &mut Writer<Vec<u8>>,
    name: &str,
    message: &str,
    ty: Option<&str>,
    description: Option<&str>,
) -> std::io::Result<()> {
    let mut tag = BytesStart::new(name);
    tag.push_attribute(("message", message));
    if let Some(ty) = ty {
        tag.push_attribute(("type", ty));
    }
    match description {
        Some(text) => {
            w.write_event(Event::Start(tag))?;
            w.write_event(Event::Text(BytesText::new(text)))?;
            w.write_event(Event::End(BytesEnd::new(name)))
        }
        None => w.write_event(Event::Empty(tag)),
    }
}

/// The `<testcase>` element of one case, as it stands inside its suite (a line of its own).
pub fn testcase_xml(case: &CaseReport) -> Result<String, ReportError> {
    let message = xml_text(case.message.as_deref().unwrap_or_default());
    let id = xml_text(&case.case.id);
    let area = xml_text(&case.case.area);
    // Only what did not pass carries output, as nextest does.
    let out = if case.verdict == Verdict::Pass {
        String::new()
    } else {
        // A finding of `explore` leads with its story, then the exchanges it told.
        match &case.story {
            Some(story) => format!("{story}\n{}", transcript(&case.exchanges)),
            None => transcript(&case.exchanges),
        }
    };
    fragment(2, |w| {
        let mut tag = BytesStart::new("testcase");
        tag.push_attribute(("name", &*id));
        tag.push_attribute(("classname", &*area));
        tag.push_attribute(("time", seconds(case.duration_ms).as_str()));
        if case.verdict == Verdict::Pass
            || (case.verdict == Verdict::UnexpectedPass && out.is_empty())
        {
            return w.write_event(Event::Empty(tag));
        }
        w.write_event(Event::Start(tag))?;
        match case.verdict {
            Verdict::Pass | Verdict::UnexpectedPass => {}
            Verdict::Fail => {
                let rule = case.failures.first().map_or("?", |f| f.rule.as_str());
                let ty = xml_text(&format!("rule {rule}")).into_owned();
                status_element(w, "failure", &message, Some(&ty), Some(&failure_text(case)))?;
            }
            Verdict::Error => status_element(w, "error", &message, None, None)?,
            Verdict::Warning | Verdict::ExpectedFailure | Verdict::Skip | Verdict::Interrupted => {
                let skipped = format!("{}: {message}", xml_text(&skip_reason(case)));
                let description = case.verdict.is_failure().then(|| failure_text(case));
                status_element(w, "skipped", &skipped, None, description.as_deref())?;
            }
        }
        if !out.is_empty() {
            text_element(w, "system-out", &xml_text(&out))?;
        }
        w.write_event(Event::End(BytesEnd::new("testcase")))
    })
}

/// Why a case that did not pass is `<skipped>` rather than a failure.
fn skip_reason(case: &CaseReport) -> String {
    match case.verdict {
        Verdict::Warning => format!(
            "warning: a {} failure does not gate",
            case.case.severity.as_str()
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
    xml_text(&out).into_owned()
}

/// What a suite counts as skipped: a warning, an expected failure and an interruption are
/// `<skipped>` too (DESIGN: JUnit).
fn skipped(s: &Summary) -> usize {
    s.skipped + s.interrupted + s.warnings + s.expected_failures
}

/// `<testsuites>` or `<testsuite>` named `name`, with its counts (in the order JUnit readers
/// know for each) and the run's start.
fn counted<'a>(
    element: &'a str,
    name: &str,
    counts: [(&str, usize); 4],
    timestamp: Option<&str>,
) -> BytesStart<'a> {
    let mut tag = BytesStart::new(element);
    tag.push_attribute(("name", &*xml_text(name)));
    for (count, n) in counts {
        tag.push_attribute((count, n.to_string().as_str()));
    }
    if let Some(t) = timestamp {
        tag.push_attribute(("timestamp", t));
    }
    tag
}

/// `tag` with its `time`, in seconds.
fn timed(mut tag: BytesStart<'_>, ms: u64) -> BytesStart<'_> {
    tag.push_attribute(("time", seconds(ms).as_str()));
    tag
}

/// The XML declaration and `<testsuites …>`: the whole run's counts.
fn head(info: &RunInfo, total: &Summary, timestamp: Option<&str>) -> Result<String, ReportError> {
    fragment(0, |w| {
        w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        let counts = [
            ("tests", total.total),
            ("skipped", skipped(total)),
            ("failures", total.failed),
            ("errors", total.errored),
        ];
        let tag = counted("testsuites", &info.harness.name, counts, timestamp);
        w.write_event(Event::Start(timed(tag, info.duration_ms)))
    })
}

/// A `<testsuite …>` and its properties, up to its first case.
fn suite_start(
    area: &str,
    at: &AreaTally,
    timestamp: Option<&str>,
    properties: &[(&str, String)],
) -> Result<String, ReportError> {
    let s = &at.summary;
    fragment(1, |w| {
        let counts = [
            ("tests", s.total),
            ("skipped", skipped(s)),
            ("errors", s.errored),
            ("failures", s.failed),
        ];
        let tag = counted("testsuite", area, counts, timestamp);
        w.write_event(Event::Start(timed(tag, at.duration_ms)))?;
        w.write_event(Event::Start(BytesStart::new("properties")))?;
        for (name, value) in properties {
            let mut p = BytesStart::new("property");
            p.push_attribute(("name", *name));
            p.push_attribute(("value", &*xml_text(value)));
            w.write_event(Event::Empty(p))?;
        }
        w.write_event(Event::End(BytesEnd::new("properties")))
    })
}

/// The end of a suite, or (at depth 0) of the file.
fn end(depth: usize, name: &str) -> Result<String, ReportError> {
    fragment(depth + 1, |w| {
        w.write_event(Event::End(BytesEnd::new(name)))
    })
}

impl Reporter for JunitReporter {
    fn case(&mut self, case: &CaseReport) -> Result<(), ReportError> {
        let xml = self.redactor.text(&testcase_xml(case)?);
        self.cases.push(
            format!("{}\0{}", case.case.area, case.case.id),
            xml.as_bytes(),
        )
    }

    fn finish(self: Box<Self>, info: &RunInfo, tally: &Tally) -> Result<PathBuf, ReportError> {
        let JunitReporter {
            mut file,
            cases,
            redactor,
        } = *self;
        let timestamp = chrono::DateTime::parse_from_rfc3339(&info.started_at)
            .ok()
            .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3f%:z").to_string());
        let timestamp = timestamp.as_deref();
        let properties = [
            ("target", info.target.url.clone()),
            ("fingerprint", info.suite.fingerprint.clone()),
            (
                "harness",
                format!("{} {}", info.harness.name, info.harness.version),
            ),
        ];
        let total = tally
            .areas
            .values()
            .fold(Summary::default(), |mut sum, at| {
                sum.total += at.summary.total;
                sum.failed += at.summary.failed;
                sum.errored += at.summary.errored;
                sum.skipped += skipped(&at.summary);
                sum
            });
        let write =
            |file: &mut AtomicFile, text: String| file.write_all(redactor.text(&text).as_bytes());
        write(&mut file, head(info, &total, timestamp)?)?;
        // Suites and spooled cases are both in area order.
        let mut areas = tally.areas.iter();
        let mut current: Option<&String> = None;
        cases.drain_sorted(|key, xml| {
            let area = key.split('\0').next().unwrap_or_default();
            if current.map(String::as_str) != Some(area) {
                if current.is_some() {
                    write(&mut file, end(1, "testsuite")?)?;
                }
                let (name, at) = areas
                    .next()
                    .ok_or_else(|| render_error("a case of an area the tally does not know"))?;
                current = Some(name);
                write(&mut file, suite_start(name, at, timestamp, &properties)?)?;
            }
            file.write_all(xml)
        })?;
        if current.is_some() {
            write(&mut file, end(1, "testsuite")?)?;
        }
        // An area without a spooled case still gets its (empty) suite.
        for (name, at) in areas {
            write(&mut file, suite_start(name, at, timestamp, &properties)?)?;
            write(&mut file, end(1, "testsuite")?)?;
        }
        write(&mut file, end(0, "testsuites")?)?;
        write(&mut file, "\n".to_string())?;
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
