//! `report.json`, format `mpsd-conformance-report/1`, as DESIGN.md pins it and
//! `reports/report.schema.json` describes it. Everything in it has passed the redactor. The same
//! types are read back by `report merge` and `report compare`.

use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::case::Severity;
use crate::exchange::Exchange;
use crate::run::{step_of, CaseResult, ConcurrencyInfo};
use crate::verdict::{CaseRow, FailOn, Summary, Verdict};

use super::curl::curl_command;
use crate::exchange::Redactor;
/// Bodies longer than this are cut in reports: where exchanges are recorded.
pub use crate::exchange::BODY_LIMIT;

pub const FORMAT: &str = "mpsd-conformance-report/1";
pub const HARNESS_NAME: &str = "mpsd-conformance";

/// What a run was, besides its cases: everything of report.json but `cases`. A run fills it in
/// as it goes (the duration and summary last); a merge takes it from its inputs.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RunInfo {
    pub format: String,
    pub harness: HarnessInfo,
    pub target: TargetInfo,
    pub suite: SuiteInfo,
    /// The run's flags, already redacted.
    pub options: Value,
    /// The configuration profile the run used; none without a configuration file.
    #[serde(default)]
    pub profile: Option<ProfileInfo>,
    /// RFC 3339, UTC, seconds.
    pub started_at: String,
    pub duration_ms: u64,
    #[serde(default)]
    pub summary: Summary,
    /// How many cases were in flight: absent from merged reports and older ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrency: Option<ConcurrencyInfo>,
}

impl RunInfo {
    /// A run's header before it starts; `target_url` is already redacted.
    pub fn new(
        target_url: String,
        embedded: bool,
        suite: SuiteInfo,
        options: Value,
        started_at: String,
    ) -> RunInfo {
        RunInfo {
            format: FORMAT.to_string(),
            harness: HarnessInfo::this(),
            target: TargetInfo {
                url: target_url,
                embedded,
            },
            suite,
            options,
            profile: None,
            started_at,
            duration_ms: 0,
            summary: Summary::default(),
            concurrency: None,
        }
    }
}

/// A configuration profile, as report.json records it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileInfo {
    /// `default` unless one was selected.
    pub name: String,
    /// The configuration file, as it was named.
    pub file: String,
}

/// A whole report as read back from report.json.
#[derive(Clone, Debug, Deserialize)]
pub struct Report {
    #[serde(flatten)]
    pub info: RunInfo,
    pub cases: Vec<CaseReport>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct HarnessInfo {
    pub name: String,
    pub version: String,
    /// Faults of the built-in fault catalog the case set catches / faults
    /// (`mutants::detection_score`); null when the case set was never measured.
    pub detection_score: Option<f64>,
}

impl HarnessInfo {
    pub fn this() -> HarnessInfo {
        HarnessInfo {
            name: HARNESS_NAME.to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            detection_score: None,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TargetInfo {
    pub url: String,
    pub embedded: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SuiteInfo {
    pub cases: usize,
    pub fingerprint: String,
    pub files: Vec<FileInfo>,
}

impl SuiteInfo {
    /// A case set's count, fingerprint and files (path, SHA-256).
    pub fn new(cases: usize, fingerprint: &str, files: &[(String, String)]) -> SuiteInfo {
        SuiteInfo {
            cases,
            fingerprint: fingerprint.to_string(),
            files: files
                .iter()
                .map(|(path, sha256)| FileInfo {
                    path: path.clone(),
                    sha256: sha256.clone(),
                })
                .collect(),
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FileInfo {
    pub path: String,
    pub sha256: String,
}

/// A case's row. Its JSON is the `case` row's fields followed by these, one flat object; it is
/// written and read field by field (`case_json`) rather than with `#[serde(flatten)]`, which
/// would make serde buffer every case of a report it reads.
#[derive(Clone, Debug)]
pub struct CaseReport {
    /// Which case, and what the target did.
    pub case: CaseRow,
    /// What that means for this run (severity, --fail-on, baseline).
    pub verdict: Verdict,
    /// A failure that gates this run: the verdict is `fail`.
    pub gating: bool,
    /// The baseline's reason, when the baseline lists this case.
    pub baseline: Option<String>,
    pub duration_ms: u64,
    /// Requests sent again after a throttled answer (reports written before retries existed
    /// have none).
    pub retries: u32,
    pub message: Option<String>,
    pub failures: Vec<FailureReport>,
    /// Kept for the cases `--transcripts` names; empty for the others.
    pub exchanges: Vec<ExchangeReport>,
    /// A finding of `explore`: the shrunk program's run, told step by step (absent when none).
    pub story: Option<String>,
    /// A finding of `explore`: the case file it was saved as (`--save`; absent when none).
    pub saved_as: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FailureReport {
    pub rule: String,
    pub expectation: String,
    pub message: String,
    pub diff: Option<String>,
    /// The step whose exchange broke the rule.
    #[serde(default)]
    pub step: Option<String>,
    /// An oracle failure (global checks, set-up outcomes, read-backs) gates with its own rule's
    /// severity, whatever the case's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gates_as: Option<Severity>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ExchangeReport {
    pub step: String,
    pub request: MessageReport,
    pub response: Option<MessageReport>,
    pub error: Option<String>,
    pub duration_ms: u64,
    /// A shell command that sends the request again, credentials as `$CONFORMANCE_AUTH_*`.
    #[serde(default)]
    pub curl: String,
}

/// A request (method, url) or a response (status), with headers and body.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct MessageReport {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    pub headers: Vec<HeaderReport>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_base64: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct HeaderReport {
    pub name: String,
    pub value: String,
}

impl CaseReport {
    /// A finished case as reports show it: redacted, bodies cut, exchanges only when kept.
    pub fn from_result(
        r: &CaseResult,
        fail_on: FailOn,
        baseline: Option<&str>,
        keep_exchanges: bool,
        redactor: &Redactor,
    ) -> CaseReport {
        let verdict = r.verdict(fail_on);
        CaseReport {
            case: r.case.clone(),
            verdict,
            gating: verdict == Verdict::Fail,
            baseline: baseline.map(|b| redactor.text(b)),
            duration_ms: r.duration.as_millis() as u64,
            retries: r.retries,
            message: r.message.as_ref().map(|m| redactor.text(m)),
            failures: r
                .failures
                .iter()
                .map(|f| FailureReport {
                    rule: f.rule.clone(),
                    expectation: redactor.text(&f.expectation),
                    message: redactor.text(&f.message),
                    diff: f.diff.as_ref().map(|d| redactor.text(d)),
                    step: f.step.clone(),
                    gates_as: f.gates_as,
                })
                .collect(),
            exchanges: if keep_exchanges {
                r.exchanges
                    .iter()
                    .map(|e| exchange_report(e, redactor))
                    .collect()
            } else {
                Vec::new()
            },
            story: None,
            saved_as: None,
        }
    }

    /// The exchange the first failure was judged on (the last attempt of a retried step; for a
    /// failure of a whole burst, such as its tally, the burst's last copy); for an error, the
    /// last one sent before teardown (where the steps stopped).
    pub fn failed_exchange(&self) -> Option<&ExchangeReport> {
        let step = self.failures.iter().find_map(|f| f.step.as_deref());
        if let Some(step) = step {
            let found = self
                .exchanges
                .iter()
                .rev()
                .find(|e| step_of(&e.step) == step)
                .or_else(|| {
                    self.exchanges
                        .iter()
                        .rev()
                        .find(|e| e.burst_step() == Some(step))
                });
            if found.is_some() {
                return found;
            }
        }
        let sent = || {
            self.exchanges
                .iter()
                .rev()
                .filter(|e| e.not_sent().is_none())
        };
        sent()
            .find(|e| step_of(&e.step) != "teardown")
            .or_else(|| sent().next())
    }
}

impl ExchangeReport {
    /// A step that was not sent because its `onlyIf` did not hold: its label and why. The run
    /// records it with no method, URL or answer, labelled `<label> (skipped: onlyIf <why>)`.
    pub fn not_sent(&self) -> Option<(&str, &str)> {
        let sent = self.response.is_some()
            || self.error.is_some()
            || self
                .request
                .method
                .as_deref()
                .is_some_and(|m| !m.is_empty());
        if sent {
            return None;
        }
        Some(match self.step.split_once(" (skipped: ") {
            Some((label, why)) => (label, why.strip_suffix(')').unwrap_or(why)),
            None => (self.step.as_str(), ""),
        })
    }

    /// The label of the burst step this exchange is one copy of (`w` for `w[3]`).
    pub fn burst_step(&self) -> Option<&str> {
        let (label, index) = self.step.strip_suffix(']')?.rsplit_once('[')?;
        index.parse::<usize>().ok().map(|_| label)
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
        // A step that was not sent has no request to repeat.
        curl: if e.request.method.is_empty() {
            String::new()
        } else {
            curl_command(&e.request, redactor)
        },
    }
}

/// `body` when UTF-8, else `body_base64`; cut at 64 KiB.
fn body_fields(bytes: &[u8], redactor: &Redactor) -> (Option<String>, Option<String>, bool) {
    // Only what is kept is redacted (a 4 MiB body costs nothing), with room for a secret that
    // starts before the cut and ends after it.
    let window = bytes.len().min(BODY_LIMIT + redactor.longest());
    let redacted = redactor.bytes(bytes.split_at(window).0);
    let truncated = bytes.len() > BODY_LIMIT || redacted.len() > BODY_LIMIT;
    let (kept, _) = redacted.split_at(redacted.len().min(BODY_LIMIT));
    match std::str::from_utf8(kept) {
        Ok(text) => (Some(text.to_string()), None, truncated),
        // A cut may split a character: keep text when only the tail is broken.
        Err(e) if truncated && e.valid_up_to() + 4 > kept.len() => (
            Some(String::from_utf8_lossy(kept.split_at(e.valid_up_to()).0).into_owned()),
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
