//! The one way the program prints. A closed stdout or stderr (`| head`, `| true`, a terminal that
//! went away) is not an error of the run: that stream goes quiet, the run goes on (reports, exit
//! code). `println!` would panic instead ("failed printing to stdout", exit 101).
//!
//! What [`out`] and [`err`] (`outln!`, `errln!`) write is escaped for a terminal (see
//! [`crate::text::console::block`]): a message may quote a server or a file, and neither may
//! move the cursor, retitle the window or write the clipboard. Text styled with our own colours
//! goes through [`out_styled`], its data escaped before it was styled.

use std::fmt;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::text::console;

static STDOUT_GONE: AtomicBool = AtomicBool::new(false);
static STDERR_GONE: AtomicBool = AtomicBool::new(false);
/// `--message-format json`: stdout carries the event stream, so what a person reads moves to
/// stderr.
static HUMAN_ON_STDERR: AtomicBool = AtomicBool::new(false);

/// From now on [`out`] and [`out_styled`] write to stderr: stdout is [`data_line`]'s alone.
pub fn human_output_to_stderr() {
    HUMAN_ON_STDERR.store(true, Ordering::Relaxed);
}

/// Whether what a person reads goes to stderr.
pub fn human_on_stderr() -> bool {
    HUMAN_ON_STDERR.load(Ordering::Relaxed)
}

/// Whether the stream a person reads is a terminal.
pub fn human_is_terminal() -> bool {
    use std::io::IsTerminal;
    if human_on_stderr() {
        io::stderr().is_terminal()
    } else {
        io::stdout().is_terminal()
    }
}

/// Writes one line of machine-readable output to stdout as it is (the caller escapes it).
pub fn data_line(line: &str) {
    write_to(
        &STDOUT_GONE,
        &mut io::stdout().lock(),
        format_args!("{line}\n"),
    );
}

/// Writes to stdout unless it has gone away, every control character but newline and tab
/// escaped.
pub fn out(args: fmt::Arguments<'_>) {
    out_styled(format_args!("{}", escaped(args)));
}

/// Writes to stderr unless it has gone away, every control character but newline and tab
/// escaped.
pub fn err(args: fmt::Arguments<'_>) {
    write_to(
        &STDERR_GONE,
        &mut io::stderr().lock(),
        format_args!("{}", escaped(args)),
    );
}

fn escaped(args: fmt::Arguments<'_>) -> String {
    let text = args.to_string();
    match console::block(&text) {
        std::borrow::Cow::Borrowed(_) => text,
        std::borrow::Cow::Owned(safe) => safe,
    }
}

/// Writes to stdout as it is: for text whose data was escaped with [`crate::text::console`]
/// before our own styling was added.
pub fn out_styled(args: fmt::Arguments<'_>) {
    if human_on_stderr() {
        write_to(&STDERR_GONE, &mut io::stderr().lock(), args);
    } else {
        write_to(&STDOUT_GONE, &mut io::stdout().lock(), args);
    }
}

/// Whether stdout has gone away (nothing more is written to it).
pub fn stdout_gone() -> bool {
    STDOUT_GONE.load(Ordering::Relaxed)
}

fn write_to(gone: &AtomicBool, stream: &mut dyn Write, args: fmt::Arguments<'_>) {
    if gone.load(Ordering::Relaxed) {
        return;
    }
    if stream
        .write_fmt(args)
        .and_then(|()| stream.flush())
        .is_err()
    {
        gone.store(true, Ordering::Relaxed);
    }
}

/// `println!` that never panics: see [`crate::output`].
#[macro_export]
macro_rules! outln {
    () => { $crate::output::out(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::output::out(format_args!("{}\n", format_args!($($arg)*))) };
}

/// `eprintln!` that never panics: see [`crate::output`].
#[macro_export]
macro_rules! errln {
    () => { $crate::output::err(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::output::err(format_args!("{}\n", format_args!($($arg)*))) };
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stream whose reader has gone: every write fails.
    struct Closed(usize);

    impl Write for Closed {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            self.0 += 1;
            Err(io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn what_goes_out_is_escaped_for_a_terminal() {
        let server = "\x1b]0;t\x07\u{9b}\u{202e}";
        assert_eq!(
            escaped(format_args!("a{server}\n\tb")),
            "a\\x1b]0;t\\x07\\u{9b}\\u{202e}\n\tb"
        );
    }

    #[test]
    fn a_closed_stream_goes_quiet_after_the_first_failed_write() {
        let gone = AtomicBool::new(false);
        let mut stream = Closed(0);
        write_to(&gone, &mut stream, format_args!("one\n"));
        assert!(gone.load(Ordering::Relaxed));
        write_to(&gone, &mut stream, format_args!("two\n"));
        assert_eq!(stream.0, 1, "no write after the stream went away");
    }
}
