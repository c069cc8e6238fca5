//! A request as a `curl` command a person pastes into a shell to send it again. Credentials are
//! never written: a caller's Authorization value (or its parts) appears as the environment
//! variable that holds it (`${CONFORMANCE_AUTH_A}`), any other secret as `[REDACTED]`.

use crate::exchange::RequestData;

use crate::exchange::{secret_header, Redactor, REDACTED};

/// Bodies larger than this are not spelled out in the command.
const INLINE_BODY: usize = 16 * 1024;

pub fn curl_command(request: &RequestData, redactor: &Redactor) -> String {
    let mut lines = Vec::new();
    let method = if request.method == "HEAD" {
        "-I".to_string()
    } else {
        format!("-X {}", quote_literal(&request.method))
    };
    lines.push(format!(
        "curl -sS -i {method} {}",
        shell_word(&request.url, redactor)
    ));
    let has = |name: &str| {
        request
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
    };
    for (name, value) in &request.headers {
        let line = format!("{name}: {value}");
        let word = if secret_header(name) && !redactor.names_a_secret_in(value) {
            quote_literal(&format!("{name}: {REDACTED}"))
        } else {
            shell_word(&line, redactor)
        };
        lines.push(format!("-H {word}"));
    }
    // curl adds headers of its own; the harness sent exactly these.
    if !has("accept") {
        lines.push("-H 'Accept:'".to_string());
    }
    let body = &request.body;
    let mut stdin = None;
    if !body.is_empty() {
        if !has("content-type") {
            lines.push("-H 'Content-Type:'".to_string());
        }
        match std::str::from_utf8(body) {
            _ if body.len() > INLINE_BODY => {
                lines.push("--data-binary @body.bin".to_string());
                stdin = Some(format!(
                    "# the body ({} bytes) is too long to show here: save it as body.bin",
                    body.len()
                ));
            }
            // Invisible characters (controls, a byte-order mark) would be lost on a screen.
            Ok(text)
                if !text
                    .chars()
                    .any(|c| (c.is_control() && c != '\n' && c != '\t') || c == '\u{feff}') =>
            {
                lines.push(format!("--data-raw {}", shell_word(text, redactor)));
            }
            _ => {
                // Bytes that are not text go through printf, in octal (POSIX printf).
                lines.push("--data-binary @-".to_string());
                stdin = Some(format!("printf {} |", printf_octal(&redactor.bytes(body))));
            }
        }
    }
    let command = lines.join(" \\\n  ");
    match stdin {
        Some(prefix) if prefix.starts_with('#') => format!("{prefix}\n{command}"),
        Some(prefix) => format!("{prefix} {command}"),
        None => command,
    }
}

/// One shell word: literal parts in single quotes, named secrets as `"${VAR…}"`.
fn shell_word(text: &str, redactor: &Redactor) -> String {
    let parts = redactor.split_for_shell(text);
    if parts.is_empty() {
        return "''".to_string();
    }
    parts
        .into_iter()
        .map(|part| match part {
            Ok(literal) => quote_literal(&literal),
            Err(expr) => format!("\"{expr}\""),
        })
        .collect()
}

/// Single quotes take everything literally (`!` and `$` included); a quote is `'\''`.
fn quote_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

fn printf_octal(bytes: &[u8]) -> String {
    let mut out = String::from("'");
    for &b in bytes {
        match b {
            b'%' => out.push_str("%%"),
            b'\\' => out.push_str("\\\\"),
            b'\'' => out.push_str(r"'\''"),
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\{b:03o}")),
        }
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(headers: &[(&str, &str)], body: &[u8]) -> RequestData {
        RequestData {
            method: "PUT".into(),
            url: "http://127.0.0.1:9/handles/x/session".into(),
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            body: body.to_vec().into(),
            truncated: false,
            framing: Default::default(),
        }
    }

    #[test]
    fn credentials_become_their_environment_variable_and_other_secrets_vanish() {
        let auth = "XBL3.0 x=1;tok-3f9a-SECRET-e1c4b7";
        let redactor =
            Redactor::new([auth.to_string(), "x-other-secret".to_string()]).with_caller("b", auth);
        let cmd = curl_command(
            &request(
                &[
                    ("Authorization", auth),
                    ("X-Api-Key", "abc"),
                    ("X-Note", "it's x-other-secret!"),
                    ("Content-Type", "application/json"),
                ],
                br#"{"a":"$HOME"}"#,
            ),
            &redactor,
        );
        assert!(
            cmd.contains(r#"-H 'Authorization: '"${CONFORMANCE_AUTH_B}""#),
            "{cmd}"
        );
        assert!(cmd.contains("-H 'X-Api-Key: [REDACTED]'"), "{cmd}");
        assert!(cmd.contains(r"-H 'X-Note: it'\''s [REDACTED]!'"), "{cmd}");
        assert!(cmd.contains(r#"--data-raw '{"a":"$HOME"}'"#), "{cmd}");
        assert!(cmd.contains("-H 'Accept:'"), "{cmd}");
        assert!(
            !cmd.contains("SECRET") && !cmd.contains("x-other-secret"),
            "{cmd}"
        );
    }

    #[test]
    fn binary_bodies_go_through_printf() {
        let cmd = curl_command(&request(&[], b"\xef\xbb\xbf{}%"), &Redactor::default());
        assert!(
            cmd.starts_with(r"printf '\357\273\277{}%%' | curl -sS -i -X 'PUT'"),
            "{cmd}"
        );
        assert!(cmd.contains("-H 'Content-Type:'"), "{cmd}");
    }

    /// The command really sends the same bytes, as a shell reads it.
    #[test]
    fn the_shell_reads_back_the_exact_request() {
        let auth = "XBL3.0 x=1;tok-3f9a-SECRET-e1c4b7";
        let redactor = Redactor::new([auth.to_string()]).with_caller("a", auth);
        let body = "{\"n\":\"it's $x `y` \\\\ \\\" !\"}\n";
        let cmd = curl_command(
            &request(&[("Authorization", auth)], body.as_bytes()),
            &redactor,
        );
        // A stand-in `curl` prints its arguments, one per line.
        let script = format!("curl() {{ printf '%s\\n' \"$@\"; }}\n{cmd}");
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(&script)
            .env("CONFORMANCE_AUTH_A", auth)
            .output()
            .expect("sh runs");
        let args = String::from_utf8_lossy(&out.stdout);
        assert!(args.contains(&format!("Authorization: {auth}\n")), "{args}");
        assert!(args.contains(body), "{args}");
    }
}
