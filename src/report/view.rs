//! What the human-readable reports (Markdown, HTML) say, whatever their markup: the headline,
//! the facts of the run, scores.

use serde_json::Value;

use crate::case::Severity;
use crate::verdict::{Conclusion, Summary, Verdict};

use super::model::{CaseReport, ExchangeReport, RunInfo};
use super::tally::{score, Tally};

/// The run in a few words, and whether it is good news.
pub fn headline(s: &Summary) -> (&'static str, String) {
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    match s.conclusion() {
        Conclusion::Conformant if s.total == 0 => ("ok", "No case was selected".to_string()),
        Conclusion::Conformant => (
            "ok",
            format!(
                "Conformant: every gating case passed ({})",
                plural(s.passed, "pass", "passes")
            ),
        ),
        Conclusion::NotConformant => (
            "bad",
            format!(
                "Not conformant: {} gating {}",
                s.failed,
                if s.failed == 1 { "failure" } else { "failures" }
            ),
        ),
        Conclusion::Inconclusive => (
            "warn",
            format!(
                "Inconclusive: {} could not be judged",
                plural(s.errored, "case", "cases")
            ),
        ),
        Conclusion::Interrupted => (
            "warn",
            format!(
                "Interrupted: {} did not finish",
                plural(s.interrupted, "case", "cases")
            ),
        ),
    }
}

/// The facts of the run, as label and value.
pub fn facts(info: &RunInfo) -> Vec<(&'static str, String)> {
    let target = if info.target.embedded {
        "the embedded reference server".to_string()
    } else {
        info.target.url.clone()
    };
    vec![
        ("Target", target),
        (
            "Harness",
            format!("{} {}", info.harness.name, info.harness.version),
        ),
        ("Case set", info.suite.fingerprint.clone()),
        (
            "Cases",
            format!(
                "{} run of {} in the set",
                info.summary.total, info.suite.cases
            ),
        ),
        (
            "Detection score",
            match info.harness.detection_score {
                Some(d) => format!("{:.1}% of the built-in faults caught", d * 100.0),
                None => "not measured".to_string(),
            },
        ),
        ("Started", info.started_at.replace('T', " ")),
        ("Duration", duration(info.duration_ms)),
        ("Options", options_line(&info.options)),
    ]
}

pub fn duration(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms < 120_000 {
        format!("{:.2} s", ms as f64 / 1000.0)
    } else {
        format!("{} min {} s", ms / 60_000, (ms % 60_000) / 1000)
    }
}

/// The flags that say something: set, not false, not empty.
fn options_line(options: &Value) -> String {
    let Some(map) = options.as_object() else {
        return String::new();
    };
    let parts: Vec<String> = map
        .iter()
        .filter_map(|(k, v)| match v {
            Value::Null | Value::Bool(false) => None,
            Value::Array(a) if a.is_empty() => None,
            // Colour says nothing about the results.
            _ if k == "color" => None,
            Value::Array(a) if k == "report" => Some(format!(
                "--report {}",
                a.iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(",")
            )),
            Value::Bool(true) => Some(format!("--{}", k.replace('_', "-"))),
            Value::String(s) => Some(format!("--{} {s}", k.replace('_', "-"))),
            Value::Array(a) => Some(
                a.iter()
                    .map(|x| {
                        format!(
                            "--{} {}",
                            k.replace('_', "-"),
                            x.as_str().map_or(x.to_string(), str::to_string)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            other => Some(format!("--{} {other}", k.replace('_', "-"))),
        })
        .collect();
    if parts.is_empty() {
        "defaults".to_string()
    } else {
        parts.join(" ")
    }
}

/// Per severity: label, passed, judged, and the rest.
pub struct SeverityScore {
    pub severity: Severity,
    pub passed: usize,
    pub judged: usize,
    pub not_judged: usize,
}

impl SeverityScore {
    pub fn percent(&self) -> f64 {
        if self.judged == 0 {
            0.0
        } else {
            self.passed as f64 * 100.0 / self.judged as f64
        }
    }
}

pub fn severity_scores(tally: &Tally) -> Vec<SeverityScore> {
    [Severity::Must, Severity::Should, Severity::May]
        .into_iter()
        .filter_map(|severity| {
            let s = tally.severities.get(&severity)?;
            let (passed, judged) = score(s).unwrap_or((0, 0));
            Some(SeverityScore {
                severity,
                passed,
                judged,
                not_judged: s.total - judged,
            })
        })
        .collect()
}

/// The verdicts that occur, in the order reports show them.
pub fn columns(s: &Summary) -> Vec<Verdict> {
    Verdict::ALL
        .into_iter()
        .filter(|v| s.count(*v) > 0 || matches!(v, Verdict::Pass | Verdict::Fail))
        .collect()
}

/// The exchange a failure was seen on ([`CaseReport::failed_exchange`]), as a sentence names
/// it. A burst says so: `step w[3] (1 of 8 sent at once)` for a failure of one copy,
/// `step w, a burst of 8 (its last request shown)` for one of the whole burst (its tally).
pub fn exchange_name(c: &CaseReport, e: &ExchangeReport) -> String {
    let Some(burst) = e.burst_step() else {
        return step_name(&e.step);
    };
    let copies = c
        .exchanges
        .iter()
        .filter(|x| x.burst_step() == Some(burst))
        .count();
    let whole = c
        .failures
        .iter()
        .find_map(|f| f.step.as_deref())
        .is_some_and(|step| step == burst);
    if whole {
        format!(
            "{}, a burst of {copies} (its last request shown)",
            step_name(burst)
        )
    } else {
        format!("{} (1 of {copies} sent at once)", step_name(&e.step))
    }
}

/// A step as a sentence names it: its label when that is already `step N`, else `step LABEL`.
pub fn step_name(label: &str) -> String {
    if label.starts_with("step ") || crate::run::step_of(label) == "teardown" {
        label.to_string()
    } else {
        format!("step {label}")
    }
}

/// A case's one-line message without the `[rule] ` it starts with, for a column that shows the
/// rule already.
pub fn without_rule<'a>(message: &'a str, rule: &str) -> &'a str {
    message
        .strip_prefix(&format!("[{rule}] "))
        .unwrap_or(message)
}

/// Whether a case gets a details section: everything that needs attention, and unexpected
/// passes (their baseline entry can go).
pub fn has_details(v: Verdict) -> bool {
    v.needs_attention() || v == Verdict::UnexpectedPass
}

/// What the table of cases that need attention says of one: the rule (its first failure's,
/// else the case's) and why, without repeating the rule.
pub fn attention_cells(c: &CaseReport) -> (String, String) {
    let rule = c
        .failures
        .first()
        .map(|f| f.rule.clone())
        .unwrap_or_else(|| c.case.rules.join(", "));
    let why = match c.verdict {
        Verdict::UnexpectedPass => format!(
            "passes, but the baseline says: {}",
            c.baseline.as_deref().unwrap_or("")
        ),
        _ => without_rule(c.message.as_deref().unwrap_or_default(), &rule).to_string(),
    };
    (rule, why)
}

/// Sort key of a case among the ones that need attention: gating failures first.
pub fn attention_key(verdict: Verdict, id: &str) -> String {
    let rank = Verdict::ALL.iter().position(|v| *v == verdict).unwrap_or(9);
    format!("{rank}\0{id}")
}
