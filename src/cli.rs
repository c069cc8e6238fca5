//! The command line, as DESIGN.md pins it. Each command lives in `cli/`; this file holds the
//! flags and the dispatch.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::exit::Exit;

mod common;
mod config;
mod config_show;
mod embedded;
pub mod exit;
mod explore;
mod help;
mod install;
mod list;
mod mutants;
mod parse;
mod report;
mod reporting;
pub(crate) mod rerun;
mod rules;
mod run;
mod select;
mod serve;
mod signals;
mod validate;

pub use embedded::EmbeddedServer;

#[derive(Debug, Parser)]
#[command(
    name = "mpsd-conformance",
    // Usage lines name the program so whatever its file is called (clap would take argv[0]):
    // the tests run a copy built under another name (tests/package/Cargo.toml).
    bin_name = "mpsd-conformance",
    version,
    // clap's colour feature is compiled in only so the test build can share clap (Cargo.toml);
    // the CLI's output keeps its own colour rules (--color, NO_COLOR).
    color = clap::ColorChoice::Never,
    about = "Contract-conformance harness for the MPSD \"write session by handle\" API (PUT /handles/{handleId}/session)"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the suite against a target (default: the embedded reference server).
    #[command(after_help = help::run_after_help())]
    Run(Box<RunArgs>),
    /// List the case ids, one per line.
    List(ListArgs),
    /// Load and check the case set; send nothing.
    Validate(CasesArgs),
    /// Each rule of the contract: id, basis, summary, the cases that check it.
    Rules(RulesArgs),
    /// Serve the reference implementation of the contract.
    Serve(ServeArgs),
    /// Explore the target with seeded programs judged by a model of the contract; shrink, tell
    /// and save what breaks it.
    Explore(Box<ExploreArgs>),
    /// Measure the catalog: run it against the reference with each planted fault alone.
    #[command(after_help = mutants::AFTER_HELP)]
    Mutants(MutantsArgs),
    /// Join shards' reports, or compare targets' reports.
    #[command(subcommand)]
    Report(ReportCommand),
    /// Print the shell completion script for SHELL to stdout.
    #[command(after_help = install::COMPLETIONS_AFTER_HELP)]
    Completions(CompletionsArgs),
    /// Write the man pages: one for the program and one per command.
    Man(ManArgs),
    /// The configuration file's profiles (mpsd-conformance.toml).
    #[command(subcommand)]
    Config(ConfigCommand),
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the settings `run` would use and where each came from (flag, env, profile NAME,
    /// default profile, built-in), secrets redacted; takes `run`'s flags.
    Show(Box<ConfigShowArgs>),
}

#[derive(Debug, Clone, Args)]
pub struct ConfigShowArgs {
    #[command(flatten)]
    pub run: RunArgs,
}

/// What `run` and `explore` share beyond their flags: the configuration that fills in the flags
/// not given, and the format of what they tell.
#[derive(Debug, Clone, Args)]
pub struct SettingsArgs {
    /// human, or json: one event per line on stdout (reports/events.schema.json).
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = MessageFormatArg::Human)]
    pub message_format: MessageFormatArg,
    /// The configuration file (or CONFORMANCE_CONFIG; default: mpsd-conformance.toml in the
    /// working folder, when there is one).
    #[arg(long, value_name = "FILE", env = "CONFORMANCE_CONFIG", hide_env = true)]
    pub config: Option<PathBuf>,
    /// The profile of the file to use over [profile.default] (or CONFORMANCE_PROFILE).
    #[arg(
        long,
        value_name = "NAME",
        env = "CONFORMANCE_PROFILE",
        hide_env = true
    )]
    pub profile: Option<String>,
    /// What the configuration adds besides flags; filled in after parsing.
    #[arg(skip)]
    pub configured: config::Configured,
}

/// How `run` and `explore` tell what happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MessageFormatArg {
    /// Progress and summary for a person.
    Human,
    /// One JSON object per line on stdout (reports/events.schema.json); the human output goes
    /// to stderr.
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    /// The shell the script is for.
    #[arg(value_name = "SHELL", value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Clone, Args)]
pub struct ManArgs {
    /// Write `mpsd-conformance.1` and `mpsd-conformance-<command>.1` into DIR (created if missing);
    /// without it, the program's page goes to stdout.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct CasesArgs {
    /// Another case directory (default: the catalog embedded in this binary).
    #[arg(long, value_name = "DIR")]
    pub cases: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct SelectArgs {
    /// Substring of the case id, case-sensitive; repeatable (OR).
    #[arg(long, value_name = "TEXT")]
    pub filter: Vec<String>,
    /// Filters match whole ids (a case file's id selects all its variants).
    #[arg(long)]
    pub exact: bool,
    /// Shard M of N: a case is in shard M when FNV-1a-64 of its id, mod N, is M-1.
    #[arg(long, value_name = "hash:M/N")]
    pub partition: Option<crate::plan::Partition>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOnArg {
    Must,
    Should,
}

impl From<FailOnArg> for crate::verdict::FailOn {
    fn from(arg: FailOnArg) -> Self {
        match arg {
            FailOnArg::Must => Self::Must,
            FailOnArg::Should => Self::Should,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    // The environment is named in the help text, not by clap: clap shows `[env: NAME=]` with a
    // dangling `=` when the variable is unset or its value hidden.
    /// The server to test (or CONFORMANCE_TARGET); none starts the embedded reference on a free
    /// loopback port.
    #[arg(long, value_name = "URL", env = "CONFORMANCE_TARGET", hide_env = true)]
    pub target: Option<String>,
    #[command(flatten)]
    pub cases: CasesArgs,
    #[command(flatten)]
    pub out: ReportDirArgs,
    /// Cases in flight, fixed [default: learnt from the target, from 8 up to --max-jobs].
    #[arg(short = 'j', long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub jobs: Option<u32>,
    /// The most cases in flight while the number is learnt (without --jobs).
    #[arg(long, value_name = "N", default_value_t = crate::run::DEFAULT_MAX_JOBS, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_jobs: u32,
    #[command(flatten)]
    pub limits: LimitArgs,
    #[command(flatten)]
    pub access: AccessArgs,
    #[command(flatten)]
    pub select: SelectArgs,
    /// What gates: must, or must and should.
    #[arg(long, value_enum, default_value_t = FailOnArg::Should)]
    pub fail_on: FailOnArg,
    /// Stop sending new cases after the first gating failure.
    #[arg(long)]
    pub fail_fast: bool,
    /// Colour output (NO_COLOR is honoured).
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
    #[command(flatten)]
    pub reports: ReportArgs,
    #[command(flatten)]
    pub transport: TransportArgs,
    #[command(flatten)]
    pub throttle: ThrottleArgs,
    /// Run only the failing and erroring cases of an earlier report.json.
    #[arg(long, value_name = "REPORT")]
    pub rerun_failed: Option<PathBuf>,
    #[command(flatten)]
    pub settings: SettingsArgs,
}

// The flags `run` and `explore` (and `report merge`, for the formats) share, each defined once so
// that their names, help, environment and config keys cannot drift apart.

/// Where the reports go.
#[derive(Debug, Clone, Args)]
pub struct ReportDirArgs {
    /// Where reports go (or CONFORMANCE_REPORT_DIR).
    #[arg(
        long,
        value_name = "DIR",
        env = "CONFORMANCE_REPORT_DIR",
        hide_env = true,
        default_value = "reports"
    )]
    pub report_dir: PathBuf,
}

/// What every request carries besides the case's own, and what is never shown.
#[derive(Debug, Clone, Args)]
pub struct AccessArgs {
    /// Added to every request ('Name: value'), after the suite's defaults; repeatable.
    #[arg(long, value_name = "'Name: value'", value_parser = header_arg)]
    pub header: Vec<(String, String)>,
    /// A value to redact wherever it appears; repeatable.
    #[arg(long, value_name = "VALUE")]
    pub secret: Vec<String>,
}

/// What one request may take.
#[derive(Debug, Clone, Args)]
pub struct LimitArgs {
    /// Per-request timeout in seconds (fractions allowed).
    #[arg(long, value_name = "SECS", default_value_t = crate::http::DEFAULT_TIMEOUT_SECS, value_parser = positive_seconds, allow_negative_numbers = true)]
    pub timeout: f64,
    /// Cap on a response body read, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = crate::http::DEFAULT_MAX_BODY, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_body: u64,
}

/// Which reports are written.
#[derive(Debug, Clone, Args)]
pub struct FormatsArgs {
    /// Which reports to write: json, junit, md, html (comma-separated).
    #[arg(long = "report", value_name = "FORMAT[,FORMAT]", value_delimiter = ',', default_values_t = crate::report::Format::ALL.map(FormatArg))]
    pub formats: Vec<FormatArg>,
}

/// How requests reach the target: proxy and TLS.
#[derive(Debug, Clone, Args)]
pub struct TransportArgs {
    /// The proxy for the target, instead of HTTP_PROXY, HTTPS_PROXY and ALL_PROXY (NO_PROXY still
    /// applies); loopback and the embedded server never use one.
    #[arg(long, value_name = "URL", conflicts_with = "no_proxy")]
    pub proxy: Option<String>,
    /// No proxy at all, whatever the environment says.
    #[arg(long)]
    pub no_proxy: bool,
    /// PEM certificates added to the trusted roots (the system's, or SSL_CERT_FILE's).
    #[arg(long, value_name = "FILE")]
    pub cacert: Option<PathBuf>,
    /// No certificate checks at all (warned on stderr, recorded in the report).
    #[arg(long)]
    pub insecure: bool,
    /// A client certificate for mTLS (PEM); needs --client-key.
    #[arg(long, value_name = "FILE", requires = "client_key")]
    pub client_cert: Option<PathBuf>,
    /// The private key of --client-cert (PEM).
    #[arg(long, value_name = "FILE", requires = "client_cert")]
    pub client_key: Option<PathBuf>,
}

/// How the run copes with a server that throttles, and how it spares one.
#[derive(Debug, Clone, Args)]
pub struct ThrottleArgs {
    /// Retries of a 429 or 503 that carries Retry-After, after the delay it asks for (0 = off).
    #[arg(long, value_name = "N", default_value_t = crate::http::DEFAULT_RETRIES, allow_negative_numbers = true)]
    pub retries: u32,
    /// The longest Retry-After honoured, in seconds; a longer one ends the case as an error.
    #[arg(long, value_name = "SECS", default_value_t = crate::http::DEFAULT_MAX_RETRY_WAIT_SECS, value_parser = seconds_or_zero, allow_negative_numbers = true)]
    pub max_retry_wait: f64,
    /// At most N requests per second over the whole run (fractions allowed).
    #[arg(long, value_name = "N", value_parser = requests_per_second, allow_negative_numbers = true)]
    pub rate: Option<f64>,
}

/// What `run` writes and prints about its results.
#[derive(Debug, Clone, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub written: FormatsArgs,
    /// Which cases keep request/response transcripts in reports.
    #[arg(long, value_enum, default_value_t = TranscriptsArg::Failures)]
    pub transcripts: TranscriptsArg,
    /// Known failures: listed gating failures do not gate.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Write this run's gating failures to FILE as a baseline (exit 0 once written).
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Transcripts of failing cases on the console; twice: of every case.
    #[arg(short, long, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,
    /// Only the closing line.
    #[arg(short, long)]
    pub quiet: bool,
}

/// A report format on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormatArg(pub crate::report::Format);

impl std::str::FromStr for FormatArg {
    type Err = String;
    fn from_str(s: &str) -> Result<FormatArg, String> {
        s.trim().parse().map(FormatArg)
    }
}

impl std::fmt::Display for FormatArg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = match self.0 {
            crate::report::Format::Json => "json",
            crate::report::Format::Junit => "junit",
            crate::report::Format::Md => "md",
            crate::report::Format::Html => "html",
        };
        f.write_str(name)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TranscriptsArg {
    Failures,
    All,
    None,
}

impl From<TranscriptsArg> for crate::report::Transcripts {
    fn from(arg: TranscriptsArg) -> Self {
        match arg {
            TranscriptsArg::Failures => Self::Failures,
            TranscriptsArg::All => Self::All,
            TranscriptsArg::None => Self::None,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Join the report.json of shards (or the fragments in a directory) into one report.
    Merge(MergeArgs),
    /// Compare the report.json of several targets, case by case.
    Compare(CompareArgs),
}

#[derive(Debug, Clone, Args)]
pub struct MergeArgs {
    /// report.json files, or directories whose fragments/ (else *.json) are joined.
    #[arg(value_name = "REPORT", required = true)]
    pub inputs: Vec<PathBuf>,
    /// Where the merged reports go (default: the directory, when one is given).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub written: FormatsArgs,
}

#[derive(Debug, Clone, Args)]
pub struct CompareArgs {
    /// report.json files, one per target.
    #[arg(value_name = "REPORT", required = true, num_args = 2..)]
    pub inputs: Vec<PathBuf>,
    /// Where compare.md and compare.html go.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Compare reports of different case sets (cases missing from a report show as such).
    #[arg(long)]
    pub allow_different_suites: bool,
}

#[derive(Debug, Clone, Args)]
pub struct ExploreArgs {
    /// The server to explore (or CONFORMANCE_TARGET); none starts the embedded reference.
    #[arg(long, value_name = "URL", env = "CONFORMANCE_TARGET", hide_env = true)]
    pub target: Option<String>,
    /// The seed programs are made from (default: a new one, printed: the same seed and a budget
    /// in programs make the same programs).
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// How long to explore: a time (60s, 10m) or a number of programs (500).
    #[arg(long, value_name = "60s|N", default_value = "60s", value_parser = crate::explore::drive::parse_budget)]
    pub budget: crate::explore::drive::Budget,
    /// Programs in flight.
    #[arg(short = 'j', long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..))]
    pub jobs: u32,
    /// Write each finding as a case file into DIR (checked to fail here and pass against the
    /// embedded reference first).
    #[arg(long, value_name = "DIR")]
    pub save: Option<PathBuf>,
    /// Do not replay the findings kept for this target first.
    #[arg(long)]
    pub no_replay: bool,
    #[command(flatten)]
    pub out: ReportDirArgs,
    #[command(flatten)]
    pub written: FormatsArgs,
    /// Which findings keep request/response transcripts in reports.
    #[arg(long, value_enum, default_value_t = TranscriptsArg::Failures)]
    pub transcripts: TranscriptsArg,
    /// What gates: a finding of a must rule, or of a must or should rule.
    #[arg(long, value_enum, default_value_t = FailOnArg::Should)]
    pub fail_on: FailOnArg,
    #[command(flatten)]
    pub limits: LimitArgs,
    #[command(flatten)]
    pub access: AccessArgs,
    /// Colour output (NO_COLOR is honoured).
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
    #[command(flatten)]
    pub transport: TransportArgs,
    #[command(flatten)]
    pub throttle: ThrottleArgs,
    /// Each program as it runs; twice: its story too.
    #[arg(short, long, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,
    /// Only the closing line.
    #[arg(short, long)]
    pub quiet: bool,
    #[command(flatten)]
    pub settings: SettingsArgs,
}

#[derive(Debug, Clone, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub cases: CasesArgs,
    #[command(flatten)]
    pub select: SelectArgs,
}

#[derive(Debug, Clone, Args)]
pub struct RulesArgs {
    #[command(flatten)]
    pub cases: CasesArgs,
    /// JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// The request model's matrix instead: every position × class of value (or form) × resource,
    /// with the case that checks it or why none does.
    #[arg(long)]
    pub coverage: bool,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to bind; port 0 picks a free one.
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// Per-caller limit, requests per second (429 beyond it).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub rate_limit: Option<u32>,
    /// Requests in flight before shedding load (503).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_inflight: Option<u64>,
    /// Seconds a request head may take (default 30); for tests.
    #[arg(long, value_name = "SECS", value_parser = positive_seconds, hide = true)]
    pub header_timeout: Option<f64>,
    /// Seconds a connection may sit with no request and nothing moving (default 30); for tests.
    #[arg(long, value_name = "SECS", value_parser = positive_seconds, hide = true)]
    pub idle_timeout: Option<f64>,
    /// Plant faults of the catalog (see --list-faults); repeatable.
    #[arg(long = "fault", value_name = "NAME[,NAME]", value_delimiter = ',')]
    pub faults: Vec<String>,
    /// List the fault catalog (name, rules, description) and exit.
    #[arg(long)]
    pub list_faults: bool,
    /// Append BYTES of whitespace to every JSON answer: the same documents, made big, to
    /// measure a client's memory against a target that sends megabytes.
    #[arg(long, value_name = "BYTES")]
    pub pad_answers: Option<usize>,
    /// Forget sessions and handles no request touched for SECS: for long explorations, which
    /// leave millions behind (off by default: the contract keeps them).
    #[arg(long, value_name = "SECS", value_parser = positive_seconds)]
    pub forget_idle: Option<f64>,
}

#[derive(Debug, Clone, Args)]
pub struct MutantsArgs {
    #[command(flatten)]
    pub cases: CasesArgs,
    /// Where mutants.json and mutants.md go.
    #[arg(
        long,
        value_name = "DIR",
        env = "CONFORMANCE_REPORT_DIR",
        default_value = "reports"
    )]
    pub report_dir: PathBuf,
    /// Faulty servers judged at once (default: the number of CPUs).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub jobs: Option<u32>,
    /// Only these faults (default: the whole catalog); repeatable.
    #[arg(long = "fault", value_name = "NAME[,NAME]", value_delimiter = ',')]
    pub faults: Vec<String>,
    /// Explore each fault (and the healthy reference) too, with this many programs (0: the
    /// catalog only).
    #[arg(long, value_name = "N", default_value_t = 300)]
    pub explore_budget: u64,
    /// The seed of those explorations.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub explore_seed: u64,
}

/// A flag value clap could not take.
#[derive(Debug, thiserror::Error)]
pub enum ArgError {
    #[error("`{0}` is not a number of seconds above 0 (at most 86400)")]
    Seconds(String),
    #[error("`{0}` is not a number of seconds from 0 to 86400")]
    SecondsOrZero(String),
    #[error("`{0}` is not a number of requests per second above 0")]
    Rate(String),
    #[error("`{0}` is not 'Name: value'")]
    Header(String),
    #[error("`{0}` is not a header name")]
    HeaderName(String),
    #[error("the value of `{0}` holds a control character (CR, LF, …), which cannot be sent")]
    HeaderValue(String),
}

fn positive_seconds(s: &str) -> Result<f64, ArgError> {
    match s.parse::<f64>() {
        Ok(v) if v > 0.0 && v.is_finite() && v <= 86_400.0 => Ok(v),
        _ => Err(ArgError::Seconds(s.to_string())),
    }
}

fn seconds_or_zero(s: &str) -> Result<f64, ArgError> {
    match s.parse::<f64>() {
        Ok(v) if (0.0..=86_400.0).contains(&v) => Ok(v),
        _ => Err(ArgError::SecondsOrZero(s.to_string())),
    }
}

fn requests_per_second(s: &str) -> Result<f64, ArgError> {
    match s.parse::<f64>() {
        // Below one request a day is no rate anyone means.
        Ok(v) if v.is_finite() && v >= 1.0 / 86_400.0 => Ok(v),
        _ => Err(ArgError::Rate(s.to_string())),
    }
}

fn header_arg(s: &str) -> Result<(String, String), ArgError> {
    let (name, value) = s
        .split_once(':')
        .ok_or_else(|| ArgError::Header(s.to_string()))?;
    let name = name.trim();
    if http::HeaderName::from_bytes(name.as_bytes()).is_err() {
        return Err(ArgError::HeaderName(name.to_string()));
    }
    let value = value.trim();
    // A header value with CR, LF or another control character could not be sent.
    if http::HeaderValue::from_str(value).is_err() {
        return Err(ArgError::HeaderValue(name.to_string()));
    }
    Ok((name.to_string(), value.to_string()))
}

/// Runs the command line; returns how it ended.
pub fn main() -> Exit {
    let cli = match parse::parse(std::env::args_os().collect()) {
        Ok(cli) => cli,
        Err(exit) => return exit,
    };
    match cli.command {
        Command::Run(args) => run::run(*args),
        Command::List(args) => list::list(args),
        Command::Validate(args) => validate::validate(args),
        Command::Rules(args) => rules::rules(args),
        Command::Serve(args) => serve::serve(args),
        Command::Mutants(args) => mutants::mutants(args),
        Command::Explore(args) => explore::explore(*args),
        Command::Report(ReportCommand::Merge(args)) => report::merge(args),
        Command::Report(ReportCommand::Compare(args)) => report::compare(args),
        Command::Completions(args) => install::completions(args),
        Command::Man(args) => install::man(args),
        Command::Config(ConfigCommand::Show(args)) => config_show::show(*args),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_header_flag_needs_a_token_name_and_a_sendable_value() {
        assert!(matches!(header_arg(" X-Key : a\tb "), Ok((n, v)) if n == "X-Key" && v == "a\tb"));
        for bad in ["X Key: v", ": v", "X(Key): v", "Ä: v"] {
            assert!(
                matches!(header_arg(bad), Err(ArgError::HeaderName(_))),
                "{bad}"
            );
        }
        for bad in ["X-Key: a\u{7f}", "X-Key: a\x01b", "X-Key: a\rb"] {
            assert!(
                matches!(header_arg(bad), Err(ArgError::HeaderValue(_))),
                "{bad}"
            );
        }
        assert!(matches!(header_arg("no colon"), Err(ArgError::Header(_))));
    }
}
