//! Which profile's value each key takes: the selected profile over `[profile.default]`.

use std::collections::BTreeMap;
use std::fmt;

use super::error::ConfigError;
use super::file::{ConfigFile, Setting};

/// Where an effective setting came from, most important first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Flag,
    Env(&'static str),
    Profile(String),
    DefaultProfile,
    BuiltIn,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Flag => f.write_str("flag"),
            Source::Env(name) => write!(f, "env {name}"),
            Source::Profile(name) => write!(f, "profile {name}"),
            Source::DefaultProfile => f.write_str("default profile"),
            Source::BuiltIn => f.write_str("built-in"),
        }
    }
}

pub const DEFAULT_PROFILE: &str = "default";

/// For each key a profile sets, its setting and which profile set it.
pub fn effective<'f>(
    file: &'f ConfigFile,
    selected: Option<&str>,
) -> Result<BTreeMap<&'static str, (&'f Setting, Source)>, ConfigError> {
    let named = match selected.filter(|n| *n != DEFAULT_PROFILE) {
        Some(name) => Some((
            name,
            file.profiles
                .get(name)
                .ok_or_else(|| ConfigError::NoProfile {
                    name: name.to_string(),
                    file: file.path.display().to_string(),
                    known: known(file),
                })?,
        )),
        None => None,
    };
    let mut out = BTreeMap::new();
    if let Some(settings) = file.profiles.get(DEFAULT_PROFILE) {
        for s in settings {
            out.insert(s.key.name, (s, Source::DefaultProfile));
        }
    }
    if let Some((name, settings)) = named {
        for s in settings {
            out.insert(s.key.name, (s, Source::Profile(name.to_string())));
        }
    }
    Ok(out)
}

fn known(file: &ConfigFile) -> String {
    if file.profiles.is_empty() {
        return "none".to_string();
    }
    file.profiles.keys().cloned().collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn the_selected_profile_wins_key_by_key_over_the_default() {
        let file = ConfigFile::parse(
            Path::new("c.toml"),
            "[profile.default]\njobs = 2\nretries = 1\n[profile.ci]\njobs = 6\n",
        )
        .unwrap();
        let ci = effective(&file, Some("ci")).unwrap();
        assert_eq!(ci["jobs"].1, Source::Profile("ci".into()));
        assert_eq!(ci["retries"].1, Source::DefaultProfile);
        let default = effective(&file, None).unwrap();
        assert_eq!(default["jobs"].1, Source::DefaultProfile);
        let e = effective(&file, Some("staging")).unwrap_err().to_string();
        assert!(
            e.contains("no [profile.staging] (its profiles: ci, default)"),
            "{e}"
        );
    }
}
