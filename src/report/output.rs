//! Files a report goes to: checked before the run, written to a temporary file beside the target
//! and renamed over it when complete, so a reader never sees half a report and a failed write
//! leaves nothing behind.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use super::error::ReportError;

/// Creates `dir` if needed and proves that `path`, in it, can be written: not a directory, and
/// a file can be created beside it.
pub fn check_target(path: &Path) -> Result<(), ReportError> {
    if path.is_dir() {
        return Err(ReportError::IsDirectory {
            path: path.to_path_buf(),
        });
    }
    let dir = parent_of(path);
    std::fs::create_dir_all(dir).map_err(|source| ReportError::CreateDir {
        path: dir.to_path_buf(),
        source,
    })?;
    if path.exists() {
        std::fs::OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(|source| ReportError::NotWritable {
                path: path.to_path_buf(),
                source,
            })?;
    }
    Ok(())
}

fn parent_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// A file being written: a hidden `.NAME.XXXX.tmp` beside `path` until [`AtomicFile::commit`].
/// Dropped without a commit, it is deleted.
pub struct AtomicFile {
    path: PathBuf,
    out: BufWriter<NamedTempFile>,
}

impl AtomicFile {
    pub fn create(path: &Path) -> Result<AtomicFile, ReportError> {
        check_target(path)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let prefix = format!(".{name}.");
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(".tmp");
        // A report is for others to read: the umask decides, as for any file written.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o666));
        }
        let tmp =
            builder
                .tempfile_in(parent_of(path))
                .map_err(|source| ReportError::NotWritable {
                    path: path.to_path_buf(),
                    source,
                })?;
        Ok(AtomicFile {
            path: path.to_path_buf(),
            out: BufWriter::with_capacity(64 * 1024, tmp),
        })
    }

    pub fn write_all(&mut self, bytes: &[u8]) -> Result<(), ReportError> {
        self.out
            .write_all(bytes)
            .map_err(|e| ReportError::write(&self.path, e))
    }

    /// Flushes, syncs and renames over the target.
    pub fn commit(self) -> Result<PathBuf, ReportError> {
        let path = self.path;
        let tmp = self
            .out
            .into_inner()
            .map_err(|e| ReportError::write(&path, e.into_error()))?;
        tmp.as_file()
            .sync_all()
            .map_err(|e| ReportError::write(&path, e))?;
        tmp.persist(&path)
            .map_err(|e| ReportError::write(&path, e.error))?;
        Ok(path)
    }
}

/// Pieces of a report that arrive in the order cases finish and are written in the order of
/// their keys: they wait in an unnamed temporary file, and only their keys and places stay in
/// memory.
pub struct Spool {
    /// The report the pieces belong to, for messages.
    path: PathBuf,
    out: BufWriter<File>,
    len: u64,
    index: Vec<(String, u64, usize)>,
}

impl Spool {
    pub fn create(path: &Path) -> Result<Spool, ReportError> {
        let file =
            tempfile::tempfile_in(parent_of(path)).map_err(|source| ReportError::NotWritable {
                path: path.to_path_buf(),
                source,
            })?;
        Ok(Spool {
            path: path.to_path_buf(),
            out: BufWriter::with_capacity(64 * 1024, file),
            len: 0,
            index: Vec::new(),
        })
    }

    pub fn push(&mut self, key: String, bytes: &[u8]) -> Result<(), ReportError> {
        self.out
            .write_all(bytes)
            .map_err(|e| ReportError::write(&self.path, e))?;
        self.index.push((key, self.len, bytes.len()));
        self.len += bytes.len() as u64;
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Every piece in the order of its key (ties in arrival order), with its key.
    pub fn drain_sorted(
        mut self,
        mut each: impl FnMut(&str, &[u8]) -> Result<(), ReportError>,
    ) -> Result<(), ReportError> {
        use std::io::Read;
        self.out
            .flush()
            .map_err(|e| ReportError::write(&self.path, e))?;
        let file = self
            .out
            .into_inner()
            .map_err(|e| ReportError::write(&self.path, e.into_error()))?;
        self.index.sort_by(|a, b| a.0.cmp(&b.0));
        // Cases finish nearly in id order: most pieces follow the one before, and a buffered
        // reader serves them without a seek and a read each.
        let mut file = std::io::BufReader::with_capacity(64 * 1024, file);
        // Writing left the file at its end.
        let mut at: u64 = self.len;
        let mut buf = Vec::new();
        for (key, offset, len) in &self.index {
            buf.resize(*len, 0);
            let moved = if *offset == at {
                Ok(())
            } else {
                file.seek_relative(*offset as i64 - at as i64)
            };
            moved
                .and_then(|_| file.read_exact(&mut buf))
                .map_err(|e| ReportError::write(&self.path, e))?;
            at = offset + *len as u64;
            each(key, &buf)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spool_gives_its_pieces_back_in_key_order() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut spool = Spool::create(&dir.path().join("x")).expect("spool");
        for key in ["b", "c", "a"] {
            spool
                .push(key.to_string(), key.repeat(3).as_bytes())
                .expect("push");
        }
        let mut seen = Vec::new();
        spool
            .drain_sorted(|k, b| {
                seen.push(format!("{k}={}", String::from_utf8_lossy(b)));
                Ok(())
            })
            .expect("drain");
        assert_eq!(seen, ["a=aaa", "b=bbb", "c=ccc"]);
        assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 0);
    }

    #[test]
    fn an_uncommitted_file_leaves_nothing_and_a_committed_one_replaces_the_old() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("report.json");
        std::fs::write(&path, b"old").expect("write");
        let mut f = AtomicFile::create(&path).expect("create");
        f.write_all(b"half").expect("write");
        drop(f);
        assert_eq!(std::fs::read(&path).expect("read"), b"old");
        let mut f = AtomicFile::create(&path).expect("create");
        f.write_all(b"new").expect("write");
        f.commit().expect("commit");
        assert_eq!(std::fs::read(&path).expect("read"), b"new");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .expect("dir")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, ["report.json"]);
    }

    #[test]
    fn a_directory_in_the_way_is_refused() {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::create_dir(dir.path().join("report.json")).expect("mkdir");
        let err = AtomicFile::create(&dir.path().join("report.json"))
            .err()
            .expect("refused");
        assert!(err.to_string().contains("is a directory"), "{err}");
    }
}
