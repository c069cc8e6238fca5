//! Why a report could not be written or read. Messages read after "error: ".

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("failed to create report directory {path}: {source}")]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write the report {path}: it is a directory")]
    IsDirectory { path: PathBuf },
    #[error("cannot write the report {path}: {source}")]
    NotWritable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("failed to write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("failed to render {what}: {message}")]
    Render { what: &'static str, message: String },
    #[error("failed to read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a mpsd-conformance report: {message}")]
    NotAReport { path: PathBuf, message: String },
    #[error("{path} is not a mpsd-conformance baseline: {message}")]
    NotABaseline { path: PathBuf, message: String },
    #[error("{0}")]
    Incompatible(String),
}

impl ReportError {
    pub fn write(path: &std::path::Path, source: std::io::Error) -> ReportError {
        ReportError::Write {
            path: path.to_path_buf(),
            source,
        }
    }
}
