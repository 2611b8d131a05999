//! The embedded demo snapshot (`assets/demo-store.snapshot`, built into the library and
//! the CLI) must be exactly what `examples/demo-store/` compiles to. When this fails,
//! run `scripts/update-demo-snapshot.sh`.

use checkout_guard::snapshot::DEMO_KEY;
use checkout_guard::{compile_dir, CompileOptions, Engine, DEMO_SNAPSHOT};
use std::path::Path;

#[test]
fn embedded_demo_snapshot_matches_its_source() {
    let embedded = Engine::demo().expect("the embedded demo snapshot loads");
    let created_at = embedded.snapshot().created_at();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo-store");
    let compiled = compile_dir(
        &dir,
        &CompileOptions {
            created_at: Some(created_at),
            key: Some(DEMO_KEY),
            ..CompileOptions::default()
        },
    )
    .unwrap_or_else(|d| panic!("the demo store does not compile:\n{d}"));
    assert!(
        compiled.bytes == DEMO_SNAPSHOT,
        "assets/demo-store.snapshot is out of date with examples/demo-store/; run scripts/update-demo-snapshot.sh"
    );
}

#[test]
fn demo_snapshot_is_fresh_for_years() {
    let engine = Engine::demo().unwrap();
    let expires = engine.snapshot().expires_at();
    let created = engine.snapshot().created_at();
    assert!(
        expires.0 - created.0 >= 365 * 86_400 * 1_000_000_000,
        "the README's demo must not go stale"
    );
}
