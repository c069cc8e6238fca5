//! The thin layer next to the handler for the faults of the framework around it: the router and
//! the request parsers (`routing`) before the handler, the answer's rendering (`replies`) after
//! it. Unlike the outer layer (`faulty::layer`) it leaves the request's body to the handler, so
//! the handler still reads, caps and drains it as the contract wants.

use axum::extract::{Request, State};
use axum::http::header::CONNECTION;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

use super::super::dispatch::AppState;
use super::super::faults::Faults;
use super::super::request_body::{self, RequestBody};
use super::{replies, routing};

/// Whether any fault of this layer is planted.
pub(crate) fn planted(faults: Faults) -> bool {
    routing::FAULTS
        .iter()
        .chain(replies::FAULTS)
        .any(|f| faults.has(*f))
}

/// The middleware.
pub(crate) async fn layer(State(app): State<AppState>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    // The answer is rendered for the request as sent, whoever gives it.
    let asked = replies::Asked::of(&app, &parts);
    let response = match routing::refusal(app.faults, &parts) {
        Some(mut refused) => {
            // Read (or drain) the body first, as the handler does: replying while the client
            // is still sending would get the connection reset under the reply.
            if let RequestBody::TooLarge { drained: false } = request_body::read(body).await {
                refused
                    .headers_mut()
                    .insert(CONNECTION, HeaderValue::from_static("close"));
            }
            refused
        }
        None => {
            routing::rewrite(app.faults, &mut parts);
            next.run(Request::from_parts(parts, body)).await
        }
    };
    replies::after(app.faults, &asked, response).await
}
