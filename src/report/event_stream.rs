//! `--message-format json`: the run told to another program as it happens, one JSON object per
//! line on stdout, as `reports/events.schema.json` describes (cargo's and nextest's
//! `--message-format`). Every line has passed the redactor, and no control character is left
//! raw in it: JSON escapes those below U+0020, this escapes DEL and the C1 controls too.

use serde::Serialize;
use serde_json::{json, Value};

use crate::exchange::Redactor;
use crate::run::{CaseResult, Event, EventSink};
use crate::verdict::{FailOn, Summary};

/// The stream's format; a change that breaks a reader gets a new number.
pub const EVENTS_FORMAT: &str = "mpsd-conformance-events/1";

/// What `run-started` tells.
#[derive(Clone, Debug, Serialize)]
pub struct RunStarted {
    /// `run` or `explore`.
    pub command: &'static str,
    pub fingerprint: String,
    /// Cases selected (none for `explore`, which makes its programs as it goes).
    pub selected: usize,
    /// Cases in the whole set.
    pub cases: usize,
    /// The target's URL, `embedded` for the embedded reference.
    pub target: String,
    pub embedded: bool,
    /// The configuration profile, when a configuration file was read.
    pub profile: Option<String>,
}

/// Writes the events to a line sink (stdout in the program, a buffer in tests).
pub struct EventStream {
    redactor: Redactor,
    fail_on: FailOn,
    write: Box<dyn FnMut(&str) + Send>,
}

impl EventStream {
    pub fn new(redactor: Redactor, fail_on: FailOn, write: Box<dyn FnMut(&str) + Send>) -> Self {
        EventStream {
            redactor,
            fail_on,
            write,
        }
    }

    /// The stream on stdout.
    pub fn stdout(redactor: Redactor, fail_on: FailOn) -> Self {
        EventStream::new(redactor, fail_on, Box::new(crate::output::data_line))
    }

    pub fn run_started(&mut self, started: &RunStarted) {
        self.emit("run-started", json!(started));
    }

    /// A case ended (its retries were told as they happened).
    pub fn case_finished(&mut self, result: &CaseResult) {
        let failures: Vec<Value> = result
            .failures
            .iter()
            .map(|f| json!({ "rule": f.rule, "expectation": f.expectation, "message": f.message }))
            .collect();
        self.emit(
            "case-finished",
            json!({
                "id": result.case.id,
                "outcome": result.case.outcome.as_str(),
                "verdict": result.verdict(self.fail_on),
                "gating": result.gates(self.fail_on),
                "severity": result.case.severity,
                "rules": result.case.rules,
                "duration_ms": result.duration.as_millis() as u64,
                "retries": result.retries,
                "message": result.message,
                "failures": failures,
            }),
        );
    }

    pub fn run_finished(&mut self, summary: &Summary, exit_code: u8, duration_ms: u64) {
        self.emit(
            "run-finished",
            json!({ "summary": summary, "exit_code": exit_code, "duration_ms": duration_ms }),
        );
    }

    fn emit(&mut self, kind: &str, fields: Value) {
        let mut event = json!({ "type": kind, "format": EVENTS_FORMAT });
        if let (Some(event), Value::Object(fields)) = (event.as_object_mut(), fields) {
            event.extend(fields);
        }
        let line = self.redactor.text(&event.to_string());
        (self.write)(&escape_controls(&line));
    }
}

impl EventSink for EventStream {
    fn event(&mut self, event: &Event) {
        match event {
            // `run-started` says more than the runner knows; the CLI sends it.
            Event::Started { .. } => {}
            Event::CaseStarted { id } => self.emit("case-started", json!({ "id": id })),
            Event::CaseRetried {
                id,
                request,
                retries,
            } => self.emit(
                "case-retried",
                json!({ "id": id, "request": request, "retries": retries }),
            ),
            Event::CaseFinished { result } => self.case_finished(result),
        }
    }
}

/// An optional sink: the stream when `--message-format json` asks for it.
impl<T: EventSink> EventSink for Option<T> {
    fn event(&mut self, event: &Event) {
        if let Some(sink) = self {
            sink.event(event);
        }
    }
}

/// JSON text with DEL and the C1 controls (which a terminal may obey) written as `\u` escapes;
/// in JSON text they can only stand inside strings, where the escape means the same.
fn escape_controls(line: &str) -> std::borrow::Cow<'_, str> {
    let raw = |c: char| c == '\u{7f}' || ('\u{80}'..='\u{9f}').contains(&c);
    if !line.contains(raw) {
        return std::borrow::Cow::Borrowed(line);
    }
    let mut out = String::with_capacity(line.len() + 8);
    for c in line.chars() {
        if raw(c) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    fn stream(secrets: &[&str]) -> (EventStream, Arc<Mutex<Vec<String>>>) {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&lines);
        let stream = EventStream::new(
            Redactor::new(secrets.iter().map(|s| s.to_string())),
            FailOn::Should,
            Box::new(move |l: &str| sink.lock().unwrap().push(l.to_string())),
        );
        (stream, lines)
    }

    #[test]
    fn every_line_is_typed_versioned_redacted_and_free_of_raw_controls() {
        let (mut s, lines) = stream(&["very-secret-value"]);
        s.event(&Event::CaseStarted {
            id: "a/very-secret-value\u{1b}[2J\u{9b}\u{7f}".to_string(),
        });
        let line = lines.lock().unwrap()[0].clone();
        assert!(!line.chars().any(|c| c.is_control()), "{line:?}");
        let v: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["type"], "case-started");
        assert_eq!(v["format"], EVENTS_FORMAT);
        assert_eq!(v["id"], "a/[REDACTED]\u{1b}[2J\u{9b}\u{7f}");
    }
}
