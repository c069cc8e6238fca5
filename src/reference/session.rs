//! The stored session and its document (SH1, SH2).

use std::collections::BTreeMap;
use std::time::SystemTime;

use axum::body::Bytes;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::faults::{Fault, Faults};
use super::world::Template;

/// The `system` and `custom` objects of `constants` or `properties`.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Bag {
    pub system: Map<String, Value>,
    pub custom: Map<String, Value>,
}

impl Bag {
    fn render(&self, faults: Faults) -> Value {
        // `skip_serializing_if = "Map::is_empty"` on a field the contract requires.
        if faults.has(Fault::EmptyCustomOmitted) && self.custom.is_empty() {
            return json!({ "system": self.system });
        }
        json!({ "system": self.system, "custom": self.custom })
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
    /// A session as a template starts it, before the creating write is applied.
    pub fn new(template: &Template) -> Self {
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
        let mut session = Self {
            branch: Uuid::new_v4(),
            change_number: 1,
            correlation_id: Uuid::new_v4(),
            start_time: SystemTime::now(),
            content,
            document: Bytes::new(),
            etag: String::new(),
        };
        // Every stored session is rendered again, with the server's faults, once its content is set.
        session.render(Faults::none());
        session
    }

    /// Re-renders the document and ETag after `content` or `change_number` changed.
    pub fn render(&mut self, faults: Faults) {
        let document = serde_json::to_vec(&self.to_json(faults)).unwrap_or_default();
        self.etag = etag_of(&document);
        self.document = Bytes::from(document);
    }

    fn to_json(&self, faults: Faults) -> Value {
        let c = &self.content;
        let indexes: Vec<u32> = c.members.keys().copied().collect();
        let mut members = Map::new();
        for (pos, (index, member)) in c.members.iter().enumerate() {
            let next = if faults.has(Fault::MemberNextIndexPlusOne) {
                index.saturating_add(1)
            } else {
                indexes.get(pos + 1).copied().unwrap_or(c.next_index)
            };
            let mut m = Map::new();
            m.insert("next".into(), json!(next));
            m.insert("constants".into(), member.constants.render(faults));
            m.insert("properties".into(), member.properties.render(faults));
            if member.reserved {
                m.insert("reserved".into(), json!(true));
            }
            members.insert(index.to_string(), Value::Object(m));
        }
        let accepted = if faults.has(Fault::ReservedCountedAsAccepted) {
            c.members.len()
        } else {
            c.members.values().filter(|m| !m.reserved).count()
        };
        let mut document = json!({
            "contractVersion": 107,
            "branch": self.branch.to_string(),
            "changeNumber": self.change_number,
            "correlationId": self.correlation_id.to_string(),
            "startTime": humantime::format_rfc3339_millis(self.start_time).to_string(),
            "constants": c.constants.render(faults),
            "properties": c.properties.render(faults),
            "members": members,
            "membersInfo": {
                "first": indexes.first().copied().unwrap_or(c.next_index),
                "next": c.next_index,
                "count": c.members.len(),
                "accepted": accepted,
            },
            "servers": c.servers,
        });
        if faults.has(Fault::EmptyMembersOmitted) && c.members.is_empty() {
            if let Value::Object(fields) = &mut document {
                fields.remove("members");
            }
        }
        document
    }
}

/// Opaque, and derived from the whole document (branch and changeNumber included), so two
/// different states never share an ETag — not even a `nocommit` preview and a later real write.
fn etag_of(document: &[u8]) -> String {
    let digest = Sha256::digest(document);
    let mut out = String::with_capacity(34);
    out.push('"');
    for b in &digest[..16] {
        out.push_str(&format!("{b:02x}"));
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::world;

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
        s.render(Faults::none());
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
        s.render(Faults::none());
        assert_eq!(s.etag, before);
        s.change_number += 1;
        s.render(Faults::none());
        assert_ne!(s.etag, before);
    }
}
