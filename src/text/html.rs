//! Text inside HTML (and XML) markup: the five characters markup gives a meaning, as entities.
//! The one table both report.html and the HTML that report.md holds escape with.

/// `c` as the entity that stands for it in markup, or `None` when it stands for itself.
pub fn entity(c: char) -> Option<&'static str> {
    match c {
        '&' => Some("&amp;"),
        '<' => Some("&lt;"),
        '>' => Some("&gt;"),
        '"' => Some("&quot;"),
        '\'' => Some("&#39;"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_characters_become_entities() {
        let escaped: String = "<a href='x'>&\"</a>"
            .chars()
            .map(|c| entity(c).map_or_else(|| c.to_string(), str::to_string))
            .collect();
        assert_eq!(escaped, "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;");
    }
}
