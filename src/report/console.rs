//! The terminal reporter: a progress bar on a terminal, plain lines otherwise; each failure in
//! short form with its id and rule; the summary line last. Warnings go to stderr.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::case::Severity;
use crate::run::{CaseResult, Event, EventSink, FailOn, Outcome, Summary};

use super::redact::Redactor;

/// Lines of a diff shown per failure; report.json has them all.
const DIFF_LINES: usize = 24;

/// A line cut to a width a terminal shows.
fn clip(line: &str) -> String {
    const WIDTH: usize = 160;
    if line.chars().count() <= WIDTH {
        return line.to_string();
    }
    format!("{}…", line.chars().take(WIDTH - 1).collect::<String>())
}

pub struct Console {
    redactor: Redactor,
    color: bool,
    fail_on: FailOn,
    bar: Option<ProgressBar>,
    verbose_lines: bool,
}

impl Console {
    pub fn new(redactor: Redactor, color: bool, fail_on: FailOn) -> Console {
        let terminal = std::io::stdout().is_terminal();
        Console {
            redactor,
            color,
            fail_on,
            bar: None,
            verbose_lines: !terminal,
        }
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

    fn label(&self, r: &CaseResult) -> String {
        match r.outcome {
            Outcome::Pass if r.in_baseline => self.paint("UPASS", "33"),
            Outcome::Pass => self.paint(" PASS", "32"),
            Outcome::Fail if r.gates(self.fail_on) => self.paint(" FAIL", "31;1"),
            Outcome::Fail if r.expected_failure(self.fail_on) => self.paint("XFAIL", "33"),
            Outcome::Fail => self.paint(" WARN", "33"),
            Outcome::Error => self.paint("ERROR", "35;1"),
            Outcome::Skip => self.paint(" SKIP", "36"),
            Outcome::Interrupted => self.paint(" INTR", "36"),
        }
    }

    fn line(&self, text: String) {
        match &self.bar {
            Some(bar) => bar.println(text),
            None => {
                let mut out = std::io::stdout().lock();
                let _ = writeln!(out, "{text}");
            }
        }
    }

    /// The closing part: failures in short form, may-failures as warnings, the summary last.
    pub fn finish(&mut self, results: &[CaseResult]) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        let gating: Vec<&CaseResult> = results.iter().filter(|r| r.gates(self.fail_on)).collect();
        let errors: Vec<&CaseResult> = results
            .iter()
            .filter(|r| r.outcome == Outcome::Error)
            .collect();
        let mut out = std::io::stdout().lock();
        if !gating.is_empty() {
            let _ = writeln!(out, "\nfailures:");
            for r in &gating {
                let _ = writeln!(
                    out,
                    "    {} ({}; {})",
                    self.paint(&r.id, "1"),
                    r.severity.as_str(),
                    r.title
                );
                for f in &r.failures {
                    let _ = writeln!(
                        out,
                        "        [{}] {}",
                        f.rule,
                        self.redactor.text(&f.message)
                    );
                    if let Some(diff) = &f.diff {
                        for line in self.redactor.text(diff).lines().take(DIFF_LINES) {
                            let _ = writeln!(out, "            {}", self.diff_line(&clip(line)));
                        }
                    }
                }
            }
        }
        if !errors.is_empty() {
            let _ = writeln!(out, "\nerrors (could not judge):");
            for r in &errors {
                let _ = writeln!(
                    out,
                    "    {} {}",
                    r.id,
                    self.redactor.text(r.message.as_deref().unwrap_or(""))
                );
            }
        }
        let warnings: Vec<&CaseResult> = results
            .iter()
            .filter(|r| r.outcome == Outcome::Fail && !r.gates(self.fail_on))
            .collect();
        drop(out);
        if !warnings.is_empty() {
            let mut err = std::io::stderr().lock();
            for r in warnings {
                let kind = if r.severity == Severity::May {
                    "may-case"
                } else if r.in_baseline {
                    "expected failure"
                } else {
                    "non-gating"
                };
                let _ = writeln!(
                    err,
                    "warning: {kind} {} {}",
                    r.id,
                    self.redactor.text(r.message.as_deref().unwrap_or(""))
                );
            }
        }
        let summary = Summary::of(results, self.fail_on);
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out);
        let _ = writeln!(out, "{}", summary.line());
        let _ = out.flush();
    }
}

impl EventSink for Console {
    fn event(&mut self, event: &Event) {
        match event {
            Event::Started { total } => {
                if !self.verbose_lines {
                    let bar = ProgressBar::with_draw_target(
                        Some(*total as u64),
                        ProgressDrawTarget::stdout(),
                    );
                    if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}") {
                        bar.set_style(style);
                    }
                    bar.enable_steady_tick(Duration::from_millis(200));
                    self.bar = Some(bar);
                } else {
                    let plural = if *total == 1 { "" } else { "s" };
                    self.line(format!("running {total} case{plural}"));
                }
            }
            Event::CaseStarted { .. } => {}
            Event::CaseFinished { result } => {
                let r = result.as_ref();
                if let Some(bar) = &self.bar {
                    bar.inc(1);
                    bar.set_message(r.id.clone());
                }
                let shown = self.verbose_lines || r.outcome != Outcome::Pass;
                if shown {
                    let mut text =
                        format!("{} {} ({} ms)", self.label(r), r.id, r.duration.as_millis());
                    if let Some(m) = &r.message {
                        text.push_str(&format!(": {}", self.redactor.text(m)));
                    }
                    self.line(text);
                }
            }
        }
    }
}
