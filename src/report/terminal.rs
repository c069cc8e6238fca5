//! The terminal the progress bar draws on, a few columns narrower than it is: a line that filled
//! the terminal would leave the cursor past its end, where the `^C` a person types wraps to a
//! new line and the bar, cleared on the line below, stays behind on screen.

use std::io;

use console::Term;
use indicatif::TermLike;

/// Columns kept free at the end of each line.
const MARGIN: u16 = 3;

#[derive(Debug)]
pub struct Margined(pub Term);

impl TermLike for Margined {
    fn width(&self) -> u16 {
        self.0.size().1.saturating_sub(MARGIN).max(20)
    }

    fn height(&self) -> u16 {
        self.0.size().0
    }

    fn move_cursor_up(&self, n: usize) -> io::Result<()> {
        self.0.move_cursor_up(n)
    }

    fn move_cursor_down(&self, n: usize) -> io::Result<()> {
        self.0.move_cursor_down(n)
    }

    fn move_cursor_right(&self, n: usize) -> io::Result<()> {
        self.0.move_cursor_right(n)
    }

    fn move_cursor_left(&self, n: usize) -> io::Result<()> {
        self.0.move_cursor_left(n)
    }

    fn write_line(&self, s: &str) -> io::Result<()> {
        self.0.write_line(s)
    }

    fn write_str(&self, s: &str) -> io::Result<()> {
        self.0.write_str(s)
    }

    fn clear_line(&self) -> io::Result<()> {
        self.0.clear_line()
    }

    fn flush(&self) -> io::Result<()> {
        self.0.flush()
    }
}
