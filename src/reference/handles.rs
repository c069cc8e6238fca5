//! Handles (R3, R4, SH3): a named pointer to a session, which need not exist yet.

use std::time::{Duration, SystemTime};

use axum::body::Bytes;
use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::body_rules::HandleBodyRules;
use super::errors::Reject;
use super::store::SessionKey;
use super::world;

/// How long an invite says it is valid; the reference does not expire handles.
const INVITE_LIFETIME: Duration = Duration::from_secs(60 * 60);

const KINDS: [&str; 4] = ["activity", "invite", "search", "transfer"];

#[derive(Debug)]
pub(crate) struct Handle {
    /// Lowercase hyphenated GUID.
    pub id: String,
    pub session: SessionKey,
    pub template: &'static world::Template,
    document: Bytes,
}

impl Handle {
    pub fn document(&self) -> Bytes {
        self.document.clone()
    }

    /// The same handle under another id (its document says so too).
    pub fn with_id(&self, id: &str) -> Handle {
        let document = match serde_json::from_slice::<Value>(&self.document) {
            Ok(Value::Object(mut doc)) => {
                doc.insert("id".into(), json!(id));
                serde_json::to_vec(&doc)
                    .map(Bytes::from)
                    .unwrap_or_else(|_| self.document.clone())
            }
            _ => self.document.clone(),
        };
        Handle {
            id: id.to_owned(),
            session: self.session.clone(),
            template: self.template,
            document,
        }
    }
}

/// R3: checks a `POST /handles` body and builds the handle it asks for.
pub(crate) fn create(body: &[u8], caller: &str, rules: HandleBodyRules) -> Result<Handle, Reject> {
    let value: Value = super::request_body::json(body)
        .map_err(|e| Reject::bad_request(format!("the request body is not valid JSON: {e}")))?;
    let Value::Object(body) = value else {
        return Err(Reject::bad_request(
            "the request body must be a JSON object",
        ));
    };
    if body.get("version") != Some(&json!(1)) {
        return Err(Reject::bad_request("`version` must be 1"));
    }
    let kind = body
        .get("type")
        .and_then(Value::as_str)
        .and_then(|t| KINDS.iter().find(|k| k.eq_ignore_ascii_case(t)))
        .ok_or_else(|| {
            Reject::bad_request("`type` must be one of activity, invite, search, transfer")
        })?;
    let Some(Value::Object(session_ref)) = body.get("sessionRef") else {
        return Err(Reject::bad_request(
            "`sessionRef` must be an object with scid, templateName and name",
        ));
    };
    let field = |name: &str| {
        session_ref
            .get(name)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                Reject::bad_request(format!("`sessionRef.{name}` must be a non-empty string"))
            })
    };
    let (scid, template_name, name) = (field("scid")?, field("templateName")?, field("name")?);
    let invited = match body.get("invitedXuid") {
        None | Some(Value::Null) => None,
        Some(Value::String(x)) if !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit()) => {
            Some(x.clone())
        }
        Some(_) => {
            return Err(Reject::bad_request(
                "`invitedXuid` must be a decimal string",
            ))
        }
    };
    if *kind == "invite" && invited.is_none() && rules.invite_names_invitee {
        return Err(Reject::bad_request("an invite handle needs `invitedXuid`"));
    }
    let attributes = match body.get("inviteAttributes") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(a)) => a.clone(),
        Some(_) => return Err(Reject::bad_request("`inviteAttributes` must be an object")),
    };
    let template = world::template(scid, template_name).ok_or_else(|| {
        Reject::not_found(format!(
            "no session template `{template_name}` in service config `{scid}`"
        ))
    })?;

    let id = Uuid::new_v4().to_string();
    let session = SessionKey::new(scid, template.name, name);
    let mut doc = json!({
        "id": id,
        "type": kind,
        "version": 1,
        "sessionRef": {
            "scid": session.scid,
            "templateName": template.name,
            "name": name,
        },
        "titleId": world::TITLE_ID,
        "ownerXuid": caller,
    });
    if let (Value::Object(doc), Some(invited)) = (&mut doc, invited) {
        let expiration = SystemTime::now() + INVITE_LIFETIME;
        doc.insert("invitedXuid".into(), json!(invited));
        doc.insert("senderXuid".into(), json!(caller));
        doc.insert("inviteAttributes".into(), Value::Object(attributes));
        doc.insert(
            "expiration".into(),
            json!(humantime::format_rfc3339_seconds(expiration).to_string()),
        );
    }
    Ok(Handle {
        id,
        session,
        template,
        document: Bytes::from(serde_json::to_vec(&doc).unwrap_or_default()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::body_rules::BodyRules;
    use crate::reference::faults::Faults;

    fn healthy() -> HandleBodyRules {
        BodyRules::of(Faults::none()).handle
    }

    fn status(body: Value) -> Result<Value, u16> {
        let bytes = serde_json::to_vec(&body).unwrap_or_default();
        create(&bytes, "1", healthy())
            .map(|h| serde_json::from_slice(&h.document).unwrap_or(Value::Null))
            .map_err(|r| r.status.as_u16())
    }

    fn invite() -> Value {
        json!({"version": 1, "type": "invite", "invitedXuid": "2",
               "sessionRef": {"scid": world::SCID, "templateName": "Lobby", "name": "s1"}})
    }

    #[test]
    fn invite_document() {
        let doc = status(invite()).unwrap_or(Value::Null);
        assert_eq!(doc["type"], "invite");
        assert_eq!(doc["sessionRef"]["templateName"], "lobby");
        assert_eq!(doc["ownerXuid"], "1");
        assert_eq!(doc["senderXuid"], "1");
        assert_eq!(doc["invitedXuid"], "2");
        assert!(doc["inviteAttributes"].is_object());
        assert!(doc["expiration"].is_string());
    }

    #[test]
    fn refusals() {
        let mut no_invited = invite();
        no_invited["invitedXuid"] = Value::Null;
        assert_eq!(status(no_invited).err(), Some(400));
        let mut bad_template = invite();
        bad_template["sessionRef"]["templateName"] = json!("nope");
        assert_eq!(status(bad_template).err(), Some(404));
        let mut bad_scid = invite();
        bad_scid["sessionRef"]["scid"] = json!("00000000-0000-0000-0000-000000000000");
        assert_eq!(status(bad_scid).err(), Some(404));
        let mut bad_version = invite();
        bad_version["version"] = json!(2);
        assert_eq!(status(bad_version).err(), Some(400));
        assert!(create(b"[", "1", healthy()).is_err());
    }
}
