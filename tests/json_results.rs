//! The crate's own JSON writer (`src/json/write.rs`, `src/engine/results_json.rs`) against
//! serde's derive and `serde_json`, which wrote these results before: the verdict
//! (`checkJson`, the CLI's `check`), `engine.info()`, `facts()` and `explain()` must be
//! the same text, byte for byte — on the demo store, its public profile, every sample
//! order and generated verdicts.

use checkout_guard::engine::verdict::{LineVerdict, Message, Reason, SnapshotRef, Verdict};
use checkout_guard::engine::{CheckOptions, Engine, Order, Settings};
use checkout_guard::model::{Action, Rule};
use checkout_guard::snapshot::{Profile, Snapshot, DEMO_KEY};
use checkout_guard::time::Timestamp;
use checkout_guard::{compile_files, CompileOptions, SnapshotInfo, SourceFiles};
use proptest::prelude::*;
use serde::Serialize;
use std::path::Path;
use std::sync::Arc;

/// `engine.info()` as `src/wasm.rs` built it with serde before.
#[derive(Serialize)]
struct EngineInfo<'a> {
    #[serde(flatten)]
    snapshot: &'a SnapshotInfo,
    policy: PolicyInfo<'a>,
}

#[derive(Serialize)]
struct PolicyInfo<'a> {
    #[serde(flatten)]
    settings: Settings<'a>,
    rules: &'a [Rule],
}

fn info_by_serde(engine: &Engine) -> String {
    serde_json::to_string(&EngineInfo {
        snapshot: engine.info(),
        policy: PolicyInfo {
            settings: engine.settings(),
            rules: &engine.snapshot().policy().rules,
        },
    })
    .unwrap()
}

/// The demo store, compiled in `profile` under the demo key.
fn demo_engine(profile: Profile) -> Engine {
    let files = SourceFiles::read_dir(Path::new("examples/demo-store")).unwrap();
    let options = CompileOptions {
        created_at: Some(Timestamp::parse_rfc3339("2026-11-25T00:00:00Z").unwrap()),
        key: Some(DEMO_KEY),
        profile,
    };
    let bytes = compile_files(&files, &options).unwrap().bytes;
    Engine::new(Snapshot::from_bytes(bytes).unwrap()).unwrap()
}

fn sample_orders() -> Vec<Order> {
    let text = std::fs::read_to_string("examples/orders/all.jsonl").unwrap();
    let orders: Vec<Order> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| Order::from_json(l).unwrap())
        .collect();
    assert!(orders.len() > 20);
    orders
}

fn options() -> CheckOptions {
    CheckOptions {
        now: Some(Timestamp::parse_rfc3339("2026-11-25T10:00:00Z").unwrap()),
        ..CheckOptions::default()
    }
}

#[test]
fn info_is_what_serde_wrote() {
    for engine in [
        Engine::demo().unwrap(),
        demo_engine(Profile::Private),
        demo_engine(Profile::Public),
    ] {
        let ours = engine.info_json();
        assert_eq!(ours, info_by_serde(&engine));
        assert!(ours.contains("\"policy\":{\"currency\""), "{ours}");
    }
    // The public profile's per-kind figures (floats, `public`) are in it.
    assert!(demo_engine(Profile::Public)
        .info_json()
        .contains("\"public\":[{\"kind\""));
}

#[test]
fn facts_explanations_and_verdicts_are_what_serde_wrote() {
    for profile in [Profile::Private, Profile::Public] {
        // Two engines fed the same orders: one explains as JSON text, one as values.
        let mut ours = demo_engine(profile);
        let mut theirs = demo_engine(profile);
        let mut checked = demo_engine(profile);
        for order in sample_orders() {
            let facts = ours.facts_json(&order, &options());
            assert_eq!(
                facts,
                serde_json::to_string(&theirs.facts(&order, &options())).unwrap()
            );
            assert!(facts.starts_with("{\"customer\":{\"account_age_days\""));
            assert_eq!(
                ours.explain_json(&order, &options()),
                serde_json::to_string(&theirs.explain(&order, &options())).unwrap()
            );
            let verdict = checked.check(&order, &options());
            assert_eq!(verdict.to_json(), serde_json::to_string(&verdict).unwrap());
        }
    }
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        Just(Action::Allow),
        Just(Action::Warn),
        Just(Action::Review),
        Just(Action::StepUp),
        Just(Action::Deny),
    ]
}

/// Any text, escapes and control characters included.
fn text() -> impl Strategy<Value = Arc<str>> {
    any::<String>().prop_map(Arc::from)
}

fn verdict() -> impl Strategy<Value = Verdict> {
    let reason = (
        text(),
        text(),
        action(),
        prop::collection::vec(0usize..1000, 0..4),
    )
        .prop_map(|(rule, code, action, lines)| Reason {
            rule,
            code,
            action,
            lines,
        });
    let line =
        (any::<String>(), action()).prop_map(|(sku, decision)| LineVerdict { sku, decision });
    let message =
        (text(), text(), text(), any::<bool>()).prop_map(|(locale, text, key, filled)| Message {
            locale,
            text,
            key,
            filled,
        });
    let snapshot =
        (text(), text(), text()).prop_map(|(merchant, version, expires_at)| SnapshotRef {
            merchant,
            version,
            expires_at,
        });
    // A demo verdict with every field replaced by a generated one.
    let base = Engine::demo()
        .unwrap()
        .check(&sample_orders()[0], &options());
    (
        action(),
        prop::collection::vec(text(), 0..3),
        prop::collection::vec(prop::collection::vec(text(), 0..3), 0..3),
        prop::collection::vec(reason, 0..4),
        prop::collection::vec(line, 0..4),
        prop::option::of(message),
        snapshot,
        prop::collection::vec(any::<String>(), 0..3),
    )
        .prop_map(move |generated| {
            let mut v = base.clone();
            (v.decision, v.verify, v.verify_required, v.reasons) =
                (generated.0, generated.1, generated.2, generated.3);
            (v.lines, v.message, v.snapshot, v.warnings) =
                (generated.4, generated.5, generated.6, generated.7);
            v
        })
}

proptest! {
    #[test]
    fn every_verdict_is_written_as_serde_wrote_it(v in verdict()) {
        prop_assert_eq!(v.to_json(), serde_json::to_string(&v).unwrap());
    }
}
