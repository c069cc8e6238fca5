//! What a case file means on its own, checked before any request is sent: rules that exist, a
//! severity that agrees with their basis (and a `may` case's [may] form), unique variant names.
//! What its steps mean — fixtures, variables, expectations — is checked where they are compiled
//! (`plan`).

use std::collections::{BTreeMap, BTreeSet};

use super::error::Problem;
use super::model::{CaseFile, Severity, Variant};
use super::rules::{severity_agrees, Basis, Rule};

/// What a case file is checked against.
pub struct Context<'a> {
    pub rules: &'a BTreeMap<String, Rule>,
}

/// Problems are reported against `path`.
pub fn validate_case(path: &str, case: &CaseFile, ctx: &Context<'_>) -> Vec<Problem> {
    let mut v = Validator {
        path,
        ctx,
        case,
        problems: Vec::new(),
    };
    v.case_level();
    v.severities();
    v.variants();
    v.problems
}

struct Validator<'a> {
    path: &'a str,
    ctx: &'a Context<'a>,
    case: &'a CaseFile,
    problems: Vec<Problem>,
}

/// Where a case's severity settings are written, for messages.
struct Settings<'a> {
    /// `""` for the file, `/variants/<i>` for a variant.
    at: String,
    rules: &'a [String],
    rules_at: String,
    severity: Severity,
    may_form: Option<&'a str>,
}

impl Validator<'_> {
    fn problem(&mut self, pointer: &str, message: impl Into<String>) {
        let p = Problem::at_pointer(self.path, pointer, message);
        if !self.problems.contains(&p) {
            self.problems.push(p);
        }
    }

    fn case_level(&mut self) {
        if !self.case.schema.ends_with("case.schema.json") {
            self.problem(
                "/$schema",
                "`$schema` must point at the format's schema (`../case.schema.json`)",
            );
        }
        if self.case.title.trim().is_empty() {
            self.problem("/title", "the title is empty");
        }
        if self.case.steps.is_empty() {
            self.problem("/steps", "a case has at least one step");
        }
    }

    /// §8 of the format: a severity that agrees with the rules' basis, and a `may` case that
    /// names the [may] form it tries — for the file and for each variant that overrides it.
    fn severities(&mut self) {
        let case = self.case;
        let uses_file = case.variants.is_empty()
            || case
                .variants
                .iter()
                .any(|v| v.severity.is_none() && v.may_form.is_none() && v.rules.is_none());
        let file = Settings {
            at: String::new(),
            rules: &case.rules,
            rules_at: "/rules".into(),
            severity: case.severity,
            may_form: case.may_form.as_deref(),
        };
        self.rule_list(&file, uses_file);
        for (i, v) in case.variants.iter().enumerate() {
            if v.severity.is_none() && v.may_form.is_none() && v.rules.is_none() {
                continue;
            }
            let settings = variant_settings(case, v, i);
            self.rule_list(&settings, true);
        }
    }

    fn rule_list(&mut self, s: &Settings<'_>, judge_severity: bool) {
        if s.rules.is_empty() {
            self.problem(&s.rules_at, "a case names at least one rule");
        }
        let mut seen = BTreeSet::new();
        let mut known = Vec::new();
        for (i, id) in s.rules.iter().enumerate() {
            if !seen.insert(id) {
                self.problem(
                    &format!("{}/{i}", s.rules_at),
                    format!("rule `{id}` is listed twice"),
                );
            }
            match self.ctx.rules.get(id) {
                Some(rule) => known.push(rule),
                None => self.problem(
                    &format!("{}/{i}", s.rules_at),
                    format!("unknown rule id `{id}` (see cases/rules.json)"),
                ),
            }
        }
        if !judge_severity || known.len() != s.rules.len() || known.is_empty() {
            return;
        }
        let severity = s.severity.as_str();
        if !severity_agrees(&known, s.severity) {
            let bases = known
                .iter()
                .map(|r| format!("{} is {}", r.id, basis_name(r.basis)))
                .collect::<Vec<_>>()
                .join(", ");
            let need = match s.severity {
                Severity::Must => "every rule documented (D)",
                _ => "a client-relied (C) or inferred (I) rule",
            };
            self.problem(
                &format!("{}/severity", s.at),
                format!("severity `{severity}` disagrees with the rules' basis: it needs {need}, and {bases}"),
            );
        }
        match (s.severity, s.may_form) {
            (Severity::May, None) => {
                let forms = may_forms_of(&known);
                self.problem(
                    &format!("{}/severity", s.at),
                    format!("a `may` case names the [may] form it tries in `mayForm` (`<rule>/<form>`; its rules list: {forms})"),
                );
            }
            (Severity::May, Some(form)) => {
                if let Some(why) = wrong_may_form(form, &known) {
                    self.problem(&format!("{}/mayForm", s.at), why);
                }
            }
            (_, Some(_)) => self.problem(
                &format!("{}/mayForm", s.at),
                format!("`mayForm` belongs to `may` cases, and this one is `{severity}`"),
            ),
            (_, None) => {}
        }
    }

    /// Variant names are unique, and usable in a case id.
    fn variants(&mut self) {
        let mut names = BTreeSet::new();
        for (i, variant) in self.case.variants.iter().enumerate() {
            let name = &variant.name;
            let valid = !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
            if !valid {
                self.problem(
                    &format!("/variants/{i}/name"),
                    format!("variant name `{name}` must be letters, digits, `-`, `_` or `.`"),
                );
            }
            if !names.insert(name.clone()) {
                self.problem(
                    &format!("/variants/{i}/name"),
                    format!("duplicate variant name `{name}`"),
                );
            }
        }
    }
}

fn variant_settings<'a>(case: &'a CaseFile, v: &'a Variant, i: usize) -> Settings<'a> {
    let at = format!("/variants/{i}");
    // A variant that sets its severity brings its own `mayForm` (or none); one that does not
    // keeps the file's.
    let may_form = match v.severity {
        Some(_) => v.may_form.as_deref(),
        None => v.may_form.as_deref().or(case.may_form.as_deref()),
    };
    let (rules, rules_at) = match &v.rules {
        Some(r) => (r.as_slice(), format!("{at}/rules")),
        None => (case.rules.as_slice(), "/rules".to_string()),
    };
    Settings {
        at,
        rules,
        rules_at,
        severity: v.severity.unwrap_or(case.severity),
        may_form,
    }
}

fn basis_name(b: Basis) -> &'static str {
    match b {
        Basis::D => "D",
        Basis::C => "C",
        Basis::I => "I",
        Basis::May => "may",
    }
}

/// `H1.d/lenient-integer, H1.d/two-identical` — or a note that none has any.
fn may_forms_of(rules: &[&Rule]) -> String {
    let forms: Vec<String> = rules
        .iter()
        .flat_map(|r| {
            r.may_forms
                .iter()
                .map(move |f| format!("{}/{}", r.id, f.id))
        })
        .collect();
    if forms.is_empty() {
        "none — these rules have no [may] form, so the case is `must` or `should`".into()
    } else {
        forms.join(", ")
    }
}

/// Why `form` is not a [may] form of `rules`, or `None` when it is.
fn wrong_may_form(form: &str, rules: &[&Rule]) -> Option<String> {
    let Some((rule_id, form_id)) = form.split_once('/') else {
        return Some(format!("`{form}` is not `<rule id>/<form id>`"));
    };
    let Some(rule) = rules.iter().find(|r| r.id == rule_id) else {
        return Some(format!(
            "`{rule_id}` is not among the case's rules; the [may] forms they list: {}",
            may_forms_of(rules)
        ));
    };
    rule.may_form(form_id).is_none().then(|| {
        format!(
            "rule {rule_id} lists no [may] form `{form_id}` (forms of the case's rules: {})",
            may_forms_of(rules)
        )
    })
}
