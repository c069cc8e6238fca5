//! The response schemas of a case set (`cases/schemas/`), compiled once.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;

#[derive(Clone, Default)]
pub struct Schemas {
    validators: BTreeMap<String, Arc<jsonschema::Validator>>,
}

impl Schemas {
    /// Compiles every schema; the loader has already refused invalid ones.
    pub fn compile(schemas: &BTreeMap<String, Value>) -> Result<Schemas, String> {
        let mut validators = BTreeMap::new();
        for (name, schema) in schemas {
            let v = jsonschema::validator_for(schema)
                .map_err(|e| format!("schemas/{name} is not a valid JSON Schema: {e}"))?;
            validators.insert(name.clone(), Arc::new(v));
        }
        Ok(Schemas { validators })
    }

    /// What is wrong with `doc` under schema `name`, one line per error (`at <pointer>: …`).
    pub fn errors(&self, name: &str, doc: &Value) -> Vec<String> {
        match self.validators.get(name) {
            None => vec![format!("schema `{name}` is not loaded")],
            Some(v) => v
                .iter_errors(doc)
                .map(|e| {
                    let at = e.instance_path().to_string();
                    let at = if at.is_empty() { "/".to_string() } else { at };
                    format!("at {at}: {e}")
                })
                .collect(),
        }
    }
}
