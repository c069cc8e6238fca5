//! Body cells: every position of the body × every class of value tried there × every write
//! resource, each with the outcome the model's table gives it.

use serde_json::{Map, Value};

use crate::case::{decode_hex, RequestSpec};

use super::build::{Generated, Outcome, ValueCheck};
use super::model::{Class, Model, Position, WriteResource};
use super::{Cell, CellState};

/// Stands for the value in the body's skeleton until its bytes are spliced in.
const HOLE: &str = "\u{1}mpsdc-value\u{1}";
/// The change an update carries besides the value tried, so that a refused write stored in part
/// shows (the follow-through reads it back).
const CARRIER: &str = "mpsdcCarrier";

pub fn cells(model: &Model, out: &mut Vec<Cell>, problems: &mut Vec<String>) {
    for (resource_id, resource) in &model.resources {
        for position in model
            .body
            .positions
            .iter()
            .filter(|p| resource.tries(&p.id))
        {
            for class in &model.body.classes {
                let key = format!("{resource_id}/{}/{}", position.id, class.id);
                let tried = class
                    .at
                    .as_ref()
                    .is_none_or(|at| at.contains(&position.accepts));
                if !tried {
                    let reason = model
                        .body
                        .not_tried
                        .get(&class.id)
                        .cloned()
                        .unwrap_or_default();
                    if reason.is_empty() {
                        problems.push(format!(
                            "/body/notTried: class `{}` is left out at `{}` without a reason",
                            class.id, position.id
                        ));
                    }
                    out.push(Cell::new(
                        "body",
                        resource_id,
                        &position.id,
                        &class.id,
                        CellState::NotTried(reason),
                    ));
                    continue;
                }
                match case(model, resource_id, resource, position, class) {
                    Ok(generated) => {
                        let id = generated.id.clone();
                        out.push(Cell::new(
                            "body",
                            resource_id,
                            &position.id,
                            &class.id,
                            CellState::Generated(id, Box::new(generated)),
                        ));
                    }
                    Err(why) => problems.push(format!("/body: {key}: {why}")),
                }
            }
        }
    }
}

fn case(
    model: &Model,
    resource_id: &str,
    resource: &WriteResource,
    position: &Position,
    class: &Class,
) -> Result<Generated, String> {
    let bytes = class_bytes(class)?;
    let outcome_spec = outcome_spec(model, position, class, resource.creates)?;
    let document = skeleton(position, resource.creates, &class.id);
    let body = splice(&document, &position.pointer, &bytes, class.kind == "bom")?;
    // The value as the server should read it, when it is JSON.
    let value: Option<Value> = serde_json::from_slice(&bytes).ok();
    let final_doc = value
        .as_ref()
        .map(|v| with_value(&document, &position.pointer, v.clone()));
    let outcome = match outcome_spec {
        Spec::Valid { intact, removed } => {
            let doc = final_doc.ok_or("a valid class must be JSON")?;
            let status = valid_status(&doc, resource.creates, resource.joins());
            let rule = match status {
                200 => "O1",
                201 => "O2",
                _ => "O3",
            };
            let check = if (intact || removed) && status != 204 {
                let caller = resource.caller.as_deref().unwrap_or("a");
                let equals = if removed { None } else { value };
                Some(value_check(&position.pointer, equals, caller))
            } else {
                None
            };
            Outcome::Valid {
                status,
                rule: rule.into(),
                check,
            }
        }
        Spec::Refused(status, rules) => Outcome::Refused { status, rules },
        Spec::Open(may_form) => Outcome::Open { may_form },
    };
    let verb = match &outcome {
        Outcome::Valid { status, .. } => format!("is accepted ({status})"),
        Outcome::Refused { status, .. } => format!("is refused ({})", join(status)),
        Outcome::Open { .. } | Outcome::Served { .. } => "is left open: never a 5xx".into(),
    };
    let at = if position.pointer.is_empty() {
        "as the whole body".to_string()
    } else {
        format!("at {}", position.id)
    };
    Ok(Generated {
        id: format!("generated/{resource_id}/{}/{}", position.id, class.id),
        title: format!("{}: {} {at} {verb}", resource.summary, class.summary),
        fixture: resource.fixture.clone(),
        request: RequestSpec {
            method: "PUT".into(),
            path: resource.path.clone(),
            identity: resource.caller.clone(),
            generated_body: Some(body.into()),
            ..RequestSpec::default()
        },
        outcome,
        extra: None,
        answers_session: true,
    })
}

/// The deepest nesting a class may ask for: far past any parser's limit, far below what would
/// exhaust the memory when its bytes are made.
const MAX_NEST: usize = 1024 * 1024;

/// The bytes a class stands for.
fn class_bytes(class: &Class) -> Result<Vec<u8>, String> {
    match (&class.text, &class.hex, class.nest) {
        (Some(text), None, None) => Ok(text.as_bytes().to_vec()),
        (None, Some(hex), None) => decode_hex(hex),
        (None, None, Some(n)) if n > MAX_NEST => Err(format!(
            "class `{}` nests {n} arrays, over the {MAX_NEST} a class may nest",
            class.id
        )),
        (None, None, Some(n)) => {
            let mut out = vec![b'['; n];
            out.resize(2 * n, b']');
            Ok(out)
        }
        _ => Err(format!(
            "class `{}` gives exactly one of `text`, `hex`, `nest`",
            class.id
        )),
    }
}

enum Spec {
    Valid { intact: bool, removed: bool },
    Refused(Vec<u16>, Vec<String>),
    Open(String),
}

/// What the model's table gives a class at a position, on an update or a create.
fn outcome_spec(
    model: &Model,
    position: &Position,
    class: &Class,
    creates: bool,
) -> Result<Spec, String> {
    let table = model
        .body
        .outcomes
        .get(&position.accepts)
        .filter(|t| t.is_object())
        .ok_or_else(|| format!("no outcomes for `{}`", position.accepts))?;
    let split = if creates { "create" } else { "update" };
    let spec = table
        .get(split)
        .and_then(|t| t.get(&class.kind))
        .or_else(|| table.get(&class.kind))
        .ok_or_else(|| {
            format!(
                "`{}` gives no outcome for a `{}` value (class `{}`)",
                position.accepts, class.kind, class.id
            )
        })?;
    let flag = |k: &str| spec.get(k).and_then(Value::as_bool).unwrap_or(false);
    if flag("valid") {
        return Ok(Spec::Valid {
            intact: flag("intact"),
            removed: flag("removed"),
        });
    }
    if let Some(open) = spec.get("open").and_then(Value::as_str) {
        return Ok(Spec::Open(open.to_string()));
    }
    let status: Vec<u16> = spec
        .get("status")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_u64())
                .filter_map(|s| u16::try_from(s).ok())
                .collect()
        })
        .unwrap_or_default();
    let rules = super::requests::strings(spec.get("rules"));
    if status.is_empty() || rules.is_empty() {
        return Err(format!(
            "the outcome of a `{}` value at `{}` is `valid`, `open` or `status` with `rules`",
            class.kind, position.accepts
        ));
    }
    Ok(Spec::Refused(status, rules))
}

/// The body around the value: on a create, the caller joins; on an update, a carrier change.
fn skeleton(position: &Position, creates: bool, class: &str) -> Value {
    let mut doc = Value::Object(Map::new());
    if position.pointer.is_empty() {
        return doc;
    }
    if creates {
        set(&mut doc, "/members/me", Value::Object(Map::new()));
    } else {
        let carrier = if position.pointer.starts_with("/properties") {
            "/members/me/properties/custom"
        } else {
            "/properties/custom"
        };
        set(
            &mut doc,
            &format!("{carrier}/{CARRIER}"),
            Value::String(class.to_string()),
        );
    }
    set(&mut doc, &position.pointer, Value::String(HOLE.into()));
    doc
}

/// `doc` with `value` at `pointer` (the whole of it at `""`).
fn with_value(doc: &Value, pointer: &str, value: Value) -> Value {
    if pointer.is_empty() {
        return value;
    }
    let mut doc = doc.clone();
    set(&mut doc, pointer, value);
    doc
}

/// Sets `pointer` in `doc`, making the objects on the way.
fn set(doc: &mut Value, pointer: &str, value: Value) {
    let mut at = doc;
    let keys: Vec<&str> = pointer.split('/').skip(1).collect();
    let Some((last, path)) = keys.split_last() else {
        *at = value;
        return;
    };
    for key in path {
        if !at.is_object() {
            *at = Value::Object(Map::new());
        }
        let Some(object) = at.as_object_mut() else {
            return;
        };
        at = object
            .entry(key.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
    }
    if !at.is_object() {
        *at = Value::Object(Map::new());
    }
    if let Some(object) = at.as_object_mut() {
        object.insert(last.to_string(), value);
    }
}

/// The body's bytes: the skeleton with the class's bytes where the value goes (the whole body
/// at the top; after the byte order mark for a `bom`).
fn splice(doc: &Value, pointer: &str, bytes: &[u8], bom: bool) -> Result<Vec<u8>, String> {
    if bom {
        let mut out = bytes.to_vec();
        out.extend(serde_json::to_vec(doc).map_err(|e| e.to_string())?);
        return Ok(out);
    }
    if pointer.is_empty() {
        return Ok(bytes.to_vec());
    }
    let text = serde_json::to_vec(doc).map_err(|e| e.to_string())?;
    let hole = serde_json::to_vec(&Value::String(HOLE.into())).map_err(|e| e.to_string())?;
    let at = text
        .windows(hole.len())
        .position(|w| w == hole.as_slice())
        .ok_or("the value's place is missing from the body")?;
    let mut out = Vec::with_capacity(text.len() + bytes.len());
    out.extend_from_slice(text.get(..at).unwrap_or_default());
    out.extend_from_slice(bytes);
    out.extend_from_slice(text.get(at + hole.len()..).unwrap_or_default());
    Ok(out)
}

/// What an accepted write answers: 200 on an update (204 when the caller, its only member,
/// leaves — a joiner's leave changes nothing); on a create, 201 when the body adds a member, else
/// 204.
fn valid_status(doc: &Value, creates: bool, joins: bool) -> u16 {
    let me = doc.pointer("/members/me");
    if creates {
        let joins = doc
            .pointer("/members")
            .and_then(Value::as_object)
            .is_some_and(|m| m.values().any(|v| !v.is_null()));
        if joins {
            201
        } else {
            204
        }
    } else if me.is_some_and(Value::is_null) && !joins {
        204
    } else {
        200
    }
}

/// Where an accepted value shows in the answer: in the session, or in `caller`'s member.
fn value_check(pointer: &str, equals: Option<Value>, caller: &str) -> ValueCheck {
    match pointer.strip_prefix("/members/me") {
        Some(rest) => ValueCheck {
            pointer: rest.to_string(),
            member: Some(caller.to_string()),
            equals,
        },
        None => ValueCheck {
            pointer: pointer.to_string(),
            member: None,
            equals,
        },
    }
}

fn join(status: &[u16]) -> String {
    status
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(" or ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nesting_past_the_bound_is_refused_not_built() {
        let class = |nest| Class {
            id: "deep".into(),
            summary: String::new(),
            text: None,
            hex: None,
            nest: Some(nest),
            kind: "value".into(),
            at: None,
        };
        assert_eq!(class_bytes(&class(2)).expect("nested"), b"[[]]");
        let e = class_bytes(&class(usize::MAX)).unwrap_err();
        assert!(e.contains("over the"), "{e}");
    }

    #[test]
    fn a_value_is_spliced_in_byte_for_byte() {
        let position = Position {
            id: "p".into(),
            pointer: "/properties/custom/mpsdcValue".into(),
            accepts: "value".into(),
        };
        let update = skeleton(&position, false, "nan");
        let body = splice(&update, &position.pointer, b"NaN", false).expect("spliced");
        assert_eq!(
            String::from_utf8(body).expect("text"),
            r#"{"members":{"me":{"properties":{"custom":{"mpsdcCarrier":"nan"}}}},"properties":{"custom":{"mpsdcValue":NaN}}}"#
        );
        let create = skeleton(&position, true, "nan");
        let body = splice(&create, &position.pointer, b"7", false).expect("spliced");
        assert_eq!(
            String::from_utf8(body).expect("text"),
            r#"{"members":{"me":{}},"properties":{"custom":{"mpsdcValue":7}}}"#
        );
        let top = splice(&Value::Object(Map::new()), "", b"[]", false).expect("spliced");
        assert_eq!(top, b"[]");
        let bom = splice(&create, "", &[0xef, 0xbb, 0xbf], true).expect("spliced");
        assert!(bom.starts_with(&[0xef, 0xbb, 0xbf, b'{']));
    }

    #[test]
    fn an_accepted_write_answers_by_what_it_leaves() {
        let joins: Value = serde_json::json!({"members": {"me": {}}});
        assert_eq!(valid_status(&joins, true, false), 201);
        assert_eq!(
            valid_status(&serde_json::json!({"members": {}}), true, false),
            204
        );
        assert_eq!(valid_status(&serde_json::json!({}), false, false), 200);
        let leave = serde_json::json!({"members": {"me": null}});
        assert_eq!(valid_status(&leave, false, false), 204);
        assert_eq!(valid_status(&leave, false, true), 200);
        let check = value_check("/members/me/properties/custom/x", Some(Value::from(1)), "b");
        assert!(check.member.as_deref() == Some("b") && check.pointer == "/properties/custom/x");
    }
}
