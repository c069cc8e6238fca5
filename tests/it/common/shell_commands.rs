//! The `mpsd-conformance …` commands a shell script runs, as words: the subcommands and the
//! flags, for checking them against the binary's own `--help`.

/// One command of a script that starts with `mpsd-conformance`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invocation {
    /// The command as written (continuation lines joined).
    pub text: String,
    /// `["report", "merge"]` for `mpsd-conformance report merge …`.
    pub subcommands: Vec<String>,
    /// Every `--long` and `-s` flag, in order (`${X:+--flag "$X"}` counts).
    pub flags: Vec<String>,
}

/// Words that may come before a command's name.
const PREFIXES: &[&str] = &[
    "if", "then", "else", "elif", "do", "while", "until", "!", "{", "exec", "time", "command",
];

/// Every `mpsd-conformance` command in `script`. Separators (`;`, `&&`, `||`, `|`, `(`, `$(`)
/// start a new command; comment lines are skipped; `VAR=value` before a command is skipped.
pub fn invocations(script: &str) -> Vec<Invocation> {
    let mut found = Vec::new();
    for line in logical_lines(script) {
        for segment in split_commands(&line) {
            let words: Vec<&str> = segment.split_whitespace().collect();
            let start = words
                .iter()
                .position(|w| !PREFIXES.contains(w) && !is_assignment(w))
                .unwrap_or(words.len());
            if words.get(start) != Some(&"mpsd-conformance") {
                continue;
            }
            let rest = &words[start + 1..];
            let subcommands = rest
                .iter()
                .take_while(|w| {
                    w.chars().all(|c| c.is_ascii_lowercase() || c == '-') && !w.starts_with('-')
                })
                .map(|w| w.to_string())
                .collect();
            found.push(Invocation {
                text: segment.trim().to_string(),
                subcommands,
                flags: rest.iter().filter_map(|w| flag_in(w)).collect(),
            });
        }
    }
    found
}

/// Lines with `\`-continuations joined, comment lines dropped.
fn logical_lines(script: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for line in script.lines() {
        if current.is_empty() && line.trim_start().starts_with('#') {
            continue;
        }
        match line.strip_suffix('\\') {
            Some(head) => {
                current.push_str(head);
                current.push(' ');
            }
            None => {
                current.push_str(line);
                lines.push(std::mem::take(&mut current));
            }
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

fn split_commands(line: &str) -> Vec<String> {
    let mut segments = vec![String::new()];
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        let separator = match c {
            ';' | '(' => true,
            '&' | '|' => {
                if chars.peek() == Some(&c) {
                    chars.next();
                }
                true
            }
            '$' if chars.peek() == Some(&'(') => {
                chars.next();
                true
            }
            _ => false,
        };
        if separator {
            segments.push(String::new());
        } else if let Some(last) = segments.last_mut() {
            last.push(c);
        }
    }
    segments
}

fn is_assignment(word: &str) -> bool {
    match word.split_once('=') {
        Some((name, _)) => {
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        }
        None => false,
    }
}

/// The flag a word is or holds: `--report-dir`, `--out=x` → `--out`, `${T:+--target` → `--target`, `-q`.
fn flag_in(word: &str) -> Option<String> {
    let from = match word.find(":+-") {
        _ if word.starts_with('-') => word,
        Some(i) => &word[i + 2..],
        None => return None,
    };
    let after_dashes = from.strip_prefix("--").or_else(|| from.strip_prefix('-'))?;
    let dashes = &from[..from.len() - after_dashes.len()];
    let name: String = after_dashes
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    name.starts_with(|c: char| c.is_ascii_alphabetic())
        .then(|| format!("{dashes}{name}"))
}

/// Whether `help` (a `--help` text) lists `flag`.
pub fn help_lists(help: &str, flag: &str) -> bool {
    help.split(|c: char| c.is_whitespace() || c == ',' || c == '=' || c == '<' || c == '[')
        .any(|word| word == flag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_and_their_flags() {
        let script = "# mpsd-conformance run --not-this\n\
            status=0\n\
            mpsd-conformance run --report-dir \"$D\" \\\n  ${T:+--target \"$T\"} -q || status=$?\n\
            cargo install --locked mpsd-conformance\n\
            X=1 mpsd-conformance report merge a.json --out=m; mpsd-conformance --version\n";
        let found = invocations(script);
        let summary: Vec<(Vec<String>, Vec<String>)> = found
            .into_iter()
            .map(|i| (i.subcommands, i.flags))
            .collect();
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            summary,
            vec![
                (s(&["run"]), s(&["--report-dir", "--target", "-q"])),
                (s(&["report", "merge"]), s(&["--out"])),
                (s(&[]), s(&["--version"])),
            ]
        );
    }
}
