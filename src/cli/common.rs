//! What several commands share: loading the case set, refusing it with exit code 2.

use crate::case::{load, CaseSet, CaseSource};

use super::CasesArgs;

/// Loads the embedded catalog or `--cases DIR`; on failure prints every problem to stderr.
pub fn load_cases(args: &CasesArgs) -> Result<CaseSet, i32> {
    let source = match &args.cases {
        None => CaseSource::embedded(),
        Some(dir) => match CaseSource::directory(dir) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: {e}");
                return Err(super::exit::USAGE);
            }
        },
    };
    load(&source, None).map_err(|e| {
        eprintln!("error: {e}");
        super::exit::USAGE
    })
}
