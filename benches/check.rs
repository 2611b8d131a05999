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
    compiled(&store::source(store::BLOCKLIST))
}

/// The snapshot of a generated `source`, at the store's fixed creation time.
fn compiled(source: &checkout_guard::model::PolicySource) -> Vec<u8> {
    snapshot::write(
        source,
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

/// [`bytes`] with the pattern and scoped entries of [`store::add_list_entries`].
fn bytes_with_list_entries() -> Vec<u8> {
    let mut source = store::source(store::BLOCKLIST);
    store::add_list_entries(&mut source);
    compiled(&source)
}

/// `check` on the generated store, then on the same store with pattern and scoped
/// entries: what the extra lookups cost (docs/BENCHMARKS.md, "List entries").
fn bench_list_entries(c: &mut Criterion) {
    let options = CheckOptions {
        now: Some(store::now()),
        ..CheckOptions::default()
    };
    let orders = store::orders(4096, 7);
    let mut group = c.benchmark_group("list_entries");
    group.throughput(Throughput::Elements(1));
    for (name, bytes) in [
        ("exact_100k", bytes()),
        ("plus_12k_patterns_1k_scoped", bytes_with_list_entries()),
    ] {
        let snapshot = Snapshot::from_bytes(bytes).expect("loads");
        for s in &snapshot.info().sections {
            eprintln!("{name}: {} {} bytes", s.tag, s.bytes);
        }
        let mut engine = Engine::new(snapshot).expect("rules load");
        let mut i = 0usize;
        group.bench_function(name, |b| {
            b.iter(|| {
                i = (i + 1) % orders.len();
                black_box(engine.check(black_box(&orders[i]), &options))
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench, bench_list_entries);
criterion_main!(benches);
