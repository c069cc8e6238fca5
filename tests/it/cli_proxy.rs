//! Proxies for targets: the environment's variables and `--proxy`/`--no-proxy`, loopback and the
//! embedded server always direct, and a connect error that names the proxy. The proxy is a
//! test-only forwarder on loopback that hands every request to the reference, whatever host it
//! names, so `http://mpsd.test` never needs a name server.

use crate::common;

use std::path::Path;
use std::process::Output;

use common::certs::{self, Ca};
use common::relay::{tls_front, Proxy};
use common::text;
use mpsd_conformance::cli::EmbeddedServer;

/// `run` of one quick case with only the given proxy variables set.
fn run(args: &[&str], env: &[(&str, &str)], reports: &Path) -> Output {
    common::run_body_join(args, env, reports)
}

fn upstream(server: &EmbeddedServer) -> String {
    server.url().trim_start_matches("http://").to_string()
}

#[test]
fn the_environment_s_proxy_carries_a_remote_target_s_traffic() {
    let server = EmbeddedServer::start().expect("reference");
    let dir = tempfile::tempdir().expect("tmp");
    for var in ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"] {
        let proxy = Proxy::start(&upstream(&server));
        let out = run(
            &["--target", "http://mpsd.test"],
            &[(var, &proxy.url)],
            dir.path(),
        );
        assert_eq!(out.status.code(), Some(0), "{var}: {}", text(&out));
        let seen = proxy.seen();
        assert!(
            seen.iter()
                .any(|l| l.starts_with("PUT http://mpsd.test/handles/")),
            "{var}: {seen:?}"
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.contains(&format!("through the proxy {}", proxy.url)),
            "{stdout}"
        );
    }
}

#[test]
fn https_targets_are_tunnelled_through_https_proxy() {
    let server = EmbeddedServer::start().expect("reference");
    let ca = Ca::new("mpsd test CA");
    let leaf = ca.server(&["mpsd.test"], false);
    let front = tls_front(
        certs::server_config(vec![leaf.der.clone()], leaf.key()),
        &upstream(&server),
    );
    let proxy = Proxy::start(&format!("127.0.0.1:{front}"));
    let dir = tempfile::tempdir().expect("tmp");
    let ca_file = certs::write(dir.path(), "ca.pem", &ca.cert.pem);
    let out = run(
        &[
            "--target",
            "https://mpsd.test",
            "--cacert",
            &ca_file.display().to_string(),
        ],
        &[
            ("HTTPS_PROXY", &proxy.url),
            ("HTTP_PROXY", "http://127.0.0.1:1"),
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        proxy
            .seen()
            .iter()
            .all(|l| l.starts_with("CONNECT mpsd.test:443 ")),
        "{:?}",
        proxy.seen()
    );
    assert!(!proxy.seen().is_empty());
}

#[test]
fn the_proxy_flag_beats_the_environment_and_no_proxy_goes_direct() {
    let server = EmbeddedServer::start().expect("reference");
    let dir = tempfile::tempdir().expect("tmp");
    let proxy = Proxy::start(&upstream(&server));
    let out = run(
        &["--target", "http://mpsd.test", "--proxy", &proxy.url],
        &[("HTTP_PROXY", "http://127.0.0.1:1")],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(!proxy.seen().is_empty());

    // 0.0.0.0 reaches this machine without being loopback by name, so only --no-proxy or
    // NO_PROXY keeps it away from the proxy.
    let port = upstream(&server)
        .rsplit(':')
        .next()
        .expect("port")
        .to_string();
    let direct_target = format!("http://0.0.0.0:{port}");
    let watching = Proxy::start("127.0.0.1:1");
    for (args, env) in [
        (
            vec!["--target", direct_target.as_str(), "--no-proxy"],
            vec![("HTTP_PROXY", watching.url.as_str())],
        ),
        (
            vec!["--target", direct_target.as_str()],
            vec![
                ("HTTP_PROXY", watching.url.as_str()),
                ("NO_PROXY", "example.net, 0.0.0.0"),
            ],
        ),
    ] {
        let out = run(&args, &env, dir.path());
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?} {env:?}: {}",
            text(&out)
        );
    }
    assert!(watching.seen().is_empty(), "{:?}", watching.seen());
}

#[test]
fn loopback_targets_and_the_embedded_server_never_use_a_proxy() {
    let server = EmbeddedServer::start().expect("reference");
    let port = upstream(&server)
        .rsplit(':')
        .next()
        .expect("port")
        .to_string();
    let dir = tempfile::tempdir().expect("tmp");
    let watching = Proxy::start("127.0.0.1:1");
    let dead = "http://127.0.0.1:1";
    let env = [
        ("HTTP_PROXY", watching.url.as_str()),
        ("HTTPS_PROXY", dead),
        ("ALL_PROXY", dead),
    ];
    let loopback = format!("http://127.0.0.1:{port}");
    let localhost = format!("http://localhost:{port}");
    for args in [
        vec![],
        vec!["--target", loopback.as_str()],
        vec!["--target", localhost.as_str()],
        vec!["--proxy", dead],
    ] {
        let out = run(&args, &env, dir.path());
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", text(&out));
    }
    assert!(watching.seen().is_empty(), "{:?}", watching.seen());
}

#[test]
fn a_dead_proxy_is_named_in_the_error_without_its_password() {
    let dir = tempfile::tempdir().expect("tmp");
    for (args, env) in [
        (
            vec!["--target", "http://mpsd.test"],
            vec![("HTTP_PROXY", "http://127.0.0.1:1")],
        ),
        (
            vec![
                "--target",
                "https://mpsd.test",
                "--proxy",
                "http://harness:pr0xy-pa55word@127.0.0.1:1",
            ],
            vec![],
        ),
    ] {
        let out = run(&args, &env, dir.path());
        assert_eq!(out.status.code(), Some(3), "{args:?}: {}", text(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("could not connect to the proxy http://127.0.0.1:1"),
            "{stderr}"
        );
        let report = std::fs::read_to_string(dir.path().join("report.json")).expect("report");
        for written in [&stderr.to_string(), &report] {
            assert!(!written.contains("pr0xy-pa55word"), "{written}");
        }
    }
}

#[test]
fn a_proxy_url_that_cannot_work_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = run(
        &["--target", "http://mpsd.test"],
        &[("HTTP_PROXY", "socks5://127.0.0.1:1080")],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("HTTP_PROXY `socks5://127.0.0.1:1080` is not a usable proxy URL"),
        "{stderr}"
    );
}
