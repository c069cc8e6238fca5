//! Writing a run's reports to a directory.

use std::path::{Path, PathBuf};

use crate::run::CaseResult;

use super::junit::junit;
use super::model::{build, RunInfo};
use super::redact::Redactor;

/// Creates the report directory and proves it writable, before anything runs.
pub fn prepare_dir(dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("failed to create report directory {}: {e}", dir.display()))?;
    let probe = dir.join(".mpsd-conformance-write-test");
    std::fs::write(&probe, b"")
        .map_err(|e| format!("report directory {} is not writable: {e}", dir.display()))?;
    let _ = std::fs::remove_file(probe);
    Ok(())
}

/// Writes report.json and junit.xml; returns their paths.
pub fn write_reports(
    dir: &Path,
    info: &RunInfo,
    results: &[CaseResult],
    redactor: &Redactor,
) -> Result<Vec<PathBuf>, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("failed to create {}: {e}", dir.display()))?;
    let report = build(info, results, redactor);
    let json = serde_json::to_vec_pretty(&report)
        .map_err(|e| format!("failed to render report.json: {e}"))?;
    let json_path = dir.join("report.json");
    // The fields are redacted as they are built; this last pass over every byte written is the
    // guarantee DESIGN.md asks for, whatever a future field forgets.
    write_atomic(&json_path, &redactor.bytes(&json))?;
    let xml = junit(results, info.fail_on, redactor)?;
    let junit_path = dir.join("junit.xml");
    write_atomic(&junit_path, redactor.text(&xml).as_bytes())?;
    Ok(vec![json_path, junit_path])
}

/// Write to a temporary file and rename, so a reader never sees half a report.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).map_err(|e| format!("failed to write {}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| format!("failed to write {}: {e}", path.display()))
}
