//! The two ways a request body folds into stored JSON.

use serde_json::{Map, Value};

/// Properties: RFC 7396 merge patch — objects merge key by key, `null` deletes, anything else
/// replaces.
pub(crate) fn merge_patch(target: &mut Map<String, Value>, patch: &Map<String, Value>) {
    for (key, value) in patch {
        match value {
            Value::Null => {
                target.remove(key);
            }
            Value::Object(inner) => {
                let slot = target
                    .entry(key.clone())
                    .or_insert_with(|| Value::Object(Map::new()));
                if !slot.is_object() {
                    *slot = Value::Object(Map::new());
                }
                if let Value::Object(existing) = slot {
                    merge_patch(existing, inner);
                }
            }
            other => {
                target.insert(key.clone(), other.clone());
            }
        }
    }
}

/// A constant that would change: its dotted path under the merged bag.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct ConstantConflict(pub String);

/// Constants (B9): set once. Values equal to the stored ones are a no-op; a different value is a
/// conflict; a key not stored yet is added only when `allow_new` (the session or member is being
/// created). `null` for a key that is absent asks for nothing.
pub(crate) fn merge_constants(
    target: &mut Map<String, Value>,
    incoming: &Map<String, Value>,
    allow_new: bool,
    path: &str,
) -> Result<(), ConstantConflict> {
    for (key, value) in incoming {
        let here = format!("{path}.{key}");
        match target.get_mut(key) {
            Some(Value::Object(existing)) if value.is_object() => {
                if let Value::Object(inner) = value {
                    merge_constants(existing, inner, allow_new, &here)?;
                }
            }
            Some(existing) => {
                if existing != value {
                    return Err(ConstantConflict(here));
                }
            }
            None if value.is_null() => {}
            None if allow_new => {
                let mut value = value.clone();
                strip_nulls(&mut value);
                target.insert(key.clone(), value);
            }
            None => return Err(ConstantConflict(here)),
        }
    }
    Ok(())
}

fn strip_nulls(value: &mut Value) {
    if let Value::Object(map) = value {
        map.retain(|_, v| !v.is_null());
        for v in map.values_mut() {
            strip_nulls(v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    #[test]
    fn merge_patch_deletes_and_replaces() {
        let mut t = obj(json!({"a": 1, "b": {"c": 2, "d": 3}}));
        merge_patch(
            &mut t,
            &obj(json!({"a": null, "b": {"c": null, "e": 4}, "f": [1]})),
        );
        assert_eq!(Value::Object(t), json!({"b": {"d": 3, "e": 4}, "f": [1]}));
    }

    #[test]
    fn constants_at_creation_accept_new_keys_refuse_changes() {
        let mut t = obj(json!({"maxMembersCount": 8}));
        assert!(merge_constants(
            &mut t,
            &obj(json!({"maxMembersCount": 8, "x": 1})),
            true,
            "system"
        )
        .is_ok());
        assert_eq!(
            Value::Object(t.clone()),
            json!({"maxMembersCount": 8, "x": 1})
        );
        assert_eq!(
            merge_constants(&mut t, &obj(json!({"maxMembersCount": 9})), true, "system"),
            Err(ConstantConflict("system.maxMembersCount".into()))
        );
    }

    #[test]
    fn constants_afterwards_refuse_additions() {
        let mut t = obj(json!({"a": {"b": 1}}));
        assert!(merge_constants(&mut t, &obj(json!({"a": {"b": 1}})), false, "c").is_ok());
        assert!(merge_constants(&mut t, &obj(json!({"a": {"z": 1}})), false, "c").is_err());
        assert!(merge_constants(&mut t, &obj(json!({"a": null})), false, "c").is_err());
        assert!(merge_constants(&mut t, &obj(json!({"n": null})), false, "c").is_ok());
    }
}
