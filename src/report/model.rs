//! `report.json`, format `mpsd-conformance-report/1`, as DESIGN.md pins it and
//! `reports/report.schema.json` describes it. Everything in it has passed the redactor.

use base64::Engine;
use serde::Serialize;
use serde_json::Value;

use crate::check::Failure;
use crate::http::Exchange;
use crate::run::{CaseResult, FailOn, Summary};

use super::redact::Redactor;

pub const FORMAT: &str = "mpsd-conformance-report/1";
/// Bodies longer than this are cut in reports.
pub const BODY_LIMIT: usize = 64 * 1024;

/// What a run was, besides its results.
#[derive(Clone, Debug)]
pub struct RunInfo {
    /// The target's URL, or `embedded`.
    pub target_url: String,
    pub embedded: bool,
    pub case_count: usize,
    pub fingerprint: String,
    pub files: Vec<(String, String)>,
    /// The run's flags, already redacted.
    pub options: Value,
    pub started_at: String,
    pub duration_ms: u64,
    pub fail_on: FailOn,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub format: &'static str,
    pub harness: HarnessInfo,
    pub target: TargetInfo,
    pub suite: SuiteInfo,
    pub options: Value,
    pub started_at: String,
    pub duration_ms: u64,
    pub summary: Summary,
    pub cases: Vec<CaseReport>,
}

#[derive(Debug, Serialize)]
pub struct HarnessInfo {
    pub name: &'static str,
    pub version: &'static str,
    /// Faults caught / faults of the built-in catalog; null until the catalog exists.
    pub detection_score: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct TargetInfo {
    pub url: String,
    pub embedded: bool,
}

#[derive(Debug, Serialize)]
pub struct SuiteInfo {
    pub cases: usize,
    pub fingerprint: String,
    pub files: Vec<FileInfo>,
}

#[derive(Debug, Serialize)]
pub struct FileInfo {
    pub path: String,
    pub sha256: String,
}

#[derive(Debug, Serialize)]
pub struct CaseReport {
    pub id: String,
    pub area: String,
    pub title: String,
    pub rules: Vec<String>,
    pub severity: &'static str,
    pub outcome: &'static str,
    /// A failure that gates this run (severity, --fail-on, baseline).
    pub gating: bool,
    pub duration_ms: u64,
    /// Requests sent again after a throttled answer.
    pub retries: u32,
    pub message: Option<String>,
    pub failures: Vec<Failure>,
    pub exchanges: Vec<ExchangeReport>,
}

#[derive(Debug, Serialize)]
pub struct ExchangeReport {
    pub step: String,
    pub request: MessageReport,
    pub response: Option<MessageReport>,
    pub error: Option<String>,
    pub duration_ms: u64,
}

/// A request (method, url) or a response (status), with headers and body.
#[derive(Debug, Serialize)]
pub struct MessageReport {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    pub headers: Vec<HeaderReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_base64: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
}

#[derive(Debug, Serialize)]
pub struct HeaderReport {
    pub name: String,
    pub value: String,
}

pub fn build(info: &RunInfo, results: &[CaseResult], redactor: &Redactor) -> Report {
    Report {
        format: FORMAT,
        harness: HarnessInfo {
            name: "mpsd-conformance",
            version: env!("CARGO_PKG_VERSION"),
            detection_score: None,
        },
        target: TargetInfo {
            url: redactor.text(&info.target_url),
            embedded: info.embedded,
        },
        suite: SuiteInfo {
            cases: info.case_count,
            fingerprint: info.fingerprint.clone(),
            files: info
                .files
                .iter()
                .map(|(path, sha256)| FileInfo {
                    path: path.clone(),
                    sha256: sha256.clone(),
                })
                .collect(),
        },
        options: info.options.clone(),
        started_at: info.started_at.clone(),
        duration_ms: info.duration_ms,
        summary: Summary::of(results, info.fail_on),
        cases: results
            .iter()
            .map(|r| case_report(r, info.fail_on, redactor))
            .collect(),
    }
}

fn case_report(r: &CaseResult, fail_on: FailOn, redactor: &Redactor) -> CaseReport {
    CaseReport {
        id: r.id.clone(),
        area: r.area.clone(),
        title: r.title.clone(),
        rules: r.rules.clone(),
        severity: r.severity.as_str(),
        outcome: r.outcome.as_str(),
        gating: r.gates(fail_on),
        duration_ms: r.duration.as_millis() as u64,
        retries: r.retries,
        message: r.message.as_ref().map(|m| redactor.text(m)),
        failures: r
            .failures
            .iter()
            .map(|f| Failure {
                rule: f.rule.clone(),
                expectation: redactor.text(&f.expectation),
                message: redactor.text(&f.message),
                diff: f.diff.as_ref().map(|d| redactor.text(d)),
            })
            .collect(),
        exchanges: r
            .exchanges
            .iter()
            .map(|e| exchange_report(e, redactor))
            .collect(),
    }
}

pub fn exchange_report(e: &Exchange, redactor: &Redactor) -> ExchangeReport {
    let headers = |hs: &[(String, String)]| {
        hs.iter()
            .map(|(n, v)| HeaderReport {
                name: n.clone(),
                value: redactor.header(n, v),
            })
            .collect()
    };
    let (body, body_base64, truncated) = body_fields(&e.request.body, redactor);
    let request = MessageReport {
        method: Some(e.request.method.clone()),
        url: Some(redactor.text(&e.request.url)),
        status: None,
        headers: headers(&e.request.headers),
        body,
        body_base64,
        truncated,
    };
    let response = e.response.as_ref().map(|resp| {
        let (body, body_base64, truncated) = body_fields(&resp.body, redactor);
        MessageReport {
            method: None,
            url: None,
            status: Some(resp.status),
            headers: headers(&resp.headers),
            body,
            body_base64,
            truncated,
        }
    });
    ExchangeReport {
        step: e.step.clone(),
        request,
        response,
        error: e.error.as_ref().map(|err| redactor.text(&err.to_string())),
        duration_ms: e.duration.as_millis() as u64,
    }
}

/// `body` when UTF-8, else `body_base64`; cut at 64 KiB.
fn body_fields(bytes: &[u8], redactor: &Redactor) -> (Option<String>, Option<String>, bool) {
    // Only what is kept is redacted (a 4 MiB body costs nothing), with room for a secret that
    // starts before the cut and ends after it.
    let window = bytes.len().min(BODY_LIMIT + redactor.longest());
    let redacted = redactor.bytes(&bytes[..window]);
    let truncated = bytes.len() > BODY_LIMIT || redacted.len() > BODY_LIMIT;
    let kept = &redacted[..redacted.len().min(BODY_LIMIT)];
    match std::str::from_utf8(kept) {
        Ok(text) => (Some(text.to_string()), None, truncated),
        // A cut may split a character: keep text when only the tail is broken.
        Err(e) if truncated && e.valid_up_to() + 4 > kept.len() => (
            Some(String::from_utf8_lossy(&kept[..e.valid_up_to()]).into_owned()),
            None,
            truncated,
        ),
        Err(_) => (
            None,
            Some(base64::engine::general_purpose::STANDARD.encode(kept)),
            truncated,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_across_the_cut_leaves_no_prefix_behind() {
        let secret = "a-secret-token-value";
        let redactor = Redactor::new([secret.to_string()]);
        let mut body = vec![b'x'; BODY_LIMIT - 5];
        body.extend_from_slice(secret.as_bytes());
        body.extend(vec![b'y'; 1000]);
        let (text, b64, truncated) = body_fields(&body, &redactor);
        let text = text.expect("text");
        assert!(b64.is_none() && truncated);
        assert_eq!(text.len(), BODY_LIMIT);
        assert!(text.ends_with("x[REDA"), "{}", &text[text.len() - 10..]);
    }

    #[test]
    fn binary_bodies_are_base64_and_small_ones_whole() {
        let redactor = Redactor::default();
        let (text, b64, truncated) = body_fields(&[0xff, 0xfe, 0x00], &redactor);
        assert_eq!(
            (text, b64.as_deref(), truncated),
            (None, Some("//4A"), false)
        );
        let (text, _, truncated) = body_fields(b"{}", &redactor);
        assert_eq!((text.as_deref(), truncated), (Some("{}"), false));
    }
}
