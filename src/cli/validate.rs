//! `validate`: load and check the case set, send nothing.

use crate::exit::Exit;
use crate::outln;

use super::common::load_cases;
use super::CasesArgs;

pub fn validate(args: CasesArgs) -> Exit {
    match load_cases(&args) {
        Ok(set) => {
            outln!(
                "ok: {} cases in {} files, {} rules, fingerprint {}",
                set.case_count(),
                set.file_count,
                set.rules.len(),
                set.fingerprint
            );
            Exit::Ok
        }
        Err(exit) => exit,
    }
}
