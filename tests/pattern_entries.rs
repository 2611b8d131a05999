//! Pattern entries (docs/semantics.md §3.3): `email_domain`, `ip_range` and
//! `phone_prefix` rows compiled from `blocklist.csv`, stored in a format-6 snapshot and
//! matched by the engine against the spellings a listed person would try, not their
//! neighbours; compile errors at the cell; the public profile without them.

use checkout_guard::snapshot::Profile;
use checkout_guard::{
    compile_files, lint_files, snapshot, CheckOptions, CompileOptions, Engine, Order, Snapshot,
    SourceFiles, Timestamp,
};

const POLICY: &str = "merchant = \"shop\"\ncurrency = \"CNY\"\nvalid_for = \"3650d\"\n\n[[rule]]\nid = \"listed\"\nwhen = 'customer.level == \"block\"'\naction = \"deny\"\nreason = \"LISTED\"\n\n[[rule]]\nid = \"watched\"\nwhen = 'customer.level == \"watch\"'\naction = \"review\"\nreason = \"WATCHED\"\n";

const BLOCKLIST: &str = "kind,value,level,reason,added_at,expires_at,note
email_domain,Scalper-Mail.example,block,SCALPER,,,whole domain and its sub-domains
ip_range,203.0.113.0/24,block,BOTNET,,,
ip_range,2001:db8:bad::/48,block,BOTNET,,,
phone_prefix,170,watch,VIRTUAL_NUMBER,,,virtual-operator numbers
phone_prefix,+86 171,watch,VIRTUAL_NUMBER,,2026-01-01T00:00:00Z,expired
email,someone@example.com,block,FRAUD,,,
";

fn options(profile: Profile) -> CompileOptions {
    CompileOptions {
        created_at: Some(Timestamp::parse_rfc3339("2026-11-25T00:00:00Z").unwrap()),
        key: Some(snapshot::DEMO_KEY),
        profile,
    }
}

fn compile(blocklist: &str, profile: Profile) -> Vec<u8> {
    let files = SourceFiles::from_pairs([("policy.toml", POLICY), ("blocklist.csv", blocklist)]);
    compile_files(&files, &options(profile))
        .unwrap_or_else(|d| panic!("{d}"))
        .bytes
}

fn order(customer: serde_json::Value, shipping_phone: &str) -> Order {
    let o = serde_json::json!({
        "created_at": "2026-11-25T09:00:00Z",
        "customer": customer,
        "shipping": {"name": "A", "phone": shipping_phone, "province": "P", "city": "C", "line1": "L"},
        "items": [{"sku": "X", "quantity": 1, "unit_price": 10.0}]
    });
    Order::from_json(&o.to_string()).unwrap()
}

/// `customer.level` and `customer.matched` for `customer`.
fn judged(engine: &Engine, customer: serde_json::Value) -> (String, Vec<String>) {
    let options = CheckOptions {
        now: Some(Timestamp::parse_rfc3339("2026-11-25T10:00:00Z").unwrap()),
        ..CheckOptions::default()
    };
    let facts = engine.facts(&order(customer, "13900000000"), &options);
    let c = &facts["customer"];
    (
        c["level"].as_str().unwrap().to_string(),
        c["matched"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k.as_str().unwrap().to_string())
            .collect(),
    )
}

#[test]
fn patterns_match_every_spelling_of_their_class_and_no_neighbour() {
    let engine = Engine::from_bytes(compile(BLOCKLIST, Profile::Private)).unwrap();
    assert_eq!(engine.info().format_version, 6);
    let by_kind = &engine.info().blocklist.by_kind;
    assert_eq!(by_kind.get("email_domain"), Some(&1));
    assert_eq!(by_kind.get("ip_range"), Some(&2));
    assert_eq!(by_kind.get("phone_prefix"), Some(&2));
    // (field, level, matched kind or "" for none, values)
    let cases: [(&str, &str, &str, &[&str]); 6] = [
        (
            "email",
            "block",
            "email_domain",
            &[
                "a@scalper-mail.example",
                "A@SCALPER-MAIL.EXAMPLE",
                "a@ｓｃａｌｐｅｒ－ｍａｉｌ.example",
                "a@shop.scalper-mail.example",
                "a+x@deep.sub.scalper-mail.example.",
            ],
        ),
        (
            "email",
            "none",
            "",
            &[
                "a@notscalper-mail.example",
                "a@scalper-mail.example.cn",
                "scalper-mail.example",
            ],
        ),
        (
            "ip",
            "block",
            "ip_range",
            &[
                "203.0.113.1",
                "::ffff:203.0.113.200",
                "[::FFFF:CB00:71FF]:443",
                "2001:db8:bad:1::9",
            ],
        ),
        (
            "ip",
            "none",
            "",
            &[
                "203.0.112.255",
                "203.0.114.0",
                "2001:db8:bae::1",
                "::cb00:7101",
            ],
        ),
        (
            "phone",
            "watch",
            "phone_prefix",
            &[
                "17012345678",
                "+86 170 1234 5678",
                "１７０１２３４５６７８",
                "0086-170-1234-5678",
            ],
        ),
        // 171 expired; 172 and a foreign 170 are neighbours.
        (
            "phone",
            "none",
            "",
            &["17112345678", "17212345678", "+44 170 1234 5678"],
        ),
    ];
    for (field, level, kind, values) in cases {
        let kinds: Vec<String> = [kind]
            .into_iter()
            .filter(|k| !k.is_empty())
            .map(String::from)
            .collect();
        for value in values {
            let got = judged(&engine, serde_json::json!({ field: value }));
            assert_eq!(got, (level.to_string(), kinds.clone()), "{field} {value}");
        }
    }
    // The exact entry still matches, and together with a pattern both kinds are named.
    assert_eq!(
        judged(
            &engine,
            serde_json::json!({"email": "someone@example.com", "ip": "203.0.113.5"})
        ),
        (
            "block".to_string(),
            vec!["email".to_string(), "ip_range".to_string()]
        )
    );
}

#[test]
fn the_shipping_phone_is_matched_by_prefix_too() {
    let mut engine = Engine::from_bytes(compile(BLOCKLIST, Profile::Private)).unwrap();
    let options = CheckOptions {
        now: Some(Timestamp::parse_rfc3339("2026-11-25T10:00:00Z").unwrap()),
        ..CheckOptions::default()
    };
    let verdict = engine.check(&order(serde_json::json!({}), "170 1234 5678"), &options);
    assert_eq!(verdict.decision.as_str(), "review");
    assert_eq!(&*verdict.reasons[0].code, "WATCHED");
}

#[test]
fn a_list_without_patterns_keeps_its_format_version() {
    let exact = "kind,value,level,reason,added_at,expires_at,note\nemail,a@b.cn,block,FRAUD,,,\n";
    let snapshot = Snapshot::from_bytes(compile(exact, Profile::Private)).unwrap();
    assert_eq!(snapshot.info().format_version, 4);
    assert!(!snapshot.info().sections.iter().any(|s| s.tag == "PATN"));
}

#[test]
fn bad_patterns_are_errors_at_their_cell() {
    let bad = "kind,value,level,reason,added_at,expires_at,note
ip_range,203.0.113.5/24,block,R,,,
ip_range,203.0.113.0/33,block,R,,,
ip_range,2001:db8::,block,R,,,
email_domain,a@example.com,block,R,,,
phone_prefix,17x,watch,R,,,
";
    let files = SourceFiles::from_pairs([("policy.toml", POLICY), ("blocklist.csv", bad)]);
    let diags = lint_files(&files, &options(Profile::Private));
    assert_findings(
        &diags,
        &[
            (2, 10, "host bits set"),
            (3, 10, "1 to 32"),
            (4, 10, "ADDRESS/LENGTH"),
            (5, 14, "the domain alone"),
            (6, 14, "not a phone prefix"),
        ],
    );
    assert!(compile_files(&files, &options(Profile::Private)).is_err());
}

#[test]
fn the_public_profile_holds_no_pattern() {
    let bytes = compile(BLOCKLIST, Profile::Public);
    let engine = Engine::from_bytes(bytes).unwrap();
    assert!(engine.info().format_version < 6);
    assert!(!engine.info().sections.iter().any(|s| s.tag == "PATN"));
    // Only the exact entry is checkable in the page; the patterns are the edge's.
    assert_eq!(
        judged(&engine, serde_json::json!({"ip": "203.0.113.1", "email": "a@scalper-mail.example", "phone": "17012345678"})).0,
        "none"
    );
    assert_eq!(
        judged(&engine, serde_json::json!({"email": "someone@example.com"})).0,
        "block"
    );
}

#[test]
fn a_damaged_pattern_section_is_refused() {
    let bytes = compile(BLOCKLIST, Profile::Private);
    let info = Snapshot::from_bytes(bytes.clone()).unwrap().info().clone();
    let patn = info.sections.iter().find(|s| s.tag == "PATN").unwrap();
    // Clear the first kind's length set: its rows could no longer be found.
    let mut damaged = bytes.clone();
    damaged[patn.offset + 4..patn.offset + 20].fill(0);
    let checksum_at = damaged.len() - 8;
    let sum = xxhash_rust::xxh3::xxh3_64(&damaged[..checksum_at]);
    damaged[checksum_at..].copy_from_slice(&sum.to_le_bytes());
    let err = Snapshot::from_bytes(damaged).unwrap_err().to_string();
    assert!(err.contains("PATN"), "{err}");
}

/// Asserts `diags` are exactly `expect`: each at its (line, column), its message holding
/// the text given.
pub(crate) fn assert_findings(
    diags: &[checkout_guard::Diagnostic],
    expect: &[(usize, usize, &str)],
) {
    let found: Vec<(usize, usize, &str)> = diags
        .iter()
        .map(|d| (d.spans[0].line, d.spans[0].column, d.message.as_str()))
        .collect();
    assert_eq!(found.len(), expect.len(), "{found:?}");
    for ((line, column, message), (l, c, want)) in found.iter().zip(expect) {
        assert_eq!((*line, *column), (*l, *c), "{message}");
        assert!(message.contains(want), "{message} lacks {want}");
    }
}
