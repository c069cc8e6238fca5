//! Which proxy, if any, carries a request to the target: `--proxy`, `--no-proxy`, or the
//! environment (`HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY`, `NO_PROXY`, upper case first, then
//! lower case, as curl and reqwest read them). Loopback (`localhost`, 127.0.0.0/8, ::1) never
//! goes through a proxy: the embedded reference and a vendor's local server live there, and a
//! corporate proxy cannot reach them.

use std::sync::Arc;

use hyper_util::client::proxy::matcher::Matcher;
use reqwest::Url;

use super::error::ClientError;

/// Hosts that are always reached directly, in `NO_PROXY` syntax.
const LOOPBACK: &str = "localhost,127.0.0.0/8,::1";

/// Where the proxy setting comes from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum ProxyChoice {
    /// `HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY` and `NO_PROXY` (and their lower-case forms).
    #[default]
    Environment,
    /// `--proxy URL`: every target request through this proxy (`NO_PROXY` still applies).
    Url(String),
    /// `--no-proxy`: every request goes directly.
    Direct,
}

/// The proxies of a run, resolved and checked once.
#[derive(Clone)]
pub struct ProxyRules {
    /// Proxy URLs as given (credentials included), normalised; `None` = direct.
    http: Option<Url>,
    https: Option<Url>,
    matcher: Arc<Matcher>,
}

impl std::fmt::Debug for ProxyRules {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Shown without credentials: a Debug print must not leak a proxy password.
        f.debug_struct("ProxyRules")
            .field("http", &self.http.as_ref().map(shown))
            .field("https", &self.https.as_ref().map(shown))
            .finish()
    }
}

impl ProxyRules {
    /// Resolves the choice; `var` reads an environment variable (the process's, in a run).
    pub fn resolve(
        choice: &ProxyChoice,
        var: &dyn Fn(&str) -> Option<String>,
    ) -> Result<ProxyRules, ClientError> {
        let first = |names: &[&str]| -> Option<(String, String)> {
            names.iter().find_map(|name| {
                var(name)
                    .filter(|v| !v.trim().is_empty())
                    .map(|v| (name.to_string(), v))
            })
        };
        let no_proxy = first(&["NO_PROXY", "no_proxy"]).map(|(_, v)| v);
        let (http, https) = match choice {
            ProxyChoice::Direct => (None, None),
            ProxyChoice::Url(url) => {
                let url = parse("--proxy", url)?;
                (Some(url.clone()), Some(url))
            }
            ProxyChoice::Environment => {
                let all = first(&["ALL_PROXY", "all_proxy"])
                    .map(|(n, v)| parse(&n, &v))
                    .transpose()?;
                let http = first(&["HTTP_PROXY", "http_proxy"])
                    .map(|(n, v)| parse(&n, &v))
                    .transpose()?
                    .or_else(|| all.clone());
                let https = first(&["HTTPS_PROXY", "https_proxy"])
                    .map(|(n, v)| parse(&n, &v))
                    .transpose()?
                    .or(all);
                (http, https)
            }
        };
        let no = match &no_proxy {
            Some(list) => format!("{LOOPBACK},{list}"),
            None => LOOPBACK.to_string(),
        };
        let mut builder = Matcher::builder().no(no);
        if let Some(u) = &http {
            builder = builder.http(u.to_string());
        }
        if let Some(u) = &https {
            builder = builder.https(u.to_string());
        }
        Ok(ProxyRules {
            http,
            https,
            matcher: Arc::new(builder.build()),
        })
    }

    /// Whether any request could go through a proxy.
    pub fn any(&self) -> bool {
        self.http.is_some() || self.https.is_some()
    }

    /// The proxy a request to `target` goes through, credentials included (what is dialled).
    pub fn proxy_for(&self, target: &Url) -> Option<&Url> {
        let uri: http::Uri = target.as_str().parse().ok()?;
        self.matcher.intercept(&uri)?;
        match target.scheme() {
            "http" => self.http.as_ref(),
            "https" => self.https.as_ref(),
            _ => None,
        }
    }

    /// The proxy a request to `target` goes through, as a message may show it (no credentials).
    pub fn shown_for(&self, target: &str) -> Option<String> {
        let target = Url::parse(target).ok()?;
        self.proxy_for(&target).map(shown)
    }

    /// Every userinfo of the proxy URLs: secrets to redact.
    pub fn credentials(&self) -> Vec<String> {
        let mut out = Vec::new();
        for url in self.http.iter().chain(self.https.iter()) {
            if let Some(password) = url.password() {
                out.push(password.to_string());
                out.push(format!("{}:{password}", url.username()));
            }
        }
        out
    }
}

/// A proxy URL checked: `host:port` alone means `http://host:port`, as curl reads it.
fn parse(origin: &str, value: &str) -> Result<Url, ClientError> {
    let value = value.trim();
    let with_scheme = if value.contains("://") {
        value.to_string()
    } else {
        format!("http://{value}")
    };
    let bad = |reason: String| ClientError::BadProxy {
        origin: origin.to_string(),
        shown: masked(value),
        reason,
    };
    let url = Url::parse(&with_scheme).map_err(|e| bad(e.to_string()))?;
    match url.scheme() {
        "http" | "https" => {}
        other => {
            return Err(bad(format!(
                "`{other}` proxies are not supported; use an http:// or https:// proxy"
            )))
        }
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("it names no host".into()));
    }
    Ok(url)
}

/// A proxy URL without credentials or trailing slash.
fn shown(url: &Url) -> String {
    let mut url = url.clone();
    // Setting these only fails for URLs that cannot have credentials, which a proxy URL can.
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.as_str().trim_end_matches('/').to_string()
}

/// A value as written, with any password masked, for an error message.
fn masked(value: &str) -> String {
    match value.split_once("://") {
        Some((scheme, rest)) => match rest.split_once('@') {
            Some((_, host)) => format!("{scheme}://[REDACTED]@{host}"),
            None => value.to_string(),
        },
        None => match value.split_once('@') {
            Some((_, host)) => format!("[REDACTED]@{host}"),
            None => value.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        move |name| vars.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone())
    }

    fn via(rules: &ProxyRules, target: &str) -> Option<String> {
        rules.shown_for(target)
    }

    #[test]
    fn the_environment_picks_a_proxy_per_scheme_and_all_proxy_fills_in() {
        let rules = ProxyRules::resolve(
            &ProxyChoice::Environment,
            &env(&[
                ("http_proxy", "proxy.example:3128"),
                ("ALL_PROXY", "http://all.example:8080"),
            ]),
        )
        .unwrap();
        assert_eq!(
            via(&rules, "http://mpsd.example/handles").as_deref(),
            Some("http://proxy.example:3128")
        );
        assert_eq!(
            via(&rules, "https://mpsd.example/").as_deref(),
            Some("http://all.example:8080")
        );
    }

    #[test]
    fn upper_case_wins_over_lower_case_as_reqwest_reads_them() {
        let rules = ProxyRules::resolve(
            &ProxyChoice::Environment,
            &env(&[
                ("HTTPS_PROXY", "http://upper.example:1"),
                ("https_proxy", "http://lower.example:1"),
            ]),
        )
        .unwrap();
        assert_eq!(
            via(&rules, "https://mpsd.example/").as_deref(),
            Some("http://upper.example:1")
        );
        assert_eq!(via(&rules, "http://mpsd.example/"), None);
    }

    #[test]
    fn loopback_and_no_proxy_hosts_go_directly() {
        let rules = ProxyRules::resolve(
            &ProxyChoice::Url("http://proxy.example:3128".into()),
            &env(&[("NO_PROXY", "internal.example, 10.0.0.0/8")]),
        )
        .unwrap();
        for direct in [
            "http://127.0.0.1:8080/x",
            "http://127.8.9.10/",
            "http://[::1]:80/",
            "http://localhost:1/",
            "https://api.localhost/",
            "https://mpsd.internal.example/",
            "http://10.1.2.3/",
        ] {
            assert_eq!(via(&rules, direct), None, "{direct}");
        }
        assert!(via(&rules, "https://mpsd.example/").is_some());
        assert!(via(&rules, "http://128.0.0.1/").is_some());
    }

    #[test]
    fn no_proxy_means_direct_whatever_the_environment_says() {
        let rules = ProxyRules::resolve(
            &ProxyChoice::Direct,
            &env(&[("HTTPS_PROXY", "http://proxy.example:1")]),
        )
        .unwrap();
        assert!(!rules.any());
        assert_eq!(via(&rules, "https://mpsd.example/"), None);
    }

    #[test]
    fn credentials_are_secrets_and_never_shown() {
        let rules = ProxyRules::resolve(
            &ProxyChoice::Url("http://user:pa55word@proxy.example:3128".into()),
            &env(&[]),
        )
        .unwrap();
        assert_eq!(
            via(&rules, "https://mpsd.example/").as_deref(),
            Some("http://proxy.example:3128")
        );
        assert!(rules.credentials().contains(&"pa55word".to_string()));
        assert!(!format!("{rules:?}").contains("pa55word"));
        let target = Url::parse("https://mpsd.example/").unwrap();
        assert_eq!(
            rules.proxy_for(&target).map(Url::password),
            Some(Some("pa55word"))
        );
    }

    #[test]
    fn a_bad_proxy_url_is_refused_in_words_without_its_password() {
        let err = ProxyRules::resolve(
            &ProxyChoice::Environment,
            &env(&[("HTTPS_PROXY", "socks5://u:secret@proxy.example:1080")]),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.starts_with("HTTPS_PROXY `socks5://[REDACTED]@proxy.example:1080`"),
            "{err}"
        );
        assert!(err.contains("not supported"), "{err}");
        assert!(!err.contains("secret"), "{err}");
    }
}
