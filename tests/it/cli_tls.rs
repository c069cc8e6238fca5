//! TLS towards a target, against a local TLS server with certificates made by the test: extra
//! roots (`--cacert`, `SSL_CERT_FILE`), `--insecure`, mTLS, and certificate errors in words.

use crate::common;

use std::path::Path;
use std::process::Output;

use common::certs::{self, Ca};
use common::relay::tls_front;
use common::text;
use mpsd_conformance::cli::EmbeddedServer;

/// Runs `body/join` against `https://localhost:PORT` with `args` and environment `env`.
fn run(port: u16, args: &[&str], env: &[(&str, &Path)], reports: &Path) -> Output {
    let target = format!("https://localhost:{port}");
    common::run_body_join(&[&["--target", &target][..], args].concat(), env, reports)
}

/// The reference behind a TLS front presenting `config`'s certificate.
struct Target {
    port: u16,
    _server: EmbeddedServer,
}

fn target(config: std::sync::Arc<rustls::ServerConfig>) -> Target {
    let server = EmbeddedServer::start().expect("reference");
    let upstream = server.url().trim_start_matches("http://").to_string();
    Target {
        port: tls_front(config, &upstream),
        _server: server,
    }
}

#[test]
fn a_private_ca_is_refused_in_words_then_trusted_with_cacert_or_ssl_cert_file() {
    let ca = Ca::new("mpsd test CA");
    let leaf = ca.server(&["localhost"], false);
    let t = target(certs::server_config(vec![leaf.der.clone()], leaf.key()));
    let dir = tempfile::tempdir().expect("tmp");
    let ca_file = certs::write(dir.path(), "ca.pem", &ca.cert.pem);

    let refused = run(t.port, &[], &[], dir.path());
    assert_eq!(refused.status.code(), Some(3), "{}", text(&refused));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    eprintln!("DEBUG {stderr}");
    assert!(
        stderr.contains("the server's certificate is not signed by a trusted CA; pass --cacert FILE or set SSL_CERT_FILE"),
        "{stderr}"
    );

    let ca_arg = ca_file.display().to_string();
    let trusted = run(t.port, &["--cacert", &ca_arg], &[], dir.path());
    assert_eq!(trusted.status.code(), Some(0), "{}", text(&trusted));

    let by_env = run(t.port, &[], &[("SSL_CERT_FILE", &ca_file)], dir.path());
    assert_eq!(by_env.status.code(), Some(0), "{}", text(&by_env));
}

#[test]
fn a_name_mismatch_and_an_expired_certificate_are_told_apart() {
    let ca = Ca::new("mpsd test CA");
    let dir = tempfile::tempdir().expect("tmp");
    let ca_file = certs::write(dir.path(), "ca.pem", &ca.cert.pem);
    let ca_arg = ca_file.display().to_string();

    let other = ca.server(&["mpsd.other.example"], false);
    let t = target(certs::server_config(vec![other.der.clone()], other.key()));
    let out = run(t.port, &["--cacert", &ca_arg], &[], dir.path());
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("DEBUG {stderr}");
    assert!(
        stderr.contains("not valid for localhost (name mismatch; it names mpsd.other.example)"),
        "{stderr}"
    );

    let old = ca.server(&["localhost"], true);
    let t = target(certs::server_config(vec![old.der.clone()], old.key()));
    let out = run(t.port, &["--cacert", &ca_arg], &[], dir.path());
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("DEBUG {stderr}");
    assert!(
        stderr.contains("the server's certificate has expired (valid until 2002-01-01"),
        "{stderr}"
    );
}

#[test]
fn a_ca_certificate_served_as_the_server_certificate_is_explained() {
    // What a hand-made "self-signed CA" deployment does: the CA itself answers as the server.
    let ca = Ca::new("localhost");
    let t = target(certs::server_config(
        vec![ca.cert.der.clone()],
        ca.cert.key(),
    ));
    let dir = tempfile::tempdir().expect("tmp");
    let ca_file = certs::write(dir.path(), "ca.pem", &ca.cert.pem);
    let out = run(t.port, &[], &[("SSL_CERT_FILE", &ca_file)], dir.path());
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("DEBUG {stderr}");
    assert!(
        stderr.contains("presents a CA certificate as its own"),
        "{stderr}"
    );
}

#[test]
fn insecure_skips_the_checks_loudly_and_the_report_records_it() {
    let ca = Ca::new("unknown CA");
    let leaf = ca.server(&["somewhere.else"], true);
    let t = target(certs::server_config(vec![leaf.der.clone()], leaf.key()));
    let dir = tempfile::tempdir().expect("tmp");
    let out = run(t.port, &["--insecure"], &[], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("DEBUG {stderr}");
    assert!(
        stderr.contains("warning: --insecure: the target's TLS certificate is NOT checked"),
        "{stderr}"
    );
    let report: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.path().join("report.json")).expect("report.json"),
    )
    .expect("JSON");
    assert_eq!(report["options"]["insecure"], true);
    assert_eq!(report["summary"]["passed"], 1);
}

#[test]
fn mutual_tls_needs_the_client_certificate_and_says_so() {
    let ca = Ca::new("mpsd test CA");
    let clients = Ca::new("client CA");
    let leaf = ca.server(&["localhost"], false);
    let t = target(certs::mtls_server_config(
        vec![leaf.der.clone()],
        leaf.key(),
        &clients,
    ));
    let dir = tempfile::tempdir().expect("tmp");
    let ca_arg = certs::write(dir.path(), "ca.pem", &ca.cert.pem)
        .display()
        .to_string();

    let without = run(t.port, &["--cacert", &ca_arg], &[], dir.path());
    assert_eq!(without.status.code(), Some(3), "{}", text(&without));
    let stderr = String::from_utf8_lossy(&without.stderr);
    eprintln!("DEBUG {stderr}");
    assert!(
        stderr.contains("--client-cert FILE --client-key FILE"),
        "{stderr}"
    );

    let me = clients.client("harness");
    let cert = certs::write(dir.path(), "client.pem", &me.pem);
    let key = certs::write(dir.path(), "client.key", &me.key_pem);
    let with = run(
        t.port,
        &[
            "--cacert",
            &ca_arg,
            "--client-cert",
            &cert.display().to_string(),
            "--client-key",
            &key.display().to_string(),
        ],
        &[],
        dir.path(),
    );
    assert_eq!(with.status.code(), Some(0), "{}", text(&with));
}

#[test]
fn unreadable_tls_files_are_usage_errors_in_words() {
    let dir = tempfile::tempdir().expect("tmp");
    let not_pem = certs::write(dir.path(), "not.pem", "hello\n");
    let missing = dir.path().join("missing.pem");
    for (args, expected) in [
        (
            vec!["--cacert".to_string(), missing.display().to_string()],
            "failed to read --cacert",
        ),
        (
            vec!["--cacert".to_string(), not_pem.display().to_string()],
            "holds no PEM certificate",
        ),
        (
            vec!["--client-cert".to_string(), not_pem.display().to_string()],
            "--client-key",
        ),
    ] {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = run(1, &args, &[], dir.path());
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(expected),
            "{args:?}: {}",
            text(&out)
        );
    }
}
