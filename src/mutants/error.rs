//! Why a measurement or its reports could not be made.

use std::path::PathBuf;

use crate::report::ReportError;
use crate::run::PrepareError;

#[derive(Debug, thiserror::Error)]
pub enum MutantsError {
    #[error("failed to start the runtime: {0}")]
    Runtime(#[source] std::io::Error),
    #[error("failed to start a reference server: {0}")]
    Server(#[source] std::io::Error),
    #[error(transparent)]
    Prepare(#[from] PrepareError),
    #[error("a fault's run ended abnormally: {0}")]
    Aborted(String),
    #[error("failed to render mutants.json: {0}")]
    Render(#[source] serde_json::Error),
    #[error(transparent)]
    Report(#[from] ReportError),
    #[error("failed to write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("failed to find the user's cache directory")]
    NoCacheDir,
}
