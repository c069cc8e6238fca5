//! Which cases check each rule, gating ones (`must`, `should`) and `may` ones apart: a rule
//! that only `may` cases touch is not enforced by the suite.

use std::collections::BTreeMap;

use std::sync::Arc;

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
