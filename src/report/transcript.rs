//! A case's exchanges as text, the way an HTTP client prints them (redacted).

use crate::run::CaseResult;

use super::model::exchange_report;
use super::redact::Redactor;

/// Request and response heads and bodies, each body cut at a few KiB.
pub fn transcript(r: &CaseResult, redactor: &Redactor) -> String {
    const SHOWN: usize = 4096;
    let mut out = String::new();
    for e in &r.exchanges {
        let rep = exchange_report(e, redactor);
        out.push_str(&format!("## {} ({} ms)\n", rep.step, rep.duration_ms));
        out.push_str(&format!(
            "> {} {}\n",
            rep.request.method.as_deref().unwrap_or(""),
            rep.request.url.as_deref().unwrap_or("")
        ));
        for h in &rep.request.headers {
            out.push_str(&format!("> {}: {}\n", h.name, h.value));
        }
        push_body(
            &mut out,
            rep.request.body.as_deref(),
            rep.request.body_base64.is_some(),
            SHOWN,
        );
        match (&rep.response, &rep.error) {
            (Some(resp), _) => {
                out.push_str(&format!("< {}\n", resp.status.unwrap_or(0)));
                for h in &resp.headers {
                    out.push_str(&format!("< {}: {}\n", h.name, h.value));
                }
                push_body(
                    &mut out,
                    resp.body.as_deref(),
                    resp.body_base64.is_some(),
                    SHOWN,
                );
            }
            (None, Some(err)) => out.push_str(&format!("! {err}\n")),
            (None, None) => {}
        }
        out.push('\n');
    }
    out
}

fn push_body(out: &mut String, body: Option<&str>, binary: bool, limit: usize) {
    if binary {
        out.push_str("(binary body)\n");
        return;
    }
    let Some(body) = body.filter(|b| !b.is_empty()) else {
        return;
    };
    let shown: String = body.chars().take(limit).collect();
    out.push_str(&shown);
    if shown.len() < body.len() {
        out.push_str(&format!("\n… ({} bytes in all)", body.len()));
    }
    out.push('\n');
}

/// Everything a person needs to see why a case did not pass: its failures with rules and
/// diffs, then the transcript.
pub fn explain(r: &CaseResult, redactor: &Redactor) -> String {
    let mut out = format!(
        "{} ({}; rules {})\n",
        r.title,
        r.severity.as_str(),
        r.rules.join(", ")
    );
    if let Some(m) = &r.message {
        out.push_str(&format!("{}: {m}\n", r.outcome.as_str()));
    }
    for f in &r.failures {
        out.push_str(&format!(
            "\n  rule {}: expected {}\n  {}\n",
            f.rule, f.expectation, f.message
        ));
        if let Some(d) = &f.diff {
            for line in d.lines() {
                out.push_str(&format!("    {line}\n"));
            }
        }
    }
    out.push_str("\ntranscript:\n");
    out.push_str(&transcript(r, redactor));
    redactor.text(&out)
}
