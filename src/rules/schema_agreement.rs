//! Tests that every other description of the facts agrees with the [`schema`] tables,
//! in both directions: `docs/rules.md`'s facts and item tables, the `Facts` interface in
//! `src/wasm.d.ts`, and the JSON the [`Facts`] structs serialize to (`engine.facts()`).
//! A fact added to the schema but not documented, or a row or field deleted, fails here.

use super::facts::{Facts, ItemFacts};
use super::schema::{self, Entry, ISSUES, ITEM, LEVELS, ROOTS};
use super::types::Type;
use crate::time::Timestamp;
use std::collections::BTreeSet;

const DOCS: &str = include_str!("../../docs/rules.md");
const DTS: &str = include_str!("../wasm.d.ts");

/// The paths under `table` (joined with `.` after `prefix`), walking into the fields of
/// every object and list-of-object type for which `expand` says so. An expanded value
/// is listed itself only when `list_expanded`.
fn schema_paths(
    table: &[Entry],
    prefix: &str,
    expand: &dyn Fn(&Type) -> bool,
    list_expanded: bool,
    out: &mut BTreeSet<String>,
) {
    for e in table {
        let path = format!("{prefix}{}", e.name);
        let ty = (e.ty)();
        let object = match &ty {
            Type::List(elem) => (**elem).clone(),
            other => other.clone(),
        };
        match schema::fields_of(&object).filter(|_| expand(&ty)) {
            Some(fields) => {
                if list_expanded {
                    out.insert(path.clone());
                }
                schema_paths(fields, &format!("{path}."), expand, list_expanded, out);
            }
            None => {
                out.insert(path);
            }
        }
    }
}

/// What `engine.facts()` returns: every root but `item` (bound per line, not part of the
/// order's facts), objects and `items`' elements expanded, containers listed too.
fn expected_json_paths() -> BTreeSet<String> {
    let roots: Vec<Entry> = ROOTS.iter().copied().filter(|e| e.name != "item").collect();
    let mut out = BTreeSet::new();
    schema_paths(&roots, "", &|_| true, true, &mut out);
    out
}

/// The docs' facts table: customer, order and shipping fields in place; `items` and
/// `item` as rows of their own, their fields in the separate item table.
fn expected_docs_paths() -> (BTreeSet<String>, BTreeSet<String>) {
    let mut facts = BTreeSet::new();
    let in_place = |ty: &Type| matches!(ty, Type::Customer | Type::Order | Type::Shipping);
    schema_paths(ROOTS, "", &in_place, false, &mut facts);
    let items = ITEM.iter().map(|e| e.name.to_string()).collect();
    (facts, items)
}

/// The backticked words of a markdown table cell.
fn code_spans(cell: &str) -> Vec<&str> {
    cell.split('`').skip(1).step_by(2).collect()
}

/// The cells of a table row (`\|` inside a cell is not a separator).
fn cells(row: &str) -> Vec<String> {
    let row = row.trim().trim_start_matches('|').trim_end_matches('|');
    row.replace("\\|", "\u{0}")
        .split('|')
        .map(|c| c.replace('\u{0}', "|").trim().to_string())
        .collect()
}

/// The body rows of each table in the `## Facts` section of the docs, table by table.
fn docs_fact_tables() -> Vec<Vec<Vec<String>>> {
    let start = DOCS
        .find("\n## Facts\n")
        .expect("docs/rules.md has a `## Facts` section");
    let section = &DOCS[start + 1..];
    let section = &section[..section[1..].find("\n## ").map_or(section.len(), |e| e + 1)];
    let mut tables: Vec<Vec<Vec<String>>> = Vec::new();
    let mut in_table = false;
    for line in section.lines() {
        if !line.trim_start().starts_with('|') {
            in_table = false;
            continue;
        }
        if !in_table {
            // The header row starts a new table.
            tables.push(Vec::new());
            in_table = true;
            continue;
        }
        if line.contains("|---") {
            continue;
        }
        if let Some(table) = tables.last_mut() {
            table.push(cells(line));
        }
    }
    tables
}

fn names_in_first_column(rows: &[Vec<String>]) -> BTreeSet<String> {
    rows.iter()
        .flat_map(|r| code_spans(&r[0]).into_iter().map(str::to_string))
        .collect()
}

#[test]
fn docs_fact_tables_list_exactly_the_schema() {
    let tables = docs_fact_tables();
    assert_eq!(tables.len(), 2, "the facts table and the item-field table");
    let (facts, items) = expected_docs_paths();
    assert_eq!(
        names_in_first_column(&tables[0]),
        facts,
        "docs/rules.md's facts table vs the schema (rules/schema.rs)"
    );
    assert_eq!(
        names_in_first_column(&tables[1]),
        items,
        "docs/rules.md's item table vs rules/schema.rs ITEM"
    );
}

#[test]
fn docs_list_every_level_and_issue_name() {
    let tables = docs_fact_tables();
    let row = |name: &str| {
        tables[0]
            .iter()
            .find(|r| code_spans(&r[0]).contains(&name))
            .unwrap_or_else(|| panic!("no `{name}` row"))
            .clone()
    };
    let issue_row = row("order.issues");
    let issues: Vec<&str> = code_spans(&issue_row[2]);
    assert_eq!(issues, ISSUES, "the `order.issues` row, in order");
    let level_row = row("customer.level");
    let levels: Vec<&str> = code_spans(&level_row[2])
        .into_iter()
        .map(|s| s.trim_matches('"'))
        .collect();
    assert_eq!(levels, LEVELS, "the `customer.level` row, in order");
}

/// The property paths of `export interface Facts` in the d.ts, nested objects joined
/// with `.` (`items: Array<{ sku: … }>` gives `items` and `items.sku`).
fn dts_fact_paths() -> (BTreeSet<String>, Vec<String>) {
    let start = DTS
        .find("export interface Facts {")
        .expect("src/wasm.d.ts declares `interface Facts`");
    let text: Vec<char> = DTS[start + "export interface Facts ".len()..]
        .chars()
        .collect();
    let mut out = BTreeSet::new();
    let mut level_union = Vec::new();
    let mut open: Vec<Option<String>> = Vec::new();
    let mut last_key: Option<String> = None;
    let mut i = 0;
    while i < text.len() {
        let c = text[i];
        let next = text.get(i + 1).copied();
        if c == '/' && next == Some('*') {
            while i + 1 < text.len() && !(text[i] == '*' && text[i + 1] == '/') {
                i += 1;
            }
            i += 2;
        } else if c == '/' && next == Some('/') {
            while i < text.len() && text[i] != '\n' {
                i += 1;
            }
        } else if c == '"' {
            let end = i + 1 + text[i + 1..].iter().position(|&c| c == '"').unwrap();
            if last_key.as_deref() == Some("level") {
                level_union.push(text[i + 1..end].iter().collect());
            }
            i = end + 1;
        } else if c.is_alphabetic() || c == '_' {
            let from = i;
            while i < text.len() && (text[i].is_alphanumeric() || text[i] == '_') {
                i += 1;
            }
            let word: String = text[from..i].iter().collect();
            let mut j = i;
            while j < text.len() && (text[j].is_whitespace() || text[j] == '?') {
                j += 1;
            }
            if text.get(j) == Some(&':') {
                let mut path: Vec<&str> = open.iter().flatten().map(String::as_str).collect();
                path.push(&word);
                out.insert(path.join("."));
                last_key = Some(word);
            }
        } else if c == '{' {
            open.push(last_key.take());
            i += 1;
        } else if c == '}' {
            open.pop();
            i += 1;
            if open.is_empty() {
                break;
            }
        } else {
            i += 1;
        }
    }
    (out, level_union)
}

#[test]
fn wasm_dts_facts_list_exactly_the_schema() {
    let (paths, levels) = dts_fact_paths();
    assert_eq!(
        paths,
        expected_json_paths(),
        "src/wasm.d.ts `interface Facts` vs rules/schema.rs"
    );
    assert_eq!(levels, LEVELS, "the d.ts `customer.level` union");
}

fn json_paths(value: &serde_json::Value, prefix: &str, out: &mut BTreeSet<String>) {
    let Some(object) = value.as_object() else {
        return;
    };
    for (key, v) in object {
        let path = format!("{prefix}{key}");
        out.insert(path.clone());
        let inner = match v {
            serde_json::Value::Array(list) => list.first().unwrap_or(v),
            other => other,
        };
        json_paths(inner, &format!("{path}."), out);
    }
}

#[test]
fn facts_json_lists_exactly_the_schema() {
    let facts = Facts {
        customer: Default::default(),
        order: Default::default(),
        items: vec![ItemFacts::default()],
        verified: &[],
        now: Timestamp::from_seconds(0),
    };
    let mut paths = BTreeSet::new();
    json_paths(&serde_json::to_value(&facts).unwrap(), "", &mut paths);
    assert_eq!(
        paths,
        expected_json_paths(),
        "the Facts structs (rules/facts.rs) vs rules/schema.rs"
    );
}
