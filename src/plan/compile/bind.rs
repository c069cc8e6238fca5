//! Binding templates: each `{{variable}}` is checked (something sets it by then) and resolved to
//! where its value comes from. Parameters and variant values are bound in place, in the case's
//! scope, so nothing is looked up by name when the case runs.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use serde_json::Value;

use crate::case::template::{escape_pointer, Expr, Segment, Source, Template};
use crate::case::{Scope, VarRef, Variant};

use super::super::case::{Made, VarTable};
use super::super::template::{Part, Src, TValue, Text};
use super::CaseCompiler;

/// The variables of the case being compiled: a slot per name, and which names are set so far.
#[derive(Clone, Default)]
pub(super) struct Vars {
    names: Vec<Box<str>>,
    slots: HashMap<String, usize>,
    made: Vec<(usize, Made)>,
    /// Captured, exported and recorded names set by the steps compiled so far.
    pub defined: BTreeSet<String>,
    /// What the step being compiled captures, once its expectations are bound (they may read
    /// them).
    pub own: BTreeSet<String>,
    /// What the step being compiled captures, while its request is bound (it may not).
    pub pending: BTreeSet<String>,
}

impl Vars {
    /// The slot of a name, made on first use.
    pub fn slot(&mut self, name: &str) -> usize {
        if let Some(slot) = self.slots.get(name) {
            return *slot;
        }
        let slot = self.names.len();
        self.names.push(name.into());
        self.slots.insert(name.to_string(), slot);
        slot
    }

    /// The slot of a variable a step sets; from then on it is defined.
    pub fn define(&mut self, name: String) -> usize {
        let slot = self.slot(&name);
        self.defined.insert(name);
        slot
    }

    fn made(&mut self, name: String, kind: Made) -> usize {
        let known = self.slots.contains_key(&name);
        let slot = self.slot(&name);
        if !known {
            self.made.push((slot, kind));
        }
        slot
    }

    /// What the variables are so far, as text: two equal fingerprints bind every template alike.
    pub fn fingerprint(&self) -> String {
        let mut out = String::new();
        for name in &self.names {
            out.push_str(name);
            out.push(',');
        }
        out.push('|');
        for (slot, made) in &self.made {
            out.push_str(&format!("{slot}{made:?},"));
        }
        out.push('|');
        for name in &self.defined {
            out.push_str(name);
            out.push(',');
        }
        out
    }

    /// The case's table; its names are the list of `known` equal to them, if there is one.
    pub fn table(self, statuses: usize, known: &mut HashSet<Arc<[Box<str>]>>) -> VarTable {
        let names = match known.get(self.names.as_slice()) {
            Some(same) => Arc::clone(same),
            None => {
                let names: Arc<[Box<str>]> = self.names.into();
                known.insert(Arc::clone(&names));
                names
            }
        };
        VarTable {
            names,
            made: self.made.into(),
            statuses,
        }
    }
}

impl CaseCompiler<'_> {
    /// A string that may hold templates, read in `scope`; problems are reported at `at`.
    pub(super) fn text(&mut self, text: &str, scope: &Scope, at: &str) -> Text {
        if !text.contains("{{") {
            return Text::Lit(text.into());
        }
        match Template::parse(text) {
            Ok(t) => Text::Tmpl(self.parts(&t, scope, at)),
            Err(e) => {
                self.problem(at, e);
                Text::Lit(text.into())
            }
        }
    }

    /// A JSON value whose strings and keys may hold templates.
    pub(super) fn value(&mut self, value: &Value, scope: &Scope, at: &str) -> TValue {
        if !has_template(value) {
            return TValue::Lit(value.clone());
        }
        match value {
            Value::String(s) => match self.text(s, scope, at) {
                Text::Lit(t) => TValue::Lit(Value::String(t.into())),
                Text::Tmpl(parts) => TValue::Str(parts),
            },
            Value::Array(items) => TValue::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| self.value(item, scope, &format!("{at}/{i}")))
                    .collect(),
            ),
            Value::Object(map) => TValue::Object(
                map.iter()
                    .map(|(key, item)| {
                        let child = format!("{at}/{}", escape_pointer(key));
                        (
                            self.text(key, scope, &child),
                            self.value(item, scope, &child),
                        )
                    })
                    .collect(),
            ),
            other => TValue::Lit(other.clone()),
        }
    }

    fn parts(&mut self, template: &Template, scope: &Scope, at: &str) -> Box<[Part]> {
        template
            .segments
            .iter()
            .map(|segment| match segment {
                Segment::Text(t) => Part::Text(t.as_str().into()),
                Segment::Expr(Expr { source, filters }) => Part::Expr {
                    src: match source {
                        Source::Literal(t) => Src::Literal(t.as_str().into()),
                        Source::Var(name) => self.var(name, scope, at),
                    },
                    filters: filters.clone().into(),
                },
            })
            .collect()
    }

    /// Where `name`'s value comes from; a problem (and an empty literal) when nothing sets it.
    fn var(&mut self, name: &str, scope: &Scope, at: &str) -> Src {
        let suite = self.ctx.suite;
        let unset = |why: String| (Src::Literal("".into()), Some(why));
        let (src, why) = match scope.classify(name) {
            VarRef::World(k) if suite.world.contains_key(&k) => (Src::World(k.into()), None),
            VarRef::World(_) => unset(format!("suite.json's world has {}", join(suite.world.keys()))),
            VarRef::Xuid(k) if suite.identities.contains_key(&k) => (Src::Xuid(k.into()), None),
            VarRef::Xuid(_) => unset(format!("identities are {}", join(suite.identities.keys()))),
            VarRef::Auth {
                caller,
                credentials,
            } if suite.identities.contains_key(&caller) => (
                Src::Auth {
                    caller: caller.into(),
                    credentials,
                },
                None,
            ),
            VarRef::Auth { .. } => unset(format!(
                "callers are {} (`auth.<caller>` is the Authorization value, `auth.<caller>.credentials` its part after the scheme)",
                join(suite.identities.keys())
            )),
            VarRef::BurstIndex if self.in_burst => (Src::BurstIndex, None),
            VarRef::BurstIndex => {
                unset("`burst.index` has a value only inside a step with `burst`".to_string())
            }
            VarRef::RunId => (Src::RunId, None),
            VarRef::Fresh(key) => (
                Src::Slot(self.vars.made(format!("fresh.{key}"), Made::SessionName)),
                None,
            ),
            VarRef::Guid(key) => (
                Src::Slot(self.vars.made(format!("guid.{key}"), Made::Guid)),
                None,
            ),
            VarRef::Param(k) => match scope {
                Scope::Fixture { params, .. } => match params.get(&k) {
                    // Parameters are written by the case: they read the case's scope.
                    Some(raw) => {
                        let raw = raw.clone();
                        let written = self.param_at.as_ref().and_then(|w| w.get(&k));
                        let at = written.cloned().unwrap_or_else(|| at.to_string());
                        (Src::Value(Box::new(self.value(&raw, &Scope::Case, &at))), None)
                    }
                    None => unset("the fixture declares no such parameter".into()),
                },
                Scope::Case => unset("the fixture declares no such parameter".into()),
            },
            VarRef::Variant(k) if Variant::SETTINGS.contains(&k.as_str()) => unset(format!(
                "a variant's `{k}` configures its case, it is not a value for templates"
            )),
            VarRef::Variant(k) => self.variant_value(&k, at),
            VarRef::Captured(full) => {
                if self.vars.defined.contains(&full) || self.vars.own.contains(&full) {
                    (Src::Slot(self.vars.slot(&full)), None)
                } else if self.vars.pending.contains(&full) {
                    unset(format!(
                        "this step captures it; its request is built before its answer arrives (only its `expect` may read it; earlier steps set {})",
                        none_or(&self.vars.defined)
                    ))
                } else if self.vars.defined.is_empty() {
                    unset("no earlier step captures anything".to_string())
                } else {
                    unset(format!("earlier steps set {}", join(self.vars.defined.iter())))
                }
            }
        };
        if let Some(why) = why {
            self.problem(at, format!("`{{{{{name}}}}}` is set by nothing: {why}"));
        }
        src
    }

    /// A variant's value, bound in the case's scope where it is used.
    fn variant_value(&mut self, key: &str, used_at: &str) -> (Src, Option<String>) {
        let Some((i, variant)) = self.variant else {
            return (
                Src::Literal("".into()),
                Some("the case has no variants".into()),
            );
        };
        let raw = match variant.fields.get(key) {
            Some(raw) => raw,
            None if key == "name" => {
                let name = TValue::Lit(Value::String(variant.name.clone()));
                return (Src::Value(Box::new(name)), None);
            }
            None => {
                let why = format!("not every variant sets `{key}`");
                return (Src::Literal("".into()), Some(why));
            }
        };
        let at = format!("/variants/{i}/{}", escape_pointer(key));
        if self.in_variant {
            self.problem(
                used_at,
                "a variant's value cannot read other variant fields",
            );
            return (Src::Literal("".into()), None);
        }
        self.in_variant = true;
        let bound = self.value(raw, &Scope::Case, &at);
        self.in_variant = false;
        (Src::Value(Box::new(bound)), None)
    }
}

fn has_template(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains("{{"),
        Value::Array(items) => items.iter().any(has_template),
        Value::Object(map) => map.iter().any(|(k, v)| k.contains("{{") || has_template(v)),
        _ => false,
    }
}

fn join<'a>(items: impl Iterator<Item = &'a String>) -> String {
    items.map(String::as_str).collect::<Vec<_>>().join(", ")
}

fn none_or(items: &BTreeSet<String>) -> String {
    if items.is_empty() {
        "nothing".into()
    } else {
        join(items.iter())
    }
}
