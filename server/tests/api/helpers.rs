//! A real server on a real socket, a fresh database per test, and one method per endpoint.

use std::collections::BTreeMap;

use reqwest::{Method, RequestBuilder, Response};
use serde_json::{json, Value};
use server::config::{Config, Sources};
use server::db::{with_database_name, Db};
use server::realtime::Hub;
use server::startup::Application;
use server::{ai, assistants, tenants};
use sqlx::{Connection, Executor, PgConnection};
use std::sync::Arc;
use tokio::net::TcpListener;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The PostgreSQL server tests create their databases on, if any.
fn postgres_base_url() -> Option<String> {
    ["TEST_DATABASE_URL", "DATABASE_URL"]
        .iter()
        .filter_map(|k| std::env::var(k).ok())
        .find(|u| u.starts_with("postgres"))
}

pub struct TestTenant {
    pub id: String,
    pub token: String,
    pub origin: String,
}

pub struct TestApp {
    pub address: String,
    /// What the dashboard's browser sends as `Origin`: the public URL when the test sets one.
    pub origin: String,
    pub database_url: String,
    pub db: Db,
    /// The app's live-update hub, to subscribe to directly.
    pub hub: Arc<Hub>,
    /// The running app's state, to call what the app itself calls (e.g. at start).
    pub state: server::state::AppState,
    pub tenant: TestTenant,
    pub http: reqwest::Client,
    _data_dir: tempfile::TempDir,
    postgres_db: Option<(String, String)>,
}

/// Starts the app on `backend` with the default test settings, or `None` when PostgreSQL was
/// asked for and none is configured (and `LIVECHAT_TEST_REQUIRE_POSTGRES` is not set).
pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    spawn_app_with(backend, &[]).await
}

pub async fn spawn_app_with(backend: Backend, settings: &[(&str, &str)]) -> Option<TestApp> {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let (database_url, postgres_db) = match backend {
        Backend::Sqlite => (
            format!("sqlite://{}", data_dir.path().join("test.db").display()),
            None,
        ),
        Backend::Postgres => {
            let Some(base) = postgres_base_url() else {
                assert!(
                    std::env::var("LIVECHAT_TEST_REQUIRE_POSTGRES").is_err(),
                    "LIVECHAT_TEST_REQUIRE_POSTGRES is set but TEST_DATABASE_URL is not"
                );
                eprintln!("skipped on PostgreSQL: set TEST_DATABASE_URL=postgres://...");
                return None;
            };
            let name = format!("lc_test_{:016x}", rand::random::<u64>());
            let mut admin = PgConnection::connect(&base)
                .await
                .expect("connect to PostgreSQL");
            admin
                .execute(format!("CREATE DATABASE {name}").as_str())
                .await
                .expect("create test database");
            (with_database_name(&base, &name), Some((base, name)))
        }
    };
    let mut env: BTreeMap<String, String> = BTreeMap::from([
        ("DATABASE_URL".into(), database_url.clone()),
        (
            "LIVECHAT_DATA_DIR".into(),
            data_dir.path().display().to_string(),
        ),
        ("LIVECHAT_DB_MAX_CONNECTIONS".into(), "5".into()),
    ]);
    for (k, v) in settings {
        env.insert((*k).to_owned(), (*v).to_owned());
    }
    let config = Config::from_sources(&Sources {
        env,
        file: BTreeMap::new(),
    })
    .expect("test config");
    let (address, db, hub, state) = start(config).await;
    let tenant = create_tenant(&db, "https://shop.example.com").await;
    let origin = settings
        .iter()
        .find(|(k, _)| *k == "LIVECHAT_PUBLIC_URL")
        .map_or_else(|| address.clone(), |(_, v)| (*v).to_owned());
    Some(TestApp {
        origin,
        address,
        database_url,
        db,
        hub,
        state,
        tenant,
        http: reqwest::Client::new(),
        _data_dir: data_dir,
        postgres_db,
    })
}

/// Starts a server with `config` on a free port; answers its address and store.
async fn start(config: Config) -> (String, Db, Arc<Hub>, server::state::AppState) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let app = Application::with_listeners(config, listener, None)
        .await
        .expect("build app");
    let address = format!("http://127.0.0.1:{}", app.port());
    let db = app.state().db.clone();
    let hub = app.state().hub.clone();
    let state = app.state().clone();
    tokio::spawn(app.run_until_stopped(std::future::pending()));
    (address, db, hub, state)
}

impl TestApp {
    /// A second server instance on the same database (as behind a load balancer); answers its
    /// address. It stops with the test.
    pub async fn another_instance(&self) -> String {
        let env = BTreeMap::from([
            ("DATABASE_URL".to_owned(), self.database_url.clone()),
            (
                "LIVECHAT_DATA_DIR".to_owned(),
                self._data_dir.path().display().to_string(),
            ),
            ("LIVECHAT_DB_MAX_CONNECTIONS".to_owned(), "5".to_owned()),
        ]);
        let config = Config::from_sources(&Sources {
            env,
            file: BTreeMap::new(),
        })
        .expect("test config");
        start(config).await.0
    }
}

/// A tenant with the demo assistant, one allowed origin and a live widget token.
pub async fn create_tenant(db: &Db, origin: &str) -> TestTenant {
    let tenant = tenants::create_tenant(
        db,
        &tenants::NewTenant {
            id: None,
            name: "Test shop".into(),
            company_name: "Northwind Coffee Roasters".into(),
            primary_color: "#6b3e26".into(),
            allowed_origins: vec![origin.to_owned()],
        },
    )
    .await
    .expect("create tenant");
    assistants::create(db, &tenant.id, &ai::demo_assistant(), true)
        .await
        .expect("create assistant");
    let token = tenants::issue_widget_token(db, &tenant.id, "test", None)
        .await
        .expect("issue token");
    TestTenant {
        id: tenant.id,
        token: token.token,
        origin: origin.to_owned(),
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let Some((base, name)) = self.postgres_db.take() else {
            return;
        };
        // Drop the per-test database from a thread of its own: Drop can't await.
        let _ = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async {
                if let Ok(mut admin) = PgConnection::connect(&base).await {
                    let _ = admin
                        .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                        .await;
                }
            });
        })
        .join();
    }
}

/// A response read whole: status, headers and JSON body.
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Answer {
    pub async fn read(response: Response) -> Self {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body");
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text)
                .unwrap_or_else(|_| panic!("status {status}: body is not JSON: {text}"))
        };
        Self {
            status,
            headers,
            body,
        }
    }

    /// The error code of an error answer.
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or_default()
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// A request to this tenant's widget API with its token and allowed origin.
    pub fn widget(&self, method: Method, path: &str) -> RequestBuilder {
        self.widget_as(&self.tenant, method, path)
    }

    pub fn widget_as(&self, tenant: &TestTenant, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(
                method,
                self.url(&format!("/api/widgets/{}{path}", tenant.id)),
            )
            .bearer_auth(&tenant.token)
            .header("Origin", &tenant.origin)
    }

    pub async fn send(&self, request: RequestBuilder) -> Answer {
        Answer::read(request.send().await.expect("request")).await
    }

    pub async fn config(&self) -> Answer {
        self.send(self.widget(Method::GET, "/config")).await
    }

    pub async fn create_session(&self) -> String {
        let answer = self.send(self.widget(Method::POST, "/sessions")).await;
        assert_eq!(answer.status, 201, "{:?}", answer.body);
        answer.body["sessionId"]
            .as_str()
            .expect("sessionId")
            .to_owned()
    }

    pub async fn set_contact(&self, session: &str, name: &str, email: &str) -> Answer {
        let request = self
            .widget(Method::PUT, &format!("/sessions/{session}/contact"))
            .json(&json!({ "name": name, "email": email }));
        self.send(request).await
    }

    /// A session whose visitor gave name and email.
    pub async fn session_with_contact(&self, name: &str, email: &str) -> String {
        let session = self.create_session().await;
        let answer = self.set_contact(&session, name, email).await;
        assert_eq!(answer.status, 200, "{:?}", answer.body);
        session
    }

    pub async fn chat(&self, session: &str, message: &str, client_message_id: &str) -> Answer {
        let request = self.widget(Method::POST, "/chat").json(&json!({
            "sessionId": session,
            "message": message,
            "clientMessageId": client_message_id,
        }));
        self.send(request).await
    }

    pub async fn history(&self, session: &str) -> Answer {
        self.send(self.widget(Method::GET, &format!("/sessions/{session}")))
            .await
    }

    pub async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(&self.db.pool)
            .await
            .expect("count query")
    }
}

/// Declares each listed `async fn(TestApp)` as a test module with a `sqlite` and a `postgres`
/// test, so every case runs on both backends.
#[macro_export]
macro_rules! on_both_backends {
    ($($case:ident),* $(,)?) => {$(
        mod $case {
            use $crate::helpers::{spawn_app, Backend};

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = spawn_app(Backend::Sqlite).await.expect("sqlite app");
                super::$case(app).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(app) = spawn_app(Backend::Postgres).await {
                    super::$case(app).await;
                }
            }
        }
    )*};
}

/// Declares each listed `async fn(Backend)` (a case that starts its own app, e.g. after a stub
/// it needs) as a module with a `sqlite` and a `postgres` test.
#[macro_export]
macro_rules! on_each_backend {
    ($($case:ident),* $(,)?) => {$(
        mod $case {
            use $crate::helpers::Backend;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$case(Backend::Sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$case(Backend::Postgres).await;
            }
        }
    )*};
}
