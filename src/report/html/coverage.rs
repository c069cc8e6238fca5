//! The request model's matrix on the page: per table, each position × class of value (or form),
//! one mark per resource — what the generated case that checks the cell concluded, or a dot for a
//! cell that is not tried, its reason in the tooltip.

use std::collections::HashMap;

use crate::plan::{coverage_view, CoverageCell};
use crate::verdict::Verdict;

use super::markup::{anchor, class, escape};

/// The section, or nothing when the case set has no request model.
pub fn section(cells: &[CoverageCell], verdicts: &HashMap<String, Verdict>) -> String {
    if cells.is_empty() {
        return String::new();
    }
    let generated = cells.iter().filter(|c| c.case.is_some()).count();
    let mut out = format!(
        "<section id=\"model\">\n<h2>Request model</h2>\n<p class=\"note\">{} cells of <code>model.json</code>: {generated} checked by a generated case, {} not tried (hover a dot for why). One mark per resource, in the order the table names them.</p>\n",
        cells.len(),
        cells.len() - generated
    );
    let by_key: HashMap<(&str, &str, &str, &str), &CoverageCell> = cells
        .iter()
        .map(|c| {
            (
                (
                    c.table,
                    c.resource.as_str(),
                    c.position.as_str(),
                    c.class.as_str(),
                ),
                c,
            )
        })
        .collect();
    for table in coverage_view(cells) {
        out.push_str(&format!(
            "<h3>{} <span class=\"note\">on {}</span></h3>\n<div class=\"scroll\"><table class=\"model\">\n<tr><th></th>",
            escape(table.table),
            escape(&table.resources.join(", "))
        ));
        for class_id in &table.classes {
            out.push_str(&format!(
                "<th class=\"vert\"><span>{}</span></th>",
                escape(class_id)
            ));
        }
        out.push_str("</tr>\n");
        for row in &table.rows {
            out.push_str(&format!(
                "<tr><th><code>{}</code></th>",
                escape(&row.position)
            ));
            for class_id in &table.classes {
                out.push_str("<td>");
                for resource in &table.resources {
                    let key = (
                        table.table,
                        resource.as_str(),
                        row.position.as_str(),
                        class_id.as_str(),
                    );
                    out.push_str(&mark(by_key.get(&key).copied(), verdicts));
                }
                out.push_str("</td>");
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</table></div>\n");
    }
    out.push_str("</section>\n");
    out
}

/// One resource's mark in a cell.
fn mark(cell: Option<&CoverageCell>, verdicts: &HashMap<String, Verdict>) -> String {
    let Some(cell) = cell else {
        return "<span class=\"m none\"> </span>".into();
    };
    match (&cell.case, &cell.reason) {
        (Some(id), _) => {
            let verdict = verdicts.get(id).copied();
            let (css, symbol) = match verdict {
                Some(Verdict::Pass) => ("v-pass", "✓"),
                Some(v) if v.needs_attention() => (class(v), "✗"),
                Some(v) => (class(v), "–"),
                None => ("unrun", "○"),
            };
            let title = format!("{} · {}", id, verdict.map_or("not run", Verdict::label));
            let link = match verdict {
                Some(v) if v.needs_attention() => format!(" href=\"#{}\"", anchor(id)),
                _ => String::new(),
            };
            format!(
                "<a class=\"m {css}\" title=\"{}\"{link}>{symbol}</a>",
                escape(&title)
            )
        }
        (None, reason) => format!(
            "<span class=\"m skip\" title=\"not tried: {}\">·</span>",
            escape(reason.as_deref().unwrap_or_default())
        ),
    }
}
