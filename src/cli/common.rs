//! What several commands share: loading the case set, refusing it with exit code 2.

use crate::case::{load, CaseSet, CaseSource};
use crate::errln;
use crate::exit::Exit;

use super::CasesArgs;

/// Loads the embedded catalog or `--cases DIR`; on failure prints every problem to stderr.
pub fn load_cases(args: &CasesArgs) -> Result<CaseSet, Exit> {
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
