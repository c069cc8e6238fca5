//! TLS towards the target: extra roots (`--cacert`), no checks (`--insecure`), a client
//! certificate (`--client-cert`, `--client-key`), and certificate errors told in words.
//!
//! Roots are the platform's (on Linux the system store, which `SSL_CERT_FILE` and `SSL_CERT_DIR`
//! replace) plus `--cacert`.

use std::error::Error;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use rustls::{AlertDescription, CertificateError};

use super::error::ClientError;

/// The TLS flags of a run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TlsOptions {
    /// `--cacert FILE`: PEM certificates added to the roots.
    pub cacert: Option<PathBuf>,
    /// `--insecure`: no certificate checks at all.
    pub insecure: bool,
    /// `--client-cert FILE` and `--client-key FILE` (PEM), for mTLS.
    pub client_identity: Option<ClientIdentity>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientIdentity {
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl TlsOptions {
    /// Applies the options to the client being built; reads the files they name.
    pub fn apply(
        &self,
        mut builder: reqwest::ClientBuilder,
    ) -> Result<reqwest::ClientBuilder, ClientError> {
        if let Some(path) = &self.cacert {
            let pem = read("--cacert", path)?;
            let roots = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
                ClientError::BadCertificate {
                    flag: "--cacert",
                    path: path.clone(),
                    reason: e.to_string(),
                }
            })?;
            if roots.is_empty() {
                return Err(ClientError::NoCertificate {
                    flag: "--cacert",
                    path: path.clone(),
                });
            }
            builder = builder.tls_certs_merge(roots);
        }
        if let Some(identity) = &self.client_identity {
            let mut pem = read("--client-cert", &identity.cert)?;
            if !pem.ends_with(b"\n") {
                pem.push(b'\n');
            }
            pem.extend(read("--client-key", &identity.key)?);
            let identity =
                reqwest::Identity::from_pem(&pem).map_err(|e| ClientError::BadIdentity {
                    reason: super::client::chain(&e),
                })?;
            builder = builder.identity(identity);
        }
        if self.insecure {
            builder = builder.tls_danger_accept_invalid_certs(true);
        }
        Ok(builder)
    }
}

fn read(flag: &'static str, path: &Path) -> Result<Vec<u8>, ClientError> {
    std::fs::read(path).map_err(|source| ClientError::Read {
        flag,
        path: path.to_path_buf(),
        source,
    })
}

/// A TLS failure in the error's causes, told as what to do about it; `None` when the error has
/// nothing to do with TLS.
pub fn explain(err: &(dyn Error + 'static)) -> Option<String> {
    let tls = find_rustls_error(err)?;
    let advice = match tls {
        rustls::Error::InvalidCertificate(cert) => match cert {
            CertificateError::UnknownIssuer => "the server's certificate is not signed by a trusted CA; pass --cacert FILE or set SSL_CERT_FILE".to_string(),
            CertificateError::NotValidForName => "the server's certificate is not valid for the host name of --target (name mismatch); use the name the certificate was issued for".to_string(),
            CertificateError::NotValidForNameContext { expected, presented } => format!(
                "the server's certificate is not valid for {} (name mismatch; it names {}); use the name the certificate was issued for",
                expected.to_str(),
                if presented.is_empty() {
                    "no host".to_string()
                } else {
                    presented.iter().map(|n| bare_name(n)).collect::<Vec<_>>().join(", ")
                }
            ),
            CertificateError::Expired => "the server's certificate has expired".to_string(),
            CertificateError::ExpiredContext { not_after, .. } => format!(
                "the server's certificate has expired (valid until {})",
                rfc3339(not_after.as_secs())
            ),
            CertificateError::NotValidYet => "the server's certificate is not valid yet (check the clocks)".to_string(),
            CertificateError::NotValidYetContext { not_before, .. } => format!(
                "the server's certificate is not valid yet (valid from {}; check the clocks)",
                rfc3339(not_before.as_secs())
            ),
            CertificateError::Revoked => "the server's certificate has been revoked".to_string(),
            // webpki's own error sits behind rustls' `Other`; its name is the only handle on it.
            other if format!("{other:?}").contains("CaUsedAsEndEntity") => "the server presents a CA certificate as its own (basicConstraints CA:TRUE); it must present an end-entity certificate issued by that CA (pass the CA with --cacert FILE)".to_string(),
            other => format!("the server's certificate is not acceptable ({other:?})"),
        },
        rustls::Error::AlertReceived(AlertDescription::CertificateRequired) => "the server requires a client certificate; pass --client-cert FILE --client-key FILE".to_string(),
        rustls::Error::AlertReceived(
            alert @ (AlertDescription::BadCertificate
            | AlertDescription::UnknownCA
            | AlertDescription::CertificateUnknown
            | AlertDescription::UnsupportedCertificate
            | AlertDescription::CertificateExpired
            | AlertDescription::AccessDenied),
        ) => format!(
            "the server refused the TLS handshake ({alert:?}): it may not accept the client certificate of --client-cert, or require one"
        ),
        other => format!("the TLS handshake failed: {other}"),
    };
    Some(format!("{advice} ({tls})"))
}

/// The first rustls error among the causes, looking inside I/O errors too (an `io::Error`'s
/// `source()` skips the error it wraps).
fn find_rustls_error<'a>(err: &'a (dyn Error + 'static)) -> Option<&'a rustls::Error> {
    let mut current = Some(err);
    while let Some(e) = current {
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        if let Some(inner) = e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            if let Some(found) = find_rustls_error(inner) {
                return Some(found);
            }
        }
        current = e.source();
    }
    None
}

/// `DnsName("a.example")` as rustls renders a presented name, shown as `a.example`.
fn bare_name(name: &str) -> &str {
    match (name.find('"'), name.rfind('"')) {
        (Some(start), Some(end)) if end > start => &name[start + 1..end],
        _ => name,
    }
}

fn rfc3339(secs: u64) -> String {
    humantime::format_rfc3339_seconds(SystemTime::UNIX_EPOCH + Duration::from_secs(secs))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_issuer_inside_an_io_error_is_explained() {
        let io = std::io::Error::other(rustls::Error::InvalidCertificate(
            CertificateError::UnknownIssuer,
        ));
        let text = explain(&io).expect("a TLS error");
        assert!(
            text.starts_with("the server's certificate is not signed by a trusted CA; pass --cacert FILE or set SSL_CERT_FILE"),
            "{text}"
        );
    }

    #[test]
    fn presented_names_are_shown_bare() {
        assert_eq!(bare_name("DnsName(\"a.example\")"), "a.example");
        assert_eq!(bare_name("10.0.0.1"), "10.0.0.1");
    }

    #[test]
    fn other_errors_are_not_tls_errors() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        assert_eq!(explain(&io), None);
    }
}
