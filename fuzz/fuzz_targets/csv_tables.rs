//! Arbitrary CSV text as one of the tables (the first byte picks `blocklist.csv`,
//! `catalog.csv` or `customers.csv`) next to the demo policy: reading gives
//! diagnostics, never a panic; no more rows are kept than the text has lines; a table
//! read without errors compiles, and the snapshot holds exactly the rows read.
#![no_main]

use checkout_guard::{source, SourceFiles};
use checkout_guard_fuzz::{compile_and_exercise, DEMO_FILES};
use libfuzzer_sys::fuzz_target;

const TABLES: [&str; 3] = ["blocklist.csv", "catalog.csv", "customers.csv"];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let table = TABLES[usize::from(pick) % TABLES.len()];
    let files = SourceFiles::from_pairs([DEMO_FILES[0], (table, text)]);
    let parts = source::read_parts(&files);
    let lines = text.lines().count();
    let rows =
        parts.source_blocklist.len() + parts.source_catalog.len() + parts.source_customers.len();
    assert!(rows <= lines, "{rows} rows from {lines} lines");
    let failed = parts.diagnostics.iter().any(|d| d.is_error());
    let info = compile_and_exercise(&files);
    assert_eq!(
        info.is_none(),
        failed,
        "compile and read disagree: {:?}",
        parts.diagnostics
    );
    if let Some(info) = info {
        assert_eq!(info.catalog_items, parts.source_catalog.len());
        assert_eq!(info.customers, parts.source_customers.len());
    }
});
