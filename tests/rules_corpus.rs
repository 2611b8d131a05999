//! The rule-language conformance corpus (`tests/data/cel/cases.txt`) run against sample
//! facts, plus property tests that compiling and evaluating never panic.

use checkout_guard::model::{Level, Scope};
use checkout_guard::rules::facts::{CustomerFacts, Facts, ItemFacts, OrderFacts, ShippingFacts};
use checkout_guard::rules::{compile, decode_program};
use checkout_guard::{Severity, Timestamp};
use proptest::prelude::*;
use std::path::Path;

fn strings(v: &[&str]) -> &'static [String] {
    Vec::leak(v.iter().map(|s| s.to_string()).collect())
}

fn ts(s: &str) -> Timestamp {
    Timestamp::parse_rfc3339(s).unwrap()
}

/// A `block`-level customer ordering two lines, one of them restricted.
fn sample() -> Facts<'static> {
    Facts {
        customer: CustomerFacts {
            level: Level::Block,
            level_certain: true,
            listed: true,
            reasons: vec!["REFUND_ABUSE", "CHARGEBACK"],
            matched: vec!["email", "phone"],
            known: true,
            account_age_days: 30,
            orders_90d: 10,
            refunds_90d: 4,
            refund_rate: 0.4,
            chargebacks_365d: 1,
            addresses_90d: 3,
            bound: vec!["customer_id"],
            entry: None,
            scoped: Vec::new(),
        },
        order: OrderFacts {
            total: 5336.0,
            currency: "CNY",
            line_count: 2,
            item_count: 3,
            channel: "web",
            created_at: ts("2026-11-22T10:00:00Z"),
            shipping: ShippingFacts {
                province: "浙江省",
                city: "杭州市",
                district: "西湖区",
                line1: "文三路123号",
                name: "张三",
                phone: "13800138000",
            },
            issues: vec!["price_mismatch", "duplicate_recent"],
        },
        items: vec![
            ItemFacts {
                sku: "TEA-001",
                name: "龙井",
                category: "tea",
                price: 168.0,
                quantity: 2,
                sku_quantity: 2,
                line_total: 336.0,
                tags: strings(&[]),
                high_value: false,
                limited: false,
                restricted: false,
                known: true,
                max_per_order: 0,
                listed: false,
                list_level: Level::None,
                stock: -1,
                max_per_customer: 0,
                bought_in_window: 0,
            },
            ItemFacts {
                sku: "WATCH-9",
                name: "限量手表",
                category: "watch",
                price: 5000.0,
                quantity: 1,
                sku_quantity: 1,
                line_total: 5000.0,
                tags: strings(&["high_value", "limited_edition"]),
                high_value: true,
                limited: true,
                restricted: true,
                known: true,
                max_per_order: 1,
                listed: true,
                list_level: Level::Block,
                stock: 3,
                max_per_customer: 2,
                bought_in_window: 1,
            },
        ],
        verified: strings(&["sms_otp"]),
        now: ts("2026-11-22T10:30:00Z"),
    }
}

fn run_case(line_no: usize, expected: &str, expr: &str, facts: &Facts<'_>) -> Result<(), String> {
    let (scope, expected) = match expected.strip_prefix("item:") {
        Some(rest) => (Scope::Item, rest),
        None => (Scope::Order, expected),
    };
    let (kind, rest) = expected.split_once(':').unwrap_or((expected, ""));
    let item = facts.items.get(1);
    let ctx = || format!("line {line_no}: `{expr}`");
    match kind {
        "true" | "false" => {
            let (p, warnings) = compile(expr, scope).map_err(|e| format!("{}: {e:?}", ctx()))?;
            if !warnings.is_empty() {
                return Err(format!("{}: unexpected warnings {warnings:?}", ctx()));
            }
            let got = p
                .eval(facts, item)
                .map_err(|e| format!("{}: eval error {e}", ctx()))?;
            if got != (kind == "true") {
                return Err(format!("{}: expected {kind}, got {got}", ctx()));
            }
        }
        "eval-error" => {
            let (p, _) = compile(expr, scope).map_err(|e| format!("{}: {e:?}", ctx()))?;
            match p.eval(facts, item) {
                Err(e) if e.0.contains(rest) => {}
                other => {
                    return Err(format!(
                        "{}: expected eval error `{rest}`, got {other:?}",
                        ctx()
                    ))
                }
            }
        }
        "error" => {
            let (code, text) = rest.split_once(':').unwrap_or((rest, ""));
            match compile(expr, scope) {
                Ok(_) => return Err(format!("{}: expected error {code}, compiled", ctx())),
                Err(errors) => {
                    assert!(!errors.is_empty());
                    assert!(errors.iter().all(|d| d.severity == Severity::Error));
                    let found = errors.iter().any(|d| {
                        let full = format!("{} {}", d.message, d.help.clone().unwrap_or_default());
                        d.code == code && full.contains(text)
                    });
                    if !found {
                        return Err(format!(
                            "{}: expected {code} `{text}`, got {errors:#?}",
                            ctx()
                        ));
                    }
                    for d in &errors {
                        let span = d
                            .spans
                            .first()
                            .ok_or_else(|| format!("{}: no span", ctx()))?;
                        if span
                            .range()
                            .is_none_or(|r| r.end > expr.len() || r.start > r.end)
                        {
                            return Err(format!("{}: bad span {span:?}", ctx()));
                        }
                        if d.message.ends_with('.') || d.message.starts_with(char::is_uppercase) {
                            return Err(format!("{}: message voice: {}", ctx(), d.message));
                        }
                    }
                }
            }
        }
        "warn" => {
            let (p, warnings) = compile(expr, scope).map_err(|e| format!("{}: {e:?}", ctx()))?;
            if !warnings
                .iter()
                .any(|w| w.code == rest && w.severity == Severity::Warning)
            {
                return Err(format!(
                    "{}: expected warning {rest}, got {warnings:?}",
                    ctx()
                ));
            }
            let _ = p.eval(facts, item);
        }
        other => return Err(format!("line {line_no}: unknown expectation `{other}`")),
    }
    Ok(())
}

fn corpus() -> Vec<(usize, String, String)> {
    let text = include_str!("data/cel/cases.txt");
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|(i, l)| {
            let (expected, expr) = l
                .split_once(" | ")
                .unwrap_or_else(|| panic!("line {}: no ` | `", i + 1));
            (i + 1, expected.trim().to_string(), expr.trim().to_string())
        })
        .collect()
}

#[test]
fn conformance_corpus() {
    let facts = sample();
    let cases = corpus();
    assert!(cases.len() > 250, "{} cases", cases.len());
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|(n, expected, expr)| run_case(*n, expected, expr, &facts).err())
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn corpus_programs_are_deterministic_and_cloneable() {
    let facts = sample();
    for (_, expected, expr) in corpus() {
        let scope = if expected.starts_with("item:") {
            Scope::Item
        } else {
            Scope::Order
        };
        if let Ok((p, _)) = compile(&expr, scope) {
            let q = p.clone();
            assert_eq!(
                p.eval(&facts, facts.items.get(1)),
                q.eval(&facts, facts.items.get(1))
            );
        }
    }
}

/// Every program of the corpus survives its stored form (the `PROG` encoding a snapshot
/// holds, docs/snapshot-format.md): decoded and validated, it reads the same facts and
/// evaluates to the same result or the same error as the program the checker built.
#[test]
fn corpus_programs_round_trip_through_their_stored_form() {
    let facts = sample();
    let mut round_tripped = 0;
    for (n, expected, expr) in corpus() {
        let scope = if expected.starts_with("item:") {
            Scope::Item
        } else {
            Scope::Order
        };
        let Ok((p, _)) = compile(&expr, scope) else {
            continue;
        };
        let mut names = Vec::new();
        let bytes = p.encode(&mut names);
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let q = decode_program(&bytes, &names, scope)
            .unwrap_or_else(|e| panic!("line {n}: `{expr}` does not decode: {e}"));
        assert_eq!(p.facts_read(), q.facts_read(), "line {n}: `{expr}`");
        assert_eq!(p.scope(), q.scope());
        assert_eq!(
            p.eval(&facts, facts.items.get(1)),
            q.eval(&facts, facts.items.get(1)),
            "line {n}: `{expr}`"
        );
        let mut again = Vec::new();
        assert_eq!(
            q.encode(&mut again),
            bytes,
            "line {n}: the encoding is canonical"
        );
        round_tripped += 1;
        // Seeds for the `rule_program` fuzz target (fuzz/seed.sh), whose name table
        // lists every fact path, level and issue: re-encoded against it, scope byte first.
        if let Some(dir) = std::env::var_os("RULE_PROGRAM_SEEDS") {
            let mut names = fuzz_names();
            let before = names.len();
            let mut seed = vec![u8::from(scope == Scope::Item)];
            seed.extend(q.encode(&mut names));
            if names.len() == before {
                std::fs::write(Path::new(&dir).join(format!("line-{n}")), seed).unwrap();
            }
        }
    }
    assert!(round_tripped > 200, "{round_tripped} programs");
}

/// The `rule_program` fuzz target's name table.
fn fuzz_names() -> Vec<String> {
    use checkout_guard::model::Issue;
    use checkout_guard::rules::schema::{fact_path, CUSTOMER, ITEM, ORDER, ROOTS, SHIPPING};
    let mut names: Vec<String> = [ROOTS, CUSTOMER, ORDER, SHIPPING, ITEM]
        .iter()
        .flat_map(|t| t.iter().map(|e| fact_path(e.field)))
        .collect();
    names.extend(
        Level::NAMES
            .iter()
            .chain(Issue::NAMES)
            .map(|n| n.to_string()),
    );
    names.push("customer.unknown".to_string());
    names
}

/// Valid expressions the mutation property starts from.
const SEEDS: &[&str] = &[
    r#"customer.level == "block" && items.exists(i, i.restricted)"#,
    "double(item.quantity) * item.price > 5000.0",
    r#""duplicate_recent" in order.issues"#,
    r#"now - order.created_at < duration("1h")"#,
    r#"customer.level in ["step_up", "block"] || customer.refund_rate > 0.3"#,
    r#"size(items.filter(i, i.tags.exists(t, t.startsWith("lim")))) >= 1 ? true : false"#,
    r#"order.shipping.phone.matches("^1[3-9]\\d{9}$") && int("12") % 5 == 2"#,
    r#"items.map(i, i.sku + "-" + string(i.quantity)) == ['a', """b"""] || -1 < 2"#,
];

const PIECES: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    ".",
    ",",
    "!",
    "-",
    "&&",
    "||",
    "==",
    "<",
    "?",
    ":",
    "in",
    "1",
    "1.5",
    "\"s\"",
    "'",
    "\"",
    "\\",
    "item",
    "items",
    "customer",
    "exists(",
    "size(",
    "0x",
    "9223372036854775808",
    "e",
    "1/0",
    "/",
    "%",
    "{",
    "}",
    "null",
    "timestamp(",
    "duration(\"7d\")",
    "matches(\"(\")",
    "张",
    "“",
    "\u{0}",
    " ",
];

fn facts_for_props() -> Facts<'static> {
    sample()
}

proptest! {
    // 2000 cases per property by default; PROPTEST_CASES=100000 for a longer run.
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(2000)
    ))]

    #[test]
    fn compile_never_panics_on_arbitrary_text(s in "\\PC{0,200}") {
        let _ = compile(&s, Scope::Order);
        let _ = compile(&s, Scope::Item);
    }

    #[test]
    fn compile_never_panics_on_operator_soup(parts in prop::collection::vec(prop::sample::select(PIECES), 0..60)) {
        let s = parts.join("");
        let facts = facts_for_props();
        if let Ok((p, _)) = compile(&s, Scope::Item) {
            let _ = p.eval(&facts, facts.items.first());
            let _ = p.eval(&facts, None);
        }
    }

    #[test]
    fn mutated_valid_expressions_never_panic(
        seed in prop::sample::select(SEEDS),
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0u8..3, prop::sample::select(PIECES)), 1..6),
    ) {
        let mut s = seed.to_string();
        for (at, op, piece) in edits {
            let bounds: Vec<usize> = (0..=s.len()).filter(|i| s.is_char_boundary(*i)).collect();
            let i = bounds[at.index(bounds.len())];
            match op {
                0 => s.insert_str(i, piece),
                1 => { let j = bounds.iter().copied().find(|j| *j > i).unwrap_or(i); s.replace_range(i..j, ""); }
                _ => { s.replace_range(i.., ""); s.push_str(piece); }
            }
        }
        let facts = facts_for_props();
        for scope in [Scope::Order, Scope::Item] {
            match compile(&s, scope) {
                Ok((p, _)) => {
                    let _ = p.eval(&facts, facts.items.get(1));
                    let _ = p.facts_read();
                    // Whatever the checker accepts, the runtime's validator accepts.
                    let mut names = Vec::new();
                    let bytes = p.encode(&mut names);
                    let names: Vec<&str> = names.iter().map(String::as_str).collect();
                    let q = decode_program(&bytes, &names, scope);
                    prop_assert!(q.is_ok(), "`{}`: {:?}", s, q.err());
                }
                Err(errors) => prop_assert!(!errors.is_empty()),
            }
        }
    }

    /// A stored program edited byte by byte (as an attacker who recomputes the checksum
    /// would) is refused or decodes to a program that evaluates without panicking.
    #[test]
    fn edited_programs_never_panic(
        seed in prop::sample::select(SEEDS),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        cut in any::<prop::sample::Index>(),
    ) {
        let facts = facts_for_props();
        for scope in [Scope::Order, Scope::Item] {
            let Ok((p, _)) = compile(seed, scope) else { continue };
            let mut names = Vec::new();
            let mut bytes = p.encode(&mut names);
            for (at, b) in &edits {
                let i = at.index(bytes.len());
                bytes[i] = *b;
            }
            bytes.truncate(cut.index(bytes.len() + 1));
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            if let Ok(q) = decode_program(&bytes, &names, scope) {
                let _ = q.eval(&facts, facts.items.get(1));
            }
        }
    }

    #[test]
    fn eval_never_panics_on_arbitrary_numbers(a in any::<i64>(), b in any::<i64>(), x in any::<f64>(), y in any::<f64>()) {
        let facts = facts_for_props();
        for expr in [
            format!("{a} + {b} > 0 || {a} * {b} < 0 || {a} - {b} == 0"),
            format!("{a} / ({b}) == 1 || {a} % ({b}) == 0"),
            format!("int({x:?}) == {a} || double({a}) < {y:?} || {x:?} == {b}"),
            format!("string({x:?}) != \"\" && {x:?} / {y:?} != {a}"),
            format!("timestamp({a}) < now || duration(\"{b}s\") > duration(\"0s\")"),
        ] {
            if let Ok((p, _)) = compile(&expr, Scope::Order) {
                let _ = p.eval(&facts, None);
            }
        }
    }
}
