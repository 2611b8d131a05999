//! Scoped entries (docs/semantics.md §4.4): a `blocklist.csv` row with a `scope`
//! (`category:…`, `tag:…`, `sku:…`) marks only the order lines in its scope
//! (`item.listed`, `item.list_level`) and leaves `customer.level` alone; a file without
//! the column reads as before; bad scopes are errors at their cell; the public profile
//! leaves scoped entries out.

use checkout_guard::snapshot::{self, Profile};
use checkout_guard::{
    compile_files, lint_files, CheckOptions, CompileOptions, Engine, Order, SourceFiles, Timestamp,
};

const POLICY: &str = r#"merchant = "shop"
currency = "CNY"
valid_for = "3650d"

[[rule]]
id = "listed"
when = 'customer.level == "block"'
action = "deny"
reason = "LISTED"

[[rule]]
id = "barred-lines"
scope = "item"
when = 'item.list_level == "block"'
action = "deny"
reason = "BARRED_FOR_ITEM"
"#;

const CATALOG: &str = "sku,name,category,price,tags,max_per_order
TEA-001,Tea,茶叶,100.00,,
CUP-001,Cup,茶具,50.00,limited_edition,
POT-001,Pot,茶具,80.00,,
";

const BLOCKLIST: &str = "kind,value,level,reason,added_at,expires_at,note,scope
customer_id,C1,block,SCALPER,,,limited editions only,tag:limited_edition
customer_id,C2,block,DAMAGE_CLAIMS,,,no teaware,category:茶具
customer_id,C3,block,RESELLER,,,one SKU,sku:TEA-001
customer_id,C3,watch,RESELLER,,2026-01-01T00:00:00Z,expired,category:茶具
email,c4@example.com,block,FRAUD,,,,
";

fn options(profile: Profile) -> CompileOptions {
    CompileOptions {
        created_at: Some(Timestamp::parse_rfc3339("2026-11-25T00:00:00Z").unwrap()),
        key: Some(snapshot::DEMO_KEY),
        profile,
    }
}

fn files(blocklist: &str) -> SourceFiles {
    SourceFiles::from_pairs([
        ("policy.toml", POLICY),
        ("catalog.csv", CATALOG),
        ("blocklist.csv", blocklist),
    ])
}

fn engine(blocklist: &str, profile: Profile) -> Engine {
    let compiled =
        compile_files(&files(blocklist), &options(profile)).unwrap_or_else(|d| panic!("{d}"));
    Engine::from_bytes(compiled.bytes).unwrap()
}

fn order(customer: &str, skus: &[&str]) -> Order {
    let items: Vec<serde_json::Value> = skus
        .iter()
        .map(|s| serde_json::json!({"sku": s, "quantity": 1, "unit_price": 1.0}))
        .collect();
    let o = serde_json::json!({"customer": {"id": customer}, "items": items});
    Order::from_json(&o.to_string()).unwrap()
}

fn now() -> CheckOptions {
    CheckOptions {
        now: Some(Timestamp::parse_rfc3339("2026-11-25T10:00:00Z").unwrap()),
        ..CheckOptions::default()
    }
}

/// The decision and each line's decision.
fn judged(engine: &mut Engine, customer: &str, skus: &[&str]) -> (String, Vec<String>) {
    let v = engine.check(&order(customer, skus), &now());
    (
        v.decision.as_str().to_string(),
        v.lines
            .iter()
            .map(|l| l.decision.as_str().to_string())
            .collect(),
    )
}

#[test]
fn a_scoped_entry_marks_its_lines_not_the_customer() {
    let mut e = engine(BLOCKLIST, Profile::Private);
    assert_eq!(e.info().format_version, 6);
    assert_eq!(e.info().blocklist.scoped, 4);
    let all = ["TEA-001", "CUP-001", "POT-001"];
    // (customer, skus, decision, line decisions)
    let cases: [(&str, &[&str], &str, &[&str]); 6] = [
        ("C1", &all, "deny", &["allow", "deny", "allow"]),
        ("C1", &["TEA-001", "POT-001"], "allow", &["allow", "allow"]),
        ("C2", &all, "deny", &["allow", "deny", "deny"]),
        ("C3", &all, "deny", &["deny", "allow", "allow"]),
        ("C3", &["CUP-001"], "allow", &["allow"]),
        ("C9", &all, "allow", &["allow", "allow", "allow"]),
    ];
    for (customer, skus, decision, lines) in cases {
        let want = (
            decision.to_string(),
            lines.iter().map(|s| s.to_string()).collect(),
        );
        assert_eq!(judged(&mut e, customer, skus), want, "{customer} {skus:?}");
    }
    let facts = e.facts(&order("C2", &all), &now());
    assert_eq!(facts["customer"]["level"], "none");
    assert_eq!(facts["customer"]["listed"], false);
    let marks: Vec<(bool, &str)> = facts["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["listed"].as_bool().unwrap(),
                i["list_level"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(marks, [(false, "none"), (true, "block"), (true, "block")]);
}

#[test]
fn without_the_column_a_file_reads_as_before() {
    let plain = "kind,value,level,reason,added_at,expires_at,note\ncustomer_id,C1,block,FRAUD,,,\n";
    let mut e = engine(plain, Profile::Private);
    assert_eq!(e.info().format_version, 4);
    assert_eq!(judged(&mut e, "C1", &["TEA-001"]).0, "deny");
    // An empty scope cell lists the customer for the whole order.
    let empty =
        "kind,value,level,reason,added_at,expires_at,note,scope\ncustomer_id,C1,block,FRAUD,,,,\n";
    let mut e = engine(empty, Profile::Private);
    assert_eq!(e.info().format_version, 4);
    assert_eq!(judged(&mut e, "C1", &["TEA-001"]).0, "deny");
}

#[test]
fn bad_scopes_are_errors_at_their_cell() {
    let bad = "kind,value,level,reason,added_at,expires_at,note,scope
customer_id,C1,block,R,,,,colour:red
customer_id,C1,block,R,,,,tag:
ip_range,203.0.113.0/24,block,R,,,,sku:X
";
    let diags = lint_files(&files(bad), &options(Profile::Private));
    crate::pattern_entries::assert_findings(
        &diags,
        &[
            (2, 27, "is not a scope"),
            (3, 27, "names no tag"),
            (4, 36, "cannot be scoped"),
        ],
    );
}

#[test]
fn the_public_profile_leaves_scoped_entries_out() {
    let mut e = engine(BLOCKLIST, Profile::Public);
    // C1's scoped block must not read as a whole-order block in the page.
    assert_eq!(judged(&mut e, "C1", &["TEA-001"]).0, "allow");
    assert_eq!(e.info().blocklist.scoped, 0);
}
