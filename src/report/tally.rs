//! Counts a report needs besides its cases: per area, per rule and per severity. They grow with
//! the number of areas and rules, never with the number of cases.

use std::collections::{BTreeMap, BTreeSet};

use crate::case::Severity;
use crate::verdict::Summary;

use super::model::CaseReport;

#[derive(Clone, Debug, Default)]
pub struct Tally {
    pub summary: Summary,
    pub areas: BTreeMap<String, AreaTally>,
    /// A failing case counts against the rules it broke; any other case for every rule it
    /// checks.
    pub rules: BTreeMap<String, Summary>,
    pub severities: BTreeMap<Severity, Summary>,
}

#[derive(Clone, Debug, Default)]
pub struct AreaTally {
    pub summary: Summary,
    /// The cases' own times added up (they overlap in a concurrent run).
    pub duration_ms: u64,
}

impl Tally {
    pub fn add(&mut self, case: &CaseReport) {
        self.summary.add(case.verdict);
        self.summary.retries = self.summary.retries.saturating_add(u64::from(case.retries));
        let area = self.areas.entry(case.case.area.clone()).or_default();
        area.summary.add(case.verdict);
        // A report read back may say anything: the sum stops at the top.
        area.duration_ms = area.duration_ms.saturating_add(case.duration_ms);
        self.severities
            .entry(case.case.severity)
            .or_default()
            .add(case.verdict);
        let rules: BTreeSet<&str> = if case.verdict.is_failure() && !case.failures.is_empty() {
            case.failures.iter().map(|f| f.rule.as_str()).collect()
        } else {
            case.case.rules.iter().map(String::as_str).collect()
        };
        for rule in rules {
            self.rules
                .entry(rule.to_string())
                .or_default()
                .add(case.verdict);
        }
    }
}

/// Passed out of judged (passed or failed in any way), or `None` when nothing was judged.
pub fn score(s: &Summary) -> Option<(usize, usize)> {
    let judged = s.passed + s.failed + s.warnings + s.expected_failures;
    (judged > 0).then_some((s.passed, judged))
}

/// Rules in a natural order: `B4.a` before `B10`, `O2` before `O13`.
pub fn rule_order(a: &str, b: &str) -> std::cmp::Ordering {
    fn key(rule: &str) -> Vec<(String, u64)> {
        let mut out = Vec::new();
        let mut text = String::new();
        let mut digits = String::new();
        for c in rule.chars() {
            if c.is_ascii_digit() {
                digits.push(c);
            } else {
                if !digits.is_empty() {
                    out.push((std::mem::take(&mut text), digits.parse().unwrap_or(0)));
                    digits.clear();
                }
                text.push(c);
            }
        }
        out.push((text, digits.parse().unwrap_or(0)));
        out
    }
    key(a).cmp(&key(b)).then(a.cmp(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_sort_by_their_numbers() {
        let mut rules = vec!["O13", "B10", "B4.a", "O2", "B4.b", "A1"];
        rules.sort_by(|a, b| rule_order(a, b));
        assert_eq!(rules, ["A1", "B4.a", "B4.b", "B10", "O2", "O13"]);
    }
}
