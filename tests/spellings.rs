//! Other spellings of a listed identifier (docs/semantics.md §3.2): every case of
//! `tests/data/spellings.txt` — a listed value, another spelling, and whether the two
//! must meet or stay apart — checked on the normalizer itself and end to end through
//! the CLI (a store listing every value, one order per spelling), so a class of
//! spellings that slips past the blocklist fails here.

use checkout_guard::model::IdKind;
use checkout_guard::normalize::identifier;
use std::path::PathBuf;
use std::process::Command;

struct Case {
    line: usize,
    kind: IdKind,
    kind_name: String,
    listed: String,
    spelling: String,
    same: bool,
}

/// Replaces `\u{XXXX}` escapes by their characters.
fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("\\u{") {
        out.push_str(&rest[..i]);
        let end = rest[i..].find('}').unwrap() + i;
        let code = u32::from_str_radix(&rest[i + 3..end], 16).unwrap();
        out.push(char::from_u32(code).unwrap());
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

fn kind(name: &str) -> IdKind {
    *IdKind::ALL
        .iter()
        .find(|k| k.as_str() == name)
        .unwrap_or_else(|| panic!("unknown kind `{name}`"))
}

fn cases() -> Vec<Case> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/spellings.txt");
    let text = std::fs::read_to_string(path).unwrap();
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split('|').map(str::trim).collect();
        assert_eq!(fields.len(), 4, "line {}: four fields", i + 1);
        out.push(Case {
            line: i + 1,
            kind: kind(fields[0]),
            kind_name: fields[0].to_string(),
            listed: unescape(fields[1]),
            spelling: unescape(fields[2]),
            same: match fields[3] {
                "same" => true,
                "differs" => false,
                other => panic!("line {}: `{other}` is neither same nor differs", i + 1),
            },
        });
    }
    out
}

#[test]
fn every_spelling_normalizes_like_its_listed_value_and_no_neighbour_does() {
    let cases = cases();
    assert!(cases.len() >= 70, "{} cases", cases.len());
    let mut wrong = Vec::new();
    for c in &cases {
        let listed = identifier(c.kind, &c.listed, "86");
        let other = identifier(c.kind, &c.spelling, "86");
        if (listed == other) != c.same {
            wrong.push(format!(
                "line {}: {} `{}` → `{listed}`, `{}` → `{other}` (expected {})",
                c.line,
                c.kind_name,
                c.listed,
                c.spelling,
                if c.same { "same" } else { "different" }
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// A minimal valid order whose identifier of `kind` is `value` (the others absent).
fn order_with(kind: IdKind, value: &str, n: usize) -> serde_json::Value {
    let mut order = serde_json::json!({
        "order_id": format!("SP-{n}"),
        "currency": "CNY",
        "customer": {},
        "shipping": {
            "name": "测试", "phone": "13800138101", "province": "江苏省",
            "city": "南京市", "district": "鼓楼区", "line1": "中山北路100号"
        },
        "items": [{"sku": "TEA-001", "quantity": 1, "unit_price": 168.0}]
    });
    let field = match kind {
        IdKind::CustomerId => "id",
        // A pattern kind is matched against the identifier it is a class of.
        IdKind::Email | IdKind::EmailDomain => "email",
        IdKind::Phone | IdKind::PhonePrefix => "phone",
        IdKind::Ip | IdKind::IpRange => "ip",
        IdKind::DeviceId => "device_id",
        IdKind::PaymentFingerprint => "payment_fingerprint",
        IdKind::Address => {
            // The whole address in `province`; the other parts normalize to nothing
            // but are not blank, so the order has no address issue.
            let s = &mut order["shipping"];
            s["province"] = value.into();
            for part in ["city", "district", "line1"] {
                s[part] = "-".into();
            }
            return order;
        }
    };
    order["customer"][field] = value.into();
    order
}

/// The same cases through the CLI: `compile` a store whose blocklist lists every value
/// at `block`, then `check` one order per spelling: the blocklist rule fires exactly
/// for the spellings that are `same`.
#[test]
fn the_cli_lists_every_spelling_and_no_neighbour() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let cases = cases();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    std::fs::create_dir(&store).unwrap();
    for f in ["policy.toml", "catalog.csv"] {
        std::fs::copy(root.join("examples/demo-store").join(f), store.join(f)).unwrap();
    }
    let mut csv = String::from("kind,value,level,reason,added_at,expires_at,note\n");
    let mut listed: Vec<(&str, &str)> = cases
        .iter()
        .map(|c| (c.kind_name.as_str(), c.listed.as_str()))
        .collect();
    listed.sort();
    listed.dedup();
    for (k, v) in listed {
        csv.push_str(&format!("{k},\"{v}\",block,SPELLING_TEST,,,\n"));
    }
    std::fs::write(store.join("blocklist.csv"), csv).unwrap();
    let snapshot = dir.path().join("s.snapshot");
    let bin = env!("CARGO_BIN_EXE_checkout-guard");
    let out = Command::new(bin)
        .current_dir(&root)
        .args([
            "compile",
            store.to_str().unwrap(),
            "-o",
            snapshot.to_str().unwrap(),
        ])
        .args(["--key", "examples/demo-store/demo.key"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let orders: String = cases
        .iter()
        .enumerate()
        .map(|(n, c)| format!("{}\n", order_with(c.kind, &c.spelling, n)))
        .collect();
    let input = dir.path().join("orders.jsonl");
    std::fs::write(&input, orders).unwrap();
    let out = Command::new(bin)
        .current_dir(&root)
        .args(["check", "--snapshot", snapshot.to_str().unwrap()])
        .args(["--key", "examples/demo-store/demo.key"])
        .args(["--now", "2026-11-25T10:00:00Z", input.to_str().unwrap()])
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let verdicts: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(verdicts.len(), cases.len(), "{stdout}");
    let mut wrong = Vec::new();
    for (c, v) in cases.iter().zip(&verdicts) {
        let listed = v["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["code"] == "BLOCKLIST_BLOCK");
        if listed != c.same {
            wrong.push(format!(
                "line {}: {} `{}` {} (verdict {v})",
                c.line,
                c.kind_name,
                c.spelling,
                if listed { "matched" } else { "did not match" }
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// `email_plus_tags = "everywhere"` drops a `+tag` at every domain, for blocklist values
/// and order fields alike; the default keeps it outside the known providers.
#[test]
fn the_policy_can_drop_plus_tags_at_every_domain() {
    use checkout_guard::{
        compile_files, snapshot, CheckOptions, CompileOptions, Engine, Order, SourceFiles,
    };
    let blocklist = "kind,value,level,reason,added_at,expires_at,note\nemail,bad.buyer@example.com,block,FRAUD,,,\n";
    let order = Order::from_json(
        r#"{"order_id": "P-1", "customer": {"email": "Bad.Buyer+shoes@Example.com"},
            "items": [{"sku": "A", "quantity": 1, "unit_price": 1.0}]}"#,
    )
    .unwrap();
    let level = |setting: &str| {
        let policy = format!(
            "merchant = \"m\"\ncurrency = \"CNY\"\n{setting}\n[[rule]]\nid = \"r\"\nwhen = 'customer.level == \"block\"'\naction = \"deny\"\nreason = \"R\"\n"
        );
        let files = SourceFiles::from_pairs([
            ("policy.toml", policy.as_str()),
            ("blocklist.csv", blocklist),
        ]);
        let options = CompileOptions {
            created_at: None,
            key: Some(snapshot::DEMO_KEY),
            ..CompileOptions::default()
        };
        let engine = Engine::from_bytes(compile_files(&files, &options).unwrap().bytes).unwrap();
        engine.facts(&order, &CheckOptions::default())["customer"]["level"].clone()
    };
    assert_eq!(level(""), "none");
    assert_eq!(level("email_plus_tags = \"providers\""), "none");
    assert_eq!(level("email_plus_tags = \"everywhere\""), "block");
}
