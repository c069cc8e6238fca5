//! `${ENV_VAR}` references in a configuration file's strings: how secrets get in without being
//! written down.

/// Where the text has a `${NAME}`, the name and the byte range of the whole reference.
fn references(text: &str) -> impl Iterator<Item = (&str, std::ops::Range<usize>)> {
    let mut from = 0;
    std::iter::from_fn(move || loop {
        let start = from + text.get(from..)?.find("${")?;
        let end = start + text[start..].find('}')?;
        from = end + 1;
        let name = &text[start + 2..end];
        if is_name(name) {
            return Some((name, start..end + 1));
        }
    })
}

fn is_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The text is exactly one reference.
pub fn is_one_reference(text: &str) -> bool {
    references(text)
        .next()
        .is_some_and(|(_, r)| r == (0..text.len()))
}

/// The text names a variable somewhere.
pub fn has_reference(text: &str) -> bool {
    references(text).next().is_some()
}

/// The text with each reference replaced by the variable's value; `Err` names a variable that
/// is not set.
pub fn expand(text: &str, var: &dyn Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::new();
    let mut copied = 0;
    for (name, range) in references(text) {
        let value = var(name).ok_or_else(|| name.to_string())?;
        out.push_str(&text[copied..range.start]);
        out.push_str(&value);
        copied = range.end;
    }
    out.push_str(&text[copied..]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        (name == "TOKEN").then(|| "s3cr3t-value".to_string())
    }

    #[test]
    fn references_are_expanded() {
        let text = expand("Bearer ${TOKEN}; ${ nope } $HOME", &env).unwrap();
        assert_eq!(text, "Bearer s3cr3t-value; ${ nope } $HOME");
        assert_eq!(expand("${MISSING}", &env), Err("MISSING".to_string()));
    }

    #[test]
    fn one_reference_is_the_whole_text() {
        assert!(is_one_reference("${A_1}"));
        assert!(!is_one_reference("x${A}"));
        assert!(!is_one_reference("${1A}"));
        assert!(has_reference("Bearer ${A}"));
        assert!(!has_reference("Bearer abc"));
    }
}
