//! Fan-out benchmark (prints figures; asserts nothing).
//!
//!   cargo bench -p server --bench fanout -- [--sockets 1000] [--idle 10000] [--rate 20] [--secs 10]
//!
//! Starts the real server binary as its own process (embedded SQLite, demo tenant), opens
//! `--sockets` dashboard WebSockets of one tenant, sends visitor messages at a steady `--rate`
//! per second for `--secs` seconds through the widget API, and measures, for every socket and
//! every visitor message, the delay from sending the chat request to that socket receiving the
//! message's event. Then it measures the server's resident memory with `--sockets` and with
//! `--idle` idle sockets open. Client and server share the machine's cores.

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

const ADMIN_PASSWORD: &str = "bench-admin-password";

struct Args {
    sockets: usize,
    idle: usize,
    rate: u64,
    secs: u64,
}

fn args() -> Args {
    let mut args = Args {
        sockets: 1000,
        idle: 10_000,
        rate: 20,
        secs: 10,
    };
    let list: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < list.len() {
        let value = list.get(i + 1).and_then(|v| v.parse::<u64>().ok());
        match (list[i].as_str(), value) {
            ("--sockets", Some(v)) => args.sockets = v as usize,
            ("--idle", Some(v)) => args.idle = v as usize,
            ("--rate", Some(v)) => args.rate = v.max(1),
            ("--secs", Some(v)) => args.secs = v.max(1),
            _ => {
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    args
}

struct Server {
    child: Child,
    address: String,
    _data: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    }
}

async fn start_server() -> Server {
    let data = tempfile::tempdir().expect("temp dir");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let child = Command::new(env!("CARGO_BIN_EXE_server"))
        .env("LIVECHAT_LISTEN", format!("127.0.0.1:{port}"))
        .env("LIVECHAT_DEMO_LISTEN", "off")
        .env("LIVECHAT_SEED_DEMO", "true")
        .env("LIVECHAT_DEMO_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("LIVECHAT_DATA_DIR", data.path())
        .env("LIVECHAT_MESSAGES_PER_MINUTE", "100000")
        .env("LIVECHAT_MESSAGE_BURST", "100000")
        // One address, one tenant: those limits are off too.
        .env("LIVECHAT_ADDRESS_MESSAGES_PER_MINUTE", "100000")
        .env("LIVECHAT_ADDRESS_MESSAGE_BURST", "100000")
        .env("LIVECHAT_TENANT_MESSAGES_PER_MINUTE", "100000")
        .env("LIVECHAT_TENANT_MESSAGE_BURST", "100000")
        .env("LIVECHAT_SESSIONS_PER_MINUTE", "100000")
        .env("LIVECHAT_SESSION_BURST", "100000")
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .spawn()
        .expect("start the server binary");
    let address = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    for _ in 0..200 {
        if http
            .get(format!("{address}/health"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Server {
        child,
        address,
        _data: data,
    }
}

async fn sign_in(http: &reqwest::Client, address: &str) -> String {
    let response = http
        .post(format!("{address}/api/dashboard/login"))
        .json(&json!({"email": "admin@northwind.example", "password": ADMIN_PASSWORD}))
        .send()
        .await
        .expect("login");
    assert!(response.status().is_success(), "login failed");
    let cookie = response.headers()["set-cookie"].to_str().expect("cookie");
    cookie.split(';').next().unwrap_or_default().to_owned()
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn open_socket(address: &str, cookie: &str) -> Socket {
    let url = format!("{}/api/dashboard/ws", address.replacen("http", "ws", 1));
    let mut request = url.into_client_request().expect("request");
    request
        .headers_mut()
        .insert("Cookie", cookie.parse().expect("cookie"));
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("socket");
    // The first frame is `caught_up`.
    let _ = socket.next().await;
    socket
}

async fn open_many(address: &str, cookie: &str, n: usize) -> Vec<Socket> {
    let mut sockets = Vec::with_capacity(n);
    let mut pending = futures::stream::iter(0..n)
        .map(|_| open_socket(address, cookie))
        .buffer_unordered(64);
    while let Some(socket) = pending.next().await {
        sockets.push(socket);
    }
    sockets
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() {
    let args = args();
    let server = start_server().await;
    let http = reqwest::Client::new();
    let cookie = sign_in(&http, &server.address).await;
    let credentials: Value = serde_json::from_str(
        &std::fs::read_to_string(server._data.path().join("demo-credentials.json"))
            .expect("demo credentials"),
    )
    .expect("credentials JSON");
    let token = credentials["widgetToken"]
        .as_str()
        .expect("token")
        .to_owned();
    let rss_start = server.rss_kib();

    // --- Delivery latency with `sockets` dashboards open.
    let sockets = open_many(&server.address, &cookie, args.sockets).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_busy_open = server.rss_kib();
    let sent_at: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let total = (args.rate * args.secs) as usize;
    let mut readers = Vec::new();
    for mut socket in sockets {
        let sent_at = sent_at.clone();
        readers.push(tokio::spawn(async move {
            let mut delays = Vec::with_capacity(total);
            while delays.len() < total {
                let Ok(Some(Ok(message))) =
                    tokio::time::timeout(Duration::from_secs(30), socket.next()).await
                else {
                    break;
                };
                let received = Instant::now();
                let text = match message {
                    Message::Text(t) => t,
                    Message::Ping(p) => {
                        let _ = socket.send(Message::Pong(p)).await;
                        continue;
                    }
                    _ => continue,
                };
                let frame: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                let event = &frame["envelope"]["event"];
                if event["type"] != "message_created" || event["message"]["author"] != "visitor" {
                    continue;
                }
                let key = event["message"]["clientMessageId"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                let sent = sent_at.lock().expect("lock").get(&key).copied();
                if let Some(sent) = sent {
                    delays.push(received.duration_since(sent).as_secs_f64() * 1000.0);
                }
            }
            let _ = socket.close(None).await;
            delays
        }));
    }

    // Visitors: a session per 10 messages, contact given up front.
    let widget = |method: reqwest::Method, path: &str| {
        http.request(method, format!("{}/api/widgets/demo{path}", server.address))
            .bearer_auth(&token)
    };
    let sessions_needed = total.div_ceil(10);
    let mut sessions = Vec::new();
    for i in 0..sessions_needed {
        let created: Value = widget(reqwest::Method::POST, "/sessions")
            .send()
            .await
            .expect("session")
            .json()
            .await
            .expect("session JSON");
        let id = created["sessionId"].as_str().expect("id").to_owned();
        widget(reqwest::Method::PUT, &format!("/sessions/{id}/contact"))
            .json(&json!({"name": format!("Visitor {i}"), "email": format!("v{i}@example.com")}))
            .send()
            .await
            .expect("contact");
        sessions.push(id);
    }
    let mut ticker = tokio::time::interval(Duration::from_micros(1_000_000 / args.rate));
    let mut sends = Vec::new();
    let started = Instant::now();
    for n in 0..total {
        ticker.tick().await;
        let session = sessions[n / 10].clone();
        let key = format!("bench-{n}");
        let request = widget(reqwest::Method::POST, "/chat").json(&json!({
            "sessionId": session,
            "message": "What are your opening hours?",
            "clientMessageId": key,
        }));
        sent_at.lock().expect("lock").insert(key, Instant::now());
        sends.push(tokio::spawn(async move { request.send().await.is_ok() }));
    }
    let mut send_errors = 0;
    for send in sends {
        if !send.await.unwrap_or(false) {
            send_errors += 1;
        }
    }
    let send_secs = started.elapsed().as_secs_f64();
    let mut delays = Vec::new();
    let mut incomplete = 0;
    for reader in readers {
        let got = reader.await.unwrap_or_default();
        if got.len() < total {
            incomplete += 1;
        }
        delays.extend(got);
    }
    delays.sort_by(f64::total_cmp);
    let expected = args.sockets * total;

    // --- Memory with idle sockets.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_after_busy = server.rss_kib();
    let idle_small = open_many(&server.address, &cookie, args.sockets).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_idle_small = server.rss_kib();
    let idle_big = open_many(
        &server.address,
        &cookie,
        args.idle.saturating_sub(args.sockets),
    )
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_idle_big = server.rss_kib();
    drop(idle_small);
    drop(idle_big);

    println!("## Fan-out: one tenant, embedded SQLite, server as its own process, client on the same 2 cores\n");
    println!("| figure | value |");
    println!("|---|---:|");
    println!("| dashboard sockets | {} |", args.sockets);
    println!(
        "| visitor messages | {total} at {} /s (sent in {send_secs:.1} s, {send_errors} send errors) |",
        args.rate
    );
    println!(
        "| deliveries received / expected | {} / {expected} ({incomplete} sockets short) |",
        delays.len()
    );
    println!(
        "| delivery latency p50 | {:.1} ms |",
        percentile(&delays, 50.0)
    );
    println!(
        "| delivery latency p99 | {:.1} ms |",
        percentile(&delays, 99.0)
    );
    println!(
        "| delivery latency max | {:.1} ms |",
        percentile(&delays, 100.0)
    );
    println!(
        "| server RSS at start | {:.1} MiB |",
        rss_start as f64 / 1024.0
    );
    println!(
        "| server RSS, {} sockets open, before traffic | {:.1} MiB |",
        args.sockets,
        rss_busy_open as f64 / 1024.0
    );
    println!(
        "| server RSS after the traffic, sockets closed | {:.1} MiB |",
        rss_after_busy as f64 / 1024.0
    );
    println!(
        "| server RSS, {} idle sockets | {:.1} MiB |",
        args.sockets,
        rss_idle_small as f64 / 1024.0
    );
    println!(
        "| server RSS, {} idle sockets | {:.1} MiB |",
        args.idle.max(args.sockets),
        rss_idle_big as f64 / 1024.0
    );
}
