//! `report merge` and `report compare`: reports read back, joined or set side by side.

use crate::report::{comparison, merge as merge_reports, write_comparison, ReportOptions};
use crate::run::FailOn;

use super::{exit, CompareArgs, MergeArgs};

pub fn merge(args: MergeArgs) -> i32 {
    let out = match (&args.out, args.inputs.as_slice()) {
        (Some(out), _) => out.clone(),
        (None, [dir]) if dir.is_dir() => dir.clone(),
        (None, _) => {
            eprintln!("error: --out DIR is needed when the inputs are not one directory");
            return exit::USAGE;
        }
    };
    let mut formats: Vec<_> = args.formats.iter().map(|f| f.0).collect();
    formats.sort();
    formats.dedup();
    let options = ReportOptions {
        dir: out,
        formats,
        fragment_name: None,
        // A merge keeps what each report kept.
        transcripts: crate::report::Transcripts::All,
        fail_on: FailOn::Should,
        write_baseline: None,
        step_summary: None,
    };
    match merge_reports(&args.inputs, options) {
        Ok(merged) => {
            for w in &merged.warnings {
                eprintln!("warning: {w}");
            }
            for e in &merged.written.errors {
                eprintln!("error: {e}");
            }
            let shown: Vec<String> = merged
                .written
                .paths
                .iter()
                .map(|p| p.display().to_string())
                .collect();
            println!("merged {} reports: {}", merged.inputs, shown.join(", "));
            println!("{}", merged.written.summary.counts());
            if merged.written.errors.is_empty() {
                exit::OK
            } else {
                exit::USAGE
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            exit::USAGE
        }
    }
}

pub fn compare(args: CompareArgs) -> i32 {
    let comparison = match comparison(&args.inputs, args.allow_different_suites) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    match write_comparison(&args.out, &comparison) {
        Ok(paths) => {
            let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
            println!(
                "{} of {} cases differ across {} reports: {}",
                comparison.differing(),
                comparison.cases(),
                comparison.columns.len(),
                shown.join(", ")
            );
            exit::OK
        }
        Err(e) => {
            eprintln!("error: {e}");
            exit::USAGE
        }
    }
}
