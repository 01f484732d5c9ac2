//! Client message ids: chosen once per reply and reused on every retry, so the server stores a
//! retried reply once.

/// Formats 16 random bytes as a version-4 UUID, which `shared::ClientMessageId::parse` accepts.
pub fn format_uuid_v4(mut bytes: [u8; 16]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let mut out = String::with_capacity(36);
    for (i, byte) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    out
}

/// A fresh random id from `crypto.getRandomValues` (which, unlike `crypto.randomUUID`, plain
/// HTTP pages have too).
#[cfg(target_arch = "wasm32")]
pub fn new_client_message_id() -> String {
    let mut bytes = [0u8; 16];
    let filled = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .is_some_and(|c| c.get_random_values_with_u8_array(&mut bytes).is_ok());
    if !filled {
        for b in &mut bytes {
            *b = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    format_uuid_v4(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_uuids_the_server_accepts() {
        let id = format_uuid_v4([0; 16]);
        assert_eq!(id, "00000000-0000-4000-8000-000000000000");
        assert!(shared::ClientMessageId::parse(&id).is_ok());
    }
}
