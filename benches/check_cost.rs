//! Not a timing (the criterion timings are `benches/check.rs`): a driver that runs a fixed
//! number of checks on the generated benchmark store, so that instruction and cache-miss
//! counts can be measured deterministically. `cargo bench --bench check_cost --no-run`
//! builds it and prints its path, `target/release/deps/check_cost-<hash>`; run that under
//! `valgrind --tool=cachegrind` with `CHECKS=1` and `CHECKS=20001` (20,000 by default):
//! the difference divided by 20,000 is the per-check figure, without the setup.
//! `KINDS=customer_id,email,phone,address` keeps only those kinds in the blocklist;
//! `LIST_ENTRIES=1` adds the pattern and scoped entries of `store::add_list_entries`;
//! `LINES=n` keeps only the orders of n lines (what a line costs: n=1 against n=5).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // measurement code: a failure should stop loudly

use checkout_guard::snapshot::{self, WriteOptions};
use checkout_guard::{CheckOptions, Engine};

#[path = "support/generated_store.rs"]
mod store;

fn main() {
    let count: usize = std::env::var("CHECKS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_000);
    // `KINDS=email,phone`: keep only those kinds' blocklist entries, to measure a store
    // that lists fewer kinds (the others are then skipped: docs/BENCHMARKS.md).
    let mut source = store::source(store::BLOCKLIST);
    if let Ok(kinds) = std::env::var("KINDS") {
        let keep: Vec<&str> = kinds.split(',').collect();
        source.blocklist.retain(|e| keep.contains(&e.kind.as_str()));
    }
    if std::env::var_os("LIST_ENTRIES").is_some() {
        store::add_list_entries(&mut source);
    }
    let bytes = snapshot::write(
        &source,
        &WriteOptions {
            created_at: store::created_at(),
            key: snapshot::DEMO_KEY,
        },
    )
    .unwrap();
    let mut engine = Engine::from_bytes(bytes).unwrap();
    let mut orders = store::orders(4096, 7);
    // `LINES=3`: only the orders of that many lines, to measure what a line costs.
    if let Some(lines) = std::env::var("LINES")
        .ok()
        .and_then(|s| s.parse::<usize>().ok())
    {
        orders.retain(|o| o.items.len() == lines);
    }
    let options = CheckOptions {
        now: Some(store::now()),
        locale: None,
        ..CheckOptions::default()
    };
    let mut denied = 0usize;
    for i in 0..count {
        let v = engine.check(&orders[i % orders.len()], &options);
        denied += usize::from(v.decision == checkout_guard::model::Action::Deny);
    }
    assert!(denied < count, "the generated stream is mostly not denied");
    eprintln!("{count} checks, {denied} denied");
}
