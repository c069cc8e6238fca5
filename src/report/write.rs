//! Writing a run's reports to a directory.

use std::path::{Path, PathBuf};

use crate::run::CaseResult;

use super::junit::junit;
use super::model::{build, RunInfo};
use super::redact::Redactor;

/// Why a report directory or a report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("failed to create the report directory {}: {source}", dir.display())]
    CreateDir {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the report directory {} is not writable: {source}", dir.display())]
    NotWritable {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("failed to render {name}: {reason}")]
    Render { name: &'static str, reason: String },
    #[error("failed to write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Creates the report directory and proves it writable, before anything runs.
pub fn prepare_dir(dir: &Path) -> Result<(), WriteError> {
    std::fs::create_dir_all(dir).map_err(|source| WriteError::CreateDir {
        dir: dir.to_path_buf(),
        source,
    })?;
    let probe = dir.join(".mpsd-conformance-write-test");
    std::fs::write(&probe, b"").map_err(|source| WriteError::NotWritable {
        dir: dir.to_path_buf(),
        source,
    })?;
    let _ = std::fs::remove_file(probe);
    Ok(())
}

/// Writes report.json and junit.xml; returns their paths.
pub fn write_reports(
    dir: &Path,
    info: &RunInfo,
    results: &[CaseResult],
    redactor: &Redactor,
) -> Result<Vec<PathBuf>, WriteError> {
    std::fs::create_dir_all(dir).map_err(|source| WriteError::CreateDir {
        dir: dir.to_path_buf(),
        source,
    })?;
    let report = build(info, results, redactor);
    let json = serde_json::to_vec_pretty(&report).map_err(|e| WriteError::Render {
        name: "report.json",
        reason: e.to_string(),
    })?;
    let json_path = dir.join("report.json");
    // The fields are redacted as they are built; this last pass over every byte written is the
    // guarantee DESIGN.md asks for, whatever a future field forgets.
    write_atomic(&json_path, &redactor.bytes(&json))?;
    let xml = junit(results, info.fail_on, redactor).map_err(|reason| WriteError::Render {
        name: "junit.xml",
        reason,
    })?;
    let junit_path = dir.join("junit.xml");
    write_atomic(&junit_path, redactor.text(&xml).as_bytes())?;
    Ok(vec![json_path, junit_path])
}

/// Write to a temporary file and rename, so a reader never sees half a report.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).map_err(|source| WriteError::Write {
        path: tmp.clone(),
        source,
    })?;
    std::fs::rename(&tmp, path).map_err(|source| WriteError::Write {
        path: path.to_path_buf(),
        source,
    })
}
