//! Templates bound at load time. Every `{{variable}}` already says where its value comes from —
//! a value of the run, a slot of the case's variables, a parameter or variant value — so
//! rendering never parses, never looks a name up, and a text without templates is never copied.

use std::borrow::Cow;
use std::io::Write;

use serde_json::Value;

use crate::case::template::{as_text, Filter, TooLong, MAX_RENDERED};

/// Where the value of one `{{…}}` comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum Src {
    /// `{{'text'}}`.
    Literal(Box<str>),
    /// `world.<key>`.
    World(Box<str>),
    /// `xuid.<caller>`.
    Xuid(Box<str>),
    /// `auth.<caller>` or `auth.<caller>.credentials`.
    Auth { caller: Box<str>, credentials: bool },
    /// `burst.index`.
    BurstIndex,
    /// `run.id`.
    RunId,
    /// A slot of the case's variables: captured, exported or recorded by a step, or a fresh name
    /// or GUID made when the case starts.
    Slot(usize),
    /// A fixture parameter or a variant value, itself rendered in the case's scope.
    Value(Box<TValue>),
}

/// One piece of a template string.
#[derive(Clone, Debug, PartialEq)]
pub enum Part {
    Text(Box<str>),
    Expr { src: Src, filters: Box<[Filter]> },
}

/// A string that may hold templates.
#[derive(Clone, Debug, PartialEq)]
pub enum Text {
    Lit(Box<str>),
    Tmpl(Box<[Part]>),
}

/// A JSON value whose strings and keys may hold templates.
#[derive(Clone, Debug, PartialEq)]
pub enum TValue {
    /// Nothing inside is a template.
    Lit(Value),
    Str(Box<[Part]>),
    Array(Box<[TValue]>),
    Object(Box<[(Text, TValue)]>),
}

/// What rendering reads: the run's values and one case's variables.
pub trait Env {
    fn world(&self, key: &str) -> Option<&str>;
    fn xuid(&self, caller: &str) -> Option<&str>;
    /// A caller's Authorization value; `None` when the caller was not given.
    fn authorization(&self, caller: &str) -> Option<&str>;
    fn burst_index(&self) -> Option<usize>;
    fn run_id(&self) -> &str;
    fn slot(&self, slot: usize) -> Option<&Value>;
    /// The slot's name, for messages (`s.handle`).
    fn slot_name(&self, slot: usize) -> &str;
    /// The path of the target's base URL (`/mpsd` of `https://host/mpsd`), empty at the root:
    /// a path an answer must name is under it, as a request's is.
    fn base_path(&self) -> &str {
        ""
    }
}

/// Why a template could not be rendered.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// It reads `auth.<caller>` of a caller who was not given: the case is skipped.
    #[error("needs caller `{0}`, who was not given")]
    MissingCaller(String),
    /// A value it reads is not set, or the text would be over [`MAX_RENDERED`].
    #[error("{0}")]
    Unset(String),
}

/// An evaluated `{{…}}`: text, or a JSON value (which keeps its type when it stands alone).
enum Val<'a> {
    Text(Cow<'a, str>),
    Json(Cow<'a, Value>),
}

impl Val<'_> {
    fn push_to(&self, out: &mut String) {
        match self {
            Val::Text(t) => out.push_str(t),
            Val::Json(v) => match v.as_ref() {
                Value::String(s) => out.push_str(s),
                other => out.push_str(&other.to_string()),
            },
        }
    }

    fn text(&self) -> Cow<'_, str> {
        match self {
            Val::Text(t) => Cow::Borrowed(t.as_ref()),
            Val::Json(v) => match v.as_ref() {
                Value::String(s) => Cow::Borrowed(s.as_str()),
                other => Cow::Owned(as_text(other)),
            },
        }
    }

    fn into_value(self) -> Value {
        match self {
            Val::Text(t) => Value::String(t.into_owned()),
            Val::Json(v) => v.into_owned(),
        }
    }
}

fn eval<'a>(src: &'a Src, filters: &[Filter], env: &'a dyn Env) -> Result<Val<'a>, RenderError> {
    let value = match src {
        Src::Literal(t) => Val::Text(Cow::Borrowed(t)),
        Src::World(k) => {
            Val::Text(Cow::Borrowed(env.world(k).ok_or_else(|| {
                RenderError::Unset(format!("`world.{k}` is not set"))
            })?))
        }
        Src::Xuid(k) => {
            Val::Text(Cow::Borrowed(env.xuid(k).ok_or_else(|| {
                RenderError::Unset(format!("no identity `{k}`"))
            })?))
        }
        Src::Auth {
            caller,
            credentials,
        } => {
            let value = env
                .authorization(caller)
                .ok_or_else(|| RenderError::MissingCaller(caller.to_string()))?;
            Val::Text(Cow::Borrowed(if *credentials {
                credentials_of(value)
            } else {
                value
            }))
        }
        Src::BurstIndex => Val::Json(Cow::Owned(Value::from(
            env.burst_index()
                .ok_or_else(|| RenderError::Unset("`burst.index` outside a burst step".into()))?,
        ))),
        Src::RunId => Val::Text(Cow::Borrowed(env.run_id())),
        Src::Slot(slot) => Val::Json(Cow::Borrowed(env.slot(*slot).ok_or_else(|| {
            RenderError::Unset(format!(
                "`{{{{{}}}}}` has no value: the step that captures it found nothing",
                env.slot_name(*slot)
            ))
        })?)),
        Src::Value(v) => Val::Json(v.render(env)?),
    };
    if filters.is_empty() {
        return Ok(value);
    }
    let mut text = value.text().into_owned();
    for filter in filters {
        text = filter.apply(&text).map_err(too_long)?;
    }
    Ok(Val::Text(Cow::Owned(text)))
}

/// An Authorization value without its scheme and the whitespace after it: the credentials
/// (`x=<userhash>;<token>` of `XBL3.0 x=<userhash>;<token>`). Empty when there is no scheme.
pub fn credentials_of(authorization: &str) -> &str {
    match authorization.trim_start().split_once(char::is_whitespace) {
        Some((_, rest)) => rest.trim_start(),
        None => "",
    }
}

fn too_long(e: TooLong) -> RenderError {
    RenderError::Unset(e.to_string())
}

fn render_parts<'a>(parts: &'a [Part], env: &'a dyn Env) -> Result<Val<'a>, RenderError> {
    // A lone expression keeps its value's JSON type: `"{{w.changeNumber}}"` is a number.
    if let [Part::Expr { src, filters }] = parts {
        return eval(src, filters, env);
    }
    let mut out = String::new();
    for part in parts {
        match part {
            Part::Text(t) => out.push_str(t),
            Part::Expr { src, filters } => eval(src, filters, env)?.push_to(&mut out),
        }
        if out.len() > MAX_RENDERED {
            return Err(too_long(TooLong));
        }
    }
    Ok(Val::Text(Cow::Owned(out)))
}

/// Calls `f` on every source the parts read, through parameters and variant values too.
fn sources_of(parts: &[Part], f: &mut dyn FnMut(&Src)) {
    for part in parts {
        if let Part::Expr { src, .. } = part {
            f(src);
            if let Src::Value(v) = src {
                v.for_each_source(f);
            }
        }
    }
}

/// What `world_keys` adds for one source.
fn world_key(src: &Src, out: &mut std::collections::BTreeSet<String>) {
    if let Src::World(key) = src {
        out.insert(key.to_string());
    }
}

impl Text {
    /// Adds the `world.*` keys it reads.
    pub fn world_keys(&self, out: &mut std::collections::BTreeSet<String>) {
        self.for_each_source(&mut |src| world_key(src, out));
    }

    /// Calls `f` on every source it reads (slots, world keys, values), nested ones too.
    pub fn for_each_source(&self, f: &mut dyn FnMut(&Src)) {
        if let Text::Tmpl(parts) = self {
            sources_of(parts, f);
        }
    }

    pub fn lit(text: impl Into<Box<str>>) -> Text {
        Text::Lit(text.into())
    }

    /// The text, as written when it holds no template.
    pub fn as_lit(&self) -> Option<&str> {
        match self {
            Text::Lit(t) => Some(t),
            Text::Tmpl(_) => None,
        }
    }

    /// Renders to text (a JSON value that is not a string is spliced as JSON).
    pub fn render<'a>(&'a self, env: &'a dyn Env) -> Result<Cow<'a, str>, RenderError> {
        match self {
            Text::Lit(t) => Ok(Cow::Borrowed(t)),
            Text::Tmpl(parts) => Ok(match render_parts(parts, env)? {
                Val::Text(t) => t,
                Val::Json(v) => match v {
                    Cow::Borrowed(Value::String(s)) => Cow::Borrowed(s.as_str()),
                    other => Cow::Owned(as_text(&other)),
                },
            }),
        }
    }

    /// Renders to a JSON value: a lone expression keeps its type, anything else is a string.
    pub fn render_value<'a>(&'a self, env: &'a dyn Env) -> Result<Cow<'a, Value>, RenderError> {
        match self {
            Text::Lit(t) => Ok(Cow::Owned(Value::String(t.to_string()))),
            Text::Tmpl(parts) => Ok(match render_parts(parts, env)? {
                Val::Json(v) => v,
                other => Cow::Owned(other.into_value()),
            }),
        }
    }
}

impl TValue {
    /// Adds the `world.*` keys it reads.
    pub fn world_keys(&self, out: &mut std::collections::BTreeSet<String>) {
        self.for_each_source(&mut |src| world_key(src, out));
    }

    /// Calls `f` on every source it reads (slots, world keys, values), nested ones too.
    pub fn for_each_source(&self, f: &mut dyn FnMut(&Src)) {
        match self {
            TValue::Lit(_) => {}
            TValue::Str(parts) => sources_of(parts, f),
            TValue::Array(items) => items.iter().for_each(|i| i.for_each_source(f)),
            TValue::Object(entries) => {
                for (k, v) in entries.iter() {
                    k.for_each_source(f);
                    v.for_each_source(f);
                }
            }
        }
    }

    /// Whether nothing inside is a template.
    pub fn as_lit(&self) -> Option<&Value> {
        match self {
            TValue::Lit(v) => Some(v),
            _ => None,
        }
    }

    pub fn render<'a>(&'a self, env: &'a dyn Env) -> Result<Cow<'a, Value>, RenderError> {
        Ok(match self {
            TValue::Lit(v) => Cow::Borrowed(v),
            TValue::Str(parts) => match render_parts(parts, env)? {
                Val::Json(v) => v,
                other => Cow::Owned(other.into_value()),
            },
            TValue::Array(items) => Cow::Owned(Value::Array(
                items
                    .iter()
                    .map(|i| i.render(env).map(Cow::into_owned))
                    .collect::<Result<_, _>>()?,
            )),
            TValue::Object(entries) => {
                let mut map = serde_json::Map::with_capacity(entries.len());
                for (key, value) in entries.iter() {
                    map.insert(
                        key.render(env)?.into_owned(),
                        value.render(env)?.into_owned(),
                    );
                }
                Cow::Owned(Value::Object(map))
            }
        })
    }

    /// Writes the rendered value as JSON, without building it first.
    pub fn write_json(&self, env: &dyn Env, out: &mut Vec<u8>) -> Result<(), RenderError> {
        // Writing into a Vec cannot fail, and a Value always serializes.
        match self {
            TValue::Lit(v) => {
                let _ = serde_json::to_writer(&mut *out, v);
            }
            TValue::Str(parts) => match render_parts(parts, env)? {
                Val::Text(t) => {
                    let _ = serde_json::to_writer(&mut *out, t.as_ref());
                }
                Val::Json(v) => {
                    let _ = serde_json::to_writer(&mut *out, v.as_ref());
                }
            },
            TValue::Array(items) => {
                out.push(b'[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    item.write_json(env, out)?;
                }
                out.push(b']');
            }
            TValue::Object(entries) => {
                out.push(b'{');
                for (i, (key, value)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    let _ = serde_json::to_writer(&mut *out, key.render(env)?.as_ref());
                    let _ = out.write_all(b":");
                    value.write_json(env, out)?;
                }
                out.push(b'}');
            }
        }
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;

    /// An environment with a few values, for tests of rendering and checks.
    pub struct TestEnv {
        pub slots: Vec<Option<Value>>,
        pub burst: Option<usize>,
    }

    impl Env for TestEnv {
        fn world(&self, key: &str) -> Option<&str> {
            (key == "scid").then_some("S-1")
        }
        fn xuid(&self, caller: &str) -> Option<&str> {
            (caller == "a").then_some("25")
        }
        fn authorization(&self, caller: &str) -> Option<&str> {
            (caller == "a").then_some("XBL3.0  x=1;tok-123")
        }
        fn burst_index(&self) -> Option<usize> {
            self.burst
        }
        fn run_id(&self) -> &str {
            "r1"
        }
        fn slot(&self, slot: usize) -> Option<&Value> {
            self.slots.get(slot).and_then(Option::as_ref)
        }
        fn slot_name(&self, slot: usize) -> &str {
            ["s.n", "s.id"].get(slot).copied().unwrap_or("?")
        }
    }

    fn expr(src: Src) -> Part {
        Part::Expr {
            src,
            filters: Box::new([]),
        }
    }

    #[test]
    fn a_lone_expression_keeps_its_type_and_text_splices() {
        let env = TestEnv {
            slots: vec![Some(json!(7)), Some(json!("ab-cd"))],
            burst: Some(3),
        };
        let lone = Text::Tmpl(Box::new([expr(Src::Slot(0))]));
        assert_eq!(lone.render_value(&env).unwrap().into_owned(), json!(7));
        assert_eq!(lone.render(&env).unwrap(), "7");
        let mixed = Text::Tmpl(Box::new([
            Part::Text("n=".into()),
            expr(Src::Slot(0)),
            Part::Text("/".into()),
            Part::Expr {
                src: Src::Slot(1),
                filters: Box::new([Filter::Upper, Filter::NoHyphens]),
            },
        ]));
        assert_eq!(mixed.render(&env).unwrap(), "n=7/ABCD");
        let auth = Text::Tmpl(Box::new([
            Part::Text("xbl3.0 ".into()),
            expr(Src::Auth {
                caller: "a".into(),
                credentials: true,
            }),
        ]));
        assert_eq!(auth.render(&env).unwrap(), "xbl3.0 x=1;tok-123");
        let missing = Text::Tmpl(Box::new([expr(Src::Auth {
            caller: "b".into(),
            credentials: false,
        })]));
        assert_eq!(
            missing.render(&env),
            Err(RenderError::MissingCaller("b".into()))
        );
        let unset = TestEnv {
            slots: vec![None],
            burst: None,
        };
        let e = lone.render(&unset).unwrap_err().to_string();
        assert!(e.contains("`{{s.n}}` has no value"), "{e}");
    }

    #[test]
    fn a_rendered_text_over_the_bound_is_refused_not_built() {
        let env = TestEnv {
            slots: vec![Some(json!("x".repeat(1024)))],
            burst: None,
        };
        let repeat = |n| Part::Expr {
            src: Src::Slot(0),
            filters: Box::new([Filter::Repeat(n)]),
        };
        // Each expression alone is under the bound; the text they make together is not.
        let within = Text::Tmpl(Box::new([repeat(8 * 1024)]));
        assert_eq!(within.render(&env).unwrap().len(), 8 * 1024 * 1024);
        let e = Text::Tmpl(Box::new([repeat(16 * 1024 * 1024)]))
            .render(&env)
            .unwrap_err()
            .to_string();
        assert!(e.contains("MiB"), "{e}");
        let parts = Text::Tmpl(Box::new([repeat(12 * 1024), repeat(12 * 1024)]));
        assert!(parts.render(&env).is_err());
        let value = TValue::Str(Box::new([repeat(12 * 1024), repeat(12 * 1024)]));
        assert!(value.write_json(&env, &mut Vec::new()).is_err());
    }

    #[test]
    fn values_render_and_write_the_same_json() {
        let env = TestEnv {
            slots: vec![Some(json!(7)), Some(json!("ab"))],
            burst: Some(3),
        };
        let v = TValue::Object(Box::new([
            (Text::lit("lit"), TValue::Lit(json!({"a": [1, null]}))),
            (
                Text::Tmpl(Box::new([Part::Text("k".into()), expr(Src::Slot(1))])),
                TValue::Str(Box::new([expr(Src::Slot(0))])),
            ),
            (
                Text::lit("w"),
                TValue::Array(Box::new([
                    TValue::Str(Box::new([expr(Src::BurstIndex)])),
                    TValue::Str(Box::new([
                        Part::Text("\"q\" ".into()),
                        expr(Src::World("scid".into())),
                    ])),
                ])),
            ),
        ]));
        let expected = json!({"lit": {"a": [1, null]}, "kab": 7, "w": [3, "\"q\" S-1"]});
        assert_eq!(v.render(&env).unwrap().into_owned(), expected);
        let mut bytes = Vec::new();
        v.write_json(&env, &mut bytes).unwrap();
        let written: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(written, expected);
    }
}
