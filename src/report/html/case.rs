//! The pieces of the page that belong to one case: its row in its area's table, its row among
//! the cases that need attention, and its details.

use crate::verdict::Verdict;

use super::super::model::{CaseReport, ExchangeReport, MessageReport};
use super::super::transcript::not_sent;
use super::super::view::{attention_cells, duration, exchange_name, has_details};
use super::markup::{anchor, badge, class, diff, escape};

fn id_cell(c: &CaseReport) -> String {
    if has_details(c.verdict) {
        format!(
            r##"<a href="#{}"><code>{}</code></a>"##,
            anchor(&c.case.id),
            escape(&c.case.id)
        )
    } else {
        format!("<code>{}</code>", escape(&c.case.id))
    }
}

/// The case's row in its area's table.
pub fn area_row(c: &CaseReport) -> String {
    format!(
        "<tr class=\"{}\"><td class=\"id\">{}</td><td>{}</td><td class=\"sev\">{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td></tr>\n",
        class(c.verdict),
        id_cell(c),
        escape(&c.case.title),
        c.case.severity.as_str(),
        escape(&c.case.rules.join(", ")),
        badge(c.verdict),
        c.duration_ms
    )
}

/// The case's row in the table of cases that need attention.
pub fn attention_row(c: &CaseReport) -> String {
    let (rule, why) = attention_cells(c);
    format!(
        "<tr class=\"{}\"><td>{}</td><td class=\"id\">{}</td><td class=\"sev\">{}</td><td>{}</td><td class=\"why\">{}</td></tr>\n",
        class(c.verdict),
        badge(c.verdict),
        id_cell(c),
        c.case.severity.as_str(),
        escape(&rule),
        escape(&why)
    )
}

/// Everything a person needs to see why the case did not pass, and to send its request again.
pub fn details(c: &CaseReport) -> String {
    let mut out = format!(
        "<article class=\"case {}\" id=\"{}\">\n<h3>{} <code>{}</code></h3>\n",
        class(c.verdict),
        anchor(&c.case.id),
        badge(c.verdict),
        escape(&c.case.id)
    );
    out.push_str(&format!(
        "<p class=\"meta\">{} · <b>{}</b> · rules {} · {}</p>\n",
        escape(&c.case.title),
        c.case.severity.as_str(),
        escape(&c.case.rules.join(", ")),
        duration(c.duration_ms)
    ));
    if let Some(reason) = &c.baseline {
        out.push_str(&format!(
            "<p class=\"baseline\">Baseline: {}</p>\n",
            escape(reason)
        ));
    }
    if let Some(story) = &c.story {
        out.push_str(&format!("<pre class=\"story\">{}</pre>\n", escape(story)));
    }
    if let Some(path) = &c.saved_as {
        out.push_str(&format!(
            "<p class=\"saved\">Saved as <code>{}</code></p>\n",
            escape(path)
        ));
    }
    if c.verdict == Verdict::UnexpectedPass {
        out.push_str("<p class=\"msg\">This case passes now: its baseline entry can go.</p>\n");
    } else if c.failures.is_empty() {
        if let Some(m) = &c.message {
            out.push_str(&format!("<p class=\"msg\">{}</p>\n", escape(m)));
        }
    }
    for f in &c.failures {
        out.push_str(&format!(
            "<div class=\"failure\"><p><span class=\"rule\">{}</span> expected <code>{}</code></p>\n<p class=\"msg\">{}</p>\n",
            escape(&f.rule),
            escape(&f.expectation),
            escape(&f.message)
        ));
        if let Some(d) = &f.diff {
            out.push_str(&diff(d));
            out.push('\n');
        }
        out.push_str("</div>\n");
    }
    match c.failed_exchange() {
        Some(e) if c.verdict != Verdict::UnexpectedPass => {
            out.push_str(&format!(
                "<p class=\"step\">At <b>{}</b>: <code>{} {}</code>{}</p>\n",
                escape(&exchange_name(c, e)),
                escape(e.request.method.as_deref().unwrap_or("")),
                escape(e.request.url.as_deref().unwrap_or("")),
                match (&e.response, &e.error) {
                    (Some(r), _) => format!(" → {}", r.status.unwrap_or(0)),
                    (None, Some(err)) => format!(" → {}", escape(err)),
                    _ => String::new(),
                }
            ));
            out.push_str(&format!(
                "<div class=\"curl\"><button type=\"button\" class=\"copy\">Copy</button><pre>{}</pre></div>\n",
                escape(&e.curl)
            ));
        }
        _ => {}
    }
    if c.exchanges.is_empty() {
        if c.verdict != Verdict::UnexpectedPass {
            out.push_str("<p class=\"note\">No transcript kept (--transcripts).</p>\n");
        }
    } else {
        out.push_str(&format!(
            "<details class=\"transcript\"><summary>Transcript: {} exchange{}</summary>\n",
            c.exchanges.len(),
            if c.exchanges.len() == 1 { "" } else { "s" }
        ));
        for e in &c.exchanges {
            out.push_str(&exchange(e));
        }
        out.push_str("</details>\n");
    }
    out.push_str("</article>\n");
    out
}

fn exchange(e: &ExchangeReport) -> String {
    if let Some((label, why)) = e.not_sent() {
        return format!(
            "<div class=\"exchange not-sent\"><p class=\"xhead\"><b>{}</b> <span class=\"note\">{}</span></p></div>\n",
            escape(label),
            escape(&not_sent(why))
        );
    }
    let status = match (&e.response, &e.error) {
        (Some(r), _) => r.status.unwrap_or(0).to_string(),
        (None, Some(_)) => "no answer".to_string(),
        _ => String::new(),
    };
    let mut out = format!(
        "<div class=\"exchange\"><p class=\"xhead\"><b>{}</b> <code>{} {}</code> <span class=\"status s{}\">{}</span> <span class=\"ms\">{} ms</span></p>\n",
        escape(&e.step),
        escape(e.request.method.as_deref().unwrap_or("")),
        escape(e.request.url.as_deref().unwrap_or("")),
        status.chars().next().unwrap_or('x'),
        escape(&status),
        e.duration_ms
    );
    out.push_str(&message("req", &e.request));
    if let Some(r) = &e.response {
        out.push_str(&message("resp", r));
    }
    if let Some(err) = &e.error {
        out.push_str(&format!("<pre class=\"err\">{}</pre>\n", escape(err)));
    }
    out.push_str("</div>\n");
    out
}

fn message(kind: &str, m: &MessageReport) -> String {
    let mut text = String::new();
    for h in &m.headers {
        text.push_str(&format!("{}: {}\n", h.name, h.value));
    }
    match (&m.body, &m.body_base64) {
        (Some(b), _) if !b.is_empty() => {
            text.push('\n');
            // JSON is easier to read laid out; a cut body stays as it was.
            match serde_json::from_str::<serde_json::Value>(b) {
                Ok(doc) if !m.truncated && b.len() > 80 => {
                    text.push_str(&serde_json::to_string_pretty(&doc).unwrap_or_else(|_| b.clone()))
                }
                _ => text.push_str(b),
            }
        }
        (_, Some(b64)) => text.push_str(&format!("\n(binary body, base64)\n{b64}")),
        _ => {}
    }
    if m.truncated {
        text.push_str("\n… (cut at 64 KiB)");
    }
    format!("<pre class=\"{kind}\">{}</pre>\n", escape(text.trim_end()))
}
