//! Everything a run needs before its first case: the target (the embedded reference when none is
//! given), the client, callers, world and default headers. Shared by the CLI and `cargo test`.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use crate::case::CaseSet;
use crate::check::Schemas;
use crate::http::{ClientOptions, HttpClient};

use super::context::{credentials_of, RunContext};
use super::embedded::EmbeddedServer;
use super::error::PrepareError;
use super::setup::{url_userinfo, Environment};
use super::vars::RunVars;

#[derive(Clone, Debug, Default)]
pub struct PrepareOptions {
    /// `--target` or CONFORMANCE_TARGET; `None` starts the embedded reference.
    pub target: Option<String>,
    /// `--header`s.
    pub headers: Vec<(String, String)>,
    /// `--secret`s.
    pub secrets: Vec<String>,
    pub client: ClientOptions,
}

pub struct Prepared {
    pub ctx: Arc<RunContext>,
    /// The target as reports show it: its URL, or `embedded`.
    pub target_label: String,
    pub embedded: bool,
    /// Values to redact everywhere.
    pub secrets: Vec<String>,
    /// What a person should know about how the run was set up (stderr, once).
    pub warnings: Vec<String>,
    /// Keeps the embedded server alive as long as the run.
    pub server: Option<EmbeddedServer>,
}

pub fn prepare(
    set: &CaseSet,
    env: &Environment,
    options: PrepareOptions,
) -> Result<Prepared, PrepareError> {
    let identities = env.identities(&set.suite)?;
    // Every Authorization value the run uses is redacted, the synthetic callers' included, and
    // so is its credentials part, which a case may send under another scheme
    // (`{{auth.a.credentials}}`).
    let mut secrets: Vec<String> = Vec::new();
    for value in identities
        .values()
        .filter_map(|i| i.authorization.as_deref())
        .chain(env.secrets().iter().map(String::as_str))
    {
        secrets.push(value.to_string());
        let credentials = credentials_of(value);
        if !credentials.is_empty() {
            secrets.push(credentials.to_string());
        }
    }
    secrets.extend(options.secrets.iter().cloned());
    let mut warnings = Vec::new();
    let (base_url, label, server) = match &options.target {
        Some(url) => {
            let trimmed = url.trim_end_matches('/').to_string();
            let mut parsed = reqwest::Url::parse(&trimmed).map_err(|e| PrepareError::NotAUrl {
                target: url.clone(),
                reason: e.to_string(),
            })?;
            if !matches!(parsed.scheme(), "http" | "https") {
                return Err(PrepareError::NotHttp {
                    target: url.clone(),
                });
            }
            let mut base_url = trimmed.clone();
            if let Some(userinfo) = url_userinfo(&trimmed) {
                secrets.push(userinfo.clone());
                if let Some((_, password)) = userinfo.split_once(':') {
                    secrets.push(password.to_string());
                }
                // Userinfo in a request URL becomes `Authorization: Basic …`, which would replace
                // the callers' own Authorization: the server must see what the cases send.
                // Setting them on an http(s) URL cannot fail.
                let _ = parsed.set_username("");
                let _ = parsed.set_password(None);
                base_url = parsed.as_str().trim_end_matches('/').to_string();
                warnings.push(
                    "the target's userinfo (user:password@) is not sent: requests carry the \
                     callers' Authorization headers instead; it is only redacted from the output"
                        .to_string(),
                );
            }
            (base_url, trimmed, None)
        }
        None => {
            let server = EmbeddedServer::start().map_err(PrepareError::Embedded)?;
            (
                server.url().to_string(),
                "embedded".to_string(),
                Some(server),
            )
        }
    };
    let mut headers: Vec<(String, String)> = set
        .suite
        .headers
        .iter()
        .map(|(n, v)| (n.clone(), v.clone()))
        .collect();
    super::request::set(&mut headers, &options.headers);
    let body_headers = set
        .suite
        .body_headers
        .iter()
        .map(|(n, v)| (n.clone(), v.clone()))
        .collect();
    let run_id = uuid::Uuid::new_v4().simple().to_string()[..12].to_string();
    let vars = RunVars {
        run_id,
        world: env.world(&set.suite),
        xuids: identities
            .iter()
            .map(|(n, i)| (n.clone(), i.xuid.clone()))
            .collect(),
        authorizations: identities
            .iter()
            .map(|(n, i)| (n.clone(), i.authorization.clone()))
            .collect(),
    };
    let ctx = RunContext {
        client: HttpClient::new(options.client)?,
        base_url,
        identities,
        vars,
        headers,
        body_headers,
        schemas: Schemas::compile(&set.schemas).map_err(PrepareError::Schemas)?,
        interrupted: Arc::new(AtomicBool::new(false)),
        stopping: Arc::new(AtomicBool::new(false)),
    };
    Ok(Prepared {
        ctx: Arc::new(ctx),
        target_label: label,
        embedded: server.is_some(),
        secrets,
        warnings,
        server,
    })
}
