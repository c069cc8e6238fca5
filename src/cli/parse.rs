//! The command line, read with the configuration file's profile filled in (flag > environment >
//! selected profile > default profile > built-in).

use std::ffi::OsString;

use clap::{ArgMatches, CommandFactory, FromArgMatches};

use crate::errln;
use crate::exit::Exit;

use super::config::{self, Configured};
use super::{Cli, Command, ConfigCommand};

/// The parsed command line; `Err` is how the program ends instead (help, version, a refusal).
pub fn parse(argv: Vec<OsString>) -> Result<Cli, Exit> {
    let command = Cli::command();
    let matches = command
        .clone()
        .try_get_matches_from(&argv)
        .map_err(clap_exit)?;
    let Some((kind, path)) = configurable(&matches) else {
        return Cli::from_arg_matches(&matches).map_err(clap_exit);
    };
    let mut sub_command = command.clone();
    let mut sub_matches = &matches;
    for name in path {
        sub_command = sub_command
            .find_subcommand(name)
            .cloned()
            .ok_or(Exit::Usage)?;
        sub_matches = sub_matches.subcommand_matches(name).ok_or(Exit::Usage)?;
    }
    let var = |name: &str| std::env::var(name).ok();
    let filled = config::fill(kind, &sub_command, sub_matches, &var).map_err(|e| {
        errln!("error: {e}");
        Exit::Usage
    })?;
    let matches = if filled.extra.is_empty() {
        matches
    } else {
        let mut argv = argv;
        argv.extend(filled.extra);
        command.try_get_matches_from(&argv).map_err(clap_exit)?
    };
    let mut cli = Cli::from_arg_matches(&matches).map_err(clap_exit)?;
    set_configured(&mut cli.command, filled.configured);
    Ok(cli)
}

/// The commands a profile fills in, and the path of subcommand names to their arguments.
fn configurable(matches: &ArgMatches) -> Option<(config::Command, &'static [&'static str])> {
    match matches.subcommand() {
        Some(("run", _)) => Some((config::Command::Run, &["run"])),
        Some(("explore", _)) => Some((config::Command::Explore, &["explore"])),
        Some(("config", _)) => Some((config::Command::Run, &["config", "show"])),
        _ => None,
    }
}

fn set_configured(command: &mut Command, configured: Configured) {
    match command {
        Command::Run(args) => args.settings.configured = configured,
        Command::Explore(args) => args.settings.configured = configured,
        Command::Config(ConfigCommand::Show(args)) => args.run.settings.configured = configured,
        _ => {}
    }
}

/// How clap's refusal (or its help, or its version) ends the program.
fn clap_exit(e: clap::Error) -> Exit {
    // Clap knows only the version; the line names the embedded catalog too.
    if e.kind() == clap::error::ErrorKind::DisplayVersion {
        crate::outln!("{}", super::install::version_line());
        return Exit::Ok;
    }
    // clap's own printing ignores a closed stream; its exit code for usage errors is 2.
    let _ = e.print();
    if e.use_stderr() {
        Exit::Usage
    } else {
        Exit::Ok
    }
}
