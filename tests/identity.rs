//! Bound identity (docs/semantics.md "Bound identity", issue 9 item 1): an identifier the
//! order body only claims earns nothing, history the body asserts is not read, a body
//! order id does not exempt a re-check, one customer cannot flush another's duplicate
//! memory, and a shared memory's answer (`CheckOptions::duplicate`) overrides the
//! engine's own without touching it. On the demo store, whose allowlist needs a bound
//! customer id.

use checkout_guard::engine::dedup::{BASKETS_PER_CUSTOMER, CAPACITY};
use checkout_guard::model::Action;
use checkout_guard::{
    CheckOptions, CompileOptions, Engine, Identity, Order, SourceFiles, Timestamp, Verdict,
};
use serde_json::Value;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn ts(s: &str) -> Timestamp {
    Timestamp::parse_rfc3339(s).unwrap()
}

const NOW: &str = "2026-11-25T10:00:00Z";

fn sample(name: &str) -> Value {
    let text = std::fs::read_to_string(root().join("examples/orders").join(name)).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn order(v: &Value) -> Order {
    Order::from_json(&v.to_string()).unwrap()
}

fn options(identity: Option<Identity>) -> CheckOptions {
    CheckOptions {
        now: Some(ts(NOW)),
        identity,
        ..CheckOptions::default()
    }
}

fn bound_id(id: &str) -> Option<Identity> {
    Some(Identity {
        customer_id: Some(id.into()),
        ..Identity::default()
    })
}

fn rules(v: &Verdict) -> Vec<&str> {
    v.reasons.iter().map(|r| &*r.rule).collect()
}

/// The four challenged demo orders of issue 9 with the body claiming the trusted
/// customer C10002's id: no allowlist without a bound id. Bound (the session really is
/// C10002's), C10002's own record (24 orders, no refund, no chargeback, since 2021)
/// earns it — unless another identifier of the order is listed, which the allowlist
/// never overrides.
#[test]
fn a_claimed_trusted_id_earns_no_allowlist() {
    let cases = [
        // (sample, the rule that challenges it, decision with C10002 bound)
        (
            "new-account-high-value.json",
            "new-account-high-value",
            Action::Allow,
        ),
        ("chargeback.json", "chargeback-history", Action::Allow),
        ("many-addresses.json", "address-hopping", Action::Allow),
        ("refund-abuser.json", "refund-abuse", Action::Allow),
    ];
    for (file, challenged, bound_decision) in cases {
        let original = sample(file);
        let mut engine = Engine::demo().unwrap();
        let before = engine.check(&order(&original), &options(None));
        assert!(rules(&before).contains(&challenged), "{file}: {before:?}");
        assert_ne!(before.decision, Action::Allow, "{file}");

        let mut claimed = original.clone();
        claimed["customer"]["id"] = "C10002".into();
        // A fresh engine each time: the same basket twice would be a duplicate.
        let v = Engine::demo()
            .unwrap()
            .check(&order(&claimed), &options(None));
        assert_ne!(v.decision, Action::Allow, "{file} claimed: {v:?}");
        assert!(!rules(&v).contains(&"trusted-customer"), "{file}: {v:?}");

        let v = Engine::demo()
            .unwrap()
            .check(&order(&claimed), &options(bound_id("C10002")));
        assert_eq!(v.decision, bound_decision, "{file} bound: {v:?}");
        assert!(rules(&v).contains(&"trusted-customer"), "{file}: {v:?}");
        // And the id bound replaces whatever the body says.
        let v = Engine::demo()
            .unwrap()
            .check(&order(&original), &options(bound_id("C10002")));
        assert_eq!(
            v.decision, bound_decision,
            "{file} bound over the body: {v:?}"
        );
    }
}

/// The facts say which identifiers were bound, in the documented order.
#[test]
fn customer_bound_lists_the_bound_kinds() {
    let engine = Engine::demo().unwrap();
    let o = order(&sample("clean.json"));
    let bound = |identity| engine.facts(&o, &options(identity))["customer"]["bound"].clone();
    assert_eq!(bound(None), serde_json::json!([]));
    assert_eq!(bound(Some(Identity::default())), serde_json::json!([]));
    let all = Identity {
        ip: Some("198.51.100.7".into()),
        phone: Some("13800138001".into()),
        email: Some("a@example.com".into()),
        customer_id: Some("C10001".into()),
        account_created_at: Some(ts("2020-01-01T00:00:00Z")),
        order_id: Some("srv-1".into()),
    };
    assert_eq!(
        bound(Some(all)),
        serde_json::json!(["customer_id", "email", "phone", "ip"])
    );
    // The bound ip replaces the body's: the listed body address no longer matches, the
    // bound one is what the blocklist sees.
    let mut listed = sample("clean.json");
    listed["customer"]["ip"] = "203.0.113.66".into(); // watch-listed (C10016's)
    let o = order(&listed);
    let facts = engine.facts(&o, &options(None));
    assert_eq!(facts["customer"]["matched"], serde_json::json!(["ip"]));
    let facts = engine.facts(
        &o,
        &options(Some(Identity {
            ip: Some("198.51.100.7".into()),
            ..Identity::default()
        })),
    );
    assert_eq!(facts["customer"]["matched"], serde_json::json!([]));
    assert_eq!(facts["customer"]["bound"], serde_json::json!(["ip"]));
}

/// A guest claiming an old account: under binding the body's `account_created_at` is
/// never read, so the age is unknown (-1) and the new-account rule fires.
#[test]
fn a_guest_cannot_assert_account_age_under_binding() {
    let mut guest = sample("guest-high-value.json");
    guest["customer"]["account_created_at"] = "2015-01-01T00:00:00Z".into();
    let o = order(&guest);
    let engine = Engine::demo().unwrap();
    // Without binding (a backend trusting its own body), the claim is read.
    let facts = engine.facts(&o, &options(None));
    assert!(facts["customer"]["account_age_days"].as_i64().unwrap() > 3000);
    let v = Engine::demo().unwrap().check(&o, &options(None));
    assert!(!rules(&v).contains(&"new-account-high-value"), "{v:?}");

    let facts = engine.facts(&o, &options(Some(Identity::default())));
    assert_eq!(facts["customer"]["account_age_days"], -1);
    let v = Engine::demo()
        .unwrap()
        .check(&o, &options(Some(Identity::default())));
    assert_eq!(v.decision, Action::StepUp, "{v:?}");
    assert!(rules(&v).contains(&"new-account-high-value"), "{v:?}");

    // The caller's own record of the account's age is read.
    let facts = engine.facts(
        &o,
        &options(Some(Identity {
            account_created_at: Some(ts("2025-11-25T00:00:00Z")),
            ..Identity::default()
        })),
    );
    assert_eq!(facts["customer"]["account_age_days"], 365);
}

/// A customer `customers.csv` knows: the body's `account_created_at` is never read,
/// with or without binding — the snapshot's date, or -1 when the file has none.
#[test]
fn a_known_customer_account_age_is_never_the_body_s() {
    // C10006's account is 2 days old per customers.csv; the body claims 2019.
    let o = order(&sample("new-account-high-value.json"));
    assert!(o.customer.account_created_at.is_some());
    let engine = Engine::demo().unwrap();
    for identity in [None, Some(Identity::default()), bound_id("C10006")] {
        let facts = engine.facts(&o, &options(identity.clone()));
        assert_eq!(facts["customer"]["account_age_days"], 2, "{identity:?}");
    }
    // The same store with C10006's creation date left blank: unknown, not the body's.
    let mut files = SourceFiles::read_dir(&root().join("examples/demo-store")).unwrap();
    let csv = files.files.get_mut("customers.csv").unwrap();
    *csv = csv.replace("C10006,2026-11-23T08:30:00Z,", "C10006,,");
    let compiled = checkout_guard::compile_files(
        &files,
        &CompileOptions {
            created_at: Some(ts("2026-11-25T00:00:00Z")),
            key: Some(checkout_guard::snapshot::DEMO_KEY),
            ..CompileOptions::default()
        },
    )
    .unwrap();
    let engine = Engine::from_bytes(compiled.bytes).unwrap();
    for identity in [
        None,
        Some(Identity::default()),
        Some(Identity {
            account_created_at: Some(ts("2019-01-01T00:00:00Z")),
            ..Identity::default()
        }),
    ] {
        let facts = engine.facts(&o, &options(identity.clone()));
        assert_eq!(facts["customer"]["known"], true);
        assert_eq!(facts["customer"]["account_age_days"], -1, "{identity:?}");
    }
}

/// The re-check exemption: the same basket under the same body order id twice is a
/// duplicate; under the same bound order id it is a re-check.
#[test]
fn only_a_bound_order_id_exempts_a_re_check() {
    let first = order(&sample("duplicate-first.json"));
    let at = |t: &str, identity: Option<Identity>| CheckOptions {
        now: Some(ts(t)),
        identity,
        ..CheckOptions::default()
    };
    let mut engine = Engine::demo().unwrap();
    assert_eq!(
        engine
            .check(&first, &at("2026-11-25T09:55:00Z", None))
            .decision,
        Action::Allow
    );
    let v = engine.check(&first, &at("2026-11-25T10:00:00Z", None));
    assert_eq!(v.decision, Action::Deny, "{v:?}");
    assert_eq!(rules(&v), ["duplicate-submission"]);

    let server_id = || {
        Some(Identity {
            order_id: Some("DS-20261125-0026".into()),
            ..Identity::default()
        })
    };
    let mut engine = Engine::demo().unwrap();
    engine.check(&first, &at("2026-11-25T09:55:00Z", server_id()));
    let v = engine.check(&first, &at("2026-11-25T10:00:00Z", server_id()));
    assert_eq!(v.decision, Action::Allow, "a bound re-check: {v:?}");
    // Another bound id for the same basket is a duplicate; so is no id at all.
    let other = Some(Identity {
        order_id: Some("DS-other".into()),
        ..Identity::default()
    });
    let v = engine.check(&first, &at("2026-11-25T10:01:00Z", other));
    assert_eq!(v.decision, Action::Deny, "{v:?}");
    let v = engine.check(&first, &at("2026-11-25T10:02:00Z", None));
    assert_eq!(v.decision, Action::Deny, "{v:?}");
}

/// A customer submitting CAPACITY junk baskets forgets only their own: another
/// customer's recent basket is still a duplicate.
#[test]
fn junk_from_one_customer_does_not_flush_another() {
    let mut engine = Engine::demo().unwrap();
    let first = order(&sample("duplicate-first.json"));
    let now = CheckOptions {
        now: Some(ts("2026-11-25T09:55:00Z")),
        ..CheckOptions::default()
    };
    engine.check(&first, &now);
    let mut junk = order(&sample("clean.json"));
    junk.customer.id = Some("C-flood".into());
    for i in 0..CAPACITY + 16 {
        junk.items.truncate(1);
        if let Some(line) = junk.items.first_mut() {
            line.quantity = u64::try_from(i + 1).unwrap();
        }
        engine.check(&junk, &now);
    }
    assert_eq!(
        engine.stats().duplicate_memory,
        1 + BASKETS_PER_CUSTOMER,
        "the flood keeps its own last baskets only"
    );
    let v = engine.check(
        &first,
        &CheckOptions {
            now: Some(ts("2026-11-25T10:00:00Z")),
            ..CheckOptions::default()
        },
    );
    assert_eq!(rules(&v), ["duplicate-submission"], "{v:?}");
}

/// `duplicate: Some(seen)` is the shared memory's answer: it decides `duplicate_recent`
/// and leaves the engine's own memory untouched.
#[test]
fn a_shared_memory_answer_overrides_and_leaves_the_own_memory_alone() {
    let first = order(&sample("duplicate-first.json"));
    let shared = |seen| CheckOptions {
        now: Some(ts(NOW)),
        duplicate: Some(seen),
        ..CheckOptions::default()
    };
    let mut engine = Engine::demo().unwrap();
    let v = engine.check(&first, &shared(true));
    assert_eq!(rules(&v), ["duplicate-submission"], "{v:?}");
    assert_eq!(engine.stats().duplicate_memory, 0, "nothing recorded");
    assert_eq!(
        engine.facts(&first, &shared(true))["order"]["issues"],
        serde_json::json!(["duplicate_recent"])
    );
    // Its own memory would say duplicate; the shared answer says not.
    engine.check(&first, &options(None));
    assert_eq!(engine.stats().duplicate_memory, 1);
    let v = engine.check(&first, &shared(false));
    assert_eq!(v.decision, Action::Allow, "{v:?}");
    let v = engine.check(&first, &options(None));
    assert_eq!(
        rules(&v),
        ["duplicate-submission"],
        "own memory still remembers"
    );
    // Even an anonymous order is a duplicate when the shared memory says so.
    let mut anonymous = first.clone();
    anonymous.customer = Default::default();
    assert_eq!(
        Engine::demo()
            .unwrap()
            .order_key(&anonymous, &options(None)),
        None
    );
    let v = Engine::demo().unwrap().check(&anonymous, &shared(true));
    assert!(rules(&v).contains(&"duplicate-submission"), "{v:?}");
}

/// `order_key`: the memory's digests, the bound order id only, the policy's window.
#[test]
fn order_key_is_what_the_engine_remembers() {
    let engine = Engine::demo().unwrap();
    let first = order(&sample("duplicate-first.json"));
    let second = order(&sample("duplicate-second.json"));
    let k1 = engine.order_key(&first, &options(None)).unwrap();
    let k2 = engine.order_key(&second, &options(None)).unwrap();
    assert_eq!(k1.customer, k2.customer);
    assert_eq!(
        k1.basket, k2.basket,
        "the same multiset in another line order"
    );
    assert_eq!(k1.order_id, None, "a body order id is not the key's");
    assert_eq!(k1.window.seconds(), 600);
    let bound = Some(Identity {
        order_id: Some("srv-1".into()),
        ..Identity::default()
    });
    let kb = engine.order_key(&first, &options(bound)).unwrap();
    assert!(kb.order_id.is_some());
    assert_eq!((kb.customer, kb.basket), (k1.customer, k1.basket));
    // Binding another customer changes both digests.
    let other = engine
        .order_key(&first, &options(bound_id("C10001")))
        .unwrap();
    assert_ne!(other.customer, k1.customer);
    assert_ne!(other.basket, k1.basket);
    // Another spelling of the same customer id is the same customer.
    let mut spaced = first.clone();
    spaced.customer.id = Some(" C10012 ".into());
    assert_eq!(
        engine.order_key(&spaced, &options(None)).unwrap().customer,
        k1.customer
    );
}
