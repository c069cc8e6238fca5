//! The parts of the page built from the run's counts: head, summary, matrix, area overview.

use crate::verdict::{Summary, Verdict};

use super::super::model::RunInfo;
use super::super::tally::{rule_order, AreaTally, Tally};
use super::super::view::{columns, facts, headline, severity_scores};
use super::markup::{badge, class, escape};

const STYLE: &str = include_str!("style.css");
const SCRIPT: &str = include_str!("script.js");

/// The page's head and navigation; `has_model`: the case set has a request model to show.
pub fn head(info: &RunInfo, tally: &Tally, has_model: bool) -> String {
    let (mood, line) = headline(&tally.summary);
    let target = if info.target.embedded {
        "embedded reference".to_string()
    } else {
        info.target.url.clone()
    };
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n<title>{} · {}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n",
        escape(&line),
        escape(&target)
    );
    out.push_str(&format!(
        "<header class=\"top {mood}\"><div class=\"wrap\">\n<p class=\"kicker\">MPSD write-session-by-handle conformance</p>\n<h1>{}</h1>\n<p class=\"sub\">{} · {} · {}</p>\n</div></header>\n<main class=\"wrap\">\n",
        escape(&line),
        escape(&target),
        escape(&info.started_at.replace('T', " ")),
        escape(&super::super::view::duration(info.duration_ms))
    ));
    let attention = attention_count(&tally.summary);
    out.push_str("<nav><a href=\"#summary\">Summary</a>");
    if attention > 0 {
        out.push_str(&format!(
            "<a href=\"#attention\">Needs attention <span class=\"pill\">{attention}</span></a>"
        ));
    }
    out.push_str("<a href=\"#rules\">Rules</a><a href=\"#areas\">Areas</a>");
    if has_model {
        out.push_str("<a href=\"#model\">Request model</a>");
    }
    if attention > 0 {
        out.push_str("<a href=\"#details\">Details</a>");
    }
    out.push_str("</nav>\n");
    out
}

/// Cases that get a row among those needing attention.
pub fn attention_count(s: &Summary) -> usize {
    s.failed + s.errored + s.warnings + s.expected_failures + s.unexpected_passes
}

pub fn summary(info: &RunInfo, tally: &Tally) -> String {
    let s = &tally.summary;
    let mut out = String::from("<section id=\"summary\">\n<div class=\"counts\">\n");
    for v in Verdict::ALL {
        let n = s.count(v);
        if n == 0 && !matches!(v, Verdict::Pass | Verdict::Fail | Verdict::Error) {
            continue;
        }
        out.push_str(&format!(
            "<div class=\"count {}{}\"><span class=\"n\">{n}</span><span class=\"l\">{}</span></div>\n",
            class(v),
            if n == 0 { " zero" } else { "" },
            v.label()
        ));
    }
    out.push_str(&format!(
        "<div class=\"count total\"><span class=\"n\">{}</span><span class=\"l\">cases</span></div>\n</div>\n<div class=\"grid\">\n<table class=\"facts\">\n",
        s.total
    ));
    for (label, value) in facts(info) {
        out.push_str(&format!(
            "<tr><th>{label}</th><td>{}</td></tr>\n",
            escape(&value)
        ));
    }
    out.push_str("</table>\n<div class=\"scores\">\n<h3>Score by severity</h3>\n");
    let scores = severity_scores(tally);
    if scores.is_empty() {
        out.push_str("<p class=\"note\">Nothing was judged.</p>\n");
    }
    for sc in scores {
        let not_judged = if sc.not_judged > 0 {
            format!(" · {} not judged", sc.not_judged)
        } else {
            String::new()
        };
        out.push_str(&format!(
            "<div class=\"score\"><div class=\"sl\"><b>{}</b><span>{} of {} passed{not_judged}</span><span class=\"pct\">{}</span></div><div class=\"bar\"><div class=\"fill{}\" style=\"width: {:.1}%\"></div></div></div>\n",
            sc.severity.as_str(),
            sc.passed,
            sc.judged,
            if sc.judged == 0 { "–".to_string() } else { format!("{:.0}%", sc.percent()) },
            if sc.passed < sc.judged { " short" } else { "" },
            sc.percent()
        ));
    }
    out.push_str("</div>\n</div>\n</section>\n");
    out
}

pub fn attention_open(count: usize) -> String {
    format!(
        "<section id=\"attention\">\n<h2>Needs attention <span class=\"pill\">{count}</span></h2>\n<table class=\"list\">\n<thead><tr><th>Verdict</th><th>Case</th><th>Severity</th><th>Rule</th><th>Why</th></tr></thead>\n<tbody>\n"
    )
}

pub fn attention_group(v: Verdict, n: usize) -> String {
    format!(
        "<tr class=\"group\"><th colspan=\"5\">{} <span class=\"pill\">{n}</span></th></tr>\n",
        escape(&capitalised(v.label()))
    )
}

pub const ATTENTION_CLOSE: &str = "</tbody>\n</table>\n</section>\n";

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

pub fn matrix(tally: &Tally) -> String {
    let cols = columns(&tally.summary);
    let mut rules: Vec<(&String, &Summary)> = tally.rules.iter().collect();
    rules.sort_by(|a, b| rule_order(a.0, b.0));
    // Rules where something did not pass come first; the rest fold away.
    let (noted, clean): (Vec<_>, Vec<_>) = rules
        .into_iter()
        .partition(|(_, s)| s.passed + s.skipped < s.total);
    let mut out = String::from(
        "<section id=\"rules\">\n<h2>Rules × outcome</h2>\n<p class=\"note\">Each case counts for every rule it checks; a failing case counts against the rules it broke.</p>\n",
    );
    if !noted.is_empty() {
        out.push_str(&matrix_table(&cols, &noted));
    }
    if !clean.is_empty() {
        let label = if noted.is_empty() {
            format!("All {} rules: every case passed", clean.len())
        } else {
            format!("{} more rules where every case passed", clean.len())
        };
        out.push_str(&format!(
            "<details class=\"rest\"><summary>{label}</summary>\n{}</details>\n",
            matrix_table(&cols, &clean)
        ));
    }
    out.push_str("</section>\n");
    out
}

fn matrix_table(cols: &[Verdict], rules: &[(&String, &Summary)]) -> String {
    let mut out = String::from("<table class=\"matrix\">\n<thead><tr><th>Rule</th>");
    for v in cols {
        out.push_str(&format!("<th>{}</th>", badge(*v)));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for (rule, s) in rules {
        let broken = s.failed + s.errored > 0;
        out.push_str(&format!(
            "<tr{}><th>{}</th>",
            if broken { " class=\"broken\"" } else { "" },
            escape(rule)
        ));
        for v in cols {
            let n = s.count(*v);
            out.push_str(&count_cell(*v, n));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
    out
}

/// A count in a matrix: a dot for none, else the number in its verdict's colour.
fn count_cell(v: Verdict, n: usize) -> String {
    if n == 0 {
        "<td class=\"num zero\">·</td>".to_string()
    } else {
        format!("<td class=\"num {}\">{n}</td>", class(v))
    }
}

pub fn areas_overview(tally: &Tally) -> String {
    let cols = columns(&tally.summary);
    let mut out = String::from(
        "<section id=\"areas\">\n<h2>Areas</h2>\n<table class=\"matrix\">\n<thead><tr><th>Area</th><th>Cases</th>",
    );
    for v in &cols {
        out.push_str(&format!("<th>{}</th>", badge(*v)));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for (area, at) in &tally.areas {
        out.push_str(&format!(
            "<tr><th><a href=\"#area-{}\">{}</a></th><td class=\"num\">{}</td>",
            escape(area),
            escape(area),
            at.summary.total
        ));
        for v in &cols {
            let n = at.summary.count(*v);
            out.push_str(&count_cell(*v, n));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
    out
}

/// An area's table opens; it is open when something in it did not pass.
pub fn area_open(area: &str, at: Option<&AreaTally>) -> String {
    let s = at.map(|a| a.summary).unwrap_or_default();
    let open = s.total > s.passed + s.skipped;
    let mut counts: Vec<String> = Vec::new();
    for v in Verdict::ALL {
        let n = s.count(v);
        if n > 0 {
            counts.push(v.counted(n));
        }
    }
    format!(
        "<details class=\"area\" id=\"area-{}\"{}><summary><b>{}</b> <span class=\"counts-line\">{} · {}</span></summary>\n<table class=\"list\">\n<thead><tr><th>Case</th><th>Title</th><th>Severity</th><th>Rules</th><th>Verdict</th><th class=\"num\">ms</th></tr></thead>\n<tbody>\n",
        escape(area),
        if open { " open=\"open\"" } else { "" },
        escape(area),
        s.total,
        escape(&counts.join(", "))
    )
}

pub const AREA_CLOSE: &str = "</tbody>\n</table>\n</details>\n";
pub const AREAS_CLOSE: &str = "</section>\n";

pub fn details_open() -> &'static str {
    "<section id=\"details\">\n<h2>Details</h2>\n"
}

pub const DETAILS_CLOSE: &str = "</section>\n";

pub fn tail(info: &RunInfo) -> String {
    format!(
        "</main>\n<footer class=\"wrap\">{} {} · case set {} · report format {}</footer>\n<script>\n{SCRIPT}</script>\n</body>\n</html>\n",
        escape(&info.harness.name),
        escape(&info.harness.version),
        escape(&info.suite.fingerprint),
        escape(&info.format)
    )
}
