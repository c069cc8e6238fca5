//! Faults of a write path that leaves the session's lock between loading and saving, as a vendor
//! whose sessions live in a remote database writes it: load, judge, merge, save, each store call
//! a round trip. What they break shows only when two requests meet: a lost update, two winners of
//! one ETag or of one create, two joiners with one index, a state read half-published, a
//! `nocommit` undone over someone else's write.
//!
//! The healthy write runs `write::execute` on the slot under the session's lock
//! (`Store::with_session`): check and change are one step.

use std::time::Duration;

use super::super::errors::Reject;
use super::super::faults::{Fault, Faults};
use super::super::headers::Preconditions;
use super::super::render_rules::RenderRules;
use super::super::session::{Bag, Session};
use super::super::store::{SessionKey, Store};
use super::super::write::{self, WriteInput, WriteOutcome};

/// The faults of this module.
pub(crate) const FAULTS: &[Fault] = &[
    Fault::LostUpdate,
    Fault::IfMatchBeforeLock,
    Fault::IfNoneMatchBeforeLock,
    Fault::CreatedFromSnapshot,
    Fault::JoinIndexFromSnapshot,
    Fault::PartialPublish,
    Fault::NocommitRollback,
];

/// A store call to a database a few milliseconds away.
const ROUND_TRIP: Duration = Duration::from_millis(3);

pub(crate) fn planted(faults: Faults) -> bool {
    FAULTS.iter().any(|f| faults.has(*f))
}

async fn round_trip() {
    tokio::time::sleep(ROUND_TRIP).await;
}

fn load(store: &Store, key: &SessionKey) -> Option<Session> {
    store.read_session(key, |s| s.cloned())
}

/// One write to the session `key`, by the faulty path.
pub(crate) async fn write(
    store: &Store,
    key: &SessionKey,
    input: WriteInput<'_>,
) -> Result<WriteOutcome, Reject> {
    let faults = input.faults;
    if faults.has(Fault::LostUpdate) {
        // Load, merge on the copy, save the copy: whatever was saved in between is overwritten.
        let mut copy = load(store, key);
        round_trip().await;
        let outcome = write::execute(&mut copy, input)?;
        if !input.nocommit {
            round_trip().await;
            store.with_session(key, |slot| *slot = copy);
        }
        return Ok(outcome);
    }
    if faults.has(Fault::IfMatchBeforeLock) || faults.has(Fault::IfNoneMatchBeforeLock) {
        // A validation step judges the preconditions on the session as loaded; the write that
        // follows under the lock no longer looks at them.
        let mut loaded = load(store, key);
        let (checked, rest) = split_preconditions(input.preconditions, faults);
        let judged = WriteInput {
            preconditions: &checked,
            nocommit: true,
            ..input
        };
        match write::execute(&mut loaded, judged) {
            Ok(WriteOutcome::Stale { .. }) | Err(_) => {
                return store.with_session(key, |slot| write::execute(slot, input))
            }
            Ok(_) => {}
        }
        round_trip().await;
        let unchecked = WriteInput {
            preconditions: &rest,
            ..input
        };
        return store.with_session(key, |slot| write::execute(slot, unchecked));
    }
    if faults.has(Fault::CreatedFromSnapshot) {
        let existed = store.read_session(key, |s| s.is_some());
        round_trip().await;
        let outcome = store.with_session(key, |slot| write::execute(slot, input))?;
        return Ok(match outcome {
            WriteOutcome::Session { document, etag, .. } => WriteOutcome::Session {
                created: !existed,
                document,
                etag,
            },
            other => other,
        });
    }
    if faults.has(Fault::JoinIndexFromSnapshot) {
        // The index is allocated from the loaded copy; the insert keyed by it replaces whoever
        // took that index in between.
        let allocated = store.read_session(key, |s| s.map(|s| s.content.next_index));
        round_trip().await;
        return store.with_session(key, |slot| {
            if let (Some(session), Some(index)) = (slot.as_mut(), allocated) {
                session.content.next_index = index.min(session.content.next_index);
            }
            write::execute(slot, input)
        });
    }
    if faults.has(Fault::NocommitRollback) && input.nocommit {
        // The dry run is a real write and a restore of the copy loaded before it.
        let before = load(store, key);
        let real = WriteInput {
            nocommit: false,
            ..input
        };
        let outcome = store.with_session(key, |slot| write::execute(slot, real))?;
        round_trip().await;
        store.with_session(key, |slot| *slot = before);
        return Ok(outcome);
    }
    if faults.has(Fault::PartialPublish) && !input.nocommit {
        return partial_publish(store, key, input).await;
    }
    store.with_session(key, |slot| write::execute(slot, input))
}

/// The preconditions the faulty validation step judges, and what the write keeps.
fn split_preconditions(all: &Preconditions, faults: Faults) -> (Preconditions, Preconditions) {
    let mut checked = Preconditions::default();
    let mut rest = all.clone();
    if faults.has(Fault::IfMatchBeforeLock) {
        checked.if_match = rest.if_match.take();
    }
    if faults.has(Fault::IfNoneMatchBeforeLock) {
        checked.if_none_match = rest.if_none_match.take();
    }
    (checked, rest)
}

/// Members saved in one store call, their properties in the next.
async fn partial_publish(
    store: &Store,
    key: &SessionKey,
    input: WriteInput<'_>,
) -> Result<WriteOutcome, Reject> {
    let faults = input.faults;
    let (outcome, full) = store.with_session(key, |slot| {
        let before = slot.clone();
        let outcome = write::execute(slot, input)?;
        let (Some(before), Some(after)) = (before, slot.as_mut()) else {
            return Ok((outcome, None));
        };
        if before.content.members == after.content.members {
            return Ok((outcome, None));
        }
        // The first call stores each member with the properties it had (none for a newcomer).
        let full = after.clone();
        let mut partial = after.content.clone();
        for (index, member) in partial.members.iter_mut() {
            member.properties = before
                .content
                .members
                .get(index)
                .map(|m| m.properties.clone())
                .unwrap_or_else(Bag::default);
        }
        after.content = partial;
        after.render(RenderRules::of(faults));
        Ok((outcome, Some(full)))
    })?;
    if let Some(full) = full {
        round_trip().await;
        store.with_session(key, |slot| {
            if let Some(session) = slot.as_mut() {
                for (index, member) in &full.content.members {
                    if let Some(stored) = session.content.members.get_mut(index) {
                        stored.properties = member.properties.clone();
                    }
                }
                session.render(RenderRules::of(faults));
            }
        });
    }
    Ok(outcome)
}
