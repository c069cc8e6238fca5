//! `list`: the selected case ids, one per line.

use crate::exit::Exit;
use crate::{errln, outln};

use super::common::load_cases;
use super::select::select;
use super::ListArgs;

pub fn list(args: ListArgs) -> Exit {
    let mut set = match load_cases(&args.cases) {
        Ok(s) => s,
        Err(exit) => return exit,
    };
    let cases = match select(&mut set, &args.select, None) {
        Ok(c) => c,
        Err(e) => {
            errln!("error: {e}");
            return Exit::Usage;
        }
    };
    for case in cases {
        outln!("{}", case.id);
    }
    Exit::Ok
}
