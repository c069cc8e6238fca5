//! Filling a command's flags from the configuration: clap parses the command line once, tells
//! which flags the line or the environment gave, and the profile's values for the others are
//! parsed again as if they had been written after them — so every value goes through the very
//! parser its flag has, and a value clap refuses is refused at its place in the file.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::PathBuf;

use clap::parser::ValueSource;
use clap::ArgMatches;

use super::error::{ConfigError, Position};
use super::file::{ConfigFile, Setting, Value};
use super::keys::{Command, Destination, Kind, EXCLUSIVE, KEYS};
use super::layers::{effective, Source};
use super::reference::expand;
use crate::report::ProfileInfo;

/// What the configuration adds to a command besides its flags.
#[derive(Clone, Debug, Default)]
pub struct Configured {
    /// The profile used, when a configuration file was read.
    pub profile: Option<ProfileInfo>,
    /// World settings by environment variable name, taken where that variable is not set.
    pub world: BTreeMap<String, String>,
    /// Every key's effective source, for `config show`.
    pub sources: BTreeMap<&'static str, Source>,
}

/// The flags to add after the command line's, and what else the profile says.
pub struct Filled {
    pub extra: Vec<OsString>,
    pub configured: Configured,
}

/// The profile's settings for `command`, whose arguments clap parsed into `matches`.
pub fn fill(
    command: Command,
    clap_command: &clap::Command,
    matches: &ArgMatches,
    var: &dyn Fn(&str) -> Option<String>,
) -> Result<Filled, ConfigError> {
    let named_file = matches.get_one::<PathBuf>("config");
    let profile = matches.get_one::<String>("profile");
    let file = match ConfigFile::find(named_file.map(PathBuf::as_path))? {
        Some(f) => f,
        None => {
            if let Some(name) = profile {
                return Err(ConfigError::NoFile { name: name.clone() });
            }
            return Ok(Filled {
                extra: Vec::new(),
                configured: Configured {
                    sources: sources_without_file(command, matches, var),
                    ..Configured::default()
                },
            });
        }
    };
    let settings = effective(&file, profile.map(String::as_str))?;
    let mut filled = Filled {
        extra: Vec::new(),
        configured: Configured {
            profile: Some(ProfileInfo {
                name: profile.cloned().unwrap_or_else(|| "default".to_string()),
                file: file.path.display().to_string(),
            }),
            sources: sources_without_file(command, matches, var),
            ..Configured::default()
        },
    };
    for (name, (setting, source)) in settings {
        let expanded = expanded(setting, &file, var)?;
        match setting.key.to {
            Destination::World { env } => {
                if var(env).is_some_and(|v| !v.is_empty()) {
                    continue;
                }
                if let Some(value) = expanded.texts.first() {
                    filled
                        .configured
                        .world
                        .insert(env.to_string(), value.clone());
                    filled.configured.sources.insert(name, source);
                }
            }
            Destination::Flag { id, commands, .. } => {
                if !commands.includes(command) {
                    continue;
                }
                // `secret` only adds to what is redacted, so the file's count even beside flags.
                if given(matches, id) && !setting.key.secret {
                    continue;
                }
                let excluded = EXCLUSIVE
                    .iter()
                    .filter(|pair| pair.contains(&id))
                    .flat_map(|pair| pair.iter())
                    .any(|other| *other != id && given(matches, other));
                if excluded {
                    continue;
                }
                let tokens = tokens(clap_command, id, setting, &expanded)?;
                if !tokens.is_empty() && !given(matches, id) {
                    filled.configured.sources.insert(name, source);
                }
                filled.extra.extend(tokens);
            }
        }
    }
    Ok(filled)
}

/// The line or the environment set this flag.
fn given(matches: &ArgMatches, id: &str) -> bool {
    matches!(
        matches
            .try_get_raw(id)
            .ok()
            .and_then(|_| matches.value_source(id)),
        Some(ValueSource::CommandLine | ValueSource::EnvVariable)
    )
}

/// Each key's source before any profile: the line, the environment, or built in.
fn sources_without_file(
    command: Command,
    matches: &ArgMatches,
    var: &dyn Fn(&str) -> Option<String>,
) -> BTreeMap<&'static str, Source> {
    let mut out = BTreeMap::new();
    for key in KEYS {
        let source = match key.to {
            Destination::Flag { commands, .. } if !commands.includes(command) => continue,
            Destination::Flag { id, env, .. } => {
                match matches
                    .try_get_raw(id)
                    .ok()
                    .and_then(|_| matches.value_source(id))
                {
                    Some(ValueSource::CommandLine) => Source::Flag,
                    Some(ValueSource::EnvVariable) => Source::Env(env.unwrap_or("")),
                    _ => Source::BuiltIn,
                }
            }
            Destination::World { env } if var(env).is_some_and(|v| !v.is_empty()) => {
                Source::Env(env)
            }
            Destination::World { .. } => Source::BuiltIn,
        };
        out.insert(key.name, source);
    }
    out
}

/// A setting's strings with references expanded, each with its place.
struct Expanded {
    texts: Vec<String>,
    places: Vec<Position>,
    bool: Option<bool>,
}

fn expanded(
    setting: &Setting,
    file: &ConfigFile,
    var: &dyn Fn(&str) -> Option<String>,
) -> Result<Expanded, ConfigError> {
    let raw: Vec<(&str, &Position)> = match &setting.value {
        Value::Text(t) => vec![(t.as_str(), &setting.at)],
        Value::List(items) => items.iter().map(|i| (i.text.as_str(), &i.at)).collect(),
        Value::Bool(b) => {
            return Ok(Expanded {
                texts: Vec::new(),
                places: Vec::new(),
                bool: Some(*b),
            })
        }
    };
    let mut out = Expanded {
        texts: Vec::new(),
        places: Vec::new(),
        bool: None,
    };
    for (text, at) in raw {
        let mut text = expand(text, var).map_err(|name| {
            ConfigError::at(
                at,
                format!(
                    "`{}` names the environment variable `{name}`, which is not set",
                    setting.key.name
                ),
            )
        })?;
        if setting.key.kind == Kind::Path {
            text = file.folder().join(&text).display().to_string();
        }
        out.texts.push(text);
        out.places.push(at.clone());
    }
    Ok(out)
}

/// The flag tokens of a setting, each value checked by its flag's own parser.
fn tokens(
    command: &clap::Command,
    id: &str,
    setting: &Setting,
    expanded: &Expanded,
) -> Result<Vec<OsString>, ConfigError> {
    let Some(arg) = command.get_arguments().find(|a| a.get_id() == id) else {
        return Ok(Vec::new());
    };
    let long = arg.get_long().unwrap_or(setting.key.name);
    if let Some(on) = expanded.bool {
        return Ok(if on {
            vec![format!("--{long}").into()]
        } else {
            Vec::new()
        });
    }
    if id == "verbose" {
        let count = expanded
            .texts
            .first()
            .and_then(|t| t.parse::<u8>().ok())
            .filter(|n| *n <= 2)
            .ok_or_else(|| {
                ConfigError::at(&setting.at, "`verbose` must be 0, 1 or 2 (as -v, -vv)")
            })?;
        return Ok(vec![format!("--{long}").into(); count as usize]);
    }
    // The flag alone, with its own parser: its ties to other flags are checked on the whole line.
    let alone = clap::Command::new("mpsd-conformance")
        .no_binary_name(true)
        .arg(
            clap::Arg::new(setting.key.name)
                .long(setting.key.name)
                .value_name("VALUE")
                .value_parser(arg.get_value_parser().clone()),
        );
    let mut out = Vec::new();
    for (text, at) in expanded.texts.iter().zip(&expanded.places) {
        let token = format!("--{long}={text}");
        alone
            .clone()
            .try_get_matches_from([token.as_str()])
            .map_err(|e| ConfigError::at(at, refusal(setting.key.name, &e)))?;
        out.push(token.into());
    }
    Ok(out)
}

/// clap's refusal of a value, as one line about the key.
fn refusal(key: &str, error: &clap::Error) -> String {
    let rendered = error.to_string();
    let first = rendered.lines().next().unwrap_or_default();
    let reason = first.strip_prefix("error: ").unwrap_or(first);
    format!("`{key}` is refused: {reason}")
}
