//! Test-only intermediaries on 127.0.0.1 that hand each request to an upstream server on
//! loopback (the reference): a forwarding proxy that records what passed through it, and a TLS
//! front with certificates the test generates. One thread per connection; one request per
//! connection (upstream is asked to close, so the client never reuses one).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// One HTTP/1.1 request as read off the wire.
pub struct Request {
    pub head: String,
    pub body: Vec<u8>,
}

impl Request {
    /// `METHOD target HTTP/1.1`.
    pub fn line(&self) -> &str {
        self.head.lines().next().unwrap_or_default()
    }
}

/// Reads one request (head and Content-Length body); `None` at EOF or on a broken stream.
pub fn read_request(stream: &mut impl Read) -> Option<Request> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return None,
        }
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let length = head
        .lines()
        .find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).ok()?;
    Some(Request { head, body })
}

/// Sends `request` to `upstream` (`HOST:PORT`) in origin form with `Connection: close`, and
/// returns the whole answer.
fn forward(upstream: &str, request: &Request) -> std::io::Result<Vec<u8>> {
    let mut lines = request.head.split("\r\n");
    let line = lines.next().unwrap_or_default();
    let mut parts = line.splitn(3, ' ');
    let (method, target, version) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    // A proxy gets the absolute form (`http://host/path`); the origin wants `/path`.
    let path = match target.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |i| &rest[i..]),
        None => target,
    };
    let mut head = format!("{method} {path} {version}\r\n");
    for header in lines.filter(|l| !l.is_empty()) {
        let name = header.split(':').next().unwrap_or_default().trim();
        if !name.eq_ignore_ascii_case("connection")
            && !name.eq_ignore_ascii_case("proxy-connection")
        {
            head.push_str(header);
            head.push_str("\r\n");
        }
    }
    head.push_str("Connection: close\r\n\r\n");
    let mut up = TcpStream::connect(upstream)?;
    up.set_read_timeout(Some(Duration::from_secs(30)))?;
    up.write_all(head.as_bytes())?;
    up.write_all(&request.body)?;
    let mut answer = Vec::new();
    up.read_to_end(&mut answer)?;
    Ok(answer)
}

/// A forwarding HTTP proxy: plain requests are forwarded to `upstream`, `CONNECT` tunnels to it,
/// whatever host the request names. It records each request line.
pub struct Proxy {
    pub url: String,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Proxy {
    pub fn start(upstream: &str) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = Arc::clone(&seen);
        let upstream = upstream.to_string();
        thread::spawn(move || {
            for mut client in listener.incoming().flatten() {
                let record = Arc::clone(&record);
                let upstream = upstream.clone();
                thread::spawn(move || {
                    let Some(request) = read_request(&mut client) else {
                        return;
                    };
                    record
                        .lock()
                        .expect("lock")
                        .push(request.line().to_string());
                    if request.line().starts_with("CONNECT ") {
                        tunnel(client, &upstream);
                    } else if let Ok(answer) = forward(&upstream, &request) {
                        let _ = client.write_all(&answer);
                    }
                });
            }
        });
        Proxy { url, seen }
    }

    /// Every request line that reached the proxy so far.
    pub fn seen(&self) -> Vec<String> {
        self.seen.lock().expect("lock").clone()
    }
}

fn tunnel(mut client: TcpStream, upstream: &str) {
    let Ok(server) = TcpStream::connect(upstream) else {
        let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
        return;
    };
    if client
        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
        .is_err()
    {
        return;
    }
    let (Ok(mut client_reader), Ok(mut server_writer)) = (client.try_clone(), server.try_clone())
    else {
        return;
    };
    let mut server_reader = server;
    thread::spawn(move || {
        let _ = std::io::copy(&mut client_reader, &mut server_writer);
        let _ = server_writer.shutdown(std::net::Shutdown::Write);
    });
    let _ = std::io::copy(&mut server_reader, &mut client);
    let _ = client.shutdown(std::net::Shutdown::Write);
}

/// A TLS server on 127.0.0.1 that forwards every request to `upstream`; returns its port.
pub fn tls_front(config: Arc<rustls::ServerConfig>, upstream: &str) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let upstream = upstream.to_string();
    thread::spawn(move || {
        for tcp in listener.incoming().flatten() {
            let config = Arc::clone(&config);
            let upstream = upstream.clone();
            thread::spawn(move || {
                let _ = tcp.set_read_timeout(Some(Duration::from_secs(30)));
                let Ok(conn) = rustls::ServerConnection::new(config) else {
                    return;
                };
                let mut tls = rustls::StreamOwned::new(conn, tcp);
                // A failed handshake ends here: the client has its error already.
                let Some(request) = read_request(&mut tls) else {
                    return;
                };
                if let Ok(answer) = forward(&upstream, &request) {
                    let _ = tls.write_all(&answer);
                    tls.conn.send_close_notify();
                    let _ = tls.flush();
                }
            });
        }
    });
    port
}
