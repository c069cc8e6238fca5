//! The reachability probe: one request before the first case, so an unreachable target is one
//! clear message, not a hundred errors.

use crate::exchange::{RequestData, TransportError};

use super::context::RunContext;

/// Any HTTP answer means reachable; only a transport failure does not. It carries the suite's
/// headers and the `--header`s, no caller's Authorization.
pub async fn probe(ctx: &RunContext) -> Result<(), TransportError> {
    let request = RequestData {
        method: "GET".into(),
        url: format!(
            "{}/handles/00000000-0000-0000-0000-000000000000/session",
            ctx.base_url
        ),
        headers: ctx.headers.build(false, None),
        ..RequestData::default()
    };
    match ctx.client.send(&request).await.0 {
        Ok(_) => Ok(()),
        Err(TransportError::BodyTooLarge(_)) => Ok(()),
        Err(e) => Err(e),
    }
}
