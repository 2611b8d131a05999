//! The worst a crafted order can cost one check (docs/semantics.md §9.2, "Rules that
//! fail"): single-rule policies against orders built to be expensive — nested
//! comprehensions over hundreds of lines, patterns over a thousand 1,000-byte SKUs.
//! Prints the time per check and its decision; every case must stay bounded by the
//! order's step budget (~50 ms natively) and never be `allow` when its rule could not
//! be evaluated. Run with `cargo bench --bench hostile` (a plain `main`,
//! `harness = false`); figures in docs/BENCHMARKS.md, "Hostile orders".
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "timing harness")]

use checkout_guard::{
    compile_files, snapshot, CheckOptions, CompileOptions, Engine, Order, SourceFiles,
};
use std::time::Instant;

fn engine(when: &str, scope: &str) -> Engine {
    let policy = format!(
        "merchant = \"m\"\ncurrency = \"CNY\"\nvalid_for = \"3650d\"\n\n[[rule]]\nid = \"r\"\nwhen = '{when}'\nscope = \"{scope}\"\naction = \"deny\"\nreason = \"R\"\n"
    );
    let files = SourceFiles::from_pairs([("policy.toml", policy.as_str())]);
    let options = CompileOptions {
        created_at: None,
        key: Some(snapshot::DEMO_KEY),
        ..CompileOptions::default()
    };
    Engine::from_bytes(compile_files(&files, &options).unwrap().bytes).unwrap()
}

/// `lines` lines with SKUs `sku_len` bytes long.
fn order(lines: usize, sku_len: usize) -> Order {
    let items: Vec<_> = (0..lines)
        .map(|i| {
            let sku = format!("{}{i:04}", "x".repeat(sku_len.saturating_sub(4)));
            serde_json::json!({"sku": sku, "quantity": 1, "unit_price": 1.0})
        })
        .collect();
    let order = serde_json::json!({
        "order_id": "H-1", "currency": "CNY", "customer": {}, "items": items,
        "shipping": {"name": "a", "phone": "13800138000", "province": "a", "city": "b", "line1": "c"},
    });
    Order::from_json(&order.to_string()).unwrap()
}

fn main() {
    let cases = [
        (
            300,
            8,
            "items.exists(a, items.exists(b, a.quantity > b.quantity + 1000))",
            "order",
        ),
        (
            400,
            8,
            "items.exists(a, items.exists(b, a.quantity > b.quantity + 1000))",
            "order",
        ),
        (
            900,
            8,
            "items.exists(a, a.quantity > item.quantity + 1000)",
            "item",
        ),
        (
            900,
            1000,
            "item.sku.matches(\"(?i)limited|edition\")",
            "item",
        ),
        (
            900,
            1000,
            "item.sku.matches(\"^[a-z]{100}[0-9]{100}$\")",
            "item",
        ),
        (900, 1000, "item.sku.matches(\"x{1000}y\")", "item"),
        (900, 12, "item.sku.matches(\"(?i)limited|edition\")", "item"),
        (900, 1000, "item.sku.contains(\"zzz\")", "item"),
    ];
    println!("| rule | lines × SKU bytes | ms per check | decision | warnings |");
    println!("|---|---|---:|---|---|");
    for (lines, sku_len, when, scope) in cases {
        let mut e = engine(when, scope);
        let o = order(lines, sku_len);
        let options = CheckOptions::default();
        let _ = e.check(&o, &options);
        let reps = 5;
        let start = Instant::now();
        let mut verdict = None;
        for _ in 0..reps {
            verdict = Some(e.check(&o, &options));
        }
        let ms = start.elapsed().as_secs_f64() * 1e3 / f64::from(reps);
        let v = verdict.expect("ran");
        println!(
            "| `{when}` ({scope}) | {lines} × {sku_len} | {ms:.1} | {} | {} |",
            v.decision.as_str(),
            v.warnings.len()
        );
    }
}
