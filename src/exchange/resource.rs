//! The contract's resources (R1–R5), read off a request's path: what the oracle needs to know of
//! any exchange — which session or handle it touched — whatever case sent it.

use std::borrow::Cow;

use super::path::percent_decode;

/// The resource a path (under the target's base path, query included or not) names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resource {
    /// `/handles/{id}/session` (R1, R2): the session of a handle. The id is lower-cased and
    /// decoded, as a GUID compares.
    SessionByHandle(String),
    /// `/serviceconfigs/{scid}/sessionTemplates/{template}/sessions/{name}` (R5).
    SessionByName(SessionKey),
    /// `/handles` (R3).
    Handles,
    /// `/handles/{id}` (R4), the id lower-cased and decoded.
    Handle(String),
    /// Anything else.
    Other,
}

/// A session's identity: SCID, template and name compared case-insensitively (CONTRACT §1).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SessionKey(String);

impl SessionKey {
    /// The session named by a handle's `sessionRef`.
    pub fn of(scid: &str, template: &str, name: &str) -> SessionKey {
        // Every answer's path is read as a resource: one allocation, not three, when ASCII.
        let mut key = String::with_capacity(scid.len() + template.len() + name.len() + 2);
        for (i, part) in [scid, template, name].into_iter().enumerate() {
            if i > 0 {
                key.push('/');
            }
            key.push_str(part);
        }
        if key.is_ascii() {
            key.make_ascii_lowercase();
            SessionKey(key)
        } else {
            SessionKey(key.to_lowercase())
        }
    }

    /// Whether the session's name is `name` (case-insensitively).
    pub fn named(&self, name: &str) -> bool {
        self.0
            .rsplit('/')
            .next()
            .is_some_and(|n| n.eq_ignore_ascii_case(name))
    }
}

impl Resource {
    /// The resource `path` names; `path` is relative to the base path, query allowed.
    pub fn of(path: &str) -> Resource {
        let path = path.split(['?', '#']).next().unwrap_or_default();
        // Every answer is read this way, several times: the first seven segments without a
        // vector (a seventh means the path is none of the resources), decoded only when escaped.
        let mut it = path.trim_start_matches('/').split('/');
        let segments = [(); 7].map(|()| it.next());
        let id = |s: &str| decoded(s).to_ascii_lowercase();
        match segments {
            [Some("handles"), None, ..] => Resource::Handles,
            [Some("handles"), Some(handle), None, ..] if !handle.is_empty() => {
                Resource::Handle(id(handle))
            }
            [Some("handles"), Some(handle), Some("session"), None, ..] if !handle.is_empty() => {
                Resource::SessionByHandle(id(handle))
            }
            [Some("serviceconfigs"), Some(scid), Some(templates), Some(template), Some("sessions"), Some(name), None]
                if templates.eq_ignore_ascii_case("sessiontemplates") =>
            {
                Resource::SessionByName(SessionKey::of(
                    &decoded(scid),
                    &decoded(template),
                    &decoded(name),
                ))
            }
            _ => Resource::Other,
        }
    }

    /// A session, by handle or by name.
    pub fn is_session(&self) -> bool {
        matches!(
            self,
            Resource::SessionByHandle(_) | Resource::SessionByName(_)
        )
    }
}

/// A path segment with its escapes decoded; borrowed when it has none.
fn decoded(s: &str) -> Cow<'_, str> {
    if s.contains('%') {
        Cow::Owned(percent_decode(s))
    } else {
        Cow::Borrowed(s)
    }
}

/// Whether a request with this method changes something, as far as HTTP says.
pub fn is_write(method: &str) -> bool {
    !matches!(method, "GET" | "HEAD" | "OPTIONS")
}

/// Whether a path asks for a write that stores nothing (`?nocommit=true`, B10).
pub fn is_nocommit(path: &str) -> bool {
    commit_of(path) == Commit::Nothing
}

/// What a write to a path stores, as its query asks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Commit {
    /// A plain write.
    Stores,
    /// `?nocommit=true` (B10): nothing.
    Nothing,
    /// Another spelling (`nocommit=1`, `NoCommit=true`): the contract leaves open whether it
    /// stores (B10's \[may\] form), so what the session holds after it is not known.
    Open,
}

/// What a write to `path` stores.
pub fn commit_of(path: &str) -> Commit {
    let Some((_, query)) = path.split_once('?') else {
        return Commit::Stores;
    };
    let mut commit = Commit::Stores;
    for pair in query.split('&') {
        let key = pair.split('=').next().unwrap_or_default();
        if pair == "nocommit=true" {
            return Commit::Nothing;
        }
        if key.to_ascii_lowercase().contains("nocommit") {
            commit = Commit::Open;
        }
    }
    commit
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_their_resources() {
        let h = "0f8e2b3a-1c4d-4e5f-8a9b-0c1d2e3f4a5b";
        assert_eq!(
            Resource::of(&format!("/handles/{}/session?x=1", h.to_uppercase())),
            Resource::SessionByHandle(h.into())
        );
        assert_eq!(Resource::of("/handles"), Resource::Handles);
        assert_eq!(
            Resource::of(&format!("/handles/{h}")),
            Resource::Handle(h.into())
        );
        let by_name = "/serviceconfigs/SCID/sessiontemplates/Lobby/sessions/Name%2dx?nocommit=true";
        assert_eq!(
            Resource::of(by_name),
            Resource::SessionByName(SessionKey::of("scid", "lobby", "name-x"))
        );
        assert_eq!(
            Resource::of("/serviceconfigs/s/sessionTemplates/t/sessions/n"),
            Resource::of("/serviceconfigs/S/SESSIONTEMPLATES/T/sessions/N")
        );
        assert_eq!(Resource::of("/handles/"), Resource::Other);
        assert_eq!(Resource::of("/handles/x/session/more"), Resource::Other);
        assert_eq!(Resource::of("/handles/x/other"), Resource::Other);
        assert_eq!(
            Resource::of("/serviceconfigs/s/sessionTemplates/t/sessions/n/members"),
            Resource::Other
        );
        assert_eq!(
            Resource::of("/serviceconfigs/s/sessionTemplates/t/sessions"),
            Resource::Other
        );
        assert_eq!(
            Resource::of("/handles/%C3%89T%C3%89?x"),
            Resource::Handle("ÉtÉ".to_ascii_lowercase())
        );
        assert_eq!(
            SessionKey::of("S", "Été", "N"),
            SessionKey("s/été/n".to_string())
        );
        assert_eq!(Resource::of("/other"), Resource::Other);
        assert!(SessionKey::of("s", "t", "Mpsdc-1").named("mpsdc-1"));
    }

    #[test]
    fn nocommit_is_read_off_the_query() {
        assert!(is_nocommit("/handles/x/session?nocommit=true"));
        assert!(is_nocommit("/a?b=1&nocommit=true"));
        assert!(!is_nocommit("/a?NoCommit=TRUE"));
        assert!(!is_nocommit("/a?nocommit=1"));
        assert!(!is_nocommit("/nocommit=true"));
        assert_eq!(commit_of("/a?nocommit=1"), Commit::Open);
        assert_eq!(commit_of("/a?x=1&NoCommit=true"), Commit::Open);
        assert_eq!(commit_of("/a?x=1"), Commit::Stores);
        assert_eq!(commit_of("/a"), Commit::Stores);
    }
}
