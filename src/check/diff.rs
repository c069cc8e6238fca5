//! Diffs a person reads in a second: pretty JSON, a few lines of context, bounded time.

use std::time::Duration;

use serde_json::Value;
use similar::{Algorithm, TextDiff};

/// Longest diff shown, in lines; the rest is summarized.
const MAX_LINES: usize = 80;

/// A unified diff of two texts, or `None` when they are equal.
pub fn text_diff(expected: &str, actual: &str) -> Option<String> {
    if expected == actual {
        return None;
    }
    let diff = TextDiff::configure()
        .algorithm(Algorithm::Patience)
        .timeout(Duration::from_millis(200))
        .diff_lines(expected, actual);
    let rendered = diff
        .unified_diff()
        .context_radius(3)
        .header("expected", "actual")
        .to_string();
    let lines: Vec<&str> = rendered.lines().collect();
    if lines.len() <= MAX_LINES {
        return Some(rendered);
    }
    let mut cut = lines
        .iter()
        .take(MAX_LINES)
        .copied()
        .collect::<Vec<_>>()
        .join("\n");
    cut.push_str(&format!("\n… {} more diff lines", lines.len() - MAX_LINES));
    Some(cut)
}

/// A diff of two JSON values, pretty-printed.
pub fn json_diff(expected: &Value, actual: &Value) -> Option<String> {
    let e = pretty(expected);
    let a = pretty(actual);
    text_diff(&format!("{e}\n"), &format!("{a}\n"))
}

pub fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn equal_values_have_no_diff_and_unequal_ones_show_both_sides() {
        assert!(json_diff(&json!({"a": 1}), &json!({"a": 1})).is_none());
        let d = json_diff(&json!({"a": 1, "b": 2}), &json!({"a": 1, "b": 3})).unwrap();
        assert!(d.contains("-  \"b\": 2"), "{d}");
        assert!(d.contains("+  \"b\": 3"), "{d}");
    }
}
