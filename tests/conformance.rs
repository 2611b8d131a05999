//! The conformance corpus (`tests/conformance/cases.json`, expected verdicts worked out
//! by hand per docs/semantics.md) through the library and through the CLI binary. Each case's
//! `expect` lists the verdict fields it asserts; each must match exactly.

use checkout_guard::engine::Identity;
use checkout_guard::{CheckOptions, Engine, Order, Timestamp};
use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn cases() -> Vec<Value> {
    let text = std::fs::read_to_string(root().join("tests/conformance/cases.json")).unwrap();
    let cases: Vec<Value> = serde_json::from_str(&text).unwrap();
    assert!(cases.len() >= 15, "the corpus should cover every scenario");
    cases
}

fn order_text(v: &Value) -> String {
    match v {
        Value::String(path) => std::fs::read_to_string(root().join(path)).unwrap(),
        other => other.to_string(),
    }
}

/// A case's (or a `before` order's) `identity`: what the caller bound, snake_case keys
/// as in `Identity`; absent means no binding.
fn identity(v: &Value) -> Option<Identity> {
    let v = v.get("identity")?;
    let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    Some(Identity {
        customer_id: text("customer_id"),
        email: text("email"),
        phone: text("phone"),
        ip: text("ip"),
        account_created_at: v
            .get("account_created_at")
            .and_then(Value::as_str)
            .map(|t| Timestamp::parse_rfc3339(t).unwrap()),
        order_id: text("order_id"),
    })
}

fn compare(name: &str, expect: &Value, got: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    for (field, want) in expect.as_object().unwrap() {
        let have = got.get(field).unwrap_or(&Value::Null);
        if want != have {
            problems.push(format!(
                "case `{name}`: field `{field}`\n  expected {want}\n  got      {have}"
            ));
        }
    }
    problems
}

#[test]
fn corpus_through_the_library() {
    let mut problems = Vec::new();
    for case in cases() {
        let name = case["name"].as_str().unwrap();
        let mut engine = Engine::demo().unwrap();
        for before in case
            .get("before")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let order = Order::from_json(&order_text(&before["order"])).unwrap();
            let now = Timestamp::parse_rfc3339(before["now"].as_str().unwrap()).unwrap();
            engine.check(
                &order,
                &CheckOptions {
                    now: Some(now),
                    identity: identity(before),
                    ..CheckOptions::default()
                },
            );
        }
        let order =
            Order::from_json(&order_text(&case["order"])).unwrap_or_else(|e| panic!("{name}: {e}"));
        let options = CheckOptions {
            now: Some(Timestamp::parse_rfc3339(case["now"].as_str().unwrap()).unwrap()),
            locale: case
                .get("locale")
                .and_then(Value::as_str)
                .map(str::to_string),
            identity: identity(&case),
            ..CheckOptions::default()
        };
        let verdict = serde_json::to_value(engine.check(&order, &options)).unwrap();
        problems.extend(compare(name, &case["expect"], &verdict));
    }
    assert!(
        problems.is_empty(),
        "{} mismatches:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

fn cli() -> Command {
    Command::new(env!("CARGO_BIN_EXE_checkout-guard"))
}

#[test]
fn corpus_through_the_cli() {
    let mut problems = Vec::new();
    let mut ran = 0;
    for case in cases() {
        let name = case["name"].as_str().unwrap();
        let befores: Vec<&Value> = case
            .get("before")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .collect();
        // The CLI judges every line of a JSON Lines input at one `--now`; cases whose
        // earlier orders need their own time are covered by the library test only.
        if befores.iter().any(|b| b["now"] != case["now"]) {
            continue;
        }
        // `check --bound` binds each order's own identifiers: a case whose identity is
        // exactly that (for every order) runs with it; other identities are the
        // library's and the package's to run.
        let orders = befores.iter().copied().chain([&case]);
        let bound = case.get("identity").is_some();
        if orders
            .map(|o| {
                let order = Order::from_json(&order_text(&o["order"])).unwrap();
                (identity(o), Identity::from_order(&order))
            })
            .any(|(given, own)| {
                if bound {
                    given != Some(own)
                } else {
                    given.is_some()
                }
            })
        {
            continue;
        }
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("orders.jsonl");
        let mut lines: Vec<String> = befores
            .iter()
            .map(|b| compact(&order_text(&b["order"])))
            .collect();
        lines.push(compact(&order_text(&case["order"])));
        std::fs::write(&input, lines.join("\n") + "\n").unwrap();
        let mut cmd = cli();
        cmd.args(["check", "--now", case["now"].as_str().unwrap()]);
        if bound {
            cmd.arg("--bound");
        }
        if let Some(l) = case.get("locale").and_then(Value::as_str) {
            cmd.args(["--locale", l]);
        }
        let out = cmd.arg(&input).output().unwrap();
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8(out.stdout).unwrap();
        // One order prints one pretty verdict; JSON Lines print one verdict per line.
        let verdict: Value = serde_json::from_str(&stdout)
            .or_else(|_| serde_json::from_str(stdout.lines().last().unwrap_or("")))
            .unwrap_or_else(|e| panic!("{name}: {e}: {stdout}"));
        problems.extend(compare(name, &case["expect"], &verdict));
        ran += 1;
    }
    assert!(ran > 10);
    assert!(
        problems.is_empty(),
        "{} mismatches:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

fn compact(text: &str) -> String {
    serde_json::from_str::<Value>(text).unwrap().to_string()
}
