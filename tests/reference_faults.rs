//! Every fault of the catalog is live: a probe shows the healthy reference answering as the
//! contract says, and the reference with that one fault planted answering otherwise. (Whether the
//! case catalog notices is `tests/mutants.rs`'s question; this one asks whether there is anything
//! to notice.)

#[path = "reference_support/mod.rs"]
mod support;

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
