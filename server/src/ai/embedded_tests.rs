use shared::api::Author;

use super::super::demo::demo_assistant;
use super::super::embedded_eval::{parse_cases, CASES_TSV};
use super::super::{Assistant, Knowledge, Reply, ReplyRequest, Turn};
use super::passage::sentences;
use super::*;

struct Fixture {
    assistant: Assistant,
    knowledge: Knowledge,
}

fn demo() -> Fixture {
    let seed = demo_assistant();
    Fixture {
        assistant: seed.to_assistant("nora"),
        knowledge: Knowledge::new(seed.to_knowledge()),
    }
}

impl Fixture {
    fn ask_with(&self, history: &[Turn], message: &str, name: Option<&str>) -> Reply {
        Embedded.reply(&ReplyRequest {
            assistant: &self.assistant,
            knowledge: &self.knowledge,
            history,
            message,
            visitor_name: name,
        })
    }

    /// Asks mid-conversation (so no greeting prefix).
    fn ask(&self, message: &str) -> Reply {
        self.ask_with(&[visitor("hello"), assistant("Hi!")], message, None)
    }

    /// Plays visitor messages one after the other, the assistant answering each.
    fn conversation(&self, messages: &[&str]) -> Reply {
        let mut history = Vec::new();
        let mut last = None;
        for message in messages {
            let reply = self.ask_with(&history, message, None);
            history.push(visitor(message));
            history.push(assistant(&reply.text));
            last = Some(reply);
        }
        last.expect("at least one message")
    }
}

fn visitor(body: &str) -> Turn {
    Turn {
        author: Author::Visitor,
        body: body.into(),
    }
}

fn assistant(body: &str) -> Turn {
    Turn {
        author: Author::Assistant,
        body: body.into(),
    }
}

fn assert_answers(reply: &Reply, expected: &str) {
    assert!(
        reply.text.contains(expected),
        "expected {expected:?} in {:?}",
        reply.text
    );
    assert!(!reply.needs_human, "{:?}", reply.text);
    assert_eq!(reply.model, "embedded");
    assert_eq!(reply.tokens, None);
}

fn assert_hands_off(reply: &Reply) {
    assert!(reply.needs_human, "{:?}", reply.text);
    assert!(reply.text.contains(TEAMMATE_TEXT), "{:?}", reply.text);
}

#[test]
fn opening_hours_questions_get_the_hours_entry() {
    let f = demo();
    assert_answers(&f.ask("What are your opening hours?"), "8:00 am to 6:00 pm");
    assert_answers(&f.ask("when are you open"), "8:00 am to 6:00 pm");
    assert_answers(
        &f.ask("what time do you close on friday?"),
        "8:00 am to 6:00 pm",
    );
}

#[test]
fn subscription_price_question_gets_the_pricing_entry() {
    let f = demo();
    assert_answers(&f.ask("How much does a subscription cost?"), "$16/month");
    assert_answers(&f.ask("what are your plans and prices"), "$16/month");
}

#[test]
fn refund_question_gets_the_refund_policy() {
    let f = demo();
    assert_answers(&f.ask("Can I get a refund?"), "full refund");
    assert_answers(&f.ask("I want my money back"), "full refund");
}

#[test]
fn shipping_question_gets_the_shipping_entry() {
    let f = demo();
    assert_answers(&f.ask("do you ship to Canada?"), "5-8 business days");
    assert_answers(&f.ask("How long does delivery take?"), "5-8 business days");
}

#[test]
fn contact_question_gets_the_phone_number() {
    let f = demo();
    assert_answers(&f.ask("How can I contact you by phone?"), "555-0142");
    assert_answers(&f.ask("what's your email address"), "hello@northwindcoffee");
}

#[test]
fn order_status_question_gets_tracking_help() {
    let f = demo();
    assert_answers(&f.ask("where is my order"), "tracking link");
    assert_answers(&f.ask("how do I track my package?"), "tracking link");
}

#[test]
fn other_demo_topics_are_answered() {
    let f = demo();
    assert_answers(&f.ask("do you accept paypal?"), "PayPal");
    assert_answers(
        &f.ask("How do I cancel my subscription?"),
        "Account > Subscriptions",
    );
    assert_answers(
        &f.ask("can you grind the beans for french press"),
        "French press",
    );
    assert_answers(&f.ask("do you do wholesale for cafes"), "wholesale@");
    assert_answers(&f.ask("how do I change my address"), "Account > Addresses");
}

#[test]
fn weekend_follow_up_is_read_in_the_context_of_the_hours_question() {
    let f = demo();
    let reply = f.conversation(&["What are your opening hours?", "and on weekends?"]);
    assert_answers(&reply, "Saturday and Sunday");
}

#[test]
fn how_long_follow_up_is_read_in_the_context_of_the_shipping_question() {
    let f = demo();
    let reply = f.conversation(&["do you ship to Canada?", "how long does it take?"]);
    assert_answers(&reply, "5-8 business days");
}

#[test]
fn how_much_follow_up_after_shipping_answers_shipping_costs() {
    let f = demo();
    let reply = f.conversation(&["Do you deliver to Canada?", "how much is it?"]);
    assert_answers(&reply, "$12.95");
}

#[test]
fn a_complete_new_question_is_not_hijacked_by_the_previous_one() {
    let f = demo();
    for follow_up in ["and on weekends?", "and on weekends, are you open?"] {
        let reply = f.conversation(&["do you ship to Canada?", follow_up]);
        assert_answers(&reply, "Saturday and Sunday");
        assert!(!reply.text.contains("Canada"), "{:?}", reply.text);
    }
    let reply = f.conversation(&["What are your opening hours?", "Can I get a refund?"]);
    assert_answers(&reply, "full refund");
    assert!(!reply.text.contains("8:00 am"), "{:?}", reply.text);
}

#[test]
fn off_topic_and_nonsense_questions_go_to_a_teammate() {
    let f = demo();
    assert_hands_off(&f.ask("what's the capital of Mongolia?"));
    assert_hands_off(&f.ask("asdf qwer"));
    assert_hands_off(&f.ask("do you sell tea?"));
}

#[test]
fn a_number_alone_is_no_topic() {
    let f = demo();
    // "7" is in "open 24/7", "1234" in nothing: neither names what is asked.
    for message in ["hello 7", "7", "1234"] {
        assert_hands_off(&f.ask(message));
    }
    // With a topic, the number is a detail of it.
    assert_answers(
        &f.ask("is the shop open 24/7?"),
        "The online shop itself is open 24/7",
    );
}

#[test]
fn asking_for_a_person_hands_off_immediately() {
    let f = demo();
    for message in [
        "I want to talk to a human",
        "can I talk to a human",
        "real person please",
        "agent",
        "Could you connect me with a representative?",
    ] {
        let reply = f.ask(message);
        assert!(reply.needs_human, "{message}");
        assert_eq!(reply.text, HUMAN_TEXT, "{message}");
    }
    assert!(!wants_human(
        "Is your coffee roasted by a person in Portland?"
    ));
    assert!(!wants_human("how long does shipping take"));
}

#[test]
fn a_greeting_gets_the_assistant_greeting_with_the_first_name() {
    let f = demo();
    let reply = f.ask_with(&[], "hi", None);
    assert_eq!(reply.text, f.assistant.greeting);
    assert!(!reply.needs_human);
    let reply = f.ask_with(&[], "Hello there!", Some("Sam Carter"));
    assert_eq!(
        reply.text,
        "Hi Sam! I'm Nora from Northwind Coffee Roasters. How can I help you today?"
    );
}

#[test]
fn greetings_are_personalized_in_every_shape() {
    assert_eq!(
        personalize("Hello! Welcome.", Some("Ana")),
        "Hello Ana! Welcome."
    );
    assert_eq!(
        personalize("Hi {name}, welcome!", Some("Ana")),
        "Hi Ana, welcome!"
    );
    assert_eq!(personalize("Hi {name}, welcome!", None), "Hi, welcome!");
    assert_eq!(
        personalize("Welcome to Acme.", Some("Ana")),
        "Hi Ana! Welcome to Acme."
    );
    assert_eq!(personalize("", None), DEFAULT_GREETING);
    assert_eq!(first_name(Some("visitor@example.com")), None);
}

#[test]
fn thanks_and_goodbye_are_answered_without_handoff() {
    let f = demo();
    for (message, expected) in [
        ("thanks!", THANKS_TEXT),
        ("Thank you so much, that helps", THANKS_TEXT),
        ("bye", GOODBYE_TEXT),
        ("ok thanks, see you", GOODBYE_TEXT),
        ("how are you?", HOW_ARE_YOU_TEXT),
    ] {
        let reply = f.ask(message);
        assert_eq!(reply.text, expected, "{message}");
        assert!(!reply.needs_human, "{message}");
    }
}

#[test]
fn the_first_question_is_prefixed_with_the_greeting_but_not_the_second() {
    let f = demo();
    let first = f.ask_with(&[], "Can I get a refund?", Some("Sam"));
    assert!(
        first
            .text
            .starts_with("Hi Sam! I'm Nora from Northwind Coffee Roasters.\n\n"),
        "{:?}",
        first.text
    );
    assert!(!first.text.contains("How can I help"), "{:?}", first.text);
    assert!(first.text.contains("full refund"));
    let history = [visitor("Can I get a refund?"), assistant(&first.text)];
    let second = f.ask_with(&history, "do you ship to Canada?", Some("Sam"));
    assert!(
        second.text.starts_with("We ship to Canada"),
        "{:?}",
        second.text
    );
}

#[test]
fn a_greeting_with_a_question_is_greeted_once() {
    let f = demo();
    let reply = f.ask_with(&[], "hi, do you ship to canada?", None);
    assert_eq!(
        reply.text.matches("Hi there!").count(),
        1,
        "{:?}",
        reply.text
    );
    assert!(reply.text.contains("5-8 business days"), "{:?}", reply.text);
}

#[test]
fn a_question_spanning_two_entries_gets_both_answers() {
    let f = demo();
    let reply = f.ask("How can I cancel my subscription and get a refund?");
    assert_answers(&reply, "Account > Subscriptions");
    assert!(reply.text.contains("full refund"), "{:?}", reply.text);
    let single = f.ask("What are your opening hours?");
    assert!(!single.text.contains("\n\n"), "{:?}", single.text);
}

#[test]
fn replies_are_deterministic_and_never_echo_the_question() {
    let f = demo();
    let a = f.ask("How much does a subscription cost?");
    let b = f.ask("How much does a subscription cost?");
    assert_eq!(a, b);
    assert!(!a.text.contains("How much does a subscription cost"));
}

#[test]
fn empty_knowledge_hands_off_and_a_message_without_content_asks_for_more() {
    let f = demo();
    let reply = Embedded.reply(&ReplyRequest {
        assistant: &f.assistant,
        knowledge: &Knowledge::new(Vec::new()),
        history: &[visitor("hi")],
        message: "What are your opening hours?",
        visitor_name: None,
    });
    assert_hands_off(&reply);
    for message in ["   ", "Hi, can you help me?", "help"] {
        let reply = f.ask(message);
        assert!(!reply.needs_human, "{message}");
        assert_eq!(reply.text, CLARIFY_TEXT, "{message}");
    }
}

#[test]
fn relevant_entries_follow_the_conversation() {
    let f = demo();
    let history = [visitor("do you ship to Canada?"), assistant("...")];
    let entries = relevant_entries(
        &ReplyRequest {
            assistant: &f.assistant,
            knowledge: &f.knowledge,
            history: &history,
            message: "how long does it take?",
            visitor_name: None,
        },
        3,
    );
    assert!(entries.len() <= 3);
    assert!(entries[0].answer.contains("Canada: 5-8"));
}

#[test]
fn a_follow_up_gets_only_the_part_it_asks_for() {
    let f = demo();
    let weekend = f.conversation(&["What are your opening hours?", "and on weekends?"]);
    assert_answers(&weekend, "9:00 am to 2:00 pm");
    assert!(!weekend.text.contains("8:00 am"), "{:?}", weekend.text);
    let how_long = f.conversation(&["do you ship to Canada?", "how long does it take?"]);
    assert_answers(&how_long, "5-8 business days");
    for other in ["2-5 business days", "7-12 business days", "We roast"] {
        assert!(!how_long.text.contains(other), "{:?}", how_long.text);
    }
    assert_eq!(how_long.used_entries, ["demo-4"]);
}

#[test]
fn a_broad_question_gets_the_whole_entry() {
    let f = demo();
    let reply = f.ask("What are your opening hours?");
    assert_eq!(reply.text, f.knowledge[0].answer);
    assert_eq!(reply.used_entries, ["demo-1"]);
}

#[test]
fn two_products_are_compared_from_both_entries_in_one_reply() {
    let f = demo();
    let reply = f.ask("What's the difference between Harbour Blend and Ethiopia Guji?");
    assert_answers(&reply, "milk chocolate");
    assert!(reply.text.contains("jasmine"), "{:?}", reply.text);
    assert!(!reply.text.contains('\n'), "{:?}", reply.text);
    assert_eq!(reply.used_entries, ["demo-13", "demo-14"]);
}

#[test]
fn a_two_part_question_across_entries_answers_each_part() {
    let f = demo();
    let reply = f.ask("Do you ship to Canada, and can I pay with PayPal?");
    assert_answers(&reply, "$12.95");
    assert!(reply.text.contains("PayPal"), "{:?}", reply.text);
    assert!(!reply.text.contains("EUR 14.95"), "{:?}", reply.text);
    assert_eq!(reply.used_entries, ["demo-4", "demo-10"]);
}

#[test]
fn a_handoff_names_what_the_assistant_can_help_with_first() {
    let f = demo();
    let reply = f.ask("Do you sell tea?");
    assert_hands_off(&reply);
    assert!(reply.used_entries.is_empty());
    let topics = reply.text.find(TOPICS_TEXT).expect("topics listed");
    assert!(topics < reply.text.find(TEAMMATE_TEXT).expect("handoff"));
    let titles = f
        .knowledge
        .iter()
        .filter(|e| reply.text.contains(&e.question))
        .count();
    assert!((2..=3).contains(&titles), "{:?}", reply.text);
    // The closest entry comes first: tea is something one would "sell", like the coffees.
    assert!(reply.text.contains("Which coffees do you have this week?"));
}

#[test]
fn every_sentence_of_a_reply_comes_from_the_knowledge_or_a_fixed_phrase() {
    let f = demo();
    let mut fixed = vec![
        NOT_SURE_TEXT,
        TOPICS_TEXT,
        TEAMMATE_TEXT,
        HUMAN_TEXT,
        CLARIFY_TEXT,
        THANKS_TEXT,
        GOODBYE_TEXT,
        HOW_ARE_YOU_TEXT,
    ];
    fixed.extend(sentences(&f.assistant.greeting));
    fixed.sort_by_key(|p| std::cmp::Reverse(p.len()));
    let known = |s: &str| {
        f.knowledge
            .iter()
            .any(|e| e.answer.contains(s) || e.question.contains(s))
    };
    for case in parse_cases(CASES_TSV).expect("cases") {
        let mut history = Vec::new();
        for message in case.history.iter().chain([&case.question]) {
            let reply = f.ask_with(&history, message, None);
            let mut rest = reply.text.clone();
            for phrase in &fixed {
                rest = rest.replace(phrase, "\n");
            }
            for chunk in rest.split('\n') {
                for sentence in sentences(chunk) {
                    assert!(known(sentence), "{sentence:?} in {:?}", reply.text);
                }
            }
            history.push(visitor(message));
            history.push(assistant(&reply.text));
        }
    }
}

#[test]
fn a_bare_follow_up_is_about_what_the_last_reply_was_about() {
    let f = demo();
    let guji = f.conversation(&["What is Ethiopia Guji?", "how much is it?"]);
    assert_eq!(
        guji.text,
        "A 340 g bag of Ethiopia Guji costs $21, whole bean or ground."
    );
    assert_eq!(guji.used_entries, ["demo-14"]);
    let refund = f.conversation(&["Can I get a refund?", "how long does it take?"]);
    assert_eq!(refund.used_entries, ["demo-3"]);
    // Two replies back the topic was named; the bare question in between doesn't erase it.
    let price = f.conversation(&[
        "Do you ship to Canada?",
        "how long does it take?",
        "and how much?",
    ]);
    assert_answers(&price, "$12.95");
    assert!(!price.text.contains("$5.95"), "{:?}", price.text);
}

#[test]
fn a_question_the_last_entry_answers_stays_on_its_topic() {
    let f = demo();
    let sunday = f.conversation(&["Can I visit the roastery?", "are you open on Sundays?"]);
    assert_answers(&sunday, "Sunday 8:00 am to 2:00 pm");
    assert_eq!(sunday.used_entries, ["demo-16"]);
    let taste = f.conversation(&[
        "How much is the Ethiopia Guji?",
        "and the decaf?",
        "what does it taste like?",
    ]);
    assert_answers(&taste, "brown sugar");
    // A question the last entry can't answer moves on.
    let refund = f.conversation(&["Can I visit the roastery?", "Can I get a refund?"]);
    assert_eq!(refund.used_entries, ["demo-3"]);
}

#[test]
fn each_part_of_a_two_part_question_picks_its_sentences_from_its_own_entry() {
    let f = demo();
    let reply = f.ask("How much is the Guji and how much is shipping to the EU?");
    assert_eq!(
        reply.text,
        "A 340 g bag of Ethiopia Guji costs $21, whole bean or ground. We ship to the European \
         Union: 7-12 business days, EUR 14.95, free over EUR 100 (local customs fees may apply)."
    );
    let same_entry = f.ask("Do you ship to Canada and the US?");
    assert_eq!(same_entry.used_entries, ["demo-4"]);
    assert!(same_entry.text.contains("$12.95") && same_entry.text.contains("$5.95"));
    assert!(!same_entry.text.contains("EUR"), "{:?}", same_entry.text);
}

#[test]
fn the_demo_knowledge_covers_every_product_on_the_demo_page() {
    let page = include_str!("../../../public/index.html");
    let f = demo();
    for product in ["Harbour Blend", "Ethiopia Guji", "Night Ferry Decaf"] {
        assert!(page.contains(product), "{product} left the demo page");
        let entry = f
            .knowledge
            .iter()
            .find(|e| e.question.contains(product))
            .unwrap_or_else(|| panic!("no entry for {product}"));
        // The page shows the price as `<strong>$16</strong> / 340 g` after the name.
        let card = &page[page.find(product).expect("on the page")..];
        let shown = &card[card.find("<strong>").expect("price") + "<strong>".len()..];
        let shown = &shown[..shown.find("</strong>").expect("price end")];
        let price = f.ask(&format!("How much is {product}?"));
        assert_eq!(
            price.used_entries,
            std::slice::from_ref(&entry.id),
            "{product}"
        );
        assert!(price.text.contains(shown), "{shown} in {:?}", price.text);
        assert!(price.text.contains("340 g"), "{:?}", price.text);
    }
}

#[test]
fn the_demo_billing_assistant_answers_a_double_charge_from_its_own_knowledge() {
    let seed = super::super::demo::demo_billing_assistant();
    let bea = Fixture {
        assistant: seed.to_assistant("bea"),
        knowledge: Knowledge::new(seed.to_knowledge()),
    };
    for question in [
        "I was charged twice for my last order",
        "my card was charged twice for order 1234",
    ] {
        let reply = bea.ask(question);
        assert!(!reply.needs_human, "{question}: {}", reply.text);
        assert_eq!(reply.used_entries, ["demo-1"], "{question}: {}", reply.text);
    }
    let reply = bea.ask("I was charged twice for my last order");
    assert!(
        reply.text.contains("refund the duplicate"),
        "{}",
        reply.text
    );
}
