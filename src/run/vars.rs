//! The variables of one running case: captures, exports, fresh names and GUIDs.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::case::template::render_value;
use crate::case::{Scope, VarRef};

use super::context::credentials_of;

/// What every case of a run can read.
#[derive(Clone)]
pub struct RunVars {
    pub run_id: String,
    pub world: BTreeMap<String, String>,
    /// Xuids of every identity, available or not (a case may name a xuid it does not act as).
    pub xuids: BTreeMap<String, String>,
    /// Authorization values of every identity (`{{auth.<caller>}}`); `None` when not given.
    pub authorizations: BTreeMap<String, Option<String>>,
}

impl std::fmt::Debug for RunVars {
    // Authorization values are secrets: only which callers have one is shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let given: Vec<(&String, bool)> = self
            .authorizations
            .iter()
            .map(|(k, v)| (k, v.is_some()))
            .collect();
        f.debug_struct("RunVars")
            .field("run_id", &self.run_id)
            .field("world", &self.world)
            .field("xuids", &self.xuids)
            .field("authorizations_given", &given)
            .finish()
    }
}

/// Why a template could not be rendered.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum VarsError {
    /// It reads `auth.<caller>` of a caller who was not given: the case is skipped.
    #[error("needs caller `{0}`, who was not given")]
    MissingCaller(String),
    #[error("{0}")]
    Render(String),
}

/// One case's variables.
#[derive(Debug)]
pub struct CaseVars<'a> {
    run: &'a RunVars,
    variant: Option<&'a serde_json::Map<String, Value>>,
    captured: BTreeMap<String, Value>,
    fresh: BTreeMap<String, String>,
    guids: BTreeMap<String, String>,
    /// `{{burst.index}}` while a burst step's copies are rendered.
    burst_index: Option<usize>,
    /// The caller an `auth.*` lookup missed, read by `render`.
    missing_caller: Option<String>,
}

impl<'a> CaseVars<'a> {
    pub fn new(run: &'a RunVars, variant: Option<&'a serde_json::Map<String, Value>>) -> Self {
        CaseVars {
            run,
            variant,
            captured: BTreeMap::new(),
            fresh: BTreeMap::new(),
            guids: BTreeMap::new(),
            burst_index: None,
            missing_caller: None,
        }
    }

    pub fn set(&mut self, name: String, value: Value) {
        self.captured.insert(name, value);
    }

    pub fn get(&self, name: &str) -> Option<&Value> {
        self.captured.get(name)
    }

    /// Sets (or, with `None`, clears) `{{burst.index}}`.
    pub fn set_burst_index(&mut self, index: Option<usize>) {
        self.burst_index = index;
    }

    /// Renders every template in `value`, read in `scope`.
    pub fn render(&mut self, scope: &Scope, value: &Value) -> Result<Value, VarsError> {
        self.missing_caller = None;
        self.render_raw(scope, value)
            .map_err(|e| match self.missing_caller.take() {
                Some(caller) => VarsError::MissingCaller(caller),
                None => VarsError::Render(e),
            })
    }

    fn render_raw(&mut self, scope: &Scope, value: &Value) -> Result<Value, String> {
        render_value(value, &mut |name| self.lookup(scope, name))
    }

    /// Renders a template string to text.
    pub fn render_text(&mut self, scope: &Scope, text: &str) -> Result<String, VarsError> {
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
            VarRef::Auth {
                caller,
                credentials,
            } => match self.run.authorizations.get(&caller) {
                Some(Some(value)) if credentials => {
                    Ok(Value::String(credentials_of(value).to_string()))
                }
                Some(Some(value)) => Ok(Value::String(value.clone())),
                _ => {
                    let why = format!("caller `{caller}` was not given");
                    self.missing_caller = Some(caller);
                    Err(why)
                }
            },
            VarRef::BurstIndex => self
                .burst_index
                .map(Value::from)
                .ok_or_else(|| "`burst.index` outside a burst step".to_string()),
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
                self.render_raw(&Scope::Case, &raw)
            }
            VarRef::Variant(k) => {
                let raw = self
                    .variant
                    .and_then(|v| v.get(&k))
                    .cloned()
                    .ok_or_else(|| format!("the variant sets no `{k}`"))?;
                // A variant's value may itself read the case's variables (`{{s.handle}}`); the
                // loader refuses `variant.*` inside variants, so this cannot recurse.
                self.render_raw(&Scope::Case, &raw)
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
            authorizations: BTreeMap::new(),
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

    #[test]
    fn auth_reads_a_callers_value_or_its_credentials_and_names_a_missing_caller() {
        let run = RunVars {
            run_id: "r1".into(),
            world: BTreeMap::new(),
            xuids: BTreeMap::new(),
            authorizations: BTreeMap::from([
                ("a".to_string(), Some("XBL3.0  x=1;tok-123".to_string())),
                ("b".to_string(), None),
            ]),
        };
        let mut vars = CaseVars::new(&run, None);
        assert_eq!(
            vars.render_text(&Scope::Case, "xbl3.0 {{auth.a.credentials}}"),
            Ok("xbl3.0 x=1;tok-123".to_string())
        );
        assert_eq!(
            vars.render_text(&Scope::Case, "{{auth.a}}"),
            Ok("XBL3.0  x=1;tok-123".to_string())
        );
        assert_eq!(
            vars.render(&Scope::Case, &json!({ "h": "{{auth.b.credentials}}" })),
            Err(VarsError::MissingCaller("b".into()))
        );
        // The miss is not remembered by the next rendering.
        assert!(matches!(
            vars.render_text(&Scope::Case, "{{nobody.x}}"),
            Err(VarsError::Render(_))
        ));
        assert!(format!("{run:?}").contains("authorizations_given"));
        assert!(!format!("{run:?}").contains("tok-123"));
    }

    #[test]
    fn burst_index_is_an_integer_only_while_set() {
        let run = RunVars {
            run_id: "r1".into(),
            world: BTreeMap::new(),
            xuids: BTreeMap::new(),
            authorizations: BTreeMap::new(),
        };
        let mut vars = CaseVars::new(&run, None);
        assert!(vars
            .render(&Scope::Case, &json!("{{burst.index}}"))
            .is_err());
        vars.set_burst_index(Some(3));
        assert_eq!(
            vars.render(&Scope::Case, &json!("{{burst.index}}")),
            Ok(json!(3))
        );
        assert_eq!(
            vars.render_text(&Scope::Case, "w{{burst.index}}"),
            Ok("w3".to_string())
        );
        vars.set_burst_index(None);
        assert!(vars
            .render(&Scope::Case, &json!("{{burst.index}}"))
            .is_err());
    }
}
