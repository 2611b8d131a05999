//! What the fuzz targets share: a fixed order and time to check with, and the
//! invariants every snapshot that loads must keep, wherever its bytes came from.

use checkout_guard::model::IdKind;
use checkout_guard::{
    compile_files, CheckOptions, CompileOptions, Diagnostic, Engine, Snapshot, SnapshotInfo,
    SourceFiles, Timestamp,
};

/// A demo-store order touching every lookup: a listed customer id, phone, email, IP,
/// device and payment fingerprint, a known and an unknown SKU.
pub const ORDER: &str = include_str!("../../examples/orders/blacklisted-limited.json");

/// A fixed judging time and locale, so a verdict never depends on the clock.
pub fn options() -> CheckOptions {
    CheckOptions {
        now: Timestamp::parse_rfc3339("2026-11-25T10:00:00Z").ok(),
        locale: Some("en".into()),
        ..CheckOptions::default()
    }
}

/// The checks every loaded snapshot must pass: its statistics agree with what it
/// holds, every lookup answers without panicking, every stored SKU is found by its own
/// lookup, and an engine built on it (when its rules type-check) answers an order
/// with a verdict that serializes.
pub fn exercise(snapshot: Snapshot) {
    let info = snapshot.info();
    serde_json::to_string(info).expect("SnapshotInfo serializes");
    assert_eq!(info.file_bytes, snapshot.bytes().len(), "info().file_bytes");
    assert_eq!(info.rules, snapshot.policy().rules.len(), "info().rules");
    assert_eq!(
        info.catalog_items,
        snapshot.catalog().len(),
        "info().catalog_items"
    );

    for kind in IdKind::ALL {
        for id in [
            "13800138107",
            "C10007",
            "203.0.113.107",
            "zhaoqiang@example.com",
            "x",
        ] {
            snapshot.for_each_match(kind, id, |m| {
                assert!(
                    snapshot.reasons().iter().any(|r| r == m.reason),
                    "reason {m:?} not in reasons()"
                );
            });
        }
    }
    let _ = snapshot.customer("C10007");
    let _ = snapshot.customer(" ");
    for item in snapshot.catalog().iter().take(64) {
        let found = snapshot
            .catalog_item(&item.sku)
            .expect("a stored SKU is found by its lookup");
        assert_eq!(found.sku, item.sku);
    }
    assert!(snapshot.catalog_item("\u{0}no such sku").is_none());

    if let Ok(mut engine) = Engine::new(snapshot) {
        let verdict = engine
            .check_json(ORDER, &options())
            .expect("the demo order reads");
        serde_json::to_string(&verdict).expect("a verdict serializes");
        let _ = engine.stats();
    }
}

/// The demo store's source files (`examples/demo-store/`), by file name.
pub const DEMO_FILES: [(&str, &str); 4] = [
    (
        "policy.toml",
        include_str!("../../examples/demo-store/policy.toml"),
    ),
    (
        "blocklist.csv",
        include_str!("../../examples/demo-store/blocklist.csv"),
    ),
    (
        "catalog.csv",
        include_str!("../../examples/demo-store/catalog.csv"),
    ),
    (
        "customers.csv",
        include_str!("../../examples/demo-store/customers.csv"),
    ),
];

/// Compiles `files` at a fixed time and checks what every compile must keep: a failure
/// carries at least one error; a success carries none, its bytes load back into a
/// snapshot reporting the same statistics, and that snapshot passes [`exercise`].
/// Returns the loaded snapshot's info on success.
pub fn compile_and_exercise(files: &SourceFiles) -> Option<SnapshotInfo> {
    // The demo key, so `Snapshot::from_bytes` (no key: demo-keyed files only) loads the
    // result; every other option keeps its default, including any added later.
    #[allow(clippy::needless_update)]
    let options = CompileOptions {
        created_at: Timestamp::parse_rfc3339("2026-11-25T00:00:00Z").ok(),
        key: Some(checkout_guard::snapshot::DEMO_KEY),
        ..CompileOptions::default()
    };
    match compile_files(files, &options) {
        Err(diagnostics) => {
            assert!(
                diagnostics.0.iter().any(Diagnostic::is_error),
                "a failed compile without an error: {diagnostics:?}"
            );
            None
        }
        Ok(compiled) => {
            assert!(!compiled.warnings.iter().any(Diagnostic::is_error));
            let snapshot = Snapshot::from_bytes(compiled.bytes).expect("a compiled snapshot loads");
            assert_eq!(snapshot.info(), &compiled.info);
            let info = compiled.info;
            exercise(snapshot);
            Some(info)
        }
    }
}
