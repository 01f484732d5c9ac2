//! Builds the application from config and runs it. Takes listeners so tests bind port 0.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use axum::extract::{MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{middleware, Json, Router};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

use shared::dashboard::SettingsArea;

use crate::ai::Responder;
use crate::assets::{self, DemoSite};
use crate::config::Config;
use crate::db::Db;
use crate::error::{self, ApiError};
use crate::ratelimit::Limiters;
use crate::realtime::Hub;
use crate::settings_cache::SettingsCache;
use crate::single_flight::SingleFlight;
use crate::state::AppState;
use crate::widget_api::StreamCaps;
use crate::{dashboard_api, events, request_guard, security_headers, seed, widget_api};

pub struct Application {
    api_listener: TcpListener,
    demo: Option<(TcpListener, DemoSite)>,
    api_url: String,
    demo_login: Option<(String, String)>,
    state: AppState,
}

impl Application {
    /// Binds the configured addresses, connects and migrates the store, seeds the demo tenant
    /// when asked.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let api = TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("listening on {}", config.listen))?;
        let demo = match config.demo_listen {
            Some(addr) => Some(
                TcpListener::bind(addr)
                    .await
                    .with_context(|| format!("listening on {addr} for the demo page"))?,
            ),
            None => None,
        };
        Self::with_listeners(config, api, demo).await
    }

    pub async fn with_listeners(
        config: Config,
        api_listener: TcpListener,
        demo_listener: Option<TcpListener>,
    ) -> anyhow::Result<Self> {
        let db = Db::connect(&config.database.0, config.max_db_connections).await?;
        // Before answering anyone: the conversation list reads these documents.
        let built = crate::search::document::backfill(&db)
            .await
            .context("building conversation search documents")?;
        if built > 0 {
            tracing::info!(conversations = built, "built search documents");
        }
        let responder = Arc::new(Responder::new(&config.ai)?);
        let api_url = config
            .public_url
            .clone()
            .unwrap_or(browsable_url(api_listener.local_addr()?));
        let mut demo_login = None;
        let demo = match demo_listener {
            Some(listener) => {
                let port = listener.local_addr()?.port();
                let origins = [
                    format!("http://localhost:{port}"),
                    format!("http://127.0.0.1:{port}"),
                ];
                let credentials = seed::ensure_demo_tenant(
                    &db,
                    &config.data_dir,
                    &origins,
                    config.demo_admin_password.as_deref(),
                )
                .await?;
                demo_login = Some((
                    credentials.admin_email.clone(),
                    credentials.admin_password.clone(),
                ));
                let site = DemoSite {
                    public_dir: config.public_dir.clone(),
                    api_url: api_url.clone(),
                    tenant_id: credentials.tenant_id,
                    widget_token: credentials.widget_token,
                };
                Some((listener, site))
            }
            None => {
                if config.seed_demo {
                    let credentials = seed::ensure_demo_tenant(
                        &db,
                        &config.data_dir,
                        &[],
                        config.demo_admin_password.as_deref(),
                    )
                    .await?;
                    demo_login = Some((credentials.admin_email, credentials.admin_password));
                }
                None
            }
        };
        let hub = Hub::start(&db, &config.database.0);
        events::spawn_pruner(db.clone(), config.event_retention);
        let dashboard_origins =
            dashboard_api::own_origins(config.public_url.as_deref(), api_listener.local_addr()?)
                .into();
        let safety = Arc::new(SettingsCache::new(
            db.clone(),
            hub.clone(),
            &[SettingsArea::Safety],
        ));
        let intents = Arc::new(crate::ai::intent::Intents::new(
            &config.ai,
            db.clone(),
            hub.clone(),
        )?);
        let assistants = Arc::new(SettingsCache::new(
            db.clone(),
            hub.clone(),
            &[SettingsArea::Assistants],
        ));
        let routing = Arc::new(SettingsCache::new(
            db.clone(),
            hub.clone(),
            &[SettingsArea::Routing, SettingsArea::Assistants],
        ));
        let proactive = Arc::new(SettingsCache::new(
            db.clone(),
            hub.clone(),
            &[SettingsArea::Proactive],
        ));
        let access = Arc::new(crate::widget_api::AccessCache::new(db.clone(), hub.clone()));
        let state = AppState::new(crate::state::Shared {
            access,
            dashboard_origins,
            db,
            responder,
            intents,
            assistants,
            routing,
            safety,
            proactive,
            limiters: Arc::new(Limiters::new(&config.limits)),
            replies: SingleFlight::new(),
            histories: Arc::default(),
            streams: StreamCaps::new(
                config.limits.streams_per_session,
                config.limits.streams_per_tenant,
            ),
            hub,
            config: Arc::new(config),
            outbox_wake: Arc::new(tokio::sync::Notify::new()),
        });
        crate::channels::outbox::spawn_worker(
            state.db.clone(),
            shared::api::Channel::Sms,
            state.config.outbox,
            state.outbox_wake.clone(),
            crate::channels::sms::sender::send_fn(state.db.clone(), state.config.sms_endpoints())?,
        );
        crate::channels::outbox::spawn_worker(
            state.db.clone(),
            shared::api::Channel::Email,
            state.config.outbox,
            state.outbox_wake.clone(),
            crate::channels::email::sender::send_fn(
                state.db.clone(),
                state.config.smtp_public_only(),
            ),
        );
        {
            let state = state.clone();
            tokio::spawn(async move {
                if let Err(e) = crate::channels::resume::answer_left_unanswered(&state).await {
                    tracing::error!(error = %e, "looking for messages left unanswered");
                }
            });
        }
        if let Some(address) = state.config.smtp_listen {
            let listener = tokio::net::TcpListener::bind(address).await?;
            tracing::info!(%address, "SMTP listener for inbound mail");
            crate::channels::email::spawn_listener(state.clone(), listener);
        }
        Ok(Self {
            api_listener,
            demo,
            api_url,
            demo_login,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.api_listener.local_addr().map_or(0, |a| a.port())
    }

    pub fn api_url(&self) -> &str {
        &self.api_url
    }

    /// The demo page's address, when the demo site is on.
    pub fn demo_url(&self) -> Option<String> {
        let (listener, _) = self.demo.as_ref()?;
        let port = listener.local_addr().ok()?.port();
        Some(format!("http://localhost:{port}/"))
    }

    /// The demo admin's email and password, when the demo tenant was seeded.
    pub fn demo_login(&self) -> Option<(&str, &str)> {
        self.demo_login
            .as_ref()
            .map(|(e, p)| (e.as_str(), p.as_str()))
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` completes, then lets in-flight requests finish.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let (stop_tx, stop_rx) = watch::channel(false);
        tokio::spawn(async move {
            shutdown.await;
            let _ = stop_tx.send(true);
        });
        let stopped = |mut rx: watch::Receiver<bool>| async move {
            let _ = rx.wait_for(|stop| *stop).await;
        };
        // The peer address keys the rate limits (see `client_addr`).
        let api = axum::serve(
            self.api_listener,
            router(self.state).into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(stopped(stop_rx.clone()));
        match self.demo {
            Some((listener, site)) => {
                let demo = axum::serve(listener, assets::demo_router(site))
                    .with_graceful_shutdown(stopped(stop_rx));
                tokio::try_join!(api, demo)?;
            }
            None => api.await?,
        }
        Ok(())
    }
}

/// `0.0.0.0:8080` is where we listen, not an address a browser can open.
fn browsable_url(addr: SocketAddr) -> String {
    if addr.ip().is_unspecified() {
        format!("http://127.0.0.1:{}", addr.port())
    } else {
        format!("http://{addr}")
    }
}

/// Every route of the API, in one place.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(widget_api::router(&state))
        .merge(dashboard_api::router(&state))
        .merge(crate::channels::sms::inbound::router())
        .merge(crate::channels::email::inbound::router())
        .merge(crate::channels::email::mailgun::router())
        .merge(crate::channels::voice::inbound::router())
        .route("/health", get(health))
        .merge(assets::widget_router(&state.config.widget_dir))
        .merge(assets::dashboard_router(&state.config.dashboard_dir))
        .fallback(error::route_not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(middleware::from_fn(request_guard::guard_paths))
        .layer(middleware::from_fn(error::log_server_errors))
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &Request| {
                let route = request
                    .extensions()
                    .get::<MatchedPath>()
                    .map_or("unmatched", MatchedPath::as_str);
                tracing::info_span!("request", method = %request.method(), route)
            }),
        )
        .layer(CatchPanicLayer::custom(|_panic| {
            tracing::error!("a request handler panicked");
            ApiError::Internal(anyhow::anyhow!("handler panicked")).into_response()
        }))
        .layer(middleware::from_fn(security_headers::set_security_headers))
        .with_state(state)
}

async fn health(State(state): State<AppState>) -> Response {
    match state.db.ping().await {
        Ok(_) => Json(serde_json::json!({ "status": "ok" })).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({ "status": "database unreachable" })),
            )
                .into_response()
        }
    }
}
