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
    fn odd_counts_and_other_characters_are_refused_with_where() {
        assert!(decode_hex("abc").unwrap_err().contains("odd number"));
        let e = decode_hex("7b 7g").unwrap_err();
        assert!(e.contains("'g' at character 4"), "{e}");
    }
}
