//! `rawBodyHex`: bytes written as hex digits, whitespace ignored, either case.

/// The bytes, or what is wrong: the 0-based character offset of a non-hex character, or an odd
/// number of digits.
pub fn decode_hex(text: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(text.len() / 2);
    let mut high: Option<u8> = None;
    for (offset, c) in text.chars().enumerate() {
        if c.is_whitespace() {
            continue;
        }
        let Some(digit) = c.to_digit(16) else {
            return Err(format!(
                "{c:?} at character {offset} is not a hex digit (write bytes as pairs of 0-9, a-f, A-F; spaces are ignored)"
            ));
        };
        // A hex digit is below 16: it fits a byte.
        let digit = digit as u8;
        match high.take() {
            None => high = Some(digit),
            Some(h) => out.push(h << 4 | digit),
        }
    }
    if high.is_some() {
        return Err("an odd number of hex digits: every byte is two digits".into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_in_either_case_with_spaces_become_bytes() {
        assert_eq!(
            decode_hex("efbbbf 7B 7d").unwrap(),
            vec![0xef, 0xbb, 0xbf, b'{', b'}']
        );
        assert_eq!(decode_hex("00\nff").unwrap(), vec![0, 255]);
        assert_eq!(decode_hex("").unwrap(), Vec::<u8>::new());
    }

    #[test]
    fn every_byte_is_read_in_either_case() {
        let all: Vec<u8> = (0..=255).collect();
        let text: String = all.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(decode_hex(&text).unwrap(), all);
        assert_eq!(decode_hex(&text.to_uppercase()).unwrap(), all);
    }

    #[test]
    fn unicode_whitespace_is_ignored_as_ascii_whitespace_is() {
        assert_eq!(decode_hex("7b\u{a0}7d\u{2003}").unwrap(), b"{}".to_vec());
        assert_eq!(decode_hex("7b\t\x0b\x0c\r 7d").unwrap(), b"{}".to_vec());
    }

    #[test]
    fn odd_counts_and_other_characters_are_refused_with_where() {
        assert!(decode_hex("abc").unwrap_err().contains("odd number"));
        let e = decode_hex("7b 7g").unwrap_err();
        assert!(e.contains("'g' at character 4"), "{e}");
        // The offset counts characters, not bytes.
        let e = decode_hex("é 7b x").unwrap_err();
        assert!(e.contains("'é' at character 0"), "{e}");
        let e = decode_hex("\u{a0}7b x").unwrap_err();
        assert!(e.contains("'x' at character 4"), "{e}");
    }
}
