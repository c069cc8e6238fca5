//! The stored session and its document (SH1, SH2).

use std::collections::BTreeMap;
use std::fmt::Display;
use std::time::SystemTime;

use axum::body::Bytes;
use serde::ser::{Serialize, SerializeMap, SerializeStruct, Serializer};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::render_rules::RenderRules;
use super::world::Template;

/// The `system` and `custom` objects of `constants` or `properties`.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Bag {
    pub system: Map<String, Value>,
    pub custom: Map<String, Value>,
}

/// A bag as the document shows it.
struct BagDocument<'a>(&'a Bag, RenderRules);

impl Serialize for BagDocument<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (b, rules) = (self.0, self.1);
        let mut bag = serializer.serialize_struct("Bag", 2)?;
        bag.serialize_field("system", &b.system)?;
        // `skip_serializing_if = "Map::is_empty"` on a field the contract requires.
        if !rules.empty_custom_shown && b.custom.is_empty() {
            bag.skip_field("custom")?;
        } else {
            bag.serialize_field("custom", &b.custom)?;
        }
        bag.end()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Member {
    pub xuid: String,
    /// Reserved (B6) and not yet joined: counts in `membersInfo.count`, not in `accepted`.
    pub reserved: bool,
    /// `system` always holds `xuid` and `index`, set when the member is added.
    pub constants: Bag,
    pub properties: Bag,
}

/// What a write can change. Comparing it before and after a write is how O15 keeps the ETag and
/// `changeNumber` of a write that changes nothing.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Content {
    pub constants: Bag,
    pub properties: Bag,
    pub members: BTreeMap<u32, Member>,
    /// The index the next member gets; indexes are never reused within a branch.
    pub next_index: u32,
    pub servers: Map<String, Value>,
}

impl Content {
    pub fn member_by_xuid(&self, xuid: &str) -> Option<u32> {
        self.members
            .iter()
            .find(|(_, m)| m.xuid == xuid)
            .map(|(i, _)| *i)
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub branch: Uuid,
    pub change_number: u64,
    pub correlation_id: Uuid,
    pub start_time: SystemTime,
    pub content: Content,
    /// The document and ETag of the current state, rendered once per stored change so that
    /// reads are a copy.
    pub document: Bytes,
    pub etag: String,
}

impl Session {
    /// A session as a template starts it, rendered (the tests' starting point; a write starts
    /// from [`Session::unrendered`]).
    #[cfg(test)]
    pub fn new(template: &Template) -> Self {
        let mut session = Self::unrendered(template);
        // Every stored session is rendered again, by the server's rules, once its content is set.
        session.render(RenderRules::of(super::faults::Faults::none()));
        session
    }

    /// A session as a template starts it, before the creating write is applied: without its
    /// document and ETag, for the write sets the content and renders once (rendering is most of
    /// what a write costs the server).
    pub fn unrendered(template: &Template) -> Self {
        let content = Content {
            constants: Bag {
                system: template.system_constants(),
                custom: Map::new(),
            },
            properties: Bag::default(),
            members: BTreeMap::new(),
            next_index: 0,
            servers: Map::new(),
        };
        Self {
            branch: Uuid::new_v4(),
            change_number: 1,
            correlation_id: Uuid::new_v4(),
            start_time: SystemTime::now(),
            content,
            document: Bytes::new(),
            etag: String::new(),
        }
    }

    /// This session with other content, not yet re-rendered. Unlike `clone()` and then assigning
    /// `content`, it never copies the content that would be thrown away.
    pub fn with_content(&self, content: Content) -> Self {
        Self {
            branch: self.branch,
            change_number: self.change_number,
            correlation_id: self.correlation_id,
            start_time: self.start_time,
            content,
            document: self.document.clone(),
            etag: self.etag.clone(),
        }
    }

    /// Re-renders the document and ETag after `content` or `change_number` changed.
    pub fn render(&mut self, rules: RenderRules) {
        // Written straight from the session: building a `serde_json::Value` tree first (and
        // dropping it) cost more than the rest of a write.
        let mut document = Vec::with_capacity(self.document.len() + 128);
        if serde_json::to_writer(&mut document, &Document(self, rules)).is_err() {
            document.clear();
        }
        self.etag = if rules.etag_of_members_only {
            // The tag was meant to change "when someone joins or leaves".
            let members = serde_json::to_vec(&Members(&self.content, rules)).unwrap_or_default();
            etag_of(&members)
        } else {
            etag_of(&document)
        };
        self.document = Bytes::from(document);
    }
}

/// The session as SH1 shows it; keys in the order clients see them.
struct Document<'a>(&'a Session, RenderRules);

impl Serialize for Document<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (session, rules) = (self.0, self.1);
        let c = &session.content;
        let mut doc = serializer.serialize_struct("Session", 10)?;
        doc.serialize_field("contractVersion", &107)?;
        doc.serialize_field("branch", &Text(session.branch))?;
        doc.serialize_field("changeNumber", &session.change_number)?;
        doc.serialize_field("correlationId", &Text(session.correlation_id))?;
        let start_time = humantime::format_rfc3339_millis(session.start_time);
        doc.serialize_field("startTime", &Text(start_time))?;
        doc.serialize_field("constants", &BagDocument(&c.constants, rules))?;
        doc.serialize_field("properties", &BagDocument(&c.properties, rules))?;
        if !rules.empty_members_shown && c.members.is_empty() {
            doc.skip_field("members")?;
        } else {
            doc.serialize_field("members", &Members(c, rules))?;
        }
        doc.serialize_field("membersInfo", &MembersInfo(c, rules))?;
        doc.serialize_field("servers", &c.servers)?;
        doc.end()
    }
}

/// `members`, keyed by index; each links to the next index (or `membersInfo.next`).
struct Members<'a>(&'a Content, RenderRules);

impl Serialize for Members<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (c, rules) = (self.0, self.1);
        let mut members = serializer.serialize_map(Some(c.members.len()))?;
        let mut entries = c.members.iter().peekable();
        while let Some((index, member)) = entries.next() {
            let next = if rules.next_is_index_plus_one {
                index.saturating_add(1)
            } else {
                entries.peek().map_or(c.next_index, |(i, _)| **i)
            };
            let member = MemberDocument {
                member,
                next,
                rules,
            };
            members.serialize_entry(index, &member)?;
        }
        members.end()
    }
}

struct MemberDocument<'a> {
    member: &'a Member,
    next: u32,
    rules: RenderRules,
}

impl Serialize for MemberDocument<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let m = self.member;
        let mut member = serializer.serialize_struct("Member", 4)?;
        member.serialize_field("next", &self.next)?;
        member.serialize_field("constants", &BagDocument(&m.constants, self.rules))?;
        member.serialize_field("properties", &BagDocument(&m.properties, self.rules))?;
        if m.reserved {
            member.serialize_field("reserved", &true)?;
        }
        member.end()
    }
}

struct MembersInfo<'a>(&'a Content, RenderRules);

impl Serialize for MembersInfo<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let c = self.0;
        let accepted = if self.1.accepted_without_reserved {
            c.members.values().filter(|m| !m.reserved).count()
        } else {
            c.members.len()
        };
        let first = c.members.keys().next().copied().unwrap_or(c.next_index);
        let mut info = serializer.serialize_struct("MembersInfo", 4)?;
        info.serialize_field("first", &first)?;
        info.serialize_field("next", &c.next_index)?;
        info.serialize_field("count", &c.members.len())?;
        info.serialize_field("accepted", &accepted)?;
        info.end()
    }
}

/// A value written as a JSON string through its `Display`, without an intermediate `String`.
struct Text<T>(T);

impl<T: Display> Serialize for Text<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

/// Opaque, and derived from the whole document (branch and changeNumber included), so two
/// different states never share an ETag — not even a `nocommit` preview and a later real write.
fn etag_of(document: &[u8]) -> String {
    let digest = Sha256::digest(document);
    let mut out = String::with_capacity(34);
    out.push('"');
    // Digit by digit, not through `write!` (which cost as much as the hash, once per render).
    let digit = |n: u8| char::from_digit(u32::from(n), 16).unwrap_or('0');
    for b in digest.iter().take(16) {
        out.push(digit(b >> 4));
        out.push(digit(b & 0x0f));
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::faults::Faults;
    use crate::reference::world;
    use serde_json::json;

    #[test]
    fn the_etag_is_the_first_half_of_the_documents_sha256_in_lower_case_hex() {
        for document in [&b""[..], b"{}", b"{\"contractVersion\":107}"] {
            let digest = Sha256::digest(document);
            let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
            assert_eq!(etag_of(document), format!("\"{hex}\""));
        }
    }

    fn doc(s: &Session) -> Value {
        serde_json::from_slice(&s.document).unwrap_or(Value::Null)
    }

    #[test]
    fn new_session_has_the_sh1_shape() {
        let Some(t) = world::template(world::SCID, "lobby") else {
            panic!("lobby template missing")
        };
        let s = Session::new(t);
        let d = doc(&s);
        assert_eq!(d["contractVersion"], 107);
        assert_eq!(d["constants"]["system"]["maxMembersCount"], 8);
        assert!(d["properties"]["custom"].is_object());
        assert_eq!(d["membersInfo"]["count"], 0);
        assert!(s.etag.starts_with('"') && s.etag.len() == 34);
    }

    #[test]
    fn members_link_in_index_order() {
        let Some(t) = world::template(world::SCID, "lobby") else {
            panic!("lobby template missing")
        };
        let mut s = Session::new(t);
        for (index, xuid, reserved) in [(0, "1", false), (4, "2", true)] {
            s.content.members.insert(
                index,
                Member {
                    xuid: xuid.into(),
                    reserved,
                    constants: Bag::default(),
                    properties: Bag::default(),
                },
            );
        }
        s.content.next_index = 5;
        s.render(RenderRules::of(Faults::none()));
        let d = doc(&s);
        assert_eq!(d["members"]["0"]["next"], 4);
        assert_eq!(d["members"]["4"]["next"], 5);
        assert_eq!(
            d["membersInfo"],
            json!({"first": 0, "next": 5, "count": 2, "accepted": 1})
        );
    }

    #[test]
    fn etag_follows_content() {
        let Some(t) = world::template(world::SCID, "persistent") else {
            panic!("persistent template missing")
        };
        let mut s = Session::new(t);
        let before = s.etag.clone();
        s.render(RenderRules::of(Faults::none()));
        assert_eq!(s.etag, before);
        s.change_number += 1;
        s.render(RenderRules::of(Faults::none()));
        assert_ne!(s.etag, before);
    }
}
