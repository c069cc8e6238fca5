//! The exit codes of every command, as DESIGN.md pins them: one enum, so a code is named where it
//! is decided and written as a number only where the process ends. A run's code is read off the
//! `verdict` module's conclusion; the policy itself is not decided here.

/// How a command ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// Success; for `run`: no gating failure and no error.
    Ok,
    /// `run`: at least one gating failure; `mutants`: a fault survived.
    Failed,
    /// Nothing ran: usage, an invalid case set, an empty `--filter` selection, an unwritable
    /// report path, a set-up error; or a report could not be written after the run.
    Usage,
    /// `run`: no gating failure, but at least one case could not be judged.
    Errored,
    /// Stopped by Ctrl-C (SIGINT); reports still written.
    Interrupted,
    /// Stopped by SIGTERM, as a CI runner does on cancel; reports still written.
    Terminated,
}

impl Exit {
    /// The process exit status.
    pub fn code(self) -> u8 {
        match self {
            Exit::Ok => 0,
            Exit::Failed => 1,
            Exit::Usage => 2,
            Exit::Errored => 3,
            Exit::Interrupted => 130,
            Exit::Terminated => 143,
        }
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> Self {
        std::process::ExitCode::from(exit.code())
    }
}

/// The exit codes as `run --help` lists them.
pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0    no gating failure and no error
  1    at least one gating failure (must or should; --fail-on must narrows it)
  2    nothing ran: usage, an invalid case set, a --filter that matches nothing,
       an unwritable report path, a set-up error (a caller's AUTH without its XUID...);
       or a report could not be written after the run (said on stderr)
  3    no gating failure, but at least one case could not be judged (error); also when
       the target is unreachable, or lacks the world the cases need (the preflight)
  130  interrupted by Ctrl-C (reports still written)
  143  stopped by SIGTERM (reports still written)";

impl Exit {
    /// The exit code of `run` for what its counts conclude, as DESIGN.md pins it (2 is decided
    /// before anything runs; which signal stopped the run is the CLI's to say).
    pub fn of_run(conclusion: crate::verdict::Conclusion) -> Exit {
        use crate::verdict::Conclusion;
        match conclusion {
            Conclusion::Interrupted => Exit::Interrupted,
            Conclusion::NotConformant => Exit::Failed,
            Conclusion::Inconclusive => Exit::Errored,
            Conclusion::Conformant => Exit::Ok,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_ones_design_pins() {
        let all = [
            (Exit::Ok, 0),
            (Exit::Failed, 1),
            (Exit::Usage, 2),
            (Exit::Errored, 3),
            (Exit::Interrupted, 130),
            (Exit::Terminated, 143),
        ];
        for (exit, code) in all {
            assert_eq!(exit.code(), code, "{exit:?}");
            assert!(
                EXIT_CODES_HELP.contains(&format!("\n  {code} ")),
                "--help lists {code}"
            );
        }
    }
}
