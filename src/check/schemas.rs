//! What a compiled response schema says of a document.

use serde_json::Value;

/// What is wrong with `doc` under `validator`, one line per error (`at <pointer>: …`).
pub fn errors(validator: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    validator
        .iter_errors(doc)
        .map(|e| {
            let at = e.instance_path().to_string();
            let at = if at.is_empty() { "/".to_string() } else { at };
            format!("at {at}: {e}")
        })
        .collect()
}
