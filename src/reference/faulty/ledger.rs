//! Faults of `membersInfo` and the member list kept as a projection — counters and links updated
//! event by event (a member added, a reservation taken up, a member gone) — instead of derived
//! from the members each time, as a vendor does to save a scan. Each event handler misses one
//! case. Every session document the server answers with is rewritten from the projection.

use std::collections::BTreeMap;

use axum::body::{self, Body};
use axum::http::header::CONTENT_LENGTH;
use axum::http::Method;
use axum::response::Response;
use serde_json::{json, Value};

use super::super::faults::Fault;
use super::super::route::{self, Route};
use super::{Faulty, Incoming};

/// The faults of this module.
pub(super) const FAULTS: &[Fault] = &[
    Fault::NextNotRelinkedOnLeave,
    Fault::FirstNotMovedOnLeave,
    Fault::CountBumpedOnReservedJoin,
    Fault::AcceptedMissedOnReservedJoin,
];

/// The projection of one session.
#[derive(Default)]
pub(crate) struct Ledger {
    /// The members as last seen: index → reserved.
    members: BTreeMap<u32, bool>,
    /// Each member's `next`, set when a member joins after it.
    links: BTreeMap<u32, u32>,
    first: Option<u32>,
    count: usize,
    accepted: usize,
}

impl Ledger {
    /// Folds the stored members into the projection, event by event.
    fn update(&mut self, stored: &BTreeMap<u32, bool>, next_index: u32) {
        for (&index, &reserved) in stored {
            match self.members.get(&index).copied() {
                None => {
                    if self.members.is_empty() {
                        self.first = Some(index);
                    }
                    if let Some((&last, _)) = self.members.iter().next_back() {
                        self.links.insert(last, index);
                    }
                    self.links.insert(index, next_index);
                    self.count += 1;
                    if !reserved {
                        self.accepted += 1;
                    }
                    self.members.insert(index, reserved);
                }
                Some(true) if !reserved => {
                    // A reservation taken up is handled as a join, which counts a member.
                    self.count += 1;
                    self.members.insert(index, false);
                }
                _ => {}
            }
        }
        let gone: Vec<(u32, bool)> = self
            .members
            .iter()
            .filter(|(i, _)| !stored.contains_key(i))
            .map(|(i, r)| (*i, *r))
            .collect();
        for (index, reserved) in gone {
            self.links.remove(&index);
            self.count = self.count.saturating_sub(1);
            if !reserved {
                self.accepted = self.accepted.saturating_sub(1);
            }
            self.members.remove(&index);
        }
    }
}

/// What the projection shows of a session, copied out of the lock.
struct Shown {
    links: BTreeMap<u32, u32>,
    first: Option<u32>,
    count: usize,
    accepted: usize,
}

pub(super) async fn after(faulty: &Faulty, incoming: &Incoming, response: Response) -> Response {
    if !FAULTS.iter().any(|f| faulty.has(*f)) {
        return response;
    }
    if !matches!(
        Route::parse(incoming.parts.uri.path()),
        Some(Route::HandleSession(_) | Route::SessionByName { .. })
    ) {
        return response;
    }
    // A nocommit answer shows what would be; the projection follows what is stored.
    let nocommit =
        incoming.parts.method == Method::PUT && route::is_nocommit(incoming.parts.uri.query());
    let Some(key) = incoming.session(&faulty.app) else {
        return response;
    };
    let stored = faulty.app.store.read_session(&key, |s| {
        s.map(|s| {
            let members: BTreeMap<u32, bool> = s
                .content
                .members
                .iter()
                .map(|(i, m)| (*i, m.reserved))
                .collect();
            (members, s.content.next_index)
        })
    });
    let ledger = {
        let mut ledgers = faulty.ledgers();
        let Some((members, next_index)) = stored else {
            ledgers.remove(&key);
            return response;
        };
        let ledger = ledgers.entry(key).or_default();
        ledger.update(&members, next_index);
        Shown {
            links: ledger.links.clone(),
            first: ledger.first,
            count: ledger.count,
            accepted: ledger.accepted,
        }
    };
    let is_json = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if nocommit || !is_json {
        return response;
    }
    let (mut parts, inner) = response.into_parts();
    let Ok(document) = body::to_bytes(inner, usize::MAX).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let Ok(Value::Object(mut doc)) = serde_json::from_slice::<Value>(&document) else {
        return Response::from_parts(parts, Body::from(document));
    };
    if faulty.has(Fault::NextNotRelinkedOnLeave) {
        if let Some(Value::Object(list)) = doc.get_mut("members") {
            for (index, member) in list.iter_mut() {
                let link = index.parse::<u32>().ok().and_then(|i| ledger.links.get(&i));
                if let (Some(link), Value::Object(member)) = (link, member) {
                    member.insert("next".into(), json!(link));
                }
            }
        }
    }
    if let Some(Value::Object(info)) = doc.get_mut("membersInfo") {
        if let (true, Some(first)) = (faulty.has(Fault::FirstNotMovedOnLeave), ledger.first) {
            info.insert("first".into(), json!(first));
        }
        if faulty.has(Fault::CountBumpedOnReservedJoin) {
            info.insert("count".into(), json!(ledger.count));
        }
        if faulty.has(Fault::AcceptedMissedOnReservedJoin) {
            info.insert("accepted".into(), json!(ledger.accepted));
        }
    }
    parts.headers.remove(CONTENT_LENGTH);
    match serde_json::to_vec(&doc) {
        Ok(bytes) => Response::from_parts(parts, Body::from(bytes)),
        Err(_) => Response::from_parts(parts, Body::from(document)),
    }
}
