//! `report.md`: the same story as report.html in GitHub-flavoured Markdown, short enough for a
//! pull request or `$GITHUB_STEP_SUMMARY` (appended there too when that variable is set).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::verdict::{Summary, Verdict};

use super::error::ReportError;
use super::model::{CaseReport, RunInfo};
use super::output::AtomicFile;
use super::sections::{drain_by_area, AreaPiece, CasePieces, Sections};
use super::set::Reporter;
use super::tally::{rule_order, Tally};
use super::transcript::transcript;
use super::view::{
    attention_cells, columns, duration, exchange_name, facts, headline, severity_scores,
};
use crate::exchange::Redactor;
use crate::text::markdown::{cell, cell_code, code, fenced, html};

/// GitHub takes at most 1 MiB of step summary per step.
const STEP_SUMMARY_LIMIT: usize = 1024 * 1024 - 4096;

/// How this page renders a case.
const PIECES: CasePieces = CasePieces {
    area_row,
    attention_row,
    details,
};

pub struct MarkdownReporter {
    file: AtomicFile,
    sections: Sections,
    redactor: Redactor,
    step_summary: Option<PathBuf>,
}

impl MarkdownReporter {
    pub fn create(
        path: &Path,
        redactor: Redactor,
        step_summary: Option<PathBuf>,
    ) -> Result<MarkdownReporter, ReportError> {
        Ok(MarkdownReporter {
            file: AtomicFile::create(path)?,
            sections: Sections::create(path, PIECES)?,
            redactor,
            step_summary,
        })
    }
}

fn icon(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "✅",
        Verdict::Fail => "❌",
        Verdict::Error => "⛔",
        Verdict::Warning => "⚠️",
        Verdict::ExpectedFailure => "🔸",
        Verdict::UnexpectedPass => "🔹",
        Verdict::Skip => "⏭️",
        Verdict::Interrupted => "⏹️",
    }
}

/// A verdict as a table cell: its icon and its label.
pub(super) fn verdict_cell(v: Verdict) -> String {
    format!("{} {}", icon(v), v.label())
}

/// A case id in a table cell.
fn anchor_id(id: &str) -> String {
    cell_code(id)
}

fn attention_row(c: &CaseReport) -> String {
    let (rule, why) = attention_cells(c);
    format!(
        "| {} | {} | {} | {} | {} |\n",
        verdict_cell(c.verdict),
        anchor_id(&c.case.id),
        c.case.severity.as_str(),
        cell(&rule),
        cell(&why)
    )
}

fn details(c: &CaseReport) -> String {
    let mut out = format!(
        "### {} {}\n\n{} · **{}** · rules {} · {}\n\n",
        icon(c.verdict),
        code(&c.case.id),
        cell(&c.case.title),
        c.case.severity.as_str(),
        cell(&c.case.rules.join(", ")),
        duration(c.duration_ms)
    );
    if let Some(reason) = &c.baseline {
        out.push_str(&format!("> Baseline: {}\n\n", cell(reason)));
    }
    if let Some(story) = &c.story {
        out.push_str(&fenced(story, "text"));
        out.push('\n');
    }
    if let Some(path) = &c.saved_as {
        out.push_str(&format!("Saved as {}\n\n", code(path)));
    }
    if c.verdict == Verdict::UnexpectedPass {
        out.push_str("This case passes now: its baseline entry can go.\n\n");
        return out;
    }
    if c.failures.is_empty() {
        if let Some(m) = &c.message {
            out.push_str(&format!("{}\n\n", cell(m)));
        }
    }
    for f in &c.failures {
        out.push_str(&format!(
            "- **{}** expected {}: {}\n",
            cell(&f.rule),
            code(&f.expectation),
            cell(&f.message)
        ));
        if let Some(d) = &f.diff {
            out.push('\n');
            out.push_str(&fenced(d, "diff"));
        }
    }
    out.push('\n');
    if let Some(e) = c.failed_exchange() {
        out.push_str(&format!(
            "At **{}**: {}{}\n\n",
            cell(&exchange_name(c, e)),
            code(&format!(
                "{} {}",
                e.request.method.as_deref().unwrap_or(""),
                e.request.url.as_deref().unwrap_or("")
            )),
            e.response
                .as_ref()
                .map(|r| format!(" → {}", r.status.unwrap_or(0)))
                .unwrap_or_default()
        ));
        out.push_str(&fenced(&e.curl, "sh"));
        out.push('\n');
        out.push_str(&format!(
            "<details><summary>Transcript: {} exchange{}</summary>\n\n{}\n</details>\n\n",
            c.exchanges.len(),
            if c.exchanges.len() == 1 { "" } else { "s" },
            fenced(&transcript(&c.exchanges), "http")
        ));
    }
    out
}

fn area_row(c: &CaseReport) -> String {
    format!(
        "| {} | {} | {} | {} | {} | {} |\n",
        anchor_id(&c.case.id),
        cell(&c.case.title),
        c.case.severity.as_str(),
        cell(&c.case.rules.join(", ")),
        verdict_cell(c.verdict),
        c.duration_ms
    )
}

fn counts_line(s: &Summary) -> String {
    Verdict::ALL
        .iter()
        .filter(|v| s.count(**v) > 0)
        .map(|v| format!("{} {}", icon(*v), v.counted(s.count(*v))))
        .collect::<Vec<_>>()
        .join(" · ")
}

fn head(info: &RunInfo, tally: &Tally) -> String {
    let (mood, line) = headline(&tally.summary);
    let mark = match mood {
        "ok" => "✅",
        "bad" => "❌",
        _ => "⚠️",
    };
    let mut out = format!("# {mark} {line}\n\n");
    out.push_str(&format!("{}\n\n", counts_line(&tally.summary)));
    out.push_str("| | |\n|---|---|\n");
    for (label, value) in facts(info) {
        out.push_str(&format!("| {label} | {} |\n", cell(&value)));
    }
    out.push_str("\n| Severity | Passed | Judged | Score |\n|---|--:|--:|--:|\n");
    for sc in severity_scores(tally) {
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            sc.severity.as_str(),
            sc.passed,
            sc.judged,
            if sc.judged == 0 {
                "–".to_string()
            } else {
                format!("{:.0}%", sc.percent())
            }
        ));
    }
    out.push('\n');
    out
}

fn matrix(tally: &Tally) -> String {
    let cols = columns(&tally.summary);
    let mut out = String::from("## Rules × outcome\n\n| Rule |");
    for v in &cols {
        out.push_str(&format!(" {} |", verdict_cell(*v)));
    }
    out.push_str("\n|---|");
    out.push_str(&"--:|".repeat(cols.len()));
    out.push('\n');
    let mut rules: Vec<_> = tally.rules.iter().collect();
    rules.sort_by(|a, b| rule_order(a.0, b.0));
    for (rule, s) in rules {
        out.push_str(&format!("| {} |", cell(rule)));
        for v in &cols {
            match s.count(*v) {
                0 => out.push_str(" · |"),
                n => out.push_str(&format!(" {n} |")),
            }
        }
        out.push('\n');
    }
    out.push('\n');
    out
}

fn area_open(area: &str, s: &Summary) -> String {
    format!(
        "<details{}><summary><b>{}</b>: {}</summary>\n\n| Case | Title | Severity | Rules | Verdict | ms |\n|---|---|---|---|---|--:|\n",
        if s.total > s.passed + s.skipped { " open" } else { "" },
        html(area),
        counts_line(s)
    )
}

impl Reporter for MarkdownReporter {
    fn case(&mut self, c: &CaseReport) -> Result<(), ReportError> {
        self.sections.push(c, &self.redactor)
    }

    fn finish(self: Box<Self>, info: &RunInfo, tally: &Tally) -> Result<PathBuf, ReportError> {
        let MarkdownReporter {
            mut file,
            sections,
            redactor,
            step_summary,
        } = *self;
        file.write_all(redactor.text(&head(info, tally)).as_bytes())?;
        if !sections.attention.is_empty() {
            file.write_all(
                b"## Needs attention\n\n| Verdict | Case | Severity | Rule | Why |\n|---|---|---|---|---|\n",
            )?;
            sections
                .attention
                .drain_sorted(|_, row| file.write_all(row))?;
            file.write_all(b"\n## Details\n\n")?;
            sections.details.drain_sorted(|_, d| file.write_all(d))?;
        }
        file.write_all(redactor.text(&matrix(tally)).as_bytes())?;
        file.write_all(b"## Areas\n\n")?;
        drain_by_area(sections.rows, |piece| match piece {
            AreaPiece::Open(area) => {
                let s = tally.areas.get(area).map(|a| a.summary).unwrap_or_default();
                file.write_all(redactor.text(&area_open(area, &s)).as_bytes())
            }
            AreaPiece::Row(row) => file.write_all(row),
            AreaPiece::Close { last: false } => file.write_all(b"\n</details>\n\n"),
            AreaPiece::Close { last: true } => file.write_all(b"\n</details>\n"),
        })?;
        let path = file.commit()?;
        if let Some(summary) = step_summary {
            append_step_summary(&path, &summary)?;
        }
        Ok(path)
    }
}

/// Appends report.md to the step summary, cut at a line when it is longer than GitHub takes.
fn append_step_summary(report: &Path, summary: &Path) -> Result<(), ReportError> {
    let mut text = Vec::new();
    std::fs::File::open(report)
        .and_then(|f| f.take(STEP_SUMMARY_LIMIT as u64 + 1).read_to_end(&mut text))
        .map_err(|source| ReportError::Read {
            path: report.to_path_buf(),
            source,
        })?;
    if text.len() > STEP_SUMMARY_LIMIT {
        let cut = text
            .iter()
            .take(STEP_SUMMARY_LIMIT)
            .rposition(|b| *b == b'\n')
            .unwrap_or(0);
        text.truncate(cut);
        text.extend_from_slice(
            b"\n\n</details>\n\n*The step summary is cut here: report.md and report.html have the rest.*\n",
        );
    }
    let mut out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(summary)
        .map_err(|e| ReportError::write(summary, e))?;
    out.write_all(&text)
        .and_then(|_| out.flush())
        .map_err(|e| ReportError::write(summary, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fences_outgrow_the_backticks_inside() {
        assert_eq!(fenced("a ``` b", "sh"), "````sh\na ``` b\n````\n");
        assert_eq!(cell("a|b\nc"), "a\\|b<br>c");
    }
}
