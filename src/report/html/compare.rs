//! `compare.html`: targets side by side, one self-contained page like report.html.

use super::super::compare::{Cell, Comparison, Row};
use super::markup::{badge, class, escape};

const STYLE: &str = include_str!("style.css");

fn cell(c: &Option<Cell>) -> String {
    match c {
        None => "<td class=\"missing\">not in this report</td>".to_string(),
        Some(c) => format!(
            "<td class=\"{}\" title=\"{}\">{}</td>",
            class(c.verdict),
            escape(c.message.as_deref().unwrap_or("")),
            badge(c.verdict)
        ),
    }
}

fn table(c: &Comparison, rows: &[&Row]) -> String {
    let mut out = String::from("<table class=\"list compare\">\n<thead><tr><th>Case</th>");
    for col in &c.columns {
        out.push_str(&format!("<th>{}</th>", escape(&col.label)));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in rows {
        out.push_str(&format!(
            "<tr{}><td class=\"id\"><code>{}</code><br/><span class=\"note\">{}</span></td>",
            if row.differs() {
                " class=\"differs\""
            } else {
                ""
            },
            escape(&row.id),
            escape(&row.title)
        ));
        for cell_of in &row.cells {
            out.push_str(&cell(cell_of));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
    out
}

pub fn compare_page(c: &Comparison) -> String {
    let differing = c.differing();
    let mood = if differing == 0 { "ok" } else { "warn" };
    let headline = format!(
        "{} targets compared: {} of {} cases differ",
        c.columns.len(),
        differing,
        c.cases()
    );
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n<title>{}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n<header class=\"top {mood}\"><div class=\"wrap\">\n<p class=\"kicker\">MPSD write-session-by-handle conformance</p>\n<h1>{}</h1>\n</div></header>\n<main class=\"wrap\">\n",
        escape(&headline),
        escape(&headline)
    );
    out.push_str("<section id=\"targets\">\n<h2>Targets</h2>\n<table class=\"list\">\n<thead><tr><th>Target</th><th>Report</th><th class=\"num\">Passed</th><th class=\"num\">Failed</th><th class=\"num\">Errored</th><th class=\"num\">Warnings</th><th class=\"num\">Skipped</th></tr></thead>\n<tbody>\n");
    for col in &c.columns {
        let s = &col.summary;
        out.push_str(&format!(
            "<tr><th>{}</th><td class=\"id\"><code>{}</code></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
            escape(&col.label),
            escape(&col.file.display().to_string()),
            s.passed,
            s.failed,
            s.errored,
            s.warnings,
            s.skipped
        ));
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
    for (area, rows) in &c.areas {
        let (differ, alike): (Vec<&Row>, Vec<&Row>) = rows.iter().partition(|r| r.differs());
        out.push_str(&format!(
            "<section class=\"area-compare\">\n<h2>{} <span class=\"pill\">{} of {} differ</span></h2>\n",
            escape(area),
            differ.len(),
            rows.len()
        ));
        if !differ.is_empty() {
            out.push_str(&table(c, &differ));
        }
        if !alike.is_empty() {
            // What every target agrees on folds away.
            out.push_str(&format!(
                "<details class=\"rest\"><summary>{} case{} alike in every report</summary>\n{}</details>\n",
                alike.len(),
                if alike.len() == 1 { "" } else { "s" },
                table(c, &alike)
            ));
        }
        out.push_str("</section>\n");
    }
    out.push_str("</main>\n</body>\n</html>\n");
    out
}
