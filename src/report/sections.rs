//! What report.md and report.html spool as cases finish: each case's row under its area, and,
//! for a case that needs attention, its row in that list and its details. The pages are put
//! together at the end, when the counts that open them are known.

use std::path::Path;

use crate::exchange::Redactor;

use super::error::ReportError;
use super::model::CaseReport;
use super::output::Spool;
use super::view::{attention_key, has_details};

/// How a page renders the pieces of one case.
#[derive(Clone, Copy)]
pub struct CasePieces {
    pub area_row: fn(&CaseReport) -> String,
    pub attention_row: fn(&CaseReport) -> String,
    pub details: fn(&CaseReport) -> String,
}

/// The spooled pieces, each sorted when drained.
pub struct Sections {
    /// By area, then id.
    pub rows: Spool,
    /// By verdict, then id ([`attention_key`]).
    pub attention: Spool,
    /// In the order of `attention`.
    pub details: Spool,
    /// How the page renders them.
    pieces: CasePieces,
}

impl Sections {
    pub fn create(path: &Path, pieces: CasePieces) -> Result<Sections, ReportError> {
        Ok(Sections {
            rows: Spool::create(path)?,
            attention: Spool::create(path)?,
            details: Spool::create(path)?,
            pieces,
        })
    }

    /// Spools the pieces of `c`, redacted.
    pub fn push(&mut self, c: &CaseReport, redactor: &Redactor) -> Result<(), ReportError> {
        let pieces = self.pieces;
        self.rows.push(
            format!("{}\0{}", c.case.area, c.case.id),
            redactor.text(&(pieces.area_row)(c)).as_bytes(),
        )?;
        if has_details(c.verdict) {
            let key = attention_key(c.verdict, &c.case.id);
            self.attention.push(
                key.clone(),
                redactor.text(&(pieces.attention_row)(c)).as_bytes(),
            )?;
            self.details
                .push(key, redactor.text(&(pieces.details)(c)).as_bytes())?;
        }
        Ok(())
    }
}

/// What [`drain_by_area`] hands over, in order.
pub enum AreaPiece<'a> {
    /// The first row of this area comes next.
    Open(&'a str),
    Row(&'a [u8]),
    /// The area's last row is written; `last` when no area follows.
    Close {
        last: bool,
    },
}

/// Drains `rows` in area order, each area opened before its first row and closed after its
/// last.
pub fn drain_by_area(
    rows: Spool,
    mut each: impl FnMut(AreaPiece<'_>) -> Result<(), ReportError>,
) -> Result<(), ReportError> {
    let mut area: Option<String> = None;
    rows.drain_sorted(|key, row| {
        let this = key.split('\0').next().unwrap_or_default();
        if area.as_deref() != Some(this) {
            if area.is_some() {
                each(AreaPiece::Close { last: false })?;
            }
            each(AreaPiece::Open(this))?;
            area = Some(this.to_string());
        }
        each(AreaPiece::Row(row))
    })?;
    if area.is_some() {
        each(AreaPiece::Close { last: true })?;
    }
    Ok(())
}
