//! A minimal inbound SMTP server (RFC 5321) so the email channel can receive mail directly:
//! the MX (or a relay on a private network) hands each message to [`serve`], which calls the
//! application's [`Deliver`] function with the envelope and raw message.
//!
//! It speaks EHLO/HELO (advertising SIZE, 8BITMIME, PIPELINING, ENHANCEDSTATUSCODES and
//! SMTPUTF8), MAIL FROM (with SIZE=), RCPT TO (unknown recipients get 550 at RCPT time, so the
//! sending MTA bounces instead of us), DATA (dot-unstuffing, a 552 after the final dot for
//! oversize messages, whose excess is read and discarded, never buffered), RSET, NOOP, QUIT and
//! VRFY (252). The result of the delivery function decides the reply to DATA: 250, 451
//! (temporary, the sender retries) or 554 (permanent). A `Received:` trace header is prepended
//! as RFC 5321 §4.4 asks.
//!
//! There is no STARTTLS and no AUTH: this listener is meant to sit behind the MX (or on a
//! private network or loopback) and accept mail only for the recipients `accept_recipient`
//! allows, never to relay. Every connection runs in its own task with bounded buffers (command
//! lines up to [`MAX_COMMAND_LINE`] bytes, message data up to `max_message_bytes`), an idle
//! timeout on every read and write (421 when it expires), a cap on concurrent connections and
//! on protocol errors, so one bad client never affects another or stops the server.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncBufReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

/// Longest accepted command line, CRLF included (RFC 5321 §4.5.3.1.4 says 512; a little room
/// is left for long SMTPUTF8 addresses and parameters).
pub const MAX_COMMAND_LINE: usize = 1024;

/// Protocol errors tolerated on one connection before it is closed with 421.
const MAX_ERRORS: usize = 10;

/// One received message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// The reverse path; "" for the null sender (bounces, auto-replies).
    pub mail_from: String,
    /// Accepted recipients, domains lowercased, in RCPT order, without duplicates.
    pub rcpt_to: Vec<String>,
    /// The message as received, dot-unstuffed, with our `Received:` header first.
    pub data: Vec<u8>,
    pub peer: SocketAddr,
    /// The name the client gave in EHLO/HELO.
    pub helo: String,
}

/// Why a delivery did not happen; decides the reply to DATA.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliverError {
    /// Answered with 451: the sending server keeps the message and retries later.
    #[error("temporary delivery failure: {0}")]
    Temporary(String),
    /// Answered with 554: the sending server bounces the message.
    #[error("message rejected: {0}")]
    Permanent(String),
}

/// The future a [`Deliver`] function returns.
pub type DeliverFuture = Pin<Box<dyn Future<Output = Result<(), DeliverError>> + Send + 'static>>;

/// Called once per received message.
pub type Deliver = Arc<dyn Fn(Envelope) -> DeliverFuture + Send + Sync>;

/// Wraps an async function or closure as a [`Deliver`].
pub fn deliver_fn<F, Fut>(f: F) -> Deliver
where
    F: Fn(Envelope) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), DeliverError>> + Send + 'static,
{
    Arc::new(move |envelope| Box::pin(f(envelope)))
}

/// Listener settings.
#[derive(Clone)]
pub struct ListenerConfig {
    /// Our name in the greeting, EHLO reply and `Received:` header.
    pub hostname: String,
    /// Largest accepted message (advertised as SIZE); larger ones get 552.
    pub max_message_bytes: usize,
    /// Recipients accepted per message; more get 452.
    pub max_recipients: usize,
    /// Whether a RCPT TO address (domain lowercased) is one of ours; false gives 550.
    pub accept_recipient: Arc<dyn Fn(&str) -> bool + Send + Sync>,
    /// How long a read or write may wait before the connection is closed with 421.
    pub idle_timeout: Duration,
    /// Concurrent connections; more are answered 421 and closed.
    pub max_connections: usize,
}

impl ListenerConfig {
    /// Settings with common defaults: 10 MiB messages, 50 recipients, 5 minutes idle timeout
    /// (RFC 5321 §4.5.3.2.7 asks for at least that), 100 connections.
    pub fn new(
        hostname: impl Into<String>,
        accept_recipient: impl Fn(&str) -> bool + Send + Sync + 'static,
    ) -> Self {
        ListenerConfig {
            hostname: hostname.into(),
            max_message_bytes: 10 * 1024 * 1024,
            max_recipients: 50,
            accept_recipient: Arc::new(accept_recipient),
            idle_timeout: Duration::from_secs(300),
            max_connections: 100,
        }
    }
}

impl std::fmt::Debug for ListenerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ListenerConfig")
            .field("hostname", &self.hostname)
            .field("max_message_bytes", &self.max_message_bytes)
            .field("max_recipients", &self.max_recipients)
            .field("idle_timeout", &self.idle_timeout)
            .field("max_connections", &self.max_connections)
            .finish_non_exhaustive()
    }
}

/// Accepts connections until the task is dropped. Accept errors (such as running out of file
/// descriptors) are logged and retried after a short pause.
pub async fn serve(listener: TcpListener, config: ListenerConfig, deliver: Deliver) {
    serve_with_shutdown(listener, config, deliver, std::future::pending()).await;
}

/// Like [`serve`], but stops accepting new connections when `shutdown` completes; connections
/// already open finish their sessions in their own tasks.
pub async fn serve_with_shutdown(
    listener: TcpListener,
    config: ListenerConfig,
    deliver: Deliver,
    shutdown: impl Future<Output = ()>,
) {
    let config = Arc::new(config);
    let slots = Arc::new(Semaphore::new(config.max_connections.max(1)));
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            () = &mut shutdown => return,
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(pair) => pair,
            Err(error) => {
                tracing::warn!(%error, "smtp accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let config = Arc::clone(&config);
        let deliver = Arc::clone(&deliver);
        match Arc::clone(&slots).try_acquire_owned() {
            Ok(permit) => {
                tokio::spawn(async move {
                    if let Err(error) = handle_connection(stream, peer, &config, &deliver).await {
                        tracing::debug!(%peer, %error, "smtp connection ended with an error");
                    }
                    drop(permit);
                });
            }
            Err(_) => {
                tokio::spawn(async move {
                    let mut stream = stream;
                    let reply = format!(
                        "421 4.3.2 {} Too many connections, try again later\r\n",
                        clean_hostname(&config.hostname)
                    );
                    let _ = tokio::time::timeout(
                        config.idle_timeout,
                        stream.write_all(reply.as_bytes()),
                    )
                    .await;
                });
            }
        }
    }
}

/// How a connection ended badly; only logged.
#[derive(Debug, thiserror::Error)]
enum SessionError {
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
    #[error("idle timeout")]
    Timeout,
}

enum LineRead {
    /// A whole line (ending in LF) is in the buffer.
    Complete,
    /// The line was longer than allowed. With `discard_rest` it was consumed through its LF
    /// (`crlf` tells whether a CR preceded that LF); otherwise reading stopped at the limit.
    TooLong { crlf: bool },
    /// The peer closed the connection (a partial line is dropped).
    Eof,
}

/// Reads one LF-terminated line into `buf` (which it clears), holding at most `max` bytes.
async fn read_line<R: AsyncBufReadExt + Unpin>(
    reader: &mut R,
    buf: &mut Vec<u8>,
    max: usize,
    discard_rest: bool,
    idle: Duration,
) -> Result<LineRead, SessionError> {
    buf.clear();
    let mut overflow = false;
    // The last byte consumed before the current chunk, to see a CR split from its LF.
    let mut previous: u8 = 0;
    loop {
        let available = tokio::time::timeout(idle, reader.fill_buf())
            .await
            .map_err(|_| SessionError::Timeout)??;
        if available.is_empty() {
            return Ok(LineRead::Eof);
        }
        let (take, done) = match available.iter().position(|&b| b == b'\n') {
            Some(pos) => (pos + 1, true),
            None => (available.len(), false),
        };
        let before_lf = match take.checked_sub(2) {
            Some(i) => available.get(i).copied().unwrap_or(0),
            None => previous,
        };
        previous = available
            .get(take.wrapping_sub(1))
            .copied()
            .unwrap_or(previous);
        if !overflow {
            if buf.len() + take <= max {
                buf.extend_from_slice(available.get(..take).unwrap_or_default());
            } else {
                overflow = true;
                buf.clear();
                if !discard_rest {
                    return Ok(LineRead::TooLong { crlf: false });
                }
            }
        }
        reader.consume(take);
        if done {
            return Ok(if overflow {
                LineRead::TooLong {
                    crlf: before_lf == b'\r',
                }
            } else {
                LineRead::Complete
            });
        }
    }
}

async fn reply<W: AsyncWrite + Unpin>(
    writer: &mut W,
    text: &str,
    idle: Duration,
) -> Result<(), SessionError> {
    let mut out = String::with_capacity(text.len() + 2);
    out.push_str(text);
    out.push_str("\r\n");
    tokio::time::timeout(idle, async {
        writer.write_all(out.as_bytes()).await?;
        writer.flush().await
    })
    .await
    .map_err(|_| SessionError::Timeout)??;
    Ok(())
}

/// Keeps CR, LF and other control characters out of replies.
fn clean_hostname(hostname: &str) -> String {
    let cleaned: String = hostname
        .chars()
        .filter(|c| !c.is_control() && !c.is_whitespace())
        .collect();
    if cleaned.is_empty() {
        "localhost".to_string()
    } else {
        cleaned
    }
}

#[derive(Default)]
struct Transaction {
    mail_from: Option<String>,
    rcpt_to: Vec<String>,
}

/// How a session ended without an I/O error.
enum Ending {
    /// The client closed the connection.
    ClientClosed,
    /// We sent a final reply (221, or a 421/500 that ends the session) and close.
    Closing,
}

async fn handle_connection(
    stream: TcpStream,
    peer: SocketAddr,
    config: &ListenerConfig,
    deliver: &Deliver,
) -> Result<(), SessionError> {
    let idle = config.idle_timeout;
    let hostname = clean_hostname(&config.hostname);
    let (read_half, mut writer) = stream.into_split();
    let mut reader = BufReader::with_capacity(8 * 1024, read_half);
    let session = Session {
        peer,
        config,
        deliver,
        hostname: &hostname,
    };
    match session.run(&mut reader, &mut writer).await {
        Ok(Ending::ClientClosed) => Ok(()),
        Ok(Ending::Closing) => {
            close(reader, writer, idle).await;
            Ok(())
        }
        Err(SessionError::Timeout) => {
            let text = format!("421 4.4.2 {hostname} Idle timeout, closing connection");
            let _ = reply(&mut writer, &text, idle).await;
            close(reader, writer, idle).await;
            Err(SessionError::Timeout)
        }
        Err(error) => Err(error),
    }
}

struct Session<'a> {
    peer: SocketAddr,
    config: &'a ListenerConfig,
    deliver: &'a Deliver,
    hostname: &'a str,
}

impl Session<'_> {
    async fn run<R, W>(&self, reader: &mut R, writer: &mut W) -> Result<Ending, SessionError>
    where
        R: AsyncBufReadExt + Unpin,
        W: AsyncWrite + Unpin,
    {
        let idle = self.config.idle_timeout;
        let hostname = self.hostname;
        let mut line = Vec::with_capacity(MAX_COMMAND_LINE);
        // The EHLO/HELO name and whether it was EHLO.
        let mut helo: Option<(String, bool)> = None;
        let mut tx = Transaction::default();
        let mut errors = 0usize;

        reply(writer, &format!("220 {hostname} ESMTP ready"), idle).await?;

        loop {
            match read_line(reader, &mut line, MAX_COMMAND_LINE, false, idle).await? {
                LineRead::Complete => {}
                LineRead::Eof => return Ok(Ending::ClientClosed),
                LineRead::TooLong { .. } => {
                    reply(writer, "500 5.5.2 Line too long, closing connection", idle).await?;
                    return Ok(Ending::Closing);
                }
            }
            let command = String::from_utf8_lossy(&line).into_owned();
            let command = command.trim_end_matches(['\r', '\n']);
            let (verb, arg) = match command.split_once(' ') {
                Some((verb, arg)) => (verb, arg.trim()),
                None => (command, ""),
            };
            let verb = verb.to_ascii_uppercase();

            let response: String =
                match verb.as_str() {
                    "EHLO" | "HELO" => {
                        if arg.is_empty() || arg.chars().any(char::is_control) {
                            format!("501 5.5.4 Syntax: {verb} hostname")
                        } else {
                            let name: String = arg.chars().take(255).collect();
                            let extended = verb == "EHLO";
                            tx = Transaction::default();
                            let text = if extended {
                                format!(
                                "250-{hostname} Hello {name}\r\n250-SIZE {}\r\n250-8BITMIME\r\n\
                                 250-PIPELINING\r\n250-ENHANCEDSTATUSCODES\r\n250 SMTPUTF8",
                                self.config.max_message_bytes
                            )
                            } else {
                                format!("250 {hostname} Hello {name}")
                            };
                            helo = Some((name, extended));
                            text
                        }
                    }
                    "MAIL" => {
                        if helo.is_none() {
                            "503 5.5.1 Send EHLO or HELO first".to_string()
                        } else if tx.mail_from.is_some() {
                            "503 5.5.1 Nested MAIL command".to_string()
                        } else {
                            match mail_from(arg, self.config.max_message_bytes) {
                                Ok(sender) => {
                                    tx.mail_from = Some(sender);
                                    "250 2.1.0 Ok".to_string()
                                }
                                Err(text) => text.to_string(),
                            }
                        }
                    }
                    "RCPT" => {
                        if tx.mail_from.is_none() {
                            "503 5.5.1 Need MAIL before RCPT".to_string()
                        } else {
                            self.recipient(arg, &mut tx)
                        }
                    }
                    "DATA" => {
                        if !arg.is_empty() {
                            "501 5.5.4 Syntax: DATA".to_string()
                        } else if tx.mail_from.is_none() {
                            "503 5.5.1 Need MAIL command".to_string()
                        } else if tx.rcpt_to.is_empty() {
                            "554 5.5.1 No valid recipients".to_string()
                        } else {
                            let tx = std::mem::take(&mut tx);
                            let helo = helo.clone().unwrap_or_default();
                            self.data(reader, writer, &mut line, tx, helo).await?
                        }
                    }
                    "RSET" => {
                        if arg.is_empty() {
                            tx = Transaction::default();
                            "250 2.0.0 Ok".to_string()
                        } else {
                            "501 5.5.4 Syntax: RSET".to_string()
                        }
                    }
                    "NOOP" => "250 2.0.0 Ok".to_string(),
                    "QUIT" => {
                        reply(writer, &format!("221 2.0.0 {hostname} Bye"), idle).await?;
                        return Ok(Ending::Closing);
                    }
                    "VRFY" => "252 2.5.0 Cannot VRFY user, but will accept message for delivery"
                        .to_string(),
                    "HELP" => "214 2.0.0 Commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY"
                        .to_string(),
                    "EXPN" | "STARTTLS" | "AUTH" | "BDAT" | "ETRN" | "TURN" | "ATRN" | "SEND"
                    | "SOML" | "SAML" => "502 5.5.1 Command not implemented".to_string(),
                    _ => "500 5.5.2 Command unrecognized".to_string(),
                };

            // Syntax and sequence errors count; refused recipients and sizes do not.
            if response.starts_with('5')
                && !response.starts_with("550")
                && !response.starts_with("552")
            {
                errors += 1;
            }
            if errors >= MAX_ERRORS {
                let text = format!("421 4.7.0 {hostname} Too many errors, closing connection");
                reply(writer, &text, idle).await?;
                return Ok(Ending::Closing);
            }
            reply(writer, &response, idle).await?;
        }
    }

    /// Handles `RCPT TO:` once a sender is known.
    fn recipient(&self, arg: &str, tx: &mut Transaction) -> String {
        match rcpt_to(arg) {
            Err(text) => text.to_string(),
            Ok(recipient) => {
                if tx.rcpt_to.contains(&recipient) {
                    "250 2.1.5 Ok".to_string()
                } else if tx.rcpt_to.len() >= self.config.max_recipients {
                    "452 4.5.3 Too many recipients".to_string()
                } else if (self.config.accept_recipient)(&recipient) {
                    tx.rcpt_to.push(recipient);
                    "250 2.1.5 Ok".to_string()
                } else {
                    "550 5.1.1 No such user here".to_string()
                }
            }
        }
    }

    /// Receives the message after a valid DATA command and delivers it; returns the reply.
    async fn data<R, W>(
        &self,
        reader: &mut R,
        writer: &mut W,
        line: &mut Vec<u8>,
        tx: Transaction,
        (helo, extended): (String, bool),
    ) -> Result<String, SessionError>
    where
        R: AsyncBufReadExt + Unpin,
        W: AsyncWrite + Unpin,
    {
        let idle = self.config.idle_timeout;
        reply(writer, "354 End data with <CR><LF>.<CR><LF>", idle).await?;
        let Some(body) = read_data(reader, line, self.config.max_message_bytes, idle).await? else {
            return Ok("552 5.3.4 Message size exceeds fixed maximum message size".to_string());
        };
        let peer = self.peer;
        let envelope = Envelope {
            data: with_received_header(&body, &helo, peer, self.hostname, extended, &tx.rcpt_to),
            mail_from: tx.mail_from.unwrap_or_default(),
            rcpt_to: tx.rcpt_to,
            peer,
            helo,
        };
        Ok(match (self.deliver)(envelope).await {
            Ok(()) => "250 2.0.0 Ok: queued".to_string(),
            Err(DeliverError::Temporary(reason)) => {
                tracing::warn!(%peer, %reason, "smtp delivery failed, the sender will retry");
                "451 4.3.0 Temporary failure, try again later".to_string()
            }
            Err(DeliverError::Permanent(reason)) => {
                tracing::info!(%peer, %reason, "smtp message rejected");
                "554 5.6.0 Message rejected".to_string()
            }
        })
    }
}

/// Closes a connection from our side without losing the last reply: sends FIN, then reads and
/// discards what the client still sends (at most 64 KiB, for at most 2 seconds) so that unread
/// input does not make the kernel answer with a reset that can destroy the reply in flight.
async fn close<R, W>(mut reader: R, mut writer: W, idle: Duration)
where
    R: AsyncBufReadExt + Unpin,
    W: AsyncWrite + Unpin,
{
    let limit = idle.min(Duration::from_secs(2));
    let _ = tokio::time::timeout(limit, async {
        let _ = writer.shutdown().await;
        let mut drained = 0usize;
        while drained < 64 * 1024 {
            match reader.fill_buf().await {
                Ok([]) | Err(_) => break,
                Ok(bytes) => {
                    let n = bytes.len();
                    reader.consume(n);
                    drained += n;
                }
            }
        }
    })
    .await;
}

/// Reads message data up to the final CRLF "." CRLF, dot-unstuffing. `Ok(None)` means it was larger
/// than `max_bytes` (the rest was read and discarded).
async fn read_data<R: AsyncBufReadExt + Unpin>(
    reader: &mut R,
    line: &mut Vec<u8>,
    max_bytes: usize,
    idle: Duration,
) -> Result<Option<Vec<u8>>, SessionError> {
    let mut data: Vec<u8> = Vec::new();
    let mut too_big = false;
    // The CRLF that ended the DATA command starts the first line.
    let mut after_crlf = true;
    loop {
        // Room for the rest of the message plus a line ending; the terminator always fits.
        let budget = if too_big {
            0
        } else {
            max_bytes.saturating_sub(data.len())
        };
        let limit = budget.saturating_add(3).max(8);
        match read_line(reader, line, limit, true, idle).await? {
            LineRead::Eof => {
                return Err(SessionError::Io(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "connection closed during DATA",
                )))
            }
            LineRead::TooLong { crlf } => {
                too_big = true;
                data = Vec::new();
                after_crlf = crlf;
                continue;
            }
            LineRead::Complete => {}
        }
        // Only CRLF "." CRLF ends the data. Accepting a bare LF around the dot would let a
        // sender smuggle a second message past a relay that reads the stream differently.
        if after_crlf && line.as_slice() == b".\r\n" {
            break;
        }
        after_crlf = line.ends_with(b"\r\n");
        if too_big {
            continue;
        }
        let content = match line.split_first() {
            Some((b'.', rest)) => rest,
            _ => line.as_slice(),
        };
        if data.len() + content.len() > max_bytes {
            too_big = true;
            data = Vec::new();
        } else {
            data.extend_from_slice(content);
        }
    }
    Ok((!too_big).then_some(data))
}

/// Parses `FROM:<path> [params]`; "" is the null reverse path.
fn mail_from(arg: &str, max_bytes: usize) -> Result<String, &'static str> {
    let Some(rest) = strip_keyword(arg, "FROM:") else {
        return Err("501 5.5.4 Syntax: MAIL FROM:<address>");
    };
    let (path, params) = split_path(rest).ok_or("501 5.1.7 Bad sender address syntax")?;
    for param in params.split_whitespace() {
        let (key, value) = param.split_once('=').unwrap_or((param, ""));
        match key.to_ascii_uppercase().as_str() {
            "SIZE" => match value.parse::<u64>() {
                Ok(size) if size > max_bytes as u64 => {
                    return Err("552 5.3.4 Message size exceeds fixed maximum message size")
                }
                Ok(_) => {}
                Err(_) => return Err("501 5.5.4 Bad SIZE parameter"),
            },
            "BODY" => {
                if !value.eq_ignore_ascii_case("7BIT") && !value.eq_ignore_ascii_case("8BITMIME") {
                    return Err("501 5.5.4 Bad BODY parameter");
                }
            }
            "SMTPUTF8" => {}
            _ => return Err("555 5.5.4 Unsupported MAIL parameter"),
        }
    }
    if path.is_empty() {
        return Ok(String::new());
    }
    normalize_path(path).ok_or("501 5.1.7 Bad sender address syntax")
}

/// Parses `TO:<path>` (no parameters are supported).
fn rcpt_to(arg: &str) -> Result<String, &'static str> {
    let Some(rest) = strip_keyword(arg, "TO:") else {
        return Err("501 5.5.4 Syntax: RCPT TO:<address>");
    };
    let (path, params) = split_path(rest).ok_or("501 5.1.3 Bad recipient address syntax")?;
    if !params.trim().is_empty() {
        return Err("555 5.5.4 Unsupported RCPT parameter");
    }
    if path.eq_ignore_ascii_case("postmaster") {
        return Ok("postmaster".to_string());
    }
    normalize_path(path).ok_or("501 5.1.3 Bad recipient address syntax")
}

fn strip_keyword<'a>(arg: &'a str, keyword: &str) -> Option<&'a str> {
    let head = arg.get(..keyword.len())?;
    head.eq_ignore_ascii_case(keyword)
        .then(|| arg.get(keyword.len()..))
        .flatten()
        .map(str::trim_start)
}

/// Splits `<path> params` (or a bare `path params`, which lenient clients send).
fn split_path(rest: &str) -> Option<(&str, &str)> {
    if let Some(inner) = rest.strip_prefix('<') {
        let close = inner.find('>')?;
        Some((inner.get(..close)?, inner.get(close + 1..)?))
    } else {
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let path = rest.get(..end)?;
        (!path.is_empty()).then_some((path, rest.get(end..)?))
    }
}

/// Drops a source route, checks `local@domain` and lowercases the domain.
fn normalize_path(path: &str) -> Option<String> {
    let path = match path.strip_prefix('@') {
        Some(routed) => routed.split_once(':')?.1,
        None => path,
    };
    if path.len() > 320 || path.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    let (local, domain) = path.rsplit_once('@')?;
    if local.is_empty() || domain.is_empty() || domain.contains(['<', '>', '@', ',']) {
        return None;
    }
    Some(format!("{local}@{}", domain.to_lowercase()))
}

fn with_received_header(
    body: &[u8],
    helo: &str,
    peer: SocketAddr,
    hostname: &str,
    extended: bool,
    rcpt_to: &[String],
) -> Vec<u8> {
    let helo: String = helo
        .chars()
        .filter(|c| c.is_ascii_graphic() && !matches!(c, '(' | ')' | ';'))
        .take(255)
        .collect();
    let protocol = if extended { "ESMTP" } else { "SMTP" };
    let recipient = match rcpt_to {
        [single] => format!("\r\n\tfor <{single}>"),
        _ => String::new(),
    };
    let header = format!(
        "Received: from {helo} ([{}])\r\n\tby {hostname} with {protocol}{recipient};\r\n\t{}\r\n",
        peer.ip(),
        rfc5322_date(SystemTime::now())
    );
    let mut data = Vec::with_capacity(header.len() + body.len());
    data.extend_from_slice(header.as_bytes());
    data.extend_from_slice(body);
    data
}

/// Formats a time as an RFC 5322 date in UTC ("Tue, 3 Dec 2024 10:00:00 +0000").
fn rfc5322_date(time: SystemTime) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = secs / 86_400;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm), all in unsigned terms.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    format!(
        "{}, {} {} {} {:02}:{:02}:{:02} +0000",
        DAYS.get((days % 7) as usize).copied().unwrap_or("Thu"),
        day,
        MONTHS.get((month - 1) as usize).copied().unwrap_or("Jan"),
        year,
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;
    use tokio::sync::mpsc;

    struct Server {
        addr: SocketAddr,
        received: mpsc::UnboundedReceiver<Envelope>,
    }

    async fn start(config: ListenerConfig, fail: Option<DeliverError>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (sender, received) = mpsc::unbounded_channel();
        let deliver = deliver_fn(move |envelope: Envelope| {
            let sender = sender.clone();
            let fail = fail.clone();
            async move {
                if let Some(error) = fail {
                    return Err(error);
                }
                sender
                    .send(envelope)
                    .map_err(|e| DeliverError::Temporary(e.to_string()))
            }
        });
        tokio::spawn(serve(listener, config, deliver));
        Server { addr, received }
    }

    fn config() -> ListenerConfig {
        let mut config = ListenerConfig::new("mx.acme.test", |rcpt: &str| {
            rcpt.ends_with("@acme.test") && !rcpt.starts_with("nobody@")
        });
        config.idle_timeout = Duration::from_secs(5);
        config
    }

    /// A raw SMTP client for protocol tests.
    struct Client {
        reader: BufReader<tokio::net::tcp::OwnedReadHalf>,
        writer: tokio::net::tcp::OwnedWriteHalf,
    }

    impl Client {
        async fn connect(addr: SocketAddr) -> Client {
            let stream = TcpStream::connect(addr).await.unwrap();
            let (read, writer) = stream.into_split();
            let mut client = Client {
                reader: BufReader::new(read),
                writer,
            };
            assert!(client.reply().await.starts_with("220 "));
            client
        }

        async fn send(&mut self, raw: &str) {
            self.writer.write_all(raw.as_bytes()).await.unwrap();
        }

        /// Reads one (possibly multi-line) reply; "" on EOF.
        async fn reply(&mut self) -> String {
            let mut all = String::new();
            loop {
                let mut line = String::new();
                let n =
                    tokio::time::timeout(Duration::from_secs(10), self.reader.read_line(&mut line))
                        .await
                        .expect("reply in time")
                        .unwrap();
                if n == 0 {
                    return all;
                }
                all.push_str(&line);
                if line.as_bytes().get(3) != Some(&b'-') {
                    return all;
                }
            }
        }

        async fn command(&mut self, raw: &str) -> String {
            self.send(&format!("{raw}\r\n")).await;
            self.reply().await
        }

        async fn expect_closed(&mut self) {
            let mut rest = Vec::new();
            let n =
                tokio::time::timeout(Duration::from_secs(10), self.reader.read_to_end(&mut rest))
                    .await
                    .expect("closed in time")
                    .unwrap_or(0);
            assert_eq!(n, 0, "unexpected data: {}", String::from_utf8_lossy(&rest));
        }
    }

    /// The message without the Received header the listener prepends (its continuation lines
    /// start with a tab).
    fn body_of(envelope: &Envelope) -> &[u8] {
        let data = envelope.data.as_slice();
        let mut pos = 0;
        loop {
            let end = data[pos..].windows(2).position(|w| w == b"\r\n").unwrap() + pos + 2;
            if data.get(end) != Some(&b'\t') {
                return &data[end..];
            }
            pos = end;
        }
    }

    #[tokio::test]
    async fn lettre_client_delivers_attachment_to_two_recipients() {
        use lettre::message::{header::ContentType, Attachment, MultiPart, SinglePart};
        use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

        let mut server = start(config(), None).await;
        let pdf = b"%PDF-1.4 not really a pdf \x00\x01\x02\xff".to_vec();
        let message = Message::builder()
            .from("Jo Bloggs <jo@example.com>".parse().unwrap())
            .to("Support <support@acme.test>".parse().unwrap())
            .cc("sales@acme.test".parse().unwrap())
            .subject("Invoice question — café")
            .multipart(
                MultiPart::mixed()
                    .singlepart(SinglePart::plain("See the attached invoice.".to_string()))
                    .singlepart(
                        Attachment::new("invoice.pdf".to_string())
                            .body(pdf.clone(), ContentType::parse("application/pdf").unwrap()),
                    ),
            )
            .unwrap();
        let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
            .port(server.addr.port())
            .build();
        let response = transport.send(message).await.unwrap();
        assert!(response.is_positive());

        let envelope = server.received.recv().await.unwrap();
        assert_eq!(envelope.mail_from, "jo@example.com");
        assert_eq!(
            envelope.rcpt_to,
            vec!["support@acme.test", "sales@acme.test"]
        );
        assert_eq!(envelope.peer.ip(), server.addr.ip());
        assert!(envelope.data.starts_with(b"Received: from "));

        let mail = super::super::parse::parse(&envelope.data).unwrap();
        assert_eq!(mail.subject, "Invoice question — café");
        assert_eq!(mail.text, "See the attached invoice.");
        assert_eq!(mail.to[0].address, "support@acme.test");
        assert_eq!(mail.cc[0].address, "sales@acme.test");
        assert_eq!(mail.attachments.len(), 1);
        assert_eq!(mail.attachments[0].filename.as_deref(), Some("invoice.pdf"));
        assert_eq!(mail.attachments[0].content_type, "application/pdf");
        assert_eq!(mail.attachments[0].size, pdf.len());
    }

    #[tokio::test]
    async fn dot_unstuffing_and_session_commands() {
        let mut server = start(config(), None).await;
        let mut c = Client::connect(server.addr).await;
        let ehlo = c.command("EHLO client.example").await;
        assert!(ehlo.starts_with("250-mx.acme.test"), "{ehlo}");
        for extension in ["SIZE 10485760", "8BITMIME", "PIPELINING", "250 SMTPUTF8"] {
            assert!(ehlo.contains(extension), "{ehlo}");
        }
        assert!(c.command("NOOP").await.starts_with("250 "));
        assert!(c.command("VRFY jo").await.starts_with("252 "));
        assert!(c.command("EXPN staff").await.starts_with("502 "));
        assert!(c.command("STARTTLS").await.starts_with("502 "));
        assert!(c.command("FROB").await.starts_with("500 "));
        assert!(c
            .command("MAIL FROM:<jo@Example.COM> BODY=8BITMIME SIZE=100")
            .await
            .starts_with("250 "));
        assert!(c
            .command("RCPT TO:<Support@ACME.test>")
            .await
            .starts_with("250 "));
        assert!(c.command("DATA").await.starts_with("354 "));
        c.send("Subject: dots\r\n\r\n..leading dot\r\n\r\n...\r\nend . \r\n.\r\n")
            .await;
        assert!(c.reply().await.starts_with("250 "));
        let envelope = server.received.recv().await.unwrap();
        assert_eq!(envelope.mail_from, "jo@example.com");
        assert_eq!(envelope.rcpt_to, vec!["Support@acme.test"]);
        assert_eq!(envelope.helo, "client.example");
        assert_eq!(
            body_of(&envelope),
            b"Subject: dots\r\n\r\n.leading dot\r\n\r\n..\r\nend . \r\n"
        );
        // RSET clears the transaction.
        assert!(c.command("MAIL FROM:<>").await.starts_with("250 "));
        assert!(c.command("RSET").await.starts_with("250 "));
        assert!(c
            .command("RCPT TO:<support@acme.test>")
            .await
            .starts_with("503 "));
        assert!(c.command("QUIT").await.starts_with("221 "));
        c.expect_closed().await;
    }

    #[tokio::test]
    async fn bare_lf_dot_does_not_end_data() {
        let mut server = start(config(), None).await;
        let mut c = Client::connect(server.addr).await;
        c.command("EHLO x.example").await;
        c.command("MAIL FROM:<a@example.com>").await;
        c.command("RCPT TO:<support@acme.test>").await;
        assert!(c.command("DATA").await.starts_with("354 "));
        // A smuggling attempt: "\n.\r\n" and ".\n" are data, not the end.
        c.send("Subject: one\r\n\r\nhi\n.\r\nMAIL FROM:<evil@example.com>\r\n.\n")
            .await;
        c.send("RCPT TO:<support@acme.test>\r\n.\r\n").await;
        assert!(c.reply().await.starts_with("250 "));
        let envelope = server.received.recv().await.unwrap();
        assert_eq!(envelope.mail_from, "a@example.com");
        assert_eq!(
            body_of(&envelope),
            b"Subject: one\r\n\r\nhi\n\r\nMAIL FROM:<evil@example.com>\r\n\nRCPT TO:<support@acme.test>\r\n"
        );
        assert!(c.command("QUIT").await.starts_with("221 "));
        assert!(server.received.try_recv().is_err());
    }

    #[tokio::test]
    async fn pipelined_commands_are_answered_in_order() {
        let mut server = start(config(), None).await;
        let mut c = Client::connect(server.addr).await;
        c.send(
            "EHLO pipe.example\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<support@acme.test>\r\n\
             RCPT TO:<nobody@acme.test>\r\nRCPT TO:<sales@acme.test>\r\nDATA\r\n",
        )
        .await;
        assert!(c.reply().await.starts_with("250-"));
        assert!(c.reply().await.starts_with("250 "));
        assert!(c.reply().await.starts_with("250 "));
        assert!(c.reply().await.starts_with("550 "));
        assert!(c.reply().await.starts_with("250 "));
        assert!(c.reply().await.starts_with("354 "));
        c.send("Subject: p\r\n\r\nhi\r\n.\r\nMAIL FROM:<b@example.com>\r\nRCPT TO:<support@acme.test>\r\nDATA\r\n")
            .await;
        assert!(c.reply().await.starts_with("250 "));
        assert!(c.reply().await.starts_with("250 "));
        assert!(c.reply().await.starts_with("250 "));
        assert!(c.reply().await.starts_with("354 "));
        c.send("second\r\n.\r\nQUIT\r\n").await;
        assert!(c.reply().await.starts_with("250 "));
        assert!(c.reply().await.starts_with("221 "));
        let first = server.received.recv().await.unwrap();
        assert_eq!(first.rcpt_to, vec!["support@acme.test", "sales@acme.test"]);
        let second = server.received.recv().await.unwrap();
        assert_eq!(second.mail_from, "b@example.com");
        assert_eq!(body_of(&second), b"second\r\n");
    }

    #[tokio::test]
    async fn oversize_message_gets_552_and_session_continues() {
        let mut cfg = config();
        cfg.max_message_bytes = 1000;
        let mut server = start(cfg, None).await;
        let mut c = Client::connect(server.addr).await;
        assert!(c.command("EHLO x.example").await.contains("SIZE 1000"));
        assert!(c
            .command("MAIL FROM:<a@example.com> SIZE=5000")
            .await
            .starts_with("552 "));
        assert!(c
            .command("MAIL FROM:<a@example.com>")
            .await
            .starts_with("250 "));
        assert!(c
            .command("RCPT TO:<support@acme.test>")
            .await
            .starts_with("250 "));
        assert!(c.command("DATA").await.starts_with("354 "));
        let line = format!("{}\r\n", "x".repeat(98));
        for _ in 0..50 {
            c.send(&line).await;
        }
        // And one very long line with no break for a while.
        c.send(&"y".repeat(20_000)).await;
        c.send("\r\n.\r\n").await;
        assert!(c.reply().await.starts_with("552 "));
        // The connection is still usable.
        assert!(c
            .command("MAIL FROM:<a@example.com>")
            .await
            .starts_with("250 "));
        assert!(c
            .command("RCPT TO:<support@acme.test>")
            .await
            .starts_with("250 "));
        assert!(c.command("DATA").await.starts_with("354 "));
        c.send("small\r\n.\r\n").await;
        assert!(c.reply().await.starts_with("250 "));
        assert_eq!(
            body_of(&server.received.recv().await.unwrap()),
            b"small\r\n"
        );
        assert!(server.received.try_recv().is_err());
    }

    #[tokio::test]
    async fn unknown_recipient_and_bad_sequences() {
        let server = start(config(), None).await;
        let mut c = Client::connect(server.addr).await;
        assert!(c
            .command("MAIL FROM:<a@example.com>")
            .await
            .starts_with("503 "));
        assert!(c.command("EHLO").await.starts_with("501 "));
        assert!(c.command("HELO x.example").await.starts_with("250 "));
        assert!(c
            .command("RCPT TO:<support@acme.test>")
            .await
            .starts_with("503 "));
        assert!(c.command("DATA").await.starts_with("503 "));
        assert!(c
            .command("MAIL FROM:<a@example.com>")
            .await
            .starts_with("250 "));
        assert!(c
            .command("MAIL FROM:<a@example.com>")
            .await
            .starts_with("503 "));
        assert!(c
            .command("RCPT TO:<someone@other.test>")
            .await
            .starts_with("550 "));
        assert!(c
            .command("RCPT TO:<nobody@acme.test>")
            .await
            .starts_with("550 "));
        assert!(c
            .command("RCPT TO:<not an address>")
            .await
            .starts_with("501 "));
        assert!(c
            .command("RCPT TO:<a@acme.test> NOTIFY=NEVER")
            .await
            .starts_with("555 "));
        assert!(c.command("DATA").await.starts_with("554 "));
        assert!(c.command("QUIT").await.starts_with("221 "));
    }

    #[tokio::test]
    async fn too_many_recipients() {
        let mut cfg = config();
        cfg.max_recipients = 2;
        let server = start(cfg, None).await;
        let mut c = Client::connect(server.addr).await;
        c.command("EHLO x.example").await;
        c.command("MAIL FROM:<a@example.com>").await;
        assert!(c.command("RCPT TO:<a@acme.test>").await.starts_with("250 "));
        assert!(c.command("RCPT TO:<b@acme.test>").await.starts_with("250 "));
        assert!(c.command("RCPT TO:<c@acme.test>").await.starts_with("452 "));
    }

    #[tokio::test]
    async fn idle_timeout_closes_with_421() {
        let mut cfg = config();
        cfg.idle_timeout = Duration::from_millis(200);
        let server = start(cfg, None).await;
        let mut c = Client::connect(server.addr).await;
        assert!(c.command("EHLO x.example").await.starts_with("250"));
        let started = std::time::Instant::now();
        let reply = c.reply().await;
        assert!(reply.starts_with("421 4.4.2"), "{reply}");
        assert!(started.elapsed() >= Duration::from_millis(150));
        c.expect_closed().await;
    }

    #[tokio::test]
    async fn overlong_line_without_crlf_is_refused() {
        let server = start(config(), None).await;
        let mut c = Client::connect(server.addr).await;
        c.send(&"A".repeat(MAX_COMMAND_LINE + 500)).await;
        assert!(c.reply().await.starts_with("500 5.5.2 Line too long"));
        c.expect_closed().await;
        // The server still serves others.
        let mut other = Client::connect(server.addr).await;
        assert!(other.command("NOOP").await.starts_with("250 "));
    }

    #[tokio::test]
    async fn delivery_failures_map_to_451_and_554() {
        for (error, code) in [
            (DeliverError::Temporary("db down".into()), "451 "),
            (DeliverError::Permanent("spam".into()), "554 "),
        ] {
            let server = start(config(), Some(error)).await;
            let mut c = Client::connect(server.addr).await;
            c.command("EHLO x.example").await;
            c.command("MAIL FROM:<a@example.com>").await;
            c.command("RCPT TO:<support@acme.test>").await;
            assert!(c.command("DATA").await.starts_with("354 "));
            c.send("hi\r\n.\r\n").await;
            assert!(c.reply().await.starts_with(code));
        }
    }

    #[tokio::test]
    async fn broken_clients_do_not_stop_the_server() {
        let mut server = start(config(), None).await;
        // One disconnects in the middle of DATA, one sends binary junk.
        let mut a = Client::connect(server.addr).await;
        a.command("EHLO a.example").await;
        a.command("MAIL FROM:<a@example.com>").await;
        a.command("RCPT TO:<support@acme.test>").await;
        a.command("DATA").await;
        a.send("half a message").await;
        drop(a);
        let mut b = Client::connect(server.addr).await;
        b.writer.write_all(b"\xff\xfe\x00\r\n").await.unwrap();
        assert!(b.reply().await.starts_with("500 "));
        // The tenth error closes the connection.
        for _ in 0..MAX_ERRORS - 1 {
            b.send("JUNK\r\n").await;
        }
        let mut last = String::new();
        loop {
            let reply = b.reply().await;
            if reply.is_empty() {
                break;
            }
            last = reply;
        }
        assert!(last.starts_with("421 4.7.0"), "{last}");

        let mut c = Client::connect(server.addr).await;
        c.command("EHLO c.example").await;
        c.command("MAIL FROM:<c@example.com>").await;
        c.command("RCPT TO:<support@acme.test>").await;
        c.command("DATA").await;
        c.send("ok\r\n.\r\n").await;
        assert!(c.reply().await.starts_with("250 "));
        assert_eq!(
            server.received.recv().await.unwrap().mail_from,
            "c@example.com"
        );
    }

    #[tokio::test]
    async fn connection_limit_answers_421() {
        let mut cfg = config();
        cfg.max_connections = 1;
        let server = start(cfg, None).await;
        let mut first = Client::connect(server.addr).await;
        let stream = TcpStream::connect(server.addr).await.unwrap();
        let mut second = BufReader::new(stream);
        let mut line = String::new();
        second.read_line(&mut line).await.unwrap();
        assert!(line.starts_with("421 4.3.2"), "{line}");
        assert!(first.command("NOOP").await.starts_with("250 "));
    }

    #[test]
    fn dates_and_paths() {
        let t = UNIX_EPOCH + Duration::from_secs(1_733_220_000);
        assert_eq!(rfc5322_date(t), "Tue, 3 Dec 2024 10:00:00 +0000");
        assert_eq!(rfc5322_date(UNIX_EPOCH), "Thu, 1 Jan 1970 00:00:00 +0000");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400);
        assert_eq!(rfc5322_date(leap), "Tue, 29 Feb 2000 00:00:00 +0000");
        assert_eq!(
            normalize_path("@relay.example:Jo@Example.COM").as_deref(),
            Some("Jo@example.com")
        );
        assert_eq!(mail_from("FROM:<>", 10), Ok(String::new()));
        assert_eq!(
            mail_from("from: bare@example.com", 10),
            Ok("bare@example.com".into())
        );
        assert!(mail_from("FROM:<a@b> SIZE=abc", 10).is_err());
        assert!(mail_from("FROM:<a@b> AUTH=<>", 10).is_err());
        assert_eq!(rcpt_to("TO:<Postmaster>"), Ok("postmaster".into()));
        assert!(rcpt_to("TO:<>").is_err());
    }

    #[tokio::test]
    async fn shutdown_stops_accepting() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(serve_with_shutdown(
            listener,
            config(),
            deliver_fn(|_| async { Ok(()) }),
            async {
                let _ = stopped.await;
            },
        ));
        let mut c = Client::connect(addr).await;
        stop.send(()).unwrap();
        task.await.unwrap();
        // The open session goes on; new connections are refused.
        assert!(c.command("NOOP").await.starts_with("250 "));
        assert!(TcpStream::connect(addr).await.is_err());
    }
}
