//! A corpus of malformed case sets. Each must be refused at load time — before anything is sent —
//! with a problem that says where (`path:line:col` or `path: /pointer`) and what. The CLI test at
//! the end shows, for a sample, exit 2 and not one connection to the target.

use crate::common;

use std::io::ErrorKind;
use std::net::TcpListener;
use std::process::Command;
use std::time::Duration;

use mpsd_conformance::case::{CaseSource, LoadError};
use mpsd_conformance::plan::load;

/// One malformed set: its case files, and a piece of the problem it must produce (the position
/// included).
struct Bad {
    name: &'static str,
    files: Vec<(&'static str, String)>,
    expected: &'static str,
}

/// The catalog's suite.json with the first `from` made `to`.
fn catalog_suite_with(from: &str, to: &str) -> String {
    let suite = std::fs::read_to_string(common::catalog().join("suite.json")).expect("suite.json");
    assert!(suite.contains(from), "suite.json has no `{from}`");
    suite.replacen(from, to, 1)
}

fn problems(files: &[(&str, String)]) -> Vec<String> {
    let refs: Vec<(&str, &str)> = files.iter().map(|(p, t)| (*p, t.as_str())).collect();
    let dir = common::case_dir(&refs);
    problems_in(dir.path())
}

fn problems_in(dir: &std::path::Path) -> Vec<String> {
    let source = match CaseSource::directory(dir) {
        Ok(s) => s,
        Err(e) => return vec![e.to_string()],
    };
    match load(&source, None) {
        Ok(set) => panic!("loaded {} cases", set.case_count()),
        Err(LoadError::Invalid(ps)) => ps
            .iter()
            .map(|p| p.to_string().replace(&dir.display().to_string(), "<dir>"))
            .collect(),
        Err(e) => vec![e.to_string()],
    }
}

/// `common::GOOD_CASE` with one edit (which must apply).
fn spoil(from: &str, to: &str) -> String {
    assert!(
        common::GOOD_CASE.contains(from),
        "{from:?} is not in the good case"
    );
    common::GOOD_CASE.replacen(from, to, 1)
}

/// A `must` case over `rules` whose steps follow a `session` fixture named `s` (so its own steps
/// start at `/steps/1`).
fn case_over(rules: &str, steps: &str) -> String {
    format!(
        r#"{{
  "$schema": "../case.schema.json",
  "title": "t",
  "rules": {rules},
  "severity": "must",
  "steps": [
    {{ "use": "session", "name": "s" }},
{steps}
  ]
}}
"#
    )
}

fn case(steps: &str) -> String {
    case_over(r#"["O1"]"#, steps)
}

/// A request step (steps/1) with this expectation.
fn expecting(expect: &str) -> String {
    case(&format!(
        r#"    {{ "request": {{ "method": "PUT", "path": "/handles/{{{{s.handle}}}}/session", "body": {{}} }}, "expect": {expect} }}"#
    ))
}

/// A request step (steps/1) with this request object.
fn requesting(request: &str) -> String {
    case(&format!(
        r#"    {{ "request": {request}, "expect": {{ "status": 200 }} }}"#
    ))
}

fn one(name: &'static str, text: String, expected: &'static str) -> Bad {
    Bad {
        name,
        files: vec![("area/case.json", text)],
        expected,
    }
}

const C: &str = "<dir>/area/case.json";

fn corpus() -> Vec<Bad> {
    let put = r#""method": "PUT", "path": "/handles/{{s.handle}}/session""#;
    let mut v = vec![
        // --- syntax and types: line and column --------------------------------------------
        one("missing comma", spoil("\"must\",", "\"must\""), ":6:3: expected `,` or `}`"),
        one("trailing comma", spoil("\"status\": 200 }", "\"status\": 200, }"), ":9:34: trailing comma"),
        one("unclosed object", common::GOOD_CASE.trim_end().trim_end_matches('}').to_string(), ":11:1: EOF while parsing an object"),
        one("empty file", String::new(), ":1:1: EOF while parsing a value"),
        one("not an object", "[]".into(), ":1:1: invalid type: sequence, expected an object"),
        one("unknown top field", spoil("\"title\"", "\"titel\": \"x\", \"title\""), ":3:"),
        one("unknown step field", spoil("\"use\": \"session\"", "\"uses\": \"x\", \"use\": \"session\""), "unknown field `uses`"),
        one("unknown request field", spoil("\"body\": {}", "\"bdy\": {}"), "unknown field `bdy`"),
        one("unknown expect field", spoil("\"status\": 200", "\"stauts\": 200"), "unknown field `stauts`"),
        one("status as string", spoil("\"status\": 200", "\"status\": \"200\""), ":9:33: `status` must be a status code"),
        one("status too large", spoil("\"status\": 200", "\"status\": 70000"), "`status` must be a status code or a list of them (200, [400, 404]), not 70000"),
        one("status list with string", spoil("\"status\": 200", "\"status\": [200, \"404\"]"), "`status[1]` must be a status code"),
        one("rules as string", spoil("[\"O1\"]", "\"O1\""), ":4:"),
        one("severity unknown", spoil("\"must\"", "\"shall\""), "unknown variant `shall`"),
        one("severity number", spoil("\"must\"", "1"), ":5:15: `severity` must be one of `must`, `should`, `may`, not an integer"),
        one("steps not a list", spoil("\"steps\": [", "\"steps\": {\"a\": ["), ":6:"),
        one("title number", spoil("\"A write through a handle is served\"", "5"), "`title` must be a string, not an integer"),
        one("header value number", spoil("\"body\": {}", "\"headers\": { \"If-Match\": 5 }"), "`If-Match` must be a string, a list of strings, or null"),
        one("invariant boolean", spoil("\"status\": 200", "\"invariants\": [true]"), "`invariants[0]` must be an invariant's name"),
        one("burst string", spoil("{ \"request\"", "{ \"burst\": \"8\", \"request\""), "`burst` must be a non-negative integer, not a string"),
        one("burst negative", spoil("{ \"request\"", "{ \"burst\": -2, \"request\""), "`burst` must be a non-negative integer"),
        one("member xuid number", spoil("\"status\": 200", "\"members\": [ { \"xuid\": 5 } ]"), "`xuid` must be a string, not an integer"),
        one("count string", spoil("\"status\": 200", "\"json\": [ { \"pointer\": \"/a\", \"count\": \"2\" } ]"), "`count` must be a non-negative integer, not a string"),
        one("expect empty list", spoil("\"expect\": { \"status\": 200 }", "\"expect\": []"), ":9:16: `expect` must be an object, not a list"),
        one("expect null", spoil("\"expect\": { \"status\": 200 }", "\"expect\": null"), "`expect` must be an object, not null"),
        one("expect string", spoil("\"expect\": { \"status\": 200 }", "\"expect\": \"200\""), "`expect` must be an object, not a string"),
        one("request list", spoil("\"request\": { \"method\": \"PUT\", \"path\": \"/handles/{{s.handle}}/session\", \"body\": {} }", "\"request\": [\"PUT\", \"/x\"]"), "`request` must be an object, not a list"),
        one("request null", spoil("\"request\": { \"method\": \"PUT\", \"path\": \"/handles/{{s.handle}}/session\", \"body\": {} }", "\"request\": null"), "`request` must be an object, not null"),
        one("body expectation list", spoil("\"status\": 200", "\"body\": []"), "`body` must be an object, not a list"),
        one("when expect list", spoil("\"status\": 200", "\"status\": [200], \"when\": [ { \"status\": [200], \"expect\": [] } ]"), "`expect` must be an object, not a list"),
        one("duplicate top key", spoil("\"severity\": \"must\",", "\"severity\": \"must\", \"severity\": \"must\","), "duplicate field `severity`"),
        one("duplicate body key", spoil("\"body\": {}", "\"body\": { \"members\": {}, \"members\": { \"me\": null } }"), ":8:111: duplicate key `members`"),
        one("duplicate nested body key", spoil("\"body\": {}", "\"body\": { \"properties\": { \"custom\": { \"a\": 1, \"a\": 2 } } }"), "duplicate key `a`"),
        one("duplicate header key", spoil("\"body\": {}", "\"headers\": { \"If-Match\": \"*\", \"If-Match\": \"x\" }"), "duplicate key `If-Match`"),
        one("duplicate equals key", spoil("\"status\": 200", "\"json\": [ { \"pointer\": \"/a\", \"equals\": { \"k\": 1, \"k\": 2 } } ]"), "duplicate key `k`"),
        one("duplicate variant field", spoil("  ]\n}", "  ],\n  \"variants\": [ { \"name\": \"x\", \"id\": \"1\", \"id\": \"2\" } ]\n}"), "duplicate key `id`"),
        // --- the case as a whole ---------------------------------------------------------------
        one("wrong $schema", spoil("\"../case.schema.json\"", "\"x.json\""), ": /$schema: `$schema` must point at the format's schema"),
        one("empty title", spoil("\"A write through a handle is served\"", "\" \""), ": /title: the title is empty"),
        one("no steps", spoil("\"steps\": [\n    { \"use\": \"session\", \"name\": \"s\" },\n    { \"request\": { \"method\": \"PUT\", \"path\": \"/handles/{{s.handle}}/session\", \"body\": {} },\n      \"expect\": { \"status\": 200 } }\n  ]", "\"steps\": []"), ": /steps: a case has at least one step"),
        one("no rules", spoil("[\"O1\"]", "[]"), ": /rules: a case names at least one rule"),
        one("unknown rule", spoil("[\"O1\"]", "[\"O99\"]"), ": /rules/0: unknown rule id `O99`"),
        one("rule twice", spoil("[\"O1\"]", "[\"O1\", \"O1\"]"), ": /rules/1: rule `O1` is listed twice"),
        one("should on documented", spoil("\"must\"", "\"should\""), ": /severity: severity `should` disagrees"),
        one("must on inferred", spoil("[\"O1\"]", "[\"H1.d\"]"), ": /severity: severity `must` disagrees"),
        one("may without form", spoil("[\"O1\"]", "[\"B8\"]").replace("\"must\"", "\"may\""), ": /severity: a `may` case names the [may] form"),
        one("mayForm on must", spoil("\"severity\": \"must\",", "\"severity\": \"must\", \"mayForm\": \"B8/empty-servers\","), ": /mayForm: `mayForm` belongs to `may` cases"),
        one("mayForm not a form", spoil("[\"O1\"]", "[\"B8\"]").replace("\"severity\": \"must\",", "\"severity\": \"may\", \"mayForm\": \"B8-empty\","), ": /mayForm: `B8-empty` is not `<rule id>/<form id>`"),
        one("duplicate variant", spoil("  ]\n}", "  ],\n  \"variants\": [ { \"name\": \"x\" }, { \"name\": \"x\" } ]\n}"), ": /variants/1/name: duplicate variant name `x`"),
        one("variant name with space", spoil("  ]\n}", "  ],\n  \"variants\": [ { \"name\": \"a b\" } ]\n}"), ": /variants/0/name: variant name `a b` must be"),
        one("variant unknown rule", spoil("  ]\n}", "  ],\n  \"variants\": [ { \"name\": \"x\", \"rules\": [\"Z9\"] } ]\n}"), ": /variants/0/rules/0: unknown rule id `Z9`"),
        one("variant reads variant", spoil("  ]\n}", "  ],\n  \"variants\": [ { \"name\": \"x\", \"a\": \"{{variant.b}}\", \"b\": \"1\" } ]\n}"), ": /variants/0/a: a variant's value cannot read other variant fields"),
        one("variant reads setting", spoil("  ]\n}", "  ],\n  \"variants\": [ { \"name\": \"x\", \"a\": \"{{variant.severity}}\" } ]\n}"), "a variant's `severity` configures its case"),
        one("variant value unset var", spoil("  ]\n}", "  ],\n  \"variants\": [ { \"name\": \"x\", \"a\": \"{{nobody.x}}\" } ]\n}"), ": /variants/0/a: `{{nobody.x}}` is set by nothing"),
        one("variant field missing in one", spoil("{{s.handle}}", "{{variant.id}}").replace("  ]\n}", "  ],\n  \"variants\": [ { \"name\": \"x\", \"id\": \"1\" }, { \"name\": \"y\" } ]\n}"), ": /steps/1/request/path: `{{variant.id}}` is set by nothing: not every variant sets `id`"),
        one("variant read without variants", spoil("{{s.handle}}", "{{variant.id}}"), "`{{variant.id}}` is set by nothing: the case has no variants"),
        // --- steps -------------------------------------------------------------------------------
        one("step with nothing", case("    { \"name\": \"x\" }"), ": /steps/1: a step needs one of `use`, `request`, `parallel`, `snapshot`, `unchanged`"),
        one("step with two kinds", case(&format!("    {{ \"name\": \"x\", \"snapshot\": \"{{{{s.path}}}}\", \"request\": {{ {put} }} }}")), ": /steps/1: a step has only one of"),
        one("with on request", case(&format!("    {{ \"with\": {{ \"a\": 1 }}, \"request\": {{ {put} }} }}")), ": /steps/1/with: `with` belongs to `use` steps"),
        one("expect on use", case("    { \"use\": \"handle\", \"name\": \"h\", \"expect\": {} }"), ": /steps/1: only a `request` step takes `expect` or `capture`"),
        one("burst on use", case("    { \"use\": \"handle\", \"name\": \"h\", \"burst\": 2 }"), ": /steps/1/burst: `burst` belongs to `request` steps"),
        one("rule on request", case(&format!("    {{ \"rule\": \"O1\", \"request\": {{ {put} }} }}")), ": /steps/1/rule: `rule` on a step belongs to `unchanged` steps"),
        one("snapshot without name", case("    { \"snapshot\": \"{{s.path}}\" }"), ": /steps/1/snapshot: a snapshot needs a `name`"),
        one("capture without name", case(&format!("    {{ \"request\": {{ {put} }}, \"capture\": {{ \"e\": {{ \"header\": \"etag\" }} }} }}")), ": /steps/1/capture: a step that captures needs a `name`"),
        one("capture in burst", case(&format!("    {{ \"name\": \"w\", \"burst\": 2, \"request\": {{ {put} }}, \"capture\": {{ \"e\": {{ \"header\": \"etag\" }} }} }}")), ": /steps/1/capture: a burst step cannot `capture`"),
        one("reserved name", case(&format!("    {{ \"name\": \"world\", \"request\": {{ {put} }} }}")), ": /steps/1/name: `world` is a reserved variable namespace"),
        one("reserved fixture name", spoil("\"name\": \"s\"", "\"name\": \"fresh\""), ": /steps/0/name: `fresh` is a reserved variable namespace"),
        one("two steps one name", case(&format!("    {{ \"name\": \"w\", \"request\": {{ {put} }} }},\n    {{ \"name\": \"w\", \"request\": {{ {put} }} }}")), ": /steps/2/name: namespace `w` is already step 2's: step names are unique within a case"),
        one("step named as fixture ns", case(&format!("    {{ \"name\": \"s\", \"request\": {{ {put} }} }}")), ": /steps/1/name: namespace `s` is already step 1's"),
        one("fixture used twice without names", case("    { \"use\": \"handle\" },\n    { \"use\": \"handle\" }"), ": /steps/2/use: namespace `handle` is already step 2's: give this step a `name`"),
        one("unknown fixture", spoil("\"use\": \"session\"", "\"use\": \"sesion\""), ": /steps/0/use: unknown fixture `sesion`"),
        one("unknown fixture parameter", spoil("{ \"use\": \"session\", \"name\": \"s\" }", "{ \"use\": \"session\", \"name\": \"s\", \"with\": { \"tempalte\": \"x\" } }"), ": /steps/0/with/tempalte: fixture `session` has no parameter `tempalte`"),
        one("parameter reads nothing", spoil("{ \"use\": \"session\", \"name\": \"s\" }", "{ \"use\": \"session\", \"name\": \"s\", \"with\": { \"template\": \"{{nobody.t}}\" } }"), ": /steps/0/with/template: `{{nobody.t}}` is set by nothing"),
        one("burst one", case(&format!("    {{ \"burst\": 1, \"request\": {{ {put} }}, \"expect\": {{}} }}")), ": /steps/1/burst: `burst` sends 2 to 256 copies, not 1"),
        one("burst huge", case(&format!("    {{ \"burst\": 1000, \"request\": {{ {put} }}, \"expect\": {{}} }}")), ": /steps/1/burst: `burst` sends 2 to 256 copies, not 1000"),
        one("onlyIf later step", case(&format!("    {{ \"onlyIf\": {{ \"step\": \"w\", \"status\": [200] }}, \"request\": {{ {put} }} }},\n    {{ \"name\": \"w\", \"request\": {{ {put} }} }}")), ": /steps/1/onlyIf/step: `w` is not an earlier request step"),
        one("onlyIf burst", case(&format!("    {{ \"name\": \"w\", \"burst\": 2, \"request\": {{ {put} }} }},\n    {{ \"onlyIf\": {{ \"step\": \"w\", \"status\": [200] }}, \"unchanged\": \"s\" }}")), ": /steps/2/onlyIf/step: `w` is a burst step"),
        one("onlyIf bad status", case(&format!("    {{ \"name\": \"w\", \"request\": {{ {put} }} }},\n    {{ \"onlyIf\": {{ \"step\": \"w\", \"status\": [99] }}, \"unchanged\": \"s\" }}")), ": /steps/2/onlyIf/status: statuses are a non-empty set of codes 100–599"),
        one("onlyIf empty status", case(&format!("    {{ \"name\": \"w\", \"request\": {{ {put} }} }},\n    {{ \"onlyIf\": {{ \"step\": \"w\", \"status\": [] }}, \"unchanged\": \"s\" }}")), ": /steps/2/onlyIf/status: statuses are a non-empty set"),
        one("unchanged unknown", case("    { \"unchanged\": \"nobody\" }"), ": /steps/1/unchanged: no earlier step records namespace `nobody`"),
        one("unchanged without path", case(&format!("    {{ \"name\": \"w\", \"request\": {{ {put} }}, \"capture\": {{ \"e\": {{ \"header\": \"etag\" }} }} }},\n    {{ \"unchanged\": \"w\" }}")), ": /steps/2/unchanged: namespace `w` has no `path` to read back"),
        one("unchanged bad rule", case("    { \"unchanged\": \"s\", \"rule\": \"B10\" }"), ": /steps/1/rule: rule `B10` is not among the case's `rules`"),
        one("unchanged without rule in multi-rule case", case_over(r#"["O1", "B10"]"#, "    { \"unchanged\": \"s\" }"), ": /steps/1: this expectation carries no rule"),
        // --- requests ------------------------------------------------------------------------------
        one("method lower case", requesting(r#"{ "method": "put", "path": "/x" }"#), ": /steps/1/request/method: `put` is not an HTTP method in capitals"),
        one("method empty", requesting(r#"{ "method": "", "path": "/x" }"#), ": /steps/1/request/method: `` is not an HTTP method"),
        one("method with space", requesting(r#"{ "method": "GE T", "path": "/x" }"#), ": /steps/1/request/method: `GE T` is not an HTTP method"),
        one("path without slash", requesting(r#"{ "method": "GET", "path": "handles" }"#), ": /steps/1/request/path: the path starts with `/`"),
        one("path with CR LF", requesting(r#"{ "method": "GET", "path": "/handles\r\nX-Evil: 1" }"#), ": /steps/1/request/path: the path holds '\\r'"),
        one("path with LF", requesting(r#"{ "method": "GET", "path": "/a\nb" }"#), ": /steps/1/request/path: the path holds '\\n'"),
        one("path with tab", requesting(r#"{ "method": "GET", "path": "/a\tb" }"#), ": /steps/1/request/path: the path holds '\\t'"),
        one("path with NUL", requesting(r#"{ "method": "GET", "path": "/a\u0000b" }"#), ": /steps/1/request/path: the path holds '\\0'"),
        one("path with space", requesting(r#"{ "method": "GET", "path": "/a b" }"#), ": /steps/1/request/path: the path holds a space"),
        one("path with fragment", requesting(r#"{ "method": "GET", "path": "/a#b" }"#), ": /steps/1/request/path: the path holds `#`"),
        one("path CR after template", requesting(r#"{ "method": "GET", "path": "/handles/{{s.handle}}\r\n" }"#), ": /steps/1/request/path: the path holds '\\r'"),
        one("unknown identity", requesting(r#"{ "method": "GET", "path": "/x", "as": "c" }"#), ": /steps/1/request/as: unknown identity `c`"),
        one("two bodies", requesting(r#"{ "method": "PUT", "path": "/x", "body": {}, "rawBody": "{}" }"#), ": /steps/1/request: give at most one of `body`, `rawBody`"),
        one("three bodies", requesting(r#"{ "method": "PUT", "path": "/x", "body": {}, "paddedBody": 10, "rawBodyHex": "7b7d" }"#), ": /steps/1/request: give at most one of"),
        one("hex odd", requesting(r#"{ "method": "PUT", "path": "/x", "rawBodyHex": "7b 7" }"#), ": /steps/1/request/rawBodyHex: an odd number of hex digits"),
        one("hex bad digit", requesting(r#"{ "method": "PUT", "path": "/x", "rawBodyHex": "7g" }"#), ": /steps/1/request/rawBodyHex: 'g' at character 1 is not a hex digit"),
        one("header name with space", requesting(r#"{ "method": "GET", "path": "/x", "headers": { "If Match": "*" } }"#), ": /steps/1/request/headers/If Match: `If Match` is not a header name"),
        one("header name with colon", requesting(r#"{ "method": "GET", "path": "/x", "headers": { "X-A:": "1" } }"#), "`X-A:` is not a header name"),
        one("header name empty", requesting(r#"{ "method": "GET", "path": "/x", "headers": { "": "1" } }"#), "`` is not a header name"),
        one("header name non-ASCII", requesting(r#"{ "method": "GET", "path": "/x", "headers": { "X-Ü": "1" } }"#), "`X-Ü` is not a header name"),
        one("header value CR LF", requesting(r#"{ "method": "GET", "path": "/x", "headers": { "X-A": "1\r\nX-Evil: 2" } }"#), ": /steps/1/request/headers/X-A: a header value cannot hold CR, LF"),
        one("header value LF", requesting(r#"{ "method": "GET", "path": "/x", "headers": { "X-A": "1\n" } }"#), "a header value cannot hold CR, LF"),
        one("header value NUL", requesting(r#"{ "method": "GET", "path": "/x", "headers": { "X-A": "a\u0000" } }"#), "a header value cannot hold CR, LF"),
        one("header value DEL", requesting(r#"{ "method": "GET", "path": "/x", "headers": { "X-A": "a\u007f" } }"#), "a header value cannot hold CR, LF"),
        one("header list value CR", requesting(r#"{ "method": "GET", "path": "/x", "headers": { "X-A": ["1", "2\r"] } }"#), "a header value cannot hold CR, LF"),
        one("header value CR around template", requesting(r#"{ "method": "GET", "path": "/x", "headers": { "X-A": "{{s.etag}}\r\n" } }"#), "a header value cannot hold CR, LF"),
        one("header twice by case", requesting(r#"{ "method": "GET", "path": "/x", "headers": { "If-Match": "*", "if-match": "x" } }"#), "header `if-match` is given twice (as `If-Match` too)"),
        one("own capture in own request", case(r#"    { "name": "w", "request": { "method": "PUT", "path": "/handles/{{s.handle}}/session", "headers": { "If-Match": "{{w.etag}}" } }, "capture": { "etag": { "header": "etag" } } }"#), ": /steps/1/request/headers/If-Match: `{{w.etag}}` is set by nothing: this step captures it"),
        one("own capture in own path", case(r#"    { "name": "w", "request": { "method": "GET", "path": "/x/{{w.id}}" }, "capture": { "id": { "pointer": "/id" } } }"#), ": /steps/1/request/path: `{{w.id}}` is set by nothing: this step captures it"),
        one("own capture in own body", case(r#"    { "name": "w", "request": { "method": "PUT", "path": "/x", "body": { "a": "{{w.id}}" } }, "capture": { "id": { "pointer": "/id" } } }"#), ": /steps/1/request/body/a: `{{w.id}}` is set by nothing"),
        // --- templates -----------------------------------------------------------------------------
        one("unset variable", spoil("{{s.handle}}", "{{s.handel}}"), ": /steps/1/request/path: `{{s.handel}}` is set by nothing"),
        one("unclosed template", spoil("{{s.handle}}", "{{s.handle"), ": /steps/1/request/path: unclosed `{{`"),
        one("unknown filter", spoil("{{s.handle}}", "{{s.handle | shout}}"), "unknown filter `shout`"),
        one("empty template", spoil("{{s.handle}}", "{{ }}"), "does not name a variable"),
        one("unclosed quote", spoil("{{s.handle}}", "{{'x}}"), "unclosed quote"),
        one("repeat too large", spoil("{{s.handle}}", "{{'x' | repeat(99999999999)}}"), "unknown filter `repeat(99999999999)`"),
        one("unknown world key", spoil("{{s.handle}}", "{{world.nope}}"), "`{{world.nope}}` is set by nothing: suite.json's world has"),
        one("unknown xuid", spoil("{{s.handle}}", "{{xuid.c}}"), "`{{xuid.c}}` is set by nothing: identities are a, b"),
        one("unknown auth caller", spoil("{{s.handle}}", "{{auth.c.credentials}}"), "`{{auth.c.credentials}}` is set by nothing: callers are a, b"),
        one("burst index outside burst", spoil("{{s.handle}}", "{{burst.index}}"), "`{{burst.index}}` is set by nothing: `burst.index` has a value only inside a step with `burst`"),
        one("param outside fixture", spoil("{{s.handle}}", "{{param.template}}"), "`{{param.template}}` is set by nothing"),
        one("template in body key unset", spoil("\"body\": {}", "\"body\": { \"{{nobody.k}}\": 1 }"), ": /steps/1/request/body/{{nobody.k}}: `{{nobody.k}}` is set by nothing"),
        one("template in expectation unset", spoil("\"status\": 200", "\"headers\": { \"etag\": { \"equals\": \"{{nobody.e}}\" } }"), ": /steps/1/expect/headers/etag/equals: `{{nobody.e}}` is set by nothing"),
        one("template in json equals unset", spoil("\"status\": 200", "\"json\": [ { \"pointer\": \"/a\", \"equals\": [\"{{nobody.e}}\"] } ]"), ": /steps/1/expect/json/0/equals/0: `{{nobody.e}}` is set by nothing"),
        one("later capture read earlier", case(r#"    { "request": { "method": "GET", "path": "/x/{{w.id}}" } },
    { "name": "w", "request": { "method": "GET", "path": "/x" }, "capture": { "id": { "pointer": "/id" } } }"#), ": /steps/1/request/path: `{{w.id}}` is set by nothing"),
        // --- expectations -------------------------------------------------------------------------
        one("status empty set", expecting(r#"{ "status": [] }"#), ": /steps/1/expect/status: statuses are a non-empty set of codes 100–599"),
        one("status 99", expecting(r#"{ "status": 99 }"#), ": /steps/1/expect/status: statuses are a non-empty set"),
        one("status 600", expecting(r#"{ "status": [200, 600] }"#), ": /steps/1/expect/status: statuses are a non-empty set"),
        one("status rule foreign", expecting(r#"{ "status": { "in": [200], "rule": "O2" } }"#), ": /steps/1/expect/status: rule `O2` is not among the case's `rules`"),
        one("block rule foreign", expecting(r#"{ "rule": "O2", "status": 200 }"#), ": /steps/1/expect/rule: rule `O2` is not among"),
        one("no rule in multi-rule case", case_over(r#"["O1", "O2"]"#, &format!("    {{ \"request\": {{ {put} }}, \"expect\": {{ \"status\": 200 }} }}")), ": /steps/1/expect/status: this expectation carries no rule"),
        one("header expectation empty", expecting(r#"{ "headers": { "etag": {} } }"#), ": /steps/1/expect/headers/etag: this header expectation checks nothing"),
        one("header expectation list", expecting(r#"{ "headers": { "etag": [] } }"#), ": /steps/1/expect/headers/etag: this header expectation checks nothing"),
        one("header expectation bad name", expecting(r#"{ "headers": { "E Tag": { "present": true } } }"#), ": /steps/1/expect/headers/E Tag: `E Tag` is not a header name"),
        one("header expectation bad regex", expecting(r#"{ "headers": { "etag": { "matches": "(" } } }"#), ": /steps/1/expect/headers/etag/matches: invalid regular expression"),
        one("header expectation foreign rule", expecting(r#"{ "headers": { "etag": { "present": true, "rule": "O5" } } }"#), ": /steps/1/expect/headers/etag: rule `O5` is not among"),
        one("body expectation empty", expecting(r#"{ "body": {} }"#), ": /steps/1/expect/body: this body expectation checks nothing"),
        one("unknown schema", expecting(r#"{ "body": { "schema": "nope.json" } }"#), ": /steps/1/expect/body/schema: schema file `schemas/nope.json` does not exist"),
        one("json assertion checks nothing", expecting(r#"{ "json": [ { "pointer": "/a" } ] }"#), ": /steps/1/expect/json/0: this JSON assertion checks nothing"),
        one("json pointer without slash", expecting(r#"{ "json": [ { "pointer": "a", "exists": true } ] }"#), ": /steps/1/expect/json/0/pointer: `a` is not a JSON pointer"),
        one("json pointer bad escape", expecting(r#"{ "json": [ { "pointer": "/a~2b", "exists": true } ] }"#), ": /steps/1/expect/json/0/pointer: `/a~2b` is not a JSON pointer: `~` escapes only"),
        one("json pointer trailing tilde", expecting(r#"{ "json": [ { "pointer": "/a~", "exists": true } ] }"#), ": /steps/1/expect/json/0/pointer: `/a~` is not a JSON pointer"),
        one("json unknown type", expecting(r#"{ "json": [ { "pointer": "/a", "type": "int" } ] }"#), ": /steps/1/expect/json/0/type: unknown JSON type `int`"),
        one("json bad regex", expecting(r#"{ "json": [ { "pointer": "/a", "matches": "[" } ] }"#), ": /steps/1/expect/json/0/matches: invalid regular expression"),
        one("json foreign rule", expecting(r#"{ "json": [ { "pointer": "/a", "exists": true, "rule": "B1" } ] }"#), ": /steps/1/expect/json/0: rule `B1` is not among"),
        one("unknown invariant", expecting(r#"{ "invariants": ["member-lists"] }"#), ": /steps/1/expect/invariants/0: unknown invariant `member-lists`"),
        one("invariant foreign rule", expecting(r#"{ "invariants": [ { "name": "member-list", "rule": "SH2" } ] }"#), ": /steps/1/expect/invariants/0: rule `SH2` is not among"),
        one("member json when absent", expecting(r#"{ "members": [ { "xuid": "1", "present": false, "json": [ { "pointer": "/a", "exists": true } ] } ] }"#), ": /steps/1/expect/members/0/json: `json` checks a member that is present"),
        one("member pointer bad escape", expecting(r#"{ "members": [ { "xuid": "1", "json": [ { "pointer": "/~3", "exists": true } ] } ] }"#), ": /steps/1/expect/members/0/json/0/pointer: `/~3` is not a JSON pointer"),
        one("member xuid unset", expecting(r#"{ "members": [ { "xuid": "{{xuid.c}}" } ] }"#), ": /steps/1/expect/members/0/xuid: `{{xuid.c}}` is set by nothing"),
        one("tally outside burst", expecting(r#"{ "tally": [ { "status": [200], "count": 1 } ] }"#), ": /steps/1/expect/tally/0: `tally` counts the answers of a burst step"),
        one("tally in branch", expecting(r#"{ "status": [200], "when": [ { "status": [200], "expect": { "tally": [ { "status": [200], "count": 1 } ] } } ] }"#), "/when/0/expect/tally/0: `tally` counts all the answers of a burst step"),
        one("tally without count", case(&format!("    {{ \"burst\": 2, \"request\": {{ {put} }}, \"expect\": {{ \"tally\": [ {{ \"status\": [200] }} ] }} }}")), ": /steps/1/expect/tally/0: a tally gives `count`, or `min` and/or `max`"),
        one("tally count and min", case(&format!("    {{ \"burst\": 2, \"request\": {{ {put} }}, \"expect\": {{ \"tally\": [ {{ \"status\": [200], \"count\": 1, \"min\": 1 }} ] }} }}")), ": /steps/1/expect/tally/0: a tally gives either `count` or `min`/`max`, not both"),
        one("tally min above max", case(&format!("    {{ \"burst\": 2, \"request\": {{ {put} }}, \"expect\": {{ \"tally\": [ {{ \"status\": [200], \"min\": 3, \"max\": 1 }} ] }} }}")), ": /steps/1/expect/tally/0: `min` 3 is above `max` 1"),
        one("tally bad status", case(&format!("    {{ \"burst\": 2, \"request\": {{ {put} }}, \"expect\": {{ \"tally\": [ {{ \"status\": [1000], \"count\": 1 }} ] }} }}")), ": /steps/1/expect/tally/0/status: statuses are a non-empty set"),
        one("when branch with status", expecting(r#"{ "status": [200], "when": [ { "status": [200], "expect": { "status": 200 } } ] }"#), ": /steps/1/expect/when/0/expect/status: a `when` branch's `expect` has no `status`"),
        one("when branch empty", expecting(r#"{ "status": [200], "when": [ { "status": [200], "expect": {} } ] }"#), ": /steps/1/expect/when/0/expect: this branch checks nothing"),
        one("when bad guard", expecting(r#"{ "status": [200], "when": [ { "status": [], "expect": { "body": { "empty": true } } } ] }"#), ": /steps/1/expect/when/0/status: statuses are a non-empty set"),
        // --- captures ------------------------------------------------------------------------------
        one("capture with two sources", case(&format!("    {{ \"name\": \"w\", \"request\": {{ {put} }}, \"capture\": {{ \"e\": {{ \"header\": \"etag\", \"pointer\": \"/a\" }} }} }}")), ": /steps/1/capture/e: a capture names exactly one of"),
        one("capture with no source", case(&format!("    {{ \"name\": \"w\", \"request\": {{ {put} }}, \"capture\": {{ \"e\": {{}} }} }}")), ": /steps/1/capture/e: a capture names exactly one of"),
        one("capture status false only", case(&format!("    {{ \"name\": \"w\", \"request\": {{ {put} }}, \"capture\": {{ \"e\": {{ \"status\": false }} }} }}")), ": /steps/1/capture/e: a capture names exactly one of"),
        one("capture bad header name", case(&format!("    {{ \"name\": \"w\", \"request\": {{ {put} }}, \"capture\": {{ \"e\": {{ \"header\": \"e tag\" }} }} }}")), ": /steps/1/capture/e/header: `e tag` is not a header name"),
        one("capture bad pointer", case(&format!("    {{ \"name\": \"w\", \"request\": {{ {put} }}, \"capture\": {{ \"e\": {{ \"pointer\": \"/a~9\" }} }} }}")), ": /steps/1/capture/e/pointer: `/a~9` is not a JSON pointer"),
        one("capture pointer without slash", case(&format!("    {{ \"name\": \"w\", \"request\": {{ {put} }}, \"capture\": {{ \"e\": {{ \"pointer\": \"id\" }} }} }}")), ": /steps/1/capture/e/pointer: `id` is not a JSON pointer"),
    ];

    // --- the files of the set ----------------------------------------------------------------
    v.push(Bad {
        name: "a case file outside an area folder",
        files: vec![("stray.json", common::GOOD_CASE.to_string())],
        expected: "<dir>/stray.json: not part of a case set",
    });
    v.push(Bad {
        name: "a text file in an area",
        files: vec![("area/notes.txt", "hello".to_string())],
        expected: "<dir>/area/notes.txt: not part of a case set",
    });
    v.push(Bad {
        name: "a non-JSON schema file",
        files: vec![("schemas/readme.txt", "# x".to_string())],
        expected: "<dir>/schemas/readme.txt: not part of a case set",
    });
    v.push(Bad {
        name: "a schema that is not JSON",
        files: vec![("schemas/broken.json", "{ \"type\": ".to_string())],
        expected: "<dir>/schemas/broken.json:1:10: EOF while parsing a value",
    });
    v.push(Bad {
        name: "a schema with a duplicate key",
        files: vec![(
            "schemas/dup.json",
            "{ \"type\": \"object\", \"type\": \"array\" }".to_string(),
        )],
        expected: "<dir>/schemas/dup.json:1:",
    });
    v.push(Bad {
        name: "a schema that is no JSON Schema",
        files: vec![(
            "schemas/bad.json",
            r#"{ "type": "object", "properties": { "a": { "type": "wat" } } }"#.to_string(),
        )],
        expected: "<dir>/schemas/bad.json: /properties/a/type: not a valid JSON Schema",
    });
    v.push(Bad {
        name: "a suite header that is no header name",
        files: vec![(
            "suite.json",
            catalog_suite_with("\"Accept\"", "\"Ac cept\""),
        )],
        expected: "<dir>/suite.json: /headers/Ac cept: `Ac cept` is not a header name",
    });
    v.push(Bad {
        name: "a suite header value with a newline",
        files: vec![(
            "suite.json",
            catalog_suite_with("\"application/json\"", "\"application/json\\r\\nX: 1\""),
        )],
        expected: "<dir>/suite.json: /headers/Accept: a header value cannot hold CR, LF",
    });
    v.push(Bad {
        name: "a fixture step that judges",
        files: vec![
            (
                "suite.json",
                catalog_suite_with(
                    "\"capture\": { \"handle\": { \"pointer\": \"/id\" } }",
                    "\"capture\": { \"handle\": { \"pointer\": \"/id\" } }, \"expect\": {}",
                ),
            ),
            ("area/case.json", common::GOOD_CASE.to_string()),
        ],
        expected:
            "<dir>/suite.json: /fixtures/session/steps/1: a fixture's step is a set-up `request`",
    });
    v
}

#[test]
fn every_malformed_set_is_refused_with_its_position() {
    let corpus = corpus();
    assert!(corpus.len() >= 150, "the corpus has {} sets", corpus.len());
    let mut wrong = Vec::new();
    for bad in &corpus {
        let ps = problems(&bad.files);
        let expected = if bad.expected.starts_with(':') {
            format!("{C}{}", bad.expected)
        } else {
            bad.expected.to_string()
        };
        let found = ps.iter().any(|p| p.contains(&expected));
        // Every problem names where it is: `path:line:col: …`, `path: /pointer: …` or
        // `path: …` for a file as a whole.
        let placed = ps.iter().all(|p| p.starts_with("<dir>/"));
        if !found || !placed {
            wrong.push(format!("{}: expected {expected:?} in {ps:#?}", bad.name));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {}:\n{}",
        wrong.len(),
        corpus.len(),
        wrong.join("\n")
    );
}

#[test]
fn a_broken_schema_is_reported_once_not_as_missing_for_every_case_that_names_it() {
    let names_it = spoil(
        "\"status\": 200",
        "\"status\": 200, \"body\": { \"schema\": \"session.json\" }",
    );
    let ps = problems(&[
        ("schemas/session.json", "{ \"type\": 5 }".to_string()),
        ("area/a.json", names_it.clone()),
        ("area/b.json", names_it),
    ]);
    assert_eq!(ps.len(), 1, "{ps:#?}");
    assert!(
        ps[0].starts_with("<dir>/schemas/session.json: /type: not a valid JSON Schema"),
        "{}",
        ps[0]
    );
}

#[cfg(unix)]
#[test]
fn paths_that_are_not_regular_files_or_too_large_are_refused_without_reading_them() {
    let dir = common::case_dir(&[("area/good.json", common::GOOD_CASE)]);
    let fifo = dir.path().join("area/fifo.json");
    let c_path = std::ffi::CString::new(fifo.display().to_string()).expect("a path");
    // SAFETY: mkfifo reads a NUL-terminated path that lives for the call.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
    std::os::unix::fs::symlink("/dev/zero", dir.path().join("area/zero.json")).expect("symlink");
    std::os::unix::fs::symlink(dir.path().join("area"), dir.path().join("area/loop.json"))
        .expect("symlink");
    let big = vec![b' '; (mpsd_conformance::case::MAX_FILE_BYTES + 1) as usize];
    std::fs::write(dir.path().join("area/big.json"), big).expect("write");
    // A reader that blocked on the FIFO or read /dev/zero to its end would never come back.
    let (tx, rx) = std::sync::mpsc::channel();
    let path = dir.path().to_path_buf();
    std::thread::spawn(move || {
        let _ = tx.send(problems_in(&path));
    });
    let ps = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("loading ends without reading them");
    for (file, why) in [
        ("area/fifo.json", "not a regular file (a FIFO)"),
        ("area/zero.json", "not a regular file (a device)"),
        (
            "area/loop.json",
            "not a regular file (a link to a directory)",
        ),
        ("area/big.json", "over the 4 MiB a case-set file may have"),
    ] {
        assert!(
            ps.iter()
                .any(|p| p.starts_with(&format!("<dir>/{file}: ")) && p.contains(why)),
            "{file}: {why} in {ps:#?}"
        );
    }
}

/// A sample of the corpus through the command line: exit 2 with the position on stderr, and the
/// target never sees a connection.
#[test]
fn the_command_line_refuses_them_before_connecting() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let target = format!("http://{}", listener.local_addr().expect("addr"));
    let sample = [
        "expect empty list",
        "expect null",
        "header name with space",
        "path with CR LF",
        "header value CR LF",
        "own capture in own request",
        "json pointer bad escape",
        "header expectation bad name",
        "a case file outside an area folder",
        "duplicate body key",
        "two steps one name",
    ];
    let corpus = corpus();
    for name in sample {
        let bad = corpus
            .iter()
            .find(|b| b.name == name)
            .unwrap_or_else(|| panic!("no {name} in the corpus"));
        let refs: Vec<(&str, &str)> = bad.files.iter().map(|(p, t)| (*p, t.as_str())).collect();
        let dir = common::case_dir(&refs);
        let reports = tempfile::tempdir().expect("tmp");
        let out = Command::new(env!("CARGO_BIN_EXE_mpsd-conformance-tested"))
            .args(["run", "--target", &target, "--cases"])
            .arg(dir.path())
            .arg("--report-dir")
            .arg(reports.path())
            .output()
            .expect("run");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        let expected = bad.expected.trim_start_matches(':');
        assert!(
            stderr.contains(expected.trim_start_matches("<dir>/")),
            "{name}: {expected:?} in {stderr}"
        );
    }
    match listener.accept() {
        Err(e) if e.kind() == ErrorKind::WouldBlock => {}
        Ok((_, peer)) => panic!("the target got a connection from {peer}"),
        Err(e) => panic!("accept: {e}"),
    }
}
