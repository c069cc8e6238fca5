//! What else a case folder may hold. The litter of file managers, editors and git (`.DS_Store`,
//! `.name.swp`, `.gitignore`, a `.git/` folder) is ignored: not read, not in the fingerprint, so
//! a set checked out or opened in an editor keeps its fingerprint. Markdown files document a set
//! anywhere in it: they load, and count in the fingerprint (they are part of the set). Anything
//! else is refused as before.

use crate::common;

use std::path::Path;

use mpsd_conformance::case::{CaseSource, LoadError};
use mpsd_conformance::plan::{load, PlanSet};

fn loaded(dir: &Path) -> PlanSet {
    let source = CaseSource::directory(dir).expect("readable");
    match load(&source, None) {
        Ok(set) => set,
        Err(LoadError::Invalid(ps)) => panic!(
            "refused: {:#?}",
            ps.iter().map(|p| p.to_string()).collect::<Vec<_>>()
        ),
        Err(e) => panic!("refused: {e}"),
    }
}

fn paths(set: &PlanSet) -> Vec<&str> {
    set.files.iter().map(|(p, _)| p.as_str()).collect()
}

/// The set of one good case, and its fingerprint without anything added.
fn plain() -> (tempfile::TempDir, String) {
    let dir = common::case_dir(&[("area/one.json", common::GOOD_CASE)]);
    let fingerprint = loaded(dir.path()).fingerprint.clone();
    (dir, fingerprint)
}

fn write(dir: &Path, rel: &str, bytes: &[u8]) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, bytes).expect("write");
}

fn assert_ignored(rels: &[&str]) {
    let (dir, before) = plain();
    for rel in rels {
        write(dir.path(), rel, b"\x00\x01 not JSON, not a case");
    }
    let set = loaded(dir.path());
    assert_eq!(set.fingerprint, before, "{rels:?} change the fingerprint");
    for rel in rels {
        assert!(
            !paths(&set).contains(rel),
            "{rel} is listed: {:?}",
            paths(&set)
        );
    }
    assert_eq!(set.case_count(), 1);
}

#[test]
fn a_ds_store_is_ignored_at_the_top_and_in_an_area() {
    assert_ignored(&[".DS_Store", "area/.DS_Store", "schemas/.DS_Store"]);
}

#[test]
fn editor_swap_files_are_ignored() {
    assert_ignored(&["area/.one.json.swp", ".suite.json.swo", "area/.#one.json"]);
}

#[test]
fn git_files_and_the_git_folder_are_ignored() {
    assert_ignored(&[
        ".gitignore",
        "area/.gitkeep",
        ".gitattributes",
        ".git/HEAD",
        ".git/objects/ab/cdef",
        "area/.git/config",
    ]);
}

#[test]
fn markdown_documents_a_set_anywhere_and_counts_in_its_fingerprint() {
    let (dir, before) = plain();
    write(dir.path(), "README.md", b"# The set\n");
    write(dir.path(), "area/README.md", b"# The area\n");
    write(dir.path(), "area/deeper/notes.md", b"notes\n");
    write(dir.path(), "schemas/README.md", b"# Schemas\n");
    let set = loaded(dir.path());
    assert_ne!(set.fingerprint, before, "documentation is part of the set");
    for rel in [
        "README.md",
        "area/README.md",
        "area/deeper/notes.md",
        "schemas/README.md",
    ] {
        assert!(paths(&set).contains(&rel), "{rel}: {:?}", paths(&set));
    }
    assert_eq!(set.case_count(), 1, "a document is no case");
    // The same documents, once more: the same fingerprint.
    assert_eq!(loaded(dir.path()).fingerprint, set.fingerprint);
}

#[test]
fn anything_else_is_still_refused() {
    for rel in [
        "area/notes.txt",
        "notes.txt",
        ".hidden",
        "area/.env",
        "area/one.json~",
    ] {
        let (dir, _) = plain();
        write(dir.path(), rel, b"x");
        let source = CaseSource::directory(dir.path()).expect("readable");
        match load(&source, None) {
            Err(LoadError::Invalid(ps)) => {
                let shown: Vec<String> = ps.iter().map(|p| p.to_string()).collect();
                assert!(
                    shown
                        .iter()
                        .any(|p| p.contains(rel) && p.contains("not part of a case set")),
                    "{rel}: {shown:#?}"
                );
            }
            Ok(_) => panic!("{rel} was accepted"),
            Err(e) => panic!("{rel}: {e}"),
        }
    }
}
