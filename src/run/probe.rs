//! The reachability probe: one request before the first case, so an unreachable target is one
//! clear message, not a hundred errors.

use crate::http::{HttpClient, RequestData, TransportError};

/// Any HTTP answer means reachable; only a transport failure does not.
pub async fn probe(
    client: &HttpClient,
    base_url: &str,
    headers: &[(String, String)],
) -> Result<(), TransportError> {
    let request = RequestData {
        method: "GET".into(),
        url: format!("{base_url}/handles/00000000-0000-0000-0000-000000000000/session"),
        headers: headers.to_vec(),
        body: Vec::new(),
    };
    match client.send(&request).await.0 {
        Ok(_) => Ok(()),
        Err(TransportError::BodyTooLarge(_)) => Ok(()),
        Err(e) => Err(e),
    }
}
