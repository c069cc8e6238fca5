//! Helpers shared by the harness's own tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The repository's case directory.
pub fn catalog() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("cases")
}

/// A temporary case set: the catalog's suite.json, rules.json, case.schema.json and schemas,
/// plus the given case files (relative path, contents).
pub fn case_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for name in ["suite.json", "rules.json", "case.schema.json"] {
        std::fs::copy(catalog().join(name), dir.path().join(name)).expect("copy");
    }
    std::fs::create_dir_all(dir.path().join("schemas")).expect("mkdir");
    for entry in std::fs::read_dir(catalog().join("schemas")).expect("schemas") {
        let path = entry.expect("entry").path();
        std::fs::copy(
            &path,
            dir.path()
                .join("schemas")
                .join(path.file_name().expect("name")),
        )
        .expect("copy");
    }
    for (rel, text) in files {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
    dir
}

/// A small valid case against the given rule, for tests to spoil.
pub const GOOD_CASE: &str = r#"{
  "$schema": "../case.schema.json",
  "title": "A write through a handle is served",
  "rules": ["O1"],
  "severity": "must",
  "steps": [
    { "use": "session", "name": "s" },
    { "request": { "method": "PUT", "path": "/handles/{{s.handle}}/session", "body": {} },
      "expect": { "status": 200 } }
  ]
}
"#;

/// Every way `report` breaks `reports/report.schema.json` (empty when it conforms).
pub fn report_schema_errors(report: &serde_json::Value) -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("reports/report.schema.json");
    let schema: serde_json::Value =
        serde_json::from_slice(&std::fs::read(path).expect("committed")).expect("JSON");
    let validator = jsonschema::validator_for(&schema).expect("the report schema compiles");
    validator
        .iter_errors(report)
        .take(10)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

/// The URL a server announces on its first stdout line (`listening on http://HOST:PORT`).
pub fn announced_url(child: &mut std::process::Child) -> String {
    use std::io::{BufRead, BufReader};
    let stdout = child.stdout.take().expect("stdout is piped");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("a first line");
    line.trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("first line: {line:?}"))
        .to_string()
}

pub mod certs;
pub mod fake;
pub mod relay;
pub mod tamper;
