//! The public profile (docs/snapshot-format.md, "The public profile"; docs/SECURITY.md):
//! a 100k-phone list keeps every listed phone among ≥ 100 unlisted ones, reported by
//! `info()` and measured by looking up a million random unlisted mainland mobiles; the
//! file holds no reason code, customer, private hash or expired entry; hits are
//! uncertain (`customer.level_certain` false) and the demo policy steps up on them where
//! the private profile denies; buckets are stable across versions; it loads without a
//! key.

use checkout_guard::engine::order::Order;
use checkout_guard::model::{Action, BlockEntry, IdKind, Level, PolicySource};
use checkout_guard::snapshot::format::{blocklist_key, id_hash};
use checkout_guard::snapshot::public::{prefix, PublicKindInfo};
use checkout_guard::snapshot::{self, Profile, Snapshot, SnapshotError, SnapshotKey, WriteOptions};
use checkout_guard::source::{self, SourceFiles};
use checkout_guard::{compile_files, normalize, CheckOptions, CompileOptions, Engine, Timestamp};
use std::collections::HashSet;
use std::path::Path;

fn t(s: &str) -> Timestamp {
    Timestamp::parse_rfc3339(s).unwrap()
}

const CREATED: &str = "2026-11-25T00:00:00Z";

fn key() -> SnapshotKey {
    SnapshotKey::from_bytes(*b"public-test-key!")
}

/// SplitMix64: a fixed, seedable stream so the sampled numbers are the same every run.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// A uniformly drawn mainland mobile number `1[3-9]xxxxxxxxx`, normalized.
    fn mobile(&mut self) -> String {
        let second = 3 + self.next() % 7;
        let rest = self.next() % 1_000_000_000;
        normalize::identifier(IdKind::Phone, &format!("1{second}{rest:09}"), "86")
    }
}

fn entry(kind: IdKind, value: &str, level: Level, expires: Option<&str>) -> BlockEntry {
    BlockEntry {
        kind,
        value: normalize::identifier(kind, value, "86"),
        level,
        reason: "SECRET_REASON".to_string(),
        added_at: None,
        expires_at: expires.map(t),
        scope: None,
    }
}

const POLICY: &str = "merchant = \"m\"\ncurrency = \"CNY\"\n\n[[rule]]\nid = \"r\"\nwhen = 'customer.level == \"block\"'\naction = \"deny\"\nreason = \"LISTED\"\n";

fn policy_source() -> PolicySource {
    source::read(&SourceFiles::from_pairs([("policy.toml", POLICY)]))
        .unwrap()
        .source
}

fn write_public(source: &PolicySource) -> Vec<u8> {
    let options = WriteOptions {
        created_at: t(CREATED),
        key: key(),
    };
    snapshot::write_profile(source, &options, Profile::Public).unwrap()
}

fn phones_info(s: &Snapshot) -> PublicKindInfo {
    s.info().blocklist.public_kind("phone").unwrap().clone()
}

#[test]
fn a_100k_phone_list_hides_each_phone_among_100_unlisted_ones() {
    let mut rng = Rng(8);
    let mut listed = HashSet::new();
    while listed.len() < 100_000 {
        listed.insert(rng.mobile());
    }
    let mut source = policy_source();
    source.blocklist = listed
        .iter()
        .map(|p| entry(IdKind::Phone, p, Level::Block, None))
        .collect();
    let bytes = write_public(&source);
    // No key: a browser has none.
    let s = Snapshot::open(bytes.clone(), None).unwrap();
    let info = phones_info(&s);
    let space = 7e9;
    assert_eq!(info.bits, 25, "{info:?}");
    assert_eq!(info.listed, 100_000);
    assert_eq!(info.assumed_space, space);
    assert!(info.anonymity_set >= 100.0, "{info:?}");
    assert!(
        (info.anonymity_set - (space - 1e5) / 2f64.powi(25)).abs() < 1e-6,
        "{info:?}"
    );
    // Four bytes per entry plus a 152-byte header.
    assert_eq!(s.info().blocklist.section_bytes, 152 + 4 * info.entries);

    // Measured: a million unlisted mainland mobiles, each looked up once.
    let samples = 1_000_000u32;
    let (mut hits, mut drawn) = (0u32, 0u32);
    while drawn < samples {
        let phone = rng.mobile();
        if listed.contains(&phone) {
            continue;
        }
        drawn += 1;
        let mut hit = false;
        s.for_each_match(IdKind::Phone, &phone, |m| {
            assert!(!m.certain && m.reason.is_empty() && m.expires_at.is_none());
            hit = true;
        });
        hits += u32::from(hit);
    }
    let measured = f64::from(hits) / f64::from(samples);
    // Unlisted values of the space that hit, per listed value: the measured anonymity.
    let measured_anonymity = measured * space / 1e5;
    eprintln!(
        "phones: k = {}, {} entries in {} bytes ({:.4} per entry), reported fp {:.5}, anonymity {:.1}; measured fp {measured:.5} ({hits} of {samples}), fp × S / listed = {measured_anonymity:.1}",
        info.bits,
        info.entries,
        s.info().blocklist.section_bytes,
        s.info().blocklist.bytes_per_entry,
        info.false_positive_rate,
        info.anonymity_set
    );
    assert!(measured_anonymity >= 100.0, "{measured_anonymity}");
    // ~2,970 expected hits, standard deviation ~55: within 10 % is 5 deviations.
    let relative = (measured - info.false_positive_rate).abs() / info.false_positive_rate;
    assert!(relative < 0.1, "measured {measured}, reported {info:?}");
}

/// A small source: live and expired phones, emails and customer ids, customers.
fn small_source() -> PolicySource {
    let mut source = policy_source();
    source.blocklist = vec![
        entry(IdKind::Phone, "13800138000", Level::Block, None),
        entry(
            IdKind::Phone,
            "13900139000",
            Level::Block,
            Some("2026-01-01T00:00:00Z"),
        ),
        entry(
            IdKind::Email,
            "bad@example.com",
            Level::StepUp,
            Some("2027-01-01T00:00:00Z"),
        ),
        entry(IdKind::CustomerId, "CUST-0001234", Level::Watch, None),
    ];
    let text = "customer_id,account_created_at,orders_90d,refunds_90d,chargebacks_365d,addresses_90d\nCUST-0001234,2025-01-01T00:00:00Z,7,3,1,2\nCUST-9876543,2025-01-01T00:00:00Z,4,4,4,4\n";
    source.customers = source::read(&SourceFiles::from_pairs([
        ("policy.toml", POLICY),
        ("customers.csv", text),
    ]))
    .unwrap()
    .source
    .customers;
    source
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn the_public_file_holds_no_reason_customer_private_hash_or_expired_entry() {
    let source = small_source();
    let bytes = write_public(&source);
    let s = Snapshot::open(bytes.clone(), None).unwrap();
    let tags: Vec<&str> = s.info().sections.iter().map(|x| x.tag.as_str()).collect();
    assert_eq!(tags, ["META", "PROG", "CATL", "PBLK"]);
    assert_eq!(s.info().customers, 0);
    assert_eq!(s.info().blocklist.reasons, 0);
    assert!(!contains(&bytes, b"SECRET_REASON"));
    let k = key();
    for e in &source.blocklist {
        assert!(
            !contains(&bytes, e.value.as_bytes()),
            "{} in clear",
            e.value
        );
        let h = id_hash(k.as_bytes(), e.kind, &e.value);
        // The top 48 bits of the private hash, and the private blocklist key.
        assert!(!contains(&bytes, &h.to_le_bytes()[2..]));
        assert!(!contains(
            &bytes,
            &blocklist_key(h, e.level, 0).to_le_bytes()[2..]
        ));
    }
    for c in &source.customers {
        assert!(!contains(&bytes, c.customer_id.as_bytes()));
        let h = id_hash(k.as_bytes(), IdKind::CustomerId, &c.customer_id);
        assert!(!contains(&bytes, &h.to_le_bytes()[2..]));
        assert!(s.customer(&c.customer_id).is_none());
    }
    // The expired phone is not stored: one phone listed, and it misses.
    let phones = s.info().blocklist.public_kind("phone").unwrap();
    assert_eq!((phones.listed, phones.entries), (1, 1));
    let expired = &source.blocklist[1].value;
    let mut hit = false;
    s.for_each_match(IdKind::Phone, expired, |_| hit = true);
    assert!(!hit, "the expired phone is still listed");
}

/// The facts of an order from `customer` (JSON) on `engine`.
fn facts(engine: &Engine, customer: &str) -> serde_json::Value {
    let order = Order::from_json(&format!(
        r#"{{"order_id":"o","customer":{customer},"items":[{{"sku":"X","quantity":1,"unit_price":10}}]}}"#
    ))
    .unwrap();
    let options = CheckOptions {
        now: Some(t("2026-11-26T00:00:00Z")),
        locale: None,
        ..CheckOptions::default()
    };
    engine.facts(&order, &options)["customer"].clone()
}

#[test]
fn listed_values_are_uncertain_hits_at_their_level_and_others_miss() {
    let source = small_source();
    let public = Engine::open(write_public(&source), None).unwrap();
    let private = Engine::open(
        snapshot::write(
            &source,
            &WriteOptions {
                created_at: t(CREATED),
                key: key(),
            },
        )
        .unwrap(),
        Some(&key()),
    )
    .unwrap();
    for (customer, level) in [
        (r#"{"phone":"13800138000"}"#, "block"),
        (r#"{"email":"Bad@Example.com"}"#, "step_up"),
        (r#"{"id":"CUST-0001234"}"#, "watch"),
    ] {
        let f = facts(&public, customer);
        assert_eq!(f["level"], level, "{customer}: {f}");
        assert_eq!(f["level_certain"], false, "{customer}: {f}");
        assert_eq!(f["listed"], true);
        assert_eq!(f["reasons"], serde_json::json!([]));
        assert_eq!(f["known"], false, "no customer statistics in public");
        let f = facts(&private, customer);
        assert_eq!(f["level"], level);
        assert_eq!(f["level_certain"], true);
        assert_eq!(f["reasons"], serde_json::json!(["SECRET_REASON"]));
    }
    // An unlisted phone whose prefix differs from the listed one's misses.
    let salt = key().public_salt();
    let listed = prefix(&salt, IdKind::Phone, &source.blocklist[0].value, 25);
    let mut rng = Rng(3);
    let other = std::iter::repeat_with(|| rng.mobile())
        .find(|p| prefix(&salt, IdKind::Phone, p, 25) != listed)
        .unwrap();
    let f = facts(&public, &format!(r#"{{"phone":"{other}"}}"#));
    assert_eq!(f["level"], "none");
    assert_eq!(f["level_certain"], true);
    assert_eq!(f["listed"], false);
}

#[test]
fn loads_without_a_key_and_refuses_another_merchants_key() {
    let bytes = write_public(&small_source());
    assert!(Snapshot::from_bytes(bytes.clone()).is_ok());
    assert!(Snapshot::open(bytes.clone(), Some(&key())).is_ok());
    let other = SnapshotKey::from_bytes([9; 16]);
    assert_eq!(
        Snapshot::open(bytes, Some(&other)).unwrap_err(),
        SnapshotError::WrongKey
    );
}

#[test]
fn a_value_keeps_its_bucket_across_versions() {
    // Version 2 lists 10,000 more phones and is compiled a month later: the salt and
    // bits are the same, so the common phone sits in the same bucket.
    let v1 = small_source();
    let mut v2 = small_source();
    let mut rng = Rng(11);
    v2.blocklist
        .extend((0..10_000).map(|_| entry(IdKind::Phone, &rng.mobile(), Level::Watch, None)));
    let later = WriteOptions {
        created_at: t("2026-12-25T00:00:00Z"),
        key: key(),
    };
    let a = Snapshot::from_bytes(write_public(&v1)).unwrap();
    let b = Snapshot::from_bytes(snapshot::write_profile(&v2, &later, Profile::Public).unwrap())
        .unwrap();
    let salt_of = |s: &Snapshot| {
        let pblk = s.info().sections.iter().find(|x| x.tag == "PBLK").unwrap();
        s.bytes()[pblk.offset..pblk.offset + 16].to_vec()
    };
    assert_eq!(salt_of(&a), salt_of(&b));
    assert_eq!(salt_of(&a), key().public_salt());
    assert_eq!(phones_info(&a).bits, phones_info(&b).bits);
}

#[test]
fn a_kind_too_small_to_hide_is_left_out_with_a_warning() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo-store");
    let mut files = SourceFiles::read_dir(&dir).unwrap();
    let options = CompileOptions {
        created_at: Some(t(CREATED)),
        key: Some(key()),
        profile: Profile::Public,
    };
    // The demo store's ids (`C10001`…) have a space of 10³: k = 2, and its 5 live listed
    // ids would fill 3 of 4 buckets, matching 75 % of unlisted ids: left out too.
    let compiled = compile_files(&files, &options).unwrap();
    let ids = compiled.info.blocklist.public_kind("customer_id").unwrap();
    assert_eq!(
        checkout_guard::snapshot::public::bits_for_space(ids.assumed_space),
        2
    );
    assert!(
        !ids.checkable && ids.entries == 0 && ids.listed == 5,
        "{ids:?}"
    );
    assert!(compiled
        .warnings
        .iter()
        .any(|w| w.message.contains("more than 10 %")));
    // Two customer ids `A1`, `A2`: a space of 10, not one bucket of 200.
    files.files.insert(
        "customers.csv".into(),
        "customer_id,account_created_at,orders_90d,refunds_90d,chargebacks_365d,addresses_90d\nA1,,1,0,0,0\nA2,,2,0,0,0\n".into(),
    );
    let blocklist = files.files["blocklist.csv"].clone();
    let ids: String = blocklist
        .lines()
        .filter(|l| !l.starts_with("customer_id,"))
        .collect::<Vec<_>>()
        .join("\n");
    files.files.insert(
        "blocklist.csv".into(),
        format!("{ids}\ncustomer_id,A1,block,X,,,,\n"),
    );
    let compiled = compile_files(&files, &options).unwrap();
    let ids = compiled.info.blocklist.public_kind("customer_id").unwrap();
    assert!(
        !ids.checkable && ids.entries == 0 && ids.listed == 1,
        "{ids:?}"
    );
    assert!(
        compiled
            .warnings
            .iter()
            .any(|w| w.code == checkout_guard::Code::PublicKindOmitted),
        "{:?}",
        compiled.warnings
    );
}

/// The demo store compiled in `profile` with its published key.
fn demo(profile: Profile) -> Engine {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo-store");
    let options = CompileOptions {
        created_at: Some(t(CREATED)),
        key: Some(snapshot::DEMO_KEY),
        profile,
    };
    let compiled = checkout_guard::compile_dir(&dir, &options).unwrap();
    Engine::open(compiled.bytes, None).unwrap()
}

#[test]
fn the_demo_policy_steps_up_on_an_uncertain_block_and_denies_on_a_certain_one() {
    let order = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/orders/payment-block-limited.json"),
    )
    .unwrap();
    let options = CheckOptions {
        now: Some(t("2026-11-25T10:00:00Z")),
        locale: Some("en".into()),
        ..CheckOptions::default()
    };
    let private = demo(Profile::Private).check_json(&order, &options).unwrap();
    assert_eq!(private.decision, Action::Deny);
    let mut public = demo(Profile::Public);
    let f = public.facts(&Order::from_json(&order).unwrap(), &options);
    assert_eq!(f["customer"]["level"], "block", "{f}");
    assert_eq!(f["customer"]["level_certain"], false);
    let verdict = public.check_json(&order, &options).unwrap();
    assert_eq!(verdict.decision, Action::StepUp, "{verdict:?}");
    assert!(verdict.verify.iter().any(|v| &**v == "id_check"));
    assert!(verdict
        .reasons
        .iter()
        .all(|r| &*r.rule != "block-restricted-item"));
}
