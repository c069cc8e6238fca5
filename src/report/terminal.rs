//! The terminal the progress bar draws on. indicatif pads every line it draws to the terminal's
//! full width, leaving the cursor past the end of the bar's line: the `^C` a person types there
//! wraps to a new line, the bar is then cleared on that line, and its old line stays on screen.
//! Here the width is a few columns short of the real one, and the padding is replaced by a clear
//! to the end of the line and, where another line follows, a real line break — so the cursor
//! always rests inside the bar's line.

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};

use console::Term;
use indicatif::TermLike;

/// Columns kept free at the end of each line (`^C` takes two).
pub const MARGIN: u16 = 3;

#[derive(Debug)]
pub struct Margined {
    term: Term,
    /// A line was drawn and padded: the next line starts on the next row.
    newline_due: AtomicBool,
}

impl Margined {
    /// The terminal of the stream a person reads (stderr under `--message-format json`).
    pub fn human() -> Margined {
        Margined {
            term: if crate::output::human_on_stderr() {
                Term::stderr()
            } else {
                Term::stdout()
            },
            newline_due: AtomicBool::new(false),
        }
    }

    fn settle(&self) -> io::Result<()> {
        if self.newline_due.swap(false, Ordering::SeqCst) {
            self.term.write_str("\r\n")?;
        }
        Ok(())
    }
}

impl TermLike for Margined {
    fn width(&self) -> u16 {
        self.term.size().1.saturating_sub(MARGIN).max(20)
    }

    fn height(&self) -> u16 {
        self.term.size().0
    }

    fn move_cursor_up(&self, n: usize) -> io::Result<()> {
        self.newline_due.store(false, Ordering::SeqCst);
        self.term.move_cursor_up(n)
    }

    fn move_cursor_down(&self, n: usize) -> io::Result<()> {
        self.newline_due.store(false, Ordering::SeqCst);
        self.term.move_cursor_down(n)
    }

    fn move_cursor_right(&self, n: usize) -> io::Result<()> {
        self.term.move_cursor_right(n)
    }

    fn move_cursor_left(&self, n: usize) -> io::Result<()> {
        self.term.move_cursor_left(n)
    }

    fn write_line(&self, s: &str) -> io::Result<()> {
        self.settle()?;
        self.term.write_line(s)
    }

    fn write_str(&self, s: &str) -> io::Result<()> {
        // Only spaces: the padding after a line.
        if s.bytes().all(|b| b == b' ') {
            self.newline_due.store(true, Ordering::SeqCst);
            return self.term.write_str("\x1b[K");
        }
        self.settle()?;
        self.term.write_str(s)
    }

    fn clear_line(&self) -> io::Result<()> {
        self.newline_due.store(false, Ordering::SeqCst);
        self.term.clear_line()
    }

    fn flush(&self) -> io::Result<()> {
        // The last line drawn is the bar's: the cursor stays on it.
        self.newline_due.store(false, Ordering::SeqCst);
        self.term.flush()
    }
}
