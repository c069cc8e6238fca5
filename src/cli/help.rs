//! What `run --help` tells besides the flags: the environment it reads and the exit codes.

const ENVIRONMENT: &str = "\
Environment (flags win over variables):
  CONFORMANCE_TARGET               the server, as --target
  CONFORMANCE_AUTH_A, _AUTH_B      Authorization values of callers a and b
                                   (XBL3.0 x=<userhash>;<token>); secret: redacted everywhere
  CONFORMANCE_XUID_A, _XUID_B      their xuids; required when the matching AUTH is set (else exit 2)
  CONFORMANCE_SCID                 the service config id
  CONFORMANCE_TEMPLATE             a template with sessionEmptyTimeout 0 (like lobby)
  CONFORMANCE_TEMPLATE_PERSISTENT  a template that keeps empty sessions (like persistent)
  CONFORMANCE_TEMPLATE_SOLO        a template with maxMembersCount 1 (like solo)
  CONFORMANCE_REPORT_DIR           as --report-dir
  CONFORMANCE_CONFIG               as --config (default: mpsd-conformance.toml here, if any)
  CONFORMANCE_PROFILE              as --profile
  GITHUB_STEP_SUMMARY              report.md is appended to this file too
  HTTP_PROXY, HTTPS_PROXY,         proxies for the target (lower-case forms too), as --proxy;
  ALL_PROXY, NO_PROXY              loopback and the embedded server never use one
  SSL_CERT_FILE, SSL_CERT_DIR      replace the system's CA certificates (--cacert adds to them)
  NO_COLOR                         no colour, as --color never
Each CONFORMANCE_* variable falls back on its own to the configuration profile's value, then to
the embedded reference's world (`config show` tells which applies). Before the cases, a
preflight checks that the templates they use answer under the SCID and that the callers given
are accepted: if not, one message names the variable to set (exit 3).";

/// Shown after the flags of `run --help`.
pub fn run_after_help() -> String {
    format!("{ENVIRONMENT}\n\n{}", crate::exit::EXIT_CODES_HELP)
}
