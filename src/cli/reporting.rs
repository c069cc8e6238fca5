//! What `run` and `explore` share about their reports: the options their flags give, and the
//! flags they share as report.json records them (secrets redacted). Each command adds its own.

use std::path::PathBuf;

use clap::ValueEnum;
use serde_json::{json, Map, Value};

use crate::report::{Format, Redactor, ReportOptions, Transcripts, REDACTED};
use crate::verdict::FailOn;

use super::{AccessArgs, FormatsArgs, LimitArgs, ReportDirArgs, ThrottleArgs, TransportArgs};

/// The report files' options; `--write-baseline` is `run`'s alone.
pub(super) fn report_options(
    out: &ReportDirArgs,
    written: &FormatsArgs,
    transcripts: Transcripts,
    fail_on: FailOn,
    write_baseline: Option<PathBuf>,
) -> ReportOptions {
    let mut formats: Vec<Format> = written.formats.iter().map(|f| f.0).collect();
    formats.sort();
    formats.dedup();
    ReportOptions {
        dir: out.report_dir.clone(),
        formats,
        fragment_name: None,
        transcripts,
        fail_on,
        write_baseline,
        step_summary: std::env::var_os("GITHUB_STEP_SUMMARY")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from),
        coverage: Default::default(),
    }
}

/// A choice flag's value as written on the command line.
pub(super) fn spelled<T: ValueEnum>(value: &T) -> Option<String> {
    value.to_possible_value().map(|v| v.get_name().to_owned())
}

/// `--report`, as recorded.
pub(super) fn formats_json(written: &FormatsArgs) -> Value {
    json!(written
        .formats
        .iter()
        .map(|f| f.to_string())
        .collect::<Vec<_>>())
}

/// `--timeout`, `--max-body`, `--header` (values redacted where secret) and `--secret` (always
/// redacted), as recorded.
pub(super) fn request_json(
    limits: &LimitArgs,
    access: &AccessArgs,
    redactor: &Redactor,
) -> Map<String, Value> {
    let header: Vec<String> = access
        .header
        .iter()
        .map(|(n, v)| format!("{n}: {}", redactor.header(n, v)))
        .collect();
    object(json!({
        "timeout": limits.timeout,
        "max_body": limits.max_body,
        "header": header,
        "secret": access.secret.iter().map(|_| REDACTED).collect::<Vec<_>>(),
    }))
}

/// The proxy and TLS flags, as recorded.
pub(super) fn transport_json(transport: &TransportArgs, redactor: &Redactor) -> Map<String, Value> {
    let path = |p: &Option<PathBuf>| p.as_ref().map(|p| p.display().to_string());
    let TransportArgs {
        proxy,
        no_proxy,
        cacert,
        insecure,
        client_cert,
        client_key,
    } = transport;
    object(json!({
        "proxy": proxy.as_ref().map(|p| redactor.text(p)),
        "no_proxy": no_proxy,
        "cacert": path(cacert),
        "insecure": insecure,
        "client_cert": path(client_cert),
        "client_key": path(client_key),
    }))
}

/// The throttling flags, as recorded.
pub(super) fn throttle_json(throttle: &ThrottleArgs) -> Map<String, Value> {
    object(json!({
        "retries": throttle.retries,
        "max_retry_wait": throttle.max_retry_wait,
        "rate": throttle.rate,
    }))
}

/// The members of a JSON object (`json!({…})` makes one).
pub(super) fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}
