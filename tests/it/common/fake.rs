//! Misbehaving targets on 127.0.0.1, port 0, each on its own thread.

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

#[derive(Clone, Copy, Debug)]
pub enum Behaviour {
    /// Answers every request with 500 and a short body.
    Error500,
    /// Reads the request and never answers.
    Hang,
    /// Answers bytes that are not HTTP.
    Garbage,
    /// Closes the connection without answering.
    Reset,
    /// Answers 200 with a body far larger than any cap.
    Huge,
    /// Echoes the request head back as the body of a 200.
    Echo,
    /// Echoes the request head as the body and each request header as an `X-Echo-*` header.
    EchoEverywhere,
    /// Answers reads (the reachability probe, the preflight) with 204, never answers a write.
    AnswerReadsThenHang,
}

/// Starts a fake target; returns its base URL. The thread lives as long as the test process.
pub fn start(behaviour: Behaviour) -> String {
    start_counting(behaviour).0
}

/// A fake target and the number of connections it has accepted.
pub fn start_counting(behaviour: Behaviour) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let count = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&count);
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            counted.fetch_add(1, Ordering::SeqCst);
            thread::spawn(move || serve(stream, behaviour));
        }
    });
    (format!("http://{addr}"), count)
}

/// A port where nothing listens.
pub fn closed_port() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    format!("http://{addr}")
}

fn serve(mut stream: TcpStream, behaviour: Behaviour) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    loop {
        let Some(head) = read_request(&mut stream) else {
            return;
        };
        let reply: Vec<u8> = match behaviour {
            Behaviour::Error500 => b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n\r\noops".to_vec(),
            Behaviour::Hang => {
                thread::sleep(Duration::from_secs(60));
                return;
            }
            Behaviour::Garbage => b"SSH-2.0-OpenSSH_9.0 definitely not http\r\n\r\n".to_vec(),
            Behaviour::Reset => return,
            Behaviour::Huge => {
                let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1073741824\r\n\r\n");
                let chunk = vec![b' '; 64 * 1024];
                for _ in 0..16_384 {
                    if stream.write_all(&chunk).is_err() {
                        return;
                    }
                }
                return;
            }
            Behaviour::EchoEverywhere => {
                let mut r = String::from("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n");
                for line in head.lines().skip(1).filter(|l| l.contains(':')) {
                    if let Some((name, value)) = line.split_once(':') {
                        r.push_str(&format!("X-Echo-{}: {}\r\n", name.trim(), value.trim()));
                    }
                }
                r.push_str(&format!("Content-Length: {}\r\n\r\n{head}", head.len()));
                r.into_bytes()
            }
            Behaviour::AnswerReadsThenHang => {
                if !head.starts_with("GET ") {
                    thread::sleep(Duration::from_secs(60));
                    return;
                }
                b"HTTP/1.1 204 No Content\r\n\r\n".to_vec()
            }
            Behaviour::Echo => {
                let mut r = format!("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n", head.len()).into_bytes();
                r.extend_from_slice(head.as_bytes());
                r
            }
        };
        if stream.write_all(&reply).is_err() {
            return;
        }
        if matches!(behaviour, Behaviour::Garbage) {
            return;
        }
    }
}

/// Reads one request (head and Content-Length body); returns the head.
fn read_request(stream: &mut TcpStream) -> Option<String> {
    super::relay::read_request(stream).map(|r| r.head)
}
