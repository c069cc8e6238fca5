//! The committed JSON Schema of the case format (`cases/case.schema.json`) and the serde model
//! agree: every catalog file satisfies both, a case using every field satisfies both, and the
//! schema's closed objects list exactly the model's fields.

use std::collections::BTreeSet;
use std::path::Path;

use mpsd_conformance::case::{CaseFile, CaseSource};
use serde_json::{json, Value};

fn schema() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("cases/case.schema.json");
    serde_json::from_slice(&std::fs::read(path).expect("case.schema.json is committed"))
        .expect("valid JSON")
}

/// A case file that sets every field the model has.
fn maximal() -> Value {
    json!({
        "$schema": "../case.schema.json",
        "title": "t",
        "description": "d",
        "rules": ["O1", "SH2"],
        "severity": "may",
        "mayForm": "O1/x",
        "steps": [
            { "name": "s", "use": "session", "with": { "template": "lobby" } },
            {
                "name": "w",
                "request": {
                    "method": "PUT", "path": "/handles/{{s.handle}}/session", "as": "b",
                    "headers": { "X-A": "1", "X-B": ["1", "2"], "X-C": null },
                    "body": { "members": {} }
                },
                "expect": {
                    "rule": "O1",
                    "status": { "in": [200], "rule": "O1" },
                    "headers": { "etag": { "rule": "O1", "present": true, "equals": "x", "notEquals": "y", "media": "a/b",
                                            "matches": ".*", "includes": ["GET"], "pathEquals": "/p" } },
                    "body": { "rule": "O1", "empty": false, "schema": "session.json" },
                    "json": [ { "pointer": "/a", "rule": "O1", "exists": true, "equals": 1, "notEquals": 2,
                                "greaterThan": 0, "lessThan": 5, "matches": "^x$", "count": 1, "type": "integer" } ],
                    "invariants": [ "member-list", { "name": "members-info", "rule": "SH2" } ],
                    "members": [ { "xuid": "{{xuid.a}}", "present": true, "rule": "SH2",
                                   "json": [ { "pointer": "/next", "type": "integer" } ] } ],
                    "when": [ { "status": [200], "expect": { "rule": "SH2", "invariants": ["member-list"] } } ]
                },
                "capture": { "etag": { "header": "etag" } },
                "noReadBack": "why"
            },
            { "request": { "method": "PUT", "path": "/x", "rawBody": "{",
                           "wire": { "chunked": true, "chunkExtensions": true, "expectContinue": true, "version": "1.1" } } },
            { "request": { "method": "PUT", "path": "/x", "paddedBody": 10 } },
            {
                "burst": 8,
                "onlyIf": { "step": "w", "status": [200, 201] },
                "request": { "method": "PUT", "path": "/x", "rawBodyHex": "efbbbf 7b7d" },
                "expect": { "status": [200, 412],
                            "tally": [ { "status": [200], "min": 1, "max": 1, "rule": "O1" },
                                       { "status": [412], "count": 7 } ] }
            },
            { "name": "before", "snapshot": "{{s.path}}" },
            { "unchanged": "before", "rule": "O1", "onlyIf": { "step": "w", "status": [200] } },
            {
                "name": "two",
                "parallel": [ { "method": "PUT", "path": "/x", "as": "a" }, { "method": "GET", "path": "/x" } ],
                "expect": { "status": [200, 412], "tally": [ { "status": [200], "count": 1 } ] }
            }
        ],
        "variants": [
            { "name": "v", "x": 1 },
            { "name": "u", "severity": "should", "mayForm": "O1/y", "rules": ["O14"] }
        ]
    })
}

fn assert_valid(validator: &jsonschema::Validator, doc: &Value, what: &str) {
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} breaks case.schema.json:\n{}",
        errors.join("\n")
    );
}

#[test]
fn every_catalog_case_satisfies_the_schema_and_the_model() {
    let validator = jsonschema::validator_for(&schema()).expect("the schema compiles");
    let source = CaseSource::directory(&Path::new(env!("CARGO_MANIFEST_DIR")).join("cases"))
        .expect("readable");
    let mut seen = 0;
    for file in source
        .files
        .iter()
        .filter(|f| mpsd_conformance::case::is_case_file(&f.path))
    {
        let doc: Value = serde_json::from_slice(&file.bytes).expect("JSON");
        assert_valid(&validator, &doc, &file.path);
        serde_json::from_value::<CaseFile>(doc).unwrap_or_else(|e| panic!("{}: {e}", file.path));
        seen += 1;
    }
    assert!(seen >= 30, "the catalog holds {seen} case files");
}

#[test]
fn a_case_using_every_field_satisfies_both_and_round_trips() {
    let validator = jsonschema::validator_for(&schema()).expect("the schema compiles");
    let doc = maximal();
    assert_valid(&validator, &doc, "the maximal case");
    let model: CaseFile = serde_json::from_value(doc.clone()).expect("the model reads it");
    let back = serde_json::to_value(&model).expect("serializes");
    assert_eq!(back, doc, "the model keeps every field");
}

#[test]
fn closed_objects_of_the_schema_list_exactly_the_model_fields() {
    let schema = schema();
    let doc = maximal();
    let keys = |v: &Value| -> BTreeSet<String> {
        v.as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    };
    let props = |pointer: &str| -> BTreeSet<String> {
        keys(
            schema
                .pointer(pointer)
                .unwrap_or_else(|| panic!("schema has {pointer}")),
        )
    };
    // Each closed object of the schema, and where the maximal case shows its fields (the union
    // of several places where fields exclude each other).
    let pairs: [(&str, &[&str]); 13] = [
        ("/properties", &[""]),
        (
            "/$defs/step/properties",
            &[
                "/steps/0", "/steps/1", "/steps/4", "/steps/5", "/steps/6", "/steps/7",
            ],
        ),
        (
            "/$defs/request/properties",
            &[
                "/steps/1/request",
                "/steps/2/request",
                "/steps/3/request",
                "/steps/4/request",
            ],
        ),
        (
            "/$defs/expect/properties",
            &["/steps/1/expect", "/steps/4/expect"],
        ),
        (
            "/$defs/memberExpect/properties",
            &["/steps/1/expect/members/0"],
        ),
        (
            "/$defs/tally/properties",
            &["/steps/4/expect/tally/0", "/steps/4/expect/tally/1"],
        ),
        ("/$defs/whenBranch/properties", &["/steps/1/expect/when/0"]),
        (
            "/$defs/step/properties/onlyIf/properties",
            &["/steps/4/onlyIf"],
        ),
        ("/properties/variants/items/properties", &["/variants/1"]),
        (
            "/$defs/headerExpect/properties",
            &["/steps/1/expect/headers/etag"],
        ),
        (
            "/$defs/expect/properties/body/properties",
            &["/steps/1/expect/body"],
        ),
        ("/$defs/jsonAssert/properties", &["/steps/1/expect/json/0"]),
        (
            "/$defs/request/properties/wire/properties",
            &["/steps/2/request/wire"],
        ),
    ];
    for (schema_ptr, doc_ptrs) in pairs {
        let mut expected = BTreeSet::new();
        for p in doc_ptrs {
            expected.extend(keys(
                doc.pointer(p).unwrap_or_else(|| panic!("maximal has {p}")),
            ));
        }
        assert_eq!(
            props(schema_ptr),
            expected,
            "{schema_ptr} vs the model at {doc_ptrs:?}"
        );
    }
}

#[test]
fn an_unknown_field_is_refused_by_both() {
    let validator = jsonschema::validator_for(&schema()).expect("the schema compiles");
    let mut doc = maximal();
    doc["steps"][1]["expect"]["stauts"] = json!(200);
    assert!(!validator.is_valid(&doc));
    assert!(serde_json::from_value::<CaseFile>(doc).is_err());
}
