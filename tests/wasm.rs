//! The JavaScript bindings (`src/wasm.rs`) run inside a real JS engine: Node, and
//! headless Chromium (`WASM_BINDGEN_USE_BROWSER=1 CHROMEDRIVER=/usr/bin/chromedriver`).
//! Run by `scripts/tests/20-wasm.sh`:
//! `cargo test --target wasm32-unknown-unknown --no-default-features --features compiler --test wasm`.
#![cfg(target_arch = "wasm32")]
// A failing test should stop loudly.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use checkout_guard::wasm::{compile_policy, lint_policy, JsBacktest, JsEngine};
use js_sys::{Array, Reflect, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

#[path = "crafted.rs"]
mod crafted;

const NOW: &str = "2026-11-25T10:00:00Z";
/// A merchant key for these tests: the hex of `wasm-test-key-16`.
const MERCHANT_KEY: &str = "7761736d2d746573742d6b65792d3136";

fn js(text: &str) -> JsValue {
    JSON::parse(text).unwrap()
}

fn prop(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &JsValue::from_str(key)).unwrap()
}

fn text(v: &JsValue, key: &str) -> String {
    prop(v, key).as_string().unwrap_or_default()
}

fn options(now: &str) -> Option<JsValue> {
    Some(js(&format!("{{\"now\": \"{now}\"}}")))
}

#[wasm_bindgen_test]
fn the_embedded_snapshot_denies_the_restricted_line_of_a_blacklisted_customer() {
    let mut engine = JsEngine::new().unwrap();
    let order = js(include_str!("../examples/orders/blacklisted-limited.json"));
    let verdict = engine.check(&order, options(NOW)).unwrap();
    assert_eq!(text(&verdict, "decision"), "deny");
    let lines: Array = prop(&verdict, "lines").dyn_into().unwrap();
    assert_eq!(text(&lines.get(0), "decision"), "allow");
    assert_eq!(text(&lines.get(1), "decision"), "deny");
    let reasons: Array = prop(&verdict, "reasons").dyn_into().unwrap();
    assert_eq!(text(&reasons.get(0), "rule"), "block-restricted-item");
    assert_eq!(
        text(&prop(&verdict, "message"), "key"),
        "blocked_restricted"
    );
    assert_eq!(text(&prop(&verdict, "snapshot"), "merchant"), "demo-store");
    // A clean order is allowed, with a null message.
    let clean = js(include_str!("../examples/orders/clean.json"));
    let verdict = engine.check(&clean, options(NOW)).unwrap();
    assert_eq!(text(&verdict, "decision"), "allow");
    assert!(prop(&verdict, "message").is_null());
}

#[wasm_bindgen_test]
fn bad_orders_throw_errors_with_json_paths() {
    let mut engine = JsEngine::new().unwrap();
    let bad = js(
        r#"{"items": [{"sku": "TEA-001", "quantity": 1}, {"sku": "TEA-002", "quantity": "2"}]}"#,
    );
    let err = engine.check(&bad, None).unwrap_err();
    assert!(err.is_instance_of::<js_sys::Error>());
    assert_eq!(text(&err, "name"), "OrderError");
    assert_eq!(text(&err, "path"), "items[1].quantity");
    assert!(text(&err, "message").starts_with("items[1].quantity: expected a positive integer"));
    for not_an_order in [
        JsValue::from(5),
        JsValue::from_str("{}"),
        JsValue::NULL,
        JsValue::UNDEFINED,
    ] {
        let err = engine.check(&not_an_order, None).unwrap_err();
        assert_eq!(text(&err, "path"), "");
    }
    let err = engine
        .check(&js(r#"{"items": []}"#), Some(js(r#"{"now": "yesterday"}"#)))
        .unwrap_err();
    assert_eq!(text(&err, "path"), "options.now");
    // checkMany puts the error in the failing order's place.
    let many = js(r#"[{"items": []}, 7, {"items": [{"sku": "TEA-001", "quantity": -1}]}]"#);
    let out: Array = engine
        .check_many(&many, options(NOW))
        .unwrap()
        .dyn_into()
        .unwrap();
    assert_eq!(out.length(), 3);
    assert!(!text(&out.get(0), "decision").is_empty());
    assert_eq!(text(&prop(&out.get(1), "error"), "path"), "");
    assert_eq!(
        text(&prop(&out.get(2), "error"), "path"),
        "items[0].quantity"
    );
}

#[wasm_bindgen_test]
fn now_can_be_a_date_a_string_or_milliseconds() {
    let order = js(include_str!("../examples/orders/clean.json"));
    let ms = js_sys::Date::parse(NOW);
    let date = js_sys::Date::new(&JsValue::from_f64(ms));
    let as_date = js_sys::Object::new();
    Reflect::set(&as_date, &"now".into(), &date).unwrap();
    let as_ms = js_sys::Object::new();
    Reflect::set(&as_ms, &"now".into(), &JsValue::from_f64(ms)).unwrap();
    let mut verdicts = Vec::new();
    for opts in [options(NOW), Some(as_date.into()), Some(as_ms.into()), None] {
        let mut engine = JsEngine::new().unwrap();
        verdicts.push(
            engine
                .check_json(&JSON::stringify(&order).unwrap().as_string().unwrap(), opts)
                .unwrap(),
        );
    }
    assert_eq!(verdicts[0], verdicts[1]);
    assert_eq!(verdicts[0], verdicts[2]);
    assert!(verdicts[3].contains("\"decision\":\"allow\""));
}

#[wasm_bindgen_test]
fn a_damaged_snapshot_is_refused_and_the_old_one_keeps_working() {
    let mut engine = JsEngine::new().unwrap();
    let err = engine.load(vec![1, 2, 3], None).err().unwrap();
    assert_eq!(text(&err, "name"), "SnapshotError");
    assert_eq!(text(&err, "kind"), "bad_magic");
    let mut damaged = checkout_guard::DEMO_SNAPSHOT.to_vec();
    let middle = damaged.len() / 2;
    damaged[middle] ^= 0xff;
    let err = engine.load(damaged.to_vec(), None).err().unwrap();
    assert_eq!(text(&err, "kind"), "checksum_mismatch");
    assert!(JsEngine::from_bytes(damaged.to_vec(), None).is_err());
    let order = js(include_str!("../examples/orders/blacklisted-limited.json"));
    assert_eq!(
        text(&engine.check(&order, options(NOW)).unwrap(), "decision"),
        "deny"
    );
    let stats = engine.stats().unwrap();
    assert_eq!(prop(&stats, "loads").as_f64(), Some(1.0));
    assert_eq!(prop(&stats, "checks").as_f64(), Some(1.0));
    // A good snapshot loads.
    engine
        .load(checkout_guard::DEMO_SNAPSHOT.to_vec(), None)
        .unwrap();
    assert_eq!(prop(&engine.stats().unwrap(), "loads").as_f64(), Some(2.0));
    let merchant = js(r#"{"merchant": "another-store"}"#);
    let err = JsEngine::from_bytes(checkout_guard::DEMO_SNAPSHOT.to_vec(), Some(merchant))
        .err()
        .unwrap();
    assert_eq!(text(&err, "kind"), "wrong_merchant");
    // A swap to another merchant's snapshot is refused and the old one stays in use;
    // the store's own is accepted.
    let merchant = js(r#"{"merchant": "another-store"}"#);
    let err = engine
        .load(checkout_guard::DEMO_SNAPSHOT.to_vec(), Some(merchant))
        .err()
        .unwrap();
    assert_eq!(text(&err, "kind"), "wrong_merchant");
    assert_eq!(text(&err, "expected"), "another-store");
    assert_eq!(text(&err, "found"), "demo-store");
    assert_eq!(prop(&engine.stats().unwrap(), "loads").as_f64(), Some(2.0));
    let merchant = js(r#"{"merchant": "demo-store"}"#);
    engine
        .load(checkout_guard::DEMO_SNAPSHOT.to_vec(), Some(merchant))
        .unwrap();
    assert_eq!(prop(&engine.stats().unwrap(), "loads").as_f64(), Some(3.0));
}

#[wasm_bindgen_test]
fn backtest_counts_the_sample_orders() {
    let mut bt = JsBacktest::new(None, None, None).unwrap();
    let all = include_str!("../examples/orders/all.jsonl");
    let lines = all.lines().filter(|l| !l.trim().is_empty()).count();
    assert!(lines >= 36, "{lines} sample orders");
    let added = bt.add_json_lines(all).unwrap();
    assert_eq!(added as usize, lines);
    assert_eq!(bt.add(&JsValue::from_str("not json")).unwrap(), 1);
    let report = bt.finish().unwrap();
    assert_eq!(prop(&report, "orders").as_f64(), Some(lines as f64));
    assert_eq!(prop(&report, "unusable").as_f64(), Some(1.0));
    assert!(
        bt.finish().is_err(),
        "a finished backtest refuses more work"
    );
}

/// The demo store's source files, as `compilePolicy` takes them.
fn demo_files() -> js_sys::Object {
    let files = js_sys::Object::new();
    for (name, body) in [
        (
            "policy.toml",
            include_str!("../examples/demo-store/policy.toml"),
        ),
        (
            "blocklist.csv",
            include_str!("../examples/demo-store/blocklist.csv"),
        ),
        (
            "catalog.csv",
            include_str!("../examples/demo-store/catalog.csv"),
        ),
        (
            "customers.csv",
            include_str!("../examples/demo-store/customers.csv"),
        ),
    ] {
        Reflect::set(&files, &name.into(), &body.into()).unwrap();
    }
    files
}

#[wasm_bindgen_test]
fn compile_policy_round_trips_and_reports_located_diagnostics() {
    let files = demo_files();
    let compiled = compile_policy(
        &files,
        Some(js(&format!(
            r#"{{"createdAt": "2026-11-22T00:00:00Z", "key": "{MERCHANT_KEY}"}}"#
        ))),
    )
    .unwrap();
    let bytes: js_sys::Uint8Array = prop(&compiled, "bytes").dyn_into().unwrap();
    let bytes = bytes.to_vec();
    // Without its key, or with another, the snapshot is refused with a typed error.
    let err = JsEngine::from_bytes(bytes.to_vec(), None).err().unwrap();
    assert_eq!(text(&err, "kind"), "key_required");
    let demo_key = js(&format!(
        r#"{{"key": "{}"}}"#,
        include_str!("../examples/demo-store/demo.key").trim()
    ));
    let err = JsEngine::from_bytes(bytes.to_vec(), Some(demo_key))
        .err()
        .unwrap();
    assert_eq!(text(&err, "name"), "SnapshotError");
    assert_eq!(text(&err, "kind"), "wrong_key");
    let bad_key = js(r#"{"key": "not hex"}"#);
    assert_eq!(
        text(
            &JsEngine::from_bytes(bytes.to_vec(), Some(bad_key))
                .err()
                .unwrap(),
            "path"
        ),
        "options.key"
    );
    // As a Uint8Array of 16 bytes, as well as hex text.
    let raw = js_sys::Uint8Array::from(&b"wasm-test-key-16"[..]);
    let with_bytes = js_sys::Object::new();
    Reflect::set(&with_bytes, &"key".into(), &raw).unwrap();
    let mut engine = JsEngine::from_bytes(bytes.to_vec(), Some(with_bytes.into())).unwrap();
    let order = js(include_str!("../examples/orders/blacklisted-limited.json"));
    assert_eq!(
        text(&engine.check(&order, options(NOW)).unwrap(), "decision"),
        "deny"
    );

    let policy = include_str!("../examples/demo-store/policy.toml")
        .replace("customer.level ==", "customer.lvl ==");
    Reflect::set(&files, &"policy.toml".into(), &policy.into()).unwrap();
    let keyed = js(&format!(r#"{{"key": "{MERCHANT_KEY}"}}"#));
    let err = compile_policy(&files, Some(keyed)).unwrap_err();
    assert_eq!(text(&err, "name"), "PolicyError");
    let diags: Array = prop(&err, "diagnostics").dyn_into().unwrap();
    let first = diags.get(0);
    assert_eq!(text(&first, "code"), "unknown-field");
    assert_eq!(text(&first, "file"), "policy.toml");
    let span = Array::from(&prop(&first, "spans")).get(0);
    assert!(prop(&span, "line").as_f64().unwrap() > 1.0);
    assert_eq!(
        Array::from(&lint_policy(&files).unwrap()).length(),
        diags.length()
    );
}

#[wasm_bindgen_test]
fn compile_policy_without_a_key_is_refused() {
    let files = js_sys::Object::new();
    Reflect::set(
        &files,
        &"policy.toml".into(),
        &include_str!("../examples/demo-store/policy.toml").into(),
    )
    .unwrap();
    let err = compile_policy(&files, None).unwrap_err();
    assert_eq!(text(&err, "name"), "PolicyError");
    let first = Array::from(&prop(&err, "diagnostics")).get(0);
    assert_eq!(text(&first, "code"), "key-required");
    assert!(text(&first, "help").contains("keygen"));
}

#[wasm_bindgen_test]
fn explain_gives_the_verdict_its_facts_and_the_rules_an_allow_suppressed() {
    let order = js(include_str!(
        "../examples/orders/trusted-many-addresses.json"
    ));
    // The allowlist needs the customer id bound (a verified session).
    let bound = || {
        Some(js(&format!(
            r#"{{"now": "{NOW}", "identity": {{"customerId": "C10002"}}}}"#
        )))
    };
    let verdict = JsEngine::new().unwrap().check(&order, bound()).unwrap();
    let mut engine = JsEngine::new().unwrap();
    let out = engine.explain(&order, bound()).unwrap();
    // The verdict is the one `check` gives, and the check counted.
    assert_eq!(
        JSON::stringify(&prop(&out, "verdict")).unwrap(),
        JSON::stringify(&verdict).unwrap()
    );
    assert_eq!(prop(&engine.stats().unwrap(), "checks").as_f64(), Some(1.0));
    assert_eq!(
        prop(&prop(&prop(&out, "facts"), "customer"), "known").as_bool(),
        Some(true)
    );
    // address-hopping (review) fired, and trusted-customer (allow) suppressed it.
    let suppressed: Vec<String> = Array::from(&prop(&out, "suppressed"))
        .iter()
        .filter_map(|v| v.as_string())
        .collect();
    assert_eq!(suppressed, ["address-hopping"]);
    // An allow never suppresses a deny.
    let over = js(include_str!("../examples/orders/trusted-over-limit.json"));
    let out = engine.explain(&over, bound()).unwrap();
    assert_eq!(text(&prop(&out, "verdict"), "decision"), "deny");
    assert_eq!(Array::from(&prop(&out, "suppressed")).length(), 0);
}

#[wasm_bindgen_test]
fn info_reports_the_policy_settings() {
    let info = JsEngine::new().unwrap().info().unwrap();
    assert_eq!(text(&info, "merchant"), "demo-store");
    let policy = prop(&info, "policy");
    assert_eq!(text(&policy, "currency"), "CNY");
    assert_eq!(text(&policy, "default_locale"), "zh-CN");
    assert_eq!(text(&policy, "on_stale"), "review");
    assert_eq!(prop(&policy, "high_value_threshold").as_f64(), Some(2000.0));
    assert_eq!(
        prop(&policy, "duplicate_window_seconds").as_f64(),
        Some(600.0)
    );
    assert_eq!(
        prop(&policy, "purchase_window_seconds").as_f64(),
        Some(30.0 * 86_400.0)
    );
}

/// A crafted catalog section is refused by `Engine.fromBytes` (its memory is bounded by
/// refusing what the compiler never writes), and the policy compiler counts entries
/// per file and warns where a quoted CSV field spans lines.
#[wasm_bindgen_test]
fn crafted_catalogs_are_refused_and_lost_csv_rows_are_reported() {
    let err = JsEngine::from_bytes(crafted::demo_with_an_empty_tag().to_vec(), None)
        .err()
        .unwrap();
    assert_eq!(text(&err, "kind"), "bad_section");
    assert!(text(&err, "message").contains("an item has an empty tag"));

    let blocklist = include_str!("../examples/demo-store/blocklist.csv").replacen(
        "已书面告知\",\n",
        "已书面告知,\n",
        1,
    );
    let files = js_sys::Object::new();
    for (name, body) in [
        (
            "policy.toml",
            include_str!("../examples/demo-store/policy.toml"),
        ),
        ("blocklist.csv", blocklist.as_str()),
    ] {
        Reflect::set(&files, &name.into(), &body.into()).unwrap();
    }
    let lint = lint_policy(&files).unwrap();
    let found: Vec<JsValue> = Array::from(&lint)
        .iter()
        .filter(|d| text(d, "code") == "csv-multiline")
        .collect();
    assert_eq!(found.len(), 1);
    let span = Array::from(&prop(&found[0], "spans")).get(0);
    assert_eq!(prop(&span, "line").as_f64(), Some(2.0));
    assert_eq!(
        prop(&prop(&lint, "entries"), "blocklist.csv").as_f64(),
        Some(31.0)
    );
    let options = format!(r#"{{"createdAt": "2026-11-22T00:00:00Z", "key": "{MERCHANT_KEY}"}}"#);
    let compiled = compile_policy(&files, Some(js(&options))).unwrap();
    assert_eq!(
        prop(&prop(&compiled, "entries"), "blocklist.csv").as_f64(),
        Some(31.0)
    );
}

/// The committed signed fixture, its merchant key and its signer's public key.
const SIGNED: &[u8] = include_bytes!("fixtures/v4-minimal-signed.snapshot");
const UNSIGNED: &[u8] = include_bytes!("fixtures/v4-minimal.snapshot");
const TAMPERED: &[u8] = include_bytes!("fixtures/v4-minimal-signed-tampered.snapshot");
const FIXTURE_KEY: &str = include_str!("fixtures/v2-minimal.key");
const PUBLIC_KEY: &str = include_str!("fixtures/signing.key.pub");

/// `{"key": FIXTURE_KEY, "publicKey": PUBLIC_KEY}` plus `extra` fields.
fn signed_options(extra: &str) -> Option<JsValue> {
    Some(js(&format!(
        r#"{{"key": "{}", "publicKey": "{}"{extra}}}"#,
        FIXTURE_KEY.trim(),
        PUBLIC_KEY.trim()
    )))
}

#[wasm_bindgen_test]
fn a_public_key_admits_only_verified_signatures() {
    let engine = JsEngine::from_bytes(SIGNED.to_vec(), signed_options("")).unwrap();
    let info = engine.info().unwrap();
    assert_eq!(prop(&info, "signed").as_bool(), Some(true));
    assert_eq!(prop(&info, "signature_present").as_bool(), Some(true));
    for (bytes, kind) in [
        (UNSIGNED, "signature_required"),
        (TAMPERED, "bad_signature"),
        (&SIGNED[..SIGNED.len() - 1], "length_mismatch"),
    ] {
        let err = JsEngine::from_bytes(bytes.to_vec(), signed_options(""))
            .err()
            .unwrap();
        assert_eq!(text(&err, "name"), "SnapshotError");
        assert_eq!(text(&err, "kind"), kind);
    }
    // Without a public key the tampered file loads, and nothing reads as signed.
    let key = Some(js(&format!(r#"{{"key": "{}"}}"#, FIXTURE_KEY.trim())));
    let open = JsEngine::from_bytes(TAMPERED.to_vec(), key).unwrap();
    assert_eq!(prop(&open.info().unwrap(), "signed").as_bool(), Some(false));
    let err = JsEngine::from_bytes(SIGNED.to_vec(), Some(js(r#"{"publicKey": 7}"#)))
        .err()
        .unwrap();
    assert_eq!(text(&err, "path"), "options.publicKey");
}

#[wasm_bindgen_test]
fn load_refuses_a_rollback_unless_forced_and_keeps_the_old_snapshot() {
    let mut engine = JsEngine::new().unwrap(); // the demo store, created 2026-11-25
                                               // Another snapshot with the same created_at: refused, then forced.
    let err = engine
        .load(SIGNED.to_vec(), signed_options(""))
        .err()
        .unwrap();
    assert_eq!(text(&err, "kind"), "rollback");
    assert_eq!(text(&err, "serving"), "2026-11-25T00:00:00Z");
    assert_eq!(text(&err, "offered"), "2026-11-25T00:00:00Z");
    assert_eq!(text(&engine.info().unwrap(), "merchant"), "demo-store");
    assert_eq!(prop(&engine.stats().unwrap(), "loads").as_f64(), Some(1.0));
    engine
        .load(SIGNED.to_vec(), signed_options(r#", "force": true"#))
        .unwrap();
    assert_eq!(
        prop(&engine.info().unwrap(), "signed").as_bool(),
        Some(true)
    );
    // An older one compiled here: refused, and the signed one keeps serving.
    let files = js(&format!(
        r#"{{"policy.toml": {}}}"#,
        JSON::stringify(&JsValue::from_str(include_str!(
            "fixtures/minimal/policy.toml"
        )))
        .unwrap()
        .as_string()
        .unwrap()
    ));
    let older = compile_policy(
        &files,
        Some(js(&format!(
            r#"{{"createdAt": "2026-11-20T00:00:00Z", "key": "{}"}}"#,
            FIXTURE_KEY.trim()
        ))),
    )
    .unwrap();
    let older: js_sys::Uint8Array = prop(&older, "bytes").dyn_into().unwrap();
    let older = older.to_vec();
    let key = || Some(js(&format!(r#"{{"key": "{}"}}"#, FIXTURE_KEY.trim())));
    let err = engine.load(older.to_vec(), key()).err().unwrap();
    assert_eq!(text(&err, "kind"), "rollback");
    assert_eq!(text(&err, "offered"), "2026-11-20T00:00:00Z");
    assert_eq!(
        prop(&engine.info().unwrap(), "signed").as_bool(),
        Some(true)
    );
    let err = engine
        .load(older.to_vec(), Some(js(r#"{"force": 1}"#)))
        .err()
        .unwrap();
    assert_eq!(text(&err, "path"), "options.force");
    assert_eq!(prop(&engine.stats().unwrap(), "loads").as_f64(), Some(2.0));
}

/// The demo store compiled under the test merchant key in `profile`.
fn store_bytes(profile: &str) -> Vec<u8> {
    let files = demo_files();
    let options = js(&format!(
        r#"{{"key": "{MERCHANT_KEY}", "profile": "{profile}", "createdAt": "2026-11-25T00:00:00Z"}}"#
    ));
    let compiled = compile_policy(&files, Some(options)).unwrap();
    js_sys::Uint8Array::from(prop(&compiled, "bytes")).to_vec()
}

/// The `console.warn` messages `f` causes.
fn warnings_of(f: impl FnOnce()) -> Vec<String> {
    let console = prop(&js_sys::global(), "console");
    let original = prop(&console, "warn");
    let seen = Array::new();
    let record = js_sys::Function::new_with_args("m", "this.push(m)").bind0(&seen);
    Reflect::set(&console, &"warn".into(), &record).unwrap();
    f();
    Reflect::set(&console, &"warn".into(), &original).unwrap();
    seen.iter().filter_map(|m| m.as_string()).collect()
}

#[wasm_bindgen_test]
fn a_page_loading_a_private_snapshot_is_warned_and_a_public_one_is_not() {
    let in_browser = !prop(&js_sys::global(), "document").is_undefined();
    let keyed = || Some(js(&format!(r#"{{"key": "{MERCHANT_KEY}"}}"#)));
    let private = store_bytes("private");
    let warned = warnings_of(|| {
        JsEngine::from_bytes(private.to_vec(), keyed()).unwrap();
    });
    if in_browser {
        assert_eq!(warned.len(), 1, "{warned:?}");
        assert!(warned[0].contains("--profile public"), "{warned:?}");
    } else {
        // Node and edge workers are where private snapshots belong.
        assert!(warned.is_empty(), "{warned:?}");
    }
    // A public snapshot loads without a key and warns nowhere; its hits are uncertain.
    let public = store_bytes("public");
    let warned = warnings_of(|| {
        let mut engine = JsEngine::from_bytes(public.to_vec(), None).unwrap();
        let info = engine.info().unwrap();
        assert_eq!(text(&info, "profile"), "public");
        // A guest whose card is blocked, buying a limited item (the private profile denies).
        let order = js(include_str!(
            "../examples/orders/payment-block-limited.json"
        ));
        let verdict = engine.check(&order, options(NOW)).unwrap();
        assert_eq!(text(&verdict, "decision"), "step_up");
    });
    assert!(warned.is_empty(), "{warned:?}");
    // The demo store (published key) is exempt.
    let demo: &[u8] = include_bytes!("../assets/demo-store.snapshot");
    assert!(warnings_of(|| {
        JsEngine::from_bytes(demo.to_vec(), None).unwrap();
    })
    .is_empty());
}

/// `options.identity` binds what the caller verified: a claimed trusted id earns no
/// allowlist, a bound one does; `customer.bound` says which kinds were bound; `facts`,
/// `checkJson`, `checkMany` and `explain` read the option as `check` does.
#[wasm_bindgen_test]
fn identity_binds_the_caller_s_identifiers() {
    let order = js(include_str!(
        "../examples/orders/trusted-many-addresses.json"
    ));
    let with = |identity: &str| {
        Some(js(&format!(
            r#"{{"now": "{NOW}", "identity": {identity}}}"#
        )))
    };
    let claimed = JsEngine::new()
        .unwrap()
        .check(&order, options(NOW))
        .unwrap();
    assert_eq!(text(&claimed, "decision"), "review");
    let bound = JsEngine::new()
        .unwrap()
        .check(&order, with(r#"{"customerId": "C10002"}"#))
        .unwrap();
    assert_eq!(text(&bound, "decision"), "allow");

    let engine = JsEngine::new().unwrap();
    let facts = engine
        .facts(
            &order,
            with(r#"{"ip": "198.51.100.7", "customerId": "C10002", "orderId": "S-1"}"#),
        )
        .unwrap();
    let kinds: Vec<String> = Array::from(&prop(&prop(&facts, "customer"), "bound"))
        .iter()
        .filter_map(|v| v.as_string())
        .collect();
    assert_eq!(kinds, ["customer_id", "ip"]);
    // A guest's body cannot assert an old account under binding; the caller's date can.
    let mut guest: serde_json::Value =
        serde_json::from_str(include_str!("../examples/orders/guest-high-value.json")).unwrap();
    guest["customer"]["account_created_at"] = "2015-01-01T00:00:00Z".into();
    let guest = js(&guest.to_string());
    let age = |identity: &str| {
        prop(
            &prop(&engine.facts(&guest, with(identity)).unwrap(), "customer"),
            "account_age_days",
        )
        .as_f64()
    };
    assert_eq!(age("{}"), Some(-1.0));
    assert_eq!(
        age(r#"{"accountCreatedAt": "2026-11-15T10:00:00Z"}"#),
        Some(10.0)
    );
    assert_eq!(
        age(r#"{"accountCreatedAt": 1763200800000}"#),
        Some(375.0),
        "epoch milliseconds, as options.now takes them"
    );
    // checkJson, checkMany and explain take the same option.
    let text_order = JSON::stringify(&order).unwrap().as_string().unwrap();
    let verdict = JsEngine::new()
        .unwrap()
        .check_json(&text_order, with(r#"{"customerId": "C10002"}"#))
        .unwrap();
    assert!(verdict.contains(r#""decision":"allow""#), "{verdict}");
    let many = JsEngine::new()
        .unwrap()
        .check_many(
            &Array::of1(&order).into(),
            with(r#"{"customerId": "C10002"}"#),
        )
        .unwrap();
    assert_eq!(text(&Array::from(&many).get(0), "decision"), "allow");
    let out = JsEngine::new()
        .unwrap()
        .explain(&order, with(r#"{"customerId": "C10002"}"#))
        .unwrap();
    assert_eq!(text(&prop(&out, "verdict"), "decision"), "allow");
}

/// `options.duplicate` is a shared memory's answer; `orderKey` is what that memory keys.
#[wasm_bindgen_test]
fn duplicate_answer_and_order_key() {
    let first = js(include_str!("../examples/orders/duplicate-first.json"));
    let second = js(include_str!("../examples/orders/duplicate-second.json"));
    let mut engine = JsEngine::new().unwrap();
    let said = |seen: bool| Some(js(&format!(r#"{{"now": "{NOW}", "duplicate": {seen}}}"#)));
    assert_eq!(
        text(&engine.check(&first, said(true)).unwrap(), "decision"),
        "deny"
    );
    assert_eq!(
        prop(&engine.stats().unwrap(), "duplicate_memory").as_f64(),
        Some(0.0),
        "the engine's own memory is untouched"
    );
    assert_eq!(
        text(&engine.check(&first, options(NOW)).unwrap(), "decision"),
        "allow"
    );
    assert_eq!(
        text(&engine.check(&second, said(false)).unwrap(), "decision"),
        "allow"
    );
    assert_eq!(
        text(&engine.check(&second, options(NOW)).unwrap(), "decision"),
        "deny"
    );

    let k1 = engine.order_key(&first, None).unwrap();
    let k2 = engine.order_key(&second, options(NOW)).unwrap();
    for k in [&k1, &k2] {
        for field in ["customer", "basket"] {
            let hex = text(k, field);
            assert_eq!(hex.len(), 16, "{field}: {hex}");
            assert!(hex
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        }
        assert!(prop(k, "orderId").is_null(), "a body order id is not bound");
        assert_eq!(prop(k, "windowMs").as_f64(), Some(600_000.0));
    }
    assert_eq!(text(&k1, "basket"), text(&k2, "basket"));
    let bound = engine
        .order_key(
            &first,
            Some(js(r#"{"identity": {"orderId": "DS-20261125-0026"}}"#)),
        )
        .unwrap();
    assert_eq!(text(&bound, "orderId").len(), 16);
    let anonymous = js(r#"{"items": [{"sku": "TEA-001", "quantity": 1}]}"#);
    assert!(engine.order_key(&anonymous, None).unwrap().is_null());
}

/// Bad identity and duplicate options are usage errors naming their path.
#[wasm_bindgen_test]
fn bad_identity_options_name_their_path() {
    let mut engine = JsEngine::new().unwrap();
    let order = js(include_str!("../examples/orders/clean.json"));
    for (options, path) in [
        (r#"{"identity": 5}"#, "options.identity"),
        (r#"{"identity": []}"#, "options.identity"),
        (r#"{"identity": {"email": 5}}"#, "options.identity.email"),
        (
            r#"{"identity": {"customerId": true}}"#,
            "options.identity.customerId",
        ),
        (
            r#"{"identity": {"orderId": {}}}"#,
            "options.identity.orderId",
        ),
        (
            r#"{"identity": {"accountCreatedAt": "yesterday"}}"#,
            "options.identity.accountCreatedAt",
        ),
        (r#"{"duplicate": "yes"}"#, "options.duplicate"),
    ] {
        let err = engine.check(&order, Some(js(options))).unwrap_err();
        assert_eq!(text(&err, "name"), "OrderError", "{options}");
        assert_eq!(text(&err, "path"), path, "{options}");
        let err = engine.order_key(&order, Some(js(options))).unwrap_err();
        assert_eq!(text(&err, "path"), path, "orderKey {options}");
    }
}

/// The duplicate and purchase memories seed their hashers from the JS runtime's
/// `crypto.getRandomValues` (std has no random source in wasm: its `RandomState` keys are
/// the same in every instance), so chosen customers cannot be aimed at one bucket.
#[wasm_bindgen_test]
fn hash_seeds_come_from_the_runtime_random_source() {
    let seeds: std::collections::HashSet<u64> = (0..32)
        .map(|_| checkout_guard::entropy::seed().unwrap())
        .collect();
    assert_eq!(seeds.len(), 32);
}

/// A verdict's line SKUs are the order's, byte for byte, whether the writer has seen the
/// SKU before, another SKU shares its table slot (600 SKUs over 256 slots must collide),
/// or it is too long to be kept (`src/wasm/verdict_js.rs`, `Skus`).
#[wasm_bindgen_test]
fn verdict_lines_name_the_order_s_skus_through_the_sku_table() {
    let mut engine = JsEngine::new().unwrap();
    let mut skus: Vec<String> = (0..600).map(|i| format!("SKU-{i}")).collect();
    skus.push("长".repeat(30)); // 90 bytes: never kept
    skus.push("TEA-001".to_string());
    skus.push("TEA-001 ".to_string()); // a neighbour by content, not the same SKU
    for round in 0..3 {
        for (i, _) in skus.iter().enumerate() {
            let names: Vec<&String> = (0..3)
                .map(|d| &skus[(i + d * 7 + round) % skus.len()])
                .collect();
            let items: Vec<String> = names
                .iter()
                .map(|s| {
                    format!(
                        r#"{{"sku":{},"quantity":1}}"#,
                        JSON::stringify(&JsValue::from_str(s)).unwrap()
                    )
                })
                .collect();
            let order = js(&format!(r#"{{"items":[{}]}}"#, items.join(",")));
            let verdict = engine.check(&order, options(NOW)).unwrap();
            let lines: Array = prop(&verdict, "lines").dyn_into().unwrap();
            let got: Vec<String> = lines.iter().map(|l| text(&l, "sku")).collect();
            let want: Vec<String> = names.iter().map(|s| s.to_string()).collect();
            assert_eq!(got, want, "round {round}, order {i}");
        }
    }
}

#[wasm_bindgen(module = "/tests/wasm/orders.js")]
extern "C" {
    fn corpus(json_lines: &str, cases: &str) -> Vec<String>;
    #[wasm_bindgen(js_name = viaJson)]
    fn via_json(order: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = variantCount)]
    fn variant_count(heavy: bool) -> u32;
    fn variant(text: &str, i: u32) -> JsValue;
    #[wasm_bindgen(js_name = withPollutedPrototype)]
    fn with_polluted_prototype(f: &mut dyn FnMut());
    #[wasm_bindgen(js_name = optionsCount)]
    fn options_count() -> u32;
    #[wasm_bindgen(js_name = options)]
    fn options_variant(i: u32) -> JsValue;
}

/// What a call gave: its result as JSON text, or its error's path and message.
fn outcome(result: Result<JsValue, JsValue>) -> String {
    match result {
        Ok(value) => JSON::stringify(&value)
            .ok()
            .and_then(|t| t.as_string())
            .unwrap_or_default(),
        Err(e) => format!("error at {:?}: {}", text(&e, "path"), text(&e, "message")),
    }
}

/// `facts`, `orderKey` and `check` of `order` on `engine`, with `options` or at [`NOW`].
fn outcomes_with(engine: &mut JsEngine, order: &JsValue, opts: Option<JsValue>) -> [String; 3] {
    let opts = || opts.clone().or_else(|| options(NOW));
    [
        outcome(engine.facts(order, opts())),
        outcome(engine.order_key(order, opts())),
        outcome(engine.check(order, opts())),
    ]
}

fn outcomes(engine: &mut JsEngine, order: &JsValue) -> [String; 3] {
    outcomes_with(engine, order, None)
}

/// Orders come in packed when they are plain data (`src/wasm/order.js`) and as JSON text
/// otherwise; an order that differs between the two would be checked as one thing and
/// kept as another. Every order the repository holds and ~70 variants of each (every
/// field kind, lone surrogates, `-0`, `NaN`, numbers past 2^53, `Date`s, getters,
/// `__proto__` keys, holes, over-limit lists and documents) give the same facts, order key
/// and verdict, or the same error, both ways; `viaJson` forces the JSON way. So do ~20
/// kinds of options, packed with the order or read from the object.
#[wasm_bindgen_test]
fn both_ways_in_read_the_same_order() {
    let texts = corpus(
        include_str!("../examples/orders/all.jsonl"),
        include_str!("conformance/cases.json"),
    );
    assert!(texts.len() > 50, "{} orders", texts.len());
    let mut packed = JsEngine::new().unwrap();
    let mut json = JsEngine::new().unwrap();
    let mut compared = 0;
    for (n, text) in texts.iter().enumerate() {
        for i in 0..variant_count(n == 0) {
            let direct = outcomes(&mut packed, &variant(text, i));
            let through_json = outcomes(&mut json, &via_json(&variant(text, i)));
            assert_eq!(direct, through_json, "order {n} variant {i}: {text}");
            compared += 1;
        }
    }
    assert!(compared > 3_000, "{compared} orders compared");
    // The common options come packed with a plain order; with one the writer declines,
    // the engine reads them from the object: the same options both ways.
    for (n, text) in texts.iter().enumerate().take(12) {
        for i in 0..options_count() {
            let direct = outcomes_with(&mut packed, &variant(text, 0), Some(options_variant(i)));
            let through_json = outcomes_with(
                &mut json,
                &via_json(&variant(text, 0)),
                Some(options_variant(i)),
            );
            assert_eq!(direct, through_json, "order {n} options {i}: {text}");
        }
    }
    // A polluted Object.prototype must not lend an order its `items`.
    let order = js(r#"{"order_id": "A-1"}"#);
    with_polluted_prototype(&mut || {
        assert_eq!(
            outcomes(&mut packed, &order),
            outcomes(&mut json, &via_json(&order))
        );
    });
}
