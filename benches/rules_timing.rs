//! A rough timing of `Program::eval` on typical rules (not a benchmark gate): run with
//! `cargo bench --bench rules_timing` (a plain `main`, `harness = false`).
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "timing harness"
)]

use checkout_guard::model::{Level, Scope};
use checkout_guard::rules::compile;
use checkout_guard::rules::facts::{CustomerFacts, Facts, ItemFacts, OrderFacts};
use checkout_guard::Timestamp;
use std::hint::black_box;
use std::time::Instant;

fn main() {
    let tags: &'static [String] = Vec::leak(vec!["high_value".to_string()]);
    let line = |sku, restricted| ItemFacts {
        sku,
        quantity: 2,
        price: 168.0,
        restricted,
        tags,
        ..ItemFacts::default()
    };
    let facts = Facts {
        customer: CustomerFacts {
            level: Level::Watch,
            orders_90d: 10,
            refunds_90d: 4,
            refund_rate: 0.4,
            ..CustomerFacts::default()
        },
        order: OrderFacts {
            total: 1336.0,
            issues: vec!["price_mismatch"],
            created_at: Timestamp::from_seconds(1_800_000_000),
            ..OrderFacts::default()
        },
        items: vec![line("A", false), line("B", false), line("C", true)],
        verified: &[],
        now: Timestamp::from_seconds(1_800_000_600),
    };
    let rules = [
        (
            Scope::Order,
            r#"customer.level == "block" && items.exists(i, i.restricted)"#,
        ),
        (
            Scope::Order,
            r#"customer.level in ["step_up", "block"] || customer.refund_rate > 0.3 && customer.orders_90d >= 5"#,
        ),
        (Scope::Order, r#""duplicate_recent" in order.issues"#),
        (Scope::Order, r#"now - order.created_at < duration("1h")"#),
        (Scope::Item, "double(item.quantity) * item.price > 5000.0"),
        (
            Scope::Order,
            r#"items.exists(i, "high_value" in i.tags && i.quantity > 1)"#,
        ),
        (
            Scope::Order,
            r#"order.shipping.phone.matches("^1[3-9][0-9]{9}$")"#,
        ),
    ];
    // RULES_TIMING_N changes the iteration count: running under
    // `valgrind` with two counts and comparing the allocation totals shows that
    // these evaluations allocate nothing.
    let n: u32 = std::env::var("RULES_TIMING_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let start = Instant::now();
    for _ in 0..n {
        let f = black_box(&facts);
        black_box(f.order.issues.contains(&black_box("duplicate_recent")));
    }
    let ns = start.elapsed().as_nanos() as f64 / f64::from(n);
    println!("{ns:7.1} ns/baseline  hand-written `\"duplicate_recent\" in order.issues`");
    for (scope, rule) in rules {
        let (p, _) = compile(rule, scope).unwrap();
        let item = facts.items.first();
        let start = Instant::now();
        for _ in 0..n {
            black_box(p.eval(black_box(&facts), item).unwrap());
        }
        let ns = start.elapsed().as_nanos() as f64 / f64::from(n);
        println!("{ns:7.1} ns/eval  {rule}");
    }
    if std::env::var("RULES_TIMING_N").is_ok() {
        return;
    }
    let start = Instant::now();
    for _ in 0..10_000 {
        black_box(compile(black_box(rules[1].1), Scope::Order).unwrap());
    }
    println!(
        "{:7.1} µs/compile  {}",
        start.elapsed().as_secs_f64() * 100.0,
        rules[1].1
    );
}
