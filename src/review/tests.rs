//! The report on tests/fixtures/review-store (every section populated: expired,
//! expiring, never-expiring, undated entries and candidates) and on the demo store.

use super::*;
use crate::time::parse_setting_duration;

const POLICY: &str = include_str!("../../tests/fixtures/review-store/policy.toml");
const BLOCKLIST: &str = include_str!("../../tests/fixtures/review-store/blocklist.csv");
const CUSTOMERS: &str = include_str!("../../tests/fixtures/review-store/customers.csv");

fn store() -> SourceFiles {
    SourceFiles::from_pairs([
        ("policy.toml", POLICY),
        ("blocklist.csv", BLOCKLIST),
        ("customers.csv", CUSTOMERS),
    ])
}

fn at(now: &str) -> ReviewOptions {
    ReviewOptions::at(Timestamp::parse_rfc3339(now).unwrap())
}

fn values(rows: &[EntryRow]) -> Vec<&str> {
    rows.iter().map(|r| r.value.as_str()).collect()
}

#[test]
fn expiry_sections_follow_the_window() {
    let r = review(&store(), &at("2026-11-25T10:00:00Z")).unwrap();
    assert_eq!(r.merchant, "review-store");
    assert_eq!((r.entries, r.in_force), (8, 6));
    assert_eq!(values(&r.expired), ["old@example.com", "K1"]);
    // K2 expires 2026-12-25T00:00Z, inside a window ending 2026-12-25T10:00Z.
    assert_eq!(values(&r.expiring), ["8613800138000", "K2"]);
    assert_eq!(r.within_seconds, 30 * 86_400);

    let narrow = ReviewOptions {
        within: parse_setting_duration("20d").unwrap(),
        ..at("2026-11-25T10:00:00Z")
    };
    let r = review(&store(), &narrow).unwrap();
    assert_eq!(values(&r.expiring), ["8613800138000"]);

    // At the very instant of expiry an entry no longer applies (`expires_at > now`).
    let r = review(&store(), &at("2026-11-01T00:00:00Z")).unwrap();
    assert_eq!(values(&r.expired), ["old@example.com", "K1"]);
}

#[test]
fn counts_by_level_reason_and_kind() {
    let r = review(&store(), &at("2026-11-25T10:00:00Z")).unwrap();
    assert_eq!(
        r.never_expiring,
        LevelCounts {
            watch: 0,
            step_up: 0,
            block: 2
        }
    );
    let reasons: Vec<(&str, usize, usize)> = r
        .by_reason
        .iter()
        .map(|c| (c.name.as_str(), c.entries, c.in_force))
        .collect();
    assert_eq!(
        reasons,
        [
            ("REFUND_ABUSE", 3, 2),
            ("BOT_CHECKOUT", 2, 2),
            ("CHARGEBACK_FRAUD", 1, 0),
            ("COUPON_ABUSE", 1, 1),
            ("SCALPER", 1, 1),
        ]
    );
    let kinds: Vec<(&str, usize, usize)> = r
        .by_kind
        .iter()
        .map(|c| (c.name.as_str(), c.entries, c.in_force))
        .collect();
    assert_eq!(
        kinds,
        [
            ("customer_id", 3, 2),
            ("email", 2, 1),
            ("phone", 1, 1),
            ("device_id", 1, 1),
            ("ip", 1, 1),
        ]
    );
}

#[test]
fn oldest_entries_in_force_come_from_added_at() {
    let r = review(&store(), &at("2026-11-25T10:00:00Z")).unwrap();
    assert_eq!(
        values(&r.oldest),
        ["K3", "8613800138000", "K2", "203.0.113.9"]
    );
    assert_eq!(
        r.oldest[0].added_at,
        Some(Timestamp::parse_rfc3339("2024-02-02T00:00:00Z").unwrap())
    );
    assert_eq!(r.undated, 2);
}

#[test]
fn candidates_come_from_rules_on_history_alone() {
    let r = review(&store(), &at("2026-11-25T10:00:00Z")).unwrap();
    // `listed-block` reads the level, `refunds-big-basket` the order, `loyal` allows.
    let criteria: Vec<(&str, Level)> = r
        .criteria
        .iter()
        .map(|c| (c.rule.as_str(), c.suggests))
        .collect();
    assert_eq!(
        criteria,
        [
            ("many-chargebacks", Level::Block),
            ("refunds", Level::Watch)
        ]
    );
    let found: Vec<(&str, Level, Level, Vec<String>)> = r
        .candidates
        .iter()
        .map(|c| {
            (
                c.customer_id.as_str(),
                c.level,
                c.suggested,
                c.rules.clone(),
            )
        })
        .collect();
    // K1's watch entry has expired, so the refund rule makes them a candidate again;
    // K2 (watch, in force) and K3 (block) already have the level suggested.
    assert_eq!(
        found,
        [
            ("K1", Level::None, Level::Watch, vec!["refunds".to_string()]),
            (
                "K4",
                Level::None,
                Level::Block,
                vec!["many-chargebacks".to_string()]
            ),
        ]
    );
    assert_eq!(r.candidates[1].stats.account_age_days, -1);
    assert!((r.candidates[0].stats.refund_rate - 4.0 / 6.0).abs() < 1e-12);
}

#[test]
fn demo_store_review() {
    let files = SourceFiles::read_dir(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/demo-store"
    )))
    .unwrap();
    let r = review(&files, &at("2026-11-25T10:00:00Z")).unwrap();
    assert_eq!(r.entries, 34);
    // Issue 11: 9 of the 29 exact entries never expire, and 3 of the 5 pattern and
    // scoped examples.
    assert_eq!(r.never_expiring.total(), 12);
    let ids: Vec<&str> = r
        .candidates
        .iter()
        .map(|c| c.customer_id.as_str())
        .collect();
    assert_eq!(ids, ["C10002", "C10004", "C10005", "C10011"]);
}

#[test]
fn a_broken_source_gives_its_diagnostics() {
    let files = SourceFiles::from_pairs([("blocklist.csv", BLOCKLIST)]);
    let e = review(&files, &at("2026-11-25T10:00:00Z")).unwrap_err();
    assert!(e.0.iter().any(|d| d.code == "policy-file"), "{e:?}");
    // A rule error refuses the source as `lint` does, located in the policy file.
    let policy = POLICY.replace(
        "customer.chargebacks_365d >= 3",
        "customer.chargebacks >= 3",
    );
    let files = SourceFiles::from_pairs([("policy.toml", policy.as_str())]);
    let e = review(&files, &at("2026-11-25T10:00:00Z")).unwrap_err();
    let d = e.0.iter().find(|d| d.code == "unknown-field").unwrap();
    assert_eq!(d.file.as_deref(), Some("policy.toml"));
}

#[test]
fn windows_print_as_policy_durations() {
    assert_eq!(format_window(DEFAULT_WITHIN), "30d");
    assert_eq!(
        format_window(parse_setting_duration("1h30m").unwrap()),
        "1h30m"
    );
    assert_eq!(
        format_window(parse_setting_duration("1d90s").unwrap()),
        "1d1m30s"
    );
}
