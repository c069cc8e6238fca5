//! Writes to one session are atomic (CONTRACT.md §7): concurrent `If-Match` writers never lose
//! an update, and concurrent joins never overfill a session.

use crate::support;

use std::sync::Arc;

use serde_json::{json, Value};
use support::{session_path, Req, World};

const WRITERS: usize = 64;
const WRITES_EACH: usize = 3;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixty_four_if_match_writers_never_lose_an_update() {
    let w = Arc::new(World::start().await);
    let h = Arc::new(w.joined("persistent").await);
    let start = w.get(&h).await.json()["changeNumber"]
        .as_u64()
        .unwrap_or_default();
    let mut tasks = Vec::new();
    for writer in 0..WRITERS {
        let (w, h) = (Arc::clone(&w), Arc::clone(&h));
        tasks.push(tokio::spawn(async move {
            let mut accepted = Vec::new();
            let mut rejected = 0usize;
            while accepted.len() < WRITES_EACH {
                // Read, modify, write back under If-Match.
                let read = w.get(&h).await;
                let doc = read.assert_json(200);
                let mut log = doc["properties"]["custom"]["log"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                let entry = format!("{writer}-{}", accepted.len());
                log.push(json!(entry));
                let body = json!({"properties": {"custom": {"log": log}}});
                let reply = w
                    .send(Req::put(&session_path(&h), body).set("If-Match", read.etag().as_bytes()))
                    .await;
                match reply.status {
                    200 => accepted.push(entry),
                    412 => {
                        // H4.c: the refusal carries the current session and its ETag.
                        let current = reply.json();
                        assert!(current["properties"]["custom"].is_object());
                        assert_ne!(reply.etag(), read.etag());
                        rejected += 1;
                    }
                    other => panic!("writer {writer}: unexpected {other}: {}", reply.text()),
                }
            }
            (accepted, rejected)
        }));
    }
    let mut accepted_all = Vec::new();
    let mut rejected_all = 0;
    for task in tasks {
        let (accepted, rejected) = task.await.expect("writer task");
        accepted_all.extend(accepted);
        rejected_all += rejected;
    }
    let doc = w.get(&h).await.assert_json(200);
    let log: Vec<String> = doc["properties"]["custom"]["log"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    let mut expected = accepted_all.clone();
    expected.sort();
    let mut stored = log.clone();
    stored.sort();
    assert_eq!(
        stored, expected,
        "every accepted write is in the final state, once"
    );
    assert_eq!(log.len(), WRITERS * WRITES_EACH);
    // One stored change per accepted write, and none for a rejected one.
    assert_eq!(
        doc["changeNumber"].as_u64(),
        Some(start + (WRITERS * WRITES_EACH) as u64),
        "{rejected_all} writes were rejected"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_joins_never_exceed_max_members() {
    let w = Arc::new(World::start().await);
    let h = Arc::new(w.handle("persistent").await);
    let mut tasks = Vec::new();
    for i in 0..WRITERS {
        let (w, h) = (Arc::clone(&w), Arc::clone(&h));
        tasks.push(tokio::spawn(async move {
            let xuid = (1_000_000 + i).to_string();
            w.join(&h, &xuid).await.status
        }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.expect("joiner task"));
    }
    let joined = statuses.iter().filter(|s| matches!(s, 200 | 201)).count();
    let created = statuses.iter().filter(|s| **s == 201).count();
    let refused = statuses.iter().filter(|s| **s == 403).count();
    assert_eq!(joined, 4, "{statuses:?}");
    assert_eq!(created, 1, "{statuses:?}");
    assert_eq!(refused, WRITERS - 4, "{statuses:?}");
    let doc: Value = w.get(&h).await.assert_json(200);
    assert_eq!(doc["membersInfo"]["count"], 4);
    assert_eq!(doc["membersInfo"]["next"], 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_creators_with_if_none_match_star_create_once() {
    let w = Arc::new(World::start().await);
    let h = Arc::new(w.handle("lobby").await);
    let mut tasks = Vec::new();
    for i in 0..WRITERS {
        let (w, h) = (Arc::clone(&w), Arc::clone(&h));
        tasks.push(tokio::spawn(async move {
            let xuid = (2_000_000 + i).to_string();
            let req = Req::put(&session_path(&h), json!({"members": {"me": {}}}))
                .by(&xuid)
                .set("If-None-Match", b"*");
            w.send(req).await.status
        }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.expect("creator task"));
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(statuses.iter().filter(|s| **s == 412).count(), WRITERS - 1);
    assert_eq!(w.get(&h).await.json()["membersInfo"]["count"], 1);
}
