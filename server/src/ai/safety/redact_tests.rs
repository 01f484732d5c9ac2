//! Redaction of each kind of personal data, numbering, and the round trip through a model.

use proptest::prelude::*;

use super::super::detect::{cards, luhn};
use super::*;

fn pairs(redacted: &Redacted) -> Vec<(&str, &str)> {
    redacted
        .placeholders
        .iter()
        .map(|(p, o)| (p.as_str(), o.as_str()))
        .collect()
}

#[test]
fn luhn_accepts_known_test_cards_and_rejects_a_changed_digit() {
    for card in [
        "4111111111111111",
        "5555555555554444",
        "378282246310005",
        "4222222222222",
    ] {
        assert!(luhn(card.as_bytes().iter()), "{card}");
    }
    assert!(!luhn(b"4111111111111112".iter()));
}

#[test]
fn card_numbers_are_replaced_in_any_common_format() {
    for card in [
        "4111111111111111",
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "3782 822463 10005",
        "4222222222222",
        "6011-1111-1111-1117",
    ] {
        let redacted = redact(&format!("my card is {card}, thanks"), false);
        assert_eq!(redacted.text, "my card is [CREDIT_CARD], thanks", "{card}");
        assert_eq!(pairs(&redacted), [("[CREDIT_CARD]", card)]);
    }
}

#[test]
fn a_number_failing_the_luhn_check_stays() {
    for text in [
        "card 4111 1111 1111 1112",
        "order 1234567890123",
        "tracking 12345678901234567890",
    ] {
        let redacted = redact(text, false);
        assert_eq!(redacted.text, text);
        assert!(redacted.placeholders.is_empty(), "{text}");
    }
}

#[test]
fn a_card_next_to_its_expiry_and_code_is_still_found() {
    let redacted = redact("4111 1111 1111 1111 123 exp 12-27", false);
    assert_eq!(redacted.text, "[CREDIT_CARD] 123 exp 12-27");
    let redacted = redact("123-45-6789 4111111111111111", false);
    assert_eq!(redacted.text, "[SSN] [CREDIT_CARD]");
}

#[test]
fn several_values_are_numbered_and_a_repeated_value_reuses_its_placeholder() {
    let text = "cards 4111111111111111 and 5555 5555 5555 4444, again 4111111111111111";
    let redacted = redact(text, false);
    assert_eq!(
        redacted.text,
        "cards [CREDIT_CARD] and [CREDIT_CARD_2], again [CREDIT_CARD]"
    );
    assert_eq!(
        pairs(&redacted),
        [
            ("[CREDIT_CARD]", "4111111111111111"),
            ("[CREDIT_CARD_2]", "5555 5555 5555 4444")
        ]
    );
}

#[test]
fn ssns_are_replaced_unless_never_issued() {
    let redacted = redact("SSN: 123-45-6789.", false);
    assert_eq!(redacted.text, "SSN: [SSN].");
    assert_eq!(pairs(&redacted), [("[SSN]", "123-45-6789")]);
    for never in [
        "000-12-3456",
        "666-12-3456",
        "900-12-3456",
        "987-65-4321",
        "123-00-4567",
        "123-45-0000",
    ] {
        assert_eq!(redact(never, false).text, never, "{never}");
    }
}

#[test]
fn an_ssn_shape_inside_a_longer_number_is_not_an_ssn() {
    for text in [
        "1123-45-6789",
        "123-45-67890",
        "123-45-6789-1",
        "9-123-45-6789",
        "a123-45-6789",
    ] {
        assert_eq!(redact(text, false).text, text, "{text}");
    }
}

#[test]
fn emails_and_phones_stay_unless_asked() {
    let text = "mail sam@example.com or call +1 (555) 123-4567";
    assert_eq!(redact(text, false).text, text);
    let redacted = redact(text, true);
    assert_eq!(redacted.text, "mail [EMAIL] or call [PHONE]");
    assert_eq!(
        pairs(&redacted),
        [
            ("[EMAIL]", "sam@example.com"),
            ("[PHONE]", "+1 (555) 123-4567")
        ]
    );
}

#[test]
fn emails_are_found_with_their_whole_address() {
    let redacted = redact("to: First.Last+tag@mail.example.co.uk. And x@y.io!", true);
    assert_eq!(redacted.text, "to: [EMAIL]. And [EMAIL_2]!");
    assert_eq!(
        redacted.placeholders[0].1,
        "First.Last+tag@mail.example.co.uk"
    );
    // Two addresses run together: the second starts after the first ends.
    let redacted = redact("a.@a.coma@a.com", true);
    assert_eq!(redacted.text, "[EMAIL]@a.com");
    assert_eq!(
        restore(&redacted.text, &redacted.placeholders),
        "a.@a.coma@a.com"
    );
    for text in [
        "@example.com",
        "sam@localhost",
        "sam@example.c0m",
        "a @ b.com",
        "sam@.com",
    ] {
        assert_eq!(redact(text, true).text, text, "{text}");
    }
}

#[test]
fn phone_numbers_in_common_formats_are_found() {
    for phone in [
        "555-123-4567",
        "(555) 123-4567",
        "555.123.4567",
        "5551234567",
        "1-800-555-0199",
        "+44 20 7946 0958",
        "+44 (0)20 7946 0958",
        "+33 1 23 45 67 89",
        "555-1234",
    ] {
        let redacted = redact(&format!("call {phone} today"), true);
        assert_eq!(redacted.text, "call [PHONE] today", "{phone}");
        assert_eq!(redacted.placeholders[0].1, phone);
    }
}

#[test]
fn numbers_that_are_not_phone_numbers_stay() {
    for text in [
        "order 1234 of 2 bags",
        "on 2024-01-15 at 10:30",
        "price 1,299.00",
        "ref AB5551234567",
        "555 1234",
        "+1234",
    ] {
        assert_eq!(redact(text, true).text, text, "{text}");
    }
}

#[test]
fn two_phone_numbers_in_a_row_are_two_placeholders() {
    let redacted = redact("555 123 4567 555 987 6540", true);
    assert_eq!(redacted.text, "[PHONE] [PHONE_2]");
}

#[test]
fn digit_groups_that_happen_to_pass_luhn_are_hidden_as_a_card() {
    // "123 4567 555 987 6543" is 17 digits passing the Luhn check. Taking it for a card costs
    // the model two phone numbers it gets back in the reply; missing a real card would leak it.
    let text = "555 123 4567 555 987 6543";
    let redacted = redact(text, true);
    assert_eq!(redacted.text, "555 [CREDIT_CARD]");
    assert_eq!(restore(&redacted.text, &redacted.placeholders), text);
}

#[test]
fn a_placeholder_name_already_in_the_text_is_skipped() {
    let text = "literal [CREDIT_CARD] then 4111111111111111";
    let redacted = redact(text, false);
    assert_eq!(redacted.text, "literal [CREDIT_CARD] then [CREDIT_CARD_2]");
    assert_eq!(restore(&redacted.text, &redacted.placeholders), text);
}

#[test]
fn restore_puts_originals_back_wherever_the_model_put_placeholders() {
    let redacted = redact("card 4111111111111111, email sam@example.com", true);
    let reply = "I see [EMAIL] and [CREDIT_CARD]; [CREDIT_CARD] is on file. [UNKNOWN] [";
    assert_eq!(
        restore(reply, &redacted.placeholders),
        "I see sam@example.com and 4111111111111111; 4111111111111111 is on file. [UNKNOWN] ["
    );
    assert_eq!(restore("no placeholders", &[]), "no placeholders");
}

#[test]
fn text_without_personal_data_is_unchanged_and_non_ascii_is_safe() {
    let text = "Café crème — ¿qué tal? 😀 [x] 12 34";
    let redacted = redact(text, true);
    assert_eq!(redacted.text, text);
    assert!(redacted.placeholders.is_empty());
}

/// A Luhn-valid card number of `len` digits starting with `body`'s digits.
fn luhn_card(mut body: Vec<u8>) -> String {
    for check in b'0'..=b'9' {
        body.push(check);
        if luhn(body.iter()) {
            return String::from_utf8(body).expect("ascii");
        }
        body.pop();
    }
    unreachable!("one check digit always fits")
}

fn card_strategy() -> impl Strategy<Value = (String, String)> {
    (
        prop::collection::vec(b'0'..=b'9', 12..=18),
        prop_oneof![Just(""), Just(" "), Just("-")],
        prop_oneof![Just(4usize), Just(3), Just(5)],
    )
        .prop_map(|(body, sep, group)| {
            let digits = luhn_card(body);
            let formatted = digits
                .as_bytes()
                .chunks(group)
                .map(|c| std::str::from_utf8(c).expect("ascii"))
                .collect::<Vec<_>>()
                .join(sep);
            (digits, formatted)
        })
}

fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z ,.!?@()+_\\-\\[\\]0-9]{0,12}",
        card_strategy().prop_map(|(_, formatted)| formatted),
        "[0-8][0-9]{2}-[0-9]{2}-[0-9]{4}",
        "[a-z.]{1,6}@[a-z]{1,6}\\.(com|org|io)",
        "\\+?[0-9 ()\\-.]{7,16}",
        Just("[CREDIT_CARD]".to_string()),
        Just("[EMAIL_2]".to_string()),
        "\\PC{0,5}",
    ]
}

fn digits_of(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

proptest! {
    #[test]
    fn redact_then_restore_gives_back_the_text(
        parts in prop::collection::vec(fragment(), 0..8),
        contact in any::<bool>(),
    ) {
        let text = parts.concat();
        let redacted = redact(&text, contact);
        prop_assert_eq!(restore(&redacted.text, &redacted.placeholders), text);
    }

    #[test]
    fn no_luhn_valid_card_survives_in_text(
        prefix in "[a-zA-Z ,.!?:#]{0,20}",
        (digits, formatted) in card_strategy(),
        suffix in "[a-zA-Z ,.!?]{0,20}",
        code in prop_oneof![Just(""), Just(" 123"), Just(" 12/27"), Just("-0042")],
        contact in any::<bool>(),
    ) {
        let text = format!("{prefix}{formatted}{code}{suffix}");
        let redacted = redact(&text, contact);
        prop_assert!(
            !digits_of(&redacted.text).contains(&digits),
            "{} survived in {}", digits, redacted.text
        );
    }

    #[test]
    fn redacted_text_holds_no_card_the_detector_would_find(
        parts in prop::collection::vec(fragment(), 0..8),
        contact in any::<bool>(),
    ) {
        let redacted = redact(&parts.concat(), contact);
        prop_assert_eq!(cards(&redacted.text, &[]), Vec::<Range<usize>>::new());
    }
}
