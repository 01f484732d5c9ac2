//! Intent detection benchmark (prints figures; asserts nothing).
//!
//!   cargo bench -p server --bench intent -- [--runs 50] [--data a.tsv,b.tsv] [--misses]
//!
//! Trains the embedded classifier on the default intents and classifies each labelled set
//! (`label<TAB>text`, written apart from the training examples; by default `intents.tsv`, the
//! development set, and `intents-holdout.tsv`, written after tuning ended): accuracy per intent and overall,
//! the confusion matrix (rows: labelled intent, columns: answer), how often answers at or above
//! `CONFIDENT` are right and how many messages reach it, accuracy per confidence bin, and the
//! time to train (the defaults, and a few hundred examples) and to classify one message.
//! `--misses` lists the wrongly classified messages.

mod support;

use std::time::{Duration, Instant};

use anyhow::Context;
use server::ai::intent::evaluation::{parse_tsv, Evaluation, LabelledMessage};
use server::ai::intent::{default_intents, Classifier, Intent, CONFIDENT};
use support::{build_kind, cpus, Flags, Latencies};

const USAGE: &str = "[--runs 50] [--data a.tsv,b.tsv] [--misses]";

fn main() -> anyhow::Result<()> {
    let flags = Flags::parse(USAGE)?;
    let runs: usize = flags.get("--runs", 50)?;
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/data");
    let data: Vec<String> = flags.list(
        "--data",
        &[
            format!("{dir}/intents.tsv"),
            format!("{dir}/intents-holdout.tsv"),
        ],
    )?;
    let intents = default_intents();
    let examples: usize = intents.iter().map(|i| i.examples.len()).sum();
    println!("intent detection — {}, {} cpus", build_kind(), cpus());
    println!("training: {} intents, {examples} examples", intents.len());
    let classifier = Classifier::train(&intents)?;

    let mut messages = Vec::new();
    for path in &data {
        let tsv = std::fs::read_to_string(path).with_context(|| format!("reading {path}"))?;
        let set = parse_tsv(&tsv).map_err(|e| anyhow::anyhow!("{path}: {e}"))?;
        println!("\n=== {} messages from {path}", set.len());
        print_quality(&Evaluation::run(&classifier, &set));
        if flags.switch("--misses") {
            print_misses(&classifier, &set);
        }
        messages.extend(set);
    }

    println!("\ntime ({runs} runs each)");
    print_training(
        &format!("defaults ({examples} examples)"),
        &time_training(&intents, runs)?,
    );
    // A workspace with a few hundred examples: the defaults plus one intent per labelled
    // message group (timing only; this model's accuracy is not measured).
    let larger = with_extra_intents(&intents, &messages);
    let larger_examples: usize = larger.iter().map(|i| i.examples.len()).sum();
    print_training(
        &format!("{} intents ({larger_examples} examples)", larger.len()),
        &time_training(&larger, runs)?,
    );
    let mut classify = Latencies::default();
    for _ in 0..runs {
        for message in &messages {
            let started = Instant::now();
            std::hint::black_box(classifier.classify(std::hint::black_box(&message.text)));
            classify.record(started.elapsed());
        }
    }
    println!(
        "  classify one message:                 wall p50 {:>7.3} ms  p99 {:>7.3} ms",
        classify.percentile_ms(50.0),
        classify.percentile_ms(99.0)
    );
    Ok(())
}

fn print_quality(evaluation: &Evaluation) {
    println!("\naccuracy per intent");
    for (intent, labelled, accuracy) in evaluation.per_intent() {
        println!(
            "  {intent:<10} {:>6.1} %  of {labelled:>3}",
            accuracy * 100.0
        );
    }
    println!(
        "  {:<10} {:>6.1} %  of {:>3}",
        "overall",
        evaluation.accuracy() * 100.0,
        evaluation.total()
    );

    println!("\nconfusion (rows: labelled, columns: answered)");
    let width = evaluation
        .intents
        .iter()
        .map(String::len)
        .max()
        .unwrap_or(0)
        + 1;
    print!("  {:<width$}", "");
    for name in &evaluation.intents {
        print!("{name:>width$}");
    }
    println!();
    for (name, row) in evaluation.intents.iter().zip(&evaluation.confusion) {
        print!("  {name:<width$}");
        for count in row {
            print!("{count:>width$}");
        }
        println!();
    }

    let total = evaluation.total().max(1);
    println!(
        "\nconfident (>= {CONFIDENT}): {} of {} messages ({:.1} %), {:.1} % of them right",
        evaluation.confident,
        evaluation.total(),
        100.0 * evaluation.confident as f64 / total as f64,
        100.0 * evaluation.confident_correct as f64 / evaluation.confident.max(1) as f64
    );
    println!("accuracy by confidence");
    for (low, answers, right) in &evaluation.calibration {
        if *answers > 0 {
            println!(
                "  {low:.1}-{:.1}  {answers:>4} answers  {:>5.1} % right",
                low + 0.1,
                100.0 * *right as f64 / *answers as f64
            );
        }
    }
}

fn print_misses(classifier: &Classifier, messages: &[LabelledMessage]) {
    println!("\nmisses");
    for message in messages {
        let answer = classifier.classify(&message.text);
        if answer.intent != message.intent {
            println!(
                "  {:<9} -> {:<9} {:.2}  {}",
                message.intent, answer.intent, answer.confidence, message.text
            );
        }
    }
}

/// Wall time and on-CPU time of each training run. On a shared machine the wall time includes
/// waiting for a core; the CPU time (from `/proc/thread-self/schedstat`) does not.
fn time_training(
    intents: &[Intent],
    runs: usize,
) -> anyhow::Result<(Latencies, Option<Latencies>)> {
    let mut wall = Latencies::default();
    let mut cpu = Latencies::default();
    let mut cpu_known = true;
    for _ in 0..runs {
        let cpu_before = thread_cpu();
        let started = Instant::now();
        std::hint::black_box(Classifier::train(std::hint::black_box(intents))?);
        wall.record(started.elapsed());
        match (cpu_before, thread_cpu()) {
            (Some(before), Some(after)) => cpu.record(after.saturating_sub(before)),
            _ => cpu_known = false,
        }
    }
    Ok((wall, cpu_known.then_some(cpu)))
}

/// Time this thread has spent on a CPU (Linux), or None.
fn thread_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos: u64 = stat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

fn print_training(what: &str, (wall, cpu): &(Latencies, Option<Latencies>)) {
    print!(
        "  train, {what:<30} wall p50 {:>7.2} ms  max {:>7.2} ms",
        wall.percentile_ms(50.0),
        wall.max_ms()
    );
    match cpu {
        Some(cpu) => println!("   cpu p50 {:>7.2} ms", cpu.percentile_ms(50.0)),
        None => println!(),
    }
}

/// The defaults plus one extra intent per labelled intent, taught by the labelled messages.
fn with_extra_intents(intents: &[Intent], messages: &[LabelledMessage]) -> Vec<Intent> {
    let mut larger = intents.to_vec();
    for intent in intents {
        larger.push(Intent {
            key: format!("{}_extra", intent.key),
            label: format!("{} (extra)", intent.label),
            examples: messages
                .iter()
                .filter(|m| m.intent == intent.key)
                .map(|m| m.text.clone())
                .collect(),
        });
    }
    larger
}
