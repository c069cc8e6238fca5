//! What an installed binary brings along: `completions`, `man`, and the `--version` line that
//! names the catalog embedded in it.

use std::path::Path;

use clap::CommandFactory;

use crate::case::CaseSource;
use crate::errln;
use crate::exit::Exit;
use crate::output::out_styled;

use super::{Cli, CompletionsArgs, ManArgs};

const NAME: &str = "mpsd-conformance";

/// `completions SHELL`: the script on stdout.
pub fn completions(args: CompletionsArgs) -> Exit {
    let mut cmd = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, NAME, &mut script);
    out_styled(format_args!("{}", String::from_utf8_lossy(&script)));
    Exit::Ok
}

/// `man [--out DIR]`: the top page on stdout, or a page per command into DIR.
pub fn man(args: ManArgs) -> Exit {
    let cmd = Cli::command();
    match args.out {
        None => {
            let mut page = Vec::new();
            if let Err(e) = page_of(cmd).render(&mut page) {
                errln!("error: the man page could not be rendered: {e}");
                return Exit::Usage;
            }
            out_styled(format_args!("{}", String::from_utf8_lossy(&page)));
            Exit::Ok
        }
        Some(dir) => match write_pages(cmd, &dir) {
            Ok(count) => {
                errln!("{count} man pages written to {}", dir.display());
                Exit::Ok
            }
            Err(e) => {
                errln!("error: {}: {e}", dir.display());
                Exit::Usage
            }
        },
    }
}

/// A page that names the harness and its version in its header, whichever command it is for
/// (clap gives subcommands no version of their own).
fn page_of(cmd: clap::Command) -> clap_mangen::Man {
    clap_mangen::Man::new(cmd).source(format!("{NAME} {}", env!("CARGO_PKG_VERSION")))
}

/// Writes `mpsd-conformance.1` and `mpsd-conformance-<sub>[-<sub>].1` for every visible command
/// (not clap's `help`); returns how many.
fn write_pages(cmd: clap::Command, dir: &Path) -> std::io::Result<usize> {
    fn write(cmd: clap::Command, dir: &Path, count: &mut usize) -> std::io::Result<()> {
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            write(sub.clone(), dir, count)?;
        }
        page_of(cmd).generate_to(dir)?;
        *count += 1;
        Ok(())
    }
    std::fs::create_dir_all(dir)?;
    let mut cmd = cmd.disable_help_subcommand(true);
    // Gives each subcommand its display name (`mpsd-conformance-run`): the page's title and file.
    cmd.build();
    let mut count = 0;
    write(cmd, dir, &mut count)?;
    Ok(count)
}

/// `--version` and `-V`: the version, the embedded catalog's fingerprint and size, and its
/// detection score.
pub fn version_line() -> String {
    let version = format!("{NAME} {}", env!("CARGO_PKG_VERSION"));
    match crate::plan::load(&CaseSource::embedded(), None) {
        Ok(set) => {
            let score = match crate::mutants::detection_score(&set.fingerprint) {
                Some(score) => format!("detection score {score:.3}"),
                None => "detection score not measured".to_string(),
            };
            format!(
                "{version} (catalog {}, {} cases, {score})",
                set.fingerprint,
                set.case_count()
            )
        }
        // Not expected of a built binary (its tests load the same catalog), but said, not hidden.
        Err(e) => format!(
            "{version} (catalog not loaded: {})",
            e.to_string().replace('\n', "; ")
        ),
    }
}

/// Shown after the flags of `completions --help`: where each shell reads its script from.
pub const COMPLETIONS_AFTER_HELP: &str = "\
Install, for example:
  bash        mpsd-conformance completions bash > ~/.local/share/bash-completion/completions/mpsd-conformance
  zsh         mpsd-conformance completions zsh > ~/.zfunc/_mpsd-conformance   (with fpath+=~/.zfunc)
  fish        mpsd-conformance completions fish > ~/.config/fish/completions/mpsd-conformance.fish
  powershell  mpsd-conformance completions powershell >> $PROFILE
  elvish      mpsd-conformance completions elvish >> ~/.config/elvish/rc.elv";
