//! Embeds the case catalog (`cases/`) in the binary, so an installed binary runs anywhere.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};

// The files a case set leaves out (`.DS_Store`, `.git*`, swap files): the same rule as
// `--cases DIR`, so the embedded catalog has the fingerprint of the folder it was built from.
#[path = "src/case/ignored.rs"]
mod ignored;

fn main() {
    let root =
        PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    embed(&root);
}

/// Writes `$OUT_DIR/embedded_cases.rs` from `root/cases`. Also the tests' build script
/// (tests/package/build.rs), whose package sits two folders below `root`: hence absolute paths.
pub fn embed(root: &Path) {
    let cases = root.join("cases");
    println!("cargo:rerun-if-changed={}", cases.display());
    let mut files = Vec::new();
    collect(&cases, &cases, &mut files);
    files.sort();
    let mut out = String::from("&[\n");
    for (rel, abs) in &files {
        println!("cargo:rerun-if-changed={}", abs.display());
        out.push_str(&format!(
            "    ({rel:?}, include_bytes!({:?}) as &[u8]),\n",
            abs.display().to_string()
        ));
    }
    out.push_str("]\n");
    let dest =
        PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("embedded_cases.rs");
    fs::write(dest, out).expect("write embedded_cases.rs");
}

fn collect(base: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if entry
            .file_name()
            .to_str()
            .is_some_and(ignored::is_ignored_name)
        {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            println!("cargo:rerun-if-changed={}", path.display());
            collect(base, &path, out);
        } else if let Ok(rel) = path.strip_prefix(base) {
            let rel = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            out.push((rel, path));
        }
    }
}
