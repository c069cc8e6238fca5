//! The keys a profile may set: each names a flag of `run` and/or `explore` (by its clap id) or a
//! setting of the world that DESIGN's Environment names.

/// Which command a flag key belongs to; a key of the other command is ignored there, so one
/// profile serves both.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Commands {
    Run,
    Explore,
    Both,
}

impl Commands {
    pub fn includes(self, command: Command) -> bool {
        matches!(
            (self, command),
            (Commands::Both, _)
                | (Commands::Run, Command::Run)
                | (Commands::Explore, Command::Explore)
        )
    }
}

/// The command whose flags a profile fills in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    Run,
    Explore,
}

/// The TOML type a key takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Text,
    /// A file or folder: relative to the configuration file's folder.
    Path,
    Integer,
    /// An integer or a float.
    Number,
    Bool,
    /// An array of strings.
    List,
    /// A string or an integer (`budget = "60s"` or `budget = 500`).
    TextOrInteger,
}

impl Kind {
    pub fn describe(self) -> &'static str {
        match self {
            Kind::Text | Kind::Path => "a string",
            Kind::Integer => "an integer",
            Kind::Number => "a number",
            Kind::Bool => "a boolean",
            Kind::List => "an array of strings",
            Kind::TextOrInteger => "a string or an integer",
        }
    }
}

/// Where a key's value goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Destination {
    /// A flag: its clap id, the commands that have it, and its environment variable if clap
    /// reads one.
    Flag {
        id: &'static str,
        commands: Commands,
        env: Option<&'static str>,
    },
    /// A world setting, read from this environment variable first.
    World { env: &'static str },
}

/// One key of a profile.
#[derive(Clone, Copy, Debug)]
pub struct Key {
    /// As written in the file: the flag's long name.
    pub name: &'static str,
    pub kind: Kind,
    pub to: Destination,
    /// Its values may only be `${ENV_VAR}` references.
    pub secret: bool,
}

const fn flag(name: &'static str, id: &'static str, kind: Kind, commands: Commands) -> Key {
    Key {
        name,
        kind,
        to: Destination::Flag {
            id,
            commands,
            env: None,
        },
        secret: false,
    }
}

const fn flag_with_env(name: &'static str, id: &'static str, kind: Kind, env: &'static str) -> Key {
    Key {
        name,
        kind,
        to: Destination::Flag {
            id,
            commands: Commands::Both,
            env: Some(env),
        },
        secret: false,
    }
}

const fn world(name: &'static str, env: &'static str, secret: bool) -> Key {
    Key {
        name,
        kind: Kind::Text,
        to: Destination::World { env },
        secret,
    }
}

use Commands::{Both, Explore, Run};

/// Every key, in the order `config show` prints them.
pub const KEYS: &[Key] = &[
    flag_with_env("target", "target", Kind::Text, "CONFORMANCE_TARGET"),
    flag("cases", "cases", Kind::Path, Run),
    flag_with_env(
        "report-dir",
        "report_dir",
        Kind::Path,
        "CONFORMANCE_REPORT_DIR",
    ),
    flag("report", "formats", Kind::List, Both),
    flag("transcripts", "transcripts", Kind::Text, Both),
    flag("message-format", "message_format", Kind::Text, Both),
    flag("jobs", "jobs", Kind::Integer, Both),
    flag("max-jobs", "max_jobs", Kind::Integer, Run),
    flag("timeout", "timeout", Kind::Number, Both),
    flag("max-body", "max_body", Kind::Integer, Both),
    flag("retries", "retries", Kind::Integer, Both),
    flag("max-retry-wait", "max_retry_wait", Kind::Number, Both),
    flag("rate", "rate", Kind::Number, Both),
    flag("fail-on", "fail_on", Kind::Text, Both),
    flag("fail-fast", "fail_fast", Kind::Bool, Run),
    flag("filter", "filter", Kind::List, Run),
    flag("exact", "exact", Kind::Bool, Run),
    flag("partition", "partition", Kind::Text, Run),
    flag("baseline", "baseline", Kind::Path, Run),
    flag("write-baseline", "write_baseline", Kind::Path, Run),
    flag("rerun-failed", "rerun_failed", Kind::Path, Run),
    flag("header", "header", Kind::List, Both),
    Key {
        name: "secret",
        kind: Kind::List,
        to: Destination::Flag {
            id: "secret",
            commands: Both,
            env: None,
        },
        secret: true,
    },
    flag("proxy", "proxy", Kind::Text, Both),
    flag("no-proxy", "no_proxy", Kind::Bool, Both),
    flag("cacert", "cacert", Kind::Path, Both),
    flag("insecure", "insecure", Kind::Bool, Both),
    flag("client-cert", "client_cert", Kind::Path, Both),
    flag("client-key", "client_key", Kind::Path, Both),
    flag("color", "color", Kind::Text, Both),
    flag("verbose", "verbose", Kind::Integer, Both),
    flag("quiet", "quiet", Kind::Bool, Both),
    flag("seed", "seed", Kind::Integer, Explore),
    flag("budget", "budget", Kind::TextOrInteger, Explore),
    flag("save", "save", Kind::Path, Explore),
    flag("no-replay", "no_replay", Kind::Bool, Explore),
    world("scid", "CONFORMANCE_SCID", false),
    world("template", "CONFORMANCE_TEMPLATE", false),
    world(
        "template-persistent",
        "CONFORMANCE_TEMPLATE_PERSISTENT",
        false,
    ),
    world("template-solo", "CONFORMANCE_TEMPLATE_SOLO", false),
    world("xuid-a", "CONFORMANCE_XUID_A", false),
    world("xuid-b", "CONFORMANCE_XUID_B", false),
    world("auth-a", "CONFORMANCE_AUTH_A", true),
    world("auth-b", "CONFORMANCE_AUTH_B", true),
];

/// Flags that exclude each other: one given on the command line (or by the environment) drops
/// the profile's value of the other, as clap would refuse both.
pub const EXCLUSIVE: &[[&str; 2]] = &[["proxy", "no_proxy"], ["verbose", "quiet"]];

pub fn find(name: &str) -> Option<&'static Key> {
    KEYS.iter().find(|k| k.name == name)
}

/// The known keys, for an error message.
pub fn names() -> String {
    KEYS.iter().map(|k| k.name).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    /// Every flag key names an argument the command really has.
    #[test]
    fn every_flag_key_is_an_argument_of_its_commands() {
        let cli = crate::cli::Cli::command();
        for key in KEYS {
            let Destination::Flag { id, commands, .. } = key.to else {
                continue;
            };
            for (name, command) in [("run", Command::Run), ("explore", Command::Explore)] {
                if !commands.includes(command) {
                    continue;
                }
                let sub = cli.find_subcommand(name).expect("the command exists");
                assert!(
                    sub.get_arguments().any(|a| a.get_id() == id),
                    "`{}` names `{id}`, which `{name}` lacks",
                    key.name
                );
            }
        }
    }

    /// And the other way: every option of `run` and `explore` can be set in a profile, but those
    /// that choose the configuration itself, and help.
    #[test]
    fn every_option_of_run_and_explore_is_a_key() {
        let cli = crate::cli::Cli::command();
        let not_keys = ["config", "profile", "help"];
        for (name, command) in [("run", Command::Run), ("explore", Command::Explore)] {
            let sub = cli.find_subcommand(name).expect("the command exists");
            for arg in sub.get_arguments() {
                let id = arg.get_id().as_str();
                if arg.is_positional() || not_keys.contains(&id) {
                    continue;
                }
                let keyed = KEYS.iter().any(|k| match k.to {
                    Destination::Flag {
                        id: key_id,
                        commands,
                        ..
                    } => key_id == id && commands.includes(command),
                    Destination::World { .. } => false,
                });
                assert!(
                    keyed,
                    "`{name} --{}` has no configuration key",
                    arg.get_long().unwrap_or(id)
                );
            }
        }
    }
}
