//! An exchange as a run keeps it: bodies cut to what reports show, so memory does not grow with
//! what a target sends.

use std::time::Duration;

use bytes::Bytes;

use super::error::TransportError;
use super::message::{RequestData, ResponseData};

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
    /// The exchange as kept: each body cut to `BODY_LIMIT`, the response's parsed JSON dropped.
    pub fn record(
        step: String,
        mut request: RequestData,
        response: Option<ResponseData>,
        error: Option<TransportError>,
        duration: Duration,
    ) -> Exchange {
        let (body, truncated) = cut(&request.body);
        request.body = body;
        request.truncated |= truncated;
        let response = response.map(|r| {
            let (body, truncated) = cut(&r.body);
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

/// At most `BODY_LIMIT` bytes of `body`, and whether it was cut. A longer body's first bytes are
/// copied, so the large buffer can be freed (a slice would keep all of it alive).
pub fn cut(body: &Bytes) -> (Bytes, bool) {
    if body.len() <= BODY_LIMIT {
        (body.clone(), false)
    } else {
        (Bytes::copy_from_slice(&body[..BODY_LIMIT]), true)
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
        );
        assert!(e.request.truncated && e.request.body.len() == BODY_LIMIT);
        let response = e.response.as_ref().map(|r| (r.truncated, r.body.len()));
        assert_eq!(response, Some((true, BODY_LIMIT)));
    }
}
