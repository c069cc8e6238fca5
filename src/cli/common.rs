//! What several commands share: loading the case set, refusing it with exit code 2.

use crate::case::CaseSource;
use crate::errln;
use crate::exit::Exit;
use crate::plan::{load, PlanSet};

use super::CasesArgs;

/// Loads and compiles the embedded catalog or `--cases DIR`; on failure prints every problem to
/// stderr.
pub fn load_cases(args: &CasesArgs) -> Result<PlanSet, Exit> {
    let source = match &args.cases {
        None => CaseSource::embedded(),
        Some(dir) => CaseSource::directory(dir).map_err(|e| {
            errln!("error: {e}");
            Exit::Usage
        })?,
    };
    load(&source, None).map_err(|e| {
        errln!("error: {e}");
        Exit::Usage
    })
}
