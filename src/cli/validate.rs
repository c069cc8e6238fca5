//! `validate`: load and check the case set, send nothing.

use super::common::load_cases;
use super::{exit, CasesArgs};

pub fn validate(args: CasesArgs) -> i32 {
    match load_cases(&args) {
        Ok(set) => {
            println!(
                "ok: {} cases in {} files, {} rules, fingerprint {}",
                set.case_count(),
                set.cases.len(),
                set.rules.len(),
                set.fingerprint
            );
            exit::OK
        }
        Err(code) => code,
    }
}
