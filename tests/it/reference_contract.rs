//! The reference server, rule by rule over HTTP (CONTRACT.md §1–§8). Each test starts its own
//! server on 127.0.0.1 port 0.

use crate::support;

use serde_json::{json, Value};
use support::{session_path, Req, World, A, B, C, SCID};

const NIL: &str = "00000000-0000-0000-0000-000000000000";

fn by_name(template: &str, name: &str) -> String {
    format!("/serviceconfigs/{SCID}/sessionTemplates/{template}/sessions/{name}")
}

fn members_of(doc: &Value) -> Vec<(u64, String)> {
    doc["members"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    (
                        k.parse().unwrap_or(u64::MAX),
                        v["constants"]["system"]["xuid"]
                            .as_str()
                            .unwrap_or("")
                            .to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// SH1/SH2 invariants that hold for every session document.
fn assert_session_shape(doc: &Value) {
    assert_eq!(doc["contractVersion"], 107);
    for key in ["branch", "correlationId"] {
        let text = doc[key].as_str().unwrap_or_default();
        assert!(uuid::Uuid::parse_str(text).is_ok(), "{key}: {doc}");
    }
    assert!(doc["changeNumber"].is_u64(), "{doc}");
    let start = doc["startTime"].as_str().unwrap_or_default();
    assert!(humantime::parse_rfc3339(start).is_ok(), "startTime {start}");
    for bag in ["constants", "properties"] {
        assert!(doc[bag]["system"].is_object(), "{bag}.system: {doc}");
        assert!(doc[bag]["custom"].is_object(), "{bag}.custom: {doc}");
    }
    assert!(doc["servers"].is_object());
    let info = &doc["membersInfo"];
    let members = doc["members"].as_object().cloned().unwrap_or_default();
    let mut indexes: Vec<u64> = members
        .keys()
        .map(|k| k.parse().unwrap_or(u64::MAX))
        .collect();
    indexes.sort_unstable();
    assert_eq!(info["count"], json!(members.len()), "{doc}");
    let accepted = members
        .values()
        .filter(|m| m["reserved"] != json!(true))
        .count();
    assert_eq!(info["accepted"], json!(accepted), "{doc}");
    if let Some(first) = indexes.first() {
        assert_eq!(info["first"], json!(first));
    }
    for (pos, index) in indexes.iter().enumerate() {
        let m = &members[&index.to_string()];
        let expected_next = indexes
            .get(pos + 1)
            .map(|i| json!(i))
            .unwrap_or(info["next"].clone());
        assert_eq!(m["next"], expected_next, "next of member {index}: {doc}");
        assert!(m["constants"]["system"]["xuid"].is_string());
        assert_eq!(m["constants"]["system"]["index"], json!(index));
        assert!(m["constants"]["custom"].is_object());
        assert!(m["properties"]["system"].is_object());
        assert!(m["properties"]["custom"].is_object());
    }
}

fn change_number(doc: &Value) -> u64 {
    doc["changeNumber"].as_u64().unwrap_or_default()
}

// ---- R1 outcomes -------------------------------------------------------------------------

#[tokio::test]
async fn o2_first_join_creates_session_201() {
    let w = World::start().await;
    let handle = w.handle("lobby").await;
    let reply = w.join(&handle, A).await;
    let doc = reply.assert_json(201);
    assert_session_shape(&doc);
    assert!(reply.header("etag").is_some());
    assert!(reply.header("content-location").is_some());
    assert_eq!(members_of(&doc), vec![(0, A.to_owned())]);
    assert_eq!(doc["constants"]["system"]["maxMembersCount"], 8);
    assert_eq!(doc["members"]["0"]["properties"]["system"]["active"], true);
    assert_eq!(
        doc["members"]["0"]["constants"]["system"]["initialize"],
        true
    );
}

#[tokio::test]
async fn o1_write_to_existing_session_200() {
    let w = World::start().await;
    let handle = w.joined("lobby").await;
    let reply = w.join(&handle, B).await;
    let doc = reply.assert_json(200);
    assert_session_shape(&doc);
    assert_eq!(members_of(&doc), vec![(0, A.to_owned()), (1, B.to_owned())]);
    assert!(reply.header("etag").is_some());
}

#[tokio::test]
async fn o3_last_member_leaving_deletes_session_204() {
    let w = World::start().await;
    let handle = w.joined("lobby").await;
    let reply = w.put(&handle, A, json!({"members": {"me": null}})).await;
    assert_eq!(reply.status, 204);
    assert!(reply.body.is_empty());
    assert_eq!(w.get(&handle).await.status, 204);
}

#[tokio::test]
async fn o3_memberless_creation_under_lobby_is_204_and_stores_nothing() {
    let w = World::start().await;
    let handle = w.handle("lobby").await;
    let reply = w
        .put(&handle, A, json!({"properties": {"custom": {"a": 1}}}))
        .await;
    assert_eq!(reply.status, 204);
    assert_eq!(w.get(&handle).await.status, 204);
}

#[tokio::test]
async fn o3_recreated_session_gets_a_new_branch() {
    let w = World::start().await;
    let handle = w.handle("lobby").await;
    let first = w.join(&handle, A).await.assert_json(201);
    assert_eq!(
        w.put(&handle, A, json!({"members": {"me": null}}))
            .await
            .status,
        204
    );
    let second = w.join(&handle, A).await.assert_json(201);
    assert_ne!(first["branch"], second["branch"]);
}

#[tokio::test]
async fn o17_persistent_keeps_empty_sessions() {
    let w = World::start().await;
    let handle = w.handle("persistent").await;
    let created = w.put(&handle, A, json!({})).await.assert_json(201);
    assert_eq!(created["membersInfo"]["count"], 0);
    assert_session_shape(&created);
    w.join(&handle, A).await.assert_json(200);
    let left = w
        .put(&handle, A, json!({"members": {"me": null}}))
        .await
        .assert_json(200);
    assert_eq!(left["membersInfo"]["count"], 0);
    assert_eq!(w.get(&handle).await.assert_json(200), left);
}

#[tokio::test]
async fn o4_g3_unknown_handle_is_404_text() {
    let w = World::start().await;
    let fresh = uuid::Uuid::new_v4().to_string();
    for id in [fresh.as_str(), NIL] {
        w.put(id, A, json!({})).await.assert_refused(404);
        w.send(Req::get(&session_path(id)))
            .await
            .assert_refused(404);
    }
}

#[tokio::test]
async fn g3_deleted_handle_is_404() {
    let w = World::start().await;
    let handle = w.joined("lobby").await;
    assert_eq!(
        w.send(Req::new("DELETE", &format!("/handles/{handle}")))
            .await
            .status,
        204
    );
    w.join(&handle, A).await.assert_refused(404);
    w.get(&handle).await.assert_refused(404);
}

#[tokio::test]
async fn g1_g2_handle_id_in_any_case_is_the_same_handle() {
    let w = World::start().await;
    let handle = w.joined("lobby").await;
    let upper = handle.to_uppercase();
    let mixed: String = handle
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if i % 2 == 0 {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect();
    let expected = w.get(&handle).await.assert_json(200);
    for id in [upper, mixed] {
        assert_eq!(w.get(&id).await.assert_json(200), expected);
        w.join(&id, A).await.assert_json(200);
    }
}

#[tokio::test]
async fn g4_malformed_handle_ids_are_400() {
    let w = World::start().await;
    let h = w.joined("lobby").await;
    let simple = h.replace('-', "");
    let variants = [
        "abc".to_owned(),
        h[..35].to_owned(),
        format!("{h}0"),
        format!("{}g", &h[..35]),
        format!("%7B{h}%7D"),
        format!("%7b{h}%7d"),
        simple,
        format!("urn:uuid:{h}"),
        format!("{}%20{}", &h[..18], &h[19..]),
        format!("{}%2F{}", &h[..18], &h[19..]),
        format!("{}%2f{}", &h[..18], &h[19..]),
        format!("{h}%00"),
        "%zz".to_owned(),
    ];
    for id in variants {
        let reply = w.put(&id, A, json!({"members": {"me": {}}})).await;
        assert_eq!(reply.status, 400, "{id}: {}", reply.text());
        reply.assert_refused(400);
        w.send(Req::get(&session_path(&id)))
            .await
            .assert_refused(400);
    }
}

#[tokio::test]
async fn g4_braces_percent_encoded_is_400() {
    let w = World::start().await;
    let h = w.joined("lobby").await;
    w.put(&format!("%7B{h}%7D"), A, json!({}))
        .await
        .assert_refused(400);
}

#[tokio::test]
async fn g4_percent_encoded_hex_digits_are_served() {
    let w = World::start().await;
    let h = w.joined("lobby").await;
    let encoded: String = h
        .chars()
        .map(|c| {
            if c.is_ascii_hexdigit() && c.is_ascii_alphabetic() {
                format!("%{:02X}", c as u8)
            } else {
                c.to_string()
            }
        })
        .collect();
    assert_ne!(encoded, h);
    w.join(&encoded, A).await.assert_json(200);
}

// ---- H1 contract version ---------------------------------------------------------------------

async fn with_version(w: &World, handle: &str, values: &[&[u8]]) -> support::Reply {
    let mut req = Req::put(&session_path(handle), json!({})).without("X-Xbl-Contract-Version");
    for v in values {
        req = req.add("X-Xbl-Contract-Version", v);
    }
    w.send(req).await
}

#[tokio::test]
async fn h1_a_versions_104_to_107_are_served() {
    let w = World::start().await;
    let h = w.joined("lobby").await;
    for v in ["104", "105", "106", "107"] {
        let reply = with_version(&w, &h, &[v.as_bytes()]).await;
        assert_eq!(reply.status, 200, "{v}");
    }
}

#[tokio::test]
async fn h1_b_missing_contract_version_is_400() {
    let w = World::start().await;
    let h = w.joined("lobby").await;
    with_version(&w, &h, &[]).await.assert_refused(400);
    with_version(&w, &h, &[b""]).await.assert_refused(400);
    let get = w
        .send(Req::get(&session_path(&h)).without("X-Xbl-Contract-Version"))
        .await;
    get.assert_refused(400);
}

#[tokio::test]
async fn h1_b_lowercase_header_name_is_the_same_header() {
    let w = World::start().await;
    let h = w.joined("lobby").await;
    let req = Req::put(&session_path(&h), json!({}))
        .without("X-Xbl-Contract-Version")
        .add("x-xbl-contract-version", b"107");
    assert_eq!(w.send(req).await.status, 200);
}

#[tokio::test]
async fn h1_c_old_contract_version_is_406() {
    let w = World::start().await;
    let h = w.joined("lobby").await;
    for v in ["0", "1", "103"] {
        let reply = with_version(&w, &h, &[v.as_bytes()]).await;
        assert_eq!(reply.status, 406, "{v}");
    }
}

#[tokio::test]
async fn h1_d_non_integer_contract_version_is_400() {
    let w = World::start().await;
    let h = w.joined("lobby").await;
    for v in ["abc", "107.5", "107x", "-1", " 10 7"] {
        with_version(&w, &h, &[v.as_bytes()])
            .await
            .assert_refused(400);
    }
    with_version(&w, &h, &[b"104", b"107"])
        .await
        .assert_refused(400);
}

#[tokio::test]
async fn h1_d_may_forms_are_400_per_section_8() {
    let w = World::start().await;
    let h = w.joined("lobby").await;
    for v in ["+107", "0107", "107, 107"] {
        with_version(&w, &h, &[v.as_bytes()])
            .await
            .assert_refused(400);
    }
    with_version(&w, &h, &[b"107", b"107"])
        .await
        .assert_refused(400);
}

#[tokio::test]
async fn h1_e_newer_contract_version_is_406() {
    let w = World::start().await;
    let h = w.joined("lobby").await;
    for v in ["108", "999"] {
        assert_eq!(
            with_version(&w, &h, &[v.as_bytes()]).await.status,
            406,
            "{v}"
        );
    }
}

#[tokio::test]
async fn h1_applies_to_every_resource() {
    let w = World::start().await;
    let h = w.joined("lobby").await;
    for req in [
        Req::new("POST", "/handles").json(json!({})),
        Req::get(&format!("/handles/{h}")),
        Req::new("DELETE", &format!("/handles/{h}")),
        Req::get(&by_name("lobby", "x")),
        Req::put(&by_name("lobby", "x"), json!({})),
    ] {
        let reply = w.send(req.without("X-Xbl-Contract-Version")).await;
        reply.assert_refused(400);
    }
}

// ---- H2 Authorization ------------------------------------------------------------------------

#[tokio::test]
async fn h2_missing_authorization_is_401() {
    let w = World::start().await;
    let h = w.joined("lobby").await;
    let reply = w
        .send(Req::put(&session_path(&h), json!({})).without("Authorization"))
        .await;
    assert_eq!(reply.status, 401);
    let reply = w
        .send(
            Req::new("POST", "/handles")
                .json(json!({}))
                .without("Authorization"),
        )
        .await;
    assert_eq!(reply.status, 401);
}

#[tokio::test]
async fn h2_malformed_authorization_is_401() {
    let w = World::start().await;
    let h = w.joined("lobby").await;
    for value in [
        "",
        "XBL3.0",
        "Bearer abc",
        "XBL3.0 x=;token",
        "XBL3.0 x=123;",
        "XBL3.0 x=123",
        "XBL3.0 123;token",
        "XBL2.0 x=123;token",
        "XBL3.0 x=userhash;token",
    ] {
        let reply = w
            .send(Req::put(&session_path(&h), json!({})).set("Authorization", value.as_bytes()))
            .await;
        assert_eq!(reply.status, 401, "{value:?}");
    }
}

#[tokio::test]
async fn h2_scheme_is_case_insensitive() {
    let w = World::start().await;
    let h = w.joined("lobby").await;
    let value = format!("xbl3.0 x={A};token");
    let reply = w
        .send(Req::put(&session_path(&h), json!({})).set("Authorization", value.as_bytes()))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
}

#[tokio::test]
async fn h2_two_authorization_headers_are_400() {
    let w = World::start().await;
    let h = w.joined("lobby").await;
    let reply = w
        .send(
            Req::put(&session_path(&h), json!({}))
                .add("Authorization", support::auth(A).as_bytes()),
        )
        .await;
    reply.assert_refused(400);
}

#[tokio::test]
async fn h2_userhash_is_the_callers_xuid() {
    let w = World::start().await;
    let h = w.handle("lobby").await;
    let doc = w
        .put(&h, C, json!({"members": {"me": {}}}))
        .await
        .assert_json(201);
    assert_eq!(doc["members"]["0"]["constants"]["system"]["xuid"], C);
}

// ---- H3 Content-Type -------------------------------------------------------------------------

#[tokio::test]
async fn h3_json_with_charset_and_other_types_are_served() {
    let w = World::start().await;
    let h = w.joined("lobby").await;
    for ct in ["application/json; charset=utf-8", "text/plain"] {
        let reply = w
            .send(Req::put(&session_path(&h), json!({})).set("Content-Type", ct.as_bytes()))
            .await;
        assert_eq!(reply.status, 200, "{ct}");
    }
    let reply = w
        .send(Req::put(&session_path(&h), json!({})).without("Content-Type"))
        .await;
    assert_eq!(reply.status, 200);
}

// ---- H4 preconditions ------------------------------------------------------------------------

#[tokio::test]
async fn h4_a_if_none_match_star_on_existing_session_is_412() {
    let w = World::start().await;
    let h = w.joined("lobby").await;
    let reply = w
        .send(Req::put(&session_path(&h), json!({})).set("If-None-Match", b"*"))
        .await;
    assert_eq!(reply.status, 412);
}

#[tokio::test]
async fn h4_a_if_none_match_star_creates() {
    let w = World::start().await;
    let h = w.handle("lobby").await;
    let body = json!({"members": {"me": {}}});
    let reply = w
        .send(Req::put(&session_path(&h), body).set("If-None-Match", b"*"))
        .await;
    reply.assert_json(201);
}

#[tokio::test]
async fn h4_b_if_match_star_on_missing_session_is_412() {
    let w = World::start().await;
    let h = w.handle("lobby").await;
    let body = json!({"members": {"me": {}}});
    let reply = w
        .send(Req::put(&session_path(&h), body).set("If-Match", b"*"))
        .await;
    assert_eq!(reply.status, 412);
    assert_eq!(w.get(&h).await.status, 204);
}

#[tokio::test]
async fn h4_b_if_match_star_on_gone_session_is_412() {
    let w = World::start().await;
    let h = w.joined("lobby").await;
    assert_eq!(
        w.put(&h, A, json!({"members": {"me": null}})).await.status,
        204
    );
    let reply = w
        .send(Req::put(&session_path(&h), json!({"members": {"me": {}}})).set("If-Match", b"*"))
        .await;
    assert_eq!(reply.status, 412);
}

#[tokio::test]
async fn h4_b_if_match_star_on_existing_session_updates() {
    let w = World::start().await;
    let h = w.joined("lobby").await;
    let body = json!({"properties": {"custom": {"k": 1}}});
    let reply = w
        .send(Req::put(&session_path(&h), body).set("If-Match", b"*"))
        .await;
    assert_eq!(reply.assert_json(200)["properties"]["custom"]["k"], 1);
}

#[tokio::test]
async fn h4_c_stale_if_match_is_412_with_current_session_and_etag() {
    let w = World::start().await;
    let h = w.joined("lobby").await;
    let old = w.get(&h).await.etag();
    let current = w.join(&h, B).await;
    let body = json!({"properties": {"custom": {"k": 1}}});
    let reply = w
        .send(Req::put(&session_path(&h), body).set("If-Match", old.as_bytes()))
        .await;
    let doc = reply.assert_json(412);
    assert_eq!(reply.etag(), current.etag());
    assert_eq!(doc, current.json());
    assert!(doc["properties"]["custom"].get("k").is_none());
}

#[tokio::test]
async fn h4_c_current_if_match_is_accepted() {
    let w = World::start().await;
    let h = w.joined("lobby").await;
    let etag = w.get(&h).await.etag();
    let body = json!({"properties": {"custom": {"k": 1}}});
    let reply = w
        .send(Req::put(&session_path(&h), body).set("If-Match", etag.as_bytes()))
        .await;
    reply.assert_json(200);
    assert_ne!(reply.etag(), etag);
}

#[tokio::test]
async fn h4_d_if_match_etag_on_missing_session_is_412() {
    let w = World::start().await;
    let h = w.handle("lobby").await;
    let body = json!({"members": {"me": {}}});
    let reply = w
        .send(Req::put(&session_path(&h), body).set("If-Match", b"\"abc\""))
        .await;
    assert_eq!(reply.status, 412);
    assert_eq!(w.get(&h).await.status, 204);
}

#[tokio::test]
async fn h4_weak_tags_never_match() {
    let w = World::start().await;
    let h = w.joined("lobby").await;
    let etag = w.get(&h).await.etag();
    let weak = format!("W/{etag}");
    let reply = w
        .send(Req::put(&session_path(&h), json!({})).set("If-Match", weak.as_bytes()))
        .await;
    assert_eq!(reply.status, 412);
    let reply = w
        .send(Req::put(&session_path(&h), json!({})).set("If-None-Match", weak.as_bytes()))
        .await;
    assert_eq!(reply.status, 200);
}

#[tokio::test]
async fn h4_if_none_match_current_etag_on_put_is_412() {
    let w = World::start().await;
    let h = w.joined("lobby").await;
    let etag = w.get(&h).await.etag();
    let reply = w
        .send(Req::put(&session_path(&h), json!({})).set("If-None-Match", etag.as_bytes()))
        .await;
    assert_eq!(reply.status, 412);
}

#[tokio::test]
async fn h4_if_match_list_matches_any_member() {
    let w = World::start().await;
    let h = w.joined("lobby").await;
    let etag = w.get(&h).await.etag();
    let list = format!("\"nope\", {etag}");
    let reply = w
        .send(Req::put(&session_path(&h), json!({})).set("If-Match", list.as_bytes()))
        .await;
    assert_eq!(reply.status, 200);
}

// ---- B rules ---------------------------------------------------------------------------------

#[tokio::test]
async fn b1_unknown_top_level_field_is_400() {
    let w = World::start().await;
    let h = w.joined("lobby").await;
    for body in [
        json!({"foo": 1}),
        json!({"members": 5}),
        json!({"properties": []}),
        json!({"constants": "x"}),
        json!({"servers": 1}),
        json!({"members": {"me": 7}}),
    ] {
        w.put(&h, A, body.clone()).await.assert_refused(400);
    }
}

#[tokio::test]
async fn b1_unknown_keys_under_properties_are_400() {
    let w = World::start().await;
    let h = w.joined("lobby").await;
    w.put(&h, A, json!({"properties": {"foo": {}}}))
        .await
        .assert_refused(400);
}

#[tokio::test]
async fn b2_malformed_or_non_object_or_empty_body_is_400() {
    let w = World::start().await;
    let h = w.joined("lobby").await;
    for body in [
        &b"{"[..],
        b"[]",
        b"5",
        b"\"x\"",
        b"null",
        b"",
        b"{\"a\":}",
        b"\xff\xfe",
    ] {
        let reply = w
            .send(Req::new("PUT", &session_path(&h)).body(body.to_vec()))
            .await;
        reply.assert_refused(400);
    }
}

#[tokio::test]
async fn b3_empty_object_is_a_write_with_no_changes() {
    let w = World::start().await;
    let h = w.joined("lobby").await;
    let before = w.get(&h).await;
    let reply = w.put(&h, A, json!({})).await;
    assert_eq!(reply.assert_json(200), before.json());
    assert_eq!(reply.etag(), before.etag());
}

#[tokio::test]
async fn b4_a_me_null_leaves_and_from_non_member_changes_nothing() {
    let w = World::start().await;
    let h = w.joined("lobby").await;
    w.join(&h, B).await.assert_json(200);
    let before = w.get(&h).await;
    let reply = w.put(&h, C, json!({"members": {"me": null}})).await;
    assert_eq!(reply.assert_json(200), before.json());
    assert_eq!(reply.etag(), before.etag());
    let doc = w
        .put(&h, B, json!({"members": {"me": null}}))
        .await
        .assert_json(200);
    assert_eq!(members_of(&doc), vec![(0, A.to_owned())]);
    assert_session_shape(&doc);
}

#[tokio::test]
async fn b4_b_xuid_of_another_user_is_403() {
    let w = World::start().await;
    let h = w.joined("lobby").await;
    let body = json!({"members": {"me": {"constants": {"system": {"xuid": A}}}}});
    w.put(&h, B, body).await.assert_refused(403);
}

#[tokio::test]
async fn b4_b_non_string_xuid_is_400() {
    let w = World::start().await;
    let h = w.joined("lobby").await;
    let body =
        json!({"members": {"me": {"constants": {"system": {"xuid": 2533274790395905_u64}}}}});
    w.put(&h, B, body).await.assert_refused(400);
}

#[tokio::test]
async fn b5_ready_and_active_together_is_400() {
    let w = World::start().await;
    let h = w.handle("lobby").await;
    let body =
        json!({"members": {"me": {"properties": {"system": {"ready": true, "active": true}}}}});
    w.put(&h, A, body).await.assert_refused(400);
}

#[tokio::test]
async fn b5_judged_on_the_merged_member() {
    let w = World::start().await;
    let h = w.joined("lobby").await;
    let body = json!({"members": {"me": {"properties": {"system": {"ready": true}}}}});
    w.put(&h, A, body).await.assert_refused(400);
    let body =
        json!({"members": {"me": {"properties": {"system": {"ready": true, "active": false}}}}});
    let doc = w.put(&h, A, body).await.assert_json(200);
    assert_eq!(doc["members"]["0"]["properties"]["system"]["ready"], true);
}

#[tokio::test]
async fn b6_reservations_count_but_are_not_accepted() {
    let w = World::start().await;
    let h = w.joined("lobby").await;
    let body = json!({"members": {
        "reserve_0": {"constants": {"system": {"xuid": B}}},
        "reserve_1": {"constants": {"system": {"xuid": C}}},
    }});
    let doc = w.put(&h, A, body).await.assert_json(200);
    assert_session_shape(&doc);
    assert_eq!(doc["membersInfo"]["count"], 3);
    assert_eq!(doc["membersInfo"]["accepted"], 1);
    assert_eq!(
        members_of(&doc),
        vec![(0, A.into()), (1, B.into()), (2, C.into())]
    );
}

#[tokio::test]
async fn b6_reserved_member_who_joins_keeps_its_index() {
    let w = World::start().await;
    let h = w.joined("lobby").await;
    let body = json!({"members": {"reserve_0": {"constants": {"system": {"xuid": B}}}}});
    w.put(&h, A, body).await.assert_json(200);
    w.join(&h, C).await.assert_json(200);
    let doc = w.join(&h, B).await.assert_json(200);
    assert_eq!(
        members_of(&doc),
        vec![(0, A.into()), (1, B.into()), (2, C.into())]
    );
    assert_eq!(doc["membersInfo"]["accepted"], 3);
    assert_session_shape(&doc);
}

#[tokio::test]
async fn b6_misnumbered_or_anonymous_reservations_are_400() {
    let w = World::start().await;
    let h = w.joined("lobby").await;
    let r = |xuid: &str| json!({"constants": {"system": {"xuid": xuid}}});
    for members in [
        json!({"reserve_1": r(B)}),
        json!({"reserve_0": r(B), "reserve_2": r(C)}),
        json!({"reserve_01": r(B)}),
        json!({"reserve_0": {}}),
        json!({"reserve_0": {"constants": {"system": {"xuid": 5}}}}),
        json!({"reserve_x": r(B)}),
    ] {
        w.put(&h, A, json!({ "members": members }))
            .await
            .assert_refused(400);
    }
}

#[tokio::test]
async fn b7_writing_a_member_by_index_is_403() {
    let w = World::start().await;
    let h = w.joined("lobby").await;
    w.join(&h, B).await.assert_json(200);
    for index in ["0", "1"] {
        let body = json!({"members": {index: {"properties": {"custom": {"x": 1}}}}});
        w.put(&h, A, body).await.assert_refused(403);
    }
}

#[tokio::test]
async fn b8_writing_servers_is_403() {
    let w = World::start().await;
    let h = w.joined("lobby").await;
    for servers in [json!({"gs": {"constants": {"system": {}}}}), json!({})] {
        w.put(&h, A, json!({ "servers": servers }))
            .await
            .assert_refused(403);
    }
}

#[tokio::test]
async fn b9_constant_differing_from_template_at_creation_is_409() {
    let w = World::start().await;
    let h = w.handle("lobby").await;
    let body = json!({"constants": {"system": {"maxMembersCount": 99}}, "members": {"me": {}}});
    w.put(&h, A, body).await.assert_refused(409);
    assert_eq!(w.get(&h).await.status, 204);
}

#[tokio::test]
async fn b9_new_constants_at_creation_are_merged() {
    let w = World::start().await;
    let h = w.handle("lobby").await;
    let body = json!({
        "constants": {"system": {"maxMembersCount": 8}, "custom": {"mode": "ffa"}},
        "members": {"me": {}}
    });
    let doc = w.put(&h, A, body).await.assert_json(201);
    assert_eq!(doc["constants"]["custom"]["mode"], "ffa");
    assert_eq!(doc["constants"]["system"]["maxMembersCount"], 8);
}

#[tokio::test]
async fn b9_changing_or_adding_constants_later_is_409() {
    let w = World::start().await;
    let h = w.handle("lobby").await;
    let body = json!({"constants": {"custom": {"mode": "ffa"}}, "members": {"me": {}}});
    w.put(&h, A, body).await.assert_json(201);
    for constants in [
        json!({"custom": {"mode": "teams"}}),
        json!({"custom": {"extra": 1}}),
        json!({"system": {"maxMembersCount": 4}}),
    ] {
        w.put(&h, A, json!({ "constants": constants }))
            .await
            .assert_refused(409);
    }
    let same = json!({"constants": {"custom": {"mode": "ffa"}}});
    w.put(&h, A, same).await.assert_json(200);
}

#[tokio::test]
async fn b9_changing_a_member_constant_is_409() {
    let w = World::start().await;
    let h = w.joined("lobby").await;
    let body = json!({"members": {"me": {"constants": {"system": {"initialize": false}}}}});
    w.put(&h, A, body).await.assert_refused(409);
}

#[tokio::test]
async fn b10_nocommit_reports_the_creation_and_stores_nothing() {
    let w = World::start().await;
    let h = w.handle("lobby").await;
    let path = format!("{}?nocommit=true", session_path(&h));
    let reply = w
        .send(Req::put(&path, json!({"members": {"me": {}}})))
        .await;
    let doc = reply.assert_json(201);
    assert_eq!(members_of(&doc), vec![(0, A.into())]);
    assert!(reply.header("etag").is_some());
    assert_eq!(w.get(&h).await.status, 204);
}

#[tokio::test]
async fn b10_nocommit_update_carries_the_would_be_etag_and_keeps_the_stored_one() {
    let w = World::start().await;
    let h = w.joined("lobby").await;
    let before = w.get(&h).await;
    let path = format!("{}?nocommit=true", session_path(&h));
    let reply = w
        .send(Req::put(&path, json!({"properties": {"custom": {"k": 1}}})))
        .await;
    let doc = reply.assert_json(200);
    assert_eq!(doc["properties"]["custom"]["k"], 1);
    assert_ne!(reply.etag(), before.etag());
    let after = w.get(&h).await;
    assert_eq!(after.etag(), before.etag());
    assert_eq!(after.json(), before.json());
}

#[tokio::test]
async fn b10_nocommit_leave_is_204_and_keeps_the_session() {
    let w = World::start().await;
    let h = w.joined("lobby").await;
    let path = format!("{}?nocommit=true", session_path(&h));
    let reply = w
        .send(Req::put(&path, json!({"members": {"me": null}})))
        .await;
    assert_eq!(reply.status, 204);
    assert_eq!(w.get(&h).await.status, 200);
}

#[tokio::test]
async fn b10_nocommit_1_is_not_a_nocommit() {
    let w = World::start().await;
    let h = w.handle("lobby").await;
    let path = format!("{}?nocommit=1", session_path(&h));
    w.send(Req::put(&path, json!({"members": {"me": {}}})))
        .await
        .assert_json(201);
    assert_eq!(w.get(&h).await.status, 200);
}

#[tokio::test]
async fn b11_body_over_one_mib_is_413() {
    let w = World::start().await;
    let h = w.joined("lobby").await;
    let big = format!(
        "{{\"properties\":{{\"custom\":{{\"x\":\"{}\"}}}}}}",
        "a".repeat(4 << 20)
    );
    let reply = w
        .send(Req::new("PUT", &session_path(&h)).body(big.into_bytes()))
        .await;
    assert_eq!(reply.status, 413);
    assert_eq!(w.get(&h).await.status, 200);
}

#[tokio::test]
async fn b12_join_beyond_max_members_is_403() {
    let w = World::start().await;
    let h = w.joined("solo").await;
    w.join(&h, B).await.assert_refused(403);
    let doc = w.get(&h).await.assert_json(200);
    assert_eq!(members_of(&doc), vec![(0, A.into())]);
}

#[tokio::test]
async fn b12_reservations_count_toward_max_members() {
    let w = World::start().await;
    let h = w.joined("solo").await;
    let body = json!({"members": {"reserve_0": {"constants": {"system": {"xuid": B}}}}});
    w.put(&h, A, body).await.assert_refused(403);
}

// ---- O10 verbs, O14 Content-Location, O15, O16 -----------------------------------------------

#[tokio::test]
async fn o10_wrong_verb_is_405_with_allow() {
    let w = World::start().await;
    let h = w.joined("lobby").await;
    for method in ["POST", "DELETE", "PATCH"] {
        let reply = w
            .send(Req::new(method, &session_path(&h)).json(json!({})))
            .await;
        reply.assert_refused(405);
        let allow = reply.header("allow").unwrap_or_default();
        let listed: Vec<&str> = allow.split(',').map(str::trim).collect();
        assert!(
            listed.contains(&"GET") && listed.contains(&"PUT"),
            "{allow}"
        );
    }
}

#[tokio::test]
async fn o10_wrong_verbs_on_other_resources_are_405() {
    let w = World::start().await;
    let h = w.handle("lobby").await;
    let cases = [
        ("GET", "/handles".to_owned(), "POST"),
        ("PUT", format!("/handles/{h}"), "DELETE"),
        ("DELETE", by_name("lobby", "x"), "PUT"),
    ];
    for (method, path, expected) in cases {
        let reply = w.send(Req::new(method, &path)).await;
        reply.assert_refused(405);
        assert!(reply.header("allow").unwrap_or_default().contains(expected));
    }
}

#[tokio::test]
async fn o14_content_location_names_the_session() {
    let w = World::start().await;
    let name = w.name();
    let h = w.handle_to("Lobby", &name).await;
    let expected = format!("/serviceconfigs/{SCID}/sessiontemplates/lobby/sessions/{name}");
    let created = w.join(&h, A).await;
    assert_eq!(created.status, 201);
    let updated = w.join(&h, B).await;
    let read = w.get(&h).await;
    for reply in [created, updated, read] {
        let location = reply.header("content-location").unwrap_or_default();
        assert!(location.eq_ignore_ascii_case(&expected), "{location}");
    }
}

#[tokio::test]
async fn o15_repeating_a_write_changes_nothing_more() {
    let w = World::start().await;
    let h = w.joined("lobby").await;
    let first = w.join(&h, B).await;
    let second = w.join(&h, B).await;
    assert_eq!(second.assert_json(200), first.json());
    assert_eq!(second.etag(), first.etag());
    assert_eq!(members_of(&second.json()).len(), 2);
}

#[tokio::test]
async fn o15_change_number_and_etag_grow_with_every_stored_change() {
    let w = World::start().await;
    let h = w.joined("lobby").await;
    let mut last = w.get(&h).await;
    let branch = last.json()["branch"].clone();
    for i in 0..3 {
        let reply = w
            .put(&h, A, json!({"properties": {"custom": {"i": i}}}))
            .await;
        let doc = reply.assert_json(200);
        assert_eq!(change_number(&doc), change_number(&last.json()) + 1);
        assert_ne!(reply.etag(), last.etag());
        assert_eq!(doc["branch"], branch);
        last = reply;
    }
}

#[tokio::test]
async fn o16_get_after_put_same_etag_and_document() {
    let w = World::start().await;
    let h = w.handle("lobby").await;
    let put = w.join(&h, A).await;
    let get = w.get(&h).await;
    assert_eq!(get.assert_json(200), put.json());
    assert_eq!(get.etag(), put.etag());
    assert!(get.header("content-location").is_some());
}

#[tokio::test]
async fn o16_if_none_match_current_etag_is_304_with_etag() {
    let w = World::start().await;
    let h = w.joined("lobby").await;
    let etag = w.get(&h).await.etag();
    let reply = w
        .send(Req::get(&session_path(&h)).set("If-None-Match", etag.as_bytes()))
        .await;
    assert_eq!(reply.status, 304);
    assert_eq!(reply.etag(), etag);
    assert!(reply.body.is_empty());
    let other = w
        .send(Req::get(&session_path(&h)).set("If-None-Match", b"\"other\""))
        .await;
    assert_eq!(other.status, 200);
}

#[tokio::test]
async fn o16_session_never_created_is_204() {
    let w = World::start().await;
    let h = w.handle("lobby").await;
    let reply = w.get(&h).await;
    assert_eq!(reply.status, 204);
    assert!(reply.body.is_empty());
}

// ---- R3, R4 handles ---------------------------------------------------------------------------

#[tokio::test]
async fn r3_invite_handle_is_201_with_sh3_document() {
    let w = World::start().await;
    let name = w.name();
    let reply = w
        .send(Req::new("POST", "/handles").json(json!({
            "version": 1, "type": "invite", "invitedXuid": B,
            "sessionRef": {"scid": SCID, "templateName": "lobby", "name": name},
        })))
        .await;
    let doc = reply.assert_json(201);
    let id = doc["id"].as_str().unwrap_or_default();
    assert_eq!(id.len(), 36);
    assert_eq!(doc["type"], "invite");
    assert_eq!(doc["version"], 1);
    assert_eq!(
        doc["sessionRef"],
        json!({"scid": SCID, "templateName": "lobby", "name": name})
    );
    let title = doc["titleId"].as_str().unwrap_or_default();
    assert!(!title.is_empty() && title.bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(doc["ownerXuid"], A);
    assert_eq!(doc["invitedXuid"], B);
    assert_eq!(doc["senderXuid"], A);
    assert!(doc["inviteAttributes"].is_object());
    assert!(doc["expiration"].is_string());
}

#[tokio::test]
async fn r3_activity_handle_is_created() {
    let w = World::start().await;
    let reply = w
        .send(Req::new("POST", "/handles").json(json!({
            "version": 1, "type": "activity",
            "sessionRef": {"scid": SCID, "templateName": "lobby", "name": w.name()},
        })))
        .await;
    assert_eq!(reply.assert_json(201)["type"], "activity");
}

#[tokio::test]
async fn r3_invite_without_invited_xuid_is_400() {
    let w = World::start().await;
    let reply = w
        .send(Req::new("POST", "/handles").json(json!({
            "version": 1, "type": "invite",
            "sessionRef": {"scid": SCID, "templateName": "lobby", "name": "x"},
        })))
        .await;
    reply.assert_refused(400);
}

#[tokio::test]
async fn r3_unknown_scid_or_template_is_404() {
    let w = World::start().await;
    for (scid, template) in [(NIL, "lobby"), (SCID, "nope")] {
        let reply = w
            .send(Req::new("POST", "/handles").json(json!({
                "version": 1, "type": "invite", "invitedXuid": B,
                "sessionRef": {"scid": scid, "templateName": template, "name": "x"},
            })))
            .await;
        reply.assert_refused(404);
    }
}

#[tokio::test]
async fn r3_malformed_bodies_are_400() {
    let w = World::start().await;
    for body in [
        json!([]),
        json!({"version": 1}),
        json!({"version": 2, "type": "activity",
        "sessionRef": {"scid": SCID, "templateName": "lobby", "name": "x"}}),
    ] {
        w.send(Req::new("POST", "/handles").json(body))
            .await
            .assert_refused(400);
    }
}

#[tokio::test]
async fn r4_get_and_delete_handle() {
    let w = World::start().await;
    let h = w.handle("lobby").await;
    let path = format!("/handles/{h}");
    let doc = w.send(Req::get(&path)).await.assert_json(200);
    assert_eq!(doc["id"], h.as_str());
    let upper = format!("/handles/{}", h.to_uppercase());
    assert_eq!(w.send(Req::get(&upper)).await.status, 200);
    assert_eq!(w.send(Req::new("DELETE", &path)).await.status, 204);
    w.send(Req::new("DELETE", &path)).await.assert_refused(404);
    w.send(Req::get(&path)).await.assert_refused(404);
    w.send(Req::get("/handles/abc")).await.assert_refused(400);
}

#[tokio::test]
async fn r2_dangling_handle_to_a_gone_session_is_204() {
    let w = World::start().await;
    let name = w.name();
    let h1 = w.handle_to("lobby", &name).await;
    let h2 = w.handle_to("lobby", &name).await;
    w.join(&h1, A).await.assert_json(201);
    assert_eq!(w.get(&h2).await.assert_json(200), w.get(&h1).await.json());
    assert_eq!(
        w.put(&h2, A, json!({"members": {"me": null}})).await.status,
        204
    );
    assert_eq!(w.get(&h1).await.status, 204);
}

// ---- R5 by name -------------------------------------------------------------------------------

#[tokio::test]
async fn r5_put_and_get_by_name() {
    let w = World::start().await;
    let name = w.name();
    assert_eq!(w.send(Req::get(&by_name("lobby", &name))).await.status, 204);
    let body = json!({"members": {"me": {}}});
    let created = w.send(Req::put(&by_name("lobby", &name), body)).await;
    created.assert_json(201);
    let read = w
        .send(Req::get(&by_name("LOBBY", &name.to_uppercase())))
        .await;
    assert_eq!(read.assert_json(200), created.json());
    assert_eq!(read.etag(), created.etag());
    let h = w.handle_to("lobby", &name).await;
    assert_eq!(w.get(&h).await.json(), created.json());
}

#[tokio::test]
async fn r5_session_templates_segment_is_case_insensitive() {
    let w = World::start().await;
    let name = w.name();
    for segment in ["sessionTemplates", "sessiontemplates", "SESSIONTEMPLATES"] {
        let path = format!("/serviceconfigs/{SCID}/{segment}/lobby/sessions/{name}");
        assert_eq!(w.send(Req::get(&path)).await.status, 204, "{segment}");
    }
}

#[tokio::test]
async fn r5_unknown_scid_or_template_is_404() {
    let w = World::start().await;
    for path in [
        format!("/serviceconfigs/{NIL}/sessionTemplates/lobby/sessions/x"),
        by_name("nope", "x"),
    ] {
        w.send(Req::get(&path)).await.assert_refused(404);
        w.send(Req::put(&path, json!({}))).await.assert_refused(404);
    }
}

#[tokio::test]
async fn r5_preconditions_apply() {
    let w = World::start().await;
    let path = by_name("lobby", &w.name());
    let body = json!({"members": {"me": {}}});
    assert_eq!(
        w.send(Req::put(&path, body.clone()).set("If-Match", b"*"))
            .await
            .status,
        412
    );
    w.send(Req::put(&path, body.clone())).await.assert_json(201);
    let reply = w
        .send(Req::put(&path, body).set("If-None-Match", b"*"))
        .await;
    assert_eq!(reply.status, 412);
}

// ---- HEAD, OPTIONS, routing, precedence ----------------------------------------------------------

#[tokio::test]
async fn head_is_get_without_a_body() {
    let w = World::start().await;
    let h = w.joined("lobby").await;
    let get = w.get(&h).await;
    // Parsed as if it could carry a body: any byte after the head would show.
    let head = support::raw(
        w.addr(),
        &Req::new("HEAD", &session_path(&h)).bytes(),
        false,
    )
    .await;
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    assert_eq!(head.etag(), get.etag());
}

#[tokio::test]
async fn options_is_204_with_allow() {
    let w = World::start().await;
    let h = w.handle("lobby").await;
    let reply = w.send(Req::new("OPTIONS", &session_path(&h))).await;
    assert_eq!(reply.status, 204);
    assert!(reply
        .header("allow")
        .unwrap_or_default()
        .starts_with("GET, PUT"));
}

#[tokio::test]
async fn unknown_paths_are_404_text() {
    let w = World::start().await;
    for path in [
        "/",
        "/nope",
        "/handles/x/session/extra",
        "/handles/x/sessions",
        "/serviceconfigs",
    ] {
        w.send(Req::get(path)).await.assert_refused(404);
    }
}

#[tokio::test]
async fn precedence_follows_section_5() {
    let w = World::start().await;
    let h = w.joined("lobby").await;
    let nothing = |r: Req| r.without("Authorization").without("X-Xbl-Contract-Version");
    // route before verb before Authorization
    assert_eq!(w.send(nothing(Req::new("POST", "/nope"))).await.status, 404);
    assert_eq!(
        w.send(nothing(Req::new("POST", &session_path(&h))))
            .await
            .status,
        405
    );
    // Authorization before contract version before handle id
    assert_eq!(
        w.send(nothing(Req::put(&session_path("abc"), json!({}))))
            .await
            .status,
        401
    );
    let no_version = Req::put(&session_path("abc"), json!({})).without("X-Xbl-Contract-Version");
    assert_eq!(w.send(no_version).await.status, 400);
    let old_version = Req::put(&session_path("abc"), json!({})).set("X-Xbl-Contract-Version", b"1");
    assert_eq!(w.send(old_version).await.status, 406);
    // handle id before body
    let unknown = uuid::Uuid::new_v4().to_string();
    let bad_body = Req::new("PUT", &session_path(&unknown)).body(b"{".to_vec());
    assert_eq!(w.send(bad_body).await.status, 404);
    // body before preconditions before permission
    let body = Req::put(&session_path(&h), json!({"foo": 1})).set("If-Match", b"\"stale\"");
    assert_eq!(w.send(body).await.status, 400);
    let stale = Req::put(&session_path(&h), json!({"servers": {}})).set("If-Match", b"\"stale\"");
    assert_eq!(w.send(stale).await.status, 412);
}
