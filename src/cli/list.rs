//! `list`: the selected case ids, one per line.

use std::io::Write;

use crate::plan::{expand, Selection};

use super::common::load_cases;
use super::{exit, ListArgs};

pub fn list(args: ListArgs) -> i32 {
    let set = match load_cases(&args.cases) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let selection = Selection {
        filters: args.select.filter,
        exact: args.select.exact,
        partition: args.select.partition,
    };
    // A closed pipe (`| head`) ends the listing quietly.
    let mut out = std::io::stdout().lock();
    for case in selection.apply(expand(&set)) {
        if writeln!(out, "{}", case.id).is_err() {
            break;
        }
    }
    exit::OK
}
