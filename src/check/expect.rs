//! Judging one response against one step's (rendered) expectations.

use serde_json::Value;

use crate::case::{BodyExpect, Expect, HeaderExpect, JsonAssert};
use crate::http::ResponseData;

use super::diff::{json_diff, text_diff};
use super::failure::Failure;
use super::invariants;
use super::members;
use super::schemas::Schemas;

/// Every broken expectation of `expect` on `response`. (A burst step's `tally` is judged over
/// all its answers by `judge_tally`.)
pub fn judge(
    expect: &Expect,
    case_rules: &[String],
    response: &ResponseData,
    schemas: &Schemas,
) -> Vec<Failure> {
    let mut out = Vec::new();
    let mut body = Body {
        response,
        parsed: None,
    };
    let judge = Judge {
        case_rules,
        response,
        schemas,
    };
    judge.block(expect, None, &mut body, &mut out);
    out
}

/// The response body as JSON, parsed at most once.
struct Body<'a> {
    response: &'a ResponseData,
    parsed: Option<Option<serde_json::Value>>,
}

impl Body<'_> {
    fn json(&mut self) -> Option<&Value> {
        self.parsed
            .get_or_insert_with(|| self.response.json())
            .as_ref()
    }
}

struct Judge<'a> {
    case_rules: &'a [String],
    response: &'a ResponseData,
    schemas: &'a Schemas,
}

impl Judge<'_> {
    /// One expectation block; `parent` is the rule of the block it is nested in (a `when`
    /// branch inherits its step's).
    fn block(
        &self,
        expect: &Expect,
        parent: Option<&str>,
        body: &mut Body<'_>,
        out: &mut Vec<Failure>,
    ) {
        let response = self.response;
        let block = expect.rule.as_deref().or(parent);
        let rule = |own: Option<&str>| -> String {
            own.or(block)
                .or_else(|| self.case_rules.first().map(String::as_str))
                .unwrap_or("?")
                .to_string()
        };
        if let Some(status) = &expect.status {
            let allowed = status.allowed();
            if !allowed.contains(&response.status) {
                let expectation = format!("status in {allowed:?}");
                out.push(
                    Failure::new(
                        &rule(status.rule()),
                        expectation,
                        format!(
                            "expected status {}, got {}",
                            one_of(&allowed),
                            response.status
                        ),
                    )
                    .with_diff(body_excerpt(response)),
                );
            }
        }
        for (name, h) in &expect.headers {
            header(name, h, response, &rule(h.rule.as_deref()), out);
        }
        if let Some(b) = &expect.body {
            self::body(b, response, self.schemas, &rule(b.rule.as_deref()), out);
        }
        if !expect.json.is_empty() || !expect.invariants.is_empty() || !expect.members.is_empty() {
            match body.json() {
                None => {
                    let r = expect
                        .json
                        .first()
                        .map(|a| rule(a.rule.as_deref()))
                        .or_else(|| expect.invariants.first().map(|i| rule(i.rule())))
                        .or_else(|| expect.members.first().map(|m| rule(m.rule.as_deref())))
                        .unwrap_or_else(|| rule(None));
                    out.push(
                        Failure::new(&r, "a JSON body", "the body is not JSON")
                            .with_diff(body_excerpt(response)),
                    );
                }
                Some(doc) => {
                    for a in &expect.json {
                        json_assert(a, doc, "", &rule(a.rule.as_deref()), out);
                    }
                    for inv in &expect.invariants {
                        let r = rule(inv.rule());
                        for message in invariants::check(inv.name(), doc) {
                            out.push(Failure::new(
                                &r,
                                format!("invariant {}", inv.name()),
                                message,
                            ));
                        }
                    }
                    for m in &expect.members {
                        let member_rule = m.rule.as_deref().or(block);
                        members::check(m, doc, &|own| rule(own.or(member_rule)), out);
                    }
                }
            }
        }
        for branch in &expect.when {
            if branch.status.contains(response.status) {
                self.block(&branch.expect, block, body, out);
            }
        }
    }
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
    if response.body.is_empty() {
        return None;
    }
    let text = String::from_utf8_lossy(&response.body);
    let cut: String = text.chars().take(600).collect();
    let more = if cut.len() < text.len() { "\n…" } else { "" };
    Some(format!("response body:\n{cut}{more}"))
}

fn header(
    name: &str,
    h: &HeaderExpect,
    response: &ResponseData,
    rule: &str,
    out: &mut Vec<Failure>,
) {
    let value = response.header(name);
    let mut fail = |expectation: String, message: String, diff: Option<String>| {
        out.push(Failure::new(rule, expectation, message).with_diff(diff));
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
    let needs_value = h.equals.is_some()
        || h.media.is_some()
        || h.matches.is_some()
        || !h.includes.is_empty()
        || h.path_equals.is_some();
    let Some(value) = value else {
        if needs_value {
            fail(
                format!("header {name}"),
                format!("no `{name}` header"),
                None,
            );
        }
        return;
    };
    if let Some(expected) = &h.equals {
        if value != expected {
            fail(
                format!("header {name} equals {expected:?}"),
                format!("`{name}` is {value:?}, expected {expected:?}"),
                text_diff(&format!("{expected}\n"), &format!("{value}\n")),
            );
        }
    }
    if let Some(other) = &h.not_equals {
        if value == other {
            fail(
                format!("header {name} differs from {other:?}"),
                format!("`{name}` is still {value:?}"),
                None,
            );
        }
    }
    if let Some(media) = &h.media {
        let actual = media_type(value);
        if !actual.eq_ignore_ascii_case(media) {
            fail(
                format!("header {name} media type {media}"),
                format!("`{name}` is {value:?}: media type {actual:?}, expected {media:?}"),
                None,
            );
        }
    }
    if let Some(pattern) = &h.matches {
        match regex::Regex::new(pattern) {
            Ok(re) if re.is_match(value) => {}
            Ok(_) => fail(
                format!("header {name} matches /{pattern}/"),
                format!("`{name}` is {value:?}, which does not match /{pattern}/"),
                None,
            ),
            Err(e) => fail(
                format!("header {name} matches /{pattern}/"),
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
        let missing: Vec<&String> = h
            .includes
            .iter()
            .filter(|want| !tokens.contains(&want.to_ascii_uppercase()))
            .collect();
        if !missing.is_empty() {
            fail(
                format!("header {name} includes {:?}", h.includes),
                format!("`{name}` is {value:?}; it lacks {missing:?}"),
                None,
            );
        }
    }
    if let Some(path) = &h.path_equals {
        if !same_path(value, path) {
            fail(
                format!("header {name} names {path}"),
                format!("`{name}` is {value:?}, which does not name {path:?} (compared case-insensitively after percent-decoding)"),
                text_diff(&format!("{path}\n"), &format!("{value}\n")),
            );
        }
    }
}

/// `application/json; charset=utf-8` → `application/json`.
pub fn media_type(value: &str) -> &str {
    value.split(';').next().unwrap_or("").trim()
}

/// O14: the value is the path, or an absolute URL whose path is it; case-insensitive after
/// percent-decoding.
fn same_path(value: &str, path: &str) -> bool {
    let norm = |s: &str| percent_decode(s).to_lowercase();
    let value = norm(value);
    let path = norm(path);
    if value == path {
        return true;
    }
    // An absolute URL: scheme://authority/path — compare the path part.
    match value.split_once("://") {
        Some((_, rest)) => rest.find('/').map(|i| &rest[i..]) == Some(path.as_str()),
        None => false,
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hi = (bytes[i + 1] as char).to_digit(16);
            let lo = (bytes[i + 2] as char).to_digit(16);
            if let (Some(hi), Some(lo)) = (hi, lo) {
                out.push((hi * 16 + lo) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn body(
    b: &BodyExpect,
    response: &ResponseData,
    schemas: &Schemas,
    rule: &str,
    out: &mut Vec<Failure>,
) {
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
    if let Some(name) = &b.schema {
        match response.json() {
            None => out.push(
                Failure::new(
                    rule,
                    format!("body matches schemas/{name}"),
                    "the body is not JSON",
                )
                .with_diff(body_excerpt(response)),
            ),
            Some(doc) => {
                let errors = schemas.errors(name, &doc);
                if !errors.is_empty() {
                    let listed = errors
                        .iter()
                        .take(10)
                        .map(|e| format!("  {e}"))
                        .collect::<Vec<_>>();
                    out.push(
                        Failure::new(
                            rule,
                            format!("body matches schemas/{name}"),
                            format!(
                                "the body breaks schemas/{name} in {} place(s)",
                                errors.len()
                            ),
                        )
                        .with_diff(Some(listed.join("\n"))),
                    );
                }
            }
        }
    }
}

/// Checks one JSON-pointer assertion on `doc`; `context` names what `doc` is when it is not the
/// whole body (`member with xuid 25… `).
pub(super) fn json_assert(
    a: &JsonAssert,
    doc: &Value,
    context: &str,
    rule: &str,
    out: &mut Vec<Failure>,
) {
    let p = &a.pointer;
    let found = doc.pointer(p);
    let mut fail = |expectation: String, message: String, diff: Option<String>| {
        out.push(
            Failure::new(
                rule,
                format!("{context}{expectation}"),
                format!("{context}{message}"),
            )
            .with_diff(diff),
        );
    };
    let shown = if p.is_empty() {
        "the document"
    } else {
        p.as_str()
    };
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
    let needs_value = a.equals.is_some()
        || a.not_equals.is_some()
        || a.greater_than.is_some()
        || a.less_than.is_some()
        || a.matches.is_some()
        || a.count.is_some()
        || a.json_type.is_some();
    let Some(value) = found else {
        if needs_value {
            fail(shown.to_string(), format!("{shown} is missing"), None);
        }
        return;
    };
    if let Some(expected) = &a.equals {
        if !json_equal(expected, value) {
            fail(
                format!("{shown} equals {}", short(expected)),
                format!("{shown} is {}, expected {}", short(value), short(expected)),
                json_diff(expected, value),
            );
        }
    }
    if let Some(other) = &a.not_equals {
        if json_equal(other, value) {
            fail(
                format!("{shown} differs from {}", short(other)),
                format!("{shown} is still {}", short(value)),
                None,
            );
        }
    }
    if let Some(bound) = &a.greater_than {
        match (as_number(bound), as_number(value)) {
            (Some(b), Some(v)) if v > b => {}
            _ => fail(
                format!("{shown} > {}", short(bound)),
                format!(
                    "{shown} is {}, expected more than {}",
                    short(value),
                    short(bound)
                ),
                None,
            ),
        }
    }
    if let Some(bound) = &a.less_than {
        match (as_number(bound), as_number(value)) {
            (Some(b), Some(v)) if v < b => {}
            _ => fail(
                format!("{shown} < {}", short(bound)),
                format!(
                    "{shown} is {}, expected less than {}",
                    short(value),
                    short(bound)
                ),
                None,
            ),
        }
    }
    if let Some(pattern) = &a.matches {
        let expectation = format!("{shown} matches /{pattern}/");
        match (value.as_str(), regex::Regex::new(pattern)) {
            (_, Err(e)) => fail(expectation, format!("invalid pattern: {e}"), None),
            (None, _) => fail(
                expectation,
                format!("{shown} is {}, not a string", short(value)),
                None,
            ),
            (Some(text), Ok(re)) if !re.is_match(text) => fail(
                expectation,
                format!(
                    "{shown} is {}, which does not match /{pattern}/",
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
    if let Some(t) = &a.json_type {
        let actual = type_name(value);
        let ok = actual == t || (t == "number" && actual == "integer");
        if !ok {
            fail(
                format!("{shown} is {t}"),
                format!("{shown} is {actual}: {}", short(value)),
                None,
            );
        }
    }
}

/// Numbers compare by value (`1` equals `1.0`); everything else structurally.
pub(super) fn json_equal(a: &Value, b: &Value) -> bool {
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

pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
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
    use super::*;
    use crate::case::StatusExpect;
    use serde_json::json;

    fn response(status: u16, headers: &[(&str, &str)], body: &str) -> ResponseData {
        ResponseData {
            status,
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            body: body.as_bytes().to_vec(),
        }
    }

    fn expect(v: Value) -> Expect {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn a_status_outside_the_set_fails_under_its_rule() {
        let e = Expect {
            status: Some(StatusExpect::Set(vec![400, 406])),
            ..Default::default()
        };
        let f = judge(
            &e,
            &["H1.b".into()],
            &response(500, &[], "boom"),
            &Schemas::default(),
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].rule, "H1.b");
        assert!(
            f[0].message.contains("one of {400, 406}, got 500"),
            "{}",
            f[0].message
        );
        assert!(judge(
            &e,
            &["H1.b".into()],
            &response(406, &[], ""),
            &Schemas::default()
        )
        .is_empty());
    }

    #[test]
    fn header_checks_compare_media_types_tokens_and_paths() {
        let e = expect(json!({
            "rule": "O1",
            "headers": {
                "content-type": { "media": "application/json" },
                "allow": { "includes": ["get", "PUT"] },
                "content-location": { "pathEquals": "/serviceconfigs/X/sessionTemplates/lobby/sessions/n%2D1" }
            }
        }));
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
        assert!(judge(&e, &[], &good, &Schemas::default()).is_empty());
        let bad = response(
            200,
            &[("Content-Type", "text/plain"), ("Allow", "GET")],
            "{}",
        );
        let f = judge(&e, &[], &bad, &Schemas::default());
        assert_eq!(f.len(), 3, "{f:#?}");
        assert!(f.iter().all(|x| x.rule == "O1"));
    }

    #[test]
    fn json_assertions_show_a_diff() {
        let e = expect(json!({ "rule": "O16", "json": [
            { "pointer": "/o", "equals": { "a": 1, "b": [1, 2] } },
            { "pointer": "/n", "greaterThan": 3 },
            { "pointer": "/b", "count": 2 }
        ]}));
        let f = judge(
            &e,
            &[],
            &response(200, &[], r#"{"o":{"a":1,"b":[1,3]},"b":[1,3],"n":3}"#),
            &Schemas::default(),
        );
        assert_eq!(f.len(), 2, "{f:#?}");
        assert!(
            f[0].diff.as_deref().unwrap_or("").contains("+    3"),
            "{:?}",
            f[0].diff
        );
        let ok = judge(
            &e,
            &[],
            &response(200, &[], r#"{"o":{"a":1.0,"b":[1,2]},"b":[1,2],"n":4}"#),
            &Schemas::default(),
        );
        assert!(ok.is_empty(), "{ok:#?}");
    }

    #[test]
    fn empty_and_non_empty_bodies() {
        let e = expect(json!({ "rule": "SH4", "body": { "empty": false } }));
        assert_eq!(
            judge(&e, &[], &response(400, &[], " \n"), &Schemas::default()).len(),
            1
        );
        assert!(judge(&e, &[], &response(400, &[], "bad id"), &Schemas::default()).is_empty());
    }

    #[test]
    fn when_branches_apply_by_the_status_answered_and_inherit_the_block_rule() {
        let e = expect(json!({ "rule": "B10", "status": [200, 400], "when": [
            { "status": [200], "expect": { "json": [ { "pointer": "/k", "equals": 1 } ] } },
            { "status": [400], "expect": { "rule": "SH4", "body": { "empty": false } } }
        ]}));
        let s = Schemas::default();
        assert!(judge(&e, &[], &response(200, &[], r#"{"k":1}"#), &s).is_empty());
        assert!(judge(&e, &[], &response(400, &[], "bad"), &s).is_empty());
        let wrong = judge(&e, &[], &response(200, &[], r#"{"k":2}"#), &s);
        assert_eq!(wrong.len(), 1, "{wrong:?}");
        assert_eq!(wrong[0].rule, "B10");
        let empty = judge(&e, &[], &response(400, &[], ""), &s);
        assert_eq!(empty.len(), 1, "{empty:?}");
        assert_eq!(empty[0].rule, "SH4");
        // A status no branch guards: only the block's own status check speaks.
        let other = judge(&e, &[], &response(409, &[], ""), &s);
        assert_eq!(other.len(), 1);
        assert!(other[0].message.contains("got 409"));
    }

    #[test]
    fn matches_needs_a_matching_string_and_less_than_a_smaller_number() {
        let e = expect(json!({ "rule": "SH1", "json": [
            { "pointer": "/id", "matches": "^[0-9a-f]{4}$" },
            { "pointer": "/n", "lessThan": "{{never rendered here}}" },
            { "pointer": "/m", "lessThan": 3 }
        ]}));
        let s = Schemas::default();
        let f = judge(
            &e,
            &[],
            &response(200, &[], r#"{"id":"ab12","n":1,"m":2}"#),
            &s,
        );
        // `lessThan` a value that is no number never holds.
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(
            f[0].message.contains("expected less than"),
            "{}",
            f[0].message
        );
        let f = judge(&e, &[], &response(200, &[], r#"{"id":12,"n":1,"m":3}"#), &s);
        let messages: Vec<&str> = f.iter().map(|f| f.message.as_str()).collect();
        assert!(
            messages.contains(&"/id is 12, not a string"),
            "{messages:?}"
        );
        assert!(
            messages.contains(&"/m is 3, expected less than 3"),
            "{messages:?}"
        );
        let f = judge(
            &e,
            &[],
            &response(200, &[], r#"{"id":"ABCD","n":1,"m":0}"#),
            &s,
        );
        assert!(
            f.iter()
                .any(|f| f.message.contains("does not match /^[0-9a-f]{4}$/")),
            "{f:?}"
        );
    }

    #[test]
    fn percent_decoding_handles_edges() {
        assert_eq!(percent_decode("a%2Fb%"), "a/b%");
        assert_eq!(percent_decode("%7b%7D"), "{}");
        assert_eq!(percent_decode("%zz"), "%zz");
    }
}
