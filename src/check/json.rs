//! JSON-pointer assertions on a body (or on a part of it, such as one member), and the JSON
//! comparisons and one-line renderings other checks share.

use serde_json::Value;

use crate::exchange::lookup;
use crate::plan::{Env, JsonCheck, JsonType, RenderError};

use super::diff::json_diff;
use super::failure::Failure;
use super::pattern::matches;

/// Checks one JSON-pointer assertion on `doc`; `context` names what `doc` is when it is not the
/// whole body (`member with xuid 25… `).
pub(super) fn judge_json(
    a: &JsonCheck,
    doc: &Value,
    context: &str,
    env: &dyn Env,
    out: &mut Vec<Failure>,
) -> Result<(), RenderError> {
    let p = a.pointer.render(env)?;
    let found = lookup(doc, &p);
    let mut fail = |expectation: String, message: String, diff: Option<String>| {
        out.push(
            Failure::new(
                &a.rule,
                format!("{context}{expectation}"),
                format!("{context}{message}"),
            )
            .with_diff(diff),
        );
    };
    let shown = if p.is_empty() { "the document" } else { &p };
    if let Some(exists) = a.exists {
        if exists != found.is_some() {
            let msg = if exists { "is missing" } else { "is present" };
            fail(
                format!("{shown} exists: {exists}"),
                format!("{shown} {msg}"),
                None,
            );
        }
    }
    let Some(value) = found else {
        if a.needs_value() {
            fail(shown.to_string(), format!("{shown} is missing"), None);
        }
        return Ok(());
    };
    if let Some(expected) = &a.equals {
        let expected = expected.render(env)?;
        if !json_equal(&expected, value) {
            fail(
                format!("{shown} equals {}", short(&expected)),
                format!("{shown} is {}, expected {}", short(value), short(&expected)),
                json_diff(&expected, value),
            );
        }
    }
    if let Some(other) = &a.not_equals {
        let other = other.render(env)?;
        if json_equal(&other, value) {
            fail(
                format!("{shown} differs from {}", short(&other)),
                format!("{shown} is still {}", short(value)),
                None,
            );
        }
    }
    for (bound, more) in [(&a.greater_than, true), (&a.less_than, false)] {
        let Some(bound) = bound else {
            continue;
        };
        let bound = bound.render(env)?;
        let (sign, word) = if more { (">", "more") } else { ("<", "less") };
        let holds = match (as_number(&bound), as_number(value)) {
            (Some(b), Some(v)) => (more && v > b) || (!more && v < b),
            _ => false,
        };
        if !holds {
            fail(
                format!("{shown} {sign} {}", short(&bound)),
                format!(
                    "{shown} is {}, expected {word} than {}",
                    short(value),
                    short(&bound)
                ),
                None,
            );
        }
    }
    if let Some(pattern) = &a.matches {
        let text = value.as_str();
        let (pattern_shown, matched) = matches(pattern, text.unwrap_or_default(), env)?;
        let expectation = format!("{shown} matches /{pattern_shown}/");
        match (text, matched) {
            (_, Err(e)) => fail(expectation, format!("invalid pattern: {e}"), None),
            (None, _) => fail(
                expectation,
                format!("{shown} is {}, not a string", short(value)),
                None,
            ),
            (Some(_), Ok(false)) => fail(
                expectation,
                format!(
                    "{shown} is {}, which does not match /{pattern_shown}/",
                    short(value)
                ),
                None,
            ),
            _ => {}
        }
    }
    if let Some(count) = a.count {
        let actual = match value {
            Value::Object(m) => Some(m.len()),
            Value::Array(v) => Some(v.len()),
            _ => None,
        };
        if actual != Some(count) {
            let got = actual.map_or_else(
                || format!("not a collection ({})", short(value)),
                |n| n.to_string(),
            );
            fail(
                format!("{shown} has {count} entries"),
                format!("{shown} has {got} entries, expected {count}"),
                None,
            );
        }
    }
    if let Some(t) = a.json_type {
        if !t.holds(value) {
            fail(
                format!("{shown} is {}", t.as_str()),
                format!(
                    "{shown} is {}: {}",
                    JsonType::of(value).as_str(),
                    short(value)
                ),
                None,
            );
        }
    }
    Ok(())
}

/// Numbers compare by value (`1` equals `1.0`); everything else structurally.
pub fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_equal(p, q))
        }
        (Value::Object(x), Value::Object(y)) => x.len() == y.len() && same_members(x, y),
        _ => a == b,
    }
}

/// Whether two objects of one size hold the same members, in any order. A read-back comes in
/// the order its server writes keys: members are compared pair by pair while their keys line
/// up, and looked up by key (a hash of it) only from the first that does not.
fn same_members(x: &serde_json::Map<String, Value>, y: &serde_json::Map<String, Value>) -> bool {
    let mut lined_up = 0;
    for ((k, v), (l, w)) in x.iter().zip(y.iter()) {
        if k != l {
            break;
        }
        if !json_equal(v, w) {
            return false;
        }
        lined_up += 1;
    }
    x.iter()
        .skip(lined_up)
        .all(|(k, v)| y.get(k).is_some_and(|w| json_equal(v, w)))
}

fn as_number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// A value in one short line.
pub(super) fn short(v: &Value) -> String {
    let text = v.to_string();
    if text.chars().count() <= 80 {
        return text;
    }
    format!("{}…", text.chars().take(77).collect::<String>())
}

#[cfg(test)]
mod tests {
    use super::super::testing::{expect, judged, response};
    use super::json_equal;
    use serde_json::json;

    #[test]
    fn objects_compare_in_any_key_order() {
        let a = json!({ "a": 1, "b": { "x": [1, 2.0], "y": null }, "c": "s" });
        for same in [
            json!({ "a": 1.0, "b": { "x": [1, 2], "y": null }, "c": "s" }),
            json!({ "a": 1, "c": "s", "b": { "y": null, "x": [1.0, 2] } }),
            json!({ "c": "s", "b": { "x": [1, 2], "y": null }, "a": 1 }),
        ] {
            assert!(json_equal(&a, &same), "{same}");
            assert!(json_equal(&same, &a), "{same}");
        }
        for other in [
            json!({ "a": 1, "b": { "x": [1, 2], "y": null }, "c": "t" }),
            json!({ "a": 1, "c": "s", "b": { "y": 0, "x": [1, 2] } }),
            json!({ "a": 1, "b": { "x": [1, 2], "y": null }, "d": "s" }),
            json!({ "a": 1, "d": "s", "b": { "x": [1, 2], "y": null } }),
            json!({ "a": 1, "b": { "x": [1, 2], "y": null } }),
        ] {
            assert!(!json_equal(&a, &other), "{other}");
            assert!(!json_equal(&other, &a), "{other}");
        }
    }

    #[test]
    fn json_assertions_show_a_diff() {
        let e = expect(
            json!({ "rule": "O16", "json": [
                { "pointer": "/o", "equals": { "a": 1, "b": [1, 2] } },
                { "pointer": "/n", "greaterThan": 3 },
                { "pointer": "/b", "count": 2 }
            ]}),
            &["O16"],
        );
        let f = judged(
            &e,
            &response(200, &[], r#"{"o":{"a":1,"b":[1,3]},"b":[1,3],"n":3}"#),
        );
        assert_eq!(f.len(), 2, "{f:#?}");
        assert!(
            f[0].diff.as_deref().unwrap_or("").contains("+    3"),
            "{:?}",
            f[0].diff
        );
        let ok = judged(
            &e,
            &response(200, &[], r#"{"o":{"a":1.0,"b":[1,2]},"b":[1,2],"n":4}"#),
        );
        assert!(ok.is_empty(), "{ok:#?}");
    }

    #[test]
    fn matches_needs_a_matching_string_and_less_than_a_smaller_number() {
        let e = expect(
            json!({ "rule": "SH1", "json": [
                { "pointer": "/id", "matches": "^[0-9a-f]{4}$" },
                { "pointer": "/n", "lessThan": "not a number" },
                { "pointer": "/m", "lessThan": 3 }
            ]}),
            &["SH1"],
        );
        let f = judged(&e, &response(200, &[], r#"{"id":"ab12","n":1,"m":2}"#));
        // `lessThan` a value that is no number never holds.
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(
            f[0].message.contains("expected less than"),
            "{}",
            f[0].message
        );
        let f = judged(&e, &response(200, &[], r#"{"id":12,"n":1,"m":3}"#));
        let messages: Vec<&str> = f.iter().map(|f| f.message.as_str()).collect();
        assert!(
            messages.contains(&"/id is 12, not a string"),
            "{messages:?}"
        );
        assert!(
            messages.contains(&"/m is 3, expected less than 3"),
            "{messages:?}"
        );
        let f = judged(&e, &response(200, &[], r#"{"id":"ABCD","n":1,"m":0}"#));
        assert!(
            f.iter()
                .any(|f| f.message.contains("does not match /^[0-9a-f]{4}$/")),
            "{f:?}"
        );
    }
}
