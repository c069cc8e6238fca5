//! The body of R1/R5 PUT (a MultiplayerSessionRequest), checked on its own (B1–B8 as far as
//! they need no stored state). Everything that needs the stored session is judged in `write`.

use serde_json::{Map, Value};

use super::body_rules::WriteBodyRules;
use super::errors::Reject;

/// The `system` and `custom` objects of `constants` or `properties`, each optional.
#[derive(Debug, Default, Clone)]
pub(crate) struct BagPatch {
    pub system: Option<Map<String, Value>>,
    pub custom: Option<Map<String, Value>>,
}

#[derive(Debug, Default)]
pub(crate) struct MemberWrite {
    pub constants: BagPatch,
    pub properties: BagPatch,
}

impl MemberWrite {
    /// `constants.system.xuid` when the body names one (checked against the caller, B4.b).
    pub fn named_xuid(&self) -> Option<&str> {
        self.constants
            .system
            .as_ref()
            .and_then(|s| s.get("xuid"))
            .and_then(Value::as_str)
    }
}

#[derive(Debug)]
pub(crate) enum MeWrite {
    /// `"me": null` (B4.a).
    Leave,
    /// `"me": {…}`: join, or update the caller's own member.
    Upsert(Box<MemberWrite>),
}

#[derive(Debug)]
pub(crate) struct Reservation {
    pub xuid: String,
    pub member: MemberWrite,
}

#[derive(Debug, Default)]
pub(crate) struct WriteRequest {
    pub constants: BagPatch,
    pub properties: BagPatch,
    pub me: Option<MeWrite>,
    /// In `reserve_<n>` order.
    pub reservations: Vec<Reservation>,
    /// B7: a user wrote `members."<index>"`; refused with 403 once 400s and 412s are ruled out.
    pub writes_indexed_member: bool,
    /// B8: a user wrote `servers`; 403 likewise.
    pub writes_servers: bool,
}

pub(crate) fn parse(bytes: &[u8], rules: WriteBodyRules) -> Result<WriteRequest, Reject> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        if !rules.empty_refused {
            return Ok(WriteRequest::default());
        }
        return Err(Reject::bad_request(
            "the request body is empty; send a JSON object such as {}",
        ));
    }
    let value: Value = super::request_body::json(bytes)
        .map_err(|e| Reject::bad_request(format!("the request body is not valid JSON: {e}")))?;
    let Value::Object(top) = value else {
        return Err(Reject::bad_request(
            "the request body must be a JSON object",
        ));
    };
    if top.is_empty() && rules.empty_object_refused {
        return Err(Reject::bad_request("nothing to update"));
    }
    let mut request = WriteRequest::default();
    for (key, value) in &top {
        match key.as_str() {
            "constants" => request.constants = bag(value, "constants")?,
            "properties" => request.properties = bag(value, "properties")?,
            "members" => members(value, &mut request, rules)?,
            "servers" => {
                if !value.is_object() {
                    return Err(Reject::bad_request("`servers` must be an object"));
                }
                request.writes_servers = true;
            }
            // Deserialized into a struct without `deny_unknown_fields`.
            _ if !rules.unknown_field_refused => {}
            other => {
                return Err(Reject::bad_request(format!(
                    "unknown top-level field `{other}`; only constants, properties, members and servers are allowed"
                )))
            }
        }
    }
    Ok(request)
}

/// `constants` / `properties`: an object holding only `system` and `custom`, both objects (§8
/// refuses unknown keys under `properties`; constants are held to the same shape).
fn bag(value: &Value, path: &str) -> Result<BagPatch, Reject> {
    let Value::Object(map) = value else {
        return Err(Reject::bad_request(format!("`{path}` must be an object")));
    };
    let mut patch = BagPatch::default();
    for (key, value) in map {
        let slot = match key.as_str() {
            "system" => &mut patch.system,
            "custom" => &mut patch.custom,
            other => {
                return Err(Reject::bad_request(format!(
                    "unknown field `{path}.{other}`; only system and custom are allowed"
                )))
            }
        };
        match value {
            Value::Object(inner) => *slot = Some(inner.clone()),
            _ => {
                return Err(Reject::bad_request(format!(
                    "`{path}.{key}` must be an object"
                )))
            }
        }
    }
    Ok(patch)
}

fn members(value: &Value, request: &mut WriteRequest, rules: WriteBodyRules) -> Result<(), Reject> {
    let Value::Object(map) = value else {
        return Err(Reject::bad_request("`members` must be an object"));
    };
    let mut reserved: Vec<(u32, Reservation)> = Vec::new();
    for (key, value) in map {
        if key == "me" {
            request.me = Some(match value {
                Value::Null => MeWrite::Leave,
                _ => MeWrite::Upsert(Box::new(member(value, "members.me", rules)?)),
            });
        } else if let Some(n) = key.strip_prefix("reserve_") {
            let Some(n) = canonical_index(n) else {
                return Err(Reject::bad_request(format!(
                    "`members.{key}`: reservations are named reserve_0, reserve_1, …"
                )));
            };
            reserved.push((n, reservation(value, key, rules)?));
        } else if !key.is_empty() && key.bytes().all(|b| b.is_ascii_digit()) {
            request.writes_indexed_member = true;
        } else {
            return Err(Reject::bad_request(format!(
                "unknown member key `members.{key}`; use me, reserve_<n> or an index"
            )));
        }
    }
    reserved.sort_by_key(|(n, _)| *n);
    for (expected, (n, _)) in reserved.iter().enumerate() {
        if *n as usize != expected && rules.reserve_numbering_checked {
            return Err(Reject::bad_request(
                "reservations must be numbered reserve_0, reserve_1, … without gaps",
            ));
        }
    }
    request.reservations = reserved.into_iter().map(|(_, r)| r).collect();
    Ok(())
}

fn member(value: &Value, path: &str, rules: WriteBodyRules) -> Result<MemberWrite, Reject> {
    let Value::Object(map) = value else {
        if rules.member_wrong_type_500 {
            return Err(Reject::internal(format!(
                "internal error: invalid type at `{path}`: expected a map"
            )));
        }
        return Err(Reject::bad_request(format!(
            "`{path}` must be an object or null"
        )));
    };
    let mut write = MemberWrite::default();
    for (key, value) in map {
        match key.as_str() {
            "constants" => write.constants = bag(value, &format!("{path}.constants"))?,
            "properties" => write.properties = bag(value, &format!("{path}.properties"))?,
            other => {
                return Err(Reject::bad_request(format!(
                    "unknown field `{path}.{other}`; a member has constants and properties"
                )))
            }
        }
    }
    if let Some(xuid) = write.constants.system.as_ref().and_then(|s| s.get("xuid")) {
        if !xuid.is_string() {
            return Err(Reject::bad_request(format!(
                "`{path}.constants.system.xuid` must be a string"
            )));
        }
    }
    if let Some(system) = &write.properties.system {
        for flag in ["ready", "active"] {
            if let Some(v) = system.get(flag) {
                if !(v.is_boolean() || v.is_null()) {
                    return Err(Reject::bad_request(format!(
                        "`{path}.properties.system.{flag}` must be true, false or null"
                    )));
                }
            }
        }
    }
    Ok(write)
}

fn reservation(value: &Value, key: &str, rules: WriteBodyRules) -> Result<Reservation, Reject> {
    let path = format!("members.{key}");
    let member = member(value, &path, rules)?;
    let xuid = member.named_xuid().map(str::to_owned);
    match xuid {
        Some(x) if !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit()) => {
            Ok(Reservation { xuid: x, member })
        }
        _ => Err(Reject::bad_request(format!(
            "`{path}` must name the reserved user in constants.system.xuid (a decimal string)"
        ))),
    }
}

/// `0`, `1`, `12` — not `01`, `+1` or `1.0`.
fn canonical_index(text: &str) -> Option<u32> {
    let digits = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    if !digits || (text.len() > 1 && text.starts_with('0')) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::body_rules::BodyRules;
    use crate::reference::faults::Faults;

    fn parse_healthy(bytes: &[u8]) -> Result<WriteRequest, Reject> {
        parse(bytes, BodyRules::of(Faults::none()).write)
    }

    fn status(body: &str) -> Option<u16> {
        parse_healthy(body.as_bytes())
            .err()
            .map(|r| r.status.as_u16())
    }

    #[test]
    fn shape_errors_are_400() {
        for bad in [
            "",
            "  ",
            "{",
            "[]",
            "5",
            "null",
            r#"{"foo":1}"#,
            r#"{"members":5}"#,
            r#"{"properties":[]}"#,
            r#"{"properties":{"foo":{}}}"#,
            r#"{"properties":{"custom":1}}"#,
            r#"{"constants":null}"#,
            r#"{"servers":[]}"#,
            r#"{"members":{"me":5}}"#,
            r#"{"members":{"bob":{}}}"#,
            r#"{"members":{"me":{"constants":{"system":{"xuid":5}}}}}"#,
            r#"{"members":{"me":{"properties":{"system":{"ready":"yes"}}}}}"#,
            r#"{"members":{"reserve_1":{"constants":{"system":{"xuid":"1"}}}}}"#,
            r#"{"members":{"reserve_01":{"constants":{"system":{"xuid":"1"}}}}}"#,
            r#"{"members":{"reserve_0":{}}}"#,
            r#"{"members":{"reserve_0":null}}"#,
        ] {
            assert_eq!(status(bad), Some(400), "{bad}");
        }
    }

    #[test]
    fn valid_forms() {
        for ok in [
            "{}",
            r#"{"members":{"me":null}}"#,
            r#"{"members":{"me":{}}}"#,
            r#"{"servers":{}}"#,
            r#"{"members":{"0":{}}}"#,
            r#"{"members":{"reserve_1":{"constants":{"system":{"xuid":"2"}}},"reserve_0":{"constants":{"system":{"xuid":"1"}}}}}"#,
        ] {
            assert_eq!(status(ok), None, "{ok}");
        }
        let r = parse_healthy(br#"{"members":{"reserve_1":{"constants":{"system":{"xuid":"2"}}},"reserve_0":{"constants":{"system":{"xuid":"1"}}}}}"#);
        let xuids: Vec<String> = r
            .map(|r| r.reservations.into_iter().map(|r| r.xuid).collect())
            .unwrap_or_default();
        assert_eq!(xuids, ["1", "2"]);
    }

    #[test]
    fn flags_for_later_403() {
        let r = parse_healthy(br#"{"servers":{},"members":{"0":{}}}"#);
        assert!(matches!(
            r,
            Ok(WriteRequest {
                writes_servers: true,
                writes_indexed_member: true,
                ..
            })
        ));
    }
}
