//! Safety benchmark (prints figures; asserts nothing).
//!
//!   cargo bench -p server --bench safety -- [--messages 20000]
//!
//! Times the pure safety steps the reply pipeline runs on every message: compiling a
//! workspace's lists (system only, and every workspace list at its 500-entry limit), checking a
//! visitor message and a candidate reply, redacting personal data (cards and SSNs, then with
//! emails and phones too) and restoring it. The messages are generated from realistic
//! templates, some with personal data or serious phrases. One thread.

mod support;

use std::hint::black_box;
use std::time::{Duration, Instant};

use server::ai::safety::{
    check_message, check_reply, merged, redact, restore, system_lists, MergedLists, SafetyLists,
    MAX_ENTRIES,
};
use support::{build_kind, Flags, Latencies};

const USAGE: &str = "[--messages 20000]";

const TEMPLATES: &[&str] = &[
    "Hi, I ordered the {product} last week and it still hasn't arrived, can you check order {order}?",
    "Do you ship to {country} and how long does it take?",
    "My card {card} was charged twice for order {order}, please refund one of them",
    "Can you update my email to {email}? My number is {phone}.",
    "What's the difference between {product} and Ethiopia Guji?",
    "this coffee is killer, I'd kill for a discount on the {product}",
    "If you don't refund me I will take legal action, my lawyer is ready",
    "I can't go on like this, nothing matters anymore",
    "Is the {product} good for a French press or should I use a finer grind?",
    "My SSN is {ssn}, do you need it for the invoice? Call me at {phone}.",
    "the bag burst open in the mail and beans went everywhere, what a mess!!!",
    "are you open on weekends? and on public holidays?",
];
const PRODUCTS: &[&str] = &["Harbour Blend", "decaf", "cold brew kit", "Colombia Huila"];
const COUNTRIES: &[&str] = &["Canada", "Germany", "Japan", "Brazil"];
const CARDS: &[&str] = &[
    "4111 1111 1111 1111",
    "5555-5555-5555-4444",
    "378282246310005",
];

/// A small deterministic generator, so every run times the same messages.
struct Lcg(u64);

impl Lcg {
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        items[(self.0 >> 33) as usize % items.len()]
    }

    fn number(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        (self.0 >> 33) % below
    }
}

fn messages(count: usize) -> Vec<String> {
    let mut rng = Lcg(42);
    (0..count)
        .map(|_| {
            rng.pick(TEMPLATES)
                .replace("{product}", rng.pick(PRODUCTS))
                .replace("{country}", rng.pick(COUNTRIES))
                .replace("{card}", rng.pick(CARDS))
                .replace("{order}", &rng.number(100_000).to_string())
                .replace("{email}", &format!("sam{}@example.com", rng.number(1000)))
                .replace(
                    "{phone}",
                    &format!("555-{:03}-{:04}", rng.number(1000), rng.number(10_000)),
                )
                .replace("{ssn}", &format!("{:03}-45-6789", 100 + rng.number(500)))
        })
        .collect()
}

fn full_workspace() -> SafetyLists {
    let list = |kind: &str| {
        (0..MAX_ENTRIES)
            .map(|i| format!("{kind} phrase number {i}"))
            .collect()
    };
    SafetyLists {
        blocked: list("blocked"),
        serious_high: list("high"),
        serious_medium: list("medium"),
    }
}

fn time<T>(latencies: &mut Latencies, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    latencies.record(start.elapsed());
    out
}

fn report(name: &str, latencies: &Latencies, total: Duration) {
    let per_sec = latencies.len() as f64 / total.as_secs_f64();
    println!(
        "{name:<34} {per_sec:>12.0}/s   p50 {:>6.0} µs   p99 {:>6.0} µs   max {:>6.0} µs",
        latencies.percentile_ms(50.0) * 1000.0,
        latencies.percentile_ms(99.0) * 1000.0,
        latencies.max_ms() * 1000.0,
    );
}

fn run(name: &str, messages: &[String], mut step: impl FnMut(&str)) {
    let mut latencies = Latencies::default();
    let start = Instant::now();
    for message in messages {
        time(&mut latencies, || step(message));
    }
    report(name, &latencies, start.elapsed());
}

fn bench_lists(label: &str, lists: &MergedLists, messages: &[String]) {
    let flagged = messages
        .iter()
        .filter(|m| !check_message(lists, m).is_clean())
        .count();
    println!(
        "{label}: {} phrases, {flagged} of {} messages flagged",
        lists.len(),
        messages.len()
    );
    run(&format!("check_message ({label})"), messages, |m| {
        black_box(check_message(lists, m));
    });
    run(&format!("check_reply ({label})"), messages, |m| {
        black_box(check_reply(lists, m));
    });
}

fn main() -> anyhow::Result<()> {
    let flags = Flags::parse(USAGE)?;
    let count: usize = flags.get("--messages", 20_000)?;
    println!("safety benchmark, {}, {count} messages", build_kind());
    let messages = messages(count);

    for (label, workspace) in [
        ("system lists", SafetyLists::default()),
        ("3 x 500 workspace", full_workspace()),
    ] {
        let mut compile = Latencies::default();
        let start = Instant::now();
        let mut lists = MergedLists::default();
        for _ in 0..20 {
            lists = time(&mut compile, || merged(&system_lists(), &workspace));
        }
        report(&format!("merged ({label})"), &compile, start.elapsed());
        bench_lists(label, &lists, &messages);
    }

    for contact in [false, true] {
        let label = if contact { "all" } else { "cards, SSNs" };
        let redacted_count = messages
            .iter()
            .filter(|m| !redact(m, contact).placeholders.is_empty())
            .count();
        println!("redact ({label}): {redacted_count} of {count} messages had personal data");
        run(&format!("redact ({label})"), &messages, |m| {
            black_box(redact(m, contact));
        });
        let redacted: Vec<_> = messages.iter().map(|m| redact(m, contact)).collect();
        let mut latencies = Latencies::default();
        let start = Instant::now();
        for r in &redacted {
            time(&mut latencies, || {
                black_box(restore(&r.text, &r.placeholders))
            });
        }
        report(&format!("restore ({label})"), &latencies, start.elapsed());
    }
    Ok(())
}
