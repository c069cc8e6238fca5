//! The faults that live around a correct core, in two layers. The outer one (`layer`, with
//! `requests`, `answers`, `ledger`, `lifecycle`) holds the request's whole body and rewrites a
//! request on its way in, refuses it at the edge, rewrites the answer on its way out, or writes
//! to the store beside the handler — as a vendor's middleware, serializer and caching code do.
//! The inner one (`edges`, with `routing` and `replies`) is the framework next to the handler:
//! its router and parsers, and how it renders an answer. The contract logic (`dispatch`,
//! `write`) knows nothing of either. A layer is only mounted when one of its faults is planted,
//! so a healthy server pays nothing for it.

mod answers;
pub(crate) mod edges;
mod ledger;
mod lifecycle;
pub(crate) mod racy;
mod replies;
mod requests;
mod routing;
mod strings;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::{self, Body, Bytes};
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

use super::dispatch::{App, AppState};
use super::faults::{Fault, Faults};
use super::route::{self, Route};
use super::store::SessionKey;
use super::world;

/// The faults of this layer.
pub(crate) const FAULTS: &[Fault] = &[
    Fault::RefusedWriteBumpsVersion,
    Fault::RefusedWriteKeepsProperties,
    Fault::StaleWriteStored,
    Fault::RefusedCreateLeavesSession,
    Fault::UnknownFieldAcceptedOnCreate,
    Fault::ReadyActiveUncheckedOnCreate,
    Fault::IndexWriteIgnoredByName,
    Fault::ReadByNameCached,
    Fault::ReadByHandleWithoutMembersInfo,
    Fault::ConstantsDroppedViaHandle,
    Fault::TopLevelNull500,
    Fault::LenientJsonLiterals,
    Fault::ReservationShorthand,
    Fault::MemberSystemWrongType500,
    Fault::NonDecimalUserhash500,
    Fault::ByteOrderMark500,
    Fault::ChunkedBodyDropped,
    Fault::StringsLatin1,
    Fault::NulTruncatesStrings,
    Fault::DeepNesting500,
    Fault::EscapedPairsSplit,
    Fault::BidiControlsStripped,
    Fault::MediaTypeCaseSensitive,
    Fault::LastContractHeaderWins,
    Fault::ExpectContinueRefused,
    Fault::Http10Refused,
    Fault::InviteReadWithoutInvitedXuid,
    Fault::DeletedSessionServedByHandle,
    Fault::EmptyPersistentHiddenByName,
    Fault::TwoAuthorizations500,
    Fault::NewerContract500,
];

/// Whether any fault of this layer is planted.
pub(crate) fn planted(faults: Faults) -> bool {
    FAULTS
        .iter()
        .chain(ledger::FAULTS)
        .chain(lifecycle::FAULTS)
        .any(|f| faults.has(*f))
}

/// The layer's state: the app (its store and faults), and what some faults keep beside it.
pub(crate) struct Faulty {
    pub app: AppState,
    /// Answers by route (by name or not) and session, as a read cache keeps them.
    cache: Mutex<HashMap<(bool, SessionKey), Cached>>,
    /// `membersInfo` and links as a projection (`ledger`).
    ledgers: Mutex<HashMap<SessionKey, ledger::Ledger>>,
    /// What outlives a delete (`lifecycle`).
    memory: Mutex<Memory>,
}

/// What the lifecycle faults keep past a delete.
#[derive(Default)]
pub(crate) struct Memory {
    /// A deleted session's custom properties.
    tombstones: HashMap<SessionKey, serde_json::Map<String, serde_json::Value>>,
    /// A member's custom properties after they left, by session and xuid.
    departed: HashMap<(SessionKey, String), serde_json::Map<String, serde_json::Value>>,
    /// Ids of deleted handles, to be handed out again.
    id_pool: Vec<String>,
    /// The write path's cache of which session a handle names; a delete does not clear it.
    resolved: HashMap<String, SessionKey>,
}

/// A cached answer.
#[derive(Clone)]
pub(crate) struct Cached {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Cached {
    fn response(&self) -> Response {
        let mut response = Response::new(Body::from(self.body.clone()));
        *response.status_mut() = self.status;
        *response.headers_mut() = self.headers.clone();
        response
    }
}

impl Faulty {
    pub fn new(app: AppState) -> Faulty {
        Faulty {
            app,
            cache: Mutex::new(HashMap::new()),
            ledgers: Mutex::new(HashMap::new()),
            memory: Mutex::new(Memory::default()),
        }
    }

    fn ledgers(&self) -> std::sync::MutexGuard<'_, HashMap<SessionKey, ledger::Ledger>> {
        self.ledgers.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn memory(&self) -> std::sync::MutexGuard<'_, Memory> {
        self.memory.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn has(&self, fault: Fault) -> bool {
        self.app.faults.has(fault)
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, HashMap<(bool, SessionKey), Cached>> {
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A request as the layer sees it: its head, and its whole body.
pub(crate) struct Incoming {
    pub parts: Parts,
    pub body: Bytes,
}

impl Incoming {
    fn request(&self) -> Request {
        let mut parts = self.parts.clone();
        parts.headers.remove(axum::http::header::CONTENT_LENGTH);
        parts.headers.remove(axum::http::header::TRANSFER_ENCODING);
        Request::from_parts(parts, Body::from(self.body.clone()))
    }

    /// The session the request addresses, by name or through a handle it names.
    fn session(&self, app: &AppState) -> Option<SessionKey> {
        session_of(app, self.parts.uri.path())
    }

    fn is_session_write(&self) -> bool {
        self.parts.method == axum::http::Method::PUT
            && matches!(
                Route::parse(self.parts.uri.path()),
                Some(Route::SessionByName { .. } | Route::HandleSession(_))
            )
    }
}

/// The session `path` addresses, by name or through a handle it names.
fn session_of(app: &App, path: &str) -> Option<SessionKey> {
    match Route::parse(path)? {
        Route::SessionByName {
            scid,
            template,
            name,
        } => {
            let (scid, template, name) = (
                route::percent_decode(scid)?,
                route::percent_decode(template)?,
                route::percent_decode(name)?,
            );
            let template = world::template(&scid, &template)?;
            Some(SessionKey::new(&scid, template.name, &name))
        }
        Route::HandleSession(id) => {
            let id = route::percent_decode(id)?.to_ascii_lowercase();
            app.store.handle(&id).map(|h| h.session.clone())
        }
        _ => None,
    }
}

/// The middleware.
pub(crate) async fn layer(
    State(faulty): State<Arc<Faulty>>,
    request: Request,
    next: Next,
) -> Response {
    let (parts, body) = request.into_parts();
    // Twice the server's own limit: what is over it still reaches the handler's 413.
    let Ok(body) = body::to_bytes(body, 2 * super::request_body::MAX_BODY).await else {
        return super::errors::text(
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            "the request body is over the limit".into(),
        );
    };
    let mut incoming = Incoming { parts, body };
    let before = lifecycle::before(&faulty, &mut incoming);
    let existed = incoming
        .session(&faulty.app)
        .map(|key| faulty.app.store.read_session(&key, |s| s.is_some()));
    if let Some(refused) = requests::before(&faulty, &mut incoming, existed) {
        return refused;
    }
    if let Some(cached) = answers::cached(&faulty, &incoming) {
        return cached;
    }
    let response = next.run(incoming.request()).await;
    let response = answers::after(&faulty, &incoming, existed, response).await;
    let response = lifecycle::after(&faulty, &incoming, before, response).await;
    ledger::after(&faulty, &incoming, response).await
}
