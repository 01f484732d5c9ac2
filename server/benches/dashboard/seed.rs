//! Bulk data for the dashboard benchmark: conversations of ~10 messages, clients with names,
//! emails and phones, and message text drawn from a Zipf-distributed vocabulary so that search
//! terms have realistic selectivity (a few words in most messages, a long tail of rare ones).

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use server::db::{new_id, Db};

/// Words of a coffee shop's chats, most frequent first.
const COMMON: &[&str] = &[
    "the",
    "i",
    "to",
    "a",
    "my",
    "you",
    "and",
    "is",
    "for",
    "order",
    "it",
    "can",
    "of",
    "in",
    "please",
    "thanks",
    "hello",
    "coffee",
    "beans",
    "when",
    "what",
    "with",
    "do",
    "have",
    "we",
    "delivery",
    "shipping",
    "refund",
    "grinder",
    "espresso",
    "subscription",
    "help",
    "card",
    "payment",
    "address",
    "tracking",
    "package",
    "roast",
    "decaf",
    "price",
    "discount",
    "code",
    "account",
    "email",
    "password",
    "return",
    "broken",
    "machine",
    "filter",
    "milk",
    "cup",
    "arrived",
    "late",
    "wrong",
    "size",
    "bag",
    "kilo",
    "weekly",
    "monthly",
    "cancel",
    "change",
    "invoice",
    "receipt",
    "store",
    "opening",
    "hours",
    "gift",
    "voucher",
    "beans",
    "origin",
    "ethiopia",
    "colombia",
    "brazil",
    "kenya",
    "guatemala",
    "light",
    "medium",
    "dark",
    "blend",
    "single",
    "aeropress",
    "chemex",
    "v60",
    "moka",
    "french",
    "press",
    "barista",
    "latte",
    "cappuccino",
    "flat",
    "white",
    "cold",
    "brew",
    "iced",
    "tea",
    "chai",
    "matcha",
    "oat",
    "almond",
    "soy",
    "sugar",
    "syrup",
    "vanilla",
    "caramel",
    "hazelnut",
    "chocolate",
];
const SYLLABLES: &[&str] = &[
    "ka", "lo", "mi", "ra", "tu", "ne", "zo", "pi", "be", "su", "da", "fo", "gu", "he", "ji", "vo",
    "wa", "xe", "yo", "qu",
];
/// Synthetic words after the common ones: the long tail.
const RARE_WORDS: usize = 4000;
pub const FIRST_NAMES: &[&str] = &[
    "Ada",
    "Grace",
    "Alan",
    "Linus",
    "Margaret",
    "Dennis",
    "Barbara",
    "Ken",
    "Frances",
    "John",
    "Radia",
    "Tim",
    "Hedy",
    "Edsger",
    "Katherine",
    "Donald",
    "Sophie",
    "Guido",
    "Anita",
    "Bjarne",
];
pub const LAST_NAMES: &[&str] = &[
    "Lovelace",
    "Hopper",
    "Turing",
    "Torvalds",
    "Hamilton",
    "Ritchie",
    "Liskov",
    "Thompson",
    "Allen",
    "McCarthy",
    "Perlman",
    "Berners",
    "Lamarr",
    "Dijkstra",
    "Johnson",
    "Knuth",
    "Wilson",
    "Rossum",
    "Borg",
    "Stroustrup",
    "Okafor",
    "Nakamura",
    "Fernandez",
    "Kowalski",
    "Haddad",
];
const CHANNELS: &[(&str, u32)] = &[("web", 70), ("email", 15), ("sms", 10), ("voice", 5)];
const STATUSES: &[(&str, u32)] = &[
    ("resolved", 70),
    ("open", 20),
    ("waiting_human", 7),
    ("escalated", 3),
];
pub const INTENTS: &[&str] = &["sales", "support", "billing", "technical", "general"];
const DAY_MS: i64 = 86_400_000;

/// The vocabulary with cumulative Zipf weights, for sampling and for picking query words.
pub struct Vocabulary {
    pub words: Vec<String>,
    cumulative: Vec<f64>,
}

impl Vocabulary {
    pub fn new() -> Self {
        let mut words: Vec<String> = COMMON.iter().map(|w| (*w).to_owned()).collect();
        let n = SYLLABLES.len();
        for i in 0..RARE_WORDS {
            let word = format!(
                "{}{}{}",
                SYLLABLES[i % n],
                SYLLABLES[(i / n) % n],
                SYLLABLES[(i / (n * n)) % n]
            );
            words.push(word);
        }
        let mut total = 0.0;
        let cumulative = (0..words.len())
            .map(|rank| {
                total += 1.0 / (rank as f64 + 1.0);
                total
            })
            .collect();
        Self { words, cumulative }
    }

    pub fn sample(&self, rng: &mut SmallRng) -> &str {
        let total = self.cumulative.last().copied().unwrap_or(1.0);
        let x = rng.random::<f64>() * total;
        let i = self.cumulative.partition_point(|c| *c < x);
        &self.words[i.min(self.words.len() - 1)]
    }

    fn sentence(&self, rng: &mut SmallRng) -> String {
        let len = rng.random_range(5..20);
        (0..len)
            .map(|_| self.sample(rng))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn weighted(rng: &mut SmallRng, choices: &[(&'static str, u32)]) -> &'static str {
    let total: u32 = choices.iter().map(|c| c.1).sum();
    let mut x = rng.random_range(0..total);
    for (value, weight) in choices {
        if x < *weight {
            return value;
        }
        x -= weight;
    }
    choices[0].0
}

/// A value to insert.
enum Arg {
    Text(String),
    Int(i64),
    Null,
}

fn opt(value: Option<String>) -> Arg {
    value.map_or(Arg::Null, Arg::Text)
}

/// Rows gathered for one multi-row INSERT.
struct Batch {
    table_columns: &'static str,
    width: usize,
    rows: usize,
    args: Vec<Arg>,
    values: Vec<String>,
}

impl Batch {
    fn new(table_columns: &'static str, width: usize) -> Self {
        Self {
            table_columns,
            width,
            rows: 0,
            args: Vec::new(),
            values: Vec::new(),
        }
    }

    fn push(&mut self, row: Vec<Arg>) {
        debug_assert_eq!(row.len(), self.width);
        let placeholders: Vec<String> = row
            .into_iter()
            .map(|a| {
                self.args.push(a);
                format!("${}", self.args.len())
            })
            .collect();
        self.values.push(format!("({})", placeholders.join(", ")));
        self.rows += 1;
    }

    async fn flush(&mut self, conn: &mut sqlx::AnyConnection) -> anyhow::Result<()> {
        if self.rows == 0 {
            return Ok(());
        }
        let sql = format!(
            "INSERT INTO {} VALUES {}",
            self.table_columns,
            self.values.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for arg in &self.args {
            query = match arg {
                Arg::Text(s) => query.bind(s.as_str()),
                Arg::Int(i) => query.bind(*i),
                Arg::Null => query.bind(None::<String>),
            };
        }
        query.execute(&mut *conn).await?;
        self.args.clear();
        self.values.clear();
        self.rows = 0;
        Ok(())
    }
}

/// Seeds `messages` messages for `tenant_id`; answers the number of conversations.
pub async fn seed(
    db: &Db,
    tenant_id: &str,
    assistant_ids: &[String],
    messages: usize,
    rng_seed: u64,
) -> anyhow::Result<usize> {
    let vocabulary = Vocabulary::new();
    let mut rng = SmallRng::seed_from_u64(rng_seed);
    let now = server::db::now_ms();
    let conversations_estimate = messages.div_ceil(10);
    let client_count = (conversations_estimate / 2).max(1);
    let mut conn = db.pool.acquire().await?;
    sqlx::query("BEGIN").execute(&mut *conn).await?;
    let mut clients = Batch::new(
        "clients (id, tenant_id, name, email, email_normalized, phone, created_at, updated_at)",
        8,
    );
    let mut client_ids = Vec::with_capacity(client_count);
    for i in 0..client_count {
        let id = new_id("cl");
        let first = FIRST_NAMES[rng.random_range(0..FIRST_NAMES.len())];
        let last = LAST_NAMES[rng.random_range(0..LAST_NAMES.len())];
        let email = format!(
            "{}.{}{i}@example.com",
            first.to_lowercase(),
            last.to_lowercase()
        );
        clients.push(vec![
            Arg::Text(id.clone()),
            Arg::Text(tenant_id.to_owned()),
            Arg::Text(format!("{first} {last}")),
            Arg::Text(email.clone()),
            Arg::Text(email),
            // Unique per tenant (`clients_tenant_phone`): 7919 is prime to 10^7, so this is a
            // permutation of the numbers.
            Arg::Text(format!("+1 555 {:07}", (i as u64 * 7919) % 10_000_000)),
            Arg::Int(now),
            Arg::Int(now),
        ]);
        client_ids.push(id);
        if clients.rows == 500 {
            clients.flush(&mut conn).await?;
        }
    }
    clients.flush(&mut conn).await?;
    let mut conversations = Batch::new(
        "conversations (id, tenant_id, client_id, assistant_id, channel, status, intent, created_at,
            updated_at, last_message_at, message_count, first_visitor_message, last_message_preview,
            last_message_author)",
        14,
    );
    let mut rows = Batch::new(
        "messages (id, tenant_id, conversation_id, author, channel, body, created_at)",
        7,
    );
    let mut remaining = messages;
    let mut conversation_count = 0;
    let mut since_commit = 0;
    while remaining > 0 {
        let count = rng.random_range(2..=18).min(remaining);
        remaining -= count;
        conversation_count += 1;
        let id = new_id("cv");
        let channel = weighted(&mut rng, CHANNELS);
        let created = now - rng.random_range(0..365 * DAY_MS);
        let mut bodies = Vec::with_capacity(count);
        for i in 0..count {
            let author = if i % 2 == 0 { "visitor" } else { "assistant" };
            let body = vocabulary.sentence(&mut rng);
            rows.push(vec![
                Arg::Text(new_id("msg")),
                Arg::Text(tenant_id.to_owned()),
                Arg::Text(id.clone()),
                Arg::Text(author.to_owned()),
                Arg::Text(channel.to_owned()),
                Arg::Text(body.clone()),
                Arg::Int(created + 30_000 * i as i64),
            ]);
            bodies.push(body);
        }
        let last_at = created + 30_000 * (count as i64 - 1);
        let intent = rng
            .random_bool(0.8)
            .then(|| INTENTS[rng.random_range(0..INTENTS.len())].to_owned());
        conversations.push(vec![
            Arg::Text(id),
            Arg::Text(tenant_id.to_owned()),
            Arg::Text(client_ids[rng.random_range(0..client_ids.len())].clone()),
            Arg::Text(assistant_ids[rng.random_range(0..assistant_ids.len())].clone()),
            Arg::Text(channel.to_owned()),
            Arg::Text(weighted(&mut rng, STATUSES).to_owned()),
            opt(intent),
            Arg::Int(created),
            Arg::Int(last_at),
            Arg::Int(last_at),
            Arg::Int(count as i64),
            Arg::Text(bodies[0].clone()),
            Arg::Text(bodies[count - 1].chars().take(160).collect()),
            Arg::Text(
                if count % 2 == 1 {
                    "visitor"
                } else {
                    "assistant"
                }
                .to_owned(),
            ),
        ]);
        // Conversations first: messages reference them.
        if rows.rows >= 500 || conversations.rows >= 200 {
            conversations.flush(&mut conn).await?;
            rows.flush(&mut conn).await?;
        }
        since_commit += count;
        if since_commit >= 50_000 {
            conversations.flush(&mut conn).await?;
            rows.flush(&mut conn).await?;
            sqlx::query("COMMIT").execute(&mut *conn).await?;
            sqlx::query("BEGIN").execute(&mut *conn).await?;
            since_commit = 0;
        }
    }
    conversations.flush(&mut conn).await?;
    rows.flush(&mut conn).await?;
    sqlx::query("COMMIT").execute(&mut *conn).await?;
    drop(conn);
    // Rows written directly, as an import would: their search documents are built the way
    // start-up builds missing ones.
    let column = match db.backend {
        server::db::Backend::Sqlite => "search_terms",
        server::db::Backend::Postgres => "search_doc",
    };
    sqlx::query(&format!(
        "UPDATE conversations SET {column} = NULL WHERE tenant_id = $1"
    ))
    .bind(tenant_id)
    .execute(&db.pool)
    .await?;
    server::search::document::backfill(db).await?;
    Ok(conversation_count)
}
