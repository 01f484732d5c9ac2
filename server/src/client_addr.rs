//! The address a request comes from, for rate limits: the socket's peer, unless that peer is a
//! reverse proxy listed in `LIVECHAT_TRUSTED_PROXIES`; then the right-most `X-Forwarded-For`
//! entry that no trusted proxy wrote. Entries to the left of it were written by the client
//! itself and are never believed. Without trusted proxies the header is ignored entirely.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::str::FromStr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use ipnet::IpNet;

use crate::error::ApiError;
use crate::state::AppState;

/// Addresses and ranges of the reverse proxies in front of the server.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// A comma-separated list of addresses (`10.0.0.7`, `::1`) and CIDR ranges (`10.0.0.0/8`).
    pub fn parse(list: &str) -> Result<Self, String> {
        list.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|entry| {
                IpNet::from_str(entry)
                    .or_else(|_| IpAddr::from_str(entry).map(IpNet::from))
                    .map(|net| net.trunc())
                    .map_err(|_| format!("`{entry}` is neither an IP address nor a CIDR range"))
            })
            .collect::<Result<_, _>>()
            .map(Self)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }
}

/// The client's address as far as this server can tell (see the module documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

impl ClientAddr {
    /// The rate-limit key: the IPv4 address, or the /64 network of an IPv6 address (one
    /// subscriber usually holds a whole /64, so single IPv6 addresses are free to rotate).
    pub fn rate_key(&self) -> String {
        match self.0 {
            IpAddr::V4(v4) => v4.to_string(),
            IpAddr::V6(v6) => {
                let prefix = u128::from(v6) & !((1u128 << 64) - 1);
                format!("{}/64", Ipv6Addr::from(prefix))
            }
        }
    }
}

/// The client address for a connection from `peer` carrying `forwarded_for` (the values of
/// every `X-Forwarded-For` header, in order).
pub fn client_ip<'a>(
    peer: IpAddr,
    forwarded_for: impl IntoIterator<Item = &'a str>,
    trusted: &TrustedProxies,
) -> IpAddr {
    let peer = peer.to_canonical();
    if !trusted.contains(peer) {
        return peer;
    }
    let entries: Vec<&str> = forwarded_for
        .into_iter()
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .collect();
    // Walk from the nearest hop outwards. `last_trusted` is the hop that handed us what we
    // read next; if that is unreadable, the hop is the best address we can vouch for.
    let mut last_trusted = peer;
    for entry in entries.iter().rev() {
        let Some(ip) = parse_entry(entry) else {
            return last_trusted;
        };
        if !trusted.contains(ip) {
            return ip;
        }
        last_trusted = ip;
    }
    // Every hop is a trusted proxy: the request started inside; the left-most is its origin.
    last_trusted
}

/// One `X-Forwarded-For` entry: `203.0.113.9`, `2001:db8::1`, `[2001:db8::1]:443` or
/// `203.0.113.9:51000` (some proxies append the port).
fn parse_entry(entry: &str) -> Option<IpAddr> {
    IpAddr::from_str(entry)
        .or_else(|_| SocketAddr::from_str(entry).map(|s| s.ip()))
        .ok()
        .map(|ip| ip.to_canonical())
}

fn forwarded_for(headers: &HeaderMap) -> impl Iterator<Item = &str> {
    // A header that isn't visible ASCII can't be read: it counts as one malformed entry.
    headers
        .get_all("x-forwarded-for")
        .iter()
        .map(|v| v.to_str().unwrap_or("?"))
}

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let ConnectInfo(peer) = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .copied()
            .ok_or_else(|| anyhow::anyhow!("served without connect info"))?;
        let trusted = &state.config.trusted_proxies;
        if trusted.is_empty() {
            return Ok(Self(peer.ip().to_canonical()));
        }
        Ok(Self(client_ip(
            peer.ip(),
            forwarded_for(&parts.headers),
            trusted,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn proxies(s: &str) -> TrustedProxies {
        TrustedProxies::parse(s).unwrap()
    }

    #[test]
    fn without_trusted_proxies_the_header_is_ignored() {
        let none = TrustedProxies::default();
        assert_eq!(
            client_ip(ip("198.51.100.1"), ["203.0.113.9"], &none),
            ip("198.51.100.1")
        );
    }

    #[test]
    fn a_peer_that_is_not_a_trusted_proxy_is_the_client() {
        let trusted = proxies("10.0.0.0/8");
        assert_eq!(
            client_ip(ip("198.51.100.1"), ["203.0.113.9"], &trusted),
            ip("198.51.100.1")
        );
    }

    #[test]
    fn the_right_most_untrusted_entry_wins() {
        let trusted = proxies("10.0.0.0/8, 192.0.2.7");
        // The client claims 1.2.3.4; the edge proxy saw 203.0.113.9; an inner proxy 10.1.1.1.
        let header = ["1.2.3.4, 203.0.113.9", "192.0.2.7"];
        assert_eq!(
            client_ip(ip("10.0.0.2"), header, &trusted),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn a_malformed_entry_stops_the_walk_at_the_proxy_that_wrote_it() {
        let trusted = proxies("10.0.0.0/8");
        assert_eq!(
            client_ip(
                ip("10.0.0.2"),
                ["203.0.113.9, nonsense, 10.0.0.5"],
                &trusted
            ),
            ip("10.0.0.5")
        );
        // Junk the client wrote further left is never reached.
        assert_eq!(
            client_ip(ip("10.0.0.2"), ["nonsense, 203.0.113.9"], &trusted),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn when_every_hop_is_trusted_the_left_most_is_the_client() {
        let trusted = proxies("10.0.0.0/8");
        assert_eq!(
            client_ip(ip("10.0.0.2"), ["10.9.9.9, 10.0.0.5"], &trusted),
            ip("10.9.9.9")
        );
        assert_eq!(
            client_ip(ip("10.0.0.2"), [] as [&str; 0], &trusted),
            ip("10.0.0.2")
        );
    }

    #[test]
    fn ports_brackets_and_mapped_addresses_are_understood() {
        let trusted = proxies("127.0.0.1");
        assert_eq!(
            client_ip(ip("::ffff:127.0.0.1"), ["[2001:db8::1]:443"], &trusted),
            ip("2001:db8::1")
        );
        assert_eq!(
            client_ip(ip("127.0.0.1"), ["203.0.113.9:51000"], &trusted),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn the_list_takes_addresses_and_ranges_and_names_a_bad_entry() {
        let trusted = proxies("127.0.0.1, ::1,10.0.0.0/8 ,");
        assert!(trusted.contains(ip("10.200.0.1")));
        assert!(trusted.contains(ip("::1")));
        assert!(!trusted.contains(ip("11.0.0.1")));
        let err = TrustedProxies::parse("10.0.0.0/8, proxy.internal").unwrap_err();
        assert!(err.contains("proxy.internal"), "{err}");
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
    }

    #[test]
    fn ipv6_clients_are_keyed_by_their_64() {
        let a = ClientAddr(ip("2001:db8:1:2:aaaa::1")).rate_key();
        let b = ClientAddr(ip("2001:db8:1:2:bbbb::9")).rate_key();
        assert_eq!(a, b);
        assert_eq!(a, "2001:db8:1:2::/64");
        assert_eq!(ClientAddr(ip("203.0.113.9")).rate_key(), "203.0.113.9");
    }

    /// An entry that is an address, an address with a port, or junk.
    fn entry() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<[u8; 4]>().prop_map(|o| IpAddr::from(o).to_string()),
            (any::<[u8; 4]>(), any::<u16>())
                .prop_map(|(o, p)| SocketAddr::from((o, p)).to_string()),
            any::<[u16; 8]>().prop_map(|s| IpAddr::from(s).to_string()),
            "[a-z0-9:., \\[\\]]{0,12}",
        ]
    }

    proptest! {
        /// Whatever the header says, the answer is the peer or an entry right of which every
        /// entry is a readable trusted proxy: nothing the client wrote past an untrusted hop
        /// is ever believed.
        #[test]
        fn the_walk_never_believes_an_entry_left_of_an_untrusted_one(
            entries in proptest::collection::vec(entry(), 0..8),
            trusted_last_octet in any::<u8>(),
        ) {
            let trusted = proxies(&format!("10.0.0.0/8, 192.0.2.{trusted_last_octet}"));
            let peer = ip("10.0.0.1");
            let header = entries.join(",");
            let got = client_ip(peer, [header.as_str()], &trusted);
            if got != peer {
                let parsed: Vec<Option<IpAddr>> =
                    header.split(',').map(|e| parse_entry(e.trim())).collect();
                let i = parsed.iter().rposition(|p| *p == Some(got));
                prop_assert!(i.is_some(), "{got} is not in {header:?}");
                for right in &parsed[i.unwrap_or(0) + 1..] {
                    prop_assert!(right.is_some_and(|r| trusted.contains(r)));
                }
            }
        }

        #[test]
        fn an_untrusted_peer_is_always_the_answer(
            entries in proptest::collection::vec(entry(), 0..8),
        ) {
            let trusted = proxies("10.0.0.0/8");
            let peer = ip("198.51.100.1");
            prop_assert_eq!(client_ip(peer, [entries.join(",").as_str()], &trusted), peer);
        }
    }
}
