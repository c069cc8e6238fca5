//! `report merge`: the reports of shards (or of a run's per-process fragments) joined into the
//! report of the whole run, written again in every format.

use std::collections::BTreeSet;
use std::path::PathBuf;

use chrono::{DateTime, SecondsFormat, Utc};

use super::error::ReportError;
use super::model::RunInfo;
use super::read::{read_report, report_files};
use super::set::{ReportOptions, ReportSet, Written};
use crate::exchange::Redactor;

/// What a merge did.
#[derive(Debug)]
pub struct Merged {
    pub written: Written,
    /// Things a person should know (shards against different targets).
    pub warnings: Vec<String>,
    pub inputs: usize,
}

/// Joins `inputs` (report.json files, or directories of them) into `options.dir`. Refused when
/// the case sets differ or a case id appears twice; then nothing is written, not even the
/// directory: the inputs are all read and checked before it is touched, then read again one at
/// a time to be written (so a merge holds one report in memory, not all of them).
pub fn merge(inputs: &[PathBuf], options: ReportOptions) -> Result<Merged, ReportError> {
    let files = report_files(inputs)?;
    let Checked { mut info, warnings } = check(&files)?;
    let mut set = ReportSet::create(options, Redactor::default(), Default::default())?;
    for file in &files {
        for case in &read_report(file)?.cases {
            set.case(case);
        }
    }
    if let Some(options) = info.options.as_object_mut() {
        // The merged report is of no single shard.
        options.insert("partition".into(), serde_json::Value::Null);
        options.insert(
            "merged_from".into(),
            files
                .iter()
                .map(|f| f.display().to_string())
                .collect::<Vec<_>>()
                .into(),
        );
    }
    Ok(Merged {
        written: set.finish(info),
        warnings,
        inputs: files.len(),
    })
}

/// The inputs, read and found mergeable.
struct Checked {
    /// The first report's header, its start and duration spanning every input.
    info: RunInfo,
    warnings: Vec<String>,
}

/// When a run that started at `start` and took `duration_ms` ended; `None` when that is past
/// any date chrono holds (a file may say anything).
fn run_end(start: DateTime<Utc>, duration_ms: u64) -> Option<DateTime<Utc>> {
    let ms = i64::try_from(duration_ms).ok()?;
    start.checked_add_signed(chrono::TimeDelta::try_milliseconds(ms)?)
}

/// Reads every input and refuses reports of different case sets or a case in two of them.
fn check(files: &[PathBuf]) -> Result<Checked, ReportError> {
    let mut info: Option<RunInfo> = None;
    let mut first_file = PathBuf::new();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut warnings = Vec::new();
    let mut span: Option<(DateTime<Utc>, DateTime<Utc>)> = None;
    for file in files {
        let report = read_report(file)?;
        match &mut info {
            None => {
                info = Some(report.info.clone());
                first_file = file.clone();
            }
            Some(first) => {
                if first.suite.fingerprint != report.info.suite.fingerprint {
                    return Err(ReportError::Incompatible(format!(
                        "{} and {} are reports of different case sets ({} and {}): they cannot be merged",
                        first_file.display(),
                        file.display(),
                        first.suite.fingerprint,
                        report.info.suite.fingerprint
                    )));
                }
                if first.target.url != report.info.target.url {
                    warnings.push(format!(
                        "{} ran against {}, {} against {}",
                        first_file.display(),
                        first.target.url,
                        file.display(),
                        report.info.target.url
                    ));
                }
            }
        }
        if let Ok(start) = DateTime::parse_from_rfc3339(&report.info.started_at) {
            let start = start.with_timezone(&Utc);
            let end =
                run_end(start, report.info.duration_ms).ok_or_else(|| ReportError::NotAReport {
                    path: file.clone(),
                    message: format!(
                        "its duration_ms {} after its started_at {} is past any date",
                        report.info.duration_ms, report.info.started_at
                    ),
                })?;
            span = Some(match span {
                None => (start, end),
                Some((s, e)) => (s.min(start), e.max(end)),
            });
        }
        for case in &report.cases {
            if !seen.insert(case.case.id.clone()) {
                return Err(ReportError::Incompatible(format!(
                    "case `{}` is in more than one report (the last one: {}): shards never share a case",
                    case.case.id,
                    file.display()
                )));
            }
        }
    }
    let mut info = info.ok_or_else(|| ReportError::Incompatible("no report to merge".into()))?;
    if let Some((start, end)) = span {
        info.started_at = start.to_rfc3339_opts(SecondsFormat::Secs, true);
        info.duration_ms = u64::try_from((end - start).num_milliseconds()).unwrap_or(0);
    }
    Ok(Checked { info, warnings })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_end_past_any_date_is_none() {
        let start = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .expect("a time");
        assert!(run_end(start, 1000).is_some());
        for huge in [9_000_000_000_000_000, 1 << 63, u64::MAX] {
            assert_eq!(run_end(start, huge), None, "{huge}");
        }
    }
}
