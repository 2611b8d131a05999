//! `backtest` on every core (`backtest::parallel`) reports exactly what the serial
//! `Backtest` reports: the same counts, changes and errors, for any number of threads
//! and any batching — duplicates included, which depend on the order the orders come in.

use checkout_guard::backtest::parallel::{Input, ParallelBacktest};
use checkout_guard::backtest::{Backtest, Report};
use checkout_guard::compile::{compile_dir, CompileOptions};
use checkout_guard::snapshot::DEMO_KEY;
use checkout_guard::{Engine, Timestamp, DEMO_SNAPSHOT};
use std::path::Path;

fn now() -> Timestamp {
    Timestamp::parse_rfc3339("2026-11-25T10:00:00Z").unwrap()
}

fn demo() -> Engine {
    Engine::from_bytes(DEMO_SNAPSHOT).unwrap()
}

/// The demo store with `edit` applied to its `policy.toml`, compiled at `created_at`.
pub(crate) fn demo_with_policy(
    edit: impl FnOnce(&str) -> String,
    created_at: Timestamp,
) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo-store");
    for f in [
        "policy.toml",
        "blocklist.csv",
        "catalog.csv",
        "customers.csv",
    ] {
        std::fs::copy(root.join(f), dir.path().join(f)).unwrap();
    }
    let policy = std::fs::read_to_string(dir.path().join("policy.toml")).unwrap();
    std::fs::write(dir.path().join("policy.toml"), edit(&policy)).unwrap();
    let compiled = compile_dir(
        dir.path(),
        &CompileOptions {
            created_at: Some(created_at),
            key: Some(DEMO_KEY),
            ..CompileOptions::default()
        },
    )
    .unwrap();
    compiled.bytes
}

/// The demo store with one more rule: every order of 100 yuan or more is reviewed.
fn stricter() -> Engine {
    let bytes = demo_with_policy(
        |policy| {
            policy.replacen(
                "[[rule]]",
                "[[rule]]\nid = \"review-big\"\nwhen = 'order.total >= 100.0'\naction = \"review\"\nreason = \"BIG_ORDER_REVIEW\"\n\n[[rule]]",
                1,
            )
        },
        now(),
    );
    Engine::from_bytes(bytes).unwrap()
}

/// The sample orders several times over (repeats of one basket are duplicates), with
/// lines that are not orders among them, and one customer's 40 baskets followed by the
/// first again (forgotten past 32 baskets a customer: not a duplicate then).
fn inputs() -> Vec<Input> {
    let samples = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/orders/all.jsonl"),
    )
    .unwrap();
    let mut out: Vec<Input> = Vec::new();
    for copy in 0..4 {
        for (i, line) in samples.lines().enumerate() {
            let line = if copy % 2 == 1 {
                line.replace("\"order_id\":\"", &format!("\"order_id\":\"{copy}-"))
            } else {
                line.to_string()
            };
            out.push(Ok(line));
            if i % 9 == 4 {
                out.push(Ok("{\"items\": 3}".to_string()));
            }
        }
    }
    let basket = |n: usize| {
        format!(
            "{{\"customer\":{{\"id\":\"C777\"}},\"items\":[{{\"sku\":\"TEA-001\",\"quantity\":{n},\"unit_price\":10.0}}]}}"
        )
    };
    for n in 1..=40 {
        out.push(Ok(basket(n)));
    }
    out.push(Ok(basket(1)));
    out.push(Ok(basket(40)));
    out
}

fn serial(baseline: bool, bound: bool) -> Report {
    let (engine, base) = if baseline {
        (stricter(), Some(demo()))
    } else {
        (demo(), None)
    };
    let mut bt = Backtest::new(engine, base).with_bound_identity(bound);
    for input in inputs() {
        match input {
            Ok(text) => {
                let _ = bt.add_json(&text, now());
            }
            Err(e) => bt.unusable(e),
        }
    }
    bt.finish()
}

fn parallel(baseline: bool, bound: bool, threads: usize, batch: usize) -> Report {
    let engines = (0..threads)
        .map(|_| {
            if baseline {
                (stricter(), Some(demo()))
            } else {
                (demo(), None)
            }
        })
        .collect();
    let mut bt = ParallelBacktest::new(engines, bound, now()).unwrap();
    assert_eq!(bt.threads(), threads);
    let all = inputs();
    for part in all.chunks(batch) {
        bt.add_batch(part.to_vec());
    }
    bt.finish()
}

#[test]
fn every_thread_count_and_batching_reports_what_the_serial_backtest_reports() {
    for (baseline, bound) in [(false, false), (false, true), (true, false)] {
        let expected = serial(baseline, bound);
        assert!(expected.unusable > 0);
        assert!(expected
            .reasons
            .iter()
            .any(|r| r.code == "DUPLICATE_SUBMISSION"));
        if baseline {
            assert!(!expected.changes.as_ref().unwrap().is_empty());
        }
        for (threads, batch) in [(1, 1000), (2, 1000), (3, 7), (8, 50), (4, 1)] {
            assert_eq!(
                parallel(baseline, bound, threads, batch),
                expected,
                "baseline {baseline}, bound {bound}, {threads} threads, batches of {batch}"
            );
        }
    }
}

#[test]
fn engines_with_and_without_a_baseline_do_not_mix() {
    assert!(
        ParallelBacktest::new(vec![(demo(), Some(demo())), (demo(), None)], false, now()).is_none()
    );
    assert!(ParallelBacktest::new(Vec::new(), false, now()).is_none());
}
