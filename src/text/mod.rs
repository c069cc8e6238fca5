//! Text that a target or a file controls, made safe for the place it is written: a terminal
//! ([`console`]), Markdown ([`markdown`]), XML ([`xml`]); [`html`] is the entity table of HTML
//! and XML markup. Each escaper keeps the text readable and shows what it replaced (`\x1b`,
//! `\u{202e}`), so a person still sees what the server sent; report.json keeps the data itself.
//! [`excerpt`] is the one way a body is cut for a message.

pub mod console;
pub mod excerpt;
pub mod html;
pub mod markdown;
pub mod xml;
