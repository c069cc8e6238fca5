//! The world of CONTRACT.md §7: one service config and its session templates.

use serde_json::{json, Map, Value};

pub(crate) const SCID: &str = "8f2a4c1e-0d7b-4e5a-9c3f-1b6d2e7a9f40";

/// Any fixed decimal title id will do: the contract only asks for a decimal string (SH3).
pub(crate) const TITLE_ID: &str = "1979883331";

#[derive(Debug)]
pub(crate) struct Template {
    pub name: &'static str,
    pub max_members: u32,
    pub visibility: &'static str,
    /// Milliseconds an empty session is kept; 0 means it is deleted (O3) and never stored empty.
    pub session_empty_timeout: u64,
}

impl Template {
    pub fn keeps_empty_sessions(&self) -> bool {
        self.session_empty_timeout != 0
    }

    /// The `constants.system` every session of this template starts with (B9 merges into it).
    pub fn system_constants(&self) -> Map<String, Value> {
        let value = json!({
            "maxMembersCount": self.max_members,
            "visibility": self.visibility,
            "sessionEmptyTimeout": self.session_empty_timeout,
        });
        match value {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }
}

static TEMPLATES: [Template; 3] = [
    Template {
        name: "lobby",
        max_members: 8,
        visibility: "open",
        session_empty_timeout: 0,
    },
    Template {
        name: "persistent",
        max_members: 4,
        visibility: "open",
        session_empty_timeout: 3_600_000,
    },
    Template {
        name: "solo",
        max_members: 1,
        visibility: "open",
        session_empty_timeout: 0,
    },
];

/// SCIDs are GUIDs and template names free-form strings, both compared case-insensitively.
pub(crate) fn template(scid: &str, name: &str) -> Option<&'static Template> {
    if !scid.eq_ignore_ascii_case(SCID) {
        return None;
    }
    TEMPLATES.iter().find(|t| t.name.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_ignores_case() {
        let t = template("8F2A4C1E-0D7B-4E5A-9C3F-1B6D2E7A9F40", "Lobby");
        assert_eq!(t.map(|t| t.name), Some("lobby"));
    }

    #[test]
    fn unknown_scid_or_template_is_none() {
        assert!(template("00000000-0000-0000-0000-000000000000", "lobby").is_none());
        assert!(template(SCID, "nope").is_none());
    }
}
