//! Members by identity (`expect.members`): a member is found by `constants.system.xuid`, since
//! indexes are the server's choice.

use serde_json::Value;

use crate::plan::{Env, MemberCheck, RenderError};

use super::expect::json_assert;
use super::failure::Failure;

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
    let Some(members) = doc.pointer("/members").and_then(Value::as_object) else {
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
            member
                .pointer("/constants/system/xuid")
                .and_then(Value::as_str)
                == Some(xuid)
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
                json_assert(a, member, &context, env, out)?;
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
            let x = m
                .pointer("/constants/system/xuid")
                .map_or_else(|| "no xuid".to_string(), |v| v.to_string());
            format!("{k}: {x}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

