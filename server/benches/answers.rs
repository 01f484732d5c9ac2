//! How well the embedded assistant answers the demo knowledge: the question set in
//! `benches/data/answers.tsv` (many follow-ups, two-part questions and handoffs), with the hit
//! rate (right entries AND every expected fact AND nothing forbidden) overall and per category,
//! every failure with the reply given, and the time per reply. Prints figures, asserts nothing.
//!
//! `cargo bench -p server --bench answers` (add `-- --all` to print every reply, not only the
//! failures)

use std::time::Instant;

use server::ai::embedded_eval::{parse_cases, run, summarize, Verdict, CASES_TSV};

fn main() {
    let cases = match parse_cases(CASES_TSV) {
        Ok(cases) => cases,
        Err(error) => {
            eprintln!("benches/data/answers.tsv: {error}");
            std::process::exit(2);
        }
    };
    let started = Instant::now();
    let verdicts = run(&cases);
    let elapsed = started.elapsed();
    let replies: usize = cases.iter().map(|c| c.history.len() + 1).sum();
    let summary = summarize(&verdicts);

    println!("embedded answers over the demo knowledge");
    println!(
        "  hit rate      {:>5.1} %  ({} of {} questions)",
        100.0 * summary.hit_rate(),
        summary.hits,
        summary.total
    );
    for (category, (hits, total)) in &summary.per_category {
        println!(
            "  {category:<12}  {:>5.1} %  ({hits} of {total})",
            100.0 * *hits as f64 / *total as f64
        );
    }
    let misses =
        |wanted: fn(&Verdict) -> bool| verdicts.iter().filter(|v| !v.hit() && wanted(v)).count();
    println!(
        "  misses        {} handed off with an answer in the knowledge, {} answered instead of \
         handing off, {} from the wrong entries, {} right entries but facts missing or repeated",
        misses(|v| v.needs_human && !v.case.entries.is_empty()),
        misses(|v| !v.needs_human && v.case.entries.is_empty()),
        misses(|v| !v.needs_human && !v.case.entries.is_empty() && !v.right_entries()),
        misses(|v| v.right_entries()),
    );
    println!(
        "  time          {:.1} µs per reply ({replies} replies, history included)",
        elapsed.as_secs_f64() * 1e6 / replies as f64
    );
    let all = std::env::args().any(|a| a == "--all");
    let shown: Vec<_> = verdicts.iter().filter(|v| all || !v.hit()).collect();
    if !shown.is_empty() {
        println!("\n{}", if all { "replies" } else { "failures" });
    }
    for v in shown {
        let history = if v.case.history.is_empty() {
            String::new()
        } else {
            format!("[{}] ", v.case.history.join(" | "))
        };
        println!(
            "  line {} ({}): {history}{:?}\n    {}\n    reply ({}): {:?}",
            v.case.line,
            v.case.category,
            v.case.question,
            if v.hit() {
                "hit".to_string()
            } else {
                format!("problems: {}", v.problems.join("; "))
            },
            v.used_entries.join(" "),
            v.reply
        );
    }
}
