//! Members by identity (`expect.members`): a member is found by `constants.system.xuid`, since
//! indexes are the server's choice.

use serde_json::Value;

use crate::exchange::lookup;
use crate::plan::{Env, MemberCheck, RenderError};

use super::failure::Failure;
use super::json::judge_json;

/// Judges one member expectation on a session document.
pub fn check(
    m: &MemberCheck,
    doc: &Value,
    env: &dyn Env,
    out: &mut Vec<Failure>,
) -> Result<(), RenderError> {
    let xuid = m.xuid.render(env)?;
    let xuid = xuid.as_ref();
    let present = m.present;
    let rule = &m.rule;
    let expectation = if present {
        format!("one member with xuid {xuid}")
    } else {
        format!("no member with xuid {xuid}")
    };
    let Some(members) = lookup(doc, "/members").and_then(Value::as_object) else {
        out.push(Failure::new(
            rule,
            expectation,
            "the body has no `/members` object",
        ));
        return Ok(());
    };
    let found: Vec<(&String, &Value)> = members
        .iter()
        .filter(|(_, member)| {
            lookup(member, "/constants/system/xuid").and_then(Value::as_str) == Some(xuid)
        })
        .collect();
    let indexes = || {
        found
            .iter()
            .map(|(k, _)| k.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match (present, found.as_slice()) {
        (true, []) => out.push(Failure::new(
            rule,
            expectation,
            format!("no member has xuid {xuid} (members: {})", xuids_of(members)),
        )),
        (true, [(index, member)]) => {
            let context = format!("member with xuid {xuid} (index {index}): ");
            for a in m.json.iter() {
                judge_json(a, member, &context, env, out)?;
            }
        }
        (true, many) => out.push(Failure::new(
            rule,
            expectation,
            format!(
                "xuid {xuid} appears {} times (indexes {})",
                many.len(),
                indexes()
            ),
        )),
        (false, []) => {}
        (false, _) => out.push(Failure::new(
            rule,
            expectation,
            format!("xuid {xuid} is a member (index {})", indexes()),
        )),
    }
    Ok(())
}

/// `0: 2533…904, 1: 2533…905`, for messages.
fn xuids_of(members: &serde_json::Map<String, Value>) -> String {
    if members.is_empty() {
        return "none".into();
    }
    members
        .iter()
        .map(|(k, m)| {
            let x = lookup(m, "/constants/system/xuid")
                .map_or_else(|| "no xuid".to_string(), |v| v.to_string());
            format!("{k}: {x}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::super::testing::{env, expect};
    use super::*;
    use serde_json::json;

    fn judge(m: Value, doc: Value) -> Vec<Failure> {
        let plan = expect(json!({ "members": [m] }), &["B4.a", "SH2"]);
        let mut out = Vec::new();
        for m in plan.members.iter() {
            check(m, &doc, &env(), &mut out).expect("renders");
        }
        out
    }

    fn member(xuid: &str, active: bool) -> Value {
        json!({ "constants": { "system": { "xuid": xuid, "index": 0 } },
                "properties": { "system": { "active": active } } })
    }

    #[test]
    fn a_member_is_found_by_xuid_wherever_its_index_is() {
        let doc = json!({ "members": { "4": member("1", false), "7": member("2", true) } });
        let ok = judge(
            json!({ "xuid": "2", "rule": "B4.a", "json": [ { "pointer": "/properties/system/active", "equals": true } ] }),
            doc.clone(),
        );
        assert!(ok.is_empty(), "{ok:?}");
        let wrong = judge(
            json!({ "xuid": "1", "rule": "B4.a", "json": [ { "pointer": "/properties/system/active", "equals": true, "rule": "SH2" } ] }),
            doc.clone(),
        );
        assert_eq!(wrong.len(), 1, "{wrong:?}");
        assert_eq!(wrong[0].rule, "SH2");
        assert!(
            wrong[0]
                .message
                .starts_with("member with xuid 1 (index 4): "),
            "{}",
            wrong[0].message
        );
        assert!(judge(
            json!({ "xuid": "3", "present": false, "rule": "B4.a" }),
            doc
        )
        .is_empty());
    }

    #[test]
    fn missing_duplicated_and_unwanted_members_are_named() {
        let doc = json!({ "members": { "0": member("1", true), "3": member("1", true) } });
        let dup = judge(json!({ "xuid": "1", "rule": "B4.a" }), doc.clone());
        assert_eq!(dup[0].message, "xuid 1 appears 2 times (indexes 0, 3)");
        assert_eq!(dup[0].rule, "B4.a");
        let none = judge(json!({ "xuid": "2", "rule": "B4.a" }), doc.clone());
        assert!(
            none[0].message.starts_with("no member has xuid 2"),
            "{}",
            none[0].message
        );
        let unwanted = judge(
            json!({ "xuid": "1", "present": false, "rule": "B4.a" }),
            doc,
        );
        assert_eq!(unwanted[0].message, "xuid 1 is a member (index 0, 3)");
        let shapeless = judge(
            json!({ "xuid": "1", "rule": "B4.a" }),
            json!({ "members": [] }),
        );
        assert_eq!(shapeless[0].message, "the body has no `/members` object");
    }
}
