//! Routing benchmark (prints figures; asserts nothing): how long `routing::evaluate` takes per
//! customer message as a workspace's rules grow, and what business hours cost.
//!
//!   cargo bench -p server --bench routing -- [--rules 10,100,1000] [--messages 20000]
//!
//! Each rule has three keywords (one of them a phrase), every third an intent, every fourth a
//! channel list and every fifth a time window; messages are realistic sentences of which few
//! match, so most evaluations try every rule (the worst case). Figures are the mean per message
//! and the p50/p99 of batches of 100 messages (the shared histogram), in microseconds.

mod support;

use std::hint::black_box;
use std::time::{Duration, Instant};

use server::routing::{self, BusinessHours, RoutingInput, Rule};
use shared::api::Channel;
use shared::routing::{Opening, RuleTarget, TimeWindow};
use support::Latencies;

const USAGE: &str = "[--rules 10,100,1000] [--messages 20000]";

const MESSAGES: [&str; 6] = [
    "Hi, I was charged twice for my last order, can you help?",
    "Do you ship to Canada and how long does it take?",
    "What's the difference between Harbour Blend and Ethiopia Guji?",
    "My grinder stopped working after a week, I'd like to speak to a human",
    "Are you open on weekends?",
    "Can I change the delivery address of order 1234 before it ships?",
];

fn rules(count: usize) -> Vec<Rule> {
    (0..count)
        .map(|i| Rule {
            id: format!("rr_{i}"),
            name: format!("rule {i}"),
            priority: u8::try_from(i % 101).unwrap_or(0),
            active: i % 7 != 0,
            keywords: vec![
                format!("word{i}"),
                format!("other{i}"),
                format!("a phrase {i}"),
            ],
            intent: (i % 3 == 0).then(|| format!("intent{}", i % 11)),
            channels: if i % 4 == 0 {
                vec![Channel::Sms, Channel::Email]
            } else {
                vec![]
            },
            time_window: if i % 5 == 0 {
                TimeWindow::BusinessHours
            } else {
                TimeWindow::Any
            },
            target: RuleTarget::Assistant {
                assistant_id: format!("as_{i}"),
            },
            target_name: Some(format!("Assistant {i}")),
            position: i64::try_from(i).unwrap_or(0),
            created_at: 0,
            updated_at: 0,
        })
        .collect()
}

fn hours() -> BusinessHours {
    let openings = (0..5)
        .map(|weekday| Opening {
            weekday,
            open_min: 9 * 60,
            close_min: 17 * 60 + 30,
        })
        .collect();
    BusinessHours::new("Europe/London", openings).expect("a known time zone")
}

fn main() -> anyhow::Result<()> {
    let flags = support::Flags::parse(USAGE)?;
    let counts: Vec<usize> = flags.list("--rules", &[10, 100, 1000])?;
    let messages: usize = flags.get("--messages", 20_000)?;
    println!("routing benchmark, {}", support::build_kind());
    let hours = hours();
    // A Wednesday morning: business-hours rules are checked against an open schedule.
    let now_ms = 1_796_205_600_000;
    for count in counts {
        let rules = rules(count);
        let mut batches = Latencies::default();
        let mut matched = 0usize;
        let started = Instant::now();
        let mut batch = Instant::now();
        for i in 0..messages {
            let input = RoutingInput {
                text: MESSAGES[i % MESSAGES.len()],
                intent: Some(("billing", 0.8)),
                channel: Channel::Web,
                now_ms,
            };
            let decision = routing::evaluate(black_box(&rules), &input, &hours, 0.6);
            matched += usize::from(decision.rule.is_some());
            if i % 100 == 99 {
                batches.record(batch.elapsed() / 100);
                batch = Instant::now();
            }
        }
        let total = started.elapsed();
        println!(
            "{count:>5} rules, evaluate:    {:>8.2} µs/message mean, p50 {:>8.2} µs, p99 {:>8.2} \
             µs, {:>9.0} messages/s ({matched} matched)",
            micros(total) / messages as f64,
            batches.percentile_ms(50.0) * 1000.0,
            batches.percentile_ms(99.0) * 1000.0,
            messages as f64 / total.as_secs_f64(),
        );
        let started = Instant::now();
        let mut quick_matched = 0usize;
        for i in 0..messages {
            let input = RoutingInput {
                text: MESSAGES[i % MESSAGES.len()],
                intent: Some(("billing", 0.8)),
                channel: Channel::Web,
                now_ms,
            };
            let found = routing::first_match(black_box(&rules), &input, &hours, 0.6);
            quick_matched += usize::from(found.is_some());
        }
        let total = started.elapsed();
        println!(
            "{count:>5} rules, first_match: {:>8.2} µs/message mean, {:>9.0} messages/s \
             ({quick_matched} matched)",
            micros(total) / messages as f64,
            messages as f64 / total.as_secs_f64(),
        );
    }
    let started = Instant::now();
    let mut open = 0usize;
    for i in 0..messages {
        let at = now_ms + i64::try_from(i).unwrap_or(0) * 61_000;
        open += usize::from(routing::is_open(&hours, at));
        black_box(routing::next_opening(&hours, at));
    }
    println!(
        "business hours: {:.2} µs per is_open + next_opening (Europe/London; {open} of {messages} \
         instants open)",
        micros(started.elapsed()) / messages as f64
    );
    Ok(())
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}
