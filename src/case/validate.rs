//! What a case file means, checked before any request is sent: rules that exist, a severity
//! that agrees with their basis, schema files that exist, variables that something sets, unique
//! variant names, expectations that each carry a rule.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::error::Problem;
use super::flatten::{flatten, Action, FlatStep};
use super::model::{CaseFile, Expect, RequestSpec, Suite};
use super::rules::{severity_agrees, Rule};
use super::scope::{Scope, VarRef};
use super::template::{strings_in, Template};

/// Names of the invariants `check` knows.
pub const INVARIANTS: &[&str] = &["member-list", "members-info"];

const JSON_TYPES: &[&str] = &[
    "null", "boolean", "integer", "number", "string", "array", "object",
];

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
    };
    v.case_level();
    let variant_keys = v.variants();
    match flatten(case, ctx.suite) {
        Ok(steps) => v.steps(&steps, &variant_keys),
        Err((pointer, message)) => v.problem(&pointer, message),
    }
    v.problems
}

struct Validator<'a> {
    path: &'a str,
    ctx: &'a Context<'a>,
    case: &'a CaseFile,
    problems: Vec<Problem>,
}

impl Validator<'_> {
    fn problem(&mut self, pointer: &str, message: impl Into<String>) {
        // Fixture steps are written in suite.json: point there.
        let (path, pointer) = match pointer.split_once('#') {
            Some((file, p)) => (file.to_string(), p.to_string()),
            None => (self.path.to_string(), pointer.to_string()),
        };
        self.problems
            .push(Problem::at_pointer(&path, pointer, message));
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
        if self.case.rules.is_empty() {
            self.problem("/rules", "a case names at least one rule");
        }
        if self.case.steps.is_empty() {
            self.problem("/steps", "a case has at least one step");
        }
        let mut seen = BTreeSet::new();
        let mut known = Vec::new();
        for (i, id) in self.case.rules.iter().enumerate() {
            if !seen.insert(id) {
                self.problem(
                    &format!("/rules/{i}"),
                    format!("rule `{id}` is listed twice"),
                );
            }
            match self.ctx.rules.get(id) {
                Some(rule) => known.push(rule),
                None => self.problem(
                    &format!("/rules/{i}"),
                    format!("unknown rule id `{id}` (see cases/rules.json)"),
                ),
            }
        }
        if known.len() == self.case.rules.len()
            && !known.is_empty()
            && !severity_agrees(&known, self.case.severity)
        {
            let bases = known
                .iter()
                .map(|r| format!("{} is {:?}", r.id, r.basis))
                .collect::<Vec<_>>()
                .join(", ");
            self.problem(
                "/severity",
                format!(
                    "severity `{}` disagrees with the rules' basis ({bases}): documented rules give `must`, client-relied or inferred ones `should`",
                    self.case.severity.as_str()
                ),
            );
        }
    }

    /// Checks variant names; returns the fields every variant sets.
    fn variants(&mut self) -> BTreeSet<String> {
        let mut names = BTreeSet::new();
        let mut common: Option<BTreeSet<String>> = None;
        for (i, variant) in self.case.variants.iter().enumerate() {
            match variant.get("name").and_then(Value::as_str) {
                None => self.problem(&format!("/variants/{i}"), "a variant needs a string `name`"),
                Some(name) => {
                    let valid = !name.is_empty()
                        && name
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
                    if !valid {
                        self.problem(
                            &format!("/variants/{i}/name"),
                            format!(
                                "variant name `{name}` must be letters, digits, `-`, `_` or `.`"
                            ),
                        );
                    }
                    if !names.insert(name.to_string()) {
                        self.problem(
                            &format!("/variants/{i}/name"),
                            format!("duplicate variant name `{name}`"),
                        );
                    }
                }
            }
            let keys: BTreeSet<String> = variant.keys().cloned().collect();
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
            for (key, value) in variant.iter().filter(|(k, _)| k.as_str() != "name") {
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
                } => {
                    self.request(step, request);
                    // A step may compare with what it captures itself.
                    let mut visible = defined.clone();
                    if let Some(ns) = &step.capture_ns {
                        visible.extend(captures.keys().map(|k| format!("{ns}.{k}")));
                    }
                    let mut strings = Vec::new();
                    request_templates(request, &step.pointer, &mut strings);
                    if let Some(expect) = expect {
                        self.expect(step, expect);
                        expect_templates(expect, &format!("{}/expect", step.pointer), &mut strings);
                    }
                    self.templates(&step.scope, &strings, &visible, variant_keys);
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
            request.padded_body.is_some(),
        ];
        if bodies.iter().filter(|b| **b).count() > 1 {
            self.problem(&p, "give at most one of `body`, `rawBody`, `paddedBody`");
        }
    }

    fn expect(&mut self, step: &FlatStep, expect: &Expect) {
        let p = format!("{}/expect", step.pointer);
        let block = expect.rule.as_deref();
        if let Some(rule) = block {
            self.rule_ref(&format!("{p}/rule"), Some(rule), None);
        }
        if let Some(status) = &expect.status {
            self.rule_ref(&format!("{p}/status"), status.rule(), block);
            let allowed = status.allowed();
            if allowed.is_empty() || allowed.iter().any(|s| !(100..=599).contains(s)) {
                self.problem(
                    &format!("{p}/status"),
                    "statuses are a non-empty set of codes 100–599",
                );
            }
        }
        for (name, h) in &expect.headers {
            let hp = format!("{p}/headers/{name}");
            self.rule_ref(&hp, h.rule.as_deref(), block);
            if let Some(re) = &h.matches {
                if let Err(e) = regex::Regex::new(re) {
                    self.problem(
                        &format!("{hp}/matches"),
                        format!("invalid regular expression: {e}"),
                    );
                }
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
            let jp = format!("{p}/json/{i}");
            self.rule_ref(&jp, a.rule.as_deref(), block);
            self.pointer_syntax(&format!("{jp}/pointer"), &a.pointer);
            if let Some(t) = &a.json_type {
                if !JSON_TYPES.contains(&t.as_str()) {
                    self.problem(&format!("{jp}/type"), format!("unknown JSON type `{t}`"));
                }
            }
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
    }

    /// Every expectation carries a rule, and it is one of the case's.
    fn rule_ref(&mut self, pointer: &str, own: Option<&str>, block: Option<&str>) {
        let case_rules = &self.case.rules;
        let resolved = own
            .or(block)
            .or_else(|| (case_rules.len() == 1).then(|| case_rules[0].as_str()));
        match resolved {
            None => self.problem(
                pointer,
                "this expectation carries no rule: give it `rule`, or the `expect` block a `rule`",
            ),
            Some(rule) if !case_rules.iter().any(|r| r == rule) => self.problem(
                pointer,
                format!("rule `{rule}` is not among the case's `rules`"),
            ),
            Some(_) => {}
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
            VarRef::RunId | VarRef::Fresh(_) | VarRef::Guid(_) => None,
            VarRef::Param(k) => match scope {
                Scope::Fixture { params, .. } if params.contains_key(&k) => None,
                _ => Some("the fixture declares no such parameter".into()),
            },
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
