//! Bad input over raw sockets: the reference never answers 5xx (O13), never resets a client
//! that sent a whole oversized body before it can read the 413 (B11), and keeps its store intact.

use crate::support;

use serde_json::json;
use support::{auth, keep_alive, parse_reply, raw, read_one, session_path, Req, World, A};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[tokio::test]
async fn b11_413_is_readable_after_sending_the_whole_body_and_the_connection_survives() {
    let w = World::start().await;
    let h = w.joined("lobby").await;
    let big = vec![b'x'; 4 << 20];
    let req = Req::new("PUT", &session_path(&h))
        .set("Content-Type", b"application/json")
        .body(big);
    let mut stream = TcpStream::connect(w.addr()).await.expect("connect");
    stream
        .write_all(&keep_alive(&req))
        .await
        .expect("send all 4 MiB");
    let reply = read_one(&mut stream).await;
    reply.assert_refused(413);
    // The body was drained, so the same connection serves the next request.
    stream
        .write_all(&keep_alive(&Req::get(&session_path(&h))))
        .await
        .expect("send the next request");
    assert_eq!(read_one(&mut stream).await.status, 200);
}

#[tokio::test]
async fn b11_413_for_a_chunked_body() {
    let w = World::start().await;
    let h = w.joined("lobby").await;
    let mut bytes = format!(
        "PUT {} HTTP/1.1\r\nHost: x\r\nAuthorization: {}\r\nX-Xbl-Contract-Version: 107\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        session_path(&h),
        auth(A)
    )
    .into_bytes();
    let chunk = vec![b' '; 64 * 1024];
    for _ in 0..40 {
        bytes.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        bytes.extend_from_slice(&chunk);
        bytes.extend_from_slice(b"\r\n");
    }
    bytes.extend_from_slice(b"0\r\n\r\n");
    raw(w.addr(), &bytes, false).await.assert_refused(413);
}

#[tokio::test]
async fn b11_oversized_body_to_an_unknown_handle_is_still_readable() {
    let w = World::start().await;
    let id = uuid::Uuid::new_v4().to_string();
    let req = Req::new("PUT", &session_path(&id)).body(vec![b'x'; 4 << 20]);
    w.send(req).await.assert_refused(404);
}

#[tokio::test]
async fn g4_ten_thousand_character_handle_id_is_400() {
    let w = World::start().await;
    w.joined("lobby").await;
    let id = "a".repeat(10_000);
    w.send(Req::put(&session_path(&id), json!({})))
        .await
        .assert_refused(400);
    let hex_and_hyphens = "0123456789abcdef-".repeat(600);
    w.send(Req::get(&session_path(&hex_and_hyphens)))
        .await
        .assert_refused(400);
}

#[tokio::test]
async fn invalid_utf8_in_header_values_is_refused_not_crashed() {
    let w = World::start().await;
    let h = w.joined("lobby").await;
    let path = session_path(&h);
    let reply = w
        .send(Req::put(&path, json!({})).set("Authorization", b"XBL3.0 x=1\xff;t"))
        .await;
    assert_eq!(reply.status, 401);
    let reply = w
        .send(Req::put(&path, json!({})).set("X-Xbl-Contract-Version", b"10\xe97"))
        .await;
    reply.assert_refused(400);
    let reply = w
        .send(Req::put(&path, json!({})).set("If-Match", b"\"\xff\""))
        .await;
    assert_eq!(reply.status, 412);
    let reply = w
        .send(Req::put(&path, json!({})).set("Content-Type", b"application/json\xff"))
        .await;
    assert_eq!(reply.status, 200);
    let reply = w
        .send(Req::put(&path, json!({})).set("X-Anything", b"\x80\x81\xfe"))
        .await;
    assert_eq!(reply.status, 200);
}

#[tokio::test]
async fn duplicate_headers() {
    let w = World::start().await;
    let h = w.joined("lobby").await;
    let path = session_path(&h);
    let etag = w.get(&h).await.etag();
    w.send(Req::put(&path, json!({})).add("X-Xbl-Contract-Version", b"107"))
        .await
        .assert_refused(400);
    w.send(Req::put(&path, json!({})).add("Authorization", auth(A).as_bytes()))
        .await
        .assert_refused(400);
    let reply = w
        .send(Req::put(&path, json!({})).add("Content-Type", b"application/json"))
        .await;
    assert_eq!(reply.status, 200);
    let reply = w
        .send(
            Req::put(&path, json!({}))
                .add("If-Match", b"\"x\"")
                .add("If-Match", etag.as_bytes()),
        )
        .await;
    assert_eq!(reply.status, 200);
}

#[tokio::test]
async fn odd_methods_and_paths_are_4xx() {
    let w = World::start().await;
    let h = w.joined("lobby").await;
    let reply = w.send(Req::new("FOO", &session_path(&h))).await;
    reply.assert_refused(405);
    for path in ["/handles//session", "/handles/%ff%fe/session"] {
        w.send(Req::get(path)).await.assert_refused(400);
    }
    for path in [
        "//handles",
        "/handles/../handles",
        "/%zz",
        "/handles/x/y/z/w",
    ] {
        w.send(Req::get(path)).await.assert_refused(404);
    }
}

#[tokio::test]
async fn malformed_http_is_answered_below_500() {
    let w = World::start().await;
    for bytes in [
        &b"GARBAGE\r\n\r\n"[..],
        b"PUT /handles HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
        b"PUT /handles HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
        b"GET /handles HTTP/1.1\r\nBad Header Name: x\r\n\r\n",
    ] {
        let mut stream = TcpStream::connect(w.addr()).await.expect("connect");
        stream.write_all(bytes).await.expect("send");
        let mut received = Vec::new();
        let _ = stream.read_to_end(&mut received).await;
        if let Some(reply) = parse_reply(&received, false) {
            assert!(
                reply.status < 500,
                "{} for {:?}",
                reply.status,
                String::from_utf8_lossy(bytes)
            );
        }
    }
    // The server is still up and serving.
    w.joined("lobby").await;
}

#[tokio::test]
async fn o13_hostile_bodies_never_get_5xx_and_leave_the_store_intact() {
    let w = World::start().await;
    let h = w.joined("lobby").await;
    let before = w.get(&h).await;
    let deep_array = "[".repeat(100_000);
    let deep_object = "{\"a\":".repeat(50_000);
    let bodies: Vec<Vec<u8>> = vec![
        deep_array.into_bytes(),
        deep_object.into_bytes(),
        b"\xff\xfe\xfd".to_vec(),
        b"{\"members\":{\"me\":{\"constants\":{\"system\":{\"xuid\":null}}}}}".to_vec(),
        b"{\"members\":{\"99999999999999999999\":{}}}".to_vec(),
        b"{\"members\":{\"reserve_99999999999999999999\":{}}}".to_vec(),
        b"{\"properties\":{\"system\":{\"a\":1e999}}}".to_vec(),
        b"{\"properties\":{\"custom\":{\"\\ud800\":1}}}".to_vec(),
        b"{\"members\":{\"me\":{\"properties\":{\"system\":{\"ready\":[],\"active\":{}}}}}}"
            .to_vec(),
        b"{\"constants\":{\"system\":{\"maxMembersCount\":{\"nested\":true}}}}".to_vec(),
        b"{} {}".to_vec(),
        b"\x00".to_vec(),
    ];
    for body in bodies {
        let reply = w
            .send(Req::new("PUT", &session_path(&h)).body(body.clone()))
            .await;
        assert!(
            matches!(reply.status, 400 | 403 | 409),
            "{} for {:?}",
            reply.status,
            String::from_utf8_lossy(&body[..body.len().min(60)])
        );
        reply.assert_refused(reply.status);
    }
    let after = w.get(&h).await;
    assert_eq!(after.etag(), before.etag());
    assert_eq!(after.json(), before.json());
}

#[tokio::test]
async fn a_client_that_breaks_off_its_body_does_not_hurt_the_server() {
    let w = World::start().await;
    let h = w.joined("lobby").await;
    let before = w.get(&h).await;
    {
        let mut stream = TcpStream::connect(w.addr()).await.expect("connect");
        let head = format!(
            "PUT {} HTTP/1.1\r\nHost: x\r\nAuthorization: {}\r\nX-Xbl-Contract-Version: 107\r\nContent-Length: 1000\r\n\r\n{{\"properties\":",
            session_path(&h),
            auth(A)
        );
        stream
            .write_all(head.as_bytes())
            .await
            .expect("send part of the body");
    }
    let after = w.get(&h).await;
    assert_eq!(after.etag(), before.etag());
    w.join(&h, A).await.assert_json(200);
}

#[tokio::test]
async fn very_long_names_and_queries_are_not_5xx() {
    let w = World::start().await;
    let long = "n".repeat(10_000);
    let path = format!(
        "/serviceconfigs/{}/sessionTemplates/lobby/sessions/{long}",
        support::SCID
    );
    assert_eq!(w.send(Req::get(&path)).await.status, 204);
    let h = w.joined("lobby").await;
    let query = format!("{}?{}", session_path(&h), "nocommit=true&".repeat(500));
    assert_eq!(w.send(Req::put(&query, json!({}))).await.status, 200);
}
