//! Where a case set's files come from: the catalog embedded at build time, or a directory.

use std::path::{Path, PathBuf};

use super::error::LoadError;

/// One file of a case set: its path relative to the case directory (`/` separators) and bytes.
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub path: String,
    pub bytes: Vec<u8>,
}

/// A case set's files, sorted by path (byte order), and where they were read from.
#[derive(Clone, Debug)]
pub struct CaseSource {
    /// `embedded`, or the directory as given.
    pub origin: String,
    pub files: Vec<SourceFile>,
}

const EMBEDDED: &[(&str, &[u8])] = include!(concat!(env!("OUT_DIR"), "/embedded_cases.rs"));

impl CaseSource {
    /// The catalog compiled into this binary.
    pub fn embedded() -> CaseSource {
        let mut files: Vec<SourceFile> = EMBEDDED
            .iter()
            .map(|(path, bytes)| SourceFile {
                path: (*path).to_string(),
                bytes: bytes.to_vec(),
            })
            .collect();
        files.sort_by(|a, b| a.path.as_bytes().cmp(b.path.as_bytes()));
        CaseSource {
            origin: "embedded".into(),
            files,
        }
    }

    /// Every file under `dir`, recursively.
    pub fn directory(dir: &Path) -> Result<CaseSource, LoadError> {
        let mut paths = Vec::new();
        walk(dir, dir, &mut paths).map_err(|e| LoadError::Io {
            path: dir.display().to_string(),
            message: e.to_string(),
        })?;
        let mut files = Vec::with_capacity(paths.len());
        for (rel, abs) in paths {
            let bytes = std::fs::read(&abs).map_err(|e| LoadError::Io {
                path: abs.display().to_string(),
                message: e.to_string(),
            })?;
            files.push(SourceFile { path: rel, bytes });
        }
        files.sort_by(|a, b| a.path.as_bytes().cmp(b.path.as_bytes()));
        Ok(CaseSource {
            origin: dir.display().to_string(),
            files,
        })
    }

    pub fn file(&self, path: &str) -> Option<&SourceFile> {
        self.files.iter().find(|f| f.path == path)
    }

    /// How a file's path is shown in messages: relative to the directory it was read from.
    pub fn display_path(&self, rel: &str) -> String {
        if self.origin == "embedded" {
            format!("cases/{rel}")
        } else {
            Path::new(&self.origin).join(rel).display().to_string()
        }
    }
}

fn walk(base: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(base, &path, out)?;
        } else if let Ok(rel) = path.strip_prefix(base) {
            let rel = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            out.push((rel, path));
        }
    }
    Ok(())
}
