//! Judging one response against one step's compiled expectations. Expected values that hold
//! templates are rendered here, when judged; the response body is parsed at most once, and only
//! when a check reads it.

use std::borrow::Cow;

use serde_json::Value;

use crate::exchange::{same_path, ResponseData};
use crate::plan::{
    BodyCheck, Env, ExpectPlan, HeaderCheck, JsonCheck, JsonType, Pattern, RenderError,
};

use super::diff::{json_diff, text_diff};
use super::failure::Failure;
use super::invariants;
use super::members;

/// Every broken expectation of `expect` on `response`. (A burst step's `tally` is judged over
/// all its answers by `judge_tally`.) An expected value that cannot be rendered is an error of
/// the harness, not a failure of the target.
pub fn judge(
    expect: &ExpectPlan,
    response: &ResponseData,
    env: &dyn Env,
) -> Result<Vec<Failure>, RenderError> {
    let mut out = Vec::new();
    block(expect, response, env, &mut out)?;
    Ok(out)
}

fn block(
    expect: &ExpectPlan,
    response: &ResponseData,
    env: &dyn Env,
    out: &mut Vec<Failure>,
) -> Result<(), RenderError> {
    if let Some(status) = &expect.status {
        if !status.allowed.contains(&response.status) {
            out.push(
                Failure::new(
                    &status.rule,
                    format!("status in {:?}", status.allowed),
                    format!(
                        "expected status {}, got {}",
                        one_of(&status.allowed),
                        response.status
                    ),
                )
                .with_diff(body_excerpt(response)),
            );
        }
    }
    for h in expect.headers.iter() {
        header(h, response, env, out)?;
    }
    if let Some(b) = &expect.body {
        body(b, response, out);
    }
    if let Some(rule) = &expect.json_rule {
        match response.json() {
            None => out.push(
                Failure::new(rule, "a JSON body", "the body is not JSON")
                    .with_diff(body_excerpt(response)),
            ),
            Some(doc) => {
                for a in expect.json.iter() {
                    json_assert(a, doc, "", env, out)?;
                }
                for inv in expect.invariants.iter() {
                    for message in invariants::check(inv.invariant, doc) {
                        out.push(Failure::new(
                            &inv.rule,
                            format!("invariant {}", inv.invariant.name()),
                            message,
                        ));
                    }
                }
                for m in expect.members.iter() {
                    members::check(m, doc, env, out)?;
                }
            }
        }
    }
    for branch in expect.when.iter() {
        if branch.status.contains(response.status) {
            block(&branch.expect, response, env, out)?;
        }
    }
    Ok(())
}

pub(super) fn one_of(allowed: &[u16]) -> String {
    match allowed {
        [one] => one.to_string(),
        many => format!(
            "one of {{{}}}",
            many.iter()
                .map(u16::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The start of a body, to show what a server said when the status was wrong.
pub(super) fn body_excerpt(response: &ResponseData) -> Option<String> {
    const SHOWN: usize = 600;
    if response.body.is_empty() {
        return None;
    }
    let shown = crate::text::excerpt::of_bytes(&response.body, SHOWN);
    let more = if shown.cut { "\n…" } else { "" };
    Some(format!("response body:\n{}{more}", shown.text))
}

fn header(
    h: &HeaderCheck,
    response: &ResponseData,
    env: &dyn Env,
    out: &mut Vec<Failure>,
) -> Result<(), RenderError> {
    let name = &*h.name;
    let value = response.header(name);
    let mut fail = |expectation: String, message: String, diff: Option<String>| {
        out.push(Failure::new(&h.rule, expectation, message).with_diff(diff));
    };
    if let Some(present) = h.present {
        match (present, value) {
            (true, None) => fail(
                format!("header {name} present"),
                format!("no `{name}` header"),
                None,
            ),
            (false, Some(v)) => fail(
                format!("header {name} absent"),
                format!("`{name}` is present: {v:?}"),
                None,
            ),
            _ => {}
        }
    }
    let Some(value) = value else {
        if h.needs_value() {
            fail(
                format!("header {name}"),
                format!("no `{name}` header"),
                None,
            );
        }
        return Ok(());
    };
    if let Some(expected) = &h.equals {
        let expected = expected.render(env)?;
        if value != expected {
            fail(
                format!("header {name} equals {expected:?}"),
                format!("`{name}` is {value:?}, expected {expected:?}"),
                text_diff(&format!("{expected}\n"), &format!("{value}\n")),
            );
        }
    }
    if let Some(other) = &h.not_equals {
        let other = other.render(env)?;
        if value == other {
            fail(
                format!("header {name} differs from {other:?}"),
                format!("`{name}` is still {value:?}"),
                None,
            );
        }
    }
    if let Some(media) = &h.media {
        let media = media.render(env)?;
        let actual = media_type(value);
        if !actual.eq_ignore_ascii_case(&media) {
            fail(
                format!("header {name} media type {media}"),
                format!("`{name}` is {value:?}: media type {actual:?}, expected {media:?}"),
                None,
            );
        }
    }
    if let Some(pattern) = &h.matches {
        let (shown, matched) = matches(pattern, value, env)?;
        match matched {
            Ok(true) => {}
            Ok(false) => fail(
                format!("header {name} matches /{shown}/"),
                format!("`{name}` is {value:?}, which does not match /{shown}/"),
                None,
            ),
            Err(e) => fail(
                format!("header {name} matches /{shown}/"),
                format!("invalid pattern: {e}"),
                None,
            ),
        }
    }
    if !h.includes.is_empty() {
        let tokens: Vec<String> = response
            .header_all(name)
            .flat_map(|v| v.split(','))
            .map(|t| t.trim().to_ascii_uppercase())
            .collect();
        let mut wanted = Vec::with_capacity(h.includes.len());
        for t in h.includes.iter() {
            wanted.push(t.render(env)?.into_owned());
        }
        let missing: Vec<&String> = wanted
            .iter()
            .filter(|want| !tokens.contains(&want.to_ascii_uppercase()))
            .collect();
        if !missing.is_empty() {
            fail(
                format!("header {name} includes {wanted:?}"),
                format!("`{name}` is {value:?}; it lacks {missing:?}"),
                None,
            );
        }
    }
    if let Some(path) = &h.path_equals {
        let path = path.render(env)?;
        let path = match env.base_path() {
            base if !base.is_empty() && path.starts_with('/') => {
                Cow::Owned(format!("{base}{path}"))
            }
            _ => path,
        };
        if !same_path(value, &path) {
            fail(
                format!("header {name} names {path}"),
                format!("`{name}` is {value:?}, which does not name {path:?} (compared case-insensitively after percent-decoding)"),
                text_diff(&format!("{path}\n"), &format!("{value}\n")),
            );
        }
    }
    Ok(())
}

/// Whether `text` matches `pattern`, and the pattern as shown in messages. A pattern written with
/// a template is compiled once rendered; it may then be invalid.
fn matches<'a>(
    pattern: &'a Pattern,
    text: &str,
    env: &'a dyn Env,
) -> Result<(Cow<'a, str>, Result<bool, regex::Error>), RenderError> {
    Ok(match pattern {
        Pattern::Compiled(re) => (Cow::Borrowed(re.as_str()), Ok(re.is_match(text))),
        Pattern::Tmpl(t) => {
            let rendered = t.render(env)?;
            let matched = regex::Regex::new(&rendered).map(|re| re.is_match(text));
            (rendered, matched)
        }
    })
}

/// `application/json; charset=utf-8` → `application/json`.
pub fn media_type(value: &str) -> &str {
    value.split(';').next().unwrap_or("").trim()
}

fn body(b: &BodyCheck, response: &ResponseData, out: &mut Vec<Failure>) {
    let rule = &b.rule;
    let blank = response.body.iter().all(u8::is_ascii_whitespace);
    match b.empty {
        Some(true) if !response.body.is_empty() => out.push(
            Failure::new(
                rule,
                "empty body",
                format!("the body has {} bytes", response.body.len()),
            )
            .with_diff(body_excerpt(response)),
        ),
        Some(false) if blank => out.push(Failure::new(
            rule,
            "non-empty body",
            "the body is empty; the contract wants a message saying what was wrong",
        )),
        _ => {}
    }
    if let Some(schema) = &b.schema {
        out.extend(super::shape::schema_failure(rule, schema, response));
    }
}

/// Checks one JSON-pointer assertion on `doc`; `context` names what `doc` is when it is not the
/// whole body (`member with xuid 25… `).
pub(super) fn json_assert(
    a: &JsonCheck,
    doc: &Value,
    context: &str,
    env: &dyn Env,
    out: &mut Vec<Failure>,
) -> Result<(), RenderError> {
    let p = a.pointer.render(env)?;
    let found = doc.pointer(&p);
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
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_equal(v, w)))
        }
        _ => a == b,
    }
}

pub(super) fn as_number(v: &Value) -> Option<f64> {
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
pub(super) mod tests {
    use super::*;
    use crate::plan::compile_expect;
    use crate::plan::template::tests::TestEnv;
    use serde_json::json;

    pub fn response(status: u16, headers: &[(&str, &str)], body: &str) -> ResponseData {
        let headers = headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        ResponseData::new(status, headers, body.as_bytes().to_vec())
    }

    /// An expectation compiled for a case over `rules`.
    pub fn expect(v: Value, rules: &[&str]) -> ExpectPlan {
        let rules: Vec<String> = rules.iter().map(|r| r.to_string()).collect();
        let e = serde_json::from_value(v).expect("an expectation");
        compile_expect(&e, &rules).unwrap_or_else(|p| panic!("{p:?}"))
    }

    pub fn env() -> TestEnv {
        TestEnv {
            slots: vec![],
            burst: None,
        }
    }

    fn judged(e: &ExpectPlan, r: &ResponseData) -> Vec<Failure> {
        judge(e, r, &env()).expect("renders")
    }

    #[test]
    fn a_status_outside_the_set_fails_under_its_rule() {
        let e = expect(json!({ "status": [400, 406] }), &["H1.b"]);
        let f = judged(&e, &response(500, &[], "boom"));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].rule, "H1.b");
        assert!(
            f[0].message.contains("one of {400, 406}, got 500"),
            "{}",
            f[0].message
        );
        assert!(judged(&e, &response(406, &[], "")).is_empty());
    }

    #[test]
    fn header_checks_compare_media_types_tokens_and_paths() {
        let e = expect(
            json!({
                "rule": "O1",
                "headers": {
                    "content-type": { "media": "application/json" },
                    "allow": { "includes": ["get", "PUT"] },
                    "content-location": { "pathEquals": "/serviceconfigs/X/sessionTemplates/lobby/sessions/n%2D1" }
                }
            }),
            &["O1", "O2"],
        );
        let good = response(
            200,
            &[
                ("Content-Type", "application/json; charset=utf-8"),
                ("Allow", "GET, PUT, HEAD"),
                (
                    "Content-Location",
                    "https://h.example/serviceconfigs/x/sessiontemplates/lobby/sessions/n-1",
                ),
            ],
            "{}",
        );
        assert!(judged(&e, &good).is_empty());
        let bad = response(
            200,
            &[("Content-Type", "text/plain"), ("Allow", "GET")],
            "{}",
        );
        let f = judged(&e, &bad);
        assert_eq!(f.len(), 3, "{f:#?}");
        assert!(f.iter().all(|x| x.rule == "O1"));
    }

    #[test]
    fn a_header_pattern_is_compiled_once_at_load() {
        let e = expect(
            json!({ "headers": { "etag": { "matches": "^\"[0-9a-f]+\"$" } } }),
            &["O5"],
        );
        assert!(matches!(
            e.headers.first().and_then(|h| h.matches.as_ref()),
            Some(Pattern::Compiled(_))
        ));
        assert!(judged(&e, &response(200, &[("ETag", "\"ab12\"")], "")).is_empty());
        let f = judged(&e, &response(200, &[("ETag", "W/\"ab12\"")], ""));
        assert!(f[0].message.contains("does not match"), "{f:?}");
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
    fn empty_and_non_empty_bodies() {
        let e = expect(
            json!({ "rule": "SH4", "body": { "empty": false } }),
            &["SH4"],
        );
        assert_eq!(judged(&e, &response(400, &[], " \n")).len(), 1);
        assert!(judged(&e, &response(400, &[], "bad id")).is_empty());
    }

    #[test]
    fn a_body_nothing_reads_is_never_parsed() {
        let e = expect(
            json!({ "status": 200, "headers": { "etag": { "present": true } } }),
            &["O5"],
        );
        let r = response(200, &[("ETag", "\"1\"")], r#"{"big": "json"}"#);
        assert!(judged(&e, &r).is_empty());
        assert!(!r.json_parsed());
        let reads = expect(
            json!({ "json": [ { "pointer": "/big", "exists": true } ] }),
            &["O5"],
        );
        assert!(judged(&reads, &r).is_empty());
        assert!(r.json_parsed());
    }

    #[test]
    fn when_branches_apply_by_the_status_answered_and_inherit_the_block_rule() {
        let e = expect(
            json!({ "rule": "B10", "status": [200, 400], "when": [
                { "status": [200], "expect": { "json": [ { "pointer": "/k", "equals": 1 } ] } },
                { "status": [400], "expect": { "rule": "SH4", "body": { "empty": false } } }
            ]}),
            &["B10", "SH4"],
        );
        assert!(judged(&e, &response(200, &[], r#"{"k":1}"#)).is_empty());
        assert!(judged(&e, &response(400, &[], "bad")).is_empty());
        let wrong = judged(&e, &response(200, &[], r#"{"k":2}"#));
        assert_eq!(wrong.len(), 1, "{wrong:?}");
        assert_eq!(wrong[0].rule, "B10");
        let empty = judged(&e, &response(400, &[], ""));
        assert_eq!(empty.len(), 1, "{empty:?}");
        assert_eq!(empty[0].rule, "SH4");
        // A status no branch guards: only the block's own status check speaks.
        let other = judged(&e, &response(409, &[], ""));
        assert_eq!(other.len(), 1);
        assert!(other[0].message.contains("got 409"));
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
