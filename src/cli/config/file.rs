//! Reading `mpsd-conformance.toml`: its profiles, every key known and of its type, and no
//! literal secret in it. Values keep their places, so a later refusal (a value clap does not
//! take, a variable that is not set) names them too.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::error::{ConfigError, Position};
use super::keys::{self, Key, Kind};
use super::reference::{has_reference, is_one_reference};
use crate::exchange::secret_header;

/// The file a working folder configures itself with.
pub const DEFAULT_FILE: &str = "mpsd-conformance.toml";

/// A key's value, as the flag would be written (numbers in decimal).
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Text(String),
    Bool(bool),
    List(Vec<Item>),
}

/// One string of an array, with its place.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub text: String,
    pub at: Position,
}

/// One key set by a profile.
#[derive(Clone, Debug)]
pub struct Setting {
    pub key: &'static Key,
    pub value: Value,
    pub at: Position,
}

/// A parsed configuration file.
#[derive(Clone, Debug)]
pub struct ConfigFile {
    pub path: PathBuf,
    /// By profile name; each profile's settings in the order of [`keys::KEYS`].
    pub profiles: BTreeMap<String, Vec<Setting>>,
}

impl ConfigFile {
    /// The file `--config` or CONFORMANCE_CONFIG names (it must exist), else
    /// `mpsd-conformance.toml` in the working folder when there is one.
    pub fn find(named: Option<&Path>) -> Result<Option<ConfigFile>, ConfigError> {
        let path = match named {
            Some(p) => p.to_path_buf(),
            None if Path::new(DEFAULT_FILE).is_file() => PathBuf::from(DEFAULT_FILE),
            None => return Ok(None),
        };
        let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
            file: path.display().to_string(),
            source,
        })?;
        ConfigFile::parse(&path, &text).map(Some)
    }

    pub fn parse(path: &Path, text: &str) -> Result<ConfigFile, ConfigError> {
        let file = path.display().to_string();
        let at = |span: std::ops::Range<usize>| Position::of(&file, text, span.start);
        let root = DeTable::parse(text).map_err(|e| {
            ConfigError::at(
                &at(e.span().unwrap_or(0..0)),
                format!("this is not TOML: {}", e.message().trim_end()),
            )
        })?;
        let mut profiles = BTreeMap::new();
        for (name, value) in root.get_ref() {
            if name.get_ref() != "profile" {
                return Err(ConfigError::at(
                    &at(name.span()),
                    format!(
                        "unknown key `{}`: the file holds only [profile.NAME] tables",
                        name.get_ref()
                    ),
                ));
            }
            let DeValue::Table(table) = value.get_ref() else {
                return Err(ConfigError::at(
                    &at(value.span()),
                    "`profile` must be a table of profiles ([profile.NAME])",
                ));
            };
            for (name, profile) in table {
                let DeValue::Table(keys) = profile.get_ref() else {
                    return Err(ConfigError::at(
                        &at(profile.span()),
                        format!("`profile.{}` must be a table", name.get_ref()),
                    ));
                };
                let settings = settings(name.get_ref(), keys, &at)?;
                profiles.insert(name.get_ref().to_string(), settings);
            }
        }
        Ok(ConfigFile {
            path: path.to_path_buf(),
            profiles,
        })
    }

    /// The folder relative paths in the file start from.
    pub fn folder(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new(""))
    }
}

fn settings(
    profile: &str,
    table: &DeTable<'_>,
    at: &dyn Fn(std::ops::Range<usize>) -> Position,
) -> Result<Vec<Setting>, ConfigError> {
    let mut out = Vec::new();
    for (name, value) in table {
        let key = keys::find(name.get_ref()).ok_or_else(|| {
            ConfigError::at(
                &at(name.span()),
                format!(
                    "unknown key `{}` in [profile.{profile}] (the keys: {})",
                    name.get_ref(),
                    keys::names()
                ),
            )
        })?;
        let value_at = at(value.span());
        let typed = typed(key, value, at).ok_or_else(|| {
            ConfigError::at(
                &value_at,
                format!(
                    "`{}` must be {}, not {}",
                    key.name,
                    key.kind.describe(),
                    describe(value.get_ref())
                ),
            )
        })?;
        refuse_literal_secret(key, &typed, &value_at)?;
        out.push(Setting {
            key,
            value: typed,
            at: value_at,
        });
    }
    out.sort_by_key(|s| keys::KEYS.iter().position(|k| k.name == s.key.name));
    Ok(out)
}

/// The value if it has the key's type.
fn typed(
    key: &Key,
    value: &Spanned<DeValue<'_>>,
    at: &dyn Fn(std::ops::Range<usize>) -> Position,
) -> Option<Value> {
    let integer = |v: &DeValue<'_>| match v {
        DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
            .ok()
            .map(|n| Value::Text(n.to_string())),
        _ => None,
    };
    match (key.kind, value.get_ref()) {
        (Kind::Text | Kind::Path | Kind::TextOrInteger, DeValue::String(s)) => {
            Some(Value::Text(s.to_string()))
        }
        (Kind::Integer | Kind::Number | Kind::TextOrInteger, v @ DeValue::Integer(_)) => integer(v),
        (Kind::Number, DeValue::Float(f)) => Some(Value::Text(f.as_str().to_string())),
        (Kind::Bool, DeValue::Boolean(b)) => Some(Value::Bool(*b)),
        (Kind::List, DeValue::Array(items)) => items
            .iter()
            .map(|item| match item.get_ref() {
                DeValue::String(s) => Some(Item {
                    text: s.to_string(),
                    at: at(item.span()),
                }),
                _ => None,
            })
            .collect::<Option<Vec<_>>>()
            .map(Value::List),
        _ => None,
    }
}

fn describe(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date",
        DeValue::Array(_) => "an array (or one of its items is not a string)",
        DeValue::Table(_) => "a table",
    }
}

/// Secrets live in the environment, never in a file that gets committed: a secret key takes
/// only `${ENV_VAR}`, a secret header's value and a URL's userinfo must name one.
fn refuse_literal_secret(key: &Key, value: &Value, at: &Position) -> Result<(), ConfigError> {
    let items: Vec<(&str, &Position)> = match value {
        Value::Text(t) => vec![(t.as_str(), at)],
        Value::List(items) => items.iter().map(|i| (i.text.as_str(), &i.at)).collect(),
        Value::Bool(_) => Vec::new(),
    };
    for (text, at) in items {
        let refused = if key.secret {
            !is_one_reference(text)
        } else {
            match key.name {
                "header" => text.split_once(':').is_some_and(|(name, value)| {
                    secret_header(name.trim()) && !has_reference(value)
                }),
                "target" | "proxy" => {
                    crate::run::url_userinfo(text).is_some_and(|u| !has_reference(&u))
                }
                _ => false,
            }
        };
        if refused {
            return Err(ConfigError::at(
                at,
                format!(
                    "`{}` holds a literal secret: write it as a reference to an environment \
                     variable (`${{NAME}}`) and set that variable",
                    key.name
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ConfigFile, String> {
        ConfigFile::parse(Path::new("c.toml"), text).map_err(|e| e.to_string())
    }

    #[test]
    fn profiles_are_read_with_typed_values() {
        let file = parse(
            "[profile.default]\njobs = 4\ntimeout = 2.5\nreport = [\"json\"]\ninsecure = true\n\
             [profile.ci]\nbudget = 500\n",
        )
        .unwrap();
        let default = &file.profiles["default"];
        assert_eq!(default[0].key.name, "report");
        assert_eq!(default[1].value, Value::Text("4".into()));
        assert_eq!(default[2].value, Value::Text("2.5".into()));
        assert_eq!(default[3].value, Value::Bool(true));
        assert_eq!(file.profiles["ci"][0].value, Value::Text("500".into()));
    }

    #[test]
    fn an_unknown_key_is_refused_at_its_place() {
        let e = parse("[profile.ci]\njobs = 2\njbos = 4\n").unwrap_err();
        assert!(e.starts_with("unknown key `jbos` in [profile.ci]"), "{e}");
        assert!(e.ends_with("--> c.toml:3:1"), "{e}");
        let e = parse("[server]\n").unwrap_err();
        assert!(
            e.contains("unknown key `server`") && e.ends_with("c.toml:1:2"),
            "{e}"
        );
    }

    #[test]
    fn a_wrong_type_is_refused_at_the_value() {
        let e = parse("[profile.ci]\njobs = \"four\"\n").unwrap_err();
        assert!(
            e.starts_with("`jobs` must be an integer, not a string") && e.ends_with("c.toml:2:8"),
            "{e}"
        );
        let e = parse("[profile.ci]\nheader = [\"A: b\", 3]\n").unwrap_err();
        assert!(e.contains("must be an array of strings"), "{e}");
    }

    #[test]
    fn a_literal_secret_is_refused_and_a_reference_taken() {
        for text in [
            "[profile.ci]\nauth-a = \"XBL3.0 x=1;tok\"\n",
            "[profile.ci]\nsecret = [\"${OK}\", \"hunter22\"]\n",
            "[profile.ci]\nheader = [\"Authorization: Bearer abc\"]\n",
            "[profile.ci]\ntarget = \"https://u:p@host/\"\n",
        ] {
            let e = parse(text).unwrap_err();
            assert!(e.contains("holds a literal secret"), "{text}: {e}");
            assert!(e.contains("--> c.toml:2:"), "{e}");
        }
        parse(
            "[profile.ci]\nauth-a = \"${A}\"\nsecret = [\"${S}\"]\n\
             header = [\"Authorization: Bearer ${T}\", \"X-Trace: 1\"]\n\
             target = \"https://${U}@host/\"\n",
        )
        .unwrap();
    }

    #[test]
    fn a_syntax_error_names_its_place() {
        let e = parse("[profile.ci]\njobs = \n").unwrap_err();
        assert!(
            e.starts_with("this is not TOML") && e.contains("--> c.toml:2:"),
            "{e}"
        );
    }
}
