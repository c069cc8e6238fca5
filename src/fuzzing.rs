//! Entry points for the fuzz targets of `fuzz/` and for `tests/it/fuzz_corpus.rs`, which
//! replays their corpora on stable. Each takes bytes as a user's file or a client could hand them
//! over, drives the same code the commands do, and must return whatever the bytes are: a panic,
//! an abort or a hang is the bug being looked for. What they return is of no interest.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::case::template::{Segment, Source, Template};
use crate::case::{CaseSource, SourceFile};
use crate::plan::CaseFileLoader;
use crate::report::{Baseline, Format, ReportOptions, Transcripts};
use crate::verdict::FailOn;

/// Where the fuzzed case file sits in the catalog: an area of its own.
const CASE_PATH: &str = "fuzz/case.json";

/// One case file, as `validate` reads each: parsed, checked against the schema and the rules,
/// its templates bound and its steps compiled, against the embedded catalog's suite, rules and
/// schemas (read once).
pub fn case_file(bytes: &[u8]) {
    static CATALOG: OnceLock<(CaseSource, Option<CaseFileLoader>)> = OnceLock::new();
    let (source, loader) = CATALOG.get_or_init(|| {
        let source = CaseSource::embedded();
        let loader = CaseFileLoader::new(&source);
        (source, loader)
    });
    let Some(loader) = loader else {
        return;
    };
    let file = SourceFile {
        path: CASE_PATH.into(),
        bytes: bytes.to_vec(),
    };
    let _ = loader.load(source, &file);
}

/// One template string, parsed, its filters applied to a literal's text or a sample value.
pub fn template(bytes: &[u8]) {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let Ok(template) = Template::parse(text) else {
        return;
    };
    for segment in &template.segments {
        if let Segment::Expr(expr) = segment {
            let mut value = match &expr.source {
                Source::Literal(text) => text.clone(),
                Source::Var(_) => "0a1b2c3d-4e5f-ABCD-ß-é".to_string(),
            };
            for filter in &expr.filters {
                match filter.apply(&value) {
                    Ok(next) => value = next,
                    Err(_) => break,
                }
            }
        }
    }
}

/// One file handed to every command that reads reports or baselines: `report merge` (which
/// writes every format), `report compare` (of the file with itself), `--rerun-failed` and
/// `--baseline`. The file and the merge's output live in a scratch folder of this process.
pub fn report_file(bytes: &[u8]) {
    let Some(scratch) = scratch_dir() else {
        return;
    };
    let input = scratch.join("input.json");
    if std::fs::write(&input, bytes).is_err() {
        return;
    }
    let _ = crate::report::read_report(&input);
    let _ = crate::cli::rerun::failed_ids(&input);
    let _ = Baseline::load(&input);
    if let Ok(comparison) = crate::report::comparison(&[input.clone(), input.clone()], true) {
        let _ = crate::report::write_comparison(&scratch.join("compare"), &comparison);
    }
    let options = ReportOptions {
        dir: scratch.join("merged"),
        formats: Format::ALL.to_vec(),
        fragment_name: None,
        transcripts: Transcripts::All,
        fail_on: FailOn::Should,
        write_baseline: Some(scratch.join("baseline.json")),
        step_summary: None,
        coverage: Default::default(),
    };
    let _ = crate::report::merge(&[input], options);
}

/// A folder for [`report_file`], removed when the process ends only by the OS's cleaning of its
/// temporary directory: a fuzzer runs millions of inputs and exits by being stopped.
fn scratch_dir() -> Option<&'static Path> {
    static SCRATCH: OnceLock<Option<PathBuf>> = OnceLock::new();
    SCRATCH
        .get_or_init(|| {
            let dir = tempfile::Builder::new()
                .prefix("mpsd-fuzz-")
                .tempdir()
                .ok()?;
            Some(dir.keep())
        })
        .as_deref()
}

/// Bytes sent to the reference server on one connection, as a client would send them (one or
/// more HTTP/1.1 requests, then the end of its side), through hyper and the whole app with its
/// own fresh state; returns what the server wrote back.
pub fn reference_exchange(bytes: &[u8]) -> Vec<u8> {
    static RUNTIME: OnceLock<Option<tokio::runtime::Runtime>> = OnceLock::new();
    let runtime = RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .ok()
    });
    let Some(runtime) = runtime else {
        return Vec::new();
    };
    runtime.block_on(crate::reference::exchange(bytes))
}
