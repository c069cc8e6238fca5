//! `report merge` and `report compare`.

use super::{CompareArgs, MergeArgs};

pub fn merge(_args: MergeArgs) -> i32 {
    super::exit::USAGE
}

pub fn compare(_args: CompareArgs) -> i32 {
    super::exit::USAGE
}
