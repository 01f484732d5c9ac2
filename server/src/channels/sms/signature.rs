//! Webhook signature checks for the SMS providers, so that only Twilio and Telnyx can post
//! inbound messages and delivery reports to us. Twilio signs with HMAC-SHA1 over the public URL
//! plus the sorted form parameters (header `X-Twilio-Signature`); Telnyx signs
//! `"{timestamp}|{raw body}"` with Ed25519 (headers `telnyx-signature-ed25519`,
//! `telnyx-timestamp`). Every comparison is constant-time, and nothing here panics on any input:
//! headers and bodies come from strangers.

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use ed25519_dalek::{Signature, VerifyingKey};
use hmac::{Hmac, Mac};
use sha1::Sha1;
use subtle::ConstantTimeEq;
use thiserror::Error;

type HmacSha1 = Hmac<Sha1>;

/// Standard base64 that accepts input with or without `=` padding: keys pasted from a portal
/// sometimes lose it.
const LENIENT_BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The signature Twilio sends in `X-Twilio-Signature` for a request to `url` (the full public
/// URL as configured in Twilio, query string included) with the POST form `params`: the
/// parameters are sorted by name, then by value for repeated names, each name and value
/// appended to the URL with no separators, the result signed with HMAC-SHA1 keyed by the auth
/// token, and the digest encoded as standard padded base64. A name=value pair that occurs more
/// than once is signed once, as Twilio's helper libraries do (their shared test vector for
/// repeated parameters depends on it).
#[must_use]
pub fn twilio_signature(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    match twilio_digest(auth_token, url, params) {
        Some(digest) => STANDARD.encode(digest),
        // HMAC accepts keys of any length, so this is never reached; an empty string never
        // verifies (see `verify_twilio`).
        None => String::new(),
    }
}

fn twilio_digest(auth_token: &str, url: &str, params: &[(String, String)]) -> Option<[u8; 20]> {
    let mut sorted: Vec<(&str, &str)> = params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    sorted.sort_unstable();
    sorted.dedup();
    let mut mac = HmacSha1::new_from_slice(auth_token.as_bytes()).ok()?;
    mac.update(url.as_bytes());
    for (key, value) in sorted {
        mac.update(key.as_bytes());
        mac.update(value.as_bytes());
    }
    Some(mac.finalize().into_bytes().into())
}

/// Whether `header` (the `X-Twilio-Signature` value) is Twilio's signature of this request.
///
/// `url` should be the public URL Twilio was configured with, not one rebuilt from request
/// headers a client controls. Twilio may have signed it with or without an explicit port,
/// depending on how the webhook URL was entered, so, like Twilio's helper libraries, this also
/// accepts the signature of the URL with its explicit port removed (when one is written) or
/// with the scheme's default port added (`:443` for https, `:80` for http, when none is
/// written). The comparisons are constant-time; an empty header or token never verifies.
#[must_use]
pub fn verify_twilio(
    auth_token: &str,
    url: &str,
    params: &[(String, String)],
    header: &str,
) -> bool {
    let header = header.trim();
    if header.is_empty() || auth_token.is_empty() {
        return false;
    }
    let mut ok = subtle::Choice::from(0);
    for candidate in url_port_variants(url) {
        let Some(digest) = twilio_digest(auth_token, &candidate, params) else {
            return false;
        };
        let expected = STANDARD.encode(digest);
        ok |= expected.as_bytes().ct_eq(header.as_bytes());
    }
    bool::from(ok)
}

/// `url` itself, then the same URL with its port toggled (see [`toggle_port`]), when that
/// applies.
fn url_port_variants(url: &str) -> Vec<String> {
    let mut variants = vec![url.to_owned()];
    if let Some(other) = toggle_port(url) {
        variants.push(other);
    }
    variants
}

/// For an http or https URL: without its port when one is written, with the scheme's default
/// port when none is. `None` for other schemes and for anything this small parser does not
/// understand (no `://`, empty host, a port that is not digits).
fn toggle_port(url: &str) -> Option<String> {
    let scheme_end = url.find("://")?;
    let scheme = url.get(..scheme_end)?;
    let default_port = if scheme.eq_ignore_ascii_case("https") {
        "443"
    } else if scheme.eq_ignore_ascii_case("http") {
        "80"
    } else {
        return None;
    };
    let authority_start = scheme_end + 3;
    let rest = url.get(authority_start..)?;
    let authority_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority_end = authority_start + authority_len;
    let authority = url.get(authority_start..authority_end)?;
    // Userinfo ends at the last '@'; the host (possibly a bracketed IPv6 literal) follows.
    let host_start = authority.rfind('@').map_or(0, |at| at + 1);
    let host_port = authority.get(host_start..)?;
    let port_colon = match host_port.rfind(':') {
        // A colon inside an IPv6 literal is not a port separator.
        Some(i) if !host_port.get(i..)?.contains(']') => Some(i),
        _ => None,
    };
    let before = url.get(..authority_start + host_start)?;
    let after = url.get(authority_end..)?;
    match port_colon {
        Some(i) => {
            let host = host_port.get(..i)?;
            let port = host_port.get(i + 1..)?;
            if host.is_empty() || port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            Some(format!("{before}{host}{after}"))
        }
        None => {
            if host_port.is_empty() {
                return None;
            }
            Some(format!("{before}{host_port}:{default_port}{after}"))
        }
    }
}

/// Why a Telnyx webhook signature was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SignatureError {
    /// The configured public key is not valid base64.
    #[error("Telnyx public key is not valid base64")]
    PublicKeyEncoding,
    /// The configured public key does not decode to 32 bytes.
    #[error("Telnyx public key must be 32 bytes, got {0}")]
    PublicKeyLength(usize),
    /// The configured public key is not a usable Ed25519 point.
    #[error("Telnyx public key is not a valid Ed25519 key")]
    InvalidPublicKey,
    /// The signature header is not valid base64.
    #[error("signature is not valid base64")]
    SignatureEncoding,
    /// The signature header does not decode to 64 bytes.
    #[error("signature must be 64 bytes, got {0}")]
    SignatureLength(usize),
    /// The timestamp header is not a whole number of seconds.
    #[error("timestamp is not a number")]
    TimestampNotANumber,
    /// The timestamp is older than the tolerance allows: a late delivery or a replay.
    #[error("timestamp is {age_secs}s old, beyond the tolerance (possible replay)")]
    TimestampTooOld { age_secs: i64 },
    /// The timestamp is further in the future than the tolerance allows.
    #[error("timestamp is {ahead_secs}s in the future, beyond the tolerance")]
    TimestampInFuture { ahead_secs: i64 },
    /// Everything parsed, but the signature is not Telnyx's signature of this body and timestamp.
    #[error("signature does not match")]
    Mismatch,
}

/// Checks a Telnyx webhook: `signature_b64` (header `telnyx-signature-ed25519`) must be the
/// Ed25519 signature, by the key `public_key_b64` (base64 of the 32-byte key from the Telnyx
/// portal), of `"{timestamp}|{raw_body}"`, where the timestamp is the `telnyx-timestamp` header
/// (unix seconds), and that timestamp must be within `tolerance_secs` of `now_unix_secs` either
/// way. `raw_body` must be the body exactly as received, before any JSON parsing. A negative
/// tolerance counts as zero.
pub fn verify_telnyx(
    public_key_b64: &str,
    timestamp_header: &str,
    signature_b64: &str,
    raw_body: &[u8],
    now_unix_secs: i64,
    tolerance_secs: i64,
) -> Result<(), SignatureError> {
    let key_bytes = LENIENT_BASE64
        .decode(public_key_b64.trim())
        .map_err(|_| SignatureError::PublicKeyEncoding)?;
    let key_bytes: [u8; 32] = key_bytes
        .as_slice()
        .try_into()
        .map_err(|_| SignatureError::PublicKeyLength(key_bytes.len()))?;
    let key = VerifyingKey::from_bytes(&key_bytes).map_err(|_| SignatureError::InvalidPublicKey)?;
    if key.is_weak() {
        return Err(SignatureError::InvalidPublicKey);
    }

    let sig_bytes = LENIENT_BASE64
        .decode(signature_b64.trim())
        .map_err(|_| SignatureError::SignatureEncoding)?;
    let sig_bytes: [u8; 64] = sig_bytes
        .as_slice()
        .try_into()
        .map_err(|_| SignatureError::SignatureLength(sig_bytes.len()))?;
    let signature = Signature::from_bytes(&sig_bytes);

    let timestamp_text = timestamp_header.trim();
    let timestamp: i64 = timestamp_text
        .parse()
        .map_err(|_| SignatureError::TimestampNotANumber)?;
    let tolerance = tolerance_secs.max(0);
    let age = now_unix_secs.saturating_sub(timestamp);
    if age > tolerance {
        return Err(SignatureError::TimestampTooOld { age_secs: age });
    }
    let ahead = timestamp.saturating_sub(now_unix_secs);
    if ahead > tolerance {
        return Err(SignatureError::TimestampInFuture { ahead_secs: ahead });
    }

    let mut signed = Vec::with_capacity(timestamp_text.len() + 1 + raw_body.len());
    signed.extend_from_slice(timestamp_text.as_bytes());
    signed.push(b'|');
    signed.extend_from_slice(raw_body);
    key.verify_strict(&signed, &signature)
        .map_err(|_| SignatureError::Mismatch)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer, SigningKey};

    fn p(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    /// The vector in Twilio's helper libraries' own test suites (twilio-python, twilio-php,
    /// twilio-csharp `RequestValidatorTest`).
    const TWILIO_URL: &str = "https://mycompany.com/myapp.php?foo=1&bar=2";
    const TWILIO_SIG: &str = "RSOYDt4T1cUTdK1PDd93/VVr8B8=";
    fn twilio_params() -> Vec<(String, String)> {
        p(&[
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+14158675309"),
            ("Digits", "1234"),
            ("From", "+14158675309"),
            ("To", "+18005551212"),
        ])
    }

    #[test]
    fn twilio_library_vector() {
        assert_eq!(
            twilio_signature("12345", TWILIO_URL, &twilio_params()),
            TWILIO_SIG
        );
        assert!(verify_twilio(
            "12345",
            TWILIO_URL,
            &twilio_params(),
            TWILIO_SIG
        ));
    }

    /// The worked example on Twilio's "Webhooks security" page (other phone numbers than the
    /// library vector, hence another signature).
    #[test]
    fn twilio_docs_vector() {
        let params = p(&[
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+12349013030"),
            ("Digits", "1234"),
            ("From", "+12349013030"),
            ("To", "+18005551212"),
        ]);
        assert_eq!(
            twilio_signature("12345", TWILIO_URL, &params),
            "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
        );
        assert!(verify_twilio(
            "12345",
            TWILIO_URL,
            &params,
            "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
        ));
    }

    /// The helper libraries' vector for a repeated name: values sorted, duplicates signed once.
    #[test]
    fn twilio_repeated_names_vector() {
        let params = p(&[
            ("Sid", "CA123"),
            ("SidAccount", "AC123"),
            ("Digits", "5678"),
            ("Digits", "1234"),
            ("Digits", "1234"),
        ]);
        assert_eq!(
            twilio_signature("12345", TWILIO_URL, &params),
            "IK+Dwps556ElfBT0I3Rgjkr1wJU="
        );
        // The signed string is URL + "Digits1234" + "Digits5678" + "SidCA123" + ...
        let mut mac = HmacSha1::new_from_slice(b"12345").unwrap();
        mac.update(TWILIO_URL.as_bytes());
        mac.update(b"Digits1234Digits5678SidCA123SidAccountAC123");
        assert_eq!(
            STANDARD.encode(mac.finalize().into_bytes()),
            "IK+Dwps556ElfBT0I3Rgjkr1wJU="
        );
    }

    #[test]
    fn twilio_param_order_does_not_matter() {
        let mut params = twilio_params();
        params.reverse();
        assert!(verify_twilio("12345", TWILIO_URL, &params, TWILIO_SIG));
        params.swap(1, 3);
        assert!(verify_twilio("12345", TWILIO_URL, &params, TWILIO_SIG));
        // Surrounding whitespace on the header is tolerated.
        assert!(verify_twilio(
            "12345",
            TWILIO_URL,
            &params,
            &format!(" {TWILIO_SIG}\t")
        ));
    }

    #[test]
    fn twilio_rejects_tampering() {
        let mut tampered = twilio_params();
        tampered[2].1 = "1235".to_owned();
        assert!(!verify_twilio("12345", TWILIO_URL, &tampered, TWILIO_SIG));

        let mut renamed = twilio_params();
        renamed[2].0 = "Digit".to_owned();
        assert!(!verify_twilio("12345", TWILIO_URL, &renamed, TWILIO_SIG));

        let mut extra = twilio_params();
        extra.push(("Body".to_owned(), "hi".to_owned()));
        assert!(!verify_twilio("12345", TWILIO_URL, &extra, TWILIO_SIG));

        let mut missing = twilio_params();
        missing.pop();
        assert!(!verify_twilio("12345", TWILIO_URL, &missing, TWILIO_SIG));

        // The URL is signed too: another query, path, host or scheme fails.
        for url in [
            "https://mycompany.com/myapp.php?foo=1&bar=3",
            "https://mycompany.com/myapp.php",
            "https://mycompany.com/other.php?foo=1&bar=2",
            "https://example.com/myapp.php?foo=1&bar=2",
            "http://mycompany.com/myapp.php?foo=1&bar=2",
        ] {
            assert!(
                !verify_twilio("12345", url, &twilio_params(), TWILIO_SIG),
                "{url}"
            );
        }
    }

    #[test]
    fn twilio_rejects_wrong_token_and_garbage_headers() {
        let params = twilio_params();
        assert!(!verify_twilio("12346", TWILIO_URL, &params, TWILIO_SIG));
        assert!(!verify_twilio("", TWILIO_URL, &params, TWILIO_SIG));
        for header in [
            "",
            "   ",
            "RSOYDt4T1cUTdK1PDd93/VVr8B8",
            "RSOYDt4T1cUTdK1PDd93/VVr8B8==",
            "NOTRSOYDt4T1cUTdK1PDd93/VVr8B8=",
            "rsoydt4t1cutdk1pdd93/vvr8b8=",
            "not base64 at all ✓",
            "\u{0}",
        ] {
            assert!(
                !verify_twilio("12345", TWILIO_URL, &params, header),
                "{header:?}"
            );
        }
    }

    #[test]
    fn twilio_signature_with_no_params_signs_the_url_alone() {
        let mut mac = HmacSha1::new_from_slice(b"tok").unwrap();
        mac.update(b"https://h/x?a=1");
        let expected = STANDARD.encode(mac.finalize().into_bytes());
        assert_eq!(twilio_signature("tok", "https://h/x?a=1", &[]), expected);
        assert!(verify_twilio("tok", "https://h/x?a=1", &[], &expected));
        assert_eq!(expected.len(), 28);
        assert!(expected.ends_with('='));
    }

    #[test]
    fn twilio_signs_values_verbatim() {
        // '+', '%', '&' and non-ASCII are signed as the decoded form values, byte for byte.
        let params = p(&[("Body", "a+b%20c&d=é ✓")]);
        let mut mac = HmacSha1::new_from_slice(b"tok").unwrap();
        mac.update("https://h/xBodya+b%20c&d=é ✓".as_bytes());
        assert_eq!(
            twilio_signature("tok", "https://h/x", &params),
            STANDARD.encode(mac.finalize().into_bytes())
        );
    }

    /// The port vectors from twilio-csharp's `RequestValidatorTest` (same params and token as
    /// the library vector).
    #[test]
    fn twilio_port_variants_match_the_library_vectors() {
        let params = twilio_params();
        // AddsPortHttps: Twilio signed ":443", the configured URL has no port.
        assert!(verify_twilio(
            "12345",
            TWILIO_URL,
            &params,
            "kvajT1Ptam85bY51eRf/AJRuM3w="
        ));
        // AddsPortHttp: Twilio signed ":80".
        assert!(verify_twilio(
            "12345",
            "http://mycompany.com/myapp.php?foo=1&bar=2",
            &params,
            "0ZXoZLH/DfblKGATFgpif+LLRf4="
        ));
        // RemovesPortHttps: Twilio signed no port, the configured URL has one.
        assert!(verify_twilio(
            "12345",
            "https://mycompany.com:1234/myapp.php?foo=1&bar=2",
            &params,
            TWILIO_SIG
        ));
        assert!(verify_twilio(
            "12345",
            "https://mycompany.com:443/myapp.php?foo=1&bar=2",
            &params,
            TWILIO_SIG
        ));
        // AddsCustomPortHttps / Http: the URL as given, with its port.
        assert!(verify_twilio(
            "12345",
            "https://mycompany.com:1234/myapp.php?foo=1&bar=2",
            &params,
            "CYn1h0gLBdNxDGkKJg6hYohgeD8="
        ));
        assert!(verify_twilio(
            "12345",
            "http://mycompany.com:1234/myapp.php?foo=1&bar=2",
            &params,
            "Zmvh+3yNM1Phv2jhDCwEM3q5ebU="
        ));
    }

    #[test]
    fn twilio_port_variants_are_limited() {
        let params = twilio_params();
        // No port is invented other than the scheme's default: a ":1234" signature does not
        // verify for the port-less URL.
        assert!(!verify_twilio(
            "12345",
            TWILIO_URL,
            &params,
            "CYn1h0gLBdNxDGkKJg6hYohgeD8="
        ));
        // The https default is not added to an http URL.
        assert!(!verify_twilio(
            "12345",
            "http://mycompany.com/myapp.php?foo=1&bar=2",
            &params,
            "kvajT1Ptam85bY51eRf/AJRuM3w="
        ));
        // One port is not swapped for another.
        assert!(!verify_twilio(
            "12345",
            "https://mycompany.com:8443/myapp.php?foo=1&bar=2",
            &params,
            "CYn1h0gLBdNxDGkKJg6hYohgeD8="
        ));
    }

    #[test]
    fn port_toggling_handles_url_shapes() {
        let t = toggle_port;
        assert_eq!(
            t("https://example.com/a?b=c").as_deref(),
            Some("https://example.com:443/a?b=c")
        );
        assert_eq!(
            t("https://example.com:443/a").as_deref(),
            Some("https://example.com/a")
        );
        assert_eq!(
            t("https://example.com:8443/a").as_deref(),
            Some("https://example.com/a")
        );
        assert_eq!(
            t("https://example.com").as_deref(),
            Some("https://example.com:443")
        );
        assert_eq!(
            t("https://example.com?x=1").as_deref(),
            Some("https://example.com:443?x=1")
        );
        assert_eq!(
            t("https://example.com#frag").as_deref(),
            Some("https://example.com:443#frag")
        );
        assert_eq!(
            t("HTTPS://Example.com/").as_deref(),
            Some("HTTPS://Example.com:443/")
        );
        assert_eq!(
            t("https://user:pw@example.com/a").as_deref(),
            Some("https://user:pw@example.com:443/a")
        );
        assert_eq!(
            t("https://user:pw@example.com:443/a").as_deref(),
            Some("https://user:pw@example.com/a")
        );
        assert_eq!(t("https://[::1]/a").as_deref(), Some("https://[::1]:443/a"));
        assert_eq!(t("https://[::1]:443/a").as_deref(), Some("https://[::1]/a"));
        assert_eq!(t("http://h:80").as_deref(), Some("http://h"));
        assert_eq!(t("http://h/").as_deref(), Some("http://h:80/"));
        // A colon in the path or query is not a port.
        assert_eq!(
            t("https://h/a:443?b=c:443").as_deref(),
            Some("https://h:443/a:443?b=c:443")
        );
        assert_eq!(t("https://é:443/ü").as_deref(), Some("https://é/ü"));
        assert_eq!(t("ftp://h/a"), None);
        assert_eq!(t("example.com/a"), None);
        assert_eq!(t("https:///a"), None);
        assert_eq!(t("https://:443/a"), None);
        assert_eq!(t("https://h:/a"), None);
        assert_eq!(t("https://h:abc/a"), None);
        assert_eq!(t(""), None);
        assert_eq!(t("://"), None);
        assert_eq!(t("https://"), None);
    }

    // ---- Telnyx ----

    const NOW: i64 = 1_700_000_000;

    fn signing_key() -> SigningKey {
        SigningKey::from_bytes(&[7u8; 32])
    }

    fn public_b64() -> String {
        STANDARD.encode(signing_key().verifying_key().to_bytes())
    }

    fn sign(timestamp: &str, body: &[u8]) -> String {
        let mut msg = timestamp.as_bytes().to_vec();
        msg.push(b'|');
        msg.extend_from_slice(body);
        STANDARD.encode(signing_key().sign(&msg).to_bytes())
    }

    const BODY: &[u8] = br#"{"data":{"event_type":"message.received","id":"x"}}"#;

    #[test]
    fn telnyx_valid_signature_verifies() {
        let ts = NOW.to_string();
        let sig = sign(&ts, BODY);
        assert_eq!(
            verify_telnyx(&public_b64(), &ts, &sig, BODY, NOW, 300),
            Ok(())
        );
        // At the edges of the tolerance window.
        let old = (NOW - 300).to_string();
        assert_eq!(
            verify_telnyx(&public_b64(), &old, &sign(&old, BODY), BODY, NOW, 300),
            Ok(())
        );
        let new = (NOW + 300).to_string();
        assert_eq!(
            verify_telnyx(&public_b64(), &new, &sign(&new, BODY), BODY, NOW, 300),
            Ok(())
        );
        // Unpadded base64 and surrounding whitespace are tolerated.
        let unpadded_key = public_b64().trim_end_matches('=').to_owned();
        let unpadded_sig = sig.trim_end_matches('=').to_owned();
        assert_eq!(
            verify_telnyx(
                &format!(" {unpadded_key}\n"),
                &format!(" {ts} "),
                &unpadded_sig,
                BODY,
                NOW,
                300
            ),
            Ok(())
        );
        // An empty body is signed like any other.
        assert_eq!(
            verify_telnyx(&public_b64(), &ts, &sign(&ts, b""), b"", NOW, 300),
            Ok(())
        );
    }

    #[test]
    fn telnyx_rejects_tampered_body_and_timestamp() {
        let ts = NOW.to_string();
        let sig = sign(&ts, BODY);
        let mut tampered = BODY.to_vec();
        tampered[10] ^= 1;
        assert_eq!(
            verify_telnyx(&public_b64(), &ts, &sig, &tampered, NOW, 300),
            Err(SignatureError::Mismatch)
        );
        // The same signature with a different (still fresh) timestamp.
        let other_ts = (NOW + 1).to_string();
        assert_eq!(
            verify_telnyx(&public_b64(), &other_ts, &sig, BODY, NOW, 300),
            Err(SignatureError::Mismatch)
        );
        // A different key.
        let other_key = STANDARD.encode(
            SigningKey::from_bytes(&[8u8; 32])
                .verifying_key()
                .to_bytes(),
        );
        assert_eq!(
            verify_telnyx(&other_key, &ts, &sig, BODY, NOW, 300),
            Err(SignatureError::Mismatch)
        );
        // A flipped signature bit.
        let mut sig_bytes = STANDARD.decode(&sig).unwrap();
        sig_bytes[0] ^= 0x80;
        assert_eq!(
            verify_telnyx(
                &public_b64(),
                &ts,
                &STANDARD.encode(&sig_bytes),
                BODY,
                NOW,
                300
            ),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn telnyx_rejects_stale_and_future_timestamps() {
        let old = (NOW - 301).to_string();
        assert_eq!(
            verify_telnyx(&public_b64(), &old, &sign(&old, BODY), BODY, NOW, 300),
            Err(SignatureError::TimestampTooOld { age_secs: 301 })
        );
        let future = (NOW + 301).to_string();
        assert_eq!(
            verify_telnyx(&public_b64(), &future, &sign(&future, BODY), BODY, NOW, 300),
            Err(SignatureError::TimestampInFuture { ahead_secs: 301 })
        );
        // Extreme values do not overflow.
        for ts in [i64::MIN, i64::MAX] {
            let t = ts.to_string();
            let r = verify_telnyx(&public_b64(), &t, &sign(&t, BODY), BODY, NOW, 300);
            assert!(
                matches!(
                    r,
                    Err(SignatureError::TimestampTooOld { .. }
                        | SignatureError::TimestampInFuture { .. })
                ),
                "{r:?}"
            );
        }
        // A negative tolerance means zero.
        let ts = NOW.to_string();
        assert_eq!(
            verify_telnyx(&public_b64(), &ts, &sign(&ts, BODY), BODY, NOW, -5),
            Ok(())
        );
        let t = (NOW - 1).to_string();
        assert_eq!(
            verify_telnyx(&public_b64(), &t, &sign(&t, BODY), BODY, NOW, -5),
            Err(SignatureError::TimestampTooOld { age_secs: 1 })
        );
    }

    #[test]
    fn telnyx_rejects_garbage() {
        let ts = NOW.to_string();
        let sig = sign(&ts, BODY);
        let key = public_b64();

        assert_eq!(
            verify_telnyx("not base64!", &ts, &sig, BODY, NOW, 300),
            Err(SignatureError::PublicKeyEncoding)
        );
        assert_eq!(
            verify_telnyx("", &ts, &sig, BODY, NOW, 300),
            Err(SignatureError::PublicKeyLength(0))
        );
        assert_eq!(
            verify_telnyx(&STANDARD.encode([1u8; 31]), &ts, &sig, BODY, NOW, 300),
            Err(SignatureError::PublicKeyLength(31))
        );
        assert_eq!(
            verify_telnyx(&STANDARD.encode([1u8; 33]), &ts, &sig, BODY, NOW, 300),
            Err(SignatureError::PublicKeyLength(33))
        );
        // The identity point is a small-order ("weak") key: anything would verify against it.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert_eq!(
            verify_telnyx(&STANDARD.encode(identity), &ts, &sig, BODY, NOW, 300),
            Err(SignatureError::InvalidPublicKey)
        );
        // y = 2 is not on the curve.
        let mut off_curve = [0u8; 32];
        off_curve[0] = 2;
        assert_eq!(
            verify_telnyx(&STANDARD.encode(off_curve), &ts, &sig, BODY, NOW, 300),
            Err(SignatureError::InvalidPublicKey)
        );

        assert_eq!(
            verify_telnyx(&key, &ts, "%%%", BODY, NOW, 300),
            Err(SignatureError::SignatureEncoding)
        );
        assert_eq!(
            verify_telnyx(&key, &ts, "", BODY, NOW, 300),
            Err(SignatureError::SignatureLength(0))
        );
        assert_eq!(
            verify_telnyx(&key, &ts, &STANDARD.encode([0u8; 63]), BODY, NOW, 300),
            Err(SignatureError::SignatureLength(63))
        );
        assert_eq!(
            verify_telnyx(&key, &ts, &STANDARD.encode([0u8; 64]), BODY, NOW, 300),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_telnyx(&key, &ts, &STANDARD.encode([0xffu8; 64]), BODY, NOW, 300),
            Err(SignatureError::Mismatch)
        );

        for bad_ts in [
            "",
            "abc",
            "1.5",
            "1e9",
            "0x10",
            "99999999999999999999",
            "١٢٣",
        ] {
            assert_eq!(
                verify_telnyx(&key, bad_ts, &sig, BODY, NOW, 300),
                Err(SignatureError::TimestampNotANumber),
                "{bad_ts:?}"
            );
        }
    }

    #[test]
    fn signature_errors_display_without_secrets() {
        let e = SignatureError::TimestampTooOld { age_secs: 999 };
        assert!(e.to_string().contains("999"));
        assert!(e.to_string().contains("replay"));
        assert_eq!(
            SignatureError::Mismatch.to_string(),
            "signature does not match"
        );
    }
}
