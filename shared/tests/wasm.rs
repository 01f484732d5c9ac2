//! The parsers in the browser: the widget validates with this very code, so it must behave the
//! same on wasm32 as on the server.
#![cfg(target_arch = "wasm32")]

use shared::{Email, EmailError, MessageText, NameError, PersonName};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn email_parsing_matches_the_server() {
    assert!(Email::parse(" jane.doe+chat@example.co.uk ").is_ok());
    assert_eq!(Email::parse("jane@example"), Err(EmailError::InvalidDomain));
    assert_eq!(Email::parse("jane.example.com"), Err(EmailError::MissingAt));
    assert_eq!(
        Email::parse("Jane@Example.COM").map(|e| e.normalized()),
        Ok("jane@example.com".to_owned())
    );
}

#[wasm_bindgen_test]
fn names_and_messages_parse_in_the_browser() {
    assert_eq!(
        PersonName::parse("  José   García ").map(|n| n.as_str().to_owned()),
        Ok("José García".to_owned())
    );
    assert_eq!(
        PersonName::parse("<b>"),
        Err(NameError::ForbiddenCharacter('<'))
    );
    assert!(MessageText::parse("  ").is_err());
    assert_eq!(
        MessageText::parse(" hi ").map(MessageText::into_string),
        Ok("hi".to_owned())
    );
}
