//! Message placeholders (docs/policy.md, "Message placeholders"; docs/semantics.md §9.5):
//! what the engine fills in, what a placeholder without a value shows, what the
//! compiler refuses and where it says so, and which snapshot format holds templates.

use checkout_guard::{
    case_ref, compile_files, lint_files, snapshot, CheckOptions, CompileOptions, Diagnostic,
    Engine, Order, Snapshot, SourceFiles, Timestamp,
};

const BLOCKLIST: &str = "kind,value,level,reason,added_at,expires_at,note
customer_id,C1,block,DAMAGE_REFUND,,2027-03-02T00:00:00Z,
customer_id,C1,watch,SCALPER,,,
customer_id,C2,block,STOLEN_CARD,,,
customer_id,C3,block,NO_TEXT,,2027-01-05T00:00:00Z,
";

/// A policy whose `deny` rule about the listing names `listed`, with `messages` as its
/// message tables and `extra` at the top.
fn policy(extra: &str, messages: &str) -> String {
    format!(
        "merchant = \"shop\"\ncurrency = \"CNY\"\nvalid_for = \"3650d\"\n{extra}\n\n[[rule]]\nid = \"listed\"\nwhen = 'customer.level == \"block\"'\naction = \"deny\"\nreason = \"LISTED\"\nmessage = \"listed\"\n\n[[rule]]\nid = \"big\"\nwhen = 'order.total > 5000.0'\naction = \"review\"\nreason = \"BIG\"\nmessage = \"big\"\n\n{messages}"
    )
}

const EXTRA: &str = "appeal = \"help@shop.example\"\n\n[list_reasons.zh-CN]\nDAMAGE_REFUND = \"多次申请破损退款\"\nSTOLEN_CARD = \"可疑付款\"\n\n[list_reasons.en]\nDAMAGE_REFUND = \"repeated damage claims\"";

const MESSAGES: &str = "[messages.zh-CN]\nlisted = \"因{reason|本店规则}，{expires|另行通知}前不可购买。申诉：{appeal}，编号 {case}。{{原样}}\"\nbig = \"人工审核\"\n\n[messages.en]\nlisted = \"Because of {reason|our rules}, until {expires|further notice}. Appeal: {appeal}, case {case}.\"\nbig = \"Under review\"";

fn options() -> CompileOptions {
    CompileOptions {
        created_at: Some(Timestamp::parse_rfc3339("2026-11-25T00:00:00Z").unwrap()),
        key: Some(snapshot::DEMO_KEY),
        ..CompileOptions::default()
    }
}

fn compile(policy: &str) -> Vec<u8> {
    let files = SourceFiles::from_pairs([("policy.toml", policy), ("blocklist.csv", BLOCKLIST)]);
    compile_files(&files, &options())
        .unwrap_or_else(|d| panic!("{d}"))
        .bytes
}

fn lint(policy: &str) -> Vec<Diagnostic> {
    let files = SourceFiles::from_pairs([("policy.toml", policy), ("blocklist.csv", BLOCKLIST)]);
    lint_files(&files, &options())
}

fn order(customer: &str, id: Option<&str>) -> Order {
    let mut o = serde_json::json!({
        "created_at": "2026-11-25T09:00:00Z",
        "customer": {"id": customer},
        "items": [{"sku": "X", "quantity": 1, "unit_price": 10.0}]
    });
    if let Some(id) = id {
        o["order_id"] = id.into();
    }
    Order::from_json(&o.to_string()).unwrap()
}

fn text(engine: &mut Engine, order: &Order, locale: Option<&str>) -> String {
    let options = CheckOptions {
        now: Some(Timestamp::parse_rfc3339("2026-11-25T10:00:00Z").unwrap()),
        locale: locale.map(str::to_string),
        ..CheckOptions::default()
    };
    let verdict = engine.check(order, &options);
    verdict
        .message
        .map(|m| m.text.to_string())
        .unwrap_or_default()
}

#[test]
fn the_message_names_the_reason_the_expiry_the_appeal_and_the_case() {
    let mut engine = Engine::from_bytes(compile(&policy(EXTRA, MESSAGES))).unwrap();
    assert_eq!(engine.info().format_version, 5);
    let o = order("C1", Some("A-1"));
    let case = case_ref::case_ref("shop", &o);
    // C1's block entry outranks its watch entry: its reason and expiry are named.
    assert_eq!(
        text(&mut engine, &o, None),
        format!("因多次申请破损退款，2027年3月2日前不可购买。申诉：help@shop.example，编号 {case}。{{原样}}")
    );
    assert_eq!(
        text(&mut engine, &o, Some("en-GB")),
        format!("Because of repeated damage claims, until 2 March 2027. Appeal: help@shop.example, case {case}.")
    );
    // The verdict's JSON keeps `message` as {locale, text, key}.
    let verdict = engine.check(&o, &CheckOptions::default());
    let json: serde_json::Value = serde_json::from_str(&verdict.to_json()).unwrap();
    assert_eq!(
        json["message"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["key", "locale", "text"]
    );
}

#[test]
fn a_placeholder_without_a_value_shows_its_fallback() {
    let mut engine = Engine::from_bytes(compile(&policy(EXTRA, MESSAGES))).unwrap();
    // C2's entry never expires; its reason has a zh-CN text but none in `en`, so the
    // English message falls back to the default locale's text for the reason.
    let o = order("C2", Some("A-2"));
    let case = case_ref::case_ref("shop", &o);
    assert_eq!(
        text(&mut engine, &o, Some("en")),
        format!(
            "Because of 可疑付款, until further notice. Appeal: help@shop.example, case {case}."
        )
    );
    // C3's reason has no text anywhere: the fallback shows.
    let o = order("C3", None);
    assert!(text(&mut engine, &o, Some("en"))
        .starts_with("Because of our rules, until 5 January 2027."));
}

#[test]
fn a_case_reference_names_the_order_not_the_customer() {
    let mut engine = Engine::from_bytes(compile(&policy(EXTRA, MESSAGES))).unwrap();
    let a = text(&mut engine, &order("C1", Some("A-9")), Some("en"));
    let b = text(&mut engine, &order("C2", Some("A-9")), Some("en"));
    let tail = |t: &str| t.rsplit("case ").next().unwrap().to_string();
    assert_eq!(tail(&a), tail(&b));
    let code = case_ref::parse(tail(&a).trim_end_matches('.')).unwrap();
    assert!(case_ref::matches(code, "shop", &order("C3", Some("A-9"))));
    assert!(!case_ref::matches(code, "shop", &order("C1", Some("A-10"))));
}

#[test]
fn messages_without_braces_keep_format_4_and_older_files_show_text_as_written() {
    let plain = policy(
        "",
        "[messages.zh-CN]\nlisted = \"不可购买\"\nbig = \"审核\"",
    );
    let engine = Engine::from_bytes(compile(&plain)).unwrap();
    assert_eq!(engine.info().format_version, 4);

    // The same templates in a file that says format 4 (as a build before templates
    // would have read it): shown as written.
    let mut bytes = compile(&policy(EXTRA, MESSAGES));
    bytes[8..10].copy_from_slice(&4u16.to_le_bytes());
    let at = bytes.len() - 8;
    let sum = xxhash_rust::xxh3::xxh3_64(&bytes[..at]);
    bytes[at..].copy_from_slice(&sum.to_le_bytes());
    let mut engine = Engine::from_bytes(bytes).unwrap();
    assert_eq!(
        text(&mut engine, &order("C1", Some("A-1")), Some("en")),
        "Because of {reason|our rules}, until {expires|further notice}. Appeal: {appeal}, case {case}."
    );
}

#[test]
fn a_public_snapshot_keeps_no_reason_texts() {
    let files = SourceFiles::from_pairs([
        ("policy.toml", policy(EXTRA, MESSAGES).as_str()),
        ("blocklist.csv", BLOCKLIST),
    ]);
    let options = CompileOptions {
        profile: snapshot::Profile::Public,
        ..options()
    };
    let compiled = compile_files(&files, &options).unwrap_or_else(|d| panic!("{d}"));
    let snapshot = Snapshot::from_bytes(compiled.bytes).unwrap();
    assert!(snapshot.policy().list_reasons.is_empty());
    assert_eq!(
        snapshot.policy().appeal.as_deref(),
        Some("help@shop.example")
    );
}

/// `(code, line, column)` of each diagnostic.
fn places(diags: &[Diagnostic]) -> Vec<(String, usize, usize)> {
    diags
        .iter()
        .map(|d| {
            let span = d.spans.first();
            (
                d.code.name().to_string(),
                span.map_or(0, |s| s.line),
                span.map_or(0, |s| s.column),
            )
        })
        .collect()
}

#[test]
fn unknown_and_malformed_placeholders_are_errors_at_their_place() {
    let messages = "[messages.zh-CN]\nlisted = \"x {resaon} y\"\nbig = \"a } b {case\"";
    let text = policy(EXTRA, messages);
    let diags = lint(&text);
    let line = text
        .lines()
        .position(|l| l.starts_with("listed ="))
        .unwrap()
        + 1;
    let got = places(&diags);
    assert!(
        got.contains(&("message-placeholder".into(), line, 13)),
        "{got:?}"
    );
    assert!(
        got.contains(&("message-placeholder".into(), line + 1, 10)),
        "{got:?}"
    );
    assert!(
        got.contains(&("message-placeholder".into(), line + 1, 14)),
        "{got:?}"
    );
    let unknown = diags
        .iter()
        .find(|d| d.message.contains("{resaon}"))
        .unwrap();
    assert!(unknown
        .help
        .as_deref()
        .unwrap()
        .contains("`reason`, `expires`, `appeal`, `case`"));
}

#[test]
fn entry_placeholders_need_a_rule_about_the_listing() {
    // `big` reads only the order total: it can fire for anyone.
    let messages = "[messages.zh-CN]\nlisted = \"{reason|x}\"\nbig = \"审核 {expires|x}\"";
    let text = policy(EXTRA, messages);
    let diags = lint(&text);
    let line = text.lines().position(|l| l.starts_with("big =")).unwrap() + 1;
    assert_eq!(
        places(&diags),
        [("placeholder-context".to_string(), line, 11)]
    );
    assert_eq!(diags[0].rule.as_deref(), Some("big"));
    assert!(diags[0].help.as_deref().unwrap().contains("customer.level"));
}

#[test]
fn appeal_needs_the_setting_and_entry_placeholders_want_a_fallback() {
    let messages = "[messages.zh-CN]\nlisted = \"{reason} {appeal}\"\nbig = \"审核\"";
    let text = policy("", messages);
    let diags = lint(&text);
    let line = text
        .lines()
        .position(|l| l.starts_with("listed ="))
        .unwrap()
        + 1;
    let mut got = places(&diags);
    got.sort();
    assert_eq!(
        got,
        [
            ("placeholder-context".to_string(), line, 20),
            ("placeholder-without-fallback".to_string(), line, 11),
        ]
    );
    assert!(!diags[1].is_error() || !diags[0].is_error());
}

#[test]
fn json_policies_locate_placeholders_too() {
    let text = r#"{"merchant": "m", "currency": "CNY", "rule": [
  {"id": "r", "when": "customer.listed", "action": "deny", "reason": "X", "message": "m"}
],
"messages": {"zh-CN": {"m": "see {cse}"}}}"#;
    let files = SourceFiles::from_pairs([("policy.json", text)]);
    let diags = lint_files(&files, &options());
    assert_eq!(places(&diags), [("message-placeholder".to_string(), 4, 34)]);
}
