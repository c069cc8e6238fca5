//! The variables of one running case: captures, exports, fresh names and GUIDs.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::case::template::render_value;
use crate::case::{Scope, VarRef};

/// What every case of a run can read.
#[derive(Clone, Debug)]
pub struct RunVars {
    pub run_id: String,
    pub world: BTreeMap<String, String>,
    /// Xuids of every identity, available or not (a case may name a xuid it does not act as).
    pub xuids: BTreeMap<String, String>,
}

/// One case's variables.
#[derive(Debug)]
pub struct CaseVars<'a> {
    run: &'a RunVars,
    variant: Option<&'a serde_json::Map<String, Value>>,
    captured: BTreeMap<String, Value>,
    fresh: BTreeMap<String, String>,
    guids: BTreeMap<String, String>,
}

impl<'a> CaseVars<'a> {
    pub fn new(run: &'a RunVars, variant: Option<&'a serde_json::Map<String, Value>>) -> Self {
        CaseVars {
            run,
            variant,
            captured: BTreeMap::new(),
            fresh: BTreeMap::new(),
            guids: BTreeMap::new(),
        }
    }

    pub fn set(&mut self, name: String, value: Value) {
        self.captured.insert(name, value);
    }

    /// Renders every template in `value`, read in `scope`.
    pub fn render(&mut self, scope: &Scope, value: &Value) -> Result<Value, String> {
        render_value(value, &mut |name| self.lookup(scope, name))
    }

    /// Renders a template string to text.
    pub fn render_text(&mut self, scope: &Scope, text: &str) -> Result<String, String> {
        if !text.contains("{{") {
            return Ok(text.to_string());
        }
        let v = self.render(scope, &Value::String(text.to_string()))?;
        Ok(crate::case::template::as_text(&v))
    }

    fn lookup(&mut self, scope: &Scope, name: &str) -> Result<Value, String> {
        match scope.classify(name) {
            VarRef::World(k) => self
                .run
                .world
                .get(&k)
                .map(|v| Value::String(v.clone()))
                .ok_or_else(|| format!("`world.{k}` is not set")),
            VarRef::Xuid(k) => self
                .run
                .xuids
                .get(&k)
                .map(|v| Value::String(v.clone()))
                .ok_or_else(|| format!("no identity `{k}`")),
            VarRef::RunId => Ok(Value::String(self.run.run_id.clone())),
            VarRef::Fresh(key) => {
                let run_id = &self.run.run_id;
                let name = self
                    .fresh
                    .entry(key)
                    .or_insert_with(|| format!("mpsdc-{run_id}-{}", uuid::Uuid::new_v4().simple()));
                Ok(Value::String(name.clone()))
            }
            VarRef::Guid(key) => {
                let id = self
                    .guids
                    .entry(key)
                    .or_insert_with(|| uuid::Uuid::new_v4().hyphenated().to_string());
                Ok(Value::String(id.clone()))
            }
            VarRef::Param(k) => {
                let Scope::Fixture { params, .. } = scope else {
                    return Err(format!("`param.{k}` outside a fixture"));
                };
                let raw = params
                    .get(&k)
                    .cloned()
                    .ok_or_else(|| format!("the fixture has no parameter `{k}`"))?;
                // Parameters are written by the case, so they read the case's scope.
                self.render(&Scope::Case, &raw)
            }
            VarRef::Variant(k) => {
                let raw = self
                    .variant
                    .and_then(|v| v.get(&k))
                    .cloned()
                    .ok_or_else(|| format!("the variant sets no `{k}`"))?;
                // A variant's value may itself read the case's variables (`{{s.handle}}`); the
                // loader refuses `variant.*` inside variants, so this cannot recurse.
                self.render(&Scope::Case, &raw)
            }
            VarRef::Captured(full) => self.captured.get(&full).cloned().ok_or_else(|| {
                format!("`{{{{{full}}}}}` has no value: the step that captures it found nothing")
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fresh_names_are_stable_per_key_and_scoped_per_fixture_use() {
        let run = RunVars {
            run_id: "r1".into(),
            world: BTreeMap::new(),
            xuids: BTreeMap::new(),
        };
        let mut vars = CaseVars::new(&run, None);
        let a1 = vars.render_text(&Scope::Case, "{{fresh.x}}").unwrap();
        let a2 = vars.render_text(&Scope::Case, "{{fresh.x}}").unwrap();
        assert_eq!(a1, a2);
        assert!(a1.starts_with("mpsdc-r1-"));
        let fixture = Scope::Fixture {
            ns: "s".into(),
            params: serde_json::Map::from_iter([("t".to_string(), json!("{{fresh.x}}"))]),
        };
        let f = vars.render_text(&fixture, "{{fresh.x}}").unwrap();
        assert_ne!(f, a1);
        // A parameter reads the case's scope.
        assert_eq!(vars.render_text(&fixture, "{{param.t}}").unwrap(), a1);
        vars.set("s.n".into(), json!(3));
        assert_eq!(
            vars.render(&fixture, &json!("{{self.n}}")).unwrap(),
            json!(3)
        );
    }
}
