//! Checks that JSON Schema cannot express (SH2): the members' linked list and `membersInfo`.

use serde_json::Value;

use crate::exchange::lookup;
use crate::plan::Invariant;

/// What is wrong with `doc` under an invariant (empty when it holds).
pub fn check(invariant: Invariant, doc: &Value) -> Vec<String> {
    match invariant {
        Invariant::MemberList => member_list(doc),
        Invariant::MembersInfo => members_info(doc),
    }
}

/// Members sorted by their decimal index, or why they cannot be.
fn indexed_members(doc: &Value) -> Result<Vec<(u64, &Value)>, Vec<String>> {
    let Some(members) = doc.get("members") else {
        return Err(vec!["the session has no `members`".into()]);
    };
    let Some(members) = members.as_object() else {
        return Err(vec!["`members` is not an object".into()]);
    };
    let mut out = Vec::with_capacity(members.len());
    let mut problems = Vec::new();
    for (key, member) in members {
        let decimal = !key.is_empty()
            && key.bytes().all(|b| b.is_ascii_digit())
            && (key == "0" || !key.starts_with('0'));
        match key.parse::<u64>() {
            Ok(i) if decimal => out.push((i, member)),
            _ => problems.push(format!("member key {key:?} is not a decimal index")),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    out.sort_by_key(|(i, _)| *i);
    Ok(out)
}

fn member_list(doc: &Value) -> Vec<String> {
    let members = match indexed_members(doc) {
        Ok(m) => m,
        Err(p) => return p,
    };
    let mut problems = Vec::new();
    let info_next = lookup(doc, "/membersInfo/next").and_then(Value::as_u64);
    for (pos, (index, member)) in members.iter().enumerate() {
        if let Some(own) = lookup(member, "/constants/system/index") {
            if own.as_u64() != Some(*index) {
                problems.push(format!(
                    "member \"{index}\" has constants.system.index {own}"
                ));
            }
        }
        let expected_next = match members.get(pos + 1) {
            Some((next, _)) => Some(*next),
            None => info_next,
        };
        let next = member.get("next").and_then(Value::as_u64);
        match (next, expected_next) {
            (None, _) => problems.push(format!("member \"{index}\" has no integer `next`")),
            (Some(n), Some(e)) if n != e => {
                let what = if pos + 1 < members.len() {
                    "the next member's index"
                } else {
                    "membersInfo.next (it is the last member)"
                };
                problems.push(format!(
                    "member \"{index}\" has next {n}, expected {e}: {what}"
                ));
            }
            (Some(_), None) if pos + 1 == members.len() => {
                problems.push("membersInfo.next is missing or not an integer".into())
            }
            _ => {}
        }
    }
    problems
}

fn members_info(doc: &Value) -> Vec<String> {
    let members = match indexed_members(doc) {
        Ok(m) => m,
        Err(p) => return p,
    };
    let Some(info) = doc.get("membersInfo").and_then(Value::as_object) else {
        return vec!["the session has no `membersInfo` object".into()];
    };
    let field = |name: &str| info.get(name).and_then(Value::as_u64);
    let mut problems = Vec::new();
    let count = members.len() as u64;
    match field("count") {
        Some(c) if c == count => {}
        other => problems.push(format!(
            "membersInfo.count is {other:?}, but there are {count} members"
        )),
    }
    let reserved = members
        .iter()
        .filter(|(_, m)| m.get("reserved").and_then(Value::as_bool) == Some(true))
        .count() as u64;
    match field("accepted") {
        Some(a) if a == count - reserved => {}
        other => problems.push(format!(
            "membersInfo.accepted is {other:?}, but {} of {count} members are not reserved",
            count - reserved
        )),
    }
    if let Some((lowest, _)) = members.first() {
        match field("first") {
            Some(f) if f == *lowest => {}
            other => problems.push(format!(
                "membersInfo.first is {other:?}, but the lowest index is {lowest}"
            )),
        }
    }
    // SH2 ties `membersInfo.next` only to the last member's `next` (the member-list invariant);
    // where the next index lies is the server's choice.
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn member(index: u64, next: u64) -> Value {
        json!({ "constants": { "system": { "xuid": "1", "index": index }, "custom": {} },
                "properties": { "system": {}, "custom": {} }, "next": next })
    }

    #[test]
    fn a_consistent_session_passes() {
        let doc = json!({ "members": { "0": member(0, 4), "4": member(4, 5) },
                          "membersInfo": { "first": 0, "next": 5, "count": 2, "accepted": 2 } });
        assert!(
            check(Invariant::MemberList, &doc).is_empty(),
            "{:?}",
            check(Invariant::MemberList, &doc)
        );
        assert!(
            check(Invariant::MembersInfo, &doc).is_empty(),
            "{:?}",
            check(Invariant::MembersInfo, &doc)
        );
        let empty =
            json!({ "members": {}, "membersInfo": { "next": 3, "count": 0, "accepted": 0 } });
        assert!(check(Invariant::MemberList, &empty).is_empty());
        assert!(check(Invariant::MembersInfo, &empty).is_empty());
    }

    #[test]
    fn broken_links_and_counts_are_named() {
        let doc = json!({ "members": { "0": member(0, 5), "4": member(4, 5), "x": member(1, 1) },
                          "membersInfo": { "first": 0, "next": 5, "count": 2, "accepted": 2 } });
        assert_eq!(
            check(Invariant::MemberList, &doc),
            vec!["member key \"x\" is not a decimal index"]
        );
        let doc = json!({ "members": { "0": member(0, 5), "4": member(4, 5) },
                          "membersInfo": { "first": 4, "next": 5, "count": 3, "accepted": 2 } });
        assert_eq!(check(Invariant::MemberList, &doc).len(), 1);
        assert_eq!(check(Invariant::MembersInfo, &doc).len(), 2);
    }

    #[test]
    fn reservations_count_by_their_flag_and_next_is_the_servers_choice() {
        let mut reserved = member(7, 2);
        reserved["reserved"] = json!(true);
        let doc = json!({ "members": { "3": member(3, 7), "7": reserved },
                          "membersInfo": { "first": 3, "next": 2, "count": 2, "accepted": 1 } });
        assert!(
            check(Invariant::MembersInfo, &doc).is_empty(),
            "{:?}",
            check(Invariant::MembersInfo, &doc)
        );
        let mut doc = doc;
        doc["membersInfo"]["accepted"] = json!(2);
        assert_eq!(check(Invariant::MembersInfo, &doc).len(), 1);
    }
}
