//! One write to one session (R1, R5 PUT), judged and applied under that session's lock.
//!
//! The checks run in the order of CONTRACT.md §5: what needs the stored state to be a 400 (B5)
//! first, then preconditions (412), then permission and conflicts (403, 409).

use axum::body::Bytes;
use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::errors::Reject;
use super::faults::Faults;
use super::headers::{Preconditions, TagCondition};
use super::merge::{merge_constants, merge_patch, ConstantConflict};
use super::session::{Bag, Content, Member, Session};
use super::world::Template;
use super::write_request::{BagPatch, MeWrite, MemberWrite, WriteRequest};
use super::write_rules::WriteRules;

#[derive(Clone, Copy)]
pub(crate) struct WriteInput<'a> {
    pub request: &'a WriteRequest,
    pub caller: &'a str,
    pub template: &'static Template,
    pub preconditions: &'a Preconditions,
    /// B10: answer as if, store nothing.
    pub nocommit: bool,
    pub faults: Faults,
}

#[derive(Debug)]
pub(crate) enum WriteOutcome {
    /// O1 (200) or O2/O17 (201).
    Session {
        created: bool,
        document: Bytes,
        etag: String,
    },
    /// O3: the session was deleted, or would have been created empty where empty ones are not kept.
    NoContent,
    /// H4.c: a stale `If-Match`; the body is the whole current session.
    Stale { document: Bytes, etag: String },
}

pub(crate) fn execute(
    slot: &mut Option<Session>,
    input: WriteInput<'_>,
) -> Result<WriteOutcome, Reject> {
    let rules = &WriteRules::of(input.faults);
    let current = slot.as_ref();
    check_ready_and_active(
        current.map(|s| &s.content),
        input.request,
        input.caller,
        rules,
    )?;
    let leave = matches!(input.request.me, Some(MeWrite::Leave));
    let checks_preconditions = (rules.preconditions.on_leave || !leave)
        && (rules.preconditions.on_nocommit || !input.nocommit);
    if checks_preconditions {
        if let Some(stale) = check_preconditions(current, input.preconditions, rules)? {
            return Ok(stale);
        }
    }

    let created = current.is_none();
    let base = match current {
        Some(session) => session.content.clone(),
        None => Session::unrendered(input.template).content,
    };
    let content = apply(
        base,
        created,
        input.request,
        input.caller,
        input.template,
        rules,
    )?;

    let keeps_empty =
        input.template.keeps_empty_sessions() && rules.storing.empty_kept_where_template_says;
    if content.members.is_empty() && !keeps_empty {
        return Ok(delete(slot, content, input.nocommit, rules));
    }

    let next = match current {
        Some(session) if session.content == content && rules.storing.unchanged_write_kept => {
            return Ok(WriteOutcome::Session {
                created: false,
                document: session.document.clone(),
                etag: session.etag.clone(),
            })
        }
        Some(session) => {
            let bumped = rules.storing.change_number_on_any_change
                || session.content.members != content.members;
            let mut next = session.with_content(content);
            if bumped {
                next.change_number += 1;
            }
            if rules.storing.branch_renewed_on_write {
                next.branch = Uuid::new_v4();
            }
            next.render(rules.rendering);
            next
        }
        None => {
            let mut next = Session::unrendered(input.template);
            next.content = content;
            next.render(rules.rendering);
            next
        }
    };
    let outcome = WriteOutcome::Session {
        created,
        document: next.document.clone(),
        etag: next.etag.clone(),
    };
    if !input.nocommit || (created && rules.nocommit.stores_creates) {
        *slot = Some(next);
    } else if let Some(stored) = slot.as_mut().filter(|_| {
        // The counter is bumped on the way in, before the dry-run branch.
        rules.nocommit.bumps_change_number
    }) {
        stored.change_number += 1;
        stored.render(rules.rendering);
    }
    Ok(outcome)
}

/// O3: the write leaves no member where empty sessions are not kept, so the session goes.
fn delete(
    slot: &mut Option<Session>,
    content: Content,
    nocommit: bool,
    rules: &WriteRules,
) -> WriteOutcome {
    // Only the faulty paths look at the session as the write left it.
    let wanted = rules.storing.last_leave_answers_session || rules.storing.deleted_session_kept;
    let emptied = slot.as_ref().filter(|_| wanted).map(|session| {
        let mut emptied = session.with_content(content);
        emptied.change_number += 1;
        emptied.render(rules.rendering);
        emptied
    });
    let outcome = match &emptied {
        // The answer is built from the emptied copy before anyone remembers the 204.
        Some(emptied) if rules.storing.last_leave_answers_session => WriteOutcome::Session {
            created: false,
            document: emptied.document.clone(),
            etag: emptied.etag.clone(),
        },
        _ => WriteOutcome::NoContent,
    };
    if !nocommit || rules.nocommit.deletes {
        *slot = match emptied {
            // "Deleting" saves the emptied session; nothing ever removes it.
            Some(emptied) if rules.storing.deleted_session_kept => Some(emptied),
            _ => None,
        };
    }
    outcome
}

/// B5, judged on each member as it would be after the write.
fn check_ready_and_active(
    current: Option<&Content>,
    request: &WriteRequest,
    caller: &str,
    rules: &WriteRules,
) -> Result<(), Reject> {
    let current = current.filter(|_| rules.ready.sees_stored);
    let existing = |xuid: &str| {
        current
            .and_then(|c| c.member_by_xuid(xuid).and_then(|i| c.members.get(&i)))
            .map(|m| m.properties.system.clone())
    };
    let mut merged = Vec::new();
    if let Some(MeWrite::Upsert(m)) = &request.me {
        merged.push(merged_system(existing(caller).unwrap_or_default(), m));
    }
    for r in &request.reservations {
        // A reservation for someone already in the session changes nothing.
        if existing(&r.xuid).is_none() {
            merged.push(merged_system(Map::new(), &r.member));
        }
    }
    let both = |s: &Map<String, Value>| {
        let active = if rules.ready.any_active_key_counts {
            s.contains_key("active")
        } else {
            s.get("active") == Some(&Value::Bool(true))
        };
        s.get("ready") == Some(&Value::Bool(true)) && active
    };
    if merged.iter().any(both) {
        return Err(Reject::bad_request(
            "a member cannot be both ready and active (properties.system)",
        ));
    }
    Ok(())
}

fn merged_system(mut base: Map<String, Value>, write: &MemberWrite) -> Map<String, Value> {
    if let Some(patch) = &write.properties.system {
        merge_patch(&mut base, patch);
    }
    base
}

/// H4. `Ok(Some(_))` is the stale `If-Match` answer, which carries the current session.
fn check_preconditions(
    current: Option<&Session>,
    preconditions: &Preconditions,
    rules: &WriteRules,
) -> Result<Option<WriteOutcome>, Reject> {
    let etag = current.map(|s| s.etag.as_str());
    if let Some(condition) = &preconditions.if_match {
        if !condition.matches(etag) {
            return match (current, condition) {
                (None, TagCondition::Any) if !rules.preconditions.if_match_any_needs_session => {
                    Ok(None)
                }
                (None, TagCondition::Any) => Err(Reject::precondition_failed(
                    "If-Match: * but the session does not exist",
                )),
                (None, TagCondition::Tags(_))
                    if !rules.preconditions.if_match_tags_need_session =>
                {
                    Ok(None)
                }
                (None, TagCondition::Tags(_)) => Err(Reject::precondition_failed(
                    "If-Match names an ETag but the session does not exist",
                )),
                (Some(session), _) => Ok(Some(WriteOutcome::Stale {
                    document: session.document.clone(),
                    etag: session.etag.clone(),
                })),
            };
        }
    }
    if let Some(condition) = &preconditions.if_none_match {
        if condition.matches(etag) && rules.preconditions.if_none_match_checked {
            let message = match condition {
                TagCondition::Any => "If-None-Match: * but the session already exists",
                TagCondition::Tags(_) => "If-None-Match matches the session's current ETag",
            };
            return Err(Reject::precondition_failed(message));
        }
    }
    Ok(None)
}

/// Folds the request into `content`: permission (403) and constants (409) are judged here.
fn apply(
    mut content: Content,
    created: bool,
    request: &WriteRequest,
    caller: &str,
    template: &Template,
    rules: &WriteRules,
) -> Result<Content, Reject> {
    if request.writes_servers && rules.permission.servers_forbidden {
        return Err(Reject::forbidden(
            "only a server principal may write `servers`",
        ));
    }
    if request.writes_indexed_member && rules.permission.indexed_member_forbidden {
        return Err(Reject::forbidden(
            "a user may not write a member by index; use members.me",
        ));
    }
    if let Some(MeWrite::Upsert(m)) = &request.me {
        if let Some(named) = m.named_xuid() {
            if named != caller && rules.permission.named_xuid_checked {
                return Err(Reject::forbidden(format!(
                    "members.me names xuid {named}, but the caller is {caller}"
                )));
            }
        }
    }

    let constants_sent = request.constants.system.is_some() || request.constants.custom.is_some();
    if !created && constants_sent && rules.constants.resend_conflicts {
        return Err(Reject::conflict(
            "constants can only be sent when the session is created",
        ));
    }
    if created && rules.constants.template_overridable {
        // Applied over the template's like properties are.
        patch_bag(&mut content.constants, &request.constants);
    } else if created || rules.constants.checked_after_create {
        merge_bag_constants(
            &mut content.constants,
            &request.constants,
            created,
            "constants",
        )?;
    }
    patch_bag(&mut content.properties, &request.properties);

    let counted = |c: &Content| {
        if rules.membership.reservations_take_seats {
            c.members.len()
        } else {
            c.members.values().filter(|m| !m.reserved).count()
        }
    };
    let count_before = counted(&content);
    match &request.me {
        None => {}
        Some(MeWrite::Leave) => {
            let index = if rules.membership.leave_by_position {
                let position = content.members.values().position(|m| m.xuid == caller);
                position.and_then(|p| u32::try_from(p).ok())
            } else {
                content.member_by_xuid(caller)
            };
            match index {
                Some(index) => {
                    content.members.remove(&index);
                }
                None if rules.membership.leave_by_non_member_forbidden => {
                    return Err(Reject::forbidden(format!(
                        "{caller} is not a member of this session"
                    )))
                }
                None => {}
            }
        }
        Some(MeWrite::Upsert(write)) => {
            // A body that makes the caller active reads like a join, and joins add a member.
            let joining = rules.membership.active_write_always_joins
                && write
                    .properties
                    .system
                    .as_ref()
                    .and_then(|s| s.get("active"))
                    == Some(&Value::Bool(true));
            let existing = if joining {
                None
            } else {
                content.member_by_xuid(caller)
            };
            match existing {
                Some(index) => {
                    if let Some(member) = content.members.get_mut(&index) {
                        // A reservation turns into a member here, so its constants are still open.
                        let allow_new = member.reserved;
                        merge_bag_constants(
                            &mut member.constants,
                            &write.constants,
                            allow_new,
                            "members.me.constants",
                        )?;
                        member.reserved = false;
                        patch_bag(&mut member.properties, &write.properties);
                    }
                }
                None => add_member(&mut content, caller, write, false, rules)?,
            }
        }
    }
    for reservation in &request.reservations {
        if content.member_by_xuid(&reservation.xuid).is_none() {
            add_member(
                &mut content,
                &reservation.xuid,
                &reservation.member,
                true,
                rules,
            )?;
        }
    }
    let count = counted(&content);
    let max = template.max_members as usize + rules.membership.extra_seats;
    if count > count_before && count > max {
        return Err(Reject::forbidden(format!(
            "the session is full: maxMembersCount is {}",
            template.max_members
        )));
    }
    Ok(content)
}

fn add_member(
    content: &mut Content,
    xuid: &str,
    write: &MemberWrite,
    reserved: bool,
    rules: &WriteRules,
) -> Result<(), Reject> {
    let index = content.next_index;
    let mut constants = Bag::default();
    constants.system.insert("xuid".into(), json!(xuid));
    if rules.membership.joiner_copies_first_member {
        // Starts from an existing member as a template; only the index is set afresh.
        if let Some(first) = content.members.values().next() {
            constants = first.constants.clone();
        }
    }
    constants.system.insert("index".into(), json!(index));
    merge_bag_constants(&mut constants, &write.constants, true, "members.constants")?;
    let mut properties = Bag::default();
    patch_bag(&mut properties, &write.properties);
    content.members.insert(
        index,
        Member {
            xuid: xuid.to_owned(),
            reserved,
            constants,
            properties,
        },
    );
    content.next_index = index.saturating_add(1);
    Ok(())
}

fn merge_bag_constants(
    bag: &mut Bag,
    patch: &BagPatch,
    allow_new: bool,
    path: &str,
) -> Result<(), Reject> {
    let conflict = |ConstantConflict(at): ConstantConflict| {
        Reject::conflict(format!(
            "constants are set once; `{at}` would change or be added"
        ))
    };
    if let Some(system) = &patch.system {
        merge_constants(
            &mut bag.system,
            system,
            allow_new,
            &format!("{path}.system"),
        )
        .map_err(conflict)?;
    }
    if let Some(custom) = &patch.custom {
        merge_constants(
            &mut bag.custom,
            custom,
            allow_new,
            &format!("{path}.custom"),
        )
        .map_err(conflict)?;
    }
    Ok(())
}

fn patch_bag(bag: &mut Bag, patch: &BagPatch) {
    if let Some(system) = &patch.system {
        merge_patch(&mut bag.system, system);
    }
    if let Some(custom) = &patch.custom {
        merge_patch(&mut bag.custom, custom);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::body_rules::BodyRules;
    use crate::reference::headers::Preconditions;
    use crate::reference::{world, write_request};

    fn run(
        slot: &mut Option<Session>,
        body: &str,
        pre: Preconditions,
        nocommit: bool,
    ) -> Result<WriteOutcome, u16> {
        let Some(template) = world::template(world::SCID, "lobby") else {
            return Err(0);
        };
        let rules = BodyRules::of(Faults::none()).write;
        let request =
            write_request::parse(body.as_bytes(), rules).map_err(|r| r.status.as_u16())?;
        let input = WriteInput {
            request: &request,
            caller: "1",
            template,
            preconditions: &pre,
            nocommit,
            faults: Faults::none(),
        };
        execute(slot, input).map_err(|r| r.status.as_u16())
    }

    /// A write without preconditions.
    fn write(slot: &mut Option<Session>, body: &str) -> Result<WriteOutcome, u16> {
        run(slot, body, Preconditions::default(), false)
    }

    /// A `nocommit` write without preconditions.
    fn dry_run(slot: &mut Option<Session>, body: &str) -> Result<WriteOutcome, u16> {
        run(slot, body, Preconditions::default(), true)
    }

    fn stale() -> Preconditions {
        Preconditions {
            if_match: Some(TagCondition::Tags(vec!["\"stale\"".into()])),
            if_none_match: None,
        }
    }

    #[test]
    fn order_is_400_then_412_then_403() {
        let mut slot = None;
        assert!(matches!(
            write(&mut slot, r#"{"members":{"me":{}}}"#),
            Ok(WriteOutcome::Session { created: true, .. })
        ));
        let both = r#"{"members":{"me":{"properties":{"system":{"ready":true,"active":true}}}},"servers":{}}"#;
        assert_eq!(run(&mut slot, both, stale(), false).err(), Some(400));
        assert!(matches!(
            run(&mut slot, r#"{"servers":{}}"#, stale(), false),
            Ok(WriteOutcome::Stale { .. })
        ));
        assert_eq!(write(&mut slot, r#"{"servers":{}}"#).err(), Some(403));
    }

    #[test]
    fn nocommit_leaves_the_slot_alone() {
        let mut slot = None;
        assert!(dry_run(&mut slot, r#"{"members":{"me":{}}}"#).is_ok());
        assert!(slot.is_none());
        assert!(write(&mut slot, r#"{"members":{"me":{}}}"#).is_ok());
        let etag = slot.as_ref().map(|s| s.etag.clone());
        assert!(matches!(
            dry_run(&mut slot, r#"{"members":{"me":null}}"#),
            Ok(WriteOutcome::NoContent)
        ));
        assert_eq!(slot.as_ref().map(|s| s.etag.clone()), etag);
    }

    #[test]
    fn unchanged_write_keeps_change_number() {
        let mut slot = None;
        assert!(write(&mut slot, r#"{"members":{"me":{}}}"#).is_ok());
        let before = slot.as_ref().map(|s| (s.change_number, s.etag.clone()));
        assert!(write(&mut slot, r#"{"members":{"me":{}}}"#).is_ok());
        assert_eq!(
            slot.as_ref().map(|s| (s.change_number, s.etag.clone())),
            before
        );
        assert!(write(&mut slot, r#"{"properties":{"custom":{"a":1}}}"#).is_ok());
        assert_eq!(
            slot.as_ref().map(|s| s.change_number),
            before.map(|b| b.0 + 1)
        );
    }
}
