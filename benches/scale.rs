//! Not a criterion bench: a driver measuring how load time and `check` latency scale
//! with the blocklist (docs/BENCHMARKS.md, "Scale"). For each snapshot given, it prints
//! its bytes, the median of 5 loads (`Engine::open`: checksum, structure, rules) and
//! the p50 / p99 of 20,000 checks of the generated order stream, each timed on its own.
//!
//! ```sh
//! scripts/gen-store.sh 10000000                      # and 10000, 100000, 1000000
//! checkout-guard compile target/scale/store-10000000 -o target/scale/store-10000000.snapshot \
//!     --key target/scale/store.key --created-at 2026-12-01T00:00:00Z
//! cargo bench --bench scale -- target/scale/store.key target/scale/store-*.snapshot
//! ```
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // measurement code: a failure should stop loudly

use checkout_guard::snapshot::SnapshotKey;
use checkout_guard::time::Duration;
use checkout_guard::{CheckOptions, Engine};
use std::time::Instant;

#[path = "support/generated_store.rs"]
mod store;

const LOADS: usize = 5;
const CHECKS: usize = 20_000;

fn main() {
    // `cargo bench` passes `--bench`; the rest are the key file and the snapshots.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let Some((key_file, snapshots)) = args.split_first() else {
        eprintln!("usage: cargo bench --bench scale -- KEY_FILE SNAPSHOT...");
        std::process::exit(2);
    };
    let key = SnapshotKey::parse(std::fs::read_to_string(key_file).unwrap().trim()).unwrap();
    let orders = store::orders(4096, 7);
    println!("| snapshot | bytes | entries | load (median of {LOADS}) | check p50 | check p99 |");
    println!("|---|---:|---:|---:|---:|---:|");
    for path in snapshots {
        let bytes: &'static [u8] = std::fs::read(path).unwrap().leak();
        let mut loads: Vec<f64> = (0..LOADS)
            .map(|_| {
                let t = Instant::now();
                let engine = Engine::open(bytes, Some(&key)).unwrap();
                let took = t.elapsed().as_secs_f64();
                drop(engine);
                took
            })
            .collect();
        loads.sort_by(f64::total_cmp);
        let mut engine = Engine::open(bytes, Some(&key)).unwrap();
        let options = CheckOptions {
            // A day after it was compiled: fresh, and every unexpired entry applies.
            now: Some(
                engine
                    .snapshot()
                    .created_at()
                    .saturating_add(Duration::from_seconds(86_400)),
            ),
            ..CheckOptions::default()
        };
        // Warm-up: the first pass over the orders faults the snapshot's pages in.
        for order in &orders {
            engine.check(order, &options);
        }
        let mut times: Vec<u64> = (0..CHECKS)
            .map(|i| {
                let t = Instant::now();
                let v = engine.check(&orders[i % orders.len()], &options);
                let took = t.elapsed().as_nanos() as u64;
                std::hint::black_box(v);
                took
            })
            .collect();
        times.sort_unstable();
        println!(
            "| `{}` | {} | {} | {:.2} ms | {:.2} µs | {:.2} µs |",
            path.rsplit('/').next().unwrap_or(path),
            bytes.len(),
            engine.snapshot().blocklist_len(),
            loads[LOADS / 2] * 1e3,
            times[CHECKS / 2] as f64 / 1e3,
            times[CHECKS * 99 / 100] as f64 / 1e3,
        );
    }
}
