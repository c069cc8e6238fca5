//! `cases/rules.json`: the contract's rules, so the product stands alone.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::model::Severity;

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RulesFile {
    pub format: String,
    pub sources: BTreeMap<String, String>,
    pub rules: Vec<Rule>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub id: String,
    pub basis: Basis,
    /// Weaker tags that parts of the rule carry (O1 is documented, its Content-Location is not).
    #[serde(default)]
    pub partly: Vec<Basis>,
    pub summary: String,
    pub sources: Vec<String>,
}

/// The evidence for a rule (CONTRACT.md's tags).
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
pub enum Basis {
    D,
    C,
    I,
    #[serde(rename = "may")]
    May,
}

impl Basis {
    /// The severity a case gets from this tag.
    pub fn severity(self) -> Severity {
        match self {
            Basis::D => Severity::Must,
            Basis::C | Basis::I => Severity::Should,
            Basis::May => Severity::May,
        }
    }
}

impl Rule {
    /// The severities a case checking only this rule may declare: `may` always (every rule has
    /// forms the contract leaves open); the basis's own; and `should` when part of the rule is
    /// only client-relied or inferred.
    pub fn allows(&self, severity: Severity) -> bool {
        severity == Severity::May
            || severity == self.basis.severity()
            || self.partly.iter().any(|b| b.severity() == severity)
    }
}

/// Whether a case over `rules` may declare `severity`: `must` only when every rule is
/// documented; `should` when at least one rule (or part of one) is client-relied or inferred.
pub fn severity_agrees(rules: &[&Rule], severity: Severity) -> bool {
    match severity {
        Severity::May => true,
        Severity::Must => rules.iter().all(|r| r.basis == Basis::D),
        Severity::Should => rules.iter().any(|r| r.allows(Severity::Should)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(basis: Basis, partly: Vec<Basis>) -> Rule {
        Rule {
            id: "X".into(),
            basis,
            partly,
            summary: String::new(),
            sources: vec![],
        }
    }

    #[test]
    fn severity_follows_the_basis() {
        let d = rule(Basis::D, vec![]);
        let d_partly_c = rule(Basis::D, vec![Basis::C]);
        let i = rule(Basis::I, vec![]);
        assert!(severity_agrees(&[&d], Severity::Must));
        assert!(!severity_agrees(&[&d], Severity::Should));
        assert!(severity_agrees(&[&d_partly_c], Severity::Should));
        assert!(!severity_agrees(&[&d, &i], Severity::Must));
        assert!(severity_agrees(&[&d, &i], Severity::Should));
        assert!(!severity_agrees(&[&i], Severity::Must));
        assert!(severity_agrees(&[&i], Severity::May));
    }
}
