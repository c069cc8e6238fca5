//! An exchange as a run keeps it: bodies cut to what reports show, so memory does not grow with
//! what a target sends.

use std::time::Duration;

use bytes::Bytes;

use super::error::TransportError;
use super::message::{RequestData, ResponseData};
use super::redact::Redactor;

/// The most of a body that is kept (DESIGN.md: reports cut bodies over 64 KiB).
pub const BODY_LIMIT: usize = 64 * 1024;

#[derive(Clone, Debug)]
pub struct Exchange {
    /// The step's label.
    pub step: String,
    pub request: RequestData,
    pub response: Option<ResponseData>,
    pub error: Option<TransportError>,
    pub duration: Duration,
}

impl Exchange {
    /// The exchange as kept, whatever reports will keep of it: each body redacted and cut to
    /// `BODY_LIMIT` (once, here), the response's parsed JSON dropped. Memory does not grow with
    /// what a target sends.
    pub fn record(
        step: String,
        mut request: RequestData,
        response: Option<ResponseData>,
        error: Option<TransportError>,
        duration: Duration,
        redactor: &Redactor,
    ) -> Exchange {
        let (body, truncated) = kept(&request.body, redactor);
        request.body = body;
        request.truncated |= truncated;
        let response = response.map(|r| {
            let (body, truncated) = kept(&r.body, redactor);
            let mut kept = ResponseData::new(r.status, r.headers, body);
            kept.truncated = r.truncated || truncated;
            kept
        });
        Exchange {
            step,
            request,
            response,
            error,
            duration,
        }
    }
}

/// A body as kept: redacted, then cut; and whether it was cut.
fn kept(body: &Bytes, redactor: &Redactor) -> (Bytes, bool) {
    // Only what is kept is searched, with room for a secret that starts before the cut and ends
    // after it (so no prefix of it is left behind).
    let (window, _) = body.split_at(body.len().min(BODY_LIMIT + redactor.longest()));
    match redactor.redacted(window) {
        None => cut(body),
        Some(mut redacted) => {
            let truncated = window.len() < body.len() || redacted.len() > BODY_LIMIT;
            redacted.truncate(BODY_LIMIT);
            (Bytes::from(redacted), truncated)
        }
    }
}

/// At most `BODY_LIMIT` bytes of `body`, and whether it was cut. A longer body's first bytes are
/// copied, so the large buffer can be freed (a slice would keep all of it alive).
pub fn cut(body: &Bytes) -> (Bytes, bool) {
    if body.len() <= BODY_LIMIT {
        (body.clone(), false)
    } else {
        (Bytes::copy_from_slice(body.split_at(BODY_LIMIT).0), true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_bodies_are_cut_and_short_ones_shared() {
        let short = Bytes::from_static(b"{}");
        let (kept, cut_short) = cut(&short);
        assert!(!cut_short);
        assert_eq!(kept.as_ptr(), short.as_ptr(), "a short body is not copied");
        let long = Bytes::from(vec![b'x'; BODY_LIMIT * 3]);
        let (kept, cut_long) = cut(&long);
        assert!(cut_long);
        assert_eq!(kept.len(), BODY_LIMIT);
        assert_ne!(
            kept.as_ptr(),
            long.as_ptr(),
            "a long body's prefix is copied"
        );
        let e = Exchange::record(
            "s".into(),
            RequestData {
                body: long.clone(),
                ..RequestData::default()
            },
            Some(ResponseData::new(200, vec![], long)),
            None,
            Duration::ZERO,
            &Redactor::default(),
        );
        assert!(e.request.truncated && e.request.body.len() == BODY_LIMIT);
        let response = e.response.as_ref().map(|r| (r.truncated, r.body.len()));
        assert_eq!(response, Some((true, BODY_LIMIT)));
    }

    #[test]
    fn bodies_are_redacted_when_recorded_even_across_the_cut() {
        let secret = "a-secret-token-value";
        let redactor = Redactor::new([secret.to_string()]);
        let mut long = vec![b'x'; BODY_LIMIT - 5];
        long.extend_from_slice(secret.as_bytes());
        long.extend(vec![b'y'; 1000]);
        let short = format!("{{\"echo\": \"{secret}\"}}");
        let e = Exchange::record(
            "s".into(),
            RequestData {
                body: Bytes::from(short),
                ..RequestData::default()
            },
            Some(ResponseData::new(200, vec![], long)),
            None,
            Duration::ZERO,
            &redactor,
        );
        assert_eq!(&e.request.body[..], b"{\"echo\": \"[REDACTED]\"}");
        assert!(!e.request.truncated);
        let body = e
            .response
            .as_ref()
            .map(|r| r.body.clone())
            .unwrap_or_default();
        assert_eq!(body.len(), BODY_LIMIT);
        assert!(body.ends_with(b"x[REDA"), "no prefix of the secret is left");
        assert!(e.response.as_ref().is_some_and(|r| r.truncated));
    }
}
