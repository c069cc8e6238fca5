//! `report.json`, written as cases finish: each case goes to a spool as it comes, and the file
//! is assembled (header first, cases sorted by id) and renamed into place at the end.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::error::ReportError;
use super::model::{CaseReport, RunInfo};
use super::output::{AtomicFile, Spool};
use super::set::Reporter;
use super::tally::Tally;
use crate::exchange::Redactor;

pub struct JsonReporter {
    file: AtomicFile,
    cases: Spool,
    redactor: Redactor,
}

impl JsonReporter {
    pub fn create(path: &Path, redactor: Redactor) -> Result<JsonReporter, ReportError> {
        Ok(JsonReporter {
            file: AtomicFile::create(path)?,
            cases: Spool::create(path)?,
            redactor,
        })
    }
}

/// Pretty JSON of `value`, each line indented by `indent` spaces.
fn pretty(value: &impl Serialize, indent: usize) -> Result<String, ReportError> {
    let text = serde_json::to_string_pretty(value).map_err(|e| ReportError::Render {
        what: "report.json",
        message: e.to_string(),
    })?;
    let pad = " ".repeat(indent);
    // Pretty JSON escapes every newline inside strings: each line is a line of structure.
    let mut out = String::with_capacity(text.len() + text.len() / 8 * indent + indent);
    out.push_str(&pad);
    out.push_str(&text.replace('\n', &format!("\n{pad}")));
    Ok(out)
}

impl Reporter for JsonReporter {
    fn case(&mut self, case: &CaseReport) -> Result<(), ReportError> {
        // The fields were redacted when the case was reported; this pass over the very bytes
        // written is the guarantee DESIGN.md asks for, whatever a future field forgets.
        let text = self.redactor.text(&pretty(case, 4)?);
        self.cases.push(case.case.id.clone(), text.as_bytes())
    }

    fn finish(self: Box<Self>, info: &RunInfo, _: &Tally) -> Result<PathBuf, ReportError> {
        let JsonReporter {
            mut file,
            cases,
            redactor,
        } = *self;
        let head = redactor.text(&pretty(info, 0)?);
        // The header is an object; the cases continue it.
        let open = head.strip_suffix("\n}").unwrap_or(&head);
        file.write_all(open.as_bytes())?;
        file.write_all(b",\n  \"cases\": [")?;
        let mut first = true;
        cases.drain_sorted(|_, bytes| {
            file.write_all(if first { b"\n" } else { b",\n" })?;
            first = false;
            file.write_all(bytes)
        })?;
        file.write_all(if first { b"]\n}\n" } else { b"\n  ]\n}\n" })?;
        file.commit()
    }
}
