//! Golden tests of the `checkout-guard` binary: exact stdout, stderr and exit status of
//! each subcommand on the demo store and on broken inputs. Regenerate after an intended
//! change with `UPDATE_GOLDEN=1 cargo test --test integration cli::` and review the diff.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the binary in the repository root and renders what a user sees.
fn run(args: &[&str], stdin: Option<&str>) -> String {
    run_bytes(args, stdin.map(str::as_bytes))
}

/// [`run`] with standard input given as bytes (which need not be UTF-8).
fn run_bytes(args: &[&str], stdin: Option<&[u8]>) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_checkout-guard"));
    cmd.current_dir(root()).args(args);
    let out = if let Some(input) = stdin {
        use std::io::Write;
        let mut child = cmd
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(input).unwrap();
        child.wait_with_output().unwrap()
    } else {
        cmd.output().unwrap()
    };
    format!(
        "$ checkout-guard {}\n--- exit: {}\n--- stdout\n{}--- stderr\n{}",
        args.join(" "),
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn golden(name: &str, actual: &str) {
    let path = root().join("tests/golden").join(format!("{name}.txt"));
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("missing {}; run with UPDATE_GOLDEN=1", path.display()));
    assert!(
        expected == actual,
        "{} differs (UPDATE_GOLDEN=1 to accept):\n--- expected\n{expected}\n--- actual\n{actual}",
        path.display()
    );
}

const NOW: &str = "2026-11-25T10:00:00Z";

#[test]
fn check_one_order() {
    golden(
        "check-blacklisted-limited",
        &run(
            &[
                "check",
                "--now",
                NOW,
                "examples/orders/blacklisted-limited.json",
            ],
            None,
        ),
    );
}

#[test]
fn check_in_english_from_stdin() {
    let order =
        std::fs::read_to_string(root().join("examples/orders/watchlist-high-value.json")).unwrap();
    golden(
        "check-stdin-en",
        &run(
            &["check", "--now", NOW, "--locale", "en", "-"],
            Some(&order),
        ),
    );
}

#[test]
fn check_json_lines_with_an_unusable_line() {
    let good = std::fs::read_to_string(root().join("examples/orders/clean.json")).unwrap();
    let good: serde_json::Value = serde_json::from_str(&good).unwrap();
    let input = format!(
        "{good}\n{{\"items\":[{{\"sku\":\"TEA\",\"quantity\":-1}}]}}\nnot json\n[]\n{good}\n"
    );
    golden(
        "check-jsonl-errors",
        &run(&["check", "--now", NOW, "-"], Some(&input)),
    );
}

/// JSON Lines end with the engine's live counters on stderr (docs/semantics.md §11.3):
/// by decision, rule, reason, list reason, category and the top SKUs.
#[test]
fn check_json_lines_prints_a_summary_on_stderr() {
    let input = std::fs::read_to_string(root().join("examples/orders/all.jsonl")).unwrap();
    let out = run(&["check", "--now", NOW, "examples/orders/all.jsonl"], None);
    let stderr = out.split("--- stderr\n").nth(1).unwrap();
    let orders = input.lines().filter(|l| !l.trim().is_empty()).count();
    assert!(
        stderr.starts_with(&format!(
            "checkout-guard: orders checked: {orders}   unusable: 0"
        )),
        "{stderr}"
    );
    assert!(stderr.contains("\nby list reason\n  "), "{stderr}");
    golden("check-jsonl-summary", &out);
}

/// A single document goes through the same bounded reader as JSON Lines and the
/// package: one over the 1 MiB limit is refused, not parsed.
#[test]
fn check_refuses_a_single_document_over_the_size_limit() {
    let padding = "x".repeat(1 << 20);
    let order = format!(
        "{{\n  \"order_id\": \"{padding}\",\n  \"items\": [{{\"sku\": \"TEA-001\", \"quantity\": 1}}]\n}}\n"
    );
    let out = run(&["check", "--now", NOW, "-"], Some(&order));
    assert!(out.contains("--- exit: 1"), "{out}");
    assert!(
        out.contains(
            r#"{"error":{"path":"","message":"document is 1048645 bytes; the limit is 1048576"}}"#
        ),
        "{out}"
    );
}

/// Empty input (or only blank lines) is an error, not a silent success.
#[test]
fn check_refuses_empty_input() {
    golden(
        "check-empty",
        &run(&["check", "--now", NOW, "-"], Some("\n  \n")),
    );
}

/// JSON Lines where one line has a byte that is not UTF-8 and one is over the size
/// limit: an error line for each of those two, and every other line still checked.
#[test]
fn check_json_lines_with_a_bad_byte_and_a_line_over_the_limit() {
    let good = std::fs::read_to_string(root().join("examples/orders/clean.json")).unwrap();
    let good: serde_json::Value = serde_json::from_str(&good).unwrap();
    let good = good.to_string();
    let mut input = format!("{good}\n").into_bytes();
    input.extend_from_slice(b"{\"order_id\": \"A\xff\", \"items\": []}\n");
    input.extend_from_slice(format!("{good}\n").as_bytes());
    input.extend_from_slice(format!("{{\"order_id\": \"{}\"}}\n", "x".repeat(1 << 21)).as_bytes());
    input.extend_from_slice(format!("{good}\n").as_bytes());
    golden(
        "check-jsonl-bad-bytes",
        &run_bytes(&["check", "--now", NOW, "-"], Some(&input)),
    );
}

/// The same input through `backtest`: the two bad lines are unusable orders, the
/// three good ones are judged; the long line is counted without being held whole.
#[test]
fn backtest_json_lines_with_a_bad_byte_and_a_line_over_the_limit() {
    let good = std::fs::read_to_string(root().join("examples/orders/clean.json")).unwrap();
    let good: serde_json::Value = serde_json::from_str(&good).unwrap();
    let good = good.to_string();
    let mut input = format!("\u{feff}{good}\n\n").into_bytes();
    input.extend_from_slice(b"{\"order_id\": \"A\xff\", \"items\": []}\n");
    input.extend_from_slice(format!("{good}\r\n").as_bytes());
    input.extend_from_slice(format!("{{\"order_id\": \"{}\"}}\n", "x".repeat(1 << 21)).as_bytes());
    input.extend_from_slice(good.as_bytes());
    golden(
        "backtest-jsonl-bad-bytes",
        &run_bytes(&["backtest", "--now", NOW, "-"], Some(&input)),
    );
}

/// A pretty-printed order with one comma missing is one document with one error at
/// its line, not JSON Lines with an error per line.
#[test]
fn check_a_pretty_order_with_a_missing_comma_gives_one_error() {
    let order =
        std::fs::read_to_string(root().join("examples/orders/blacklisted-limited.json")).unwrap();
    assert!(order.lines().count() > 10);
    let at = order.find(",\n").unwrap();
    let broken = format!("{}{}", &order[..at], &order[at + 1..]);
    golden(
        "check-missing-comma",
        &run(&["check", "--now", NOW, "-"], Some(&broken)),
    );
}

#[test]
fn lint_shows_caret_diagnostics() {
    golden(
        "lint-broken",
        &run(
            &["lint", "--now", NOW, "tests/fixtures/broken-policy"],
            None,
        ),
    );
}

#[test]
fn lint_places_message_placeholder_problems() {
    golden(
        "lint-placeholders",
        &run(
            &["lint", "--now", NOW, "tests/fixtures/placeholder-policy"],
            None,
        ),
    );
}

#[test]
fn case_finds_the_orders_of_a_reference() {
    // YJQT-Y0VX is the demo store's reference of order DS-20261125-0017 (conformance
    // case `blacklisted-limited`), typed as a customer might; then one that no order has,
    // and one that is not a reference.
    let found = run(
        &[
            "case",
            "yjqt y0vx",
            "examples/orders/all.jsonl",
            "examples/orders/blacklisted-limited.json",
        ],
        None,
    );
    let none = run(&["case", "AAAA-AAAA", "examples/orders/all.jsonl"], None);
    let bad = run(&["case", "YJQT-Y0V", "examples/orders/all.jsonl"], None);
    golden("case-demo", &format!("{found}{none}{bad}"));
}

#[test]
fn lint_demo_store_is_clean() {
    golden(
        "lint-demo",
        &run(&["lint", "--now", NOW, "examples/demo-store"], None),
    );
}

/// The demo store with one closing quote removed in `blocklist.csv`: lint warns where the
/// quoted field opens, and the entry count shows the three rows it swallowed.
#[test]
fn lint_warns_of_a_missing_closing_quote_and_counts_entries() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&root().join("examples/demo-store"), dir.path());
    let path = dir.path().join("blocklist.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replacen("已书面告知\",\n", "已书面告知,\n", 1)).unwrap();
    let out = run(&["lint", "--now", NOW, dir.path().to_str().unwrap()], None);
    assert!(out.contains("--- exit: 0"), "{out}");
    assert!(
        out.contains("warning[csv-multiline]: a quoted field opens here and ends on line 5"),
        "{out}"
    );
    assert!(out.contains("  --> blocklist.csv:2:82\n"), "{out}");
    assert!(out.contains("blocklist.csv: 31 entries\n"), "{out}");
}

/// A time zone the engine does not carry, written as a literal, is a compile error
/// pointing at the zone with the supported ones listed (docs/rules.md, "Time zones and
/// tables"); a known one and a province table lint clean.
#[test]
fn lint_points_at_an_unknown_time_zone() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&root().join("tests/fixtures/minimal"), dir.path());
    let path = dir.path().join("policy.toml");
    let rules = r#"
[[rule]]
id     = "night-order"
when   = 'now.getHours("Europe/Paris") < 6'
action = "review"
reason = "NIGHT_ORDER"
"#;
    let text = std::fs::read_to_string(&path).unwrap();
    let (head, tail) = text.split_once("[messages.zh-CN]").unwrap();
    std::fs::write(&path, format!("{head}{rules}\n[messages.zh-CN]{tail}")).unwrap();
    let out = run(&["lint", "--now", NOW, dir.path().to_str().unwrap()], None);
    assert!(out.contains("--- exit: 1"), "{out}");
    assert!(
        out.contains("error[invalid-literal]: unknown time zone `Europe/Paris`"),
        "{out}"
    );
    assert!(out.contains("Asia/Shanghai"), "{out}");
    assert!(out.contains("daylight saving"), "{out}");
    let good = rules.replace(
        r#"now.getHours("Europe/Paris") < 6"#,
        r#"now.getHours("Asia/Shanghai") < 6 && order.item_count > {"浙江省": 5}[order.shipping.province]"#,
    );
    std::fs::write(&path, format!("{head}{good}\n[messages.zh-CN]{tail}")).unwrap();
    let out = run(&["lint", "--now", NOW, dir.path().to_str().unwrap()], None);
    assert!(out.contains("--- exit: 0"), "{out}");
    assert!(out.contains("no errors"), "{out}");
}

#[test]
fn inspect_demo_snapshot() {
    golden(
        "inspect-demo",
        &run(&["inspect", "assets/demo-store.snapshot"], None),
    );
}

#[test]
fn backtest_report() {
    golden(
        "backtest-text",
        &run(&["backtest", "examples/orders/all.jsonl"], None),
    );
    golden(
        "backtest-json",
        &run(&["backtest", "--json", "examples/orders/all.jsonl"], None),
    );
}

/// `--jobs` changes nothing in the report; `--timing` adds the throughput line on
/// standard error (the goldens, run without a terminal, have none).
#[test]
fn backtest_threads_and_timing() {
    let stdout = |out: &str| out.split("--- stderr").next().unwrap_or("").to_string();
    let serial = run(
        &["backtest", "--jobs", "1", "examples/orders/all.jsonl"],
        None,
    );
    let plain = run(&["backtest", "examples/orders/all.jsonl"], None);
    assert!(!plain.contains("orders/s"), "{plain}");
    for jobs in ["2", "5"] {
        let out = run(
            &[
                "backtest",
                "--timing",
                "--jobs",
                jobs,
                "examples/orders/all.jsonl",
            ],
            None,
        );
        assert_eq!(
            stdout(&out).replace(&format!(" --timing --jobs {jobs}"), ""),
            stdout(&plain)
        );
        assert_eq!(
            stdout(&serial).replace(" --jobs 1", ""),
            stdout(&plain),
            "one thread reports what the default does"
        );
        let stderr = out.split("--- stderr\n").nth(1).unwrap_or("");
        assert!(
            stderr.starts_with("backtest: 38 orders in ")
                && stderr.contains(&format!(" orders/s on {jobs} threads\n")),
            "{out}"
        );
    }
    let refused = run(
        &["backtest", "--jobs", "0", "examples/orders/all.jsonl"],
        None,
    );
    assert!(refused.contains("--- exit: 2"), "{refused}");
}

/// Purchase limits across orders: whether an order counts against a customer's limit
/// depends on its own verdict, so a parallel run must still see each customer's limited
/// orders in input order. Four new customers each order the demo's limited `COL-004` (one per
/// customer within 30 days) ten times, an hour apart, spread over the whole file: one
/// allowed each, the rest over the limit — whatever the number of threads.
#[test]
fn backtest_limits_across_orders_do_not_depend_on_jobs() {
    let dir = tempfile::tempdir().unwrap();
    let lines: Vec<String> = (0..40)
        .map(|i| {
            let c = 7001 + i % 4;
            format!(
                r#"{{"order_id":"LIM-{i}","created_at":"2026-11-20T{:02}:{:02}:00Z","currency":"CNY","customer":{{"id":"LIM{c}","email":"c{c}@example.com","phone":"1390013{c}","account_created_at":"2024-01-01T00:00:00Z"}},"shipping":{{"name":"N{c}","phone":"1390013{c}","province":"江苏省","city":"南京市","district":"鼓楼区","line1":"中山北路{c}号"}},"items":[{{"sku":"COL-004","quantity":1,"unit_price":1980.0}}]}}"#,
                i / 4,
                (i % 4) * 10
            )
        })
        .collect();
    let file = dir.path().join("limits.jsonl");
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let file = file.to_str().unwrap();
    let report = |jobs: &str| {
        let out = run(&["backtest", "--json", "--jobs", jobs, file], None);
        let json = out
            .split("--- stdout\n")
            .nth(1)
            .and_then(|o| o.split("--- stderr").next())
            .unwrap_or_default()
            .to_string();
        let parsed: serde_json::Value =
            serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {out}"));
        parsed
    };
    let serial = report("1");
    assert_eq!(serial["decisions"]["allow"], 4, "{serial}");
    assert_eq!(serial["decisions"]["deny"], 36, "{serial}");
    for jobs in ["2", "3", "8"] {
        assert_eq!(report(jobs), serial, "--jobs {jobs}");
    }
}

/// `--bound`: the merchant's own records, so each order's own identifiers are bound —
/// the trusted customer's allowlist applies and a re-check under the same order id is
/// not a duplicate, where the unbound runs above (a body that only claims) say otherwise.
#[test]
fn bound_identity_from_the_merchant_s_records() {
    golden(
        "check-bound-trusted",
        &run(
            &[
                "check",
                "--bound",
                "--now",
                NOW,
                "examples/orders/trusted-many-addresses.json",
            ],
            None,
        ),
    );
    golden(
        "backtest-bound",
        &run(&["backtest", "--bound", "examples/orders/all.jsonl"], None),
    );
}

#[test]
fn backtest_against_a_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("store");
    copy_dir(&root().join("examples/demo-store"), &src);
    // A stricter policy: every order of 100 yuan or more goes to review.
    let policy = std::fs::read_to_string(src.join("policy.toml")).unwrap();
    let stricter = policy.replacen(
        "[[rule]]",
        "[[rule]]\nid = \"review-big\"\nwhen = 'order.total >= 100.0'\naction = \"review\"\nreason = \"BIG_ORDER_REVIEW\"\n\n[[rule]]",
        1,
    );
    std::fs::write(src.join("policy.toml"), stricter).unwrap();
    let out = dir.path().join("stricter.snapshot");
    let compiled = run(
        &[
            "compile",
            src.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--created-at",
            NOW,
        ],
        None,
    );
    assert!(compiled.contains("--- exit: 0"), "{compiled}");
    let report = run(
        &[
            "backtest",
            "--json",
            "--snapshot",
            out.to_str().unwrap(),
            "--baseline",
            "assets/demo-store.snapshot",
            "examples/orders/all.jsonl",
        ],
        None,
    );
    let json: serde_json::Value = serde_json::from_str(
        report
            .split("--- stdout\n")
            .nth(1)
            .unwrap()
            .split("--- stderr")
            .next()
            .unwrap(),
    )
    .unwrap();
    let changes = json["changes"].as_array().unwrap();
    assert!(
        !changes.is_empty(),
        "a stricter policy changes some decisions"
    );
    // Only orders that went through (allowed, or warned with a notice) change, to review.
    assert!(
        changes
            .iter()
            .all(|c| (c["baseline"] == "allow" || c["baseline"] == "warn")
                && c["decision"] == "review"),
        "{changes:?}"
    );
    assert!(
        changes.iter().any(|c| c["baseline"] == "warn"),
        "the warned sample order is held too: {changes:?}"
    );
    assert!(json["rules"][0]["fired"].as_u64().unwrap() > 0);
}

#[test]
fn compile_refuses_a_broken_source_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.snapshot");
    let text = run(
        &[
            "compile",
            "tests/fixtures/broken-policy",
            "-o",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert!(text.contains("--- exit: 1"), "{text}");
    assert!(!out.exists());
}

#[test]
fn check_with_a_damaged_snapshot_fails_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = std::fs::read(root().join("assets/demo-store.snapshot")).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    let bad = dir.path().join("bad.snapshot");
    std::fs::write(&bad, bytes).unwrap();
    let text = run(
        &[
            "check",
            "--snapshot",
            bad.to_str().unwrap(),
            "examples/orders/clean.json",
        ],
        None,
    );
    assert!(text.contains("--- exit: 2"), "{text}");
    assert!(text.contains("checksum"), "{text}");
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

/// The key of `tests/fixtures/v2-minimal.snapshot` (a test key, committed beside it).
const FIXTURE_KEY: &str = "tests/fixtures/v2-minimal.key";
const FIXTURE: &str = "tests/fixtures/v2-minimal.snapshot";

#[test]
fn a_snapshot_refuses_a_missing_or_wrong_key() {
    let order = "examples/orders/clean.json";
    let missing = run(&["check", "--snapshot", FIXTURE, "--now", NOW, order], None);
    let wrong = run(
        &[
            "check",
            "--snapshot",
            FIXTURE,
            "--key",
            "examples/demo-store/demo.key",
            "--now",
            NOW,
            order,
        ],
        None,
    );
    let inspect = run(&["inspect", FIXTURE], None);
    golden("key-refused", &format!("{missing}{wrong}{inspect}"));
    let right = run(
        &[
            "check",
            "--snapshot",
            FIXTURE,
            "--key",
            FIXTURE_KEY,
            "--now",
            NOW,
            order,
        ],
        None,
    );
    assert!(right.contains("--- exit: 0"), "{right}");
    assert!(right.contains("\"decision\""), "{right}");
    let inspect = run(&["inspect", FIXTURE, "--key", FIXTURE_KEY], None);
    assert!(inspect.contains("\"format_version\": 2"), "{inspect}");
}

#[test]
fn keygen_compile_and_check_with_a_merchant_key() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("store.key");
    let key_arg = key.to_str().unwrap();
    let made = run(&["keygen", "-o", key_arg], None);
    assert!(made.contains("--- exit: 0"), "{made}");
    let text = std::fs::read_to_string(&key).unwrap();
    assert_eq!(text.len(), 33, "32 hex digits and a newline: {text:?}");
    assert!(text.trim_end().bytes().all(|b| b.is_ascii_hexdigit()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the key file is readable by others");
    }
    // Never overwritten.
    let again = run(&["keygen", "-o", key_arg], None);
    assert!(again.contains("--- exit: 2"), "{again}");
    assert!(again.contains("already exists"), "{again}");
    assert_eq!(std::fs::read_to_string(&key).unwrap(), text);
    // A second key differs (the OS generator, not a constant).
    let other = dir.path().join("other.key");
    run(&["keygen", "-o", other.to_str().unwrap()], None);
    assert_ne!(std::fs::read_to_string(&other).unwrap(), text);

    // A store that is not the demo does not compile without a key.
    let out = dir.path().join("store.snapshot");
    let out_arg = out.to_str().unwrap();
    let refused = run(&["compile", "tests/fixtures/minimal", "-o", out_arg], None);
    assert!(refused.contains("--- exit: 1"), "{refused}");
    assert!(refused.contains("error[key-required]"), "{refused}");
    assert!(refused.contains("checkout-guard keygen"), "{refused}");
    assert!(!out.exists());

    let compiled = run(
        &[
            "compile",
            "tests/fixtures/minimal",
            "--key",
            key_arg,
            "-o",
            out_arg,
        ],
        None,
    );
    assert!(compiled.contains("--- exit: 0"), "{compiled}");
    let bytes = std::fs::read(&out).unwrap();
    let hex = text.trim_end();
    let raw: Vec<u8> = (0..16)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    assert!(
        !bytes.windows(16).any(|w| w == raw.as_slice()),
        "the key is in the snapshot"
    );
    // Checked with its key (flag or environment), refused with another or none.
    let order = "examples/orders/clean.json";
    let ok = run(
        &["check", "--snapshot", out_arg, "--key", key_arg, order],
        None,
    );
    assert!(ok.contains("--- exit: 0"), "{ok}");
    let env_ok = Command::new(env!("CARGO_BIN_EXE_checkout-guard"))
        .current_dir(root())
        .env("CHECKOUT_GUARD_KEY_FILE", &key)
        .args(["inspect", out_arg])
        .output()
        .unwrap();
    assert!(env_ok.status.success(), "{env_ok:?}");
    let wrong = run(
        &[
            "check",
            "--snapshot",
            out_arg,
            "--key",
            other.to_str().unwrap(),
            order,
        ],
        None,
    );
    assert!(wrong.contains("--- exit: 2"), "{wrong}");
    assert!(
        wrong.contains("not the one this snapshot was compiled with"),
        "{wrong}"
    );
    let none = run(
        &[
            "backtest",
            "--snapshot",
            out_arg,
            "examples/orders/all.jsonl",
        ],
        None,
    );
    assert!(none.contains("--- exit: 2"), "{none}");
    assert!(none.contains("needs its key"), "{none}");
}

/// The committed signed fixture (`v2-minimal.snapshot` signed by the test signing key
/// `tests/fixtures/signing.key`) and that key's public half.
const SIGNED_FIXTURE: &str = "tests/fixtures/v2-minimal-signed.snapshot";
const FIXTURE_PUBLIC_KEY: &str = "tests/fixtures/signing.key.pub";

/// [`run`] with the temporary directory's path replaced by `$TMP` (stable goldens).
fn run_in(dir: &Path, args: &[&str]) -> String {
    run(args, None).replace(dir.to_str().unwrap(), "$TMP")
}

#[test]
fn a_public_key_refuses_unsigned_wrongly_signed_tampered_and_truncated_snapshots() {
    let dir = tempfile::tempdir().unwrap();
    let tmp = dir.path();
    let path = |name: &str| tmp.join(name).to_str().unwrap().to_string();
    // Another signing key's public half.
    run(&["keygen", "--signing", "-o", &path("other.key")], None);
    // The signed fixture with one byte of its rules changed and the checksum recomputed
    // (what anyone editing the file can do), and the genuine file cut short.
    let good = std::fs::read(root().join(SIGNED_FIXTURE)).unwrap();
    let mut tampered = good.clone();
    // `customer.level == "block"` of the first rule becomes "watch".
    let at = tampered
        .windows(9)
        .position(|w| w == br#"\"block\""#)
        .unwrap();
    tampered[at + 2..at + 7].copy_from_slice(b"watch");
    let end = tampered.len() - 64 - 8;
    let sum = xxhash_rust::xxh3::xxh3_64(&tampered[..end]);
    tampered[end..end + 8].copy_from_slice(&sum.to_le_bytes());
    std::fs::write(path("tampered.snapshot"), &tampered).unwrap();
    std::fs::write(path("truncated.snapshot"), &good[..good.len() - 10]).unwrap();

    let order = "examples/orders/clean.json";
    let check = |snapshot: &str, public: &str| {
        run_in(
            tmp,
            &[
                "check",
                "--snapshot",
                snapshot,
                "--key",
                FIXTURE_KEY,
                "--public-key",
                public,
                "--now",
                NOW,
                order,
            ],
        )
    };
    let unsigned = check(FIXTURE, FIXTURE_PUBLIC_KEY);
    let wrong = check(SIGNED_FIXTURE, &path("other.key.pub"));
    let edited = check(&path("tampered.snapshot"), FIXTURE_PUBLIC_KEY);
    let cut = check(&path("truncated.snapshot"), FIXTURE_PUBLIC_KEY);
    // A secret key where the public one belongs, and the demo store (unsigned).
    let swapped = check(SIGNED_FIXTURE, "tests/fixtures/signing.key");
    let demo = run_in(
        tmp,
        &[
            "check",
            "--public-key",
            FIXTURE_PUBLIC_KEY,
            "--now",
            NOW,
            order,
        ],
    );
    golden(
        "signature-refused",
        &format!("{unsigned}{wrong}{edited}{cut}{swapped}{demo}"),
    );

    // The tampered file loads without a public key: only the signature catches it.
    let open = run(
        &["inspect", &path("tampered.snapshot"), "--key", FIXTURE_KEY],
        None,
    );
    assert!(open.contains("--- exit: 0"), "{open}");
    assert!(open.contains("\"signed\": false"), "{open}");
    assert!(open.contains("\"signature_present\": true"), "{open}");
    // The genuine one, verified: signed.
    let verified = run(
        &[
            "inspect",
            SIGNED_FIXTURE,
            "--key",
            FIXTURE_KEY,
            "--public-key",
            FIXTURE_PUBLIC_KEY,
        ],
        None,
    );
    assert!(verified.contains("\"signed\": true"), "{verified}");
    let right = check(SIGNED_FIXTURE, FIXTURE_PUBLIC_KEY);
    assert!(right.contains("--- exit: 0"), "{right}");
}

#[test]
fn keygen_signing_then_compile_sign_and_check_with_the_public_key() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("release.key");
    let key_arg = key.to_str().unwrap();
    let public = dir.path().join("release.key.pub");
    let made = run(&["keygen", "--signing", "-o", key_arg], None);
    assert!(made.contains("--- exit: 0"), "{made}");
    let secret = std::fs::read_to_string(&key).unwrap();
    let public_text = std::fs::read_to_string(&public).unwrap();
    assert_eq!(secret.len(), 129, "seed and public key, hex, newline");
    assert_eq!(public_text.len(), 65, "64 hex digits and a newline");
    assert!(secret.trim_end().ends_with(public_text.trim_end()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the signing key is readable by others");
    }
    // Never overwritten, neither half.
    let again = run(&["keygen", "--signing", "-o", key_arg], None);
    assert!(again.contains("--- exit: 2"), "{again}");
    assert!(again.contains("already exists"), "{again}");
    assert_eq!(std::fs::read_to_string(&key).unwrap(), secret);
    assert_eq!(std::fs::read_to_string(&public).unwrap(), public_text);

    // compile --sign through the environment variable; check and backtest through theirs.
    let out = dir.path().join("store.snapshot");
    let compiled = Command::new(env!("CARGO_BIN_EXE_checkout-guard"))
        .current_dir(root())
        .env("CHECKOUT_GUARD_SIGNING_KEY_FILE", &key)
        .args([
            "compile",
            "tests/fixtures/minimal",
            "--key",
            FIXTURE_KEY,
            "-o",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(compiled.status.success(), "{compiled:?}");
    assert!(String::from_utf8_lossy(&compiled.stderr).contains(", signed)"));
    for args in [
        vec!["inspect", out.to_str().unwrap()],
        vec![
            "backtest",
            "--snapshot",
            out.to_str().unwrap(),
            "examples/orders/all.jsonl",
        ],
    ] {
        let ran = Command::new(env!("CARGO_BIN_EXE_checkout-guard"))
            .current_dir(root())
            .env("CHECKOUT_GUARD_KEY_FILE", FIXTURE_KEY)
            .env("CHECKOUT_GUARD_PUBLIC_KEY_FILE", &public)
            .args(&args)
            .output()
            .unwrap();
        assert!(ran.status.success(), "{args:?}: {ran:?}");
        if args[0] == "inspect" {
            assert!(String::from_utf8_lossy(&ran.stdout).contains("\"signed\": true"));
        }
    }
    // The environment's public key refuses an unsigned baseline.
    let refused = Command::new(env!("CARGO_BIN_EXE_checkout-guard"))
        .current_dir(root())
        .env("CHECKOUT_GUARD_KEY_FILE", FIXTURE_KEY)
        .env("CHECKOUT_GUARD_PUBLIC_KEY_FILE", &public)
        .args(["backtest", "--snapshot"])
        .arg(&out)
        .args(["--baseline", FIXTURE, "examples/orders/all.jsonl"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2), "{refused:?}");
    assert!(String::from_utf8_lossy(&refused.stderr).contains("not signed"));
}

#[test]
fn public_profile_of_the_demo_store() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("public.snapshot");
    let out_arg = out.to_str().unwrap();
    let tmp = dir.path().to_str().unwrap();
    let compiled = run(
        &[
            "compile",
            "examples/demo-store",
            "--key",
            "examples/demo-store/demo.key",
            "--profile",
            "public",
            "--created-at",
            "2026-11-25T00:00:00Z",
            "-o",
            out_arg,
        ],
        None,
    );
    let inspect = run(&["inspect", out_arg], None);
    // A guest whose card is blocked buys a limited item: the private demo snapshot
    // denies, the public one only knows an uncertain block and steps up with an
    // identity check. The demo store's customer ids are left out (public-kind-omitted:
    // 24 ids of a 10³ format would match 75 % of unlisted ids).
    let check = run(
        &[
            "check",
            "--snapshot",
            out_arg,
            "--now",
            NOW,
            "examples/orders/payment-block-limited.json",
        ],
        None,
    );
    golden(
        "public-demo",
        &format!("{compiled}{inspect}{check}").replace(tmp, "$TMP"),
    );
}

#[test]
fn public_profile_of_100k_phones_keeps_each_among_100() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("store");
    copy_dir(&root().join("tests/fixtures/minimal"), &src);
    let mut csv = String::from("kind,value,level,reason,added_at,expires_at,note\n");
    // 100,000 distinct mainland mobiles spread over the space (an odd stride mod 7×10⁹).
    for i in 0..100_000u64 {
        let n = (i * 69_999_989 + 12_345) % 7_000_000_000;
        csv.push_str(&format!(
            "phone,1{}{:09},block,FRAUD,,,\n",
            3 + n / 1_000_000_000,
            n % 1_000_000_000
        ));
    }
    std::fs::write(src.join("blocklist.csv"), csv).unwrap();
    let key = dir.path().join("store.key");
    run(&["keygen", "-o", key.to_str().unwrap()], None);
    let out = dir.path().join("public.snapshot");
    let compiled = run(
        &[
            "compile",
            src.to_str().unwrap(),
            "--key",
            key.to_str().unwrap(),
            "--profile",
            "public",
            "-o",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert!(compiled.contains("--- exit: 0"), "{compiled}");
    // Inspected without the key: a browser has none.
    let inspect = run(&["inspect", out.to_str().unwrap()], None);
    assert!(inspect.contains("--- exit: 0"), "{inspect}");
    let json = inspect
        .split("--- stdout\n")
        .nth(1)
        .and_then(|s| s.split("--- stderr\n").next())
        .unwrap();
    let info: serde_json::Value = serde_json::from_str(json).unwrap();
    let kinds = info["blocklist"]["public"].as_array().unwrap();
    let phone = kinds.iter().find(|k| k["kind"] == "phone").unwrap();
    assert_eq!(phone["listed"], 100_000, "{phone}");
    assert!(phone["anonymity_set"].as_f64().unwrap() >= 100.0, "{phone}");
    assert!(inspect.contains("phone                  25"), "{inspect}");
}

/// `verify-token` with the fixed verdict-token vector (tests/data/verdict-token/): its
/// token is accepted with the claims printed; the same token with another body, too
/// late, or with a claim changed is refused with exit 1 and the error kind; an
/// unreadable key is exit 2. The token is also read from standard input (`-`).
#[test]
fn verify_token_accepts_the_vector_and_refuses_its_rejections() {
    let vector: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/data/verdict-token/vector.json")).unwrap(),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let public = dir.path().join("verdict.key.pub");
    std::fs::write(&public, format!("{}\n", vector["public"].as_str().unwrap())).unwrap();
    let body = dir.path().join("body.json");
    std::fs::write(&body, vector["body"].as_str().unwrap()).unwrap();
    let other_body = dir.path().join("other.json");
    std::fs::write(&other_body, "{}").unwrap();
    let public = public.to_str().unwrap();
    let token = vector["token"].as_str().unwrap();
    let altered = vector["rejections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "bad_signature")
        .unwrap()["token"]
        .as_str()
        .unwrap();
    let now = vector["now_rfc3339"].as_str().unwrap();
    let args = |body: &Path, now: &str, token: &str| -> Vec<String> {
        let body = body.to_str().unwrap();
        [
            "verify-token",
            "--public-key",
            public,
            "--body",
            body,
            "--now",
            now,
            token,
        ]
        .map(String::from)
        .to_vec()
    };
    let show = |a: Vec<String>, stdin: Option<&str>| {
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        // Tokens are long: golden lines show them shortened.
        run(&a, stdin)
            .replace(dir.path().to_str().unwrap(), "$TMP")
            .replace(token, "$TOKEN")
            .replace(altered, "$ALTERED")
    };
    let out = [
        show(args(&body, now, token), None),
        show(args(&body, now, "-"), Some(&format!("{token}\n"))),
        show(args(&other_body, now, token), None),
        show(args(&body, "2026-11-25T10:05:00Z", token), None),
        show(args(&body, now, altered), None),
        show(args(&body, now, "not-a-token"), None),
        show(
            [
                "verify-token",
                "--public-key",
                "no-such.pub",
                "--body",
                "no-such.json",
                token,
            ]
            .map(String::from)
            .to_vec(),
            None,
        ),
    ]
    .concat();
    golden("verify-token", &out);
}

/// `review` on the demo store: 34 entries, 12 never expiring, the candidates its
/// history rules (chargebacks, refund rate, address hopping) suggest.
#[test]
fn review_demo_store() {
    let out = run(&["review", "--now", NOW, "examples/demo-store"], None);
    golden("review-demo", &out);
    // docs/policy.md shows this very report.
    let stdout = out
        .split_once("--- stdout\n")
        .and_then(|(_, rest)| rest.split_once("--- stderr"))
        .map(|(stdout, _)| stdout)
        .unwrap();
    let docs = std::fs::read_to_string(root().join("docs/policy.md")).unwrap();
    assert!(
        docs.contains(&format!("```text\n{stdout}```")),
        "docs/policy.md, \"Reviewing the list\", no longer shows the demo store's report:\n{stdout}"
    );
}

/// Every section populated (expired, expiring, undated, candidates), as text with a
/// narrower window and as JSON.
#[test]
fn review_fixture_text_and_json() {
    let out = [
        run(
            &[
                "review",
                "--now",
                NOW,
                "--within",
                "20d",
                "tests/fixtures/review-store",
            ],
            None,
        ),
        run(
            &[
                "review",
                "--now",
                NOW,
                "--json",
                "tests/fixtures/review-store",
            ],
            None,
        ),
    ]
    .concat();
    golden("review-fixture", &out);
}

/// Unusable input: no such folder (1), a window that is no duration or not positive
/// (clap's usage error, 2), a source with errors (its diagnostics, 1).
#[test]
fn review_refuses_bad_input() {
    let out = [
        run(&["review", "--now", NOW, "no/such/folder"], None),
        run(&["review", "--within", "30", "examples/demo-store"], None),
        run(&["review", "--within", "0d", "examples/demo-store"], None),
        run(
            &["review", "--now", NOW, "tests/fixtures/broken-policy"],
            None,
        ),
    ]
    .concat();
    golden("review-refused", &out);
}
