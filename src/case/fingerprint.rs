//! The fingerprint of a case set, as DESIGN.md pins it: `sha256:` + hex SHA-256 over, for every
//! file in byte order of its relative path, the path, NUL, the bytes with CRLF as LF, NUL.

use sha2::{Digest, Sha256};

use super::source::SourceFile;

pub fn fingerprint(files: &[SourceFile]) -> String {
    let mut sorted: Vec<&SourceFile> = files.iter().collect();
    sorted.sort_by(|a, b| a.path.as_bytes().cmp(b.path.as_bytes()));
    let mut hasher = Sha256::new();
    for file in sorted {
        hasher.update(file.path.as_bytes());
        hasher.update([0u8]);
        update_without_cr(&mut hasher, &file.bytes);
        hasher.update([0u8]);
    }
    format!("sha256:{}", hex(&hasher.finalize()))
}

/// SHA-256 of one file's bytes (CRLF as LF, like the fingerprint), hex.
pub fn file_sha256(bytes: &[u8]) -> String {
    let mut hasher = Sha256::new();
    update_without_cr(&mut hasher, bytes);
    hex(&hasher.finalize())
}

/// Hashes `bytes` with each CRLF as LF, without copying them: a checkout with Windows line
/// endings has the same fingerprint.
fn update_without_cr(hasher: &mut Sha256, bytes: &[u8]) {
    let mut rest = bytes;
    while let Some(at) = memchr::memmem::find(rest, b"\r\n") {
        let (line, crlf) = rest.split_at(at);
        hasher.update(line);
        // The CR is left out; the LF starts what follows.
        rest = crlf.get(1..).unwrap_or_default();
    }
    hasher.update(rest);
}

/// Lower-case hex digits, two a byte: digit by digit rather than `write!("{b:02x}")`, which
/// went through the formatter for every byte of every file's digest.
fn hex(bytes: &[u8]) -> String {
    // A nibble is below 16: always a digit.
    let digit = |nibble: u8| char::from_digit(u32::from(nibble), 16).unwrap_or('0');
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(digit(b >> 4));
        out.push(digit(b & 0xf));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, bytes: &[u8]) -> SourceFile {
        SourceFile {
            path: path.into(),
            bytes: bytes.to_vec(),
        }
    }

    #[test]
    fn crlf_and_order_do_not_change_the_fingerprint() {
        let a = fingerprint(&[file("b.json", b"x\r\ny"), file("a.json", b"1")]);
        let b = fingerprint(&[file("a.json", b"1"), file("b.json", b"x\ny")]);
        assert_eq!(a, b);
        assert!(a.starts_with("sha256:") && a.len() == 7 + 64);
    }

    #[test]
    fn the_fingerprint_is_the_pinned_construction() {
        // sha256("a.json\0" "1" "\0")
        let expected = hex(&Sha256::digest(b"a.json\x001\x00"));
        assert_eq!(
            fingerprint(&[file("a.json", b"1")]),
            format!("sha256:{expected}")
        );
        assert_ne!(
            fingerprint(&[file("a.json", b"1")]),
            fingerprint(&[file("a.json", b"2")])
        );
    }

    #[test]
    fn hex_is_two_lower_case_digits_a_byte_as_the_formatter_writes_them() {
        let every: Vec<u8> = (0..=255).collect();
        let formatted: String = every.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex(&every), formatted);
        assert_eq!(hex(&[]), "");
    }

    #[test]
    fn only_crlf_loses_its_cr_and_the_digest_is_lower_case_hex() {
        assert_eq!(
            file_sha256(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(file_sha256(b"a\r\n\r\nb\r"), file_sha256(b"a\n\nb\r"));
        assert_ne!(file_sha256(b"a\rb"), file_sha256(b"ab"), "a lone CR stays");
        assert_eq!(file_sha256(b"\r\n"), file_sha256(b"\n"));
    }
}
