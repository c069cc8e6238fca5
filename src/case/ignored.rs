//! The files of a case folder that are no part of the set: what file managers, editors and git
//! leave beside the files a person wrote. They are never read, so they are neither refused nor
//! in the fingerprint; a set opened in an editor or checked out keeps its fingerprint. This file
//! is also compiled into build.rs, so the embedded catalog leaves out the same files: keep it
//! free of the crate's own types.

/// Whether a file or folder named `name` is left out of a case set: `.DS_Store`, `.git*` (the
/// `.git` folder too), editor swap and lock files (`.name.swp`, `.name.swo`, `.#name`).
pub fn is_ignored_name(name: &str) -> bool {
    let swap = name.starts_with('.')
        && [".swp", ".swo", ".swx"]
            .iter()
            .any(|ext| name.ends_with(ext));
    name == ".DS_Store" || name.starts_with(".git") || name.starts_with(".#") || swap
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn litter_is_ignored_and_nothing_else() {
        for name in [
            ".DS_Store",
            ".git",
            ".gitignore",
            ".gitkeep",
            ".one.json.swp",
            ".x.swo",
            ".#one.json",
        ] {
            assert!(is_ignored_name(name), "{name}");
        }
        for name in [
            "one.json",
            "README.md",
            ".hidden",
            ".env",
            "x.swp",
            "DS_Store",
            "git",
        ] {
            assert!(!is_ignored_name(name), "{name}");
        }
    }
}
