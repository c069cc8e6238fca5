//! The terminal reporter: a progress bar on a terminal (plain lines otherwise), each case that
//! did not pass as it finishes, then the failures grouped by cause, where the reports are, and
//! the closing line. It counts with the same verdicts as every report file.
//!
//! Everything a case holds (ids, titles, messages, diffs, transcripts) may come from a target or
//! a file: it is escaped for the terminal when it is noted, before any colour is added, and the
//! styled lines are written as they are.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::PathBuf;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle, TermLike};

use crate::run::{CaseResult, ConcurrencyInfo, Event, EventSink};
use crate::text::console::{block, line as one_line};
use crate::verdict::{FailOn, Summary, Verdict};

use super::model::CaseReport;
use super::terminal::Margined;
use super::transcript::{request_line, transcript};
use super::view::exchange_name;
use crate::exchange::Redactor;

/// Lines of a diff shown per failure; the reports have them all.
const DIFF_LINES: usize = 24;
/// A group of failures with one cause shows this many cases in full.
const SHOWN_IN_FULL: usize = 1;
/// From this many cases on, failures with one cause are shown as a group.
const GROUP_FROM: usize = 3;
/// Ids listed per group.
const LISTED: usize = 8;

/// `-q`, default, `-v`, `-vv`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    /// Only the closing line.
    Quiet,
    #[default]
    Normal,
    /// Transcripts of the cases that did not pass.
    Verbose,
    /// Transcripts of every case.
    VeryVerbose,
}

/// What the closing part needs of a case that did not pass; the transcript is not kept.
struct Noted {
    id: String,
    verdict: Verdict,
    headline: String,
    /// `[rule] expectation: message` and diff lines.
    body: Vec<String>,
    /// `step w: PUT http://… → 500`
    step: Option<String>,
    /// What groups it with others: its first rule and expectation, or its message.
    cause: String,
}

pub struct Console {
    redactor: Redactor,
    color: bool,
    fail_on: FailOn,
    verbosity: Verbosity,
    bar: Option<ProgressBar>,
    /// Not a terminal: a line per case instead of a bar.
    plain: bool,
    summary: Summary,
    noted: Vec<Noted>,
    /// Where a person reads the details (report.html, else report.md or report.json).
    details_at: Option<PathBuf>,
}

/// Columns of a verdict's label (` FAIL`, `XFAIL`).
const LABEL_WIDTH: usize = 5;

/// `line` cut to `width` characters, an ellipsis marking the cut.
fn fit(line: &str, width: usize) -> String {
    if line.chars().count() <= width {
        return line.to_string();
    }
    let kept: String = line.chars().take(width.saturating_sub(1)).collect();
    format!("{kept}…")
}

fn clip(line: &str) -> String {
    const WIDTH: usize = 160;
    if line.chars().count() <= WIDTH {
        return line.to_string();
    }
    format!("{}…", line.chars().take(WIDTH - 1).collect::<String>())
}

impl Console {
    pub fn new(redactor: Redactor, color: bool, fail_on: FailOn, verbosity: Verbosity) -> Console {
        Console {
            redactor,
            color,
            fail_on,
            verbosity,
            bar: None,
            // Transcripts (-v) run over many lines: they go as plain lines, not under a bar.
            plain: !crate::output::human_is_terminal() || verbosity > Verbosity::Normal,
            summary: Summary::default(),
            noted: Vec::new(),
            details_at: None,
        }
    }

    /// The report a failure points at.
    pub fn set_details_at(&mut self, path: Option<PathBuf>) {
        self.details_at = path;
    }

    pub fn summary(&self) -> Summary {
        self.summary
    }

    fn paint(&self, text: &str, code: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn diff_line(&self, line: &str) -> String {
        match line.as_bytes().first() {
            Some(b'+') if !line.starts_with("+++") => self.paint(line, "32"),
            Some(b'-') if !line.starts_with("---") => self.paint(line, "31"),
            _ => line.to_string(),
        }
    }

    fn label(&self, v: Verdict) -> String {
        match v {
            Verdict::Pass => self.paint(" PASS", "32"),
            Verdict::UnexpectedPass => self.paint("UPASS", "33"),
            Verdict::Fail => self.paint(" FAIL", "31;1"),
            Verdict::ExpectedFailure => self.paint("XFAIL", "33"),
            Verdict::Warning => self.paint(" WARN", "33"),
            Verdict::Error => self.paint("ERROR", "35;1"),
            Verdict::Skip => self.paint(" SKIP", "36"),
            Verdict::Interrupted => self.paint(" INTR", "36"),
        }
    }

    /// Writes a line whose data is escaped already.
    fn line(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.println(text),
            None => crate::output::out_styled(format_args!("{text}\n")),
        }
    }

    /// Removes the progress bar, leaving the terminal as it was; call before anything else is
    /// printed after the run.
    pub fn clear_progress(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }

    fn started(&mut self, total: usize) {
        if self.verbosity == Verbosity::Quiet {
            return;
        }
        if self.plain {
            let plural = if total == 1 { "" } else { "s" };
            self.line(&format!("running {total} case{plural}"));
            return;
        }
        let bar = ProgressBar::with_draw_target(
            Some(total as u64),
            ProgressDrawTarget::term_like(Box::new(Margined::human())),
        );
        // `wide_msg` is cut to the (narrowed) width: a line that wrapped would stay behind.
        if let Ok(style) =
            ProgressStyle::with_template("{spinner} {elapsed:>4} [{bar:30}] {pos}/{len} {wide_msg}")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.enable_steady_tick(Duration::from_millis(200));
        self.bar = Some(bar);
    }

    /// A case the run could not even start (an unreachable target, said once already): it is
    /// counted, not shown.
    pub fn count_only(&mut self, r: &CaseResult) {
        self.summary.add(r.verdict(self.fail_on));
    }

    fn finished(&mut self, r: &CaseResult) {
        let verdict = r.verdict(self.fail_on);
        self.summary.add(verdict);
        if let Some(bar) = &self.bar {
            bar.inc(1);
            bar.set_message(one_line(&r.case.id).into_owned());
        }
        let attention = verdict.needs_attention() || verdict == Verdict::UnexpectedPass;
        let with_transcript = match self.verbosity {
            Verbosity::VeryVerbose => true,
            Verbosity::Verbose => verdict.needs_attention(),
            _ => false,
        };
        let every_line = self.plain && self.verbosity > Verbosity::Quiet;
        if !(attention || with_transcript || every_line) {
            return;
        }
        let report = CaseReport::from_result(
            r,
            self.fail_on,
            None,
            with_transcript || verdict.needs_attention(),
            &self.redactor,
        );
        if self.verbosity > Verbosity::Quiet {
            let mut text = format!("{} ({} ms)", one_line(&r.case.id), r.duration.as_millis());
            if let Some(m) = &report.message {
                text.push_str(&format!(": {}", clip(&one_line(m))));
            }
            if let Some(bar) = &self.bar {
                // Under the bar a line must not wrap: the bar counts the lines it moves over.
                let width = Margined::human().width() as usize;
                text = fit(&text, width.saturating_sub(LABEL_WIDTH + 1));
                bar.println(format!("{} {text}", self.label(verdict)));
            } else {
                self.line(&format!("{} {text}", self.label(verdict)));
            }
            if with_transcript && !report.exchanges.is_empty() {
                let shown: Vec<String> = transcript(&report.exchanges)
                    .lines()
                    .map(|l| format!("      {}", clip(&block(l))))
                    .collect();
                self.line(&shown.join("\n"));
            }
        }
        if attention {
            self.noted.push(self.note(&report));
        }
    }

    fn note(&self, c: &CaseReport) -> Noted {
        let mut body = Vec::new();
        for f in &c.failures {
            body.push(format!(
                "[{}] expected {}: {}",
                one_line(&f.rule),
                one_line(&f.expectation),
                block(&f.message)
            ));
            if let Some(diff) = &f.diff {
                let lines: Vec<&str> = diff.lines().collect();
                for line in lines.iter().take(DIFF_LINES) {
                    body.push(format!("    {}", self.diff_line(&clip(&block(line)))));
                }
                if lines.len() > DIFF_LINES {
                    body.push(format!("    … {} more lines", lines.len() - DIFF_LINES));
                }
            }
        }
        if c.failures.is_empty() {
            if let Some(m) = &c.message {
                body.push(block(m).into_owned());
            }
        }
        if let Some(reason) = &c.baseline {
            body.push(format!("baseline: {}", one_line(reason)));
        }
        let step = c.failed_exchange().map(|e| {
            let answer = match (&e.response, &e.error) {
                (Some(r), _) => format!(" → {}", r.status.unwrap_or(0)),
                (None, Some(_)) => " → no answer".to_string(),
                _ => String::new(),
            };
            one_line(&format!(
                "at {}: {}{answer}",
                exchange_name(c, e),
                request_line(e).trim_start_matches("> ")
            ))
            .into_owned()
        });
        let cause = match c.failures.first() {
            Some(f) => format!("[{}] {}", f.rule, f.expectation),
            None => c.message.clone().unwrap_or_default(),
        };
        let cause = one_line(&cause).into_owned();
        Noted {
            id: one_line(&c.case.id).into_owned(),
            verdict: c.verdict,
            headline: one_line(&format!(
                "{} ({}; {})",
                c.case.id,
                c.case.severity.as_str(),
                c.case.title
            ))
            .into_owned(),
            body,
            step: step.filter(|_| c.verdict != Verdict::UnexpectedPass),
            cause,
        }
    }

    fn print_case(&self, out: &mut String, n: &Noted) {
        let _ = writeln!(out, "    {}", self.paint(&n.headline, "1"));
        if let Some(step) = &n.step {
            let _ = writeln!(out, "        {}", clip(step));
        }
        for line in &n.body {
            let _ = writeln!(out, "        {line}");
        }
        if let Some(at) = &self.details_at {
            if at.extension().is_some_and(|e| e == "html") {
                let at = one_line(&at.display().to_string()).into_owned();
                let _ = writeln!(out, "        details: {at}#case-{}", n.id);
            }
        }
    }

    /// One section: cases with one cause are grouped when there are many.
    fn print_section(&self, out: &mut String, title: &str, verdicts: &[Verdict]) {
        let cases: Vec<&Noted> = self
            .noted
            .iter()
            .filter(|n| verdicts.contains(&n.verdict))
            .collect();
        if cases.is_empty() {
            return;
        }
        let _ = writeln!(out, "\n{title} ({}):", cases.len());
        let mut groups: BTreeMap<&str, Vec<&Noted>> = BTreeMap::new();
        for n in &cases {
            groups.entry(n.cause.as_str()).or_default().push(n);
        }
        let mut groups: Vec<(&str, Vec<&Noted>)> = groups.into_iter().collect();
        // The biggest causes first; cases by id within.
        groups.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(b.0)));
        for (cause, mut members) in groups {
            members.sort_by(|a, b| a.id.cmp(&b.id));
            if members.len() < GROUP_FROM {
                for n in members {
                    self.print_case(out, n);
                }
                continue;
            }
            let _ = writeln!(
                out,
                "  {} — {} cases:",
                self.paint(&clip(cause), "1"),
                members.len()
            );
            for n in members.iter().take(SHOWN_IN_FULL) {
                self.print_case(out, n);
            }
            let rest: Vec<&str> = members
                .iter()
                .skip(SHOWN_IN_FULL)
                .map(|n| n.id.as_str())
                .collect();
            let listed = rest
                .iter()
                .take(LISTED)
                .copied()
                .collect::<Vec<_>>()
                .join(", ");
            let more = if rest.len() > LISTED {
                format!(" and {} more", rest.len() - LISTED)
            } else {
                String::new()
            };
            let _ = writeln!(out, "    the same in: {listed}{more}");
        }
    }

    /// The closing part: what did not pass, by cause; where the reports are; how many cases
    /// were in flight; the summary line.
    pub fn finish(
        &mut self,
        reports: &[PathBuf],
        concurrency: Option<&ConcurrencyInfo>,
        duration: Duration,
    ) {
        self.clear_progress();
        // Written at once through crate::output: a closed stdout goes quiet, never panics.
        let mut out = String::new();
        if self.summary.interrupted > 0 && !self.plain && self.verbosity == Verbosity::Quiet {
            // The terminal echoed `^C` where the closing line would start.
            let _ = writeln!(out);
        }
        if self.verbosity > Verbosity::Quiet {
            self.print_section(&mut out, "failures", &[Verdict::Fail]);
            self.print_section(&mut out, "errors (could not judge)", &[Verdict::Error]);
            self.print_section(
                &mut out,
                "warnings (do not gate)",
                &[Verdict::Warning, Verdict::ExpectedFailure],
            );
            self.print_section(
                &mut out,
                "unexpected passes (listed in the baseline)",
                &[Verdict::UnexpectedPass],
            );
            if !reports.is_empty() {
                let shown: Vec<String> = reports
                    .iter()
                    .map(|p| one_line(&p.display().to_string()).into_owned())
                    .collect();
                let _ = writeln!(out, "\nreports: {}", shown.join(", "));
            }
            if let Some(c) = concurrency {
                let _ = writeln!(out, "{}", concurrency_line(c));
            }
            let _ = writeln!(out);
        }
        let _ = writeln!(out, "{}", self.summary.line(duration));
        crate::output::out_styled(format_args!("{out}"));
    }
}

/// `concurrency: adaptive, up to 212 cases in flight (from 8, ceiling 256)`.
fn concurrency_line(c: &ConcurrencyInfo) -> String {
    match c.mode.as_str() {
        "fixed" => format!("concurrency: fixed, {} cases in flight (--jobs)", c.initial),
        mode => format!(
            "concurrency: {mode}, up to {} cases in flight (from {}, ceiling {})",
            c.reached, c.initial, c.max
        ),
    }
}

impl EventSink for Console {
    fn event(&mut self, event: &Event) {
        match event {
            Event::Started { total } => self.started(*total),
            Event::CaseStarted { .. } | Event::CaseRetried { .. } => {}
            Event::CaseFinished { result } => self.finished(result),
        }
    }
}
