//! Dashboard users in tests: create one of a role, sign in over HTTP, call the dashboard API with
//! the session cookie, and open the dashboard socket.

use futures::{SinkExt, StreamExt};
use reqwest::{Method, RequestBuilder};
use serde_json::{json, Value};
use server::accounts::{self, Password};
use shared::dashboard::Role;
use shared::{Email, PersonName};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::helpers::{Answer, TestApp};

pub const PASSWORD: &str = "correct horse battery staple";

/// A signed-in teammate.
pub struct Teammate {
    pub id: String,
    pub email: String,
    pub address: String,
    /// The dashboard page's origin its browser sends (the server's public URL when one is set).
    pub origin: String,
    /// `lc_session=...`, as the browser would send it.
    pub cookie: String,
    http: reqwest::Client,
}

pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

impl TestApp {
    /// A new user of `tenant_id` with `role` (and the test password).
    pub async fn create_user(&self, tenant_id: &str, role: Role) -> String {
        let email = format!(
            "{}-{:08x}@example.com",
            role.as_str(),
            rand::random::<u32>()
        );
        accounts::create_user(
            &self.db,
            tenant_id,
            &Email::parse(&email).expect("email"),
            &PersonName::parse(&format!("Sam {}", role.as_str())).expect("name"),
            role,
            &Password::parse(PASSWORD).expect("password"),
        )
        .await
        .expect("create user");
        email
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> Answer {
        let request = self
            .http
            .post(self.url("/api/dashboard/login"))
            .header("Origin", &self.origin)
            .json(&json!({ "email": email, "password": password }));
        self.send(request).await
    }

    /// A user of this app's tenant with `role`, signed in.
    pub async fn teammate(&self, role: Role) -> Teammate {
        let tenant_id = self.tenant.id.clone();
        self.teammate_of(&tenant_id, role).await
    }

    pub async fn teammate_of(&self, tenant_id: &str, role: Role) -> Teammate {
        let email = self.create_user(tenant_id, role).await;
        let answer = self.sign_in(&email, PASSWORD).await;
        assert_eq!(answer.status, 200, "{:?}", answer.body);
        let set_cookie = answer
            .headers
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .expect("a session cookie");
        let cookie = set_cookie.split(';').next().unwrap_or_default().to_owned();
        Teammate {
            id: answer.body["userId"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            email,
            address: self.address.clone(),
            origin: self.origin.clone(),
            cookie,
            http: reqwest::Client::new(),
        }
    }

    /// A visitor who gave their details and sent `message`; answers (session, conversation id).
    pub async fn visitor_conversation(&self, name: &str, message: &str) -> (String, String) {
        let email = format!(
            "{}-{:08x}@example.org",
            name.to_lowercase().replace(' ', "."),
            rand::random::<u32>()
        );
        let session = self.session_with_contact(name, &email).await;
        let answer = self
            .chat(
                &session,
                message,
                &format!("m-{:08x}", rand::random::<u32>()),
            )
            .await;
        assert_eq!(answer.status, 200, "{:?}", answer.body);
        let conversation = answer.body["conversationId"]
            .as_str()
            .expect("conversationId")
            .to_owned();
        (session, conversation)
    }
}

impl Teammate {
    /// The same signed-in teammate talking to another server instance.
    pub fn on(&self, address: &str) -> Self {
        Self {
            id: self.id.clone(),
            email: self.email.clone(),
            address: address.to_owned(),
            origin: address.to_owned(),
            cookie: self.cookie.clone(),
            http: self.http.clone(),
        }
    }

    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.address))
            .header("Cookie", &self.cookie)
            .header("Origin", &self.origin)
    }

    pub async fn send(&self, request: RequestBuilder) -> Answer {
        Answer::read(request.send().await.expect("request")).await
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send(self.request(Method::GET, path)).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.send(self.request(Method::POST, path).json(&body))
            .await
    }

    pub async fn put(&self, path: &str, body: Value) -> Answer {
        self.send(self.request(Method::PUT, path).json(&body)).await
    }

    /// `GET /api/dashboard/conversations?{query}`.
    pub async fn list(&self, query: &str) -> Answer {
        self.get(&format!("/api/dashboard/conversations?{query}"))
            .await
    }

    pub async fn conversation(&self, id: &str) -> Answer {
        self.get(&format!("/api/dashboard/conversations/{id}"))
            .await
    }

    /// `takeover`, `handback`, `resolve` or `reopen`.
    pub async fn act(&self, id: &str, action: &str) -> Answer {
        self.send(self.request(
            Method::POST,
            &format!("/api/dashboard/conversations/{id}/{action}"),
        ))
        .await
    }

    pub async fn reply(&self, id: &str, body: &str, client_message_id: &str) -> Answer {
        self.post(
            &format!("/api/dashboard/conversations/{id}/messages"),
            json!({ "body": body, "clientMessageId": client_message_id }),
        )
        .await
    }

    /// The dashboard socket, resuming after `after` when given.
    pub async fn socket(&self, after: Option<i64>) -> Socket {
        let ws = self.address.replacen("http", "ws", 1);
        let url = match after {
            Some(after) => format!("{ws}/api/dashboard/ws?after={after}"),
            None => format!("{ws}/api/dashboard/ws"),
        };
        let mut request = url.into_client_request().expect("ws request");
        request
            .headers_mut()
            .insert("Cookie", self.cookie.parse().expect("cookie header"));
        request
            .headers_mut()
            .insert("Origin", self.origin.parse().expect("origin header"));
        let (socket, _) = tokio_tungstenite::connect_async(request)
            .await
            .expect("socket connects");
        socket
    }
}

/// The next JSON text frame, answering pings; panics after 10 s of silence.
pub async fn next_frame(socket: &mut Socket) -> Value {
    loop {
        let message = tokio::time::timeout(std::time::Duration::from_secs(10), socket.next())
            .await
            .expect("a frame within 10 s")
            .expect("socket open")
            .expect("frame");
        match message {
            Message::Text(text) => return serde_json::from_str(&text).expect("JSON frame"),
            Message::Ping(data) => socket.send(Message::Pong(data)).await.expect("pong"),
            _ => {}
        }
    }
}

/// Frames until the next stored event; answers the event envelope.
pub async fn next_event(socket: &mut Socket) -> Value {
    loop {
        let frame = next_frame(socket).await;
        if frame["type"] == "event" {
            return frame["envelope"].clone();
        }
    }
}

// Workspaces, invitations, teammates management and the user's own account. Their tests make
// many sign-ins (and first runs, accepts, resets, all limited like sign-ins) from one address.
mod account;
mod roles;

/// Test settings that let one test sign in many times from 127.0.0.1.
pub const MANY_SIGN_INS: &[(&str, &str)] = &[
    ("LIVECHAT_LOGIN_BURST", "100"),
    ("LIVECHAT_LOGINS_PER_MINUTE", "100"),
];

/// Like `on_both_backends!`, with `MANY_SIGN_INS` (and any settings given before the `;`).
#[macro_export]
macro_rules! team_tests {
    ($settings:expr; $($case:ident),* $(,)?) => {$(
        mod $case {
            use $crate::helpers::{spawn_app_with, Backend};

            fn settings() -> Vec<(&'static str, &'static str)> {
                let extra: &[(&'static str, &'static str)] = $settings;
                [$crate::teammates::MANY_SIGN_INS, extra].concat()
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = spawn_app_with(Backend::Sqlite, &settings()).await.expect("sqlite app");
                super::$case(app).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(app) = spawn_app_with(Backend::Postgres, &settings()).await {
                    super::$case(app).await;
                }
            }
        }
    )*};
}

/// The `name=value` of a response's session cookie.
pub fn session_cookie(answer: &Answer) -> String {
    answer
        .headers
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .expect("a session cookie")
        .to_owned()
}

impl TestApp {
    /// A public request from the dashboard's own page (no cookie).
    pub fn public(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, self.url(path))
            .header("Origin", &self.origin)
    }

    pub async fn public_get(&self, path: &str) -> Answer {
        self.send(self.public(Method::GET, path)).await
    }

    pub async fn public_post(&self, path: &str, body: Value) -> Answer {
        self.send(self.public(Method::POST, path).json(&body)).await
    }

    /// The signed-in teammate an answer with a session cookie (and `Me`) stands for.
    pub fn signed_in(&self, answer: &Answer, email: &str) -> Teammate {
        Teammate {
            id: answer.body["userId"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            email: email.to_owned(),
            address: self.address.clone(),
            origin: self.origin.clone(),
            cookie: session_cookie(answer),
            http: reqwest::Client::new(),
        }
    }

    /// Another sign-in of an existing teammate (a second browser).
    pub async fn sign_in_again(&self, teammate: &Teammate, password: &str) -> Teammate {
        let answer = self.sign_in(&teammate.email, password).await;
        assert_eq!(answer.status, 200, "{:?}", answer.body);
        self.signed_in(&answer, &teammate.email)
    }

    /// Removes every workspace: the server as it is on its very first start.
    pub async fn without_workspaces(&self) {
        sqlx::query("DELETE FROM tenants")
            .execute(&self.db.pool)
            .await
            .expect("delete tenants");
    }

    /// The actions of the tenant's audit entries, oldest first.
    pub async fn audit_actions(&self, tenant_id: &str) -> Vec<String> {
        sqlx::query_scalar("SELECT action FROM audit_log WHERE tenant_id = $1 ORDER BY seq")
            .bind(tenant_id)
            .fetch_all(&self.db.pool)
            .await
            .expect("audit actions")
    }
}

impl Teammate {
    pub async fn patch(&self, path: &str, body: Value) -> Answer {
        self.send(self.request(Method::PATCH, path).json(&body))
            .await
    }

    pub async fn delete(&self, path: &str) -> Answer {
        self.send(self.request(Method::DELETE, path)).await
    }

    /// A POST without a body.
    pub async fn post_empty(&self, path: &str) -> Answer {
        self.send(self.request(Method::POST, path)).await
    }

    /// `GET /api/dashboard/me`: 200 while the session lives, 401 after.
    pub async fn me(&self) -> Answer {
        self.get("/api/dashboard/me").await
    }

    /// Invites `email` as `role`: the answer of `POST /teammates/invitations`.
    pub async fn invite(&self, email: &str, role: &str) -> Answer {
        self.post(
            "/api/dashboard/teammates/invitations",
            json!({ "email": email, "role": role }),
        )
        .await
    }
}

/// The token at the end of a link (`…/invitations/<token>`).
pub fn token_of(link: &Value) -> String {
    link.as_str()
        .and_then(|l| l.rsplit('/').next())
        .expect("a link")
        .to_owned()
}

/// Waits (at most 5 s) for the socket to be closed by the server; answers the close code.
pub async fn close_code(socket: &mut Socket) -> Option<u16> {
    let deadline = std::time::Duration::from_secs(5);
    tokio::time::timeout(deadline, async {
        while let Some(message) = socket.next().await {
            match message {
                Ok(Message::Close(frame)) => return frame.map(|f| u16::from(f.code)),
                Ok(Message::Ping(data)) => {
                    let _ = socket.send(Message::Pong(data)).await;
                }
                Ok(_) => {}
                Err(_) => return None,
            }
        }
        None
    })
    .await
    .expect("the socket closes within 5 s")
}
