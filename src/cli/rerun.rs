//! `--rerun-failed REPORT`: the ids of the failing and erroring cases of an earlier report.json.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::report::FORMAT;

/// Why an earlier report cannot say what to rerun.
#[derive(Debug, thiserror::Error)]
pub enum RerunError {
    #[error("failed to read the report to rerun {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} is not a report.json of mpsd-conformance: {reason}", path.display())]
    NotAReport { path: PathBuf, reason: String },
}

/// The parts of report.json a rerun reads.
#[derive(Deserialize)]
struct EarlierReport {
    format: String,
    cases: Vec<EarlierCase>,
}

#[derive(Deserialize)]
struct EarlierCase {
    id: String,
    outcome: String,
}

/// The ids whose outcome was `fail` or `error` in the report at `path`.
pub fn failed_ids(path: &Path) -> Result<BTreeSet<String>, RerunError> {
    let bytes = std::fs::read(path).map_err(|source| RerunError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let not_a_report = |reason: String| RerunError::NotAReport {
        path: path.to_path_buf(),
        reason,
    };
    let report: EarlierReport =
        serde_json::from_slice(&bytes).map_err(|e| not_a_report(e.to_string()))?;
    if report.format != FORMAT {
        return Err(not_a_report(format!(
            "its format is `{}`, not `{FORMAT}`",
            report.format
        )));
    }
    Ok(report
        .cases
        .into_iter()
        .filter(|c| matches!(c.outcome.as_str(), "fail" | "error"))
        .map(|c| c.id)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_failing_and_erroring_cases_are_rerun() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.json");
        std::fs::write(
            &path,
            format!(
                r#"{{"format": "{FORMAT}", "cases": [
                    {{"id": "a/pass", "outcome": "pass"}}, {{"id": "a/fail", "outcome": "fail"}},
                    {{"id": "a/error", "outcome": "error"}}, {{"id": "a/skip", "outcome": "skip"}},
                    {{"id": "a/int", "outcome": "interrupted"}}]}}"#
            ),
        )
        .unwrap();
        let ids = failed_ids(&path).unwrap();
        assert_eq!(
            ids.into_iter().collect::<Vec<_>>(),
            vec!["a/error".to_string(), "a/fail".to_string()]
        );
    }

    #[test]
    fn a_missing_or_foreign_file_is_refused_in_words() {
        let dir = tempfile::tempdir().unwrap();
        let missing = failed_ids(&dir.path().join("nope.json")).unwrap_err();
        assert!(missing
            .to_string()
            .starts_with("failed to read the report to rerun"));
        let path = dir.path().join("other.json");
        std::fs::write(&path, r#"{"format": "something-else/1", "cases": []}"#).unwrap();
        let foreign = failed_ids(&path).unwrap_err().to_string();
        assert!(foreign.contains("not a report.json"), "{foreign}");
        assert!(foreign.contains("something-else/1"), "{foreign}");
    }
}
