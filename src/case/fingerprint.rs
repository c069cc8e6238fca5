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
        hasher.update(normalize_newlines(&file.bytes));
        hasher.update([0u8]);
    }
    format!("sha256:{}", hex(&hasher.finalize()))
}

/// SHA-256 of one file's bytes (CRLF as LF, like the fingerprint), hex.
pub fn file_sha256(bytes: &[u8]) -> String {
    hex(&Sha256::digest(normalize_newlines(bytes)))
}

fn normalize_newlines(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
            i += 1;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
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
}
