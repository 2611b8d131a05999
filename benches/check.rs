#![allow(missing_docs)] // criterion macros generate undocumented items
//! Speed bars of docs/semantics.md §13, natively: `check` throughput on a generated 100k-entry
//! blocklist / 5k-SKU / ~10-rule store, parse+check from JSON, and snapshot load.
//! Run: `cargo bench --bench check`; results go to docs/BENCHMARKS.md.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a failure should stop loudly

use checkout_guard::snapshot::{self, WriteOptions};
use checkout_guard::{CheckOptions, Engine, LoadOptions, Order, Snapshot};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use std::hint::black_box;

#[path = "support/generated_store.rs"]
mod store;

fn bytes() -> Vec<u8> {
    let source = store::source(store::BLOCKLIST);
    snapshot::write(
        &source,
        &WriteOptions {
            created_at: store::created_at(),
            key: snapshot::DEMO_KEY,
        },
    )
    .expect("generated store compiles")
}

fn bench(c: &mut Criterion) {
    let bytes = bytes();
    let options = CheckOptions {
        now: Some(store::now()),
        locale: None,
        ..CheckOptions::default()
    };
    let orders = store::orders(4096, 7);
    let json: Vec<String> = orders
        .iter()
        .map(|o| serde_json::to_string(o).expect("orders serialize"))
        .collect();

    let mut group = c.benchmark_group("check");
    group.throughput(Throughput::Elements(1));
    let mut engine = Engine::from_bytes(bytes.clone()).expect("loads");
    let mut i = 0usize;
    group.bench_function("order_1_to_5_lines", |b| {
        b.iter(|| {
            i = (i + 1) % orders.len();
            black_box(engine.check(black_box(&orders[i]), &options))
        })
    });
    let mut j = 0usize;
    group.bench_function("parse_json_and_check", |b| {
        b.iter(|| {
            j = (j + 1) % json.len();
            black_box(engine.check_json(black_box(&json[j]), &options))
        })
    });
    group.finish();

    let mut group = c.benchmark_group("load");
    group.sample_size(20);
    group.bench_function("snapshot_100k_entries", |b| {
        b.iter_batched(
            || bytes.clone(),
            |bytes| black_box(Engine::new(Snapshot::from_bytes(bytes).expect("valid"))),
            BatchSize::LargeInput,
        )
    });
    // The same load verifying an Ed25519 signature (docs/snapshot-format.md, "Signature"):
    // what a public key adds, mostly SHA-512 over the whole file.
    let signer = snapshot::SigningKey::from_seed([7; 32]);
    let signed = snapshot::sign(&bytes, &signer).expect("signs");
    let verified = LoadOptions {
        public_key: Some(signer.public_key()),
        ..LoadOptions::default()
    };
    group.bench_function("snapshot_100k_entries_signature_verified", |b| {
        b.iter_batched(
            || signed.clone(),
            |bytes| black_box(Engine::open_with(bytes, &verified).expect("verifies")),
            BatchSize::LargeInput,
        )
    });
    group.finish();
    let _ = Order::default();
}

criterion_group!(benches, bench);
criterion_main!(benches);
