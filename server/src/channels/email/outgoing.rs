//! Outgoing email replies: builds the RFC 5322 message for an answer in an email conversation
//! and sends it through the workspace's SMTP account with lettre.
//!
//! A reply carries the threading headers mail clients need to place it in the customer's
//! conversation (Message-ID, In-Reply-To, and References = the thread's references plus the
//! message replied to, RFC 5322 §3.6.4), a subject with a single "Re: " ([`reply_subject`]),
//! `Auto-Submitted: auto-replied` and `X-Auto-Response-Suppress: OOF, AutoReply` so vacation
//! responders do not answer it and start a loop (RFC 3834), and a UTF-8 text/plain body with
//! the signature after the standard "-- " separator. [`send`] delivers it with a bounded time
//! and reports whether a failure is worth retrying (4xx replies, connection problems, timeouts)
//! or permanent (5xx replies, rejected addresses, TLS setup failures).

use std::io::ErrorKind;
use std::time::Duration;

use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox as LettreMailbox, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::parse::Mailbox;
use super::thread;

/// How long one [`send`] may take in total, and each SMTP command within it.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(60);

/// The References header keeps the thread's first id and the newest ones, at most this many.
pub const MAX_REFERENCES: usize = 50;

const AUTO_SUBMITTED: HeaderName = HeaderName::new_from_ascii_str("Auto-Submitted");
const AUTO_RESPONSE_SUPPRESS: HeaderName =
    HeaderName::new_from_ascii_str("X-Auto-Response-Suppress");

/// A reply to send in an email conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingReply {
    pub from: Mailbox,
    pub to: Vec<Mailbox>,
    pub cc: Vec<Mailbox>,
    /// The subject of the message replied to; [`reply_subject`] turns it into "Re: …".
    pub subject: String,
    pub body: String,
    /// Appended after a "-- " line.
    pub signature: Option<String>,
    /// Our new Message-ID, without angle brackets (see [`thread::new_message_id`]).
    pub message_id: String,
    /// The Message-ID of the message replied to, without angle brackets.
    pub in_reply_to: Option<String>,
    /// The References of the message replied to (oldest first), without angle brackets.
    pub references: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("invalid {field} address {address:?}")]
    InvalidAddress {
        field: &'static str,
        address: String,
    },
    #[error("the reply has no recipients")]
    NoRecipients,
    #[error("invalid message id {0:?}")]
    InvalidMessageId(String),
    #[error("could not build the message: {0}")]
    Message(#[from] lettre::error::Error),
}

/// "Re: " + the subject, unless it already starts with a reply prefix in any common language
/// ("Re:", "AW:", "SV:", "回复：" …, also after a `[list]` tag). A forwarded subject
/// ("Fwd: x") gets "Re: Fwd: x", as mail clients do.
pub fn reply_subject(original: &str) -> String {
    let subject = original
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if subject.is_empty() {
        "Re:".to_string()
    } else if thread::is_reply_subject(&subject) {
        subject
    } else {
        format!("Re: {subject}")
    }
}

/// The text body: the reply, then "-- " and the signature when there is one.
pub fn body_with_signature(body: &str, signature: Option<&str>) -> String {
    let body = body.trim_end();
    match signature.map(str::trim).filter(|s| !s.is_empty()) {
        Some(signature) => {
            let signature = signature
                .strip_prefix("-- \n")
                .or_else(|| signature.strip_prefix("-- \r\n"))
                .unwrap_or(signature);
            format!("{body}\n\n-- \n{signature}\n")
        }
        None => format!("{body}\n"),
    }
}

/// A message id fit for a header: printable ASCII, no brackets or whitespace, with an `@`.
fn header_id(id: &str) -> Option<String> {
    let id = id.trim().trim_start_matches('<').trim_end_matches('>');
    let valid = !id.is_empty()
        && id.len() <= 250
        && id.contains('@')
        && id
            .chars()
            .all(|c| c.is_ascii_graphic() && !matches!(c, '<' | '>' | '(' | ')' | ',' | '"'));
    valid.then(|| id.to_string())
}

fn mailbox(field: &'static str, mailbox: &Mailbox) -> Result<LettreMailbox, BuildError> {
    let address = mailbox
        .address
        .parse()
        .map_err(|_| BuildError::InvalidAddress {
            field,
            address: mailbox.address.clone(),
        })?;
    let name = mailbox
        .name
        .as_deref()
        .map(|n| {
            n.split(|c: char| c.is_whitespace() || c.is_control())
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|n| !n.is_empty());
    Ok(LettreMailbox::new(name, address))
}

/// Builds the reply message. Ids from the thread that cannot be put in a header (a stranger's
/// malformed Message-ID) are left out rather than failing the reply; our own `message_id` must
/// be valid.
pub fn build(reply: &OutgoingReply) -> Result<Message, BuildError> {
    if reply.to.is_empty() && reply.cc.is_empty() {
        return Err(BuildError::NoRecipients);
    }
    let message_id = header_id(&reply.message_id)
        .ok_or_else(|| BuildError::InvalidMessageId(reply.message_id.clone()))?;

    let mut builder = Message::builder()
        .from(mailbox("from", &reply.from)?)
        .subject(reply_subject(&reply.subject))
        .message_id(Some(format!("<{message_id}>")))
        .date_now();
    for to in &reply.to {
        builder = builder.to(mailbox("to", to)?);
    }
    for cc in &reply.cc {
        builder = builder.cc(mailbox("cc", cc)?);
    }

    let parent = reply.in_reply_to.as_deref().and_then(header_id);
    let mut references: Vec<String> = Vec::new();
    for id in reply
        .references
        .iter()
        .filter_map(|r| header_id(r))
        .chain(parent.clone())
    {
        if !references.contains(&id) {
            references.push(id);
        }
    }
    if references.len() > MAX_REFERENCES {
        let cut = references.len() - (MAX_REFERENCES - 1);
        references.drain(1..cut);
    }
    if let Some(parent) = parent {
        builder = builder.in_reply_to(format!("<{parent}>"));
    }
    if !references.is_empty() {
        let joined = references
            .iter()
            .map(|id| format!("<{id}>"))
            .collect::<Vec<_>>()
            .join(" ");
        builder = builder.references(joined);
    }

    let message = builder
        .raw_header(HeaderValue::new(AUTO_SUBMITTED, "auto-replied".to_string()))
        .raw_header(HeaderValue::new(
            AUTO_RESPONSE_SUPPRESS,
            "OOF, AutoReply".to_string(),
        ))
        .singlepart(SinglePart::plain(body_with_signature(
            &reply.body,
            reply.signature.as_deref(),
        )))?;
    Ok(message)
}

/// How the connection to the SMTP server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// Plain text (only for a relay on localhost or a private network).
    None,
    /// Plain connection upgraded with STARTTLS, which is required (usually port 587).
    StartTls,
    /// TLS from the first byte (usually port 465).
    Tls,
}

/// The SMTP server a workspace sends its replies through.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpAccount {
    pub host: String,
    pub port: u16,
    pub username: Option<String>,
    pub password: Option<String>,
    pub tls: TlsMode,
    /// Connect only when every address of the host is a public one (see [`check_public`]).
    pub public_only: bool,
}

impl std::fmt::Debug for SmtpAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpAccount")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("tls", &self.tls)
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// A 4xx reply: the server may accept the message later.
    #[error("SMTP server deferred the message: {0}")]
    Transient(String),
    /// A 5xx reply: sending it again will fail the same way.
    #[error("SMTP server rejected the message: {0}")]
    Permanent(String),
    /// The server could not be reached or the connection broke.
    #[error("could not talk to the SMTP server: {0}")]
    Connection(String),
    #[error("sending timed out after {0:?}")]
    Timeout(Duration),
    /// TLS could not be set up (wrong port or mode, bad certificate): fix the account.
    #[error("TLS with the SMTP server failed: {0}")]
    Tls(String),
    /// The host is (or resolves to) an address on a private network, loopback or the like,
    /// which this server does not connect to for a workspace (see [`check_public`]).
    #[error(
        "the SMTP host {0} is a private or reserved address, which this server does not connect to"
    )]
    PrivateHost(String),
}

impl SendError {
    /// True when the same message may go through if sent again later.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            SendError::Transient(_) | SendError::Connection(_) | SendError::Timeout(_)
        )
    }
}

impl From<lettre::transport::smtp::Error> for SendError {
    fn from(error: lettre::transport::smtp::Error) -> Self {
        let text = error.to_string();
        if error.is_permanent() || error.is_client() {
            SendError::Permanent(text)
        } else if error.is_transient() {
            SendError::Transient(text)
        } else if error.is_tls() || io_error_kind(&error) == Some(ErrorKind::InvalidData) {
            // A failed TLS handshake surfaces as a connection error whose I/O cause is
            // InvalidData (how tokio-rustls reports TLS alerts and certificate problems).
            SendError::Tls(text)
        } else if error.is_timeout() {
            SendError::Timeout(SEND_TIMEOUT)
        } else {
            SendError::Connection(text)
        }
    }
}

/// The kind of the first I/O error in an error's source chain.
fn io_error_kind(error: &(dyn std::error::Error + 'static)) -> Option<ErrorKind> {
    let mut source = error.source();
    while let Some(current) = source {
        if let Some(io) = current.downcast_ref::<std::io::Error>() {
            return Some(io.kind());
        }
        source = current.source();
    }
    None
}

/// Sends a message through the account, within [`SEND_TIMEOUT`].
/// Whether `ip` is a public unicast address: not loopback, private, link-local, shared (CGNAT),
/// unspecified, multicast, broadcast, documentation, benchmarking or reserved, in IPv4 or IPv6
/// (an IPv4-mapped IPv6 address is judged as its IPv4 address).
pub fn is_public(ip: std::net::IpAddr) -> bool {
    use std::net::IpAddr;
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.is_multicast()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || (a == 192 && b == 0 && c == 0)
                || (a == 198 && (18..20).contains(&b))
                || a >= 240)
        }
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public(IpAddr::V4(v4)),
            None => {
                let first = v6.segments()[0];
                !(v6.is_loopback()
                    || v6.is_unspecified()
                    || v6.is_multicast()
                    || v6.is_unique_local()
                    || v6.is_unicast_link_local()
                    || first == 0x2001 && v6.segments()[1] == 0x0db8
                    || first == 0x0064)
            }
        },
    }
}

/// Refuses `host` when it is, or resolves to, any address that is not public ([`is_public`]):
/// with open sign-up, whoever runs a workspace is a stranger, and an SMTP account pointed at
/// `127.0.0.1:6379` must not make this server talk to its own network. A host that does not
/// resolve is left to the connection to report.
pub async fn check_public(host: &str, port: u16) -> Result<(), SendError> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let Ok(addresses) = tokio::net::lookup_host((bare, port)).await else {
        return Ok(());
    };
    for address in addresses {
        if !is_public(address.ip()) {
            return Err(SendError::PrivateHost(host.to_owned()));
        }
    }
    Ok(())
}

pub async fn send(account: &SmtpAccount, message: Message) -> Result<(), SendError> {
    send_with_timeout(account, message, SEND_TIMEOUT).await
}

/// Sends a message through the account; `timeout` bounds each SMTP command and the whole send.
pub async fn send_with_timeout(
    account: &SmtpAccount,
    message: Message,
    timeout: Duration,
) -> Result<(), SendError> {
    if account.public_only {
        check_public(&account.host, account.port).await?;
    }
    let mut builder =
        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(account.host.as_str())
            .port(account.port)
            .timeout(Some(timeout));
    match account.tls {
        TlsMode::None => {}
        TlsMode::StartTls => {
            let parameters = TlsParameters::new(account.host.clone())?;
            builder = builder.tls(Tls::Required(parameters));
        }
        TlsMode::Tls => {
            let parameters = TlsParameters::new(account.host.clone())?;
            builder = builder.tls(Tls::Wrapper(parameters));
        }
    }
    if let Some(username) = &account.username {
        builder = builder.credentials(Credentials::new(
            username.clone(),
            account.password.clone().unwrap_or_default(),
        ));
    }
    let transport = builder.build();
    match tokio::time::timeout(timeout, transport.send(message)).await {
        Err(_) => Err(SendError::Timeout(timeout)),
        Ok(Err(error)) => Err(SendError::from(error)),
        Ok(Ok(_response)) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::super::smtp_listener::{deliver_fn, serve, DeliverError, Envelope, ListenerConfig};
    use super::*;
    use std::net::SocketAddr;
    use tokio::net::TcpListener;
    use tokio::sync::mpsc;

    fn reply() -> OutgoingReply {
        OutgoingReply {
            from: Mailbox {
                name: Some("Acme Support".into()),
                address: "support@acme.test".into(),
            },
            to: vec![Mailbox {
                name: Some("Jöhn Bloggs".into()),
                address: "jo@example.com".into(),
            }],
            cc: vec![],
            subject: "Where is my order?".into(),
            body: "Hi Jo,\n\nYour order ships tomorrow — 42 € refunded.\n".into(),
            signature: Some("Acme Support\nhttps://acme.test".into()),
            message_id: thread::new_message_id("acme.test"),
            in_reply_to: Some("msg2@example.com".into()),
            references: vec!["msg0@acme.test".into(), "msg1@example.com".into()],
        }
    }

    async fn listener(
        accept: bool,
        fail: Option<DeliverError>,
    ) -> (SocketAddr, mpsc::UnboundedReceiver<Envelope>) {
        let tcp = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = tcp.local_addr().unwrap();
        let (sender, received) = mpsc::unbounded_channel();
        let mut config = ListenerConfig::new("mx.example.com", move |_: &str| accept);
        config.idle_timeout = Duration::from_secs(5);
        let deliver = deliver_fn(move |envelope: Envelope| {
            let sender = sender.clone();
            let fail = fail.clone();
            async move {
                match fail {
                    Some(error) => Err(error),
                    None => sender
                        .send(envelope)
                        .map_err(|e| DeliverError::Temporary(e.to_string())),
                }
            }
        });
        tokio::spawn(serve(tcp, config, deliver));
        (addr, received)
    }

    fn account(addr: SocketAddr) -> SmtpAccount {
        SmtpAccount {
            host: addr.ip().to_string(),
            port: addr.port(),
            username: None,
            password: None,
            tls: TlsMode::None,
            public_only: false,
        }
    }

    #[test]
    fn reply_subjects() {
        assert_eq!(reply_subject("Order 12"), "Re: Order 12");
        assert_eq!(reply_subject("Re: Order 12"), "Re: Order 12");
        assert_eq!(reply_subject("AW: Bestellung"), "AW: Bestellung");
        assert_eq!(reply_subject("[support] RE: x"), "[support] RE: x");
        assert_eq!(reply_subject("Fwd: invoice"), "Re: Fwd: invoice");
        assert_eq!(reply_subject("回复：你好"), "回复：你好");
        assert_eq!(
            reply_subject("Research\r\n results"),
            "Re: Research results"
        );
        assert_eq!(reply_subject(""), "Re:");
    }

    #[test]
    fn signature_separator() {
        assert_eq!(body_with_signature("Hi\n\n", Some("Jo")), "Hi\n\n-- \nJo\n");
        assert_eq!(
            body_with_signature("Hi", Some("-- \nJo")),
            "Hi\n\n-- \nJo\n"
        );
        assert_eq!(body_with_signature("Hi", Some("  ")), "Hi\n");
        assert_eq!(body_with_signature("Hi", None), "Hi\n");
    }

    #[test]
    fn built_message_has_threading_headers() {
        let r = reply();
        let message = build(&r).unwrap();
        let raw = message.formatted();
        let text = String::from_utf8_lossy(&raw);
        assert!(text.contains("Auto-Submitted: auto-replied\r\n"), "{text}");
        assert!(text.contains("X-Auto-Response-Suppress: OOF, AutoReply\r\n"));
        assert!(text.contains(&format!("Message-ID: <{}>\r\n", r.message_id)));
        let mail = parse::parse(&raw).unwrap();
        assert_eq!(mail.message_id.as_deref(), Some(r.message_id.as_str()));
        assert_eq!(mail.in_reply_to, vec!["msg2@example.com"]);
        assert_eq!(
            mail.references,
            vec!["msg0@acme.test", "msg1@example.com", "msg2@example.com"]
        );
        assert!(mail.auto_submitted);
    }

    #[test]
    fn bad_ids_are_dropped_and_references_capped() {
        let mut r = reply();
        r.in_reply_to = Some("no at sign".into());
        r.references = (0..80).map(|n| format!("id{n}@x")).collect();
        r.references.push("bad\r\nInjected: yes".into());
        let raw = build(&r).unwrap().formatted();
        let mail = parse::parse(&raw).unwrap();
        assert!(mail.in_reply_to.is_empty());
        assert_eq!(mail.references.len(), MAX_REFERENCES);
        assert_eq!(mail.references[0], "id0@x");
        assert_eq!(mail.references[MAX_REFERENCES - 1], "id79@x");
        assert!(!String::from_utf8_lossy(&raw).contains("Injected"));

        r.message_id = "not valid".into();
        assert!(matches!(build(&r), Err(BuildError::InvalidMessageId(_))));
        let mut r = reply();
        r.to = vec![Mailbox {
            name: None,
            address: "not-an-address".into(),
        }];
        assert!(matches!(
            build(&r),
            Err(BuildError::InvalidAddress { field: "to", .. })
        ));
        r.to.clear();
        assert!(matches!(build(&r), Err(BuildError::NoRecipients)));
    }

    #[test]
    fn debug_redacts_password() {
        let account = SmtpAccount {
            host: "smtp.example.com".into(),
            port: 587,
            username: Some("support@acme.test".into()),
            password: Some("hunter2-secret".into()),
            tls: TlsMode::StartTls,
            public_only: false,
        };
        let debug = format!("{account:?}");
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(debug.contains("<redacted>"));
        assert!(debug.contains("smtp.example.com") && debug.contains("587"));
        assert!(debug.contains("StartTls"));
        let none = SmtpAccount {
            password: None,
            ..account
        };
        assert!(format!("{none:?}").contains("password: None"));
    }

    #[tokio::test]
    async fn sends_through_smtp_listener() {
        let (addr, mut received) = listener(true, None).await;
        let r = reply();
        send(&account(addr), build(&r).unwrap()).await.unwrap();
        let envelope = received.recv().await.unwrap();
        assert_eq!(envelope.mail_from, "support@acme.test");
        assert_eq!(envelope.rcpt_to, vec!["jo@example.com"]);

        let mail = parse::parse(&envelope.data).unwrap();
        assert_eq!(mail.subject, "Re: Where is my order?");
        assert_eq!(mail.message_id.as_deref(), Some(r.message_id.as_str()));
        assert_eq!(mail.in_reply_to, vec!["msg2@example.com"]);
        assert_eq!(
            mail.references,
            vec!["msg0@acme.test", "msg1@example.com", "msg2@example.com"]
        );
        assert_eq!(
            mail.from,
            Some(Mailbox {
                name: Some("Acme Support".into()),
                address: "support@acme.test".into()
            })
        );
        assert_eq!(mail.to[0].name.as_deref(), Some("Jöhn Bloggs"));
        assert_eq!(
            mail.text,
            "Hi Jo,\n\nYour order ships tomorrow — 42 € refunded.\n\n-- \nAcme Support\nhttps://acme.test"
        );
        assert!(mail.auto_submitted);
        assert!(mail.date_unix.is_some());
    }

    #[tokio::test]
    async fn rejected_recipient_is_permanent() {
        let (addr, _received) = listener(false, None).await;
        let error = send(&account(addr), build(&reply()).unwrap())
            .await
            .unwrap_err();
        assert!(matches!(error, SendError::Permanent(_)), "{error:?}");
        assert!(!error.is_retryable());
        assert!(error.to_string().contains("550") || error.to_string().contains("No such user"));
    }

    #[tokio::test]
    async fn deferred_delivery_is_retryable() {
        let (addr, _received) = listener(true, Some(DeliverError::Temporary("busy".into()))).await;
        let error = send(&account(addr), build(&reply()).unwrap())
            .await
            .unwrap_err();
        assert!(matches!(error, SendError::Transient(_)), "{error:?}");
        assert!(error.is_retryable());
    }

    #[tokio::test]
    async fn unreachable_server_is_retryable() {
        // Bind then drop a listener to get a port nothing listens on.
        let port = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let error = send_with_timeout(
            &account(addr),
            build(&reply()).unwrap(),
            Duration::from_secs(5),
        )
        .await
        .unwrap_err();
        assert!(error.is_retryable(), "{error:?}");
    }

    #[tokio::test]
    async fn silent_server_times_out() {
        // Accepts the connection but never greets.
        let tcp = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = tcp.local_addr().unwrap();
        let holder = tokio::spawn(async move {
            let (_socket, _) = tcp.accept().await.unwrap();
            tokio::time::sleep(Duration::from_secs(5)).await;
        });
        let error = send_with_timeout(
            &account(addr),
            build(&reply()).unwrap(),
            Duration::from_millis(300),
        )
        .await
        .unwrap_err();
        assert!(error.is_retryable(), "{error:?}");
        holder.abort();
    }

    #[tokio::test]
    async fn tls_against_plain_server_fails_without_retry() {
        let (addr, _received) = listener(true, None).await;
        let mut account = account(addr);
        account.host = "localhost".into();
        account.tls = TlsMode::Tls;
        let error = send_with_timeout(&account, build(&reply()).unwrap(), Duration::from_secs(5))
            .await
            .unwrap_err();
        assert!(matches!(error, SendError::Tls(_)), "{error:?}");
        assert!(!error.is_retryable());
    }

    #[test]
    fn only_public_unicast_addresses_are_public() {
        let public = |s: &str| is_public(s.parse().unwrap());
        for ip in [
            "93.184.216.34",
            "8.8.8.8",
            "2606:4700::1111",
            "::ffff:93.184.216.34",
        ] {
            assert!(public(ip), "{ip}");
        }
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "198.18.0.1",
            "240.0.0.1",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "2001:db8::1",
        ] {
            assert!(!public(ip), "{ip}");
        }
    }

    #[tokio::test]
    async fn a_public_only_account_never_connects_to_a_private_address() {
        let (addr, mut received) = listener(true, None).await;
        let mut private = account(addr);
        private.public_only = true;
        let r = reply();
        match send(&private, build(&r).unwrap()).await {
            Err(SendError::PrivateHost(host)) => assert_eq!(host, "127.0.0.1"),
            other => panic!("{other:?}"),
        }
        assert!(!SendError::PrivateHost("x".into()).is_retryable());
        assert!(received.try_recv().is_err());
        assert!(matches!(
            check_public("[::1]", 25).await,
            Err(SendError::PrivateHost(_))
        ));
    }
}
