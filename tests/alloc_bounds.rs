//! Memory a snapshot costs to load: a catalog section may cost at most a fixed multiple
//! of its bytes, however its counts and lengths are chosen (the crate forbids `unsafe`,
//! so no counting allocator: the capacities of what was decoded are summed instead).

use checkout_guard::model::CatalogItem;
use checkout_guard::snapshot::Snapshot;
use checkout_guard::source::SourceFiles;
use checkout_guard::{compile_files, CompileOptions};
use std::mem::size_of;

/// The heap a decoded catalog holds, from its capacities: each item, its strings, its
/// tag list and tags, and its entry in the SKU index (a `(u64, u32)` per item).
fn heap_bytes(catalog: &[CatalogItem]) -> usize {
    catalog
        .iter()
        .map(|item| {
            size_of::<CatalogItem>()
                + size_of::<(u64, u32)>()
                + item.sku.capacity()
                + item.name.capacity()
                + item.category.capacity()
                + item.tags.capacity() * size_of::<String>()
                + item.tags.iter().map(String::capacity).sum::<usize>()
        })
        .sum()
}

/// The costliest catalog per byte the compiler writes: short SKUs, no names, and long
/// lists of one-letter tags (1,025 each, one past a power of two, where a list grown by
/// doubling holds almost twice what it needs).
fn tag_heavy_catalog(items: usize) -> String {
    let tags = vec!["a"; 1025].join(";");
    let mut csv = String::from("sku,name,category,price,tags,max_per_order\n");
    for i in 0..items {
        csv.push_str(&format!("S{i},,,1,{tags},\n"));
    }
    csv
}

#[test]
fn a_catalog_costs_at_most_five_bytes_of_memory_per_byte() {
    let catalog = tag_heavy_catalog(400);
    let mut files = SourceFiles::read_dir(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/minimal"),
    )
    .unwrap();
    files.files.insert("catalog.csv".into(), catalog);
    let bytes = compile_files(
        &files,
        &CompileOptions {
            key: Some(checkout_guard::snapshot::DEMO_KEY),
            ..CompileOptions::default()
        },
    )
    .unwrap()
    .bytes;
    let snapshot = Snapshot::from_bytes(bytes).unwrap();
    let catl = snapshot
        .info()
        .sections
        .iter()
        .find(|s| s.tag == "CATL")
        .unwrap()
        .bytes;
    assert_eq!(snapshot.catalog().len(), 400);
    assert!(catl > 2_000_000, "{catl}");
    let held = heap_bytes(snapshot.catalog());
    assert!(
        held <= 5 * catl,
        "the decoded catalog holds {held} bytes for a {catl}-byte section"
    );
}

/// A crafted catalog (an empty tag, which a tag list's cost is bounded by refusing) is
/// refused by `inspect` with the reason, and by the library the package uses.
#[test]
fn a_crafted_catalog_is_refused_through_the_cli() {
    let crafted = crate::crafted::demo_with_an_empty_tag();
    let err = Snapshot::from_bytes(crafted.clone()).unwrap_err();
    assert!(
        err.to_string().contains("an item has an empty tag"),
        "{err}"
    );

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crafted.snapshot");
    std::fs::write(&path, &crafted).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_checkout-guard"))
        .args(["inspect", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("an item has an empty tag"), "{stderr}");
}
