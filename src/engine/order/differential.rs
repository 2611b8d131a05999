//! The order reader against its specification, the `serde_json::Value` walker kept in
//! `oracle.rs`: on every order the repository holds, on generated orders and on broken
//! variants of them, both must read the same order or refuse with the same path and
//! message (for invalid JSON, `serde_json`'s own words and position).

use super::{oracle, Order};
use proptest::prelude::*;
use serde_json::{json, Value};
use std::path::Path;

/// The deepest nesting serde_json (and so the reader) admits, the root included.
const MAX_DEPTH_FOR_TESTS: usize = 127;

/// Both readers on `text`.
fn agree(text: &str) -> Result<(), TestCaseError> {
    prop_assert_eq!(
        Order::from_json(text),
        oracle::from_json(text),
        "text: {:?}",
        text
    );
    Ok(())
}

fn check(text: &str) {
    if let Err(e) = agree(text) {
        panic!("{e}");
    }
}

/// Every order text in the repository: the examples (one per file and the JSON Lines
/// file line by line), orders written inline in the conformance cases, and the fuzz
/// regressions.
fn corpus() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut texts = Vec::new();
    for dir in ["examples/orders", "fuzz/regressions/order_json"] {
        let mut paths: Vec<_> = std::fs::read_dir(root.join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        paths.sort();
        for path in paths {
            let text = std::fs::read_to_string(&path).unwrap();
            if path.extension().is_some_and(|e| e == "jsonl") {
                texts.extend(text.lines().map(str::to_string));
            }
            texts.push(text);
        }
    }
    let cases: Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("tests/conformance/cases.json")).unwrap(),
    )
    .unwrap();
    for case in cases.as_array().unwrap() {
        if let Some(order) = case.get("order").filter(|o| o.is_object()) {
            texts.push(order.to_string());
            texts.push(serde_json::to_string_pretty(order).unwrap());
        }
    }
    texts
}

#[test]
fn every_order_in_the_repository_reads_alike() {
    let texts = corpus();
    assert!(texts.len() > 40, "only {} orders found", texts.len());
    let mut read = 0;
    for text in &texts {
        check(text);
        read += usize::from(Order::from_json(text).is_ok());
    }
    assert!(read > 30, "only {read} orders read");
}

#[test]
fn every_prefix_and_every_byte_dropped_of_an_order_reads_alike() {
    let text = include_str!("../../../examples/orders/blacklisted-limited.json");
    for (i, _) in text.char_indices() {
        check(&text[..i]);
        let c = text[i..].chars().next().unwrap();
        check(&format!("{}{}", &text[..i], &text[i + c.len_utf8()..]));
    }
}

/// Errors found while writing the reader, each a case where a careless reader and
/// `serde_json` part: positions at the end of the text and of each line, every
/// escape and surrogate mistake, numbers at and past the edge of `f64`, nesting at
/// the limit, keys that are not strings, `null` as a list entry, and duplicate keys.
#[test]
fn syntax_and_shape_edge_cases_read_alike() {
    let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    let cases = [
        "",
        " ",
        "{",
        "[",
        "\"",
        "n",
        "nul",
        "nulx",
        "tru",
        "fals",
        "-",
        "-a",
        "01",
        "1.",
        "1.e5",
        "1e",
        "1e+",
        "1ex",
        ".5",
        "+1",
        "1]",
        "{}x",
        "{\n\"items\":[],\n}",
        "[1,]",
        "[1 2]",
        "{\"a\" 1}",
        "{\"a\":1 \"b\":2}",
        "{1:2}",
        "{,}",
        "{\"a\":}",
        "{\"a\":1,}",
        "{\"a\":1,2}",
        "\"\\x\"",
        "\"\\u12\"",
        "\"\\u12g4\"",
        "\"\\ud800\"",
        "\"\\ud800x\"",
        "\"\\ud800\\n\"",
        "\"\\ud800\\u0041\"",
        "\"\\udc00\"",
        "\"\\ud83d\\ude00\"",
        "\"a\u{1}b\"",
        "\"tab\tin\"",
        "1e309",
        "-1e309",
        "1e308",
        "1e-400",
        "1e99999999999",
        "0e99999999999",
        "1e-99999999999",
        &format!("1{}", "0".repeat(400)),
        &format!("1{}.5", "0".repeat(400)),
        &format!("0.{}1", "0".repeat(400)),
        "18446744073709551615",
        "18446744073709551616",
        "-9223372036854775809",
        "-0",
        "NaN",
        "Infinity",
        "[1,2]//c",
        "\u{feff}{}",
        "{\"items\":[]}\n\n  x",
    ];
    for case in cases {
        check(case);
        check(&format!("{{\"items\":[],\"x\":{case}"));
        check(&format!("{{\"items\":[],\"x\":{case}}}"));
        check(&format!(
            "{{\"items\":[{{\"sku\":\"A\",\"quantity\":1,\"unit_price\":{case}}}]}}"
        ));
    }
    for n in [
        MAX_DEPTH_FOR_TESTS - 1,
        MAX_DEPTH_FOR_TESTS,
        MAX_DEPTH_FOR_TESTS + 1,
    ] {
        check(&deep(n));
        check(&format!("{{\"items\":[],\"x\":{}}}", deep(n - 1)));
        check(&format!("{{\"items\":[],\"x\":{}}}", deep(n)));
    }
    for text in [
        r#"{"items":[null]}"#,
        r#"{"items":[{"sku":"A","quantity":1}],"verified":[null,"x"]}"#,
        r#"{"items":[{"sku":"A","quantity":0}],"items":[{"sku":"B","quantity":1}]}"#,
        r#"{"items":[{"sku":"A","quantity":1}],"items":null}"#,
        r#"{"customer":{"id":"a"},"customer":{"email":"b"},"items":[]}"#,
        r#"{"items":[{"sku":"A","quantity":1,"quantity":"x"}]}"#,
        r#"{"order_\u0069d":"x","order_id":"y","items":[]}"#,
        r#"{"order_id":"y","order_\u0069d":"\u00e9\ud83d\ude00","items":[]}"#,
        r#"{"items":[{"sku":"A","quantity":1.0}]}"#,
        r#"{"items":[{"sku":"A","quantity":1e0}]}"#,
        r#"{"items":[{"sku":"A","quantity":-0}]}"#,
        r#"{"items":[{"sku":"A","quantity":1,"unit_price":-0}]}"#,
        r#"{"items":[{"sku":"A","quantity":1,"unit_price":0.1e1}]}"#,
        r#"{"items":[{"sku":"A","quantity":1,"unit_price":123.45678901234567}]}"#,
        r#"{"items":[{"sku":"A","quantity":1,"unit_price":1000000000.0000001}]}"#,
        r#"{"items":[{"sku":"A","quantity":1,"unit_price":18446744073709551616}]}"#,
        r#"{"items":5,"customer":3}"#,
        r#"{"items":[],"shipping":[],"customer":{}}"#,
        r#"{"items":[{"sku":"A","quantity":1}],"created_at":"2026-11-22T10:00:00Z","x":[1,{"y":"\n"}]}"#,
    ] {
        check(text);
    }
    let long = "x".repeat(2049);
    check(&format!(r#"{{"items":[],"currency":"{long}"}}"#));
    check(&format!(r#"{{"items":[],"verified":["{long}"]}}"#));
    check(&format!(
        r#"{{"items":[],"verified":[{}]}}"#,
        vec!["\"a\""; 33].join(",")
    ));
    let line = r#"{"sku":"a","quantity":1}"#;
    check(&format!(r#"{{"items":[{}]}}"#, vec![line; 1001].join(",")));
    check(&format!(
        r#"{{"items":[{},1]}}"#,
        vec![line; 1000].join(",")
    ));
}

/// A value of any kind an order field might hold, right or wrong.
fn field() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-3i64..3_000_000).prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        (0.0f64..2.0e9).prop_map(|f| json!(f)),
        Just(json!("2026-11-25T10:00:00Z")),
        Just(json!("yesterday")),
        ".{0,6}".prop_map(Value::String),
        Just(json!([])),
        Just(json!({})),
        Just(json!([null, "sms_otp"])),
    ]
}

/// How JSON text may be written differently with the same meaning, or broken.
fn respell(text: &str, how: u8, at: usize, byte: char) -> String {
    let cut = text
        .char_indices()
        .map(|(i, _)| i)
        .nth(at % text.chars().count().max(1))
        .unwrap_or(0);
    match how % 6 {
        // Truncated.
        0 => text[..cut].to_string(),
        // One character inserted.
        1 => format!("{}{byte}{}", &text[..cut], &text[cut..]),
        // One character replaced.
        2 => {
            let rest = &text[cut..];
            let skip = rest.chars().next().map_or(0, char::len_utf8);
            format!("{}{byte}{}", &text[..cut], &rest[skip..])
        }
        // Every string escaped as \u sequences where possible.
        3 => text.replace('a', "\\u0061").replace('é', "\\u00e9"),
        // Whitespace everywhere.
        4 => text.replace(',', " ,\n\t").replace(':', "\r: "),
        // A duplicate of the first key, with the value of the last.
        _ => text.replacen('{', "{\"items\":0,", 1),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn generated_orders_and_their_variants_read_alike(
        order_id in field(), created_at in field(), customer_id in field(),
        email in field(), ship_name in field(), sku in field(), quantity in field(),
        price in field(), verified in field(), drop_items in any::<bool>(),
        shipping_null in any::<bool>(), how in any::<u8>(), at in any::<usize>(),
        byte in prop::sample::select(vec!['{', '}', '[', ']', '"', ',', ':', '\\', '0', '-', '.', 'e', 'n', ' ', '\u{1}', 'é']),
    ) {
        let mut o = json!({
            "order_id": order_id, "created_at": created_at,
            "customer": {"id": customer_id, "email": email, "account_created_at": created_at},
            "shipping": if shipping_null { Value::Null } else { json!({"name": ship_name, "phone": "13800138000"}) },
            "items": [{"sku": "TEA-001", "quantity": 2}, {"sku": sku, "quantity": quantity, "unit_price": price}],
            "verified": verified,
            "unknown": {"nested": [1, 2.5, "a\"b", null, true]},
        });
        if drop_items {
            o.as_object_mut().map(|m| m.remove("items"));
        }
        let text = o.to_string();
        agree(&text)?;
        agree(&respell(&text, how, at, byte))?;
        agree(&respell(&serde_json::to_string_pretty(&o).unwrap(), how, at, byte))?;
    }

    #[test]
    fn arbitrary_text_reads_alike(text in ".{0,80}") {
        agree(&text)?;
    }

    #[test]
    fn text_of_json_characters_reads_alike(text in r#"[\[\]{}",:0-9eE.+\- \ntrufalsn\\u]{0,60}"#) {
        agree(&text)?;
    }
}
