//! `report compare`: several targets' reports side by side, case by case — `compare.md` and
//! `compare.html`, grouped by area, the cases whose verdicts differ first.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::verdict::{Summary, Verdict};

use super::compare_md::compare_markdown;
use super::error::ReportError;
use super::html::compare_page;
use super::output::AtomicFile;
use super::read::read_report;

/// One report among those compared.
#[derive(Debug)]
pub struct Column {
    /// The target, as a heading says it.
    pub label: String,
    pub file: PathBuf,
    pub started_at: String,
    pub fingerprint: String,
    pub summary: Summary,
}

/// A case's verdict in one report, and why.
#[derive(Clone, Debug)]
pub struct Cell {
    pub verdict: Verdict,
    pub message: Option<String>,
}

#[derive(Debug)]
pub struct Row {
    pub id: String,
    pub title: String,
    /// One per column; `None` where that report has no such case.
    pub cells: Vec<Option<Cell>>,
}

impl Row {
    /// Not every report says the same of this case.
    pub fn differs(&self) -> bool {
        let first = self
            .cells
            .first()
            .and_then(|c| c.as_ref().map(|c| c.verdict));
        self.cells
            .iter()
            .any(|c| c.as_ref().map(|c| c.verdict) != first)
    }
}

#[derive(Debug)]
pub struct Comparison {
    pub columns: Vec<Column>,
    /// Areas with differences first, then by name; in each, differing cases first, then by id.
    pub areas: Vec<(String, Vec<Row>)>,
}

impl Comparison {
    pub fn differing(&self) -> usize {
        self.areas
            .iter()
            .map(|(_, rows)| rows.iter().filter(|r| r.differs()).count())
            .sum()
    }

    pub fn cases(&self) -> usize {
        self.areas.iter().map(|(_, rows)| rows.len()).sum()
    }
}

/// A case's title and its cell in each report, while the reports are read.
type TitledCells = (String, Vec<Option<Cell>>);

/// Reads the reports; refuses reports of different case sets unless `allow_different_suites`.
pub fn comparison(
    files: &[PathBuf],
    allow_different_suites: bool,
) -> Result<Comparison, ReportError> {
    let mut columns = Vec::new();
    let mut table: BTreeMap<String, BTreeMap<String, TitledCells>> = BTreeMap::new();
    for (i, file) in files.iter().enumerate() {
        let report = read_report(file)?;
        if let Some(first) = columns.first() {
            let first: &Column = first;
            if first.fingerprint != report.info.suite.fingerprint && !allow_different_suites {
                return Err(ReportError::Incompatible(format!(
                    "{} and {} are reports of different case sets ({} and {}); --allow-different-suites compares them anyway",
                    first.file.display(),
                    file.display(),
                    first.fingerprint,
                    report.info.suite.fingerprint
                )));
            }
        }
        let label = if report.info.target.embedded {
            "embedded reference".to_string()
        } else {
            report.info.target.url.clone()
        };
        columns.push(Column {
            label,
            file: file.clone(),
            started_at: report.info.started_at.clone(),
            fingerprint: report.info.suite.fingerprint.clone(),
            summary: report.info.summary,
        });
        for case in report.cases {
            let entry = table
                .entry(case.case.area.clone())
                .or_default()
                .entry(case.case.id.clone())
                .or_insert_with(|| (case.case.title.clone(), vec![None; files.len()]));
            if let Some(cell) = entry.1.get_mut(i) {
                *cell = Some(Cell {
                    verdict: case.verdict,
                    message: case.message,
                });
            }
        }
    }
    disambiguate(&mut columns);
    let mut areas: Vec<(String, Vec<Row>)> = table
        .into_iter()
        .map(|(area, cases)| {
            let mut rows: Vec<Row> = cases
                .into_iter()
                .map(|(id, (title, cells))| Row { id, title, cells })
                .collect();
            rows.sort_by(|a, b| b.differs().cmp(&a.differs()).then(a.id.cmp(&b.id)));
            (area, rows)
        })
        .collect();
    areas.sort_by(|a, b| {
        let differs = |rows: &[Row]| rows.iter().any(Row::differs);
        differs(&b.1).cmp(&differs(&a.1)).then(a.0.cmp(&b.0))
    });
    Ok(Comparison { columns, areas })
}

/// Two reports of one target are told apart by when they ran.
fn disambiguate(columns: &mut [Column]) {
    let labels: Vec<String> = columns.iter().map(|c| c.label.clone()).collect();
    for c in columns.iter_mut() {
        if labels.iter().filter(|l| **l == c.label).count() > 1 {
            c.label = format!("{} ({})", c.label, c.started_at.replace('T', " "));
        }
    }
}

/// Writes compare.md and compare.html into `dir`; returns their paths.
pub fn write_comparison(dir: &Path, comparison: &Comparison) -> Result<Vec<PathBuf>, ReportError> {
    let md_path = dir.join("compare.md");
    let html_path = dir.join("compare.html");
    let mut md = AtomicFile::create(&md_path)?;
    let mut html = AtomicFile::create(&html_path)?;
    md.write_all(compare_markdown(comparison).as_bytes())?;
    html.write_all(compare_page(comparison).as_bytes())?;
    Ok(vec![md.commit()?, html.commit()?])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_case_missing_from_one_report_differs() {
        let pass = Some(Cell {
            verdict: Verdict::Pass,
            message: None,
        });
        let same = Row {
            id: "a/b".into(),
            title: String::new(),
            cells: vec![pass.clone(), pass.clone()],
        };
        let missing = Row {
            id: "a/c".into(),
            title: String::new(),
            cells: vec![pass, None],
        };
        assert!(!same.differs());
        assert!(missing.differs());
    }
}
