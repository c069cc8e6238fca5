//! The file reporters of a run, fed by its events as cases finish (nextest's runner → events →
//! reporters). Each finished case is turned once into its report form — redacted, bodies cut,
//! exchanges kept only when `--transcripts` says so — and handed to every reporter, which keeps
//! only what it needs: counts, and spooled pieces on disk. Nothing here holds the run's results.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::run::{CaseResult, Event, EventSink};
use crate::verdict::{FailOn, Summary, Transcripts};

use super::baseline::{Baseline, BaselineWriter};
use super::error::ReportError;
use super::html::HtmlReporter;
use super::json::JsonReporter;
use super::junit::JunitReporter;
use super::markdown::MarkdownReporter;
use super::model::{CaseReport, RunInfo};
use super::output::check_target;
use super::tally::Tally;
use crate::exchange::Redactor;

/// One report file.
pub trait Reporter: Send {
    /// A finished case.
    fn case(&mut self, case: &CaseReport) -> Result<(), ReportError>;
    /// Writes the file; returns its path.
    fn finish(self: Box<Self>, info: &RunInfo, tally: &Tally) -> Result<PathBuf, ReportError>;
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Format {
    Json,
    Junit,
    Md,
    Html,
}

impl Format {
    pub const ALL: [Format; 4] = [Format::Json, Format::Junit, Format::Md, Format::Html];

    pub fn file_name(self) -> &'static str {
        match self {
            Format::Json => "report.json",
            Format::Junit => "junit.xml",
            Format::Md => "report.md",
            Format::Html => "report.html",
        }
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Format, String> {
        match s {
            "json" => Ok(Format::Json),
            "junit" => Ok(Format::Junit),
            "md" => Ok(Format::Md),
            "html" => Ok(Format::Html),
            _ => Err(format!(
                "unknown report format `{s}` (json, junit, md, html)"
            )),
        }
    }
}

/// Where and what to write.
#[derive(Clone, Debug)]
pub struct ReportOptions {
    pub dir: PathBuf,
    pub formats: Vec<Format>,
    /// report.json goes by this name instead (a fragment of a run split over processes).
    pub fragment_name: Option<String>,
    pub transcripts: Transcripts,
    pub fail_on: FailOn,
    /// `--write-baseline FILE`.
    pub write_baseline: Option<PathBuf>,
    /// `$GITHUB_STEP_SUMMARY`: report.md is appended to it too.
    pub step_summary: Option<PathBuf>,
    /// The request model's cells, for the page's matrix (empty: no matrix).
    pub coverage: std::sync::Arc<[crate::plan::CoverageCell]>,
}

impl ReportOptions {
    pub fn path(&self, format: Format) -> PathBuf {
        match (&self.fragment_name, format) {
            (Some(name), Format::Json) => self.dir.join(name),
            _ => self.dir.join(format.file_name()),
        }
    }

    /// Proves, before anything is sent, that every file can be written.
    pub fn check(&self) -> Result<(), ReportError> {
        std::fs::create_dir_all(&self.dir).map_err(|source| ReportError::CreateDir {
            path: self.dir.clone(),
            source,
        })?;
        for format in &self.formats {
            check_target(&self.path(*format))?;
        }
        if let Some(path) = &self.write_baseline {
            check_target(path)?;
        }
        Ok(())
    }
}

/// What a finished set of reporters wrote, and what it could not.
#[derive(Debug, Default)]
pub struct Written {
    pub paths: Vec<PathBuf>,
    pub errors: Vec<ReportError>,
    pub summary: Summary,
}

pub struct ReportSet {
    options: ReportOptions,
    redactor: Redactor,
    baseline: Baseline,
    /// Each reporter with the first error it met; a reporter that failed is fed no more.
    reporters: Vec<(Box<dyn Reporter>, Option<ReportError>)>,
    tally: Tally,
}

impl ReportSet {
    /// Opens every file (temporary until the end); fails before anything is sent.
    pub fn create(
        options: ReportOptions,
        redactor: Redactor,
        baseline: Baseline,
    ) -> Result<ReportSet, ReportError> {
        options.check()?;
        let mut reporters: Vec<Box<dyn Reporter>> = Vec::new();
        for format in &options.formats {
            let path = options.path(*format);
            let r = redactor.clone();
            reporters.push(match format {
                Format::Json => Box::new(JsonReporter::create(&path, r)?),
                Format::Junit => Box::new(JunitReporter::create(&path, r)?),
                Format::Md => Box::new(MarkdownReporter::create(
                    &path,
                    r,
                    options.step_summary.clone(),
                )?),
                Format::Html => Box::new(HtmlReporter::create(
                    &path,
                    r,
                    std::sync::Arc::clone(&options.coverage),
                )?),
            });
        }
        if let Some(path) = &options.write_baseline {
            reporters.push(Box::new(BaselineWriter::create(path)?));
        }
        Ok(ReportSet {
            options,
            redactor,
            baseline,
            reporters: reporters.into_iter().map(|r| (r, None)).collect(),
            tally: Tally::default(),
        })
    }

    pub fn report_dir(&self) -> &Path {
        &self.options.dir
    }

    /// A finished case of this run.
    pub fn result(&mut self, r: &CaseResult) {
        let keep = self
            .options
            .transcripts
            .keeps(r.verdict(self.options.fail_on));
        let case = CaseReport::from_result(
            r,
            self.options.fail_on,
            self.baseline.reason(&r.case.id),
            keep,
            &self.redactor,
        );
        self.case(&case);
    }

    /// A case already in report form (a merge's input).
    pub fn case(&mut self, case: &CaseReport) {
        self.tally.add(case);
        for (reporter, failed) in &mut self.reporters {
            if failed.is_none() {
                if let Err(e) = reporter.case(case) {
                    *failed = Some(e);
                }
            }
        }
    }

    pub fn summary(&self) -> Summary {
        self.tally.summary
    }

    /// Writes every file. A file that cannot be written is left out, its temporary file
    /// removed, and the others are still written.
    pub fn finish(self, mut info: RunInfo) -> Written {
        info.summary = self.tally.summary;
        let mut written = Written {
            summary: self.tally.summary,
            ..Written::default()
        };
        for (reporter, failed) in self.reporters {
            match failed {
                Some(e) => written.errors.push(e),
                None => match reporter.finish(&info, &self.tally) {
                    Ok(path) => written.paths.push(path),
                    Err(e) => written.errors.push(e),
                },
            }
        }
        written
    }
}

impl EventSink for ReportSet {
    fn event(&mut self, event: &Event) {
        if let Event::CaseFinished { result } = event {
            self.result(result);
        }
    }
}
