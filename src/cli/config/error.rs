//! Why a configuration file is refused: every problem in the file names its place.

use std::fmt;

/// A place in the configuration file, 1-based; columns count characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Position {
    pub file: String,
    pub line: usize,
    pub col: usize,
}

impl Position {
    /// The place of byte `offset` of `text`.
    pub fn of(file: &str, text: &str, offset: usize) -> Position {
        // The parser's spans fall on character boundaries; anything else is the end.
        let before = text.get(..offset).unwrap_or(text);
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        Position {
            file: file.to_string(),
            line: before.matches('\n').count() + 1,
            col: before[line_start..].chars().count() + 1,
        }
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.col)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("read the configuration file {file}: {source}")]
    Read {
        file: String,
        source: std::io::Error,
    },
    /// A problem at a place in the file, rendered as Hurl renders one.
    #[error("{message}\n  --> {at}")]
    At { at: Position, message: String },
    #[error("select the profile `{name}`: {file} has no [profile.{name}] (its profiles: {known})")]
    NoProfile {
        name: String,
        file: String,
        known: String,
    },
    #[error(
        "select the profile `{name}`: there is no configuration file (mpsd-conformance.toml in \
         this folder, --config FILE or CONFORMANCE_CONFIG)"
    )]
    NoFile { name: String },
}

impl ConfigError {
    pub fn at(at: &Position, message: impl Into<String>) -> ConfigError {
        ConfigError::At {
            at: at.clone(),
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_position_counts_lines_and_characters_from_one() {
        let text = "[profile.default]\néjobs = 1\n";
        let at = Position::of("c.toml", text, text.find("jobs").unwrap());
        assert_eq!(at.to_string(), "c.toml:2:2");
        assert_eq!(Position::of("c.toml", text, 0).to_string(), "c.toml:1:1");
    }
}
