//! Configuration from the environment, optionally seeded from a TOML file (`LIVECHAT_CONFIG`).
//! Environment variables win over the file. Secrets never reach `Debug` output.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context};

use crate::ai::{AiConfig, ProviderKind};
use crate::client_addr::TrustedProxies;

#[derive(Clone, Debug)]
pub struct Config {
    /// Where the API (and the widget's static files) listen.
    pub listen: SocketAddr,
    /// Where the demo host page is served, on its own origin; `None` disables it.
    pub demo_listen: Option<SocketAddr>,
    /// The URL browsers use to reach the API, written into the demo page. Defaults to
    /// `http://<listen address>`.
    pub public_url: Option<String>,
    pub database: DatabaseUrl,
    pub max_db_connections: u32,
    pub data_dir: PathBuf,
    /// The built widget (`web-widget.js`, `widget.js`, `widget_bg.wasm`), served at `/widget/`.
    pub widget_dir: PathBuf,
    /// Static files of the demo site (`index.html` is the host page).
    pub public_dir: PathBuf,
    /// The built dashboard, served at `/`.
    pub dashboard_dir: PathBuf,
    /// How long a dashboard login lasts.
    pub session_ttl: Duration,
    /// How long the event log keeps events for dashboards that reconnect.
    pub event_retention: Duration,
    /// The demo admin's password; a random one (kept in the data folder) when unset.
    pub demo_admin_password: Option<String>,
    /// Create the demo tenant, assistant and widget token on start.
    pub seed_demo: bool,
    /// `LIVECHAT_SIGNUP=open`: anyone may create a new workspace from the dashboard (a hosted
    /// service). `closed` (the default): only the first workspace is created that way; owners
    /// invite everyone else.
    pub signup_open: bool,
    pub ai: AiConfig,
    pub limits: Limits,
    /// Reverse proxies whose `X-Forwarded-For` is believed (see [`crate::client_addr`]).
    pub trusted_proxies: TrustedProxies,
    pub log_json: bool,
    /// How the channels' sending workers retry (`LIVECHAT_OUTBOX_RETRY_MS`, the first retry's
    /// wait; `LIVECHAT_OUTBOX_POLL_MS`).
    pub outbox: crate::channels::outbox::RetryPolicy,
    /// Twilio's and Telnyx's API roots (`LIVECHAT_TWILIO_API_BASE`, `LIVECHAT_TELNYX_API_BASE`)
    /// when not their public ones: a regional edge, a test stub.
    pub twilio_api_base: Option<String>,
    pub telnyx_api_base: Option<String>,
    /// Where the SMTP listener for direct inbound mail binds (`LIVECHAT_SMTP_LISTEN`); off
    /// unless set.
    pub smtp_listen: Option<SocketAddr>,
    /// `LIVECHAT_SMTP_ALLOW_PRIVATE=true`: workspaces' SMTP accounts may be on private
    /// addresses even with open sign-up (see [`Config::smtp_public_only`]).
    pub smtp_allow_private: bool,
    /// The plans workspaces can be put on (`LIVECHAT_PLANS`, a TOML file; none when unset), by
    /// id. See [`crate::usage::plans`].
    pub plans: std::sync::Arc<std::collections::BTreeMap<String, shared::usage::Plan>>,
}

#[derive(Clone, Debug)]
pub struct Limits {
    /// Largest request body the API reads.
    pub max_body_bytes: usize,
    /// Messages a visitor session may send per minute, sustained.
    pub messages_per_minute: u32,
    /// Messages a visitor session may send in a quick burst.
    pub message_burst: u32,
    /// Messages one client address may send per minute, sustained, over all its sessions.
    pub address_messages_per_minute: u32,
    pub address_message_burst: u32,
    /// Messages a tenant's widget may receive per minute, sustained: a flood guard.
    pub tenant_messages_per_minute: u32,
    pub tenant_message_burst: u32,
    /// Visitor sessions one client address may start per minute, sustained.
    pub sessions_per_minute: u32,
    pub session_burst: u32,
    /// Visitor sessions a tenant's widget may start per minute, sustained: a flood guard.
    pub tenant_sessions_per_minute: u32,
    pub tenant_session_burst: u32,
    /// Dashboard login attempts per minute, sustained, per address and per email.
    pub logins_per_minute: u32,
    /// Dashboard login attempts in a quick burst.
    pub login_burst: u32,
    /// Widget event streams one visitor session may hold open.
    pub streams_per_session: usize,
    /// Widget event streams one tenant may hold open on this server.
    pub streams_per_tenant: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: 32 * 1024,
            messages_per_minute: 30,
            message_burst: 10,
            // An office or a mobile carrier puts many visitors behind one address: these allow
            // a few dozen people there chatting at once, and stop one script opening endless
            // sessions to escape the per-session limit.
            address_messages_per_minute: 60,
            address_message_burst: 40,
            tenant_messages_per_minute: 1200,
            tenant_message_burst: 2000,
            sessions_per_minute: 2,
            session_burst: 30,
            tenant_sessions_per_minute: 600,
            tenant_session_burst: 1000,
            logins_per_minute: 5,
            login_burst: 5,
            streams_per_session: 3,
            streams_per_tenant: 1000,
        }
    }
}

/// A database URL whose password never shows in logs.
#[derive(Clone)]
pub struct DatabaseUrl(pub String);

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&redact_url_password(&self.0))
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:[redacted]@host/db`.
pub fn redact_url_password(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_owned();
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    match (authority.rfind('@'), authority.find(':')) {
        (Some(at), Some(colon)) if colon < at => format!(
            "{}{}:[redacted]{}",
            &url[..scheme_end + 3],
            &authority[..colon],
            &rest[at..]
        ),
        _ => url.to_owned(),
    }
}

impl Config {
    /// Reads `LIVECHAT_*`, `DATABASE_URL` and `OPENAI_*` variables, over the TOML file named by
    /// `LIVECHAT_CONFIG` if set.
    pub fn from_env() -> anyhow::Result<Self> {
        let file = match std::env::var("LIVECHAT_CONFIG") {
            Ok(path) => read_file(&path)?,
            Err(_) => BTreeMap::new(),
        };
        let env: BTreeMap<String, String> = std::env::vars().collect();
        Self::from_sources(&Sources { env, file })
    }

    pub fn from_sources(src: &Sources) -> anyhow::Result<Self> {
        let data_dir = PathBuf::from(src.get("LIVECHAT_DATA_DIR").unwrap_or("data"));
        let database = match src.get("DATABASE_URL") {
            Some(url) => url.to_owned(),
            None => format!("sqlite://{}", data_dir.join("livechat.db").display()),
        };
        let provider = match src.get("LIVECHAT_AI_PROVIDER").unwrap_or("embedded") {
            "embedded" => ProviderKind::Embedded,
            "openai" => ProviderKind::OpenAi,
            other => bail!("LIVECHAT_AI_PROVIDER must be `embedded` or `openai`, not `{other}`"),
        };
        let defaults = AiConfig::default();
        let ai = AiConfig {
            provider,
            base_url: src
                .get("OPENAI_BASE_URL")
                .map_or(defaults.base_url, str::to_owned),
            api_key: src.get("OPENAI_API_KEY").map(str::to_owned),
            model: src
                .get("OPENAI_MODEL")
                .map_or(defaults.model, str::to_owned),
            timeout: match src.get("LIVECHAT_AI_TIMEOUT_SECS") {
                Some(v) => Duration::from_secs_f64(parse(v, "LIVECHAT_AI_TIMEOUT_SECS")?),
                None => defaults.timeout,
            },
        };
        if ai.provider == ProviderKind::OpenAi && ai.api_key.is_none() {
            tracing::warn!("LIVECHAT_AI_PROVIDER=openai without OPENAI_API_KEY: fine for local servers such as Ollama, not for OpenAI");
        }
        let limits = limits(src)?;
        Ok(Self {
            listen: parse(
                src.get("LIVECHAT_LISTEN").unwrap_or("127.0.0.1:8080"),
                "LIVECHAT_LISTEN",
            )?,
            demo_listen: match src.get("LIVECHAT_DEMO_LISTEN") {
                None | Some("") | Some("off") => None,
                Some(v) => Some(parse(v, "LIVECHAT_DEMO_LISTEN")?),
            },
            public_url: src
                .get("LIVECHAT_PUBLIC_URL")
                .map(|s| s.trim_end_matches('/').to_owned()),
            database: DatabaseUrl(database),
            max_db_connections: opt(src, "LIVECHAT_DB_MAX_CONNECTIONS")?.unwrap_or(10),
            widget_dir: PathBuf::from(src.get("LIVECHAT_WIDGET_DIR").unwrap_or("dist/widget")),
            public_dir: PathBuf::from(src.get("LIVECHAT_PUBLIC_DIR").unwrap_or("public")),
            dashboard_dir: PathBuf::from(
                src.get("LIVECHAT_DASHBOARD_DIR")
                    .unwrap_or("dist/dashboard"),
            ),
            demo_admin_password: src.get("LIVECHAT_DEMO_ADMIN_PASSWORD").map(str::to_owned),
            event_retention: Duration::from_secs(
                3600 * opt::<u64>(src, "LIVECHAT_EVENT_RETENTION_HOURS")?.unwrap_or(72),
            ),
            session_ttl: Duration::from_secs(
                opt(src, "LIVECHAT_SESSION_TTL_SECS")?.unwrap_or(7 * 24 * 3600),
            ),
            data_dir,
            seed_demo: opt::<bool>(src, "LIVECHAT_SEED_DEMO")?.unwrap_or(false),
            signup_open: match src.get("LIVECHAT_SIGNUP").map(str::trim) {
                None | Some("closed") => false,
                Some("open") => true,
                Some(other) => bail!("LIVECHAT_SIGNUP must be `open` or `closed`, not `{other}`"),
            },
            ai,
            limits,
            trusted_proxies: match src.get("LIVECHAT_TRUSTED_PROXIES") {
                Some(list) => TrustedProxies::parse(list)
                    .map_err(|e| anyhow::anyhow!("LIVECHAT_TRUSTED_PROXIES: {e}"))?,
                None => TrustedProxies::default(),
            },
            log_json: src.get("LIVECHAT_LOG_FORMAT") == Some("json"),
            twilio_api_base: src.get("LIVECHAT_TWILIO_API_BASE").map(str::to_owned),
            plans: std::sync::Arc::new(match src.get("LIVECHAT_PLANS") {
                None | Some("") => Default::default(),
                Some(path) => {
                    let text = std::fs::read_to_string(path)
                        .map_err(|e| anyhow::anyhow!("LIVECHAT_PLANS: cannot read {path}: {e}"))?;
                    crate::usage::plans::parse(&text)
                        .map_err(|e| anyhow::anyhow!("LIVECHAT_PLANS ({path}): {e}"))?
                }
            }),
            smtp_allow_private: matches!(
                src.get("LIVECHAT_SMTP_ALLOW_PRIVATE"),
                Some("true" | "1" | "yes")
            ),
            smtp_listen: match src.get("LIVECHAT_SMTP_LISTEN") {
                None | Some("") | Some("off") => None,
                Some(v) => Some(parse(v, "LIVECHAT_SMTP_LISTEN")?),
            },
            telnyx_api_base: src.get("LIVECHAT_TELNYX_API_BASE").map(str::to_owned),
            outbox: {
                let d = crate::channels::outbox::RetryPolicy::default();
                crate::channels::outbox::RetryPolicy {
                    base: opt::<u64>(src, "LIVECHAT_OUTBOX_RETRY_MS")?
                        .map_or(d.base, Duration::from_millis),
                    poll: opt::<u64>(src, "LIVECHAT_OUTBOX_POLL_MS")?
                        .map_or(d.poll, |ms| Duration::from_millis(ms.max(10))),
                    max_attempts: d.max_attempts,
                    stale_after: d.stale_after,
                }
            },
        })
    }
}

/// The rate limits and caps; every count must be at least 1.
fn limits(src: &Sources) -> anyhow::Result<Limits> {
    let d = Limits::default();
    let count = |key: &str, default: u32| -> anyhow::Result<u32> {
        match opt::<u32>(src, key)? {
            Some(0) => bail!("{key} must be at least 1"),
            value => Ok(value.unwrap_or(default)),
        }
    };
    let cap = |key: &str, default: usize| -> anyhow::Result<usize> {
        match opt::<usize>(src, key)? {
            Some(0) => bail!("{key} must be at least 1"),
            value => Ok(value.unwrap_or(default)),
        }
    };
    Ok(Limits {
        max_body_bytes: opt(src, "LIVECHAT_MAX_BODY_BYTES")?.unwrap_or(d.max_body_bytes),
        messages_per_minute: count("LIVECHAT_MESSAGES_PER_MINUTE", d.messages_per_minute)?,
        message_burst: count("LIVECHAT_MESSAGE_BURST", d.message_burst)?,
        address_messages_per_minute: count(
            "LIVECHAT_ADDRESS_MESSAGES_PER_MINUTE",
            d.address_messages_per_minute,
        )?,
        address_message_burst: count("LIVECHAT_ADDRESS_MESSAGE_BURST", d.address_message_burst)?,
        tenant_messages_per_minute: count(
            "LIVECHAT_TENANT_MESSAGES_PER_MINUTE",
            d.tenant_messages_per_minute,
        )?,
        tenant_message_burst: count("LIVECHAT_TENANT_MESSAGE_BURST", d.tenant_message_burst)?,
        sessions_per_minute: count("LIVECHAT_SESSIONS_PER_MINUTE", d.sessions_per_minute)?,
        session_burst: count("LIVECHAT_SESSION_BURST", d.session_burst)?,
        tenant_sessions_per_minute: count(
            "LIVECHAT_TENANT_SESSIONS_PER_MINUTE",
            d.tenant_sessions_per_minute,
        )?,
        tenant_session_burst: count("LIVECHAT_TENANT_SESSION_BURST", d.tenant_session_burst)?,
        logins_per_minute: count("LIVECHAT_LOGINS_PER_MINUTE", d.logins_per_minute)?,
        login_burst: count("LIVECHAT_LOGIN_BURST", d.login_burst)?,
        streams_per_session: cap("LIVECHAT_STREAMS_PER_SESSION", d.streams_per_session)?,
        streams_per_tenant: cap("LIVECHAT_STREAMS_PER_TENANT", d.streams_per_tenant)?,
    })
}

/// Where settings come from: the environment first, then the file.
pub struct Sources {
    pub env: BTreeMap<String, String>,
    pub file: BTreeMap<String, String>,
}

impl Sources {
    fn get(&self, key: &str) -> Option<&str> {
        self.env
            .get(key)
            .or_else(|| self.file.get(&key.to_ascii_lowercase()))
            .map(String::as_str)
    }
}

fn parse<T: std::str::FromStr>(value: &str, key: &str) -> anyhow::Result<T>
where
    T::Err: std::fmt::Display,
{
    value
        .trim()
        .parse()
        .map_err(|e| anyhow::anyhow!("{key}={value:?} is not valid: {e}"))
}

fn opt<T: std::str::FromStr>(src: &Sources, key: &str) -> anyhow::Result<Option<T>>
where
    T::Err: std::fmt::Display,
{
    src.get(key).map(|v| parse(v, key)).transpose()
}

/// A flat TOML file whose keys are the variable names in lower case, e.g.
/// `livechat_listen = "0.0.0.0:8080"` or `database_url = "postgres://..."`.
fn read_file(path: &str) -> anyhow::Result<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {path}"))?;
    let table: toml::Table = text.parse().with_context(|| format!("parsing {path}"))?;
    table
        .into_iter()
        .map(|(k, v)| {
            let value = match v {
                toml::Value::String(s) => s,
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::Float(f) => f.to_string(),
                toml::Value::Boolean(b) => b.to_string(),
                other => bail!("{path}: `{k}` must be a string, number or boolean, not {other}"),
            };
            Ok((k.to_ascii_lowercase(), value))
        })
        .collect()
}

impl Config {
    /// Whether workspaces' SMTP accounts may only be on public addresses: with open sign-up
    /// anyone runs a workspace, and must not point this server at its own network; a
    /// self-hosted install (closed sign-up) may use a relay next to it, as may one that says so
    /// (`LIVECHAT_SMTP_ALLOW_PRIVATE`).
    pub fn smtp_public_only(&self) -> bool {
        self.signup_open && !self.smtp_allow_private
    }

    /// Where the SMS providers are reached and report back.
    pub fn sms_endpoints(&self) -> crate::channels::sms::sender::Endpoints {
        crate::channels::sms::sender::Endpoints {
            public_url: self.public_url.clone(),
            twilio_api: self.twilio_api_base.clone(),
            telnyx_api: self.telnyx_api_base.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(env: &[(&str, &str)], file: &[(&str, &str)]) -> Sources {
        let map = |kv: &[(&str, &str)]| {
            kv.iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect()
        };
        Sources {
            env: map(env),
            file: map(file),
        }
    }

    #[test]
    fn defaults_to_embedded_ai_on_sqlite_in_the_data_dir() {
        let config = Config::from_sources(&sources(&[], &[])).unwrap();
        assert_eq!(config.database.0, "sqlite://data/livechat.db");
        assert_eq!(config.ai.provider, ProviderKind::Embedded);
        assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
        assert!(config.demo_listen.is_none());
    }

    #[test]
    fn environment_wins_over_the_file() {
        let config = Config::from_sources(&sources(
            &[("LIVECHAT_LISTEN", "0.0.0.0:9000")],
            &[
                ("livechat_listen", "127.0.0.1:1"),
                ("livechat_messages_per_minute", "99"),
            ],
        ))
        .unwrap();
        assert_eq!(config.listen.to_string(), "0.0.0.0:9000");
        assert_eq!(config.limits.messages_per_minute, 99);
    }

    #[test]
    fn plans_come_from_their_file_and_a_bad_one_stops_the_start() {
        assert!(Config::from_sources(&sources(&[], &[]))
            .unwrap()
            .plans
            .is_empty());
        let example = concat!(env!("CARGO_MANIFEST_DIR"), "/plans.example.toml");
        let config = Config::from_sources(&sources(&[("LIVECHAT_PLANS", example)], &[])).unwrap();
        assert_eq!(config.plans.len(), 3);
        let missing =
            Config::from_sources(&sources(&[("LIVECHAT_PLANS", "/no/such/plans.toml")], &[]))
                .unwrap_err()
                .to_string();
        assert!(missing.contains("/no/such/plans.toml"), "{missing}");
    }

    #[test]
    fn signup_is_closed_unless_opened() {
        assert!(
            !Config::from_sources(&sources(&[], &[]))
                .unwrap()
                .signup_open
        );
        let open = Config::from_sources(&sources(&[("LIVECHAT_SIGNUP", "open")], &[])).unwrap();
        assert!(open.signup_open);
        let err = Config::from_sources(&sources(&[("LIVECHAT_SIGNUP", "yes")], &[])).unwrap_err();
        assert!(err.to_string().contains("LIVECHAT_SIGNUP"), "{err}");
    }

    #[test]
    fn invalid_values_name_the_variable() {
        let err = Config::from_sources(&sources(&[("LIVECHAT_LISTEN", "nope")], &[])).unwrap_err();
        assert!(err.to_string().contains("LIVECHAT_LISTEN"), "{err}");
        let err =
            Config::from_sources(&sources(&[("LIVECHAT_AI_PROVIDER", "skynet")], &[])).unwrap_err();
        assert!(err.to_string().contains("skynet"), "{err}");
    }

    #[test]
    fn limits_and_trusted_proxies_are_read_and_checked() {
        let config = Config::from_sources(&sources(
            &[
                ("LIVECHAT_SESSIONS_PER_MINUTE", "7"),
                ("LIVECHAT_STREAMS_PER_TENANT", "50"),
                ("LIVECHAT_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8"),
            ],
            &[],
        ))
        .unwrap();
        assert_eq!(config.limits.sessions_per_minute, 7);
        assert_eq!(config.limits.streams_per_tenant, 50);
        assert!(config.trusted_proxies.contains("10.1.2.3".parse().unwrap()));
        let zero = Config::from_sources(&sources(&[("LIVECHAT_SESSION_BURST", "0")], &[]));
        assert!(zero
            .unwrap_err()
            .to_string()
            .contains("LIVECHAT_SESSION_BURST"));
        let bad = Config::from_sources(&sources(&[("LIVECHAT_TRUSTED_PROXIES", "proxy")], &[]));
        assert!(bad
            .unwrap_err()
            .to_string()
            .contains("LIVECHAT_TRUSTED_PROXIES"));
    }

    #[test]
    fn secrets_do_not_appear_in_debug_output() {
        let config = Config::from_sources(&sources(
            &[
                (
                    "DATABASE_URL",
                    "postgres://app:hunter2@db.internal:5432/chat",
                ),
                ("OPENAI_API_KEY", "sk-live-very-secret"),
            ],
            &[],
        ))
        .unwrap();
        let debug = format!("{config:?}");
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(!debug.contains("sk-live-very-secret"), "{debug}");
        assert!(debug.contains("postgres://app:[redacted]@db.internal:5432/chat"));
    }
}
