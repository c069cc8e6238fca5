//! Every fault of the catalog is live: a probe shows the healthy reference answering as the
//! contract says, and the reference with that one fault planted answering otherwise. (Whether the
//! case catalog notices is `tests/mutants.rs`'s question; this one asks whether there is anything
//! to notice.)

use crate::support;

use mpsd_conformance::reference::{Config, Fault, Faults};
use serde_json::{json, Value};
use support::{auth, session_path, Reply, Req, World, A, B, SCID};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// What a probe saw, and what it should see on the healthy and on the faulty server.
struct Seen {
    got: String,
    healthy: &'static str,
    faulty: &'static str,
}

fn seen(got: impl ToString, healthy: &'static str, faulty: &'static str) -> Seen {
    Seen {
        got: got.to_string(),
        healthy,
        faulty,
    }
}

fn status(reply: &Reply) -> String {
    reply.status.to_string()
}

fn json_of(reply: &Reply) -> Value {
    serde_json::from_slice(&reply.body).unwrap_or(Value::Null)
}

/// The members' xuids, in index order.
fn xuids(doc: &Value) -> String {
    let mut members: Vec<(u64, String)> = doc["members"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(index, member)| {
                    let xuid = member["constants"]["system"]["xuid"].as_str();
                    (index.parse().unwrap_or(0), xuid.unwrap_or("?").to_owned())
                })
                .collect()
        })
        .unwrap_or_default();
    members.sort();
    let names: Vec<&str> = members
        .iter()
        .map(|(_, x)| match x.as_str() {
            A => "A",
            B => "B",
            _ => "?",
        })
        .collect();
    names.join(",")
}

fn me(system: Value) -> Value {
    json!({"members": {"me": {"properties": {"system": system}}}})
}

fn leave() -> Value {
    json!({"members": {"me": null}})
}

fn custom(key: &str) -> Value {
    json!({"properties": {"custom": {key: true}}})
}

async fn probe(fault: Fault, w: &World) -> Seen {
    match fault {
        Fault::VersionMissingServed => {
            let h = w.joined("lobby").await;
            let r = w
                .send(Req::get(&session_path(&h)).without("X-Xbl-Contract-Version"))
                .await;
            seen(status(&r), "400", "200")
        }
        Fault::VersionOldServed => {
            let h = w.joined("lobby").await;
            let r = w
                .send(Req::get(&session_path(&h)).set("X-Xbl-Contract-Version", b"103"))
                .await;
            seen(status(&r), "406", "200")
        }
        Fault::VersionFloatParse => {
            let h = w.joined("lobby").await;
            let r = w
                .send(Req::get(&session_path(&h)).set("X-Xbl-Contract-Version", b"107.5"))
                .await;
            seen(status(&r), "400", "200")
        }
        Fault::VersionOverflow500 => {
            let h = w.joined("lobby").await;
            let version = b"99999999999999999999";
            let r = w
                .send(Req::get(&session_path(&h)).set("X-Xbl-Contract-Version", version))
                .await;
            seen(status(&r), "406", "500")
        }
        Fault::VersionOnly107 => {
            let h = w.joined("lobby").await;
            let r = w
                .send(Req::get(&session_path(&h)).set("X-Xbl-Contract-Version", b"104"))
                .await;
            seen(status(&r), "200", "406")
        }
        Fault::VersionUncheckedOnReads => {
            let h = w.joined("lobby").await;
            let r = w
                .send(Req::get(&session_path(&h)).set("X-Xbl-Contract-Version", b"abc"))
                .await;
            seen(status(&r), "400", "200")
        }
        Fault::AuthUncheckedOnReads => {
            let h = w.joined("lobby").await;
            let r = w
                .send(Req::get(&session_path(&h)).without("Authorization"))
                .await;
            seen(status(&r), "401", "200")
        }
        Fault::AuthSchemeCaseSensitive => {
            let h = w.joined("lobby").await;
            let lower = auth(A).replace("XBL3.0", "xbl3.0");
            let r = w
                .send(Req::get(&session_path(&h)).set("Authorization", lower.as_bytes()))
                .await;
            seen(status(&r), "200", "401")
        }
        Fault::AuthTokenUnchecked => {
            let h = w.joined("lobby").await;
            let no_token = format!("XBL3.0 x={A}");
            let r = w
                .send(Req::get(&session_path(&h)).set("Authorization", no_token.as_bytes()))
                .await;
            seen(status(&r), "401", "200")
        }
        Fault::AuthMissing403 => {
            let h = w.joined("lobby").await;
            let r = w
                .send(Req::put(&session_path(&h), json!({})).without("Authorization"))
                .await;
            seen(status(&r), "401", "403")
        }
        Fault::CharsetRefused => {
            let h = w.joined("lobby").await;
            let ct = b"application/json; charset=utf-8";
            let r = w
                .send(Req::put(&session_path(&h), json!({})).set("Content-Type", ct))
                .await;
            seen(status(&r), "200", "415")
        }
        Fault::IfNoneMatchIgnored => {
            let h = w.joined("lobby").await;
            let r = w
                .send(Req::put(&session_path(&h), custom("x")).set("If-None-Match", b"*"))
                .await;
            seen(status(&r), "412", "200")
        }
        Fault::IfMatchStarCreates => {
            let h = w.handle("lobby").await;
            let r = w
                .send(
                    Req::put(&session_path(&h), me(json!({"active": true}))).set("If-Match", b"*"),
                )
                .await;
            seen(status(&r), "412", "201")
        }
        Fault::Stale412WithoutSession => {
            let h = w.joined("lobby").await;
            let r = w
                .send(Req::put(&session_path(&h), custom("x")).set("If-Match", b"\"stale\""))
                .await;
            seen(
                format!("{} {}", r.status, r.media_type()),
                "412 application/json",
                "412 text/plain",
            )
        }
        Fault::Stale412EchoesIfMatch => {
            let h = w.joined("lobby").await;
            let current = w.get(&h).await.etag();
            let r = w
                .send(Req::put(&session_path(&h), custom("x")).set("If-Match", b"\"stale\""))
                .await;
            let etag = r.header("etag").unwrap_or_default();
            let which = if etag == current { "current" } else { &etag };
            seen(which, "current", "\"stale\"")
        }
        Fault::IfMatchIgnoredWithoutSession => {
            let h = w.handle("lobby").await;
            let body = me(json!({"active": true}));
            let r = w
                .send(Req::put(&session_path(&h), body).set("If-Match", b"\"abc\""))
                .await;
            seen(status(&r), "412", "201")
        }
        Fault::LeaveSkipsIfMatch => {
            let h = w.joined("lobby").await;
            let r = w
                .send(Req::put(&session_path(&h), leave()).set("If-Match", b"\"stale\""))
                .await;
            seen(status(&r), "412", "204")
        }
        Fault::NocommitSkipsPreconditions => {
            let h = w.joined("lobby").await;
            let path = format!("{}?nocommit=true", session_path(&h));
            let r = w
                .send(Req::put(&path, custom("x")).set("If-Match", b"\"stale\""))
                .await;
            seen(status(&r), "412", "200")
        }
        Fault::NotModifiedOnAnyEtag => {
            let h = w.joined("lobby").await;
            let r = w
                .send(Req::get(&session_path(&h)).set("If-None-Match", b"\"stale\""))
                .await;
            seen(status(&r), "200", "304")
        }
        Fault::NotModifiedWithoutEtag => {
            let h = w.joined("lobby").await;
            let current = w.get(&h).await.etag();
            let r = w
                .send(Req::get(&session_path(&h)).set("If-None-Match", current.as_bytes()))
                .await;
            seen(
                format!("{} {}", r.status, r.header("etag").is_some()),
                "304 true",
                "304 false",
            )
        }
        Fault::LongIfMatch500 => {
            let h = w.joined("lobby").await;
            let long = format!("\"{}\"", "a".repeat(10 * 1024));
            let r = w
                .send(Req::put(&session_path(&h), custom("x")).set("If-Match", long.as_bytes()))
                .await;
            seen(status(&r), "412", "500")
        }
        Fault::HandleIdCaseSensitiveOnSession => {
            let h = w.joined("lobby").await;
            let r = w.get(&h.to_uppercase()).await;
            seen(status(&r), "200", "404")
        }
        Fault::HandleIdLenientParse => {
            let h = w.joined("lobby").await;
            let r = w.get(&format!("%7B{h}%7D")).await;
            seen(status(&r), "400", "200")
        }
        Fault::HandleIdInvalid500 => {
            let r = w.get("abc").await;
            seen(status(&r), "400", "500")
        }
        Fault::HandleDeleteNoop => {
            let h = w.joined("lobby").await;
            let deleted = w.send(Req::new("DELETE", &format!("/handles/{h}"))).await;
            assert_eq!(deleted.status, 204);
            let r = w.get(&h).await;
            seen(status(&r), "404", "200")
        }
        Fault::NotFoundEmptyBody => {
            let r = w.get("00000000-0000-0000-0000-000000000000").await;
            let body = if r.body.is_empty() { "empty" } else { "text" };
            seen(
                format!("{} {} {body}", r.status, r.media_type()),
                "404 text/plain text",
                "404  empty",
            )
        }
        Fault::UnknownFieldIgnored => {
            let h = w.joined("lobby").await;
            let r = w.put(&h, A, json!({"foo": 1})).await;
            seen(status(&r), "400", "200")
        }
        Fault::MemberWrongType500 => {
            let h = w.joined("lobby").await;
            let r = w.put(&h, A, json!({"members": {"me": 5}})).await;
            seen(status(&r), "400", "500")
        }
        Fault::EmptyBodyServed => {
            let h = w.joined("lobby").await;
            let r = w
                .send(Req::new("PUT", &session_path(&h)).body(Vec::new()))
                .await;
            seen(status(&r), "400", "200")
        }
        Fault::EmptyWriteRefused => {
            let h = w.joined("lobby").await;
            let r = w.put(&h, A, json!({})).await;
            seen(status(&r), "200", "400")
        }
        Fault::LeaveUsesPositionAsIndex => {
            // A at 0, B at 1; A leaves and joins again at 2; then A leaves again.
            let h = w.joined("lobby").await;
            w.join(&h, B).await;
            w.put(&h, A, leave()).await;
            w.join(&h, A).await;
            let r = w.put(&h, A, leave()).await;
            seen(xuids(&json_of(&r)), "B", "A")
        }
        Fault::LeaveByNonMember403 => {
            let h = w.joined("lobby").await;
            let r = w.put(&h, B, leave()).await;
            seen(status(&r), "200", "403")
        }
        Fault::XuidUnchecked => {
            let h = w.joined("lobby").await;
            let body = json!({"members": {"me": {"constants": {"system": {"xuid": A}}}}});
            let r = w.put(&h, B, body).await;
            seen(status(&r), "403", "409")
        }
        Fault::JoinerCopiesFirstMember => {
            let h = w.joined("lobby").await;
            let r = w.put(&h, B, me(json!({"active": true}))).await;
            seen(xuids(&json_of(&r)), "A,B", "A,A")
        }
        Fault::ReadyJudgedOnRequestOnly => {
            let h = w.joined("lobby").await;
            let r = w.put(&h, A, me(json!({"ready": true}))).await;
            seen(status(&r), "400", "200")
        }
        Fault::ReadyRefusedBesideInactive => {
            let h = w.joined("lobby").await;
            w.put(&h, A, me(json!({"active": false}))).await;
            let r = w.put(&h, A, me(json!({"ready": true}))).await;
            seen(status(&r), "200", "400")
        }
        Fault::IndexedMemberIgnored => {
            let h = w.joined("lobby").await;
            let r = w.put(&h, A, json!({"members": {"0": {}}})).await;
            seen(status(&r), "403", "200")
        }
        Fault::ServersWriteIgnored => {
            let h = w.joined("lobby").await;
            let r = w.put(&h, A, json!({"servers": {"game": {}}})).await;
            seen(status(&r), "403", "200")
        }
        Fault::ReserveNumberingUnchecked => {
            let h = w.joined("lobby").await;
            let body = json!({"members": {"reserve_1": {"constants": {"system": {"xuid": B}}}}});
            let r = w.put(&h, A, body).await;
            seen(status(&r), "400", "200")
        }
        Fault::ReservedCountedAsAccepted => {
            let h = w.joined("lobby").await;
            let body = json!({"members": {"reserve_0": {"constants": {"system": {"xuid": B}}}}});
            let r = w.put(&h, A, body).await;
            seen(&json_of(&r)["membersInfo"]["accepted"], "1", "2")
        }
        Fault::ReservationsIgnoreMax => {
            let h = w.joined("solo").await;
            let body = json!({"members": {"reserve_0": {"constants": {"system": {"xuid": B}}}}});
            let r = w.put(&h, A, body).await;
            seen(status(&r), "403", "200")
        }
        Fault::ConstantsChangeIgnored => {
            let h = w.joined("lobby").await;
            let r = w
                .put(&h, A, json!({"constants": {"custom": {"x": 1}}}))
                .await;
            seen(status(&r), "409", "200")
        }
        Fault::ConstantsResend409 => {
            let h = w.joined("lobby").await;
            let same = json!({"constants": {"system": {"maxMembersCount": 8}}});
            let r = w.put(&h, A, same).await;
            seen(status(&r), "200", "409")
        }
        Fault::TemplateConstantsOverridden => {
            let h = w.handle("lobby").await;
            let body = json!({"constants": {"system": {"maxMembersCount": 9}},
                              "members": {"me": {}}});
            let r = w.put(&h, A, body).await;
            seen(status(&r), "409", "201")
        }
        Fault::NocommitDeletes => {
            let h = w.joined("lobby").await;
            let path = format!("{}?nocommit=true", session_path(&h));
            let r = w.send(Req::put(&path, leave())).await;
            assert_eq!(r.status, 204);
            seen(status(&w.get(&h).await), "200", "204")
        }
        Fault::NocommitCreates => {
            let h = w.handle("lobby").await;
            let path = format!("{}?nocommit=true", session_path(&h));
            let r = w.send(Req::put(&path, me(json!({"active": true})))).await;
            assert_eq!(r.status, 201);
            seen(status(&w.get(&h).await), "204", "200")
        }
        Fault::NocommitBumpsChangeNumber => {
            let h = w.joined("lobby").await;
            let path = format!("{}?nocommit=true", session_path(&h));
            w.send(Req::put(&path, custom("x"))).await;
            let doc = json_of(&w.get(&h).await);
            seen(&doc["changeNumber"], "1", "2")
        }
        Fault::NocommitTwice500 => {
            let h = w.joined("lobby").await;
            let path = format!("{}?nocommit=true&nocommit=true", session_path(&h));
            let r = w.send(Req::put(&path, json!({}))).await;
            seen(status(&r), "200", "500")
        }
        Fault::OversizedBody500 => {
            let h = w.joined("lobby").await;
            let big = vec![b' '; 2 << 20];
            let r = w.send(Req::new("PUT", &session_path(&h)).body(big)).await;
            seen(status(&r), "413", "500")
        }
        Fault::MaxMembersOffByOne => {
            let h = w.joined("solo").await;
            let r = w.join(&h, B).await;
            seen(status(&r), "403", "200")
        }
        Fault::CreateAnswers200 => {
            let h = w.handle("lobby").await;
            let r = w.join(&h, A).await;
            seen(status(&r), "201", "200")
        }
        Fault::LastLeaveAnswers200 => {
            let h = w.joined("lobby").await;
            let r = w.put(&h, A, leave()).await;
            seen(status(&r), "204", "200")
        }
        Fault::EmptyPersistentDeleted => {
            let h = w.joined("persistent").await;
            let r = w.put(&h, A, leave()).await;
            seen(status(&r), "200", "204")
        }
        Fault::DeletedSessionKept => {
            let h = w.joined("lobby").await;
            assert_eq!(w.put(&h, A, leave()).await.status, 204);
            seen(status(&w.get(&h).await), "204", "200")
        }
        Fault::EtagMissingOnCreate => {
            let h = w.handle("lobby").await;
            let r = w.join(&h, A).await;
            seen(r.header("etag").is_some(), "true", "false")
        }
        Fault::EtagFromBeforeWrite => {
            let h = w.joined("lobby").await;
            let before = w.get(&h).await.etag();
            let r = w.put(&h, A, custom("x")).await;
            seen(r.etag() == before, "false", "true")
        }
        Fault::ContentLocationMissingViaHandle => {
            let h = w.joined("lobby").await;
            let r = w.put(&h, A, json!({})).await;
            seen(r.header("content-location").is_some(), "true", "false")
        }
        Fault::ContentLocationRequestPath => {
            let h = w.joined("lobby").await;
            let r = w.put(&h, A, json!({})).await;
            let location = r.header("content-location").unwrap_or_default();
            seen(location.starts_with("/serviceconfigs/"), "true", "false")
        }
        Fault::WrongVerb404 => {
            let h = w.joined("lobby").await;
            let r = w.send(Req::new("POST", &session_path(&h))).await;
            seen(status(&r), "405", "404")
        }
        Fault::AllowHeaderMissing => {
            let h = w.joined("lobby").await;
            let r = w.send(Req::new("POST", &session_path(&h))).await;
            seen(
                format!("{} {}", r.status, r.header("allow").is_some()),
                "405 true",
                "405 false",
            )
        }
        Fault::ChangeNumberMembersOnly => {
            let h = w.joined("lobby").await;
            let r = w.put(&h, A, custom("x")).await;
            seen(&json_of(&r)["changeNumber"], "2", "1")
        }
        Fault::UnchangedWriteNewEtag => {
            let h = w.joined("lobby").await;
            let before = w.get(&h).await.etag();
            let r = w.put(&h, A, json!({})).await;
            seen(r.etag() == before, "true", "false")
        }
        Fault::RejoinDuplicatesMember => {
            let h = w.joined("lobby").await;
            let r = w.put(&h, A, me(json!({"active": true}))).await;
            seen(xuids(&json_of(&r)), "A", "A,A")
        }
        Fault::RateLimitWithoutRetryAfter => {
            let h = w.joined("lobby").await;
            let mut answer = "no 429".to_string();
            for _ in 0..50 {
                let r = w.get(&h).await;
                if r.status == 429 {
                    answer = format!("429, Retry-After {:?}", r.header("retry-after"));
                    break;
                }
            }
            seen(answer, "no 429", "429, Retry-After None")
        }
        Fault::OverloadWithoutRetryAfter => {
            let h = w.joined("lobby").await;
            // Hold requests in flight: each has sent its head but not its body.
            let mut held = Vec::new();
            for _ in 0..8 {
                let mut stream = TcpStream::connect(w.addr()).await.expect("connect");
                let head = format!(
                    "PUT {} HTTP/1.1\r\nHost: x\r\nAuthorization: {}\r\nX-Xbl-Contract-Version: 107\r\nContent-Length: 2\r\n\r\n{{",
                    session_path(&h),
                    auth(A)
                );
                stream.write_all(head.as_bytes()).await.expect("send");
                held.push(stream);
            }
            let mut answer = "no 503".to_string();
            for _ in 0..200 {
                let r = w.get(&h).await;
                if r.status == 503 {
                    answer = format!("503, Retry-After {:?}", r.header("retry-after"));
                    break;
                }
                tokio::task::yield_now().await;
            }
            drop(held);
            seen(answer, "no 503", "503, Retry-After None")
        }
        Fault::ReadMissingSession404 => {
            let h = w.handle("lobby").await;
            seen(status(&w.get(&h).await), "204", "404")
        }
        Fault::SessionTemplatesExactCase => {
            let name = w.name();
            let h = w.handle_to("lobby", &name).await;
            w.join(&h, A).await;
            let path = format!("/serviceconfigs/{SCID}/sessiontemplates/lobby/sessions/{name}");
            seen(status(&w.send(Req::get(&path)).await), "200", "404")
        }
        Fault::MemberNextIndexPlusOne => {
            // A at 0, B at 1; B leaves and joins again at 2: A's next is 2.
            let h = w.joined("lobby").await;
            w.join(&h, B).await;
            w.put(&h, B, leave()).await;
            let r = w.join(&h, B).await;
            seen(&json_of(&r)["members"]["0"]["next"], "2", "1")
        }
        Fault::BranchNewOnEveryWrite => {
            let h = w.joined("lobby").await;
            let before = json_of(&w.get(&h).await)["branch"].clone();
            let r = w.put(&h, A, custom("x")).await;
            seen(json_of(&r)["branch"] == before, "true", "false")
        }
        Fault::EmptyCustomOmitted => {
            let h = w.joined("lobby").await;
            let doc = json_of(&w.get(&h).await);
            seen(doc["properties"].get("custom").is_some(), "true", "false")
        }
        Fault::EmptyMembersOmitted => {
            let h = w.joined("persistent").await;
            let r = w.put(&h, A, leave()).await;
            seen(json_of(&r).get("members").is_some(), "true", "false")
        }
        Fault::OwnerXuidNumber => {
            let h = w.handle("lobby").await;
            let r = w.send(Req::get(&format!("/handles/{h}"))).await;
            seen(json_of(&r)["ownerXuid"].is_string(), "true", "false")
        }
        Fault::InviteWithoutInvitedXuid => {
            let body = json!({"version": 1, "type": "invite",
                "sessionRef": {"scid": SCID, "templateName": "lobby", "name": w.name()}});
            let r = w.send(Req::new("POST", "/handles").json(body)).await;
            seen(status(&r), "400", "201")
        }
        Fault::BadRequestJsonBody => {
            let h = w.joined("lobby").await;
            let r = w
                .send(Req::new("PUT", &session_path(&h)).body(b"{".to_vec()))
                .await;
            seen(
                format!("{} {}", r.status, r.media_type()),
                "400 text/plain",
                "400 application/json",
            )
        }
        _ => layer_probe(fault, w).await,
    }
}

/// A write's raw body to the session behind `h`, as A.
async fn put_raw(w: &World, h: &str, body: &[u8]) -> Reply {
    let req = Req::new("PUT", &session_path(h))
        .set("Content-Type", b"application/json")
        .body(body.to_vec());
    w.send(req).await
}

/// The value of custom property `k` as the session behind `h` shows it after writing `raw`.
async fn round_trip(w: &World, raw: &str) -> Value {
    let h = w.joined("lobby").await;
    let body = format!(r#"{{"properties": {{"custom": {{"k": {raw}}}}}}}"#);
    put_raw(w, &h, body.as_bytes()).await;
    w.get(&h).await.json()["properties"]["custom"]["k"].clone()
}

fn by_name(template: &str, name: &str) -> String {
    format!("/serviceconfigs/{SCID}/sessionTemplates/{template}/sessions/{name}")
}

/// The faults of the layer around the handler (`reference::faulty`).
async fn layer_probe(fault: Fault, w: &World) -> Seen {
    let servers = json!({"servers": {"x": {}}});
    match fault {
        Fault::RefusedWriteBumpsVersion => {
            let h = w.joined("lobby").await;
            let before = w.get(&h).await.etag();
            w.put(&h, A, servers).await.assert_refused(403);
            seen(w.get(&h).await.etag() == before, "true", "false")
        }
        Fault::RefusedWriteKeepsProperties => {
            let h = w.joined("lobby").await;
            let body = json!({"properties": {"custom": {"k": 1}}, "servers": {"x": {}}});
            w.put(&h, A, body).await.assert_refused(403);
            let kept = w.get(&h).await.json()["properties"]["custom"]
                .get("k")
                .is_some();
            seen(kept, "false", "true")
        }
        Fault::StaleWriteStored => {
            let h = w.joined("lobby").await;
            let stale = w.get(&h).await.etag();
            w.put(&h, A, custom("first")).await.assert_json(200);
            let req =
                Req::put(&session_path(&h), custom("second")).set("If-Match", stale.as_bytes());
            w.send(req).await.assert_json(412);
            let stored = w.get(&h).await.json()["properties"]["custom"]
                .get("second")
                .is_some();
            seen(stored, "false", "true")
        }
        Fault::RefusedCreateLeavesSession => {
            let h = w.handle("lobby").await;
            w.put(&h, A, json!({"bogus": 1})).await.assert_refused(400);
            seen(status(&w.get(&h).await), "204", "200")
        }
        Fault::UnknownFieldAcceptedOnCreate => {
            let h = w.handle("lobby").await;
            let r = w
                .put(&h, A, json!({"members": {"me": {}}, "bogus": 1}))
                .await;
            seen(status(&r), "400", "201")
        }
        Fault::ReadyActiveUncheckedOnCreate => {
            let h = w.handle("lobby").await;
            let r = w
                .put(&h, A, me(json!({"ready": true, "active": true})))
                .await;
            seen(status(&r), "400", "201")
        }
        Fault::IndexWriteIgnoredByName => {
            let name = w.name();
            let h = w.handle_to("lobby", &name).await;
            w.join(&h, A).await.assert_json(201);
            let r = w
                .send(Req::put(
                    &by_name("lobby", &name),
                    json!({"members": {"0": {}}}),
                ))
                .await;
            seen(status(&r), "403", "200")
        }
        Fault::ReadByNameCached => {
            let name = w.name();
            let h = w.handle_to("lobby", &name).await;
            w.join(&h, A).await.assert_json(201);
            w.send(Req::get(&by_name("lobby", &name)))
                .await
                .assert_json(200);
            w.put(&h, A, custom("k")).await.assert_json(200);
            let read = w.send(Req::get(&by_name("lobby", &name))).await.json();
            seen(
                read["properties"]["custom"].get("k").is_some(),
                "true",
                "false",
            )
        }
        Fault::ReadByHandleWithoutMembersInfo => {
            let h = w.joined("lobby").await;
            seen(
                w.get(&h).await.json().get("membersInfo").is_some(),
                "true",
                "false",
            )
        }
        Fault::ConstantsDroppedViaHandle => {
            let h = w.handle("lobby").await;
            let body = json!({"members": {"me": {}}, "constants": {"custom": {"k": 1}}});
            let doc = w.put(&h, A, body).await.assert_json(201);
            seen(&doc["constants"]["custom"]["k"], "1", "null")
        }
        Fault::TopLevelNull500 => {
            let h = w.joined("lobby").await;
            seen(status(&put_raw(w, &h, b"null").await), "400", "500")
        }
        Fault::LenientJsonLiterals => {
            let h = w.joined("lobby").await;
            let r = put_raw(w, &h, br#"{"properties": {"custom": {"k": NaN}}}"#).await;
            seen(status(&r), "400", "200")
        }
        Fault::ReservationShorthand => {
            let h = w.joined("lobby").await;
            let r = w.put(&h, A, json!({"members": {"reserve_0": B}})).await;
            seen(status(&r), "400", "200")
        }
        Fault::MemberSystemWrongType500 => {
            let h = w.joined("lobby").await;
            seen(status(&w.put(&h, A, me(json!([]))).await), "400", "500")
        }
        Fault::NonDecimalUserhash500 => {
            let h = w.joined("lobby").await;
            let req = Req::get(&session_path(&h)).set("Authorization", b"XBL3.0 x=abc;token");
            seen(status(&w.send(req).await), "401", "500")
        }
        Fault::ByteOrderMark500 => {
            let h = w.joined("lobby").await;
            seen(
                status(&put_raw(w, &h, b"\xef\xbb\xbf{}").await),
                "400",
                "500",
            )
        }
        Fault::ChunkedBodyDropped => {
            let h = w.joined("lobby").await;
            let body = br#"{"properties": {"custom": {"k": 1}}}"#;
            let mut request = format!(
                "PUT {} HTTP/1.1\r\nHost: x\r\nAuthorization: {}\r\nX-Xbl-Contract-Version: 107\r\n\
                 Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
                session_path(&h),
                auth(A)
            )
            .into_bytes();
            for chunk in body.chunks(7) {
                request.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
                request.extend_from_slice(chunk);
                request.extend_from_slice(b"\r\n");
            }
            request.extend_from_slice(b"0\r\n\r\n");
            seen(
                status(&support::raw(w.addr(), &request, false).await),
                "200",
                "400",
            )
        }
        Fault::StringsLatin1 => seen(round_trip(w, "\"é\"").await, "\"é\"", "\"Ã©\""),
        Fault::NulTruncatesStrings => seen(
            round_trip(w, r#""a\u0000b""#).await == "a\0b",
            "true",
            "false",
        ),
        Fault::DeepNesting500 => {
            let h = w.joined("lobby").await;
            let deep = format!("{}{}", "[".repeat(101), "]".repeat(101));
            let body = format!(r#"{{"properties": {{"custom": {{"k": {deep}}}}}}}"#);
            seen(status(&put_raw(w, &h, body.as_bytes()).await), "200", "500")
        }
        Fault::EscapedPairsSplit => seen(
            round_trip(w, r#""\ud83c\udfae""#).await == "\u{1f3ae}",
            "true",
            "false",
        ),
        Fault::BidiControlsStripped => seen(
            round_trip(w, r#""a\u202eb""#).await == "a\u{202e}b",
            "true",
            "false",
        ),
        Fault::MediaTypeCaseSensitive => {
            let h = w.joined("lobby").await;
            let req =
                Req::put(&session_path(&h), custom("k")).set("Content-Type", b"Application/JSON");
            seen(status(&w.send(req).await), "200", "415")
        }
        Fault::LastContractHeaderWins => {
            let h = w.joined("lobby").await;
            let req = Req::get(&session_path(&h))
                .set("X-Xbl-Contract-Version", b"104")
                .add("X-Xbl-Contract-Version", b"107");
            seen(status(&w.send(req).await), "400", "200")
        }
        Fault::ExpectContinueRefused => {
            let h = w.joined("lobby").await;
            let req = Req::put(&session_path(&h), custom("k")).set("Expect", b"100-continue");
            let mut stream = tokio::net::TcpStream::connect(w.addr())
                .await
                .expect("connect");
            stream.write_all(&req.bytes()).await.expect("send");
            let mut received = Vec::new();
            tokio::io::AsyncReadExt::read_to_end(&mut stream, &mut received)
                .await
                .expect("read");
            // An interim 100 Continue may come first: the answer is the last head.
            let last = received
                .windows(9)
                .rposition(|w| w == b"HTTP/1.1 ")
                .unwrap_or(0);
            let reply = support::parse_reply(&received[last..], false).expect("an answer");
            seen(status(&reply), "200", "417")
        }
        Fault::Http10Refused => {
            let h = w.joined("lobby").await;
            let request = format!(
                "GET {} HTTP/1.0\r\nHost: x\r\nAuthorization: {}\r\nX-Xbl-Contract-Version: 107\r\n\r\n",
                session_path(&h),
                auth(A)
            );
            seen(
                status(&support::raw(w.addr(), request.as_bytes(), false).await),
                "200",
                "505",
            )
        }
        Fault::InviteReadWithoutInvitedXuid => {
            let h = w.handle("lobby").await;
            let doc = w.send(Req::get(&format!("/handles/{h}"))).await.json();
            seen(doc.get("invitedXuid").is_some(), "true", "false")
        }
        Fault::DeletedSessionServedByHandle => {
            let h = w.joined("lobby").await;
            w.get(&h).await.assert_json(200);
            assert_eq!(w.put(&h, A, leave()).await.status, 204);
            seen(status(&w.get(&h).await), "204", "200")
        }
        Fault::EmptyPersistentHiddenByName => {
            let name = w.name();
            let h = w.handle_to("persistent", &name).await;
            w.join(&h, A).await.assert_json(201);
            w.put(&h, A, leave()).await.assert_json(200);
            seen(
                status(&w.send(Req::get(&by_name("persistent", &name))).await),
                "200",
                "204",
            )
        }
        Fault::TwoAuthorizations500 => {
            let h = w.joined("lobby").await;
            let req = Req::get(&session_path(&h)).add("Authorization", auth(B).as_bytes());
            seen(status(&w.send(req).await), "400", "500")
        }
        Fault::NewerContract500 => {
            let h = w.joined("lobby").await;
            let req = Req::get(&session_path(&h)).set("X-Xbl-Contract-Version", b"108");
            seen(status(&w.send(req).await), "406", "500")
        }
        _ => sequence_probe(fault, w).await,
    }
}

/// A third caller, for three members.
const C: &str = "2533274790395906";

fn member_of<'a>(doc: &'a Value, xuid: &str) -> Option<(u64, &'a Value)> {
    doc["members"].as_object()?.iter().find_map(|(i, m)| {
        (m["constants"]["system"]["xuid"] == xuid).then(|| (i.parse().unwrap_or(u64::MAX), m))
    })
}

fn reserve(xuid: &str) -> Value {
    json!({"members": {"reserve_0": {"constants": {"system": {"xuid": xuid}}}}})
}

/// Races show when two requests meet in their window: a probe tries a few times, and the
/// healthy server never shows them.
const TRIES: usize = 12;

/// The faults of sequences and races (`reference::faulty::{racy, ledger, lifecycle}` and the
/// ETag of members only).
async fn sequence_probe(fault: Fault, w: &World) -> Seen {
    let one_ms = || tokio::time::sleep(std::time::Duration::from_millis(1));
    match fault {
        Fault::LostUpdate => {
            let mut kept = true;
            for _ in 0..TRIES {
                let h = w.joined("lobby").await;
                let (x, y) = tokio::join!(w.put(&h, A, custom("x")), w.put(&h, B, custom("y")));
                assert_eq!((x.status, y.status), (200, 200));
                let doc = w.get(&h).await.json();
                kept &= doc["properties"]["custom"].get("x").is_some()
                    && doc["properties"]["custom"].get("y").is_some();
            }
            seen(kept, "true", "false")
        }
        Fault::IfMatchBeforeLock => {
            let mut winners = 1;
            for _ in 0..TRIES {
                let h = w.joined("lobby").await;
                let etag = w.get(&h).await.etag();
                let write = |key: &str| {
                    Req::put(&session_path(&h), custom(key)).set("If-Match", etag.as_bytes())
                };
                let (x, y) = tokio::join!(w.send(write("x")), w.send(write("y")));
                winners = winners.max(usize::from(x.status == 200) + usize::from(y.status == 200));
            }
            seen(winners, "1", "2")
        }
        Fault::IfNoneMatchBeforeLock => {
            let mut winners = 1;
            for _ in 0..TRIES {
                let h = w.handle("lobby").await;
                let join = |xuid: &str| {
                    Req::put(&session_path(&h), me(json!({"active": true})))
                        .by(xuid)
                        .set("If-None-Match", b"*")
                };
                let (x, y) = tokio::join!(w.send(join(A)), w.send(join(B)));
                winners = winners.max(usize::from(x.status < 300) + usize::from(y.status < 300));
            }
            seen(winners, "1", "2")
        }
        Fault::CreatedFromSnapshot => {
            let mut creates = 1;
            for _ in 0..TRIES {
                let h = w.handle("lobby").await;
                let (x, y) = tokio::join!(w.join(&h, A), w.join(&h, B));
                creates = creates.max(usize::from(x.status == 201) + usize::from(y.status == 201));
            }
            seen(creates, "1", "2")
        }
        Fault::JoinIndexFromSnapshot => {
            let mut fewest = 3;
            for _ in 0..TRIES {
                let h = w.joined("lobby").await;
                tokio::join!(w.join(&h, B), w.join(&h, C));
                let doc = w.get(&h).await.json();
                fewest = fewest.min(doc["members"].as_object().map_or(0, |m| m.len()));
            }
            seen(fewest, "3", "2")
        }
        Fault::PartialPublish => {
            let mut whole = true;
            for _ in 0..TRIES {
                let h = w.joined("lobby").await;
                let body = json!({"members": {"me": {"properties": {"system": {"active": true}, "custom": {"k": 1}}}}});
                let read = async {
                    one_ms().await;
                    w.get(&h).await
                };
                let (_, r) = tokio::join!(w.put(&h, B, body), read);
                let doc = r.json();
                // B, if shown at all, is shown with the property its join wrote.
                whole &=
                    member_of(&doc, B).is_none_or(|(_, m)| m["properties"]["custom"]["k"] == 1);
            }
            seen(whole, "true", "false")
        }
        Fault::NocommitRollback => {
            let mut kept = true;
            for _ in 0..TRIES {
                let h = w.joined("lobby").await;
                let dry = Req::put(
                    &format!("{}?nocommit=true", session_path(&h)),
                    custom("dry"),
                )
                .by(A);
                let real = async {
                    one_ms().await;
                    w.put(&h, B, custom("real")).await
                };
                let (_, r) = tokio::join!(w.send(dry), real);
                assert_eq!(r.status, 200);
                kept &= w.get(&h).await.json()["properties"]["custom"]
                    .get("real")
                    .is_some();
            }
            seen(kept, "true", "false")
        }
        Fault::NextNotRelinkedOnLeave => {
            let h = w.joined("lobby").await;
            w.join(&h, B).await.assert_json(200);
            w.put(&h, B, leave()).await.assert_json(200);
            let doc = w.get(&h).await.json();
            let a = member_of(&doc, A).map(|(_, m)| m["next"].clone());
            seen(
                a == Some(doc["membersInfo"]["next"].clone()),
                "true",
                "false",
            )
        }
        Fault::FirstNotMovedOnLeave => {
            let h = w.joined("lobby").await;
            w.join(&h, B).await.assert_json(200);
            w.put(&h, A, leave()).await.assert_json(200);
            let doc = w.get(&h).await.json();
            let b = member_of(&doc, B).map(|(i, _)| i);
            seen(b == doc["membersInfo"]["first"].as_u64(), "true", "false")
        }
        Fault::CountBumpedOnReservedJoin | Fault::AcceptedMissedOnReservedJoin => {
            let h = w.joined("lobby").await;
            w.put(&h, A, reserve(B)).await.assert_json(200);
            w.join(&h, B).await.assert_json(200);
            let info = w.get(&h).await.json()["membersInfo"].clone();
            let shown = format!("{} {}", info["count"], info["accepted"]);
            if fault == Fault::CountBumpedOnReservedJoin {
                seen(shown, "2 2", "3 2")
            } else {
                seen(shown, "2 2", "2 1")
            }
        }
        Fault::LastAcceptedLeaveDeletes => {
            let h = w.joined("lobby").await;
            w.put(&h, A, reserve(B)).await.assert_json(200);
            seen(status(&w.put(&h, A, leave()).await), "200", "204")
        }
        Fault::RecreateRestoresProperties => {
            let h = w.joined("lobby").await;
            w.put(&h, A, custom("old")).await.assert_json(200);
            assert_eq!(w.put(&h, A, leave()).await.status, 204);
            w.join(&h, A).await.assert_json(201);
            let doc = w.get(&h).await.json();
            seen(
                doc["properties"]["custom"].get("old").is_some(),
                "false",
                "true",
            )
        }
        Fault::RejoinRestoresProperties => {
            let h = w.joined("lobby").await;
            let body = json!({"members": {"me": {"properties": {"system": {"active": true}, "custom": {"old": 1}}}}});
            w.put(&h, B, body).await.assert_json(200);
            w.put(&h, B, leave()).await.assert_json(200);
            w.join(&h, B).await.assert_json(200);
            let doc = w.get(&h).await.json();
            let old = member_of(&doc, B)
                .is_some_and(|(_, m)| m["properties"]["custom"].get("old").is_some());
            seen(old, "false", "true")
        }
        Fault::ReadBumpsChangeNumber => {
            let h = w.joined("lobby").await;
            let first = w.get(&h).await.etag();
            seen(w.get(&h).await.etag() == first, "true", "false")
        }
        Fault::EtagOfMembersOnly => {
            let h = w.joined("lobby").await;
            let before = w.get(&h).await.etag();
            let after = w.put(&h, A, custom("k")).await.etag();
            seen(after == before, "false", "true")
        }
        Fault::HandleIdsReused => {
            let h = w.joined("lobby").await;
            let deleted = w.send(Req::new("DELETE", &format!("/handles/{h}"))).await;
            assert_eq!(deleted.status, 204);
            let next = w.handle("lobby").await;
            seen(next == h, "false", "true")
        }
        Fault::WriteThroughDeletedHandle => {
            let h = w.joined("lobby").await;
            let deleted = w.send(Req::new("DELETE", &format!("/handles/{h}"))).await;
            assert_eq!(deleted.status, 204);
            seen(status(&w.put(&h, A, custom("k")).await), "404", "200")
        }
        other => unreachable!("{other} is probed above"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_changes_what_the_server_answers() {
    let healthy = World::start().await;
    let mut wrong = Vec::new();
    for fault in Fault::ALL.iter().copied() {
        let faulty = World::with(Config {
            faults: Faults::none().with(fault),
            ..Config::default()
        })
        .await;
        let on_healthy = probe(fault, &healthy).await;
        let on_faulty = probe(fault, &faulty).await;
        if on_healthy.got != on_healthy.healthy || on_faulty.got != on_healthy.faulty {
            wrong.push(format!(
                "{fault}: healthy {:?} (want {:?}), faulty {:?} (want {:?})",
                on_healthy.got, on_healthy.healthy, on_faulty.got, on_healthy.faulty
            ));
        }
        faulty.server.shutdown().await;
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[tokio::test]
async fn faults_combine() {
    let w = World::with(Config {
        faults: [Fault::CreateAnswers200, Fault::EtagMissingOnCreate]
            .into_iter()
            .collect(),
        ..Config::default()
    })
    .await;
    let h = w.handle("lobby").await;
    let r = w.join(&h, A).await;
    // The 201 became a 200, so the ETag that only a 201 forgets is still there.
    assert_eq!(r.status, 200);
    assert!(r.header("etag").is_some());
    let w = World::with(Config {
        faults: [Fault::WrongVerb404, Fault::NotFoundEmptyBody]
            .into_iter()
            .collect(),
        ..Config::default()
    })
    .await;
    let r = w
        .send(Req::new("POST", &session_path(&w.joined("lobby").await)))
        .await;
    assert_eq!((r.status, r.body.len()), (404, 0));
}

#[test]
fn every_fault_names_rules_of_the_catalog() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("cases/rules.json");
    let rules: Value =
        serde_json::from_slice(&std::fs::read(path).expect("rules.json")).expect("JSON");
    let ids: Vec<&str> = rules["rules"]
        .as_array()
        .expect("a list of rules")
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    for fault in Fault::ALL {
        for rule in fault.rules() {
            assert!(
                ids.contains(rule),
                "{fault} names {rule}, which rules.json does not define"
            );
        }
    }
}
