//! Static files and the headers every response carries: file names too long for a file system
//! are 404s (not 500s) under `/widget/`, `/dashboard/` and on the demo site; the dashboard's page
//! has its Content-Security-Policy; `nosniff` and a `Referrer-Policy` are everywhere; personal
//! data is never cached.

use reqwest::Method;
use serde_json::json;
use server::assets::{self, DemoSite};
use server::security_headers::DASHBOARD_CSP;
use shared::dashboard::Role;
use tokio::net::TcpListener;

use crate::helpers::{spawn_app_with, Answer, Backend, TestApp};
use crate::on_both_backends;

/// Built-looking widget, dashboard and demo folders, and an app serving the first two.
async fn app_with_files(backend: Backend) -> Option<(TestApp, tempfile::TempDir)> {
    let files = tempfile::tempdir().expect("temp dir");
    for (dir, name, text) in [
        (
            "widget",
            "web-widget.js",
            "export function renderWebWidget() {}",
        ),
        (
            "dashboard",
            "index.html",
            "<!doctype html><title>Inbox</title>",
        ),
        (
            "dashboard",
            "settings.html",
            "<!doctype html><title>Settings</title>",
        ),
        ("dashboard", "boot.js", "console.log('boot');"),
        (
            "public",
            "index.html",
            "<!doctype html><title>{{TENANT_ID}}</title>",
        ),
        ("public", "shop.css", "body { margin: 0 }"),
        (
            "public",
            "strict-csp.html",
            "<script nonce=\"{{NONCE}}\">import '{{API_URL}}/widget/web-widget.js';</script>",
        ),
    ] {
        let folder = files.path().join(dir);
        std::fs::create_dir_all(&folder).expect("folder");
        std::fs::write(folder.join(name), text).expect("file");
    }
    let widget = files.path().join("widget").display().to_string();
    let dashboard = files.path().join("dashboard").display().to_string();
    let app = spawn_app_with(
        backend,
        &[
            ("LIVECHAT_WIDGET_DIR", widget.as_str()),
            ("LIVECHAT_DASHBOARD_DIR", dashboard.as_str()),
        ],
    )
    .await?;
    Some((app, files))
}

/// The demo site on a port of its own, as `LIVECHAT_DEMO_LISTEN` serves it; answers its address.
async fn serve_demo(app: &TestApp, files: &tempfile::TempDir) -> String {
    let site = DemoSite {
        public_dir: files.path().join("public"),
        api_url: app.address.clone(),
        tenant_id: app.tenant.id.clone(),
        widget_token: app.tenant.token.clone(),
    };
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, assets::demo_router(site)).await });
    address
}

async fn get(app: &TestApp, url: &str) -> reqwest::Response {
    app.http.get(url).send().await.expect("request")
}

async fn long_file_names(backend: Backend) {
    let Some((app, files)) = app_with_files(backend).await else {
        return;
    };
    let demo = serve_demo(&app, &files).await;
    let long = "a".repeat(256);
    let encoded_long = "%C3%A9".repeat(128);
    for base in [app.url("/widget"), app.url("/dashboard"), demo.clone()] {
        for name in [&long, &encoded_long] {
            let answer = Answer::read(get(&app, &format!("{base}/{name}")).await).await;
            assert_eq!(answer.status, 404, "{base}/{}…", &name[..12]);
            assert_eq!(answer.code(), "not_found");
        }
        let nested = format!("{base}/{long}/index.html");
        assert_eq!(get(&app, &nested).await.status(), 404, "{base}");
    }
    // Names up to the limit still reach the file system (and simply aren't there).
    let at_limit = format!("/widget/{}", "a".repeat(255));
    assert_eq!(get(&app, &app.url(&at_limit)).await.status(), 404);
    assert_eq!(
        get(&app, &app.url("/widget/web-widget.js")).await.status(),
        200
    );
    assert_eq!(get(&app, &format!("{demo}/shop.css")).await.status(), 200);
}

async fn dashboard_page_csp(backend: Backend) {
    let Some((app, _files)) = app_with_files(backend).await else {
        return;
    };
    // Each of the dashboard's two apps at the paths it routes (dashboard/src/route.rs).
    for (path, app_page) in [
        ("/", "Inbox"),
        ("/login", "Inbox"),
        ("/conversations/cv_1", "Inbox"),
        ("/clients/cl_1", "Inbox"),
        ("/dashboard/index.html", "Inbox"),
        ("/settings", "Settings"),
        ("/settings/assistants/as_1", "Settings"),
        ("/setup", "Settings"),
        ("/invitations/tok", "Settings"),
        ("/reset-password/tok", "Settings"),
    ] {
        let page = get(&app, &app.url(path)).await;
        assert_eq!(page.status(), 200, "{path}");
        let csp = page
            .headers()
            .get("content-security-policy")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        assert_eq!(csp, DASHBOARD_CSP, "{path}");
        let directives: Vec<&str> = csp.split(';').map(str::trim).collect();
        for wanted in [
            "script-src 'self' 'wasm-unsafe-eval'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "object-src 'none'",
        ] {
            assert!(directives.contains(&wanted), "{wanted} missing from {csp}");
        }
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        let body = page.text().await.expect("page");
        assert!(
            body.contains(&format!("<title>{app_page}</title>")),
            "{path}: {body}"
        );
    }
}

fn assert_hardened(response: &reqwest::Response, what: &str) {
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(header("x-content-type-options"), "nosniff", "{what}");
    assert_eq!(
        header("referrer-policy"),
        "strict-origin-when-cross-origin",
        "{what}"
    );
}

async fn nosniff_everywhere(backend: Backend) {
    let Some((app, files)) = app_with_files(backend).await else {
        return;
    };
    let demo = serve_demo(&app, &files).await;
    let config = app
        .widget(Method::GET, "/config")
        .send()
        .await
        .expect("config");
    assert_eq!(config.status(), 200);
    assert_hardened(&config, "a widget API answer");
    let error = app
        .widget(Method::POST, "/chat")
        .body("x")
        .send()
        .await
        .expect("chat");
    assert_eq!(error.status(), 415);
    assert_hardened(&error, "an error");
    let unknown = get(&app, &app.url("/no/such/route")).await;
    assert_eq!(unknown.status(), 404);
    assert_hardened(&unknown, "an unknown route");
    let file = get(&app, &app.url("/widget/web-widget.js")).await;
    assert_eq!(file.status(), 200);
    assert_hardened(&file, "a static file");
    let demo_page = get(&app, &format!("{demo}/")).await;
    assert_eq!(demo_page.status(), 200);
    assert_hardened(&demo_page, "the demo page");
}

async fn strict_demo_page(backend: Backend) {
    let Some((app, files)) = app_with_files(backend).await else {
        return;
    };
    let demo = serve_demo(&app, &files).await;
    let mut nonces = Vec::new();
    for _ in 0..2 {
        let page = get(&app, &format!("{demo}/strict-csp.html")).await;
        assert_eq!(page.status(), 200);
        let csp = page
            .headers()
            .get("content-security-policy")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let api = &app.address;
        assert!(csp.contains(&format!("{api} 'wasm-unsafe-eval'")), "{csp}");
        assert!(csp.contains(&format!("connect-src {api};")), "{csp}");
        assert!(csp.contains(&format!("style-src {api};")), "{csp}");
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        let nonce = csp
            .split("'nonce-")
            .nth(1)
            .and_then(|rest| rest.split('\'').next())
            .expect("a nonce")
            .to_owned();
        let html = page.text().await.expect("page");
        assert!(html.contains(&format!("nonce=\"{nonce}\"")), "{html}");
        nonces.push(nonce);
    }
    assert_ne!(nonces[0], nonces[1], "a nonce is used once");
}

macro_rules! on_both_with_files {
    ($($name:ident => $case:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$case(crate::helpers::Backend::Sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$case(crate::helpers::Backend::Postgres).await;
            }
        }
    )*};
}

on_both_with_files!(
    a_file_name_over_255_bytes_is_a_404_on_the_widget_the_dashboard_and_the_demo_site =>
        long_file_names,
    the_dashboard_page_has_a_strict_content_security_policy => dashboard_page_csp,
    every_response_says_nosniff_and_a_referrer_policy => nosniff_everywhere,
    the_strict_csp_demo_page_carries_its_policy_with_a_fresh_nonce => strict_demo_page,
);

on_both_backends!(personal_data_is_never_cached);

async fn personal_data_is_never_cached(app: TestApp) {
    let (session, conversation) = app.visitor_conversation("Ada Visitor", "hello").await;
    let agent = app.teammate(Role::Agent).await;
    let login = app
        .http
        .post(app.url("/api/dashboard/login"))
        .header("Origin", &app.address)
        .json(&json!({ "email": agent.email, "password": crate::teammates::PASSWORD }));
    let contact = app
        .widget(Method::PUT, &format!("/sessions/{session}/contact"))
        .json(&json!({ "name": "Ada Visitor", "email": "ada@example.org" }));
    let history = app.widget(Method::GET, &format!("/sessions/{session}"));
    let me = agent.request(Method::GET, "/api/dashboard/me");
    let list = agent.request(Method::GET, "/api/dashboard/conversations");
    let detail = agent.request(
        Method::GET,
        &format!("/api/dashboard/conversations/{conversation}"),
    );
    let export = agent.request(Method::GET, "/api/dashboard/export.csv");
    for (what, request) in [
        ("login", login),
        ("contact", contact),
        ("history", history),
        ("me", me),
        ("list", list),
        ("detail", detail),
        ("export", export),
    ] {
        let response = request.send().await.expect(what);
        assert!(
            response.status().is_success(),
            "{what}: {}",
            response.status()
        );
        let cache = response
            .headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        assert_eq!(cache, "no-store", "{what}");
    }
}
