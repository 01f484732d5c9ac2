//! Conversations written straight into the store, with the times, channels and statuses a test
//! needs (the chat API always stamps "now" and the web channel).

use server::db::new_id;

use crate::helpers::TestApp;

/// One conversation to insert. Messages alternate visitor / assistant, the last at `at`.
#[derive(Debug, Clone)]
pub struct Seed {
    /// `None`: the app's tenant.
    pub tenant_id: Option<String>,
    /// Name, email, phone; `None`: no client.
    pub client: Option<(String, Option<String>, Option<String>)>,
    pub channel: &'static str,
    pub status: &'static str,
    pub intent: Option<String>,
    pub assistant_id: Option<String>,
    /// Last activity, Unix ms.
    pub at: i64,
    pub messages: Vec<String>,
}

impl Default for Seed {
    fn default() -> Self {
        Self {
            tenant_id: None,
            client: None,
            channel: "web",
            status: "open",
            intent: None,
            assistant_id: None,
            at: 1_700_000_000_000,
            messages: vec!["hello there".to_owned()],
        }
    }
}

impl Seed {
    pub fn at(at: i64, message: &str) -> Self {
        Self {
            at,
            messages: vec![message.to_owned()],
            ..Self::default()
        }
    }

    pub fn client(mut self, name: &str, email: &str, phone: Option<&str>) -> Self {
        self.client = Some((
            name.to_owned(),
            Some(email.to_owned()),
            phone.map(str::to_owned),
        ));
        self
    }
}

impl TestApp {
    /// Inserts the conversation (client, messages, denormalised columns); answers its id.
    pub async fn seed(&self, seed: Seed) -> String {
        let tenant_id = seed.tenant_id.unwrap_or_else(|| self.tenant.id.clone());
        // Through the store's writer, as the server writes: on SQLite a second writer beside it
        // waits for its lock and, on a loaded machine, can time out.
        let mut tx = self.db.begin_write().await.expect("begin");
        let client_id = match &seed.client {
            Some((name, email, phone)) => {
                let id = new_id("cl");
                sqlx::query(
                    "INSERT INTO clients (id, tenant_id, name, email, email_normalized, phone, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
                )
                .bind(&id)
                .bind(&tenant_id)
                .bind(name)
                .bind(email.as_deref())
                .bind(email.as_deref().map(str::to_lowercase))
                .bind(phone.as_deref())
                .bind(seed.at)
                .execute(&mut *tx)
                .await
                .expect("insert client");
                Some(id)
            }
            None => None,
        };
        let id = new_id("cv");
        let count = seed.messages.len() as i64;
        let created = seed.at - count;
        sqlx::query(
            "INSERT INTO conversations (id, tenant_id, client_id, assistant_id, channel, status, intent,
                 created_at, updated_at, last_message_at, message_count, first_visitor_message,
                 last_message_preview, last_message_author)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11, $12, 'visitor')",
        )
        .bind(&id)
        .bind(&tenant_id)
        .bind(client_id.as_deref())
        .bind(seed.assistant_id.as_deref())
        .bind(seed.channel)
        .bind(seed.status)
        .bind(seed.intent.as_deref())
        .bind(created)
        .bind(seed.at)
        .bind(count)
        .bind(seed.messages.first().map(String::as_str))
        .bind(seed.messages.last().map(String::as_str))
        .execute(&mut *tx)
        .await
        .expect("insert conversation");
        for (i, body) in seed.messages.iter().enumerate() {
            let author = if i % 2 == 0 { "visitor" } else { "assistant" };
            sqlx::query(
                "INSERT INTO messages (id, tenant_id, conversation_id, author, channel, body, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(new_id("msg"))
            .bind(&tenant_id)
            .bind(&id)
            .bind(author)
            .bind(seed.channel)
            .bind(body)
            .bind(created + 1 + i as i64)
            .execute(&mut *tx)
            .await
            .expect("insert message");
        }
        tx.commit().await.expect("commit");
        // Rows written directly, as an import would: the search document is built after.
        server::search::document::rebuild(&self.db, &id)
            .await
            .expect("search document");
        id
    }

    /// The id of the tenant's (demo) assistant.
    pub async fn assistant_id(&self) -> String {
        sqlx::query_scalar("SELECT id FROM assistants WHERE tenant_id = $1")
            .bind(&self.tenant.id)
            .fetch_one(&self.db.pool)
            .await
            .expect("an assistant")
    }
}
