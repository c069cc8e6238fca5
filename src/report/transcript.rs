//! A case's exchanges as text, the way an HTTP client prints them (already redacted).

use crate::run::CaseResult;
use crate::verdict::FailOn;

use super::model::{CaseReport, ExchangeReport, MessageReport};
use crate::exchange::Redactor;

/// Bodies longer than this are cut in text transcripts; report.json keeps 64 KiB.
const SHOWN: usize = 4096;

/// Request and response heads and bodies, each body cut at a few KiB.
pub fn transcript(exchanges: &[ExchangeReport]) -> String {
    let mut out = String::new();
    for e in exchanges {
        if let Some((label, why)) = e.not_sent() {
            out.push_str(&format!("## {label}\n{}\n\n", not_sent(why)));
            continue;
        }
        out.push_str(&format!("## {} ({} ms)\n", e.step, e.duration_ms));
        out.push_str(&request_line(e));
        out.push('\n');
        push_headers(&mut out, "> ", &e.request);
        push_body(&mut out, &e.request);
        match (&e.response, &e.error) {
            (Some(resp), _) => {
                out.push_str(&format!("< {}\n", resp.status.unwrap_or(0)));
                push_headers(&mut out, "< ", resp);
                push_body(&mut out, resp);
            }
            (None, Some(err)) => out.push_str(&format!("! {err}\n")),
            (None, None) => {}
        }
        out.push('\n');
    }
    out
}

/// What a transcript says of a step that was not sent: `not sent (onlyIf …)`.
pub fn not_sent(why: &str) -> String {
    if why.is_empty() {
        "not sent".to_string()
    } else {
        format!("not sent ({why})")
    }
}

/// `> PUT http://…/handles/…/session`
pub fn request_line(e: &ExchangeReport) -> String {
    format!(
        "> {} {}",
        e.request.method.as_deref().unwrap_or(""),
        e.request.url.as_deref().unwrap_or("")
    )
}

fn push_headers(out: &mut String, mark: &str, m: &MessageReport) {
    for h in &m.headers {
        out.push_str(&format!("{mark}{}: {}\n", h.name, h.value));
    }
}

fn push_body(out: &mut String, m: &MessageReport) {
    if let Some(b64) = &m.body_base64 {
        out.push_str(&format!("(binary body, {} bytes as base64)\n", b64.len()));
        return;
    }
    let Some(body) = m.body.as_deref().filter(|b| !b.is_empty()) else {
        return;
    };
    let shown = crate::text::excerpt::of_text(body, SHOWN);
    out.push_str(&shown.text);
    if shown.cut || m.truncated {
        out.push_str(&format!(
            "\n… (cut: {} bytes shown of {}{})",
            shown.text.len(),
            body.len(),
            if m.truncated { "+" } else { "" }
        ));
    }
    out.push('\n');
}

/// Everything a person needs to see why a case did not pass: its failures with rules and
/// diffs, then the transcript.
pub fn explain_report(c: &CaseReport) -> String {
    let mut out = format!(
        "{} ({}; rules {})\n",
        c.case.title,
        c.case.severity.as_str(),
        c.case.rules.join(", ")
    );
    if let Some(m) = &c.message {
        out.push_str(&format!("{}: {m}\n", c.verdict.label()));
    }
    for f in &c.failures {
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
    if !c.exchanges.is_empty() {
        out.push_str("\ntranscript:\n");
        out.push_str(&transcript(&c.exchanges));
    }
    out
}

/// [`explain_report`] of a raw result, redacted and escaped for the terminal libtest prints it
/// on.
pub fn explain(r: &CaseResult, redactor: &Redactor) -> String {
    let c = CaseReport::from_result(r, FailOn::Should, None, true, redactor);
    let text = redactor.text(&explain_report(&c));
    crate::text::console::block(&text).into_owned()
}
