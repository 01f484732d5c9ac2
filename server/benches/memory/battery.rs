//! The bad-input battery: what anyone can send, over raw TCP so that nothing on the client side
//! tidies it up. Oversized bodies (declared and chunked), deep JSON, 10 KB ids in paths and
//! bodies, wrong passwords at once, 10 KB and 64 KB headers, bad UTF-8, thousands of unknown
//! session ids, and bodies that stall or stop half-way.

use std::collections::BTreeMap;
use std::time::Duration;

use futures::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How the body of one request is sent.
enum Body {
    None,
    /// `Content-Length` and the whole body.
    Fixed(Vec<u8>),
    /// `Content-Length: len`, a JSON-looking body of that size written in blocks.
    Declared(usize),
    /// `Transfer-Encoding: chunked`, `len` bytes in 64 KiB chunks.
    Chunked(usize),
    /// Declares `declared` bytes, sends `sent`, waits `stall`, then hangs up.
    Stalled {
        declared: usize,
        sent: usize,
        stall: Duration,
    },
}

/// One raw request: the request line and headers (without the body framing) and the body.
struct Case {
    head: Vec<u8>,
    body: Body,
}

/// Status codes seen (0: no answer, the connection was closed or timed out first).
pub type Tally = BTreeMap<u16, usize>;

const KIB: usize = 1024;
const BLOCK: usize = 64 * KIB;

/// Runs the whole battery once against `host` (`127.0.0.1:port`); answers the statuses seen.
pub async fn run(host: &str, token: &str, unknown_sessions: usize) -> Tally {
    let cases = cases(host, token, unknown_sessions);
    let mut tally = Tally::new();
    let mut answers = futures::stream::iter(cases)
        .map(|case| send(host, case))
        .buffer_unordered(32);
    while let Some(status) = answers.next().await {
        *tally.entry(status).or_default() += 1;
    }
    tally
}

fn cases(host: &str, token: &str, unknown_sessions: usize) -> Vec<Case> {
    let widget = |method: &str, path: &str, extra: &str| {
        Case {
        head: format!(
            "{method} /api/widgets/demo{path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\n{extra}"
        )
        .into_bytes(),
        body: Body::None,
    }
    };
    let plain = |method: &str, path: &str, extra: &str| {
        Case {
        head: format!(
            "{method} {path} HTTP/1.1\r\nHost: {host}\r\nOrigin: http://{host}\r\nContent-Type: application/json\r\n{extra}"
        )
        .into_bytes(),
        body: Body::None,
    }
    };
    let with = |mut case: Case, body: Body| {
        case.body = body;
        case
    };
    let big_id = "i".repeat(10 * KIB);
    let mut cases = Vec::new();

    // Oversized bodies, declared and chunked, to routes with and without a JSON body.
    for size in [40 * KIB, KIB * KIB, 4 * KIB * KIB, 16 * KIB * KIB] {
        for chunked in [false, true] {
            let body = || {
                if chunked {
                    Body::Chunked(size)
                } else {
                    Body::Declared(size)
                }
            };
            cases.push(with(widget("POST", "/chat", ""), body()));
            cases.push(with(plain("POST", "/api/dashboard/login", ""), body()));
            cases.push(with(plain("POST", "/no/such/route", ""), body()));
            cases.push(with(plain("GET", "/health", ""), body()));
            cases.push(with(widget("POST", "/sessions", ""), body()));
        }
    }

    // Deep nesting, inside the body limit.
    let arrays = format!("{{\"sessionId\":{}", "[".repeat(30 * KIB));
    cases.push(with(
        widget("POST", "/chat", ""),
        Body::Fixed(arrays.into()),
    ));
    let objects = format!("{}1", "{\"a\":".repeat(6 * KIB));
    cases.push(with(
        widget("POST", "/chat", ""),
        Body::Fixed(objects.into()),
    ));

    // 10 KB ids in paths and bodies.
    for path in [
        format!("/sessions/{big_id}"),
        format!("/sessions/{big_id}/events"),
        format!("/sessions/{big_id}/typing"),
    ] {
        cases.push(widget("GET", &path, ""));
    }
    cases.push(with(
        widget("PUT", &format!("/sessions/{big_id}/contact"), ""),
        Body::Fixed(br#"{"name":"A B","email":"a@example.com"}"#.to_vec()),
    ));
    cases.push(plain("GET", &format!("/api/widgets/{big_id}/config"), ""));
    cases.push(plain(
        "GET",
        &format!("/api/dashboard/conversations/{big_id}"),
        "",
    ));
    for n in 0..20 {
        let body =
            format!(r#"{{"sessionId":"{big_id}{n}","message":"hi","clientMessageId":"{big_id}"}}"#);
        cases.push(with(widget("POST", "/chat", ""), Body::Fixed(body.into())));
        let login = format!(r#"{{"email":"{big_id}{n}@example.com","password":"{big_id}"}}"#);
        cases.push(with(
            plain("POST", "/api/dashboard/login", ""),
            Body::Fixed(login.into()),
        ));
    }

    // Wrong passwords for a real account, all at once: each check is an Argon2 hash.
    for n in 0..40 {
        let login =
            format!(r#"{{"email":"admin@northwind.example","password":"not the password {n}"}}"#);
        cases.push(with(
            plain("POST", "/api/dashboard/login", ""),
            Body::Fixed(login.into()),
        ));
    }

    // Large headers: one of 10 KB, one of 64 KB, a hundred of 1 KB, and large known ones.
    let filler = |n: usize| "h".repeat(n);
    for extra in [
        format!("X-Filler: {}\r\n", filler(10 * KIB)),
        format!("X-Filler: {}\r\n", filler(64 * KIB)),
        (0..100)
            .map(|i| format!("X-Filler-{i}: {}\r\n", filler(KIB)))
            .collect(),
        format!("Cookie: lc_session={}\r\n", filler(10 * KIB)),
        format!("Origin: http://{}\r\n", filler(10 * KIB)),
    ] {
        cases.push(widget("GET", "/config", &extra));
        cases.push(plain("GET", "/api/dashboard/me", &extra));
    }
    cases.push(Case {
        head: format!(
            "GET /api/widgets/demo/config HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {}\r\n",
            filler(10 * KIB)
        )
        .into_bytes(),
        body: Body::None,
    });

    // Bad UTF-8 in a body, a path and a header.
    cases.push(with(
        widget("POST", "/chat", ""),
        Body::Fixed(b"{\"sessionId\":\"\xff\xfe\",\"message\":\"\xc3\x28\"}".to_vec()),
    ));
    cases.push(widget("GET", "/sessions/%FF%FE", ""));
    let mut bad_header = widget("GET", "/config", "");
    bad_header.head.extend_from_slice(b"X-Bad: \xff\xfe\r\n");
    cases.push(bad_header);

    // Thousands of session ids that were never issued.
    for n in 0..unknown_sessions {
        let id = format!("{:032x}{n}", rand::random::<u128>());
        if n % 2 == 0 {
            cases.push(widget("GET", &format!("/sessions/{id}"), ""));
        } else {
            let body = format!(r#"{{"sessionId":"{id}","message":"hi","clientMessageId":"m{n}"}}"#);
            cases.push(with(widget("POST", "/chat", ""), Body::Fixed(body.into())));
        }
    }

    // Bodies that stall, then stop half-way.
    for _ in 0..64 {
        cases.push(with(
            widget("POST", "/chat", ""),
            Body::Stalled {
                declared: KIB * KIB,
                sent: 16 * KIB,
                stall: Duration::from_secs(2),
            },
        ));
    }
    cases
}

/// Sends one case on its own connection and answers the status (0 when none came).
async fn send(host: &str, case: Case) -> u16 {
    let Ok(Ok(mut stream)) =
        tokio::time::timeout(Duration::from_secs(5), TcpStream::connect(host)).await
    else {
        return 0;
    };
    let mut head = case.head;
    match &case.body {
        Body::None => head.extend_from_slice(b"\r\n"),
        Body::Fixed(b) => {
            head.extend_from_slice(format!("Content-Length: {}\r\n\r\n", b.len()).as_bytes())
        }
        Body::Declared(n) => {
            head.extend_from_slice(format!("Content-Length: {n}\r\n\r\n").as_bytes())
        }
        Body::Stalled { declared, .. } => {
            head.extend_from_slice(format!("Content-Length: {declared}\r\n\r\n").as_bytes())
        }
        Body::Chunked(_) => head.extend_from_slice(b"Transfer-Encoding: chunked\r\n\r\n"),
    }
    // A server that answers early may close before the body is through: a failed write is
    // part of the battery, so writes are best effort and the answer is read regardless.
    let written = async {
        stream.write_all(&head).await?;
        match case.body {
            Body::None => {}
            Body::Fixed(b) => stream.write_all(&b).await?,
            Body::Declared(n) => write_filler(&mut stream, n, false).await?,
            Body::Chunked(n) => write_filler(&mut stream, n, true).await?,
            Body::Stalled { sent, stall, .. } => {
                write_filler(&mut stream, sent, false).await?;
                tokio::time::sleep(stall).await;
                return Ok(true);
            }
        }
        Ok::<_, std::io::Error>(false)
    };
    let hung_up = tokio::time::timeout(Duration::from_secs(30), written)
        .await
        .is_ok_and(|r| r.unwrap_or(false));
    if hung_up {
        return 0;
    }
    read_status(&mut stream).await
}

async fn write_filler(stream: &mut TcpStream, len: usize, chunked: bool) -> std::io::Result<()> {
    let block = vec![b'a'; BLOCK];
    let mut left = len;
    if !chunked {
        // Starts like JSON so that a parser gets past the first byte.
        let start = b"{\"message\":\"";
        stream.write_all(&start[..start.len().min(left)]).await?;
        left -= start.len().min(left);
    }
    while left > 0 {
        let n = left.min(BLOCK);
        if chunked {
            stream.write_all(format!("{n:x}\r\n").as_bytes()).await?;
            stream.write_all(&block[..n]).await?;
            stream.write_all(b"\r\n").await?;
        } else {
            stream.write_all(&block[..n]).await?;
        }
        left -= n;
    }
    if chunked {
        stream.write_all(b"0\r\n\r\n").await?;
    }
    Ok(())
}

async fn read_status(stream: &mut TcpStream) -> u16 {
    let mut buf = vec![0_u8; 256];
    let mut got = 0;
    while got < 12 {
        match tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf[got..])).await {
            Ok(Ok(n)) if n > 0 => got += n,
            _ => return 0,
        }
    }
    // "HTTP/1.1 413 ..."
    std::str::from_utf8(&buf[9..12])
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}
