//! `rate_limit` (O11) and `max_inflight` (O12): off by default, real when set.

use crate::support;

use mpsd_conformance::reference::Config;
use serde_json::json;
use support::{auth, session_path, Reply, Req, World, A, B};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn assert_rate_limited(reply: &Reply, max: u32) {
    let body = reply.assert_json(429);
    assert_eq!(reply.header("retry-after").as_deref(), Some("1"));
    assert_eq!(body["version"], 1);
    assert_eq!(body["maxRequests"], max);
    assert_eq!(body["periodInSeconds"], 1);
    assert_eq!(body["limitType"], "Rolling");
    let current = body["currentRequests"].as_u64().unwrap_or_default();
    assert!(current > u64::from(max), "{body}");
}

#[tokio::test]
async fn limits_are_off_by_default() {
    let w = World::start().await;
    let h = w.joined("lobby").await;
    for _ in 0..200 {
        assert_eq!(w.get(&h).await.status, 200);
    }
}

#[tokio::test]
async fn o11_rate_limit_zero_throttles_every_request() {
    let w = World::with(Config {
        rate_limit: Some(0),
        ..Config::default()
    })
    .await;
    let reply = w.send(Req::get("/handles/x/session")).await;
    assert_rate_limited(&reply, 0);
}

#[tokio::test]
async fn o11_rate_limit_is_per_caller_with_the_documented_body() {
    let max = 3;
    let w = World::with(Config {
        rate_limit: Some(max),
        ..Config::default()
    })
    .await;
    let h = w.handle("lobby").await;
    // The window is a rolling second, so keep asking until the limit shows; far more requests
    // than the limit fit in a second on any machine.
    let mut throttled = None;
    for _ in 0..200 {
        let reply = w.get(&h).await;
        if reply.status == 429 {
            throttled = Some(reply);
            break;
        }
        assert_eq!(reply.status, 204);
    }
    let reply = throttled.expect("the limiter never answered 429");
    assert_rate_limited(&reply, max);
    // Another caller has a window of its own.
    let other = w.send(Req::get(&session_path(&h)).by(B)).await;
    assert_eq!(other.status, 204);
}

#[tokio::test]
async fn o12_max_inflight_zero_sheds_every_request() {
    let w = World::with(Config {
        max_inflight: Some(0),
        ..Config::default()
    })
    .await;
    let reply = w.send(Req::put("/handles/x/session", json!({}))).await;
    reply.assert_refused(503);
    assert_eq!(reply.header("retry-after").as_deref(), Some("1"));
}

#[tokio::test]
async fn o12_requests_past_max_inflight_get_503_until_one_finishes() {
    let w = World::with(Config {
        max_inflight: Some(1),
        ..Config::default()
    })
    .await;
    let h = w.joined("lobby").await;
    // Hold the only slot: a request whose body is still on its way.
    let mut held = TcpStream::connect(w.addr()).await.expect("connect");
    let body = json!({"properties": {"custom": {"held": true}}}).to_string();
    let head = format!(
        "PUT {} HTTP/1.1\r\nHost: x\r\nAuthorization: {}\r\nX-Xbl-Contract-Version: 107\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        session_path(&h),
        auth(A),
        body.len()
    );
    held.write_all(head.as_bytes())
        .await
        .expect("send the head");
    held.write_all(&body.as_bytes()[..5])
        .await
        .expect("send part of the body");
    // The held request reaches the shedder on its own schedule; ask until it has.
    let mut shed = None;
    for _ in 0..500 {
        let reply = w.get(&h).await;
        if reply.status == 503 {
            shed = Some(reply);
            break;
        }
        tokio::task::yield_now().await;
    }
    let reply = shed.expect("a second request was never shed");
    reply.assert_refused(503);
    assert_eq!(reply.header("retry-after").as_deref(), Some("1"));
    // Finish the held request: it is served, and its slot is free again.
    held.write_all(&body.as_bytes()[5..])
        .await
        .expect("send the rest");
    let mut received = Vec::new();
    held.read_to_end(&mut received)
        .await
        .expect("read the held reply");
    let held_reply = support::parse_reply(&received, false).expect("an HTTP reply");
    assert_eq!(held_reply.status, 200, "{}", held_reply.text());
    let doc = w.get(&h).await.assert_json(200);
    assert_eq!(doc["properties"]["custom"]["held"], true);
}

#[tokio::test]
async fn app_without_connect_info_still_limits_by_caller() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("local addr");
    let app = mpsd_conformance::reference::app(Config {
        rate_limit: Some(1),
        ..Config::default()
    });
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let get = Req::get("/handles/00000000-0000-0000-0000-000000000000/session");
    let mut statuses = Vec::new();
    for _ in 0..50 {
        let reply = support::raw(addr, &get.bytes(), false).await;
        statuses.push(reply.status);
        if reply.status == 429 {
            assert_rate_limited(&reply, 1);
            break;
        }
    }
    assert!(statuses.contains(&404), "{statuses:?}");
    assert!(statuses.contains(&429), "{statuses:?}");
    server.abort();
}

#[tokio::test]
async fn shutdown_stops_the_server() {
    let w = World::start().await;
    let addr = w.addr();
    assert_eq!(w.server.url(), format!("http://{addr}"));
    assert!(addr.ip().is_loopback());
    w.joined("lobby").await;
    w.server.shutdown().await;
    assert!(TcpStream::connect(addr).await.is_err());
}
