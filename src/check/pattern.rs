//! Patterns as expectations write them: compiled at load, or rendered from a template when judged.

use std::borrow::Cow;

use crate::plan::{Env, Pattern, RenderError};

/// Whether `text` matches `pattern`, and the pattern as shown in messages. A pattern written with
/// a template is compiled once rendered; it may then be invalid.
pub(super) fn matches<'a>(
    pattern: &'a Pattern,
    text: &str,
    env: &'a dyn Env,
) -> Result<(Cow<'a, str>, Result<bool, regex::Error>), RenderError> {
    Ok(match pattern {
        Pattern::Compiled(re) => (Cow::Borrowed(re.as_str()), Ok(re.is_match(text))),
        Pattern::Tmpl(t) => {
            let rendered = t.render(env)?;
            let matched = regex::Regex::new(&rendered).map(|re| re.is_match(text));
            (rendered, matched)
        }
    })
}
