//! The unit tests compile the crate's src/lib.rs, which embeds the catalog (`cases/`): the crate's
//! own build script does that here, for the checkout two folders up. The sources of all three
//! test targets find the checkout's files (cases/, src/, reports/, tests/alt_server/, fuzz/) from
//! `CARGO_MANIFEST_DIR`, written for the crate's folder: it is pointed at the checkout too.

use std::path::{Path, PathBuf};

#[allow(dead_code)] // its `main` is the crate's build script's, not this one's
#[path = "../../build.rs"]
mod crate_build;

fn main() {
    let here = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let checkout = here
        .parent()
        .and_then(Path::parent)
        .expect("tests/package sits two folders below the checkout");
    crate_build::embed(checkout);
    // Cargo applies a build script's `rustc-env` after its own variables, so this one wins.
    println!("cargo:rustc-env=CARGO_MANIFEST_DIR={}", checkout.display());
}
