//! `compare.md`: the comparison in GitHub-flavoured Markdown.

use crate::text::markdown::{cell, cell_code, inline};

use super::compare::{Cell, Comparison};
use super::markdown::verdict_cell;

fn cell_text(c: &Option<Cell>) -> String {
    match c {
        None => "—".to_string(),
        Some(c) => verdict_cell(c.verdict),
    }
}

pub fn compare_markdown(c: &Comparison) -> String {
    let mut out = format!(
        "# Conformance compared: {} targets, {} of {} cases differ\n\n| Target | Report | Passed | Failed | Errored | Warnings | Skipped |\n|---|---|--:|--:|--:|--:|--:|\n",
        c.columns.len(),
        c.differing(),
        c.cases()
    );
    for col in &c.columns {
        let s = &col.summary;
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} |\n",
            cell(&col.label),
            cell_code(&col.file.display().to_string()),
            s.passed,
            s.failed,
            s.errored,
            s.warnings,
            s.skipped
        ));
    }
    out.push('\n');
    let header: String = c
        .columns
        .iter()
        .map(|col| format!(" {} |", cell(&col.label)))
        .collect();
    for (area, rows) in &c.areas {
        let differing = rows.iter().filter(|r| r.differs()).count();
        out.push_str(&format!(
            "## {} — {differing} of {} differ\n\n| Case |{header}\n|---|{}\n",
            inline(area),
            rows.len(),
            "---|".repeat(c.columns.len())
        ));
        for row in rows {
            let id = if row.differs() {
                format!("**{}**", cell_code(&row.id))
            } else {
                cell_code(&row.id)
            };
            let cells: String = row
                .cells
                .iter()
                .map(|cell| format!(" {} |", cell_text(cell)))
                .collect();
            out.push_str(&format!("| {id} |{cells}\n"));
        }
        out.push('\n');
    }
    out
}
