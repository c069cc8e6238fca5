//! Baselines: the known gating failures and errors of a target,
//! `{"format": "mpsd-conformance-baseline/2", "cases": {"<case id>": {"expected": "fail" |
//! "error", "reason": "<message>"}}}`. Version 1 files (`{"<case id>": "<reason>"}`, failures
//! only) are still read.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::run::Outcome;
use crate::verdict::{BaselineEntry, Expected, Verdict};

use super::error::ReportError;
use super::model::{CaseReport, RunInfo};
use super::output::AtomicFile;
use super::set::Reporter;
use super::tally::Tally;

pub const BASELINE_FORMAT: &str = "mpsd-conformance-baseline/2";
const BASELINE_FORMAT_V1: &str = "mpsd-conformance-baseline/1";

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineFile<E> {
    format: String,
    cases: BTreeMap<String, E>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryV2 {
    expected: Expected,
    reason: String,
}

/// Only the format, to tell which version to read.
#[derive(Deserialize)]
struct Format {
    format: String,
}

/// Known failures and errors, by case id, with the reason they are known.
#[derive(Clone, Debug, Default)]
pub struct Baseline {
    cases: BTreeMap<String, BaselineEntry>,
}

impl Baseline {
    pub fn load(path: &Path) -> Result<Baseline, ReportError> {
        let bytes = std::fs::read(path).map_err(|source| ReportError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let refused = |message: String| ReportError::NotABaseline {
            path: path.to_path_buf(),
            message,
        };
        let format: Format = serde_json::from_slice(&bytes).map_err(|e| refused(e.to_string()))?;
        let cases = match format.format.as_str() {
            BASELINE_FORMAT => {
                let file: BaselineFile<EntryV2> =
                    serde_json::from_slice(&bytes).map_err(|e| refused(e.to_string()))?;
                file.cases
                    .into_iter()
                    .map(|(id, e)| {
                        let entry = BaselineEntry {
                            expected: e.expected,
                            reason: e.reason,
                        };
                        (id, entry)
                    })
                    .collect()
            }
            BASELINE_FORMAT_V1 => {
                let file: BaselineFile<String> =
                    serde_json::from_slice(&bytes).map_err(|e| refused(e.to_string()))?;
                file.cases
                    .into_iter()
                    .map(|(id, reason)| {
                        let entry = BaselineEntry {
                            expected: Expected::Fail,
                            reason,
                        };
                        (id, entry)
                    })
                    .collect()
            }
            other => {
                return Err(refused(format!(
                    "its format is `{other}`, this harness reads `{BASELINE_FORMAT}` and \
                     `{BASELINE_FORMAT_V1}`"
                )))
            }
        };
        Ok(Baseline { cases })
    }

    pub fn reason(&self, id: &str) -> Option<&str> {
        self.cases.get(id).map(|e| e.reason.as_str())
    }

    /// What the baseline expects of each case it lists.
    pub fn expected(&self) -> BTreeMap<String, Expected> {
        self.cases
            .iter()
            .map(|(id, e)| (id.clone(), e.expected))
            .collect()
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

/// `--write-baseline FILE`: the gating failures and the errors of this run (those the baseline
/// already knew keep their reason).
pub struct BaselineWriter {
    file: AtomicFile,
    cases: BTreeMap<String, EntryV2>,
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
        let expected = match (case.verdict, case.case.outcome) {
            (Verdict::Fail, _) => Expected::Fail,
            (Verdict::Error, _) => Expected::Error,
            (Verdict::ExpectedFailure, Outcome::Error) => Expected::Error,
            (Verdict::ExpectedFailure, _) => Expected::Fail,
            _ => return Ok(()),
        };
        let reason = case
            .baseline
            .clone()
            .or_else(|| case.message.clone())
            .unwrap_or_else(|| expected.as_str().to_string());
        self.cases
            .insert(case.case.id.clone(), EntryV2 { expected, reason });
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
