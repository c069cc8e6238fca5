//! Text for GitHub-flavoured Markdown. Whatever a server or a file says stays text: it cannot
//! close the code span or fence it sits in, break out of its table cell, or become a link, an
//! image, an emphasis or HTML. Terminal escapes are shown escaped too (a Markdown file is read
//! in terminals and logs as well), see [`super::console`].

use std::borrow::Cow;

use super::console;

/// Inline text (a sentence, a message): the punctuation that makes code, emphasis, links,
/// images, headings and cells backslash-escaped, `<`, `>` and `&` as entities, bare URLs kept
/// from becoming links, one line (newlines become spaces). In a table cell, use [`cell`].
pub fn inline(text: &str) -> String {
    let line = one_line(text);
    let text = console::line(&line);
    let mut out = String::with_capacity(text.len() + 16);
    if text.starts_with(['-', '+', '=']) {
        out.push('\\');
    }
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            // Brackets escaped, no link or image can start; `(`, `)` and `!` stay readable.
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '~' | '|' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    // GitHub links `http://…` and `www.…` on its own. (Every report row goes through here:
    // the text is copied again only when it holds one.)
    if out.contains("://") {
        out = out.replace("://", ":\\/\\/");
    }
    if out.contains("www.") {
        out = out.replace("www.", "www\\.");
    }
    out
}

/// `text` on one line: each line end (CRLF or LF) a space; borrowed when there is none.
fn one_line(text: &str) -> Cow<'_, str> {
    if text.contains('\n') {
        Cow::Owned(text.replace("\r\n", "\n").replace('\n', " "))
    } else {
        Cow::Borrowed(text)
    }
}

/// A table cell: inline text whose newlines are `<br>` and whose pipes are escaped. The one
/// cell escaper of every Markdown table.
pub fn cell(text: &str) -> String {
    if !text.contains('\n') {
        return inline(text);
    }
    text.replace("\r\n", "\n")
        .split('\n')
        .map(inline)
        .collect::<Vec<_>>()
        .join("<br>")
}

/// Text inside an HTML element of the document (`<summary>`): entities for markup, one line.
pub fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for c in console::line(text).chars() {
        match super::html::entity(c) {
            Some(entity) => out.push_str(entity),
            None => out.push(c),
        }
    }
    out
}

/// The longest run of backticks in `text`.
fn longest_backtick_run(text: &str) -> usize {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    longest
}

/// A code span holding `text` on one line: delimited by more backticks than any run inside,
/// padded when it starts or ends with one. In a table cell, use [`cell_code`].
pub fn code(text: &str) -> String {
    let line = one_line(text);
    let text = console::line(&line);
    let ticks = "`".repeat(longest_backtick_run(&text) + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') || text.is_empty() {
        " "
    } else {
        ""
    };
    format!("{ticks}{pad}{text}{pad}{ticks}")
}

/// [`code`] in a table cell: pipes escaped too (a pipe ends a cell even in a code span; GitHub
/// drops the backslash there).
pub fn cell_code(text: &str) -> String {
    let code = code(text);
    if code.contains('|') {
        code.replace('|', "\\|")
    } else {
        code
    }
}

/// A fenced code block holding `text` (lines kept, other controls escaped): the fence is longer
/// than any run of backticks inside, so nothing inside can close it.
pub fn fenced(text: &str, lang: &str) -> String {
    let text = console::block(text);
    let fence = "`".repeat((longest_backtick_run(&text) + 1).max(3));
    format!("{fence}{lang}\n{}\n{fence}\n", text.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether `c` occurs in `md` without a backslash before it.
    fn unescaped(md: &str, c: char) -> bool {
        let mut escaped = false;
        for d in md.chars() {
            if d == c && !escaped {
                return true;
            }
            escaped = d == '\\' && !escaped;
        }
        false
    }

    #[test]
    fn inline_text_makes_no_link_image_or_html() {
        let md = inline(
            "![i](http://evil/i.png) [x](http://evil) <script>alert(1)</script> *b* _i_ & \x1b[2J",
        );
        assert!(!md.contains("!["), "{md}");
        assert!(!unescaped(&md, '[') && !unescaped(&md, ']'), "{md}");
        assert!(!md.contains("http://"), "{md}");
        assert!(!md.contains('<') && !md.contains('\x1b'), "{md}");
        assert!(
            md.contains("&lt;script&gt;") && md.contains("\\*b\\*"),
            "{md}"
        );
        assert!(
            md.contains("\\\\x1b"),
            "the escape is shown as written: {md}"
        );
        assert_eq!(
            inline("see http://evil or www.evil"),
            "see http:\\/\\/evil or www\\.evil"
        );
        assert_eq!(inline("- x\ny"), "\\- x y");
    }

    #[test]
    fn html_text_is_no_markup() {
        assert_eq!(html("<b>a&b</b>\n"), "&lt;b&gt;a&amp;b&lt;/b&gt;\\x0a");
    }

    #[test]
    fn a_cell_stays_one_cell_on_one_row() {
        assert_eq!(cell("a|b\nc"), "a\\|b<br>c");
        assert_eq!(cell("a\\|b"), "a\\\\\\|b");
        assert!(!cell("x\r\ny\rz").contains(['\n', '\r']));
    }

    #[test]
    fn code_spans_and_fences_outgrow_the_backticks_inside() {
        assert_eq!(code("a ``` b"), "````a ``` b````");
        assert_eq!(code("`x`"), "`` `x` ``");
        assert_eq!(code("a|b"), "`a|b`");
        assert_eq!(cell_code("a|b"), "`a\\|b`");
        assert_eq!(code("\u{202e}"), "`\\u{202e}`");
        assert_eq!(fenced("a ``` b", "sh"), "````sh\na ``` b\n````\n");
        assert_eq!(
            fenced("\x1b]0;t\x07\nx", "text"),
            "```text\n\\x1b]0;t\\x07\nx\n```\n"
        );
    }
}
