//! Static files: the built widget at `/widget/` (loadable from any origin), the dashboard (under
//! its Content-Security-Policy), and the demo host site, served on its own origin so the demo is
//! a real cross-origin embed. Paths too long for a file name are 404s before the file system
//! sees them ([`request_guard`]).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{middleware, Router};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::{request_guard, security_headers};

/// The widget's module, glue and `.wasm`, with `.gz` siblings served when the browser accepts
/// gzip. Any site may load them: access is controlled by the API, not by the files.
pub fn widget_router<S: Clone + Send + Sync + 'static>(widget_dir: &Path) -> Router<S> {
    let files = ServeDir::new(widget_dir).precompressed_gzip();
    Router::new()
        .nest_service("/widget", files)
        .layer(SetResponseHeaderLayer::overriding(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::HeaderName::from_static("cross-origin-resource-policy"),
            HeaderValue::from_static("cross-origin"),
        ))
        // Names are not content-hashed, so caches revalidate after five minutes.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=300"),
        ))
}

/// The dashboard: its files at `/dashboard/`, and the page of each of its two apps at the paths
/// that app routes itself, so a reload or a shared link works: the inbox (`index.html`) at `/`,
/// `/login`, `/conversations/{id}`, `/clients/{id}`; the settings (`settings.html`) at `/settings/…`, `/setup`,
/// `/invitations/{token}`, `/reset-password/{token}`. The dashboard's `route::App` is the same
/// split, read from the browser's side.
pub fn dashboard_router<S: Clone + Send + Sync + 'static>(dashboard_dir: &Path) -> Router<S> {
    let files = ServeDir::new(dashboard_dir).precompressed_gzip();
    let inbox = tower_http::services::ServeFile::new(dashboard_dir.join("index.html"));
    let settings = tower_http::services::ServeFile::new(dashboard_dir.join("settings.html"));
    Router::new()
        .nest_service("/dashboard", files)
        .route_service("/", inbox.clone())
        .route_service("/login", inbox.clone())
        .route_service("/conversations/{id}", inbox.clone())
        .route_service("/clients/{id}", inbox)
        .route_service("/settings", settings.clone())
        .route_service("/settings/{*page}", settings.clone())
        .route_service("/setup", settings.clone())
        .route_service("/invitations/{token}", settings.clone())
        .route_service("/reset-password/{token}", settings)
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-cache"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(security_headers::DASHBOARD_CSP),
        ))
}

/// What the demo page needs to embed the widget.
#[derive(Clone)]
pub struct DemoSite {
    pub public_dir: PathBuf,
    pub api_url: String,
    pub tenant_id: String,
    pub widget_token: String,
}

impl std::fmt::Debug for DemoSite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoSite")
            .field("public_dir", &self.public_dir)
            .field("api_url", &self.api_url)
            .field("tenant_id", &self.tenant_id)
            .field("widget_token", &"[redacted]")
            .finish()
    }
}

pub fn demo_router(site: DemoSite) -> Router {
    let files = ServeDir::new(&site.public_dir);
    Router::new()
        .route("/", get(demo_page))
        .route("/index.html", get(demo_page))
        .route("/strict-csp.html", get(strict_csp_page))
        .fallback_service(files)
        .layer(middleware::from_fn(request_guard::guard_paths))
        .layer(middleware::from_fn(security_headers::set_security_headers))
        .with_state(Arc::new(site))
}

async fn demo_page(State(site): State<Arc<DemoSite>>) -> Response {
    templated_page(&site, "index.html", None).await
}

/// The demo shop as a customer with a strict Content-Security-Policy runs it: the API's origin
/// is the only source of scripts, connections and styles, nothing is `'unsafe-inline'`, and the
/// page's own snippet runs by nonce. The README lists this policy as what a customer must allow.
async fn strict_csp_page(State(site): State<Arc<DemoSite>>) -> Response {
    let nonce = hex::encode(rand::random::<[u8; 16]>());
    let api = site.api_url.trim_end_matches('/');
    let csp = format!(
        "default-src 'none'; script-src 'nonce-{nonce}' {api} 'wasm-unsafe-eval'; \
         connect-src {api}; style-src {api}; img-src 'none'; base-uri 'none'; object-src 'none'"
    );
    templated_page(&site, "strict-csp.html", Some((nonce, csp))).await
}

/// A page of the demo site with the tenant's details filled in, and `{{NONCE}}` with the nonce
/// of its Content-Security-Policy when it has one.
async fn templated_page(site: &DemoSite, name: &str, csp: Option<(String, String)>) -> Response {
    let path = site.public_dir.join(name);
    match tokio::fs::read_to_string(&path).await {
        Ok(template) => {
            let mut page = template
                .replace("{{API_URL}}", &site.api_url)
                .replace("{{TENANT_ID}}", &site.tenant_id)
                .replace("{{WIDGET_TOKEN}}", &site.widget_token);
            if let Some((nonce, _)) = &csp {
                page = page.replace("{{NONCE}}", nonce);
            }
            let mut response = Html(page).into_response();
            let headers = response.headers_mut();
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            if let Some(policy) = csp.and_then(|(_, p)| HeaderValue::from_str(&p).ok()) {
                headers.insert(header::CONTENT_SECURITY_POLICY, policy);
            }
            response
        }
        Err(e) => {
            tracing::error!(path = %path.display(), error = %e, "demo page missing");
            (StatusCode::NOT_FOUND, "demo page not found").into_response()
        }
    }
}
