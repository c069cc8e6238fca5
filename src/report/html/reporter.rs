//! Feeding the page as cases finish: each case's pieces are spooled, and the page is put
//! together at the end, when the counts that open it are known.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::plan::CoverageCell;

use crate::verdict::Verdict;

use super::super::error::ReportError;
use super::super::model::{CaseReport, RunInfo};
use super::super::output::AtomicFile;
use super::super::sections::{drain_by_area, AreaPiece, CasePieces, Sections};
use super::super::set::Reporter;
use super::super::tally::Tally;
use super::case::{area_row, attention_row, details};
use super::page;
use crate::exchange::Redactor;

/// How this page renders a case.
const PIECES: CasePieces = CasePieces {
    area_row,
    attention_row,
    details,
};

pub struct HtmlReporter {
    file: AtomicFile,
    sections: Sections,
    redactor: Redactor,
    /// The request model's cells, and the verdicts of the generated cases that check them.
    coverage: Arc<[CoverageCell]>,
    verdicts: HashMap<String, Verdict>,
}

impl HtmlReporter {
    pub fn create(
        path: &Path,
        redactor: Redactor,
        coverage: Arc<[CoverageCell]>,
    ) -> Result<HtmlReporter, ReportError> {
        Ok(HtmlReporter {
            file: AtomicFile::create(path)?,
            sections: Sections::create(path, PIECES)?,
            redactor,
            coverage,
            verdicts: HashMap::new(),
        })
    }
}

/// The verdict a spool key of [`attention_key`] starts with.
fn verdict_of(key: &str) -> Option<Verdict> {
    let rank: usize = key.split('\0').next()?.parse().ok()?;
    Verdict::ALL.get(rank).copied()
}

impl Reporter for HtmlReporter {
    fn case(&mut self, c: &CaseReport) -> Result<(), ReportError> {
        if !self.coverage.is_empty() && c.case.area == crate::case::generate::AREA {
            self.verdicts.insert(c.case.id.clone(), c.verdict);
        }
        self.sections.push(c, &self.redactor)
    }

    fn finish(self: Box<Self>, info: &RunInfo, tally: &Tally) -> Result<PathBuf, ReportError> {
        let HtmlReporter {
            mut file,
            sections,
            redactor,
            coverage,
            verdicts,
        } = *self;
        let r = &redactor;
        file.write_all(
            r.text(&page::head(info, tally, !coverage.is_empty()))
                .as_bytes(),
        )?;
        file.write_all(r.text(&page::summary(info, tally)).as_bytes())?;
        let has_attention = !sections.attention.is_empty();
        if has_attention {
            file.write_all(page::attention_open(page::attention_count(&tally.summary)).as_bytes())?;
            let mut group = None;
            sections.attention.drain_sorted(|key, row| {
                let v = verdict_of(key);
                if v != group {
                    group = v;
                    if let Some(v) = v {
                        file.write_all(
                            page::attention_group(v, tally.summary.count(v)).as_bytes(),
                        )?;
                    }
                }
                file.write_all(row)
            })?;
            file.write_all(page::ATTENTION_CLOSE.as_bytes())?;
        }
        file.write_all(r.text(&page::matrix(tally)).as_bytes())?;
        file.write_all(r.text(&page::areas_overview(tally)).as_bytes())?;
        drain_by_area(sections.rows, |piece| match piece {
            AreaPiece::Open(area) => file.write_all(
                r.text(&page::area_open(area, tally.areas.get(area)))
                    .as_bytes(),
            ),
            AreaPiece::Row(row) => file.write_all(row),
            AreaPiece::Close { .. } => file.write_all(page::AREA_CLOSE.as_bytes()),
        })?;
        file.write_all(page::AREAS_CLOSE.as_bytes())?;
        file.write_all(
            r.text(&super::coverage::section(&coverage, &verdicts))
                .as_bytes(),
        )?;
        if has_attention {
            file.write_all(page::details_open().as_bytes())?;
            sections
                .details
                .drain_sorted(|_, article| file.write_all(article))?;
            file.write_all(page::DETAILS_CLOSE.as_bytes())?;
        }
        file.write_all(r.text(&page::tail(info)).as_bytes())?;
        file.commit()
    }
}
