//! A hostile target: every answer carries terminal escapes (OSC title, clear screen, OSC 52
//! clipboard, C1 CSI, bidi overrides), Markdown that would end a code span or a table cell or
//! make a link or an image, and HTML — in its body, its header values and its reason phrase
//! (written byte for byte: no HTTP library sends those). `run` over the whole catalog and
//! `explore` against it must keep all of it data: not one escape reaches stdout, stderr,
//! report.md or junit.xml; report.md makes no link, image or HTML of it; junit.xml parses.

use crate::common;

use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use common::{isolated, text};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const BIN: &str = env!("CARGO_BIN_EXE_mpsd-conformance-tested");

/// What a hostile server puts into everything it says (valid UTF-8, no C0 control: it may
/// stand in JSON strings and header values).
const MARKUP: &str = "\u{9b}2J\u{202e}gnp.exe\u{2066} | ``` [x](http://evil) ![i](http://evil/i.png) <script>alert(1)</script> *b* _i_";
/// Terminal escapes only a body or a raw status line can carry.
const ESCAPES: &str = "\x1b]0;pwned\x07\x1b[2J\x1b]52;c;cHduZWQ=\x07\x1b[31m\r\x08\x00";

/// One answer, chosen by the order requests come in: JSON, text, a failure, a raw reason
/// phrase with ESC, header values with C1 and bidi characters and bytes that are not UTF-8.
fn answer(n: usize, method: &str) -> Vec<u8> {
    let json = serde_json::json!({
        "title": MARKUP,
        MARKUP: [MARKUP],
        "membersInfo": { "count": MARKUP },
    })
    .to_string();
    let text = format!("{ESCAPES}{MARKUP}\n{ESCAPES}");
    let (status_line, content_type, body) = match (n % 4, method) {
        // The probe and the preflight's reads must be answered for the cases to run at all.
        (0, _) | (_, "GET") if n % 2 == 0 => {
            ("HTTP/1.1 200 OK".to_string(), "application/json", json)
        }
        (3, "PUT") => (
            format!("HTTP/1.1 400 \x1b[2J<b>x</b>|{MARKUP}"),
            "text/plain",
            text,
        ),
        (1, _) | (_, "GET") => (format!("HTTP/1.1 400 {MARKUP}"), "text/plain", text),
        (2, _) => ("HTTP/1.1 500 Oops".to_string(), "text/plain", text),
        _ => ("HTTP/1.1 201 Created".to_string(), "application/json", json),
    };
    let mut out = Vec::new();
    out.extend_from_slice(status_line.as_bytes());
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(format!("Content-Type: {content_type}\r\n").as_bytes());
    out.extend_from_slice(format!("X-Evil: {MARKUP}\r\n").as_bytes());
    out.extend_from_slice(format!("ETag: \"\u{202e}{MARKUP}\"\r\n").as_bytes());
    // obs-text: a lone C1 byte and a lone UTF-8 lead byte.
    out.extend_from_slice(b"X-Raw: \x9b2J \xe2\x80 \xc2\x9b31m\r\n");
    out.extend_from_slice(format!("Content-Location: /{MARKUP}\r\n").as_bytes());
    out.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
    out.extend_from_slice(b"Connection: close\r\n\r\n");
    out.extend_from_slice(body.as_bytes());
    out
}

async fn serve_one(mut stream: TcpStream, n: usize) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    // The head, then as much body as Content-Length says (or what arrives).
    let head_end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(k) => buf.extend_from_slice(&chunk[..k]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + length {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(k) => buf.extend_from_slice(&chunk[..k]),
        }
    }
    let method = head.split(' ').next().unwrap_or("").to_ascii_uppercase();
    let _ = stream.write_all(&answer(n, &method)).await;
    let _ = stream.shutdown().await;
}

/// A hostile server on a loopback port, answering until the test ends.
fn hostile_server() -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
            let addr = listener.local_addr().expect("addr");
            tx.send(format!("http://{addr}")).expect("send");
            let count = Arc::new(AtomicUsize::new(0));
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let n = count.fetch_add(1, Ordering::Relaxed);
                tokio::spawn(serve_one(stream, n));
            }
        });
    });
    rx.recv().expect("the server starts")
}

fn command(args: &[&str], cache: &Path) -> Output {
    let mut cmd = Command::new(BIN);
    isolated(&mut cmd)
        .args(args)
        .env("XDG_CACHE_HOME", cache)
        .env_remove("NO_COLOR")
        .output()
        .expect("the binary runs")
}

/// Characters no terminal may get from a target, with where they are.
fn terminal_unsafe(bytes: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(bytes);
    let mut found = Vec::new();
    for (at, c) in text.char_indices() {
        let bad = matches!(c, '\0'..='\x08' | '\x0b'..='\x1f' | '\x7f' | '\u{80}'..='\u{9f}'
            | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
            // CRLF line ends are harmless.
            && !(c == '\r' && text[at + 1..].starts_with('\n'));
        if bad && found.len() < 5 {
            let from = text[..at]
                .char_indices()
                .rev()
                .nth(40)
                .map_or(0, |(i, _)| i);
            found.push(format!("{c:?} after {:?}", &text[from..at]));
        }
    }
    found
}

fn assert_terminal_safe(what: &str, bytes: &[u8]) {
    let found = terminal_unsafe(bytes);
    assert!(
        found.is_empty(),
        "{what} holds unsafe characters: {found:#?}"
    );
}

/// The parts of a Markdown document outside code blocks and code spans, where a `<script`, a
/// link or an image would be markup.
fn markdown_outside_code(md: &str) -> String {
    let mut out = String::new();
    let mut fence: Option<usize> = None;
    for line in md.lines() {
        let ticks = line.chars().take_while(|c| *c == '`').count();
        match fence {
            Some(n) if ticks >= n && line[ticks..].trim().is_empty() => fence = None,
            Some(_) => {}
            None if ticks >= 3 => fence = Some(ticks),
            None => {
                out.push_str(&outside_code_spans(line));
                out.push('\n');
            }
        }
    }
    assert!(fence.is_none(), "a fence is left open");
    out
}

fn outside_code_spans(line: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '\\' && i + 1 < chars.len() {
            out.push(chars[i]);
            out.push(chars[i + 1]);
            i += 2;
            continue;
        }
        if chars[i] != '`' {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let n = chars[i..].iter().take_while(|c| **c == '`').count();
        // The span ends at the next run of exactly n backticks.
        let mut j = i + n;
        let mut end = None;
        while j < chars.len() {
            if chars[j] == '`' {
                let m = chars[j..].iter().take_while(|c| **c == '`').count();
                if m == n {
                    end = Some(j + m);
                    break;
                }
                j += m;
            } else {
                j += 1;
            }
        }
        match end {
            Some(e) => i = e,
            None => {
                out.extend(&chars[i..i + n]);
                i += n;
            }
        }
    }
    out
}

fn check_markdown(path: &Path) {
    let md = std::fs::read_to_string(path).expect("report.md");
    assert_terminal_safe("report.md", md.as_bytes());
    let outside = markdown_outside_code(&md);
    // `![` is an image, `](` after an unescaped `]` a link.
    let outside = outside.replace("\\]", "").replace("\\[", "");
    for markup in ["<script", "<b>x", "](http", "![", "http://evil", "www.evil"] {
        assert!(
            !outside.contains(markup),
            "report.md has `{markup}` outside code: {}",
            outside
                .lines()
                .find(|l| l.contains(markup))
                .unwrap_or_default()
        );
    }
    // Every table row has as many cells as its table's head.
    let mut columns = None;
    for line in outside.lines() {
        if !line.starts_with('|') {
            columns = None;
            continue;
        }
        let cells = line.replace("\\|", "").matches('|').count();
        match columns {
            None => columns = Some(cells),
            Some(n) => assert_eq!(n, cells, "a row with other cells than its head: {line}"),
        }
    }
}

fn check_junit(path: &Path) {
    let xml = std::fs::read_to_string(path).expect("junit.xml");
    assert_terminal_safe("junit.xml", xml.as_bytes());
    assert!(
        !xml.chars().any(|c| matches!(c, '\0'..='\x08' | '\x0b' | '\x0c' | '\x0e'..='\x1f' | '\u{fffe}' | '\u{ffff}')),
        "junit.xml holds characters XML forbids"
    );
    roxmltree::Document::parse(&xml).expect("junit.xml is XML");
}

fn check_reports(dir: &Path) {
    let names: Vec<String> = std::fs::read_dir(dir)
        .expect("report dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    for name in ["report.json", "report.md", "junit.xml", "report.html"] {
        assert!(names.iter().any(|n| n == name), "{name} written: {names:?}");
    }
    check_markdown(&dir.join("report.md"));
    check_junit(&dir.join("junit.xml"));
    let html = std::fs::read_to_string(dir.join("report.html")).expect("report.html");
    assert!(
        !html.contains("<script>alert"),
        "report.html runs the target's script"
    );
    assert!(!html.contains('\x1b'), "report.html holds ESC");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("report.json")).expect("json"))
            .expect("report.json is JSON");
    assert!(json["cases"].as_array().is_some_and(|c| !c.is_empty()));
}

fn check_console(out: &Output) {
    assert_terminal_safe(&format!("stdout ({})", text(out)), &out.stdout);
    assert_terminal_safe(&format!("stderr ({})", text(out)), &out.stderr);
}

#[test]
fn a_run_against_a_hostile_target_writes_no_escape_and_no_markup() {
    let url = hostile_server();
    let cache = tempfile::tempdir().expect("tmp");
    let reports = tempfile::tempdir().expect("tmp");
    let dir = reports.path().to_str().expect("utf-8");
    let out = command(
        &[
            "run",
            "--target",
            &url,
            "--report-dir",
            dir,
            "--transcripts",
            "all",
            "--color",
            "never",
            "--retries",
            "0",
            "--timeout",
            "5",
            "-v",
        ],
        cache.path(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    // The target's text is there, shown escaped.
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("\\u{202e}"), "{}", text(&out));
    check_console(&out);
    check_reports(reports.path());
}

#[test]
fn an_exploration_of_a_hostile_target_writes_no_escape_and_no_markup() {
    let url = hostile_server();
    let cache = tempfile::tempdir().expect("tmp");
    let reports = tempfile::tempdir().expect("tmp");
    let dir = reports.path().to_str().expect("utf-8");
    let out = command(
        &[
            "explore",
            "--target",
            &url,
            "--budget",
            "20",
            "--seed",
            "1",
            "--no-replay",
            "--report-dir",
            dir,
            "--transcripts",
            "all",
            "--timeout",
            "5",
            "-vv",
        ],
        cache.path(),
    );
    assert!(matches!(out.status.code(), Some(1..=3)), "{}", text(&out));
    check_console(&out);
    check_reports(reports.path());
}
