//! Reading policy sources (docs/semantics.md §2): the fixture folder, defaults, normalization,
//! and the wording and position of errors in `policy.toml`, `policy.json` and the CSVs.

use checkout_guard::compile::{compile_files, lint_files, CompileOptions};
use checkout_guard::model::{Action, IdKind, Level, OnStale, Scope};
use checkout_guard::source::{self, SourceFiles};
use checkout_guard::{Diagnostic, Timestamp};
use std::path::Path;

const MIN_POLICY: &str = r#"merchant = "m"
currency = "cny"

[[rule]]
id = "r1"
when = 'customer.level == "block"'
action = "deny"
reason = "LISTED"
"#;

fn fixture() -> SourceFiles {
    SourceFiles::read_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/minimal"))
        .unwrap()
}

fn with(files: &[(&str, &str)]) -> SourceFiles {
    SourceFiles::from_pairs(files.iter().copied())
}

fn errors(files: &SourceFiles) -> Vec<Diagnostic> {
    source::read(files).unwrap_err().0
}

fn render_all(files: &SourceFiles, diags: &[Diagnostic]) -> String {
    diags
        .iter()
        .map(|d| {
            let src = d.file.as_ref().and_then(|f| files.files.get(f));
            d.render(src.map(String::as_str))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn reads_the_fixture_folder() {
    let files = fixture();
    let read = source::read(&files).unwrap();
    let s = &read.source;
    assert_eq!(read.policy_file, "policy.toml");
    assert_eq!(s.policy.merchant, "demo-store");
    assert_eq!(s.policy.on_stale, OnStale::Review);
    assert_eq!(s.policy.high_value_threshold, 1000.0);
    assert_eq!(s.policy.rules.len(), 3);
    assert_eq!(s.policy.rules[1].action, Action::StepUp);
    assert_eq!(s.policy.rules[1].verify, vec!["sms_otp".to_string()]);
    assert_eq!(s.policy.rules[2].scope, Scope::Item);
    assert_eq!(s.blocklist.len(), 8);
    let phone = &s.blocklist[0];
    assert_eq!(
        (phone.kind, phone.value.as_str()),
        (IdKind::Phone, "8613800138000")
    );
    assert_eq!(phone.level, Level::Block);
    assert_eq!(phone.expires_at, None);
    let email = &s.blocklist[1];
    assert_eq!(email.value, "bad.buyer@example.com");
    assert_eq!(
        email.added_at,
        Some(Timestamp::parse_rfc3339("2026-02-01T00:00:00Z").unwrap())
    );
    assert_eq!(s.blocklist[2].value, "浙江省杭州市西湖区文三路123号");
    assert_eq!(s.catalog.len(), 3);
    assert_eq!(s.catalog[0].price_minor, 16800);
    assert_eq!(s.catalog[1].name, "限量大红袍, 礼盒");
    assert_eq!(s.catalog[1].tags, vec!["high_value", "limited_edition"]);
    assert_eq!(s.catalog[1].max_per_order, 1);
    assert_eq!(s.catalog[2].price_minor, 8850);
    assert_eq!(s.catalog[2].max_per_order, 0);
    assert_eq!(s.customers.len(), 3);
    assert_eq!(s.customers[1].stats.refunds_90d, 25);
    assert_eq!(s.customers[2].stats.account_created_at, None);
}

#[test]
fn when_offsets_point_at_the_expression() {
    let files = fixture();
    let read = source::read(&files).unwrap();
    let text = &files.files["policy.toml"];
    for (rule, offset) in read.source.policy.rules.iter().zip(&read.when_offsets) {
        let at = offset.expect("toml offsets are known");
        assert!(
            text[at..].starts_with(&rule.when),
            "rule {}: {:?}",
            rule.id,
            &text[at..at + 20]
        );
    }
}

#[test]
fn defaults_apply() {
    let read = source::read(&with(&[("policy.toml", MIN_POLICY)])).unwrap();
    let p = &read.source.policy;
    assert_eq!(p.currency, "CNY");
    assert_eq!(p.default_country_code, "86");
    assert_eq!(p.default_locale, "zh-CN");
    assert_eq!(p.valid_for.seconds(), 7 * 86_400);
    assert_eq!(p.duplicate_window.seconds(), 600);
    assert_eq!(p.on_stale, OnStale::Allow);
    assert_eq!(p.rules[0].scope, Scope::Order);
    assert!(read.source.blocklist.is_empty());
    assert!(read.warnings.is_empty(), "{:?}", read.warnings);
}

#[test]
fn unknown_toml_key_names_line_and_column() {
    let policy = MIN_POLICY.replace("reason = \"LISTED\"", "reason = \"LISTED\"\nlvl = 2");
    let files = with(&[("policy.toml", &policy)]);
    let errs = errors(&files);
    assert_eq!(errs.len(), 1, "{errs:?}");
    let text = render_all(&files, &errs);
    assert!(text.contains("unknown field `lvl`"), "{text}");
    assert_eq!(
        text,
        "error[policy-syntax]: unknown field `lvl`, expected one of `id`, `when`, `action`, `verify`, `verify_mode`, `reason`, `message`, `scope`, `on_error`\n\
         \x20 --> policy.toml:9:1\n\
         \x20 |\n\
         9 | lvl = 2\n\
         \x20 | ^^^\n\
         \x20  = help: remove the key or fix its spelling; the keys are listed in docs/policy.md\n"
    );
    assert!(text.contains("--> policy.toml:9:1"), "{text}");
}

#[test]
fn unknown_action_and_scope_are_errors() {
    let policy = MIN_POLICY.replace("\"deny\"", "\"block\"");
    let files = with(&[("policy.toml", &policy)]);
    let text = render_all(&files, &errors(&files));
    assert!(text.contains("unknown variant `block`"), "{text}");
    assert!(text.contains("--> policy.toml:7:10"), "{text}");

    let policy = MIN_POLICY.replace(
        "reason = \"LISTED\"",
        "reason = \"LISTED\"\nscope = \"line\"",
    );
    let files = with(&[("policy.toml", &policy)]);
    let text = render_all(&files, &errors(&files));
    assert!(text.contains("unknown variant `line`"), "{text}");
}

#[test]
fn rule_validation_collects_every_problem() {
    let policy = r#"merchant = "m"
currency = "CNYX"
valid_for = "7 days"
default_locale = "en"

[[rule]]
id = "Bad_Id"
when = 'true'
action = "deny"
verify = ["sms_otp"]
reason = "X"

[[rule]]
id = "step"
when = 'true'
action = "step_up"
reason = "Y"
message = "nope"

[[rule]]
id = "step"
when = 'true'
action = "allow"
reason = "Z"
message = "hello"

[messages.en]
hello = "hi"

[messages.zh-CN]
other = "x"
"#;
    let files = with(&[("policy.toml", policy)]);
    let errs = errors(&files);
    let text = render_all(&files, &errs);
    for needle in [
        "`CNYX` is not a currency code",
        "--> policy.toml:2:12",
        "`valid_for`: `7 days` is not a duration",
        "rule id `Bad_Id` is not kebab-case",
        "--> policy.toml:7:6 (rule `Bad_Id`)",
        "`verify` is only for step_up rules, and rule `Bad_Id` is `deny`",
        "step_up rule `step` names no verification method",
        "message `nope` is not in `[messages.en]`",
        "rule id `step` is used twice",
        "warning[missing-translation]: message `hello` has no `zh-CN` text",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
}

#[test]
fn default_locale_needs_a_table_when_rules_name_messages() {
    let policy = MIN_POLICY.replace(
        "reason = \"LISTED\"",
        "reason = \"LISTED\"\nmessage = \"m\"",
    );
    let policy = format!("{policy}\n[messages.en]\nm = \"x\"\n");
    let files = with(&[("policy.toml", &policy)]);
    let text = render_all(&files, &errors(&files));
    assert!(
        text.contains("rules name messages but there is no `[messages.zh-CN]` table"),
        "{text}"
    );
}

#[test]
fn policy_file_must_exist_exactly_once() {
    let text = render_all(&with(&[]), &errors(&with(&[])));
    assert!(text.contains("the source has no `policy.toml`"), "{text}");
    let both = with(&[("policy.toml", MIN_POLICY), ("policy.json", "{}")]);
    let text = render_all(&both, &errors(&both));
    assert!(
        text.contains("both `policy.toml` and `policy.json` exist"),
        "{text}"
    );
}

#[test]
fn json_policy_has_the_same_schema() {
    let json = r#"{
  "merchant": "m",
  "currency": "CNY",
  "rule": [
    {"id": "r1", "when": "customer.level == 'block'", "action": "deny", "reason": "LISTED",
     "message": "blocked"}
  ],
  "messages": {"zh-CN": {"blocked": "不可购买"}}
}"#;
    let files = with(&[("policy.json", json)]);
    let read = source::read(&files).unwrap();
    assert_eq!(read.policy_file, "policy.json");
    let at = read.when_offsets[0].unwrap();
    assert!(json[at..].starts_with("customer.level"));

    let bad = json.replace("\"reason\"", "\"reasn\"");
    let files = with(&[("policy.json", &bad)]);
    let text = render_all(&files, &errors(&files));
    assert!(text.contains("unknown field `reasn`"), "{text}");
    assert!(text.contains("--> policy.json:5:"), "{text}");
}

#[test]
fn csv_field_errors_name_line_column_and_field() {
    let blocklist = "kind,value,level,reason,added_at,expires_at,note\n\
                     phone,13800138000,block,R,,,\n\
                     email,a@b.cn,blok,R,,,\n\
                     fax,123,watch,R,,,\n\
                     phone,13800138001,watch,R,2026-01-01,,\n\
                     email,\"x@y.cn\",watch,,,,\n";
    let files = with(&[("policy.toml", MIN_POLICY), ("blocklist.csv", blocklist)]);
    let errs = errors(&files);
    let text = render_all(&files, &errs);
    let expected = [
        "error[csv-field]: field `level`: `blok` is not a level; expected `watch`, `step_up` or `block`\n  --> blocklist.csv:3:14\n",
        "field `kind`: `fax` is not an identifier kind; expected `customer_id`, `email`, `phone`, `device_id`, `address`, `payment_fingerprint`, `ip`, `email_domain`, `ip_range`, `phone_prefix`\n  --> blocklist.csv:4:1\n",
        "field `added_at`: `2026-01-01` is not an RFC 3339 timestamp",
        "--> blocklist.csv:5:27",
        "field `reason`: the reason code is empty\n  --> blocklist.csv:6:",
    ];
    for e in expected {
        assert!(text.contains(e), "missing {e:?} in:\n{text}");
    }
    // The caret sits under the bad cell.
    assert!(
        text.contains("3 | email,a@b.cn,blok,R,,,\n  |              ^^^^"),
        "{text}"
    );
    assert_eq!(errs.len(), 4, "{text}");
}

#[test]
fn csv_headers_must_match_the_contract() {
    let files = with(&[
        ("policy.toml", MIN_POLICY),
        (
            "catalog.csv",
            "sku,name,price,tags,max_per_order,colour\nA,a,1,,\n",
        ),
        ("customers.csv", ""),
    ]);
    let text = render_all(&files, &errors(&files));
    assert!(
        text.contains(
            "header: missing column `category`; unknown column `colour`\n  --> catalog.csv:1:1"
        ),
        "{text}"
    );
    assert!(text.contains("customers.csv:1:1"), "{text}");
}

#[test]
fn csv_rows_prices_and_duplicates() {
    let catalog = "\u{feff}sku,name,category,price,tags,max_per_order\n\
                   A,a,c,1.999,,\n\
                   B,b,c,2,,x\n\
                   B,b,c,2,,\n\
                   C,c,c\n";
    let files = with(&[("policy.toml", MIN_POLICY), ("catalog.csv", catalog)]);
    let text = render_all(&files, &errors(&files));
    for needle in [
        "field `price`: `1.999` has more decimal places than CNY allows (2)\n  --> catalog.csv:2:7",
        "field `max_per_order`: `x` is not a whole number of 0 or more\n  --> catalog.csv:3:",
        "field `sku`: sku `B` is already listed on line 3\n  --> catalog.csv:4:1",
        "expected 6 fields, found 3\n  --> catalog.csv:5:1",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
}

#[test]
fn errors_in_every_file_are_reported_together() {
    let mut files = fixture();
    let policy = files.files["policy.toml"].replace("\"watch-high-value\"", "\"block-restricted\"");
    files.files.insert("policy.toml".into(), policy);
    files.files.insert(
        "customers.csv".into(),
        "customer_id,account_created_at,orders_90d,refunds_90d,chargebacks_365d,addresses_90d\nC-1,yesterday,1,2,3,-4\n".into(),
    );
    let errs = lint_files(&files, &CompileOptions::default());
    let text = render_all(&files, &errs);
    assert!(
        text.contains("rule id `block-restricted` is used twice"),
        "{text}"
    );
    assert!(text.contains("customers.csv:2:5"), "{text}");
    assert!(text.contains("field `addresses_90d`: `-4`"), "{text}");
}

#[test]
fn warnings_do_not_stop_reading() {
    let blocklist = "kind,value,level,reason,added_at,expires_at,note\n\
                     phone,12345,block,R,,,\n\
                     email,nobody,watch,R,,,\n\
                     email,NOBODY,watch,R,,,\n";
    let files = with(&[("policy.toml", MIN_POLICY), ("blocklist.csv", blocklist)]);
    let read = source::read(&files).unwrap();
    let text = render_all(&files, &read.warnings);
    assert!(text.contains("`12345` normalizes to 5 digits"), "{text}");
    assert!(
        text.contains("`nobody` does not look like an email address"),
        "{text}"
    );
    assert!(text.contains("the same entry is on line 3"), "{text}");
}

#[test]
fn compile_is_reproducible_and_reports_stats() {
    let files = fixture();
    let key = checkout_guard::snapshot::SnapshotKey::from_bytes([7; 16]);
    let options = CompileOptions {
        created_at: Some(Timestamp::parse_rfc3339("2026-11-25T00:00:00Z").unwrap()),
        key: Some(key.clone()),
        ..CompileOptions::default()
    };
    let a = compile_files(&files, &options).unwrap();
    let b = compile_files(&files, &options).unwrap();
    assert_eq!(a.bytes, b.bytes);
    assert_eq!(a.info.blocklist.entries, 8);
    assert_eq!(a.info.blocklist.by_kind["customer_id"], 2);
    assert_eq!(a.info.catalog_items, 3);
    assert_eq!(a.info.customers, 3);
    assert_eq!(a.info.expires_at, "2026-12-02T00:00:00Z");
    let text = render_all(&files, &a.warnings);
    assert!(
        text.contains("1 blocklist entry had already expired at compile time"),
        "{text}"
    );
    // The header holds the key's check value, which depends on the key only.
    let later = CompileOptions {
        created_at: Some(Timestamp::parse_rfc3339("2026-11-26T00:00:00Z").unwrap()),
        key: Some(key.clone()),
        ..CompileOptions::default()
    };
    let c = compile_files(&files, &later).unwrap();
    assert_eq!(a.bytes[16..32], c.bytes[16..32]);
    assert_eq!(a.bytes[16..32], key.check_value());
}

#[test]
fn crlf_and_bom_keep_positions_right() {
    let files = SourceFiles::from_pairs([
        ("policy.toml", MIN_POLICY),
        (
            "blocklist.csv",
            "\u{feff}kind,value,level,reason,added_at,expires_at,note\r\nphone,13800138000,block,R,,,\r\nemail,\"a@b.cn\",blok,R,,,\r\n\r\nemail,c@d.cn,watch,R,bad,,\r\n",
        ),
    ]);
    let err = source::read(&files).unwrap_err();
    let text = err.0[0].render(files.files.get("blocklist.csv").map(String::as_str));
    assert!(text.contains("--> blocklist.csv:3:16"), "{text}");
    let text = err.0[1].render(files.files.get("blocklist.csv").map(String::as_str));
    assert!(text.contains("--> blocklist.csv:5:22"), "{text}");
}

#[test]
fn integer_threshold_and_plus_country_code_are_accepted() {
    let policy = MIN_POLICY.replace(
        "currency = \"cny\"",
        "currency = \"cny\"\nhigh_value_threshold = 1000\ndefault_country_code = \"+852\"\non_stale = \"review\"",
    );
    let read = source::read(&with(&[("policy.toml", &policy)])).unwrap();
    assert_eq!(read.source.policy.high_value_threshold, 1000.0);
    assert_eq!(read.source.policy.default_country_code, "852");
    assert_eq!(read.source.policy.on_stale, OnStale::Review);
}

/// 40,000 rows that each raise a warning: the first 100 are listed and one summary
/// counts the rest; locating each costs its row, not the file before it (this took 27 s
/// when every diagnostic rescanned the file from the start).
#[test]
fn diagnostics_per_file_are_capped_with_a_summary() {
    let mut blocklist = String::from("kind,value,level,reason,added_at,expires_at,note\n");
    for i in 0..40_000 {
        blocklist.push_str(&format!("email,no-at-sign-{i},watch,R,,,\n"));
    }
    let files = with(&[("policy.toml", MIN_POLICY), ("blocklist.csv", &blocklist)]);
    let linted = checkout_guard::lint(&files, &CompileOptions::default());
    let in_blocklist: Vec<&Diagnostic> = linted
        .diagnostics
        .iter()
        .filter(|d| d.file.as_deref() == Some("blocklist.csv"))
        .collect();
    assert_eq!(in_blocklist.len(), 101, "{:?}", in_blocklist.last());
    assert!(in_blocklist[..100].iter().all(|d| d.code == "csv-field"));
    assert_eq!(in_blocklist[99].spans[0].line, 101);
    assert_eq!(in_blocklist[99].spans[0].column, 7);
    let summary = in_blocklist[100];
    assert_eq!(summary.code, "too-many-diagnostics");
    assert!(!summary.is_error(), "only warnings were hidden");
    assert_eq!(
        summary.message,
        "39900 more problems in this file not shown (0 errors, 39900 warnings)"
    );
    // Warnings only: every row is still an entry.
    assert_eq!(linted.entries["blocklist.csv"], 40_000);
}

/// A hidden error keeps the source from compiling: the summary is then an error.
#[test]
fn a_hidden_error_makes_the_summary_an_error() {
    let mut catalog = String::from("sku,name,category,price,tags,max_per_order\n");
    for i in 0..150 {
        catalog.push_str(&format!("S{i},n,c,not-a-price,,\n"));
    }
    let files = with(&[("policy.toml", MIN_POLICY), ("catalog.csv", &catalog)]);
    let errs = compile_files(
        &files,
        &CompileOptions {
            key: Some(checkout_guard::snapshot::DEMO_KEY),
            ..CompileOptions::default()
        },
    )
    .unwrap_err()
    .0;
    let summary = errs.last().unwrap();
    assert_eq!(summary.code, "too-many-diagnostics");
    assert!(summary.is_error());
    assert_eq!(
        summary.message,
        "50 more problems in this file not shown (50 errors, 0 warnings)"
    );
}

/// The demo store's blocklist with one closing quote removed: the note of line 2
/// swallows lines 3–5, three listed customers are no longer rows, and lint says where.
#[test]
fn a_quoted_field_spanning_lines_is_a_warning_where_it_opens() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo-store");
    let mut files = SourceFiles::read_dir(&dir).unwrap();
    let intact = checkout_guard::lint(&files, &CompileOptions::default());
    let blocklist = files.files["blocklist.csv"].replacen("已书面告知\",\n", "已书面告知,\n", 1);
    assert_ne!(blocklist, files.files["blocklist.csv"]);
    files.files.insert("blocklist.csv".into(), blocklist);
    let linted = checkout_guard::lint(&files, &CompileOptions::default());
    let multiline: Vec<&Diagnostic> = linted
        .diagnostics
        .iter()
        .filter(|d| d.code == "csv-multiline")
        .collect();
    let [d] = multiline.as_slice() else {
        panic!("{:?}", linted.diagnostics)
    };
    assert_eq!(d.file.as_deref(), Some("blocklist.csv"));
    assert_eq!((d.spans[0].line, d.spans[0].column), (2, 82));
    assert!(d.message.contains("ends on line 5"), "{}", d.message);
    assert_eq!(
        intact.entries["blocklist.csv"] - linted.entries["blocklist.csv"],
        3
    );
}

/// `action = "warn"` reads as [`Action::Warn`]; a warn rule without a `message` shows no
/// notice, which is almost never meant: a lint warning at its `action`.
#[test]
fn warn_rules_read_and_want_a_message() {
    let warn_rule = |extra: &str| {
        format!(
            "{MIN_POLICY}\n[[rule]]\nid = \"claims\"\nwhen = 'true'\naction = \"warn\"\nreason = \"C\"\n{extra}\n[messages.zh-CN]\nclaims = \"多次损坏索赔\"\n"
        )
    };
    let files = with(&[("policy.toml", &warn_rule("message = \"claims\""))]);
    let read = source::read(&files).unwrap();
    assert_eq!(read.source.policy.rules[1].action, Action::Warn);
    assert!(read.warnings.is_empty(), "{:?}", read.warnings);

    let files = with(&[("policy.toml", &warn_rule(""))]);
    let read = source::read(&files).unwrap();
    let text = render_all(&files, &read.warnings);
    for needle in [
        "warning[warn-without-message]: warn rule `claims` names no `message`: the customer sees no notice",
        "--> policy.toml:13:10 (rule `claims`)",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
    let linted = lint_files(&files, &CompileOptions::default());
    assert!(
        linted
            .iter()
            .any(|d| d.code.name() == "warn-without-message"),
        "{linted:?}"
    );
}

/// MIN_POLICY plus a step_up rule with `extra` lines (its `verify`, `verify_mode`).
fn step_policy(extra: &str) -> String {
    format!(
        "{MIN_POLICY}\n[[rule]]\nid = \"step\"\nwhen = 'true'\naction = \"step_up\"\n{extra}\nreason = \"S\"\n"
    )
}

#[test]
fn verify_mode_is_read_and_defaults_to_any() {
    use checkout_guard::model::VerifyMode;
    for (extra, mode) in [
        (
            "verify = [\"sms_otp\", \"id_check\"]\nverify_mode = \"all\"",
            VerifyMode::All,
        ),
        (
            "verify = [\"sms_otp\", \"id_check\"]\nverify_mode = \"any\"",
            VerifyMode::Any,
        ),
        ("verify = [\"sms_otp\"]", VerifyMode::Any),
    ] {
        let files = with(&[("policy.toml", &step_policy(extra))]);
        let read = source::read(&files).unwrap();
        assert_eq!(read.source.policy.rules[1].verify_mode, mode, "{extra}");
        assert!(read.warnings.is_empty(), "{extra}: {:?}", read.warnings);
    }
}

#[test]
fn bad_verify_mode_is_an_error_with_its_position() {
    let files = with(&[(
        "policy.toml",
        &step_policy("verify = [\"sms_otp\"]\nverify_mode = \"both\""),
    )]);
    let text = render_all(&files, &errors(&files));
    for needle in [
        "error[verify-mode-unknown]: rule `step` has `verify_mode = \"both\"`, which is neither `any` nor `all`",
        "--> policy.toml:15:15 (rule `step`)",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
    // Without `verify` (on a deny rule, where `verify` itself would be an error too).
    let policy = MIN_POLICY.replace(
        "action = \"deny\"",
        "action = \"deny\"\nverify_mode = \"all\"",
    );
    let files = with(&[("policy.toml", &policy)]);
    let text = render_all(&files, &errors(&files));
    for needle in [
        "error[verify-mode-without-verify]: rule `r1` has a `verify_mode` but no `verify` list",
        "--> policy.toml:8:15 (rule `r1`)",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
    // JSON: located by searching the value's spelling.
    let json = r#"{"merchant": "m", "currency": "CNY", "rule": [
  {"id": "step", "when": "true", "action": "step_up", "verify": ["sms_otp"],
   "verify_mode": "every", "reason": "S"}]}"#;
    let files = with(&[("policy.json", json)]);
    let text = render_all(&files, &errors(&files));
    assert!(
        text.contains("error[verify-mode-unknown]") && text.contains("--> policy.json:3:19"),
        "{text}"
    );
}

#[test]
fn two_methods_without_verify_mode_is_a_lint_warning() {
    let files = with(&[(
        "policy.toml",
        &step_policy("verify = [\"sms_otp\", \"id_check\"]"),
    )]);
    let read = source::read(&files).unwrap();
    let text = render_all(&files, &read.warnings);
    for needle in [
        "warning[verify-mode-implicit]: rule `step` lists 2 verification methods but no `verify_mode`; any one of them satisfies it",
        "--> policy.toml:14:10 (rule `step`)",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
    let linted = lint_files(&files, &CompileOptions::default());
    assert!(
        linted
            .iter()
            .any(|d| d.code.name() == "verify-mode-implicit"),
        "{linted:?}"
    );
}

/// A well-formed time beyond what a timestamp holds is "out of range", not "not RFC
/// 3339" (issue 11, found by CEL's conformance tests), in the CSVs as in rules.
#[test]
fn csv_times_beyond_the_range_are_out_of_range() {
    let blocklist = "kind,value,level,reason,added_at,expires_at,note\n\
                     phone,13800138000,block,R,,9999-12-31T23:59:59Z,\n";
    let files = with(&[("policy.toml", MIN_POLICY), ("blocklist.csv", blocklist)]);
    let errs = errors(&files);
    let text = render_all(&files, &errs);
    assert!(
        text.contains("field `expires_at`: `9999-12-31T23:59:59Z` is out of range: timestamps run from 1677-09-21T00:12:43.145224192Z to 2262-04-11T23:47:16.854775807Z"),
        "{text}"
    );
    assert!(!text.contains("not an RFC 3339"), "{text}");
}
