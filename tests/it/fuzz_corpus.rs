//! Every input the fuzz targets of `fuzz/` kept (`fuzz/corpus/<target>/`) and every input that
//! once crashed one (`fuzz/regressions/<target>/`), replayed on stable through the same entry
//! functions: a crash that comes back fails here, without nightly or cargo-fuzz.

use std::path::{Path, PathBuf};

use mpsd_conformance::fuzzing;

fn inputs(target: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut found = Vec::new();
    for folder in ["corpus", "regressions"] {
        let Ok(entries) = std::fs::read_dir(root.join(folder).join(target)) else {
            continue;
        };
        found.extend(entries.map(|e| e.unwrap().path()).filter(|p| p.is_file()));
    }
    found.sort();
    found
}

/// Runs `entry` over every input of `target`; a panic names the input that caused it.
fn replay(target: &str, entry: impl Fn(&[u8])) {
    let inputs = inputs(target);
    assert!(!inputs.is_empty(), "no corpus for fuzz target `{target}`");
    for path in inputs {
        let bytes = std::fs::read(&path).unwrap();
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| entry(&bytes)));
        assert!(outcome.is_ok(), "{} crashes `{target}`", path.display());
    }
}

#[test]
fn case_file_inputs_load_without_crashing() {
    replay("case_file", fuzzing::case_file);
}

#[test]
fn template_inputs_parse_without_crashing() {
    replay("template", fuzzing::template);
}

#[test]
fn report_file_inputs_are_read_without_crashing() {
    replay("report_file", fuzzing::report_file);
}

#[test]
fn reference_request_inputs_are_served_without_crashing() {
    replay("reference_request", |bytes| {
        fuzzing::reference_exchange(bytes);
    });
}
