//! `report merge` and `report compare`: reports read back, joined or set side by side.

use crate::exit::Exit;
use crate::report::{comparison, merge as merge_reports, write_comparison, ReportOptions};
use crate::verdict::FailOn;
use crate::{errln, outln};

use super::{CompareArgs, MergeArgs};

pub fn merge(args: MergeArgs) -> Exit {
    let out = match (&args.out, args.inputs.as_slice()) {
        (Some(out), _) => out.clone(),
        (None, [dir]) if dir.is_dir() => dir.clone(),
        (None, _) => {
            errln!("error: --out DIR is needed when the inputs are not one directory");
            return Exit::Usage;
        }
    };
    let mut formats: Vec<_> = args.written.formats.iter().map(|f| f.0).collect();
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
        coverage: Default::default(),
    };
    match merge_reports(&args.inputs, options) {
        Ok(merged) => {
            for w in &merged.warnings {
                errln!("warning: {w}");
            }
            for e in &merged.written.errors {
                errln!("error: {e}");
            }
            let shown: Vec<String> = merged
                .written
                .paths
                .iter()
                .map(|p| p.display().to_string())
                .collect();
            outln!("merged {} reports: {}", merged.inputs, shown.join(", "));
            outln!("{}", merged.written.summary.counts());
            if merged.written.errors.is_empty() {
                Exit::Ok
            } else {
                Exit::Usage
            }
        }
        Err(e) => {
            errln!("error: {e}");
            Exit::Usage
        }
    }
}

pub fn compare(args: CompareArgs) -> Exit {
    let comparison = match comparison(&args.inputs, args.allow_different_suites) {
        Ok(c) => c,
        Err(e) => {
            errln!("error: {e}");
            return Exit::Usage;
        }
    };
    match write_comparison(&args.out, &comparison) {
        Ok(paths) => {
            let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
            outln!(
                "{} of {} cases differ across {} reports: {}",
                comparison.differing(),
                comparison.cases(),
                comparison.columns.len(),
                shown.join(", ")
            );
            Exit::Ok
        }
        Err(e) => {
            errln!("error: {e}");
            Exit::Usage
        }
    }
}
