//! Rules stored compiled (`PROG`, snapshot format 4, docs/snapshot-format.md): a
//! snapshot's programs are what the engine runs; older snapshots (rules only as text)
//! still load in a build with the compiler; a crafted program is refused with an error
//! that names the rule and the remedy. (The runtime's refusal of text-only snapshots is
//! tested in `src/engine`, which can build an engine without the compiler.)

use checkout_guard::engine::{CheckOptions, Engine, LoadError, Order};
use checkout_guard::snapshot::{format, Snapshot, SnapshotError, SnapshotKey};
use checkout_guard::Timestamp;
use std::path::Path;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name),
    )
    .unwrap()
}

fn key() -> SnapshotKey {
    SnapshotKey::from_bytes(*b"test-key-16bytes")
}

fn open(bytes: Vec<u8>) -> Result<Engine, LoadError> {
    Engine::open(bytes, Some(&key()))
}

fn reseal(bytes: &mut [u8]) {
    let at = bytes.len() - format::CHECKSUM_LEN;
    let sum = xxhash_rust::xxh3::xxh3_64(&bytes[..at]);
    bytes[at..].copy_from_slice(&sum.to_le_bytes());
}

/// Where the first rule's program lies in `bytes` (offset of its `u32` length).
fn first_program(bytes: &[u8]) -> usize {
    let s = Snapshot::open(bytes.to_vec(), Some(&key())).unwrap();
    let prog = s.info().sections.iter().find(|x| x.tag == "PROG").unwrap();
    let u32_at = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
    let names = u32_at(prog.offset + format::programs::NAME_COUNT);
    let mut at = prog.offset + format::programs::NAMES;
    for _ in 0..names {
        at += format::STR_LEN_LEN + u32_at(at);
    }
    at
}

/// A listed customer (`bad.buyer@example.com` is on the fixture's watch list) buying a
/// catalog item.
const ORDER: &str = r#"{"order_id":"o-1","customer":{"id":"C-1","email":"bad.buyer@example.com"},
 "shipping":{"name":"张三","phone":"13900139000","province":"浙江省","city":"杭州市","district":"西湖区","line1":"文一路1号"},
 "items":[{"sku":"CUP-010","quantity":9,"unit_price":88.5}]}"#;

#[test]
fn text_and_compiled_snapshots_of_one_source_judge_alike() {
    let mut v2 = open(fixture("v2-minimal.snapshot")).unwrap();
    let mut v4 = open(fixture("v4-minimal.snapshot")).unwrap();
    assert_eq!(v2.info().format_version, 2);
    assert_eq!(v4.info().format_version, 4);
    assert_eq!(v2.rule_facts(), v4.rule_facts());
    assert!(!v4.rule_facts().is_empty());
    let order = Order::from_json(ORDER).unwrap();
    let options = CheckOptions {
        now: Some(Timestamp::parse_rfc3339("2026-11-26T00:00:00Z").unwrap()),
        ..CheckOptions::default()
    };
    let (a, b) = (v2.check(&order, &options), v4.check(&order, &options));
    assert_eq!(a.decision, b.decision);
    assert_eq!(a.reasons, b.reasons);
}

#[test]
fn a_crafted_program_is_refused_naming_the_rule_and_the_remedy() {
    let good = fixture("v4-minimal.snapshot");
    let at = first_program(&good);
    let len = u32::from_le_bytes(good[at..at + 4].try_into().unwrap()) as usize;
    assert!(len >= 3);
    // The same length, now `!!…!2`: a `!` of an `int`.
    let mut crafted = good.clone();
    let body = &mut crafted[at + 4..at + 4 + len];
    body.fill(format::node::NOT);
    body[len - 2] = format::node::INT;
    body[len - 1] = 4;
    reseal(&mut crafted);
    let err = open(crafted).unwrap_err();
    let LoadError::Snapshot(SnapshotError::BadSection { section, problem }) = &err else {
        panic!("{err:?}");
    };
    assert_eq!(section, "PROG");
    assert!(problem.contains("the program of rule `"), "{problem}");
    assert!(problem.contains("`!` of a `int`"), "{problem}");
    assert!(err.to_string().contains("recompile"), "{err}");

    // A program cut short by its length.
    let mut cut = good.clone();
    cut[at..at + 4].copy_from_slice(&(len as u32 - 1).to_le_bytes());
    reseal(&mut cut);
    let err = open(cut).unwrap_err();
    assert!(
        matches!(&err, LoadError::Snapshot(
            SnapshotError::BadSection { section, .. } | SnapshotError::Truncated { section, .. }
        ) if section == "PROG"),
        "{err:?}"
    );
    // A serving engine keeps its snapshot when offered either.
    let mut e = open(good).unwrap();
    let facts = e.rule_facts();
    let mut crafted = fixture("v4-minimal.snapshot");
    crafted[at + 4] = 0x7f; // an unknown tag, as a newer compiler's operator would be
    reseal(&mut crafted);
    let err = open(crafted.clone()).unwrap_err().to_string();
    assert!(err.contains("unknown node tag 0x7f"), "{err}");
    assert!(err.contains("newer checkout-guard"), "{err}");
    assert!(e
        .load_with(
            crafted,
            &checkout_guard::snapshot::LoadOptions {
                key: Some(key()),
                force: true,
                ..Default::default()
            }
        )
        .is_err());
    assert_eq!(e.rule_facts(), facts);
}

#[test]
fn a_newer_format_is_refused_with_the_newer_format_error() {
    let mut newer = fixture("v4-minimal.snapshot");
    newer[8..10].copy_from_slice(&(format::FORMAT_VERSION + 1).to_le_bytes());
    reseal(&mut newer);
    let err = open(newer).unwrap_err();
    assert_eq!(
        err,
        LoadError::Snapshot(SnapshotError::UnsupportedVersion {
            found: format::FORMAT_VERSION + 1,
            supported: format::FORMAT_VERSION
        })
    );
    assert!(err.to_string().contains("is not supported"), "{err}");
}

/// The rules of docs/rules.md, "Time zones and tables", compiled into a snapshot and
/// judged by the engine: a night order in Beijing time is reviewed, a line over its
/// province's limit denied, and a province missing from the table, where the rule reads
/// it without testing for it, fails the rule (its `on_error`), never quietly allows.
#[test]
fn time_zone_and_table_rules_run_from_a_snapshot() {
    use checkout_guard::model::Action;
    let dir = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/minimal");
    for f in ["blocklist.csv", "catalog.csv", "customers.csv"] {
        std::fs::copy(src.join(f), dir.path().join(f)).unwrap();
    }
    let policy = r#"merchant = "demo-store"
currency = "CNY"

[[rule]]
id     = "night-order"
when   = 'now.getHours("Asia/Shanghai") < 6'
action = "review"
reason = "NIGHT_ORDER"

[[rule]]
id     = "province-limit"
scope  = "item"
when   = '''
order.shipping.province in {"浙江省": 5, "上海市": 20}
  && item.sku_quantity > {"浙江省": 5, "上海市": 20}[order.shipping.province]
'''
action = "deny"
reason = "PROVINCE_LIMIT"

[[rule]]
id     = "strict-province-limit"
scope  = "item"
when   = 'item.sku_quantity > {"上海市": 20}[order.shipping.province]'
action = "step_up"
verify = ["sms_otp"]
reason = "STRICT_LIMIT"
"#;
    std::fs::write(dir.path().join("policy.toml"), policy).unwrap();
    let options = checkout_guard::CompileOptions {
        created_at: Some(Timestamp::parse_rfc3339("2026-11-25T00:00:00Z").unwrap()),
        key: Some(key()),
        ..Default::default()
    };
    let compiled = checkout_guard::compile_dir(dir.path(), &options).unwrap();
    // Maps and timestamp accessors are tags of format 5: a version-4 reader must refuse
    // the file by its version (docs/snapshot-format.md, "Versioning and compatibility").
    let mut engine = open(compiled.bytes).unwrap();
    assert_eq!(engine.info().format_version, 5);
    let order = Order::from_json(ORDER).unwrap();
    let at = |t: &str| CheckOptions {
        now: Some(Timestamp::parse_rfc3339(t).unwrap()),
        ..CheckOptions::default()
    };
    let reasons = |v: &checkout_guard::engine::Verdict| -> Vec<String> {
        v.reasons.iter().map(|r| r.code.to_string()).collect()
    };
    // 17:30 UTC is 01:30 in Beijing; 9 cups to 浙江省 are over its limit of 5; the
    // strict rule reads 浙江省 from a table without it and fails.
    let night = engine.check(&order, &at("2026-11-25T17:30:00Z"));
    assert_eq!(night.decision, Action::Deny, "{night:?}");
    let codes = reasons(&night);
    assert!(codes.contains(&"NIGHT_ORDER".to_string()), "{codes:?}");
    assert!(codes.contains(&"PROVINCE_LIMIT".to_string()), "{codes:?}");
    // The failed rule is listed with its error action (`review`) and warned about.
    assert!(
        night
            .reasons
            .iter()
            .any(|r| &*r.rule == "strict-province-limit" && r.action == Action::Review),
        "{night:?}"
    );
    assert!(
        night
            .warnings
            .iter()
            .any(|w| w.contains("strict-province-limit") && w.contains("no such key")),
        "{night:?}"
    );
    // 02:00 UTC is 10:00 in Beijing: no night review.
    let day = engine.check(&order, &at("2026-11-25T02:00:00Z"));
    assert!(
        !reasons(&day).contains(&"NIGHT_ORDER".to_string()),
        "{day:?}"
    );
}
