//! What can go wrong before the first trial, or when the reports are written.

/// A problem that concerns every trial, so a harness tells it once and exits 2. Every message is
/// redacted already.
#[derive(Debug, thiserror::Error)]
pub enum SuiteError {
    /// The case set could not be loaded (each problem as `--> file:line:col`).
    #[error("{0}")]
    Catalog(String),
    /// The environment, the target URL, the runtime or a report path.
    #[error("{0}")]
    Setup(String),
    /// A report file could not be written.
    #[error("{0}")]
    Reports(String),
}

impl From<crate::case::LoadError> for SuiteError {
    fn from(e: crate::case::LoadError) -> SuiteError {
        SuiteError::Catalog(e.to_string())
    }
}
