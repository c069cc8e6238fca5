//! Which cases check each rule, gating ones (`must`, `should`) and `may` ones apart: a rule
//! that only `may` cases touch is not enforced by the suite.

use std::collections::BTreeMap;

use std::sync::Arc;

use crate::case::generate::CoverageCell;
use crate::case::{Basis, Severity};

use super::case::CasePlan;
use super::load::PlanSet;

/// The cases that name one rule.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RuleCoverage {
    /// `must` and `should` cases: a failure gates.
    pub gating: Vec<String>,
    /// `may` cases: they only report.
    pub may: Vec<String>,
}

/// Coverage of every rule that some case names, by rule id.
pub fn coverage(cases: &[Arc<CasePlan>]) -> BTreeMap<String, RuleCoverage> {
    let mut out: BTreeMap<String, RuleCoverage> = BTreeMap::new();
    for case in cases {
        for rule in &case.rules {
            let entry = out.entry(rule.clone()).or_default();
            match case.severity {
                Severity::May => entry.may.push(case.id.clone()),
                Severity::Must | Severity::Should => entry.gating.push(case.id.clone()),
            }
        }
    }
    out
}

/// Rules of the set, in its order, that no gating case checks, except the rules whose basis is
/// `may` (those are never enforced).
pub fn ungated(set: &PlanSet, coverage: &BTreeMap<String, RuleCoverage>) -> Vec<String> {
    set.rule_order
        .iter()
        .filter(|id| set.rules.get(*id).is_some_and(|r| r.basis != Basis::May))
        .filter(|id| coverage.get(*id).is_none_or(|c| c.gating.is_empty()))
        .cloned()
        .collect()
}

/// The request model's cells of one table, position by position, as `rules --coverage` and
/// report.html show them.
#[derive(Debug)]
pub struct CoverageTable {
    pub table: &'static str,
    /// The resources (or requests) of the table, in order.
    pub resources: Vec<String>,
    /// The classes (or forms), in the model's order.
    pub classes: Vec<String>,
    pub rows: Vec<CoverageRow>,
}

#[derive(Debug)]
pub struct CoverageRow {
    pub position: String,
    pub cells: usize,
    pub generated: usize,
    /// Why, and the classes left out for that reason.
    pub not_tried: Vec<(String, Vec<String>)>,
}

/// The cells grouped into tables and rows, in the model's order.
pub fn coverage_view(cells: &[CoverageCell]) -> Vec<CoverageTable> {
    let mut tables: Vec<CoverageTable> = Vec::new();
    for cell in cells {
        let at = match tables.iter().position(|t| t.table == cell.table) {
            Some(i) => i,
            None => {
                tables.push(CoverageTable {
                    table: cell.table,
                    resources: Vec::new(),
                    classes: Vec::new(),
                    rows: Vec::new(),
                });
                tables.len() - 1
            }
        };
        let Some(table) = tables.get_mut(at) else {
            continue;
        };
        if !table.resources.contains(&cell.resource) {
            table.resources.push(cell.resource.clone());
        }
        if !table.classes.contains(&cell.class) {
            table.classes.push(cell.class.clone());
        }
        let at = match table.rows.iter().position(|r| r.position == cell.position) {
            Some(i) => i,
            None => {
                table.rows.push(CoverageRow {
                    position: cell.position.clone(),
                    cells: 0,
                    generated: 0,
                    not_tried: Vec::new(),
                });
                table.rows.len() - 1
            }
        };
        let Some(row) = table.rows.get_mut(at) else {
            continue;
        };
        row.cells += 1;
        match (&cell.case, &cell.reason) {
            (Some(_), _) => row.generated += 1,
            (None, reason) => {
                let reason = reason.clone().unwrap_or_default();
                match row.not_tried.iter_mut().find(|(r, _)| *r == reason) {
                    Some((_, classes)) if classes.contains(&cell.class) => {}
                    Some((_, classes)) => classes.push(cell.class.clone()),
                    None => row.not_tried.push((reason, vec![cell.class.clone()])),
                }
            }
        }
    }
    tables
}
