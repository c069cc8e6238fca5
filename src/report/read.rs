//! Reading reports back: a report.json file, or the reports a directory holds.

use std::path::{Path, PathBuf};

use super::error::ReportError;
use super::model::{Report, FORMAT};

/// Where a run split over processes leaves its reports, inside its report directory.
pub const FRAGMENTS: &str = "fragments";

pub fn read_report(path: &Path) -> Result<Report, ReportError> {
    let bytes = std::fs::read(path).map_err(|source| ReportError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let value: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| ReportError::NotAReport {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
    match value.get("format").and_then(|f| f.as_str()) {
        Some(FORMAT) => {}
        Some(other) => {
            return Err(ReportError::NotAReport {
                path: path.to_path_buf(),
                message: format!("its format is `{other}`, this harness reads `{FORMAT}`"),
            })
        }
        None => {
            return Err(ReportError::NotAReport {
                path: path.to_path_buf(),
                message: "it has no `format`".to_string(),
            })
        }
    }
    serde_json::from_value(value).map_err(|e| ReportError::NotAReport {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// The report files that `inputs` name: a file is itself; a directory stands for the fragments
/// in its `fragments/` folder, or, without one, for the `*.json` files in it.
pub fn report_files(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, ReportError> {
    let mut out = Vec::new();
    for input in inputs {
        if !input.is_dir() {
            out.push(input.clone());
            continue;
        }
        let fragments = input.join(FRAGMENTS);
        let dir = if fragments.is_dir() {
            fragments
        } else {
            input.clone()
        };
        let entries = std::fs::read_dir(&dir).map_err(|source| ReportError::Read {
            path: dir.clone(),
            source,
        })?;
        let mut found: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "json"))
            .collect();
        if found.is_empty() {
            return Err(ReportError::Incompatible(format!(
                "{} holds no report (*.json)",
                dir.display()
            )));
        }
        found.sort();
        out.extend(found);
    }
    Ok(out)
}
