//! Which case a result is of, and how it ended: the fields the engine's row (`run::CaseResult`)
//! and report.json's (`report::CaseReport`) share, written once here so that they cannot drift
//! apart.

use crate::case::Severity;
use crate::plan::CasePlan;
use crate::run::Outcome;

#[derive(Clone, Debug, PartialEq)]
pub struct CaseRow {
    pub id: String,
    pub area: String,
    pub title: String,
    pub rules: Vec<String>,
    pub severity: Severity,
    /// What the target did.
    pub outcome: Outcome,
}

impl CaseRow {
    /// `case`'s row, ended with `outcome`.
    pub fn of(case: &CasePlan, outcome: Outcome) -> CaseRow {
        CaseRow {
            id: case.id.clone(),
            area: case.area.clone(),
            title: case.title.clone(),
            rules: case.rules.clone(),
            severity: case.severity,
            outcome,
        }
    }
}
