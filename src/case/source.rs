//! Where a case set's files come from: the catalog embedded at build time, or a directory.

use std::path::{Path, PathBuf};

use super::error::{LoadError, Position, Problem};
use super::ignored::is_ignored_name;

/// The largest case-set file read: far above any real case, far below what would hurt.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

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
    /// Files refused before reading them: not regular files, or too large.
    pub problems: Vec<Problem>,
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
            problems: Vec::new(),
        }
    }

    /// Every file under `dir`, recursively. A path that is not a regular file (a FIFO, a link to
    /// a device or a directory) or is larger than `MAX_FILE_BYTES` is refused without reading it:
    /// reading it could hang or never end.
    pub fn directory(dir: &Path) -> Result<CaseSource, LoadError> {
        let mut paths = Vec::new();
        walk(dir, dir, &mut paths).map_err(|e| LoadError::Io {
            path: dir.display().to_string(),
            message: e.to_string(),
        })?;
        let mut files = Vec::with_capacity(paths.len());
        let mut problems = Vec::new();
        for (rel, abs) in paths {
            let refuse = |message: String| Problem {
                path: abs.display().to_string(),
                at: Position::File,
                message,
            };
            // Links are followed: a link to a regular file is that file.
            let meta = match std::fs::metadata(&abs) {
                Ok(m) => m,
                Err(e) => {
                    problems.push(refuse(format!("cannot be read: {e}")));
                    continue;
                }
            };
            if !meta.is_file() {
                problems.push(refuse(format!(
                    "not a regular file ({}): a case set holds JSON files and folders",
                    kind_of(&meta)
                )));
                continue;
            }
            if meta.len() > MAX_FILE_BYTES {
                problems.push(refuse(format!(
                    "{} bytes, over the {} MiB a case-set file may have",
                    meta.len(),
                    MAX_FILE_BYTES / (1024 * 1024)
                )));
                continue;
            }
            let bytes =
                read_at_most(&abs, meta.len(), MAX_FILE_BYTES).map_err(|e| LoadError::Io {
                    path: abs.display().to_string(),
                    message: e.to_string(),
                })?;
            match bytes {
                Some(bytes) => files.push(SourceFile { path: rel, bytes }),
                None => problems.push(refuse(format!(
                    "grew over the {} MiB a case-set file may have while it was read",
                    MAX_FILE_BYTES / (1024 * 1024)
                ))),
            }
        }
        files.sort_by(|a, b| a.path.as_bytes().cmp(b.path.as_bytes()));
        Ok(CaseSource {
            origin: dir.display().to_string(),
            files,
            problems,
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

/// Every file under `dir` but what [`is_ignored_name`] leaves out (a `.git` folder is not
/// entered).
fn walk(base: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_name().to_str().is_some_and(is_ignored_name) {
            continue;
        }
        let path = entry.path();
        // A link to a directory is not followed (it could loop); it is refused as a file.
        if entry.file_type()?.is_dir() {
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

/// The file's bytes, or `None` when it holds more than `limit`. `size` is what its metadata said:
/// a buffer of that size reads it in one call, not in a doubling series of small ones.
fn read_at_most(path: &Path, size: u64, limit: u64) -> std::io::Result<Option<Vec<u8>>> {
    use std::io::Read;
    let mut bytes = Vec::with_capacity(size.min(limit) as usize + 1);
    std::fs::File::open(path)?
        .take(limit + 1)
        .read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= limit).then_some(bytes))
}

fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if meta.is_dir() {
        "a link to a directory"
    } else {
        "not a file"
    }
}
