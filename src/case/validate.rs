//! What a case file means, checked before any request is sent: rules that exist, a severity
//! that agrees with their basis (and a `may` case's [may] form), schema files that exist,
//! variables that something sets, unique variant names, expectations that each carry a rule.

use std::collections::{BTreeMap, BTreeSet};

use super::error::Problem;
use super::flatten::{flatten, Action, FlatStep};
use super::hex::decode_hex;
use super::model::{
    CaseFile, Expect, JsonAssert, RequestSpec, Severity, StatusSet, Suite, Variant,
};
use super::rules::{severity_agrees, Basis, Rule};
use super::scope::{Scope, VarRef};
use super::template::{strings_in, Template};

/// Names of the invariants `check` knows.
pub const INVARIANTS: &[&str] = &["member-list", "members-info"];

const JSON_TYPES: &[&str] = &[
    "null", "boolean", "integer", "number", "string", "array", "object",
];

/// The largest `burst`: enough to provoke any plausible limit, small enough for one case.
const MAX_BURST: u16 = 256;

/// What a case file is checked against.
pub struct Context<'a> {
    pub suite: &'a Suite,
    pub rules: &'a BTreeMap<String, Rule>,
    pub schemas: &'a BTreeSet<String>,
}

/// Problems are reported against `path` (the case file) or `suite.json` (a fixture).
pub fn validate_case(path: &str, case: &CaseFile, ctx: &Context<'_>) -> Vec<Problem> {
    let mut v = Validator {
        path,
        ctx,
        case,
        problems: Vec::new(),
        rule_sets: rule_sets(case),
        in_burst: false,
    };
    v.case_level();
    v.severities();
    let variant_keys = v.variants();
    match flatten(case, ctx.suite) {
        Ok(steps) => v.steps(&steps, &variant_keys),
        Err((pointer, message)) => v.problem(&pointer, message),
    }
    v.problems
}

/// The distinct rule lists the file's cases have: the file's, and each variant's own. An
/// expectation's rule must be among each of them.
fn rule_sets(case: &CaseFile) -> Vec<(Option<String>, Vec<String>)> {
    let mut sets: Vec<(Option<String>, Vec<String>)> = Vec::new();
    if case.variants.is_empty() || case.variants.iter().any(|v| v.rules.is_none()) {
        sets.push((None, case.rules.clone()));
    }
    for v in &case.variants {
        if let Some(rules) = &v.rules {
            if !sets.iter().any(|(_, r)| r == rules) {
                sets.push((Some(v.name.clone()), rules.clone()));
            }
        }
    }
    sets
}

struct Validator<'a> {
    path: &'a str,
    ctx: &'a Context<'a>,
    case: &'a CaseFile,
    problems: Vec<Problem>,
    rule_sets: Vec<(Option<String>, Vec<String>)>,
    /// Checking a burst step: `{{burst.index}}` has a value.
    in_burst: bool,
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
        // Fixture steps are written in suite.json: point there.
        let (path, pointer) = match pointer.split_once('#') {
            Some((file, p)) => (file.to_string(), p.to_string()),
            None => (self.path.to_string(), pointer.to_string()),
        };
        let p = Problem::at_pointer(&path, pointer, message);
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

    /// Checks variant names; returns the `{{variant.*}}` fields every variant sets.
    fn variants(&mut self) -> BTreeSet<String> {
        let mut names = BTreeSet::new();
        let mut common: Option<BTreeSet<String>> = None;
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
            let mut keys: BTreeSet<String> = variant.fields.keys().cloned().collect();
            keys.insert("name".into());
            common = Some(match common {
                None => keys,
                Some(c) => c.intersection(&keys).cloned().collect(),
            });
        }
        common.unwrap_or_default()
    }

    fn steps(&mut self, steps: &[FlatStep], variant_keys: &BTreeSet<String>) {
        let defined = self.step_templates(steps, variant_keys);
        // A variant's values are read where the steps use them: they may name anything the
        // steps set, but not other variant fields.
        for (i, variant) in self.case.variants.iter().enumerate() {
            let mut strings = Vec::new();
            for (key, value) in &variant.fields {
                strings_in(value, format!("/variants/{i}/{key}"), &mut strings);
            }
            let owned: Vec<(String, String)> = strings
                .into_iter()
                .map(|(p, s)| (p, s.to_string()))
                .collect();
            for (pointer, text) in &owned {
                if text.contains("{{variant.") || text.contains("{{ variant.") {
                    self.problem(
                        pointer,
                        "a variant's value cannot read other variant fields",
                    );
                }
            }
            self.templates(&Scope::Case, &owned, &defined, &BTreeSet::new());
        }
    }

    /// Checks the steps' templates in order; returns every variable the steps set.
    fn step_templates(
        &mut self,
        steps: &[FlatStep],
        variant_keys: &BTreeSet<String>,
    ) -> BTreeSet<String> {
        let mut defined: BTreeSet<String> = BTreeSet::new();
        for step in steps {
            match &step.action {
                Action::Request {
                    request,
                    expect,
                    captures,
                    burst,
                } => {
                    self.request(step, request);
                    self.in_burst = burst.is_some();
                    if let Some(n) = burst {
                        if !(2..=MAX_BURST).contains(n) {
                            self.problem(
                                &format!("{}/burst", step.pointer),
                                format!("`burst` sends 2 to {MAX_BURST} copies, not {n}"),
                            );
                        }
                    }
                    // A step may compare with what it captures itself.
                    let mut visible = defined.clone();
                    if let Some(ns) = &step.capture_ns {
                        visible.extend(captures.keys().map(|k| format!("{ns}.{k}")));
                    }
                    let mut strings = Vec::new();
                    request_templates(request, &step.pointer, &mut strings);
                    if let Some(expect) = expect {
                        let p = format!("{}/expect", step.pointer);
                        self.expect(&p, expect, None, Within::Step);
                        expect_templates(expect, &p, &mut strings);
                    }
                    self.templates(&step.scope, &strings, &visible, variant_keys);
                    self.in_burst = false;
                    for (key, capture) in captures {
                        let p = format!("{}/capture/{key}", step.pointer);
                        let sources = [
                            capture.header.is_some(),
                            capture.pointer.is_some(),
                            capture.status == Some(true),
                        ];
                        if sources.iter().filter(|s| **s).count() != 1 {
                            self.problem(&p, "a capture names exactly one of `header`, `pointer`, `status: true`");
                        }
                        if let Some(ptr) = &capture.pointer {
                            self.pointer_syntax(&format!("{p}/pointer"), ptr);
                        }
                    }
                    defined = visible;
                }
                Action::Snapshot { request } => {
                    let strings =
                        vec![(format!("{}/snapshot", step.pointer), request.path.clone())];
                    self.templates(&step.scope, &strings, &defined, variant_keys);
                    if let Some(ns) = &step.capture_ns {
                        for key in ["path", "status", "etag", "changeNumber"] {
                            defined.insert(format!("{ns}.{key}"));
                        }
                    }
                }
                Action::Unchanged { rule, .. } => {
                    let at = match rule {
                        Some(_) => format!("{}/rule", step.pointer),
                        None => step.pointer.clone(),
                    };
                    self.rule_ref(&at, rule.as_deref(), None);
                }
                Action::Export { vars } => {
                    let mut strings = Vec::new();
                    for (key, value) in vars {
                        strings_in(value, format!("{}/{key}", step.pointer), &mut strings);
                    }
                    let owned: Vec<(String, String)> = strings
                        .into_iter()
                        .map(|(p, s)| (p, s.to_string()))
                        .collect();
                    self.templates(&step.scope, &owned, &defined, variant_keys);
                    if let Some(ns) = &step.capture_ns {
                        defined.extend(vars.keys().map(|k| format!("{ns}.{k}")));
                    }
                }
            }
        }
        defined
    }

    fn request(&mut self, step: &FlatStep, request: &RequestSpec) {
        let p = format!("{}/request", step.pointer);
        let method_ok = request.method.contains("{{")
            || (!request.method.is_empty()
                && request.method.chars().all(|c| c.is_ascii_uppercase()));
        if !method_ok {
            self.problem(
                &format!("{p}/method"),
                format!("`{}` is not an HTTP method in capitals", request.method),
            );
        }
        if !request.path.starts_with('/') && !request.path.starts_with("{{") {
            self.problem(&format!("{p}/path"), "the path starts with `/`");
        }
        if let Some(id) = &request.identity {
            if !id.contains("{{") && id != "none" && !self.ctx.suite.identities.contains_key(id) {
                self.problem(
                    &format!("{p}/as"),
                    format!("unknown identity `{id}` (use a, b or none)"),
                );
            }
        }
        let bodies = [
            request.body.is_some(),
            request.raw_body.is_some(),
            request.raw_body_hex.is_some(),
            request.padded_body.is_some(),
        ];
        if bodies.iter().filter(|b| **b).count() > 1 {
            self.problem(
                &p,
                "give at most one of `body`, `rawBody`, `rawBodyHex`, `paddedBody`",
            );
        }
        if let Some(hex) = &request.raw_body_hex {
            if let Err(why) = decode_hex(hex) {
                self.problem(&format!("{p}/rawBodyHex"), why);
            }
        }
    }

    fn expect(&mut self, p: &str, expect: &Expect, parent: Option<&str>, within: Within) {
        if let Some(rule) = &expect.rule {
            self.rule_ref(&format!("{p}/rule"), Some(rule), None);
        }
        let block = expect.rule.as_deref().or(parent);
        if let Some(status) = &expect.status {
            if within == Within::Branch {
                self.problem(
                    &format!("{p}/status"),
                    "a `when` branch's `expect` has no `status`: the branch's `status` is its guard",
                );
            }
            self.rule_ref(&format!("{p}/status"), status.rule(), block);
            self.statuses(&format!("{p}/status"), &StatusSet(status.allowed()));
        }
        for (name, h) in &expect.headers {
            let hp = format!("{p}/headers/{name}");
            self.rule_ref(&hp, h.rule.as_deref(), block);
            if let Some(re) = &h.matches {
                self.regex(&format!("{hp}/matches"), re);
            }
        }
        if let Some(body) = &expect.body {
            self.rule_ref(&format!("{p}/body"), body.rule.as_deref(), block);
            if let Some(schema) = &body.schema {
                if !self.ctx.schemas.contains(schema) {
                    self.problem(
                        &format!("{p}/body/schema"),
                        format!("schema file `schemas/{schema}` does not exist"),
                    );
                }
            }
        }
        for (i, a) in expect.json.iter().enumerate() {
            self.json_assert(&format!("{p}/json/{i}"), a, block);
        }
        for (i, inv) in expect.invariants.iter().enumerate() {
            let ip = format!("{p}/invariants/{i}");
            self.rule_ref(&ip, inv.rule(), block);
            if !INVARIANTS.contains(&inv.name()) {
                self.problem(
                    &ip,
                    format!(
                        "unknown invariant `{}` (known: {})",
                        inv.name(),
                        INVARIANTS.join(", ")
                    ),
                );
            }
        }
        for (i, m) in expect.members.iter().enumerate() {
            let mp = format!("{p}/members/{i}");
            self.rule_ref(&mp, m.rule.as_deref(), block);
            let member_block = m.rule.as_deref().or(block);
            if m.present == Some(false) && !m.json.is_empty() {
                self.problem(
                    &format!("{mp}/json"),
                    "`json` checks a member that is present; this one is `present: false`",
                );
            }
            for (j, a) in m.json.iter().enumerate() {
                self.json_assert(&format!("{mp}/json/{j}"), a, member_block);
            }
        }
        for (i, t) in expect.tally.iter().enumerate() {
            let tp = format!("{p}/tally/{i}");
            match within {
                Within::Branch => self.problem(
                    &tp,
                    "`tally` counts all the answers of a burst step: put it in the step's `expect`, not in a `when` branch",
                ),
                Within::Step if !self.in_burst => self.problem(
                    &tp,
                    "`tally` counts the answers of a burst step: give the step `burst`",
                ),
                Within::Step => {}
            }
            self.rule_ref(&tp, t.rule.as_deref(), block);
            self.statuses(&format!("{tp}/status"), &t.status);
            if t.count.is_none() && t.min.is_none() && t.max.is_none() {
                self.problem(&tp, "a tally gives `count`, or `min` and/or `max`");
            }
            if t.count.is_some() && (t.min.is_some() || t.max.is_some()) {
                self.problem(&tp, "a tally gives either `count` or `min`/`max`, not both");
            }
            if let (Some(min), Some(max)) = (t.min, t.max) {
                if min > max {
                    self.problem(&tp, format!("`min` {min} is above `max` {max}"));
                }
            }
        }
        for (i, branch) in expect.when.iter().enumerate() {
            let bp = format!("{p}/when/{i}");
            self.statuses(&format!("{bp}/status"), &branch.status);
            self.expect(
                &format!("{bp}/expect"),
                &branch.expect,
                block,
                Within::Branch,
            );
        }
    }

    fn json_assert(&mut self, p: &str, a: &JsonAssert, block: Option<&str>) {
        self.rule_ref(p, a.rule.as_deref(), block);
        self.pointer_syntax(&format!("{p}/pointer"), &a.pointer);
        if let Some(t) = &a.json_type {
            if !JSON_TYPES.contains(&t.as_str()) {
                self.problem(&format!("{p}/type"), format!("unknown JSON type `{t}`"));
            }
        }
        if let Some(re) = &a.matches {
            self.regex(&format!("{p}/matches"), re);
        }
    }

    fn regex(&mut self, pointer: &str, pattern: &str) {
        // A pattern with a template is compiled once rendered.
        if pattern.contains("{{") {
            return;
        }
        if let Err(e) = regex::Regex::new(pattern) {
            self.problem(pointer, format!("invalid regular expression: {e}"));
        }
    }

    fn statuses(&mut self, pointer: &str, set: &StatusSet) {
        if set.0.is_empty() || set.0.iter().any(|s| !(100..=599).contains(s)) {
            self.problem(pointer, "statuses are a non-empty set of codes 100–599");
        }
    }

    /// Every expectation carries a rule, and it is one of the case's (of every case the file
    /// makes, when variants name their own rules).
    fn rule_ref(&mut self, pointer: &str, own: Option<&str>, block: Option<&str>) {
        let mut found = Vec::new();
        for (variant, rules) in &self.rule_sets {
            let resolved = own
                .or(block)
                .or_else(|| (rules.len() == 1).then(|| rules[0].as_str()));
            let whose = match variant {
                None => "the case's `rules`".to_string(),
                Some(v) => format!("the `rules` of variant `{v}`"),
            };
            match resolved {
                None => found.push(format!(
                    "this expectation carries no rule: give it `rule`, or the `expect` block a `rule` (a case with several rules cannot choose for it; see {whose})"
                )),
                Some(rule) if !rules.iter().any(|r| r == rule) => {
                    found.push(format!("rule `{rule}` is not among {whose}"))
                }
                Some(_) => {}
            }
        }
        for message in found {
            self.problem(pointer, message);
        }
    }

    fn pointer_syntax(&mut self, pointer: &str, value: &str) {
        if !value.is_empty() && !value.starts_with('/') && !value.starts_with("{{") {
            self.problem(
                pointer,
                format!("`{value}` is not a JSON pointer (\"\" or starting with `/`)"),
            );
        }
    }

    fn templates(
        &mut self,
        scope: &Scope,
        strings: &[(String, String)],
        defined: &BTreeSet<String>,
        variant_keys: &BTreeSet<String>,
    ) {
        for (pointer, text) in strings {
            if !text.contains("{{") {
                continue;
            }
            let template = match Template::parse(text) {
                Ok(t) => t,
                Err(e) => {
                    self.problem(pointer, e);
                    continue;
                }
            };
            for name in template.variables() {
                if let Some(why) = self.unset(scope, name, defined, variant_keys) {
                    self.problem(
                        pointer,
                        format!("`{{{{{name}}}}}` is set by nothing: {why}"),
                    );
                }
            }
        }
    }

    /// Why `name` has no value at this point, or `None` when something sets it.
    fn unset(
        &self,
        scope: &Scope,
        name: &str,
        defined: &BTreeSet<String>,
        variant_keys: &BTreeSet<String>,
    ) -> Option<String> {
        let suite = self.ctx.suite;
        match scope.classify(name) {
            VarRef::World(k) => (!suite.world.contains_key(&k))
                .then(|| format!("suite.json's world has {}", join(suite.world.keys()))),
            VarRef::Xuid(k) => (!suite.identities.contains_key(&k))
                .then(|| format!("identities are {}", join(suite.identities.keys()))),
            VarRef::Auth { caller, .. } => (!suite.identities.contains_key(&caller)).then(|| {
                format!(
                    "callers are {} (`auth.<caller>` is the Authorization value, `auth.<caller>.credentials` its part after the scheme)",
                    join(suite.identities.keys())
                )
            }),
            VarRef::BurstIndex => (!self.in_burst)
                .then(|| "`burst.index` has a value only inside a step with `burst`".to_string()),
            VarRef::RunId | VarRef::Fresh(_) | VarRef::Guid(_) => None,
            VarRef::Param(k) => match scope {
                Scope::Fixture { params, .. } if params.contains_key(&k) => None,
                _ => Some("the fixture declares no such parameter".into()),
            },
            VarRef::Variant(k) if Variant::SETTINGS.contains(&k.as_str()) => Some(format!(
                "a variant's `{k}` configures its case, it is not a value for templates"
            )),
            VarRef::Variant(k) => (!variant_keys.contains(&k)).then(|| {
                if self.case.variants.is_empty() {
                    "the case has no variants".to_string()
                } else {
                    format!("not every variant sets `{k}`")
                }
            }),
            VarRef::Captured(full) => (!defined.contains(&full)).then(|| {
                if defined.is_empty() {
                    "no earlier step captures anything".to_string()
                } else {
                    format!("earlier steps set {}", join(defined.iter()))
                }
            }),
        }
    }
}

/// Where an expectation is written: a step's `expect`, or a `when` branch inside one.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Within {
    Step,
    Branch,
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

fn join<'a>(items: impl Iterator<Item = &'a String>) -> String {
    items.map(String::as_str).collect::<Vec<_>>().join(", ")
}

fn request_templates(request: &RequestSpec, base: &str, out: &mut Vec<(String, String)>) {
    let p = format!("{base}/request");
    out.push((format!("{p}/path"), request.path.clone()));
    if let Some(id) = &request.identity {
        out.push((format!("{p}/as"), id.clone()));
    }
    for (name, value) in &request.headers {
        if let Ok(v) = serde_json::to_value(value) {
            let mut found = Vec::new();
            strings_in(&v, format!("{p}/headers/{name}"), &mut found);
            out.extend(found.into_iter().map(|(ptr, s)| (ptr, s.to_string())));
        }
    }
    if let Some(body) = &request.body {
        let mut found = Vec::new();
        strings_in(body, format!("{p}/body"), &mut found);
        out.extend(found.into_iter().map(|(ptr, s)| (ptr, s.to_string())));
    }
    if let Some(raw) = &request.raw_body {
        out.push((format!("{p}/rawBody"), raw.clone()));
    }
}

fn expect_templates(expect: &Expect, base: &str, out: &mut Vec<(String, String)>) {
    if let Ok(v) = serde_json::to_value(expect) {
        let mut found = Vec::new();
        strings_in(&v, base.to_string(), &mut found);
        out.extend(found.into_iter().map(|(ptr, s)| (ptr, s.to_string())));
    }
}
