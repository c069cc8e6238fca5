//! Why the client of a run could not be built: files named by flags, proxy URLs.

use std::path::PathBuf;

/// A problem with the client's configuration, found before any request is sent.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("failed to read {flag} {}: {source}", path.display())]
    Read {
        flag: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{flag} {} holds no PEM certificate (-----BEGIN CERTIFICATE-----)", path.display())]
    NoCertificate { flag: &'static str, path: PathBuf },
    #[error("{flag} {} is not a PEM certificate bundle: {reason}", path.display())]
    BadCertificate {
        flag: &'static str,
        path: PathBuf,
        reason: String,
    },
    #[error("--client-cert and --client-key do not make a client identity (a PEM certificate and its PEM private key): {reason}")]
    BadIdentity { reason: String },
    /// `shown` is the value with any password masked.
    #[error("{origin} `{shown}` is not a usable proxy URL: {reason}")]
    BadProxy {
        origin: String,
        shown: String,
        reason: String,
    },
    #[error("failed to build the HTTP client: {reason}")]
    Build { reason: String },
}
