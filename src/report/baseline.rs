//! Baselines: the known gating failures of a target, `{"format":
//! "mpsd-conformance-baseline/1", "cases": {"<case id>": "<reason>"}}`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::run::Verdict;

use super::error::ReportError;
use super::model::{CaseReport, RunInfo};
use super::output::AtomicFile;
use super::set::Reporter;
use super::tally::Tally;

pub const BASELINE_FORMAT: &str = "mpsd-conformance-baseline/1";

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineFile {
    format: String,
    cases: BTreeMap<String, String>,
}

/// Known failures, by case id, with the reason they are known.
#[derive(Clone, Debug, Default)]
pub struct Baseline {
    cases: BTreeMap<String, String>,
}

impl Baseline {
    pub fn load(path: &Path) -> Result<Baseline, ReportError> {
        let bytes = std::fs::read(path).map_err(|source| ReportError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let file: BaselineFile =
            serde_json::from_slice(&bytes).map_err(|e| ReportError::NotABaseline {
                path: path.to_path_buf(),
                message: e.to_string(),
            })?;
        if file.format != BASELINE_FORMAT {
            return Err(ReportError::NotABaseline {
                path: path.to_path_buf(),
                message: format!(
                    "its format is `{}`, this harness reads `{BASELINE_FORMAT}`",
                    file.format
                ),
            });
        }
        Ok(Baseline { cases: file.cases })
    }

    pub fn reason(&self, id: &str) -> Option<&str> {
        self.cases.get(id).map(String::as_str)
    }

    pub fn ids(&self) -> BTreeSet<String> {
        self.cases.keys().cloned().collect()
    }

    /// Entries whose id names no case of the set (`exists` says which ids do).
    pub fn stale(&self, exists: impl Fn(&str) -> bool) -> Vec<&str> {
        self.cases
            .keys()
            .map(String::as_str)
            .filter(|id| !exists(id))
            .collect()
    }
}

/// `--write-baseline FILE`: the gating failures of this run (those the baseline already knew
/// keep their reason).
pub struct BaselineWriter {
    file: AtomicFile,
    cases: BTreeMap<String, String>,
}

impl BaselineWriter {
    pub fn create(path: &Path) -> Result<BaselineWriter, ReportError> {
        Ok(BaselineWriter {
            file: AtomicFile::create(path)?,
            cases: BTreeMap::new(),
        })
    }
}

impl Reporter for BaselineWriter {
    fn case(&mut self, case: &CaseReport) -> Result<(), ReportError> {
        if matches!(case.verdict, Verdict::Fail | Verdict::ExpectedFailure) {
            let reason = case
                .baseline
                .clone()
                .or_else(|| case.message.clone())
                .unwrap_or_else(|| "failed".to_string());
            self.cases.insert(case.id.clone(), reason);
        }
        Ok(())
    }

    fn finish(self: Box<Self>, _: &RunInfo, _: &Tally) -> Result<PathBuf, ReportError> {
        let BaselineWriter { mut file, cases } = *self;
        let doc = BaselineFile {
            format: BASELINE_FORMAT.to_string(),
            cases,
        };
        let mut text = serde_json::to_string_pretty(&doc).map_err(|e| ReportError::Render {
            what: "the baseline",
            message: e.to_string(),
        })?;
        text.push('\n');
        file.write_all(text.as_bytes())?;
        file.commit()
    }
}
