//! What a `{{name}}` in a case file refers to. The loader uses it to refuse names nobody sets;
//! the runner uses it to look values up, so both read variables the same way.

use serde_json::{Map, Value};

/// Where a step's templates are evaluated.
#[derive(Clone, Debug, PartialEq)]
pub enum Scope {
    /// The case's own steps.
    Case,
    /// Steps of a fixture used under namespace `ns`, with its parameters (defaults merged with
    /// the using step's `with`; rendered in the case's scope).
    Fixture {
        ns: String,
        params: Map<String, Value>,
    },
}

/// A variable name, classified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VarRef {
    /// `world.<key>`: the target's world (SCID, templates).
    World(String),
    /// `xuid.<identity>`.
    Xuid(String),
    /// `auth.<caller>` (the whole Authorization value) or `auth.<caller>.credentials` (without
    /// its scheme).
    Auth { caller: String, credentials: bool },
    /// `burst.index`, inside a burst step.
    BurstIndex,
    /// `run.id`.
    RunId,
    /// `fresh.<key>`: a session name `mpsdc-<run id>-<uuid>`, the same for one key in one case
    /// (in a fixture, one per use).
    Fresh(String),
    /// `guid.<key>`: a random GUID, the same for one key in one case (per use in a fixture).
    Guid(String),
    /// `param.<key>` inside a fixture.
    Param(String),
    /// `variant.<field>`.
    Variant(String),
    /// A captured or exported variable, by its full name `<namespace>.<key>`.
    Captured(String),
}

impl Scope {
    pub fn classify(&self, name: &str) -> VarRef {
        let (head, rest) = name.split_once('.').unwrap_or((name, ""));
        let keyed = |key: &str| match self {
            Scope::Case => key.to_string(),
            Scope::Fixture { ns, .. } => format!("{ns}/{key}"),
        };
        match (head, self) {
            ("world", _) => VarRef::World(rest.to_string()),
            ("xuid", _) => VarRef::Xuid(rest.to_string()),
            ("auth", _) => match rest.strip_suffix(".credentials") {
                Some(caller) => VarRef::Auth {
                    caller: caller.to_string(),
                    credentials: true,
                },
                None => VarRef::Auth {
                    caller: rest.to_string(),
                    credentials: false,
                },
            },
            ("burst", _) if rest == "index" => VarRef::BurstIndex,
            ("run", _) if rest == "id" => VarRef::RunId,
            ("fresh", _) => VarRef::Fresh(keyed(rest)),
            ("guid", _) => VarRef::Guid(keyed(rest)),
            ("param", Scope::Fixture { .. }) => VarRef::Param(rest.to_string()),
            ("self", Scope::Fixture { ns, .. }) => VarRef::Captured(format!("{ns}.{rest}")),
            ("variant", Scope::Case) => VarRef::Variant(rest.to_string()),
            _ => VarRef::Captured(name.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixture_scope_keys_fresh_names_and_self_by_namespace() {
        let s = Scope::Fixture {
            ns: "s".into(),
            params: Map::new(),
        };
        assert_eq!(
            s.classify("fresh.session"),
            VarRef::Fresh("s/session".into())
        );
        assert_eq!(s.classify("self.etag"), VarRef::Captured("s.etag".into()));
        assert_eq!(
            s.classify("param.template"),
            VarRef::Param("template".into())
        );
        assert_eq!(Scope::Case.classify("fresh.x"), VarRef::Fresh("x".into()));
        assert_eq!(
            Scope::Case.classify("s.handle"),
            VarRef::Captured("s.handle".into())
        );
        assert_eq!(
            Scope::Case.classify("param.x"),
            VarRef::Captured("param.x".into())
        );
        assert_eq!(
            s.classify("auth.b.credentials"),
            VarRef::Auth {
                caller: "b".into(),
                credentials: true
            }
        );
        assert_eq!(
            Scope::Case.classify("auth.a"),
            VarRef::Auth {
                caller: "a".into(),
                credentials: false
            }
        );
        assert_eq!(Scope::Case.classify("burst.index"), VarRef::BurstIndex);
    }
}
