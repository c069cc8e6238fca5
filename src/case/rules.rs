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

/// One rule of the contract, with exactly one basis: a part with another basis is a rule of its
/// own (`O10.a`, the `Allow` of a 405, is inferred while the 405 is documented).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub id: String,
    pub basis: Basis,
    pub summary: String,
    pub sources: Vec<String>,
    /// The forms around this rule that the contract leaves open (\[may\]): what a `may` case tries.
    #[serde(default, rename = "mayForms", skip_serializing_if = "Vec::is_empty")]
    pub may_forms: Vec<MayForm>,
}

/// A \[may\] form: `<rule id>/<id>` in a case's `mayForm`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MayForm {
    pub id: String,
    pub summary: String,
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
    pub fn may_form(&self, id: &str) -> Option<&MayForm> {
        self.may_forms.iter().find(|f| f.id == id)
    }
}

/// Whether a case over `rules` may declare `severity`: `must` only when every rule is
/// documented; `should` when at least one is client-relied or inferred. (`may` also needs the
/// \[may\] form the case tries, which the validator checks.)
pub fn severity_agrees(rules: &[&Rule], severity: Severity) -> bool {
    match severity {
        Severity::May => true,
        Severity::Must => rules.iter().all(|r| r.basis == Basis::D),
        Severity::Should => rules.iter().any(|r| r.basis.severity() == Severity::Should),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(basis: Basis) -> Rule {
        Rule {
            id: "X".into(),
            basis,
            summary: String::new(),
            sources: vec![],
            may_forms: vec![],
        }
    }

    #[test]
    fn severity_follows_the_basis() {
        let d = rule(Basis::D);
        let c = rule(Basis::C);
        let i = rule(Basis::I);
        let may = rule(Basis::May);
        assert!(severity_agrees(&[&d], Severity::Must));
        assert!(!severity_agrees(&[&d], Severity::Should));
        assert!(severity_agrees(&[&c], Severity::Should));
        assert!(!severity_agrees(&[&c], Severity::Must));
        assert!(!severity_agrees(&[&may], Severity::Must));
        assert!(!severity_agrees(&[&may], Severity::Should));
        assert!(!severity_agrees(&[&d, &i], Severity::Must));
        assert!(severity_agrees(&[&d, &i], Severity::Should));
        assert!(!severity_agrees(&[&i], Severity::Must));
        assert!(severity_agrees(&[&i], Severity::May));
    }
}
