//! The example database, as Hypothesis keeps one: each finding's shrunk program, kept per target
//! in the user's cache directory (`$XDG_CACHE_HOME`, else `~/.cache`, on Linux) and replayed
//! first by the next exploration of that target; one that passes is let go.

use std::path::PathBuf;

use super::program::Program;

/// `<cache dir>/mpsd-conformance/explore/<hash of the target>/`.
fn dir(target: &str) -> Option<PathBuf> {
    let dir = dirs::cache_dir()?;
    Some(
        dir.join("mpsd-conformance")
            .join("explore")
            .join(format!("{:016x}", fnv1a64(target.as_bytes()))),
    )
}

/// A program kept for a target, and its file.
#[derive(Clone, Debug)]
pub struct Kept {
    pub path: PathBuf,
    pub program: Program,
}

/// The programs kept for `target`, in a stable order; none when nothing was kept or the folder
/// cannot be read. A file that no longer reads as a program (an older harness wrote it) is
/// skipped.
pub fn load(target: &str) -> Vec<Kept> {
    let Some(dir) = dir(target) else {
        return Vec::new();
    };
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .filter_map(|path| {
            let bytes = std::fs::read(&path).ok()?;
            let program = serde_json::from_slice(&bytes).ok()?;
            Some(Kept { path, program })
        })
        .collect()
}

/// Lets a kept program go: it passes now.
pub fn forget(kept: &Kept) {
    // A file already gone is as good as removed.
    let _ = std::fs::remove_file(&kept.path);
}

/// Keeps `program` for `target` (once: it is named by its content).
pub fn keep(target: &str, program: &Program) -> Result<PathBuf, String> {
    let dir = dir(target).ok_or("no cache directory")?;
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let text = serde_json::to_string_pretty(program).map_err(|e| e.to_string())?;
    let path = dir.join(format!("{:016x}.json", fnv1a64(text.as_bytes())));
    std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path)
}

fn fnv1a64(bytes: &[u8]) -> u64 {
    crate::plan::fnv1a64(bytes)
}
