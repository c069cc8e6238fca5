//! Why a run could not be set up: the environment, the target, the client.

use crate::http::ClientError;

/// A problem with the callers the environment describes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SetupError {
    #[error("CONFORMANCE_AUTH_{caller} is set but CONFORMANCE_XUID_{caller} is not: the harness needs the caller's xuid")]
    MissingXuid { caller: String },
}

/// Why `prepare` could not get a run ready; nothing has been sent yet. The messages may hold the
/// target's userinfo (a secret): show them through a redactor that knows it.
#[derive(Debug, thiserror::Error)]
pub enum PrepareError {
    #[error(transparent)]
    Setup(#[from] SetupError),
    #[error("the target `{target}` (--target or CONFORMANCE_TARGET) is not a URL: {reason}")]
    NotAUrl { target: String, reason: String },
    #[error(
        "the target `{target}` (--target or CONFORMANCE_TARGET) must be an http:// or https:// URL"
    )]
    NotHttp { target: String },
    #[error(transparent)]
    Client(#[from] ClientError),
}
