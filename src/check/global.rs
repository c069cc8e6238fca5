//! Checks that run on every exchange of every case, fixtures included (O11, O12, O13).

use crate::exchange::{Framing, ResponseData};
use crate::http::RetryAfter;

use super::body::body_excerpt;
use super::failure::Failure;
use super::header::media_type;

/// What the global checks found on one response.
#[derive(Debug, Default)]
pub struct GlobalVerdict {
    pub failures: Vec<Failure>,
    /// A well-formed 429 or 503: it says nothing about the rules; the request may be retried
    /// when `Retry-After` allows, else the case cannot be judged.
    pub throttled: Option<String>,
}

/// Judges `response`, the answer to a request with this `method` (an answer to HEAD has no
/// body to judge).
pub fn check_global(method: &str, response: &ResponseData) -> GlobalVerdict {
    let mut v = GlobalVerdict::default();
    let status = response.status;
    if status >= 500 && status != 503 {
        v.failures.push(
            Failure::new(
                "O13",
                "never 5xx other than 503",
                format!(
                    "the server answered {status}: a server failure, whatever the request held"
                ),
            )
            .with_diff(body_excerpt(response)),
        );
    }
    if status == 429 || status == 503 {
        let rule = if status == 429 { "O11" } else { "O12" };
        let mut broken = false;
        match response.header("retry-after") {
            None => {
                broken = true;
                v.failures.push(Failure::new(
                    rule,
                    format!("{status} carries Retry-After"),
                    format!("a {status} without Retry-After"),
                ));
            }
            // A value no client can act on tells it nothing about when to come back.
            Some(value) if RetryAfter::parse(value).is_none() => {
                broken = true;
                v.failures.push(Failure::new(
                    rule,
                    format!("{status} carries Retry-After (delay-seconds or an HTTP-date)"),
                    format!("a {status} whose Retry-After `{value}` is neither delay-seconds nor an HTTP-date"),
                ));
            }
            Some(_) => {}
        }
        if status == 429 && !method.eq_ignore_ascii_case("HEAD") {
            let json_media = response
                .header("content-type")
                .is_some_and(|ct| media_type(ct).eq_ignore_ascii_case("application/json"));
            let errors = throttle_body_errors(response);
            if !errors.is_empty() || !json_media {
                broken = true;
                let mut lines = errors;
                if !json_media {
                    lines.push("Content-Type is not application/json".into());
                }
                v.failures.push(
                    Failure::new(
                        "O11",
                        "429 carries the documented JSON body",
                        "a 429 without {version, currentRequests, maxRequests, periodInSeconds, limitType}",
                    )
                    .with_diff(Some(lines.join("\n"))),
                );
            }
        }
        if !broken {
            v.throttled = Some(format!(
                "throttled: the target answered {status} (Retry-After: {})",
                response.header("retry-after").unwrap_or_default().trim()
            ));
        }
    }
    v
}

/// H6: the answer to an HTTP/1.0 request is one an HTTP/1.0 client reads — no chunked transfer
/// coding, which that client cannot decode (RFC 9112 §6.1).
pub fn check_framing(framing: &Framing, response: &ResponseData) -> Option<Failure> {
    let coding = response.header("transfer-encoding")?;
    framing.http10.then(|| {
        Failure::new(
            "H6",
            "an HTTP/1.0 request gets an answer HTTP/1.0 reads",
            format!("the answer to an HTTP/1.0 request is sent with Transfer-Encoding: {coding}, which an HTTP/1.0 client cannot decode"),
        )
    })
}

/// The documented 429 body (O11), checked in code so that it holds whatever case set runs.
fn throttle_body_errors(response: &ResponseData) -> Vec<String> {
    let Some(doc) = response.json() else {
        return vec!["the body is not JSON".into()];
    };
    let fields = [
        ("version", true),
        ("currentRequests", true),
        ("maxRequests", true),
        ("periodInSeconds", true),
        ("limitType", false),
    ];
    fields
        .iter()
        .filter_map(|(name, integer)| {
            let ok = match doc.get(name) {
                Some(v) if *integer => v.is_i64() || v.is_u64(),
                Some(v) => v.is_string(),
                None => false,
            };
            (!ok).then(|| {
                format!(
                    "`{name}` is missing or not {}",
                    if *integer { "an integer" } else { "a string" }
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, headers: &[(&str, &str)], body: &str) -> ResponseData {
        let headers = headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        ResponseData::new(status, headers, body.as_bytes().to_vec())
    }

    #[test]
    fn a_500_fails_o13_and_a_well_formed_429_is_throttling() {
        let v = check_global("GET", &response(500, &[], "oops"));
        assert_eq!(v.failures[0].rule, "O13");
        let ok = r#"{"version":1,"currentRequests":11,"maxRequests":10,"periodInSeconds":1,"limitType":"Rolling"}"#;
        let v = check_global(
            "GET",
            &response(
                429,
                &[("Retry-After", "1"), ("Content-Type", "application/json")],
                ok,
            ),
        );
        assert!(v.failures.is_empty() && v.throttled.is_some());
        let v = check_global(
            "GET",
            &response(429, &[("Content-Type", "application/json")], "{}"),
        );
        assert_eq!(v.failures.len(), 2);
        assert!(v.failures.iter().all(|f| f.rule == "O11"));
        let v = check_global("GET", &response(503, &[], ""));
        assert_eq!(v.failures[0].rule, "O12");
        assert!(
            check_global("GET", &response(503, &[("Retry-After", "2")], ""))
                .failures
                .is_empty()
        );
    }

    #[test]
    fn an_unreadable_retry_after_fails_and_is_no_throttling() {
        let v = check_global("GET", &response(503, &[("Retry-After", "soon")], ""));
        assert_eq!(v.failures.len(), 1);
        assert_eq!(v.failures[0].rule, "O12");
        assert!(v.failures[0].message.contains("`soon`"));
        assert!(v.throttled.is_none());
        let v = check_global(
            "GET",
            &response(503, &[("Retry-After", "Fri, 31 Dec 1999 23:59:59 GMT")], ""),
        );
        assert!(v.failures.is_empty() && v.throttled.is_some());
    }

    #[test]
    fn a_429_to_head_needs_no_body() {
        let head_429 = response(429, &[("Retry-After", "1")], "");
        let v = check_global("HEAD", &head_429);
        assert!(v.failures.is_empty() && v.throttled.is_some());
        assert_eq!(check_global("GET", &head_429).failures.len(), 1);
    }
}
