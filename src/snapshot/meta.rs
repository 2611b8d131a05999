//! `META` read without serde: the policy as the writer lays it out with
//! `serde_json::to_vec` (docs/snapshot-format.md, "`META`"), through the crate's JSON
//! pull reader (`crate::json`), the one the order is read with.
//!
//! Why not serde's derive: it was the last derived deserializer the wasm runtime linked,
//! with serde_json's value deserializer behind it — 4.7 KB gzip (docs/BENCHMARKS.md,
//! "`META` without serde"). The derive stays for the compiler's `policy.json` sources.
//! This reader accepts what the derive accepts for these types: unknown fields skipped
//! (a newer writer's optional ones), the optional fields defaulted, `null` for an
//! `Option`, a repeated field refused; a property test holds both equal on every policy
//! the writer writes (`tests` below).

use crate::json::{self, Kind, Reader};
use crate::model::{Action, OnError, OnStale, PlusTags, Policy, Rule, Scope, VerifyMode};
use crate::time::Duration;
use std::collections::BTreeMap;

/// What is wrong with `META`, with the field's path (`rules[2].action: …`).
type Result<T> = std::result::Result<T, String>;

/// The policy in `body`.
pub(super) fn read(body: &[u8]) -> Result<Policy> {
    let text = std::str::from_utf8(body).map_err(|_| "not UTF-8".to_string())?;
    let mut r = Reader::new(text);
    let policy = policy(&mut r)?;
    r.end().map_err(|e| e.to_string())?;
    Ok(policy)
}

/// A syntax error of the reader, at `path`.
fn syntax(path: &str) -> impl Fn(json::Error) -> String + '_ {
    move |e| format!("{path}: {e}")
}

/// Consumes the `{` of the object at `path`, or says what is there instead.
fn object(r: &mut Reader, path: &str) -> Result<json::Container> {
    expect(r, Kind::Object, path)?;
    r.begin_object().map_err(syntax(path))
}

/// Fails unless the next value is of `kind`.
fn expect(r: &mut Reader, kind: Kind, path: &str) -> Result<()> {
    let found = r.peek_value().map_err(syntax(path))?;
    if found == kind {
        Ok(())
    } else {
        Err(format!(
            "{path}: expected {}, found {}",
            kind.noun(),
            found.noun()
        ))
    }
}

fn string(r: &mut Reader, path: &str) -> Result<String> {
    expect(r, Kind::String, path)?;
    Ok(r.string().map_err(syntax(path))?.into_owned())
}

/// `null` as `None`, as serde reads an `Option`.
fn optional<T>(
    r: &mut Reader,
    path: &str,
    read: impl FnOnce(&mut Reader, &str) -> Result<T>,
) -> Result<Option<T>> {
    if r.peek_value().map_err(syntax(path))? == Kind::Null {
        r.skip().map_err(syntax(path))?;
        return Ok(None);
    }
    read(r, path).map(Some)
}

fn strings(r: &mut Reader, path: &str) -> Result<Vec<String>> {
    expect(r, Kind::Array, path)?;
    let mut list = r.begin_array().map_err(syntax(path))?;
    let mut out = Vec::new();
    while r.next_element(&mut list).map_err(syntax(path))? {
        out.push(string(r, &format!("{path}[{}]", out.len()))?);
    }
    Ok(out)
}

/// A number token at `path`.
fn number<'a>(r: &mut Reader<'a>, path: &str) -> Result<&'a str> {
    expect(r, Kind::Number, path)?;
    r.number().map_err(syntax(path))
}

fn float(r: &mut Reader, path: &str) -> Result<f64> {
    let token = number(r, path)?;
    json::as_f64(token).ok_or_else(|| format!("{path}: number out of range"))
}

/// A duration: its nanoseconds, an integer (`Duration` is transparent to serde).
fn duration(r: &mut Reader, path: &str) -> Result<Duration> {
    let token = number(r, path)?;
    token
        .parse()
        .map(Duration)
        .map_err(|_| format!("{path}: expected an integer number of nanoseconds"))
}

/// A unit enum by its snake_case name (`from_name` of the `model` type).
fn name<T>(r: &mut Reader, path: &str, from_name: fn(&str) -> Option<T>) -> Result<T> {
    let text = string(r, path)?;
    from_name(&text).ok_or_else(|| format!("{path}: unknown variant `{text}`"))
}

/// `{outer: {inner: text}}` (messages, list reasons).
fn tables(r: &mut Reader, path: &str) -> Result<BTreeMap<String, BTreeMap<String, String>>> {
    let mut outer = object(r, path)?;
    let mut out = BTreeMap::new();
    while let Some(locale) = r.next_key(&mut outer).map_err(syntax(path))? {
        let at = format!("{path}.{locale}");
        let mut inner = object(r, &at)?;
        let mut table = BTreeMap::new();
        while let Some(key) = r.next_key(&mut inner).map_err(syntax(&at))? {
            let text = string(r, &format!("{at}.{key}"))?;
            table.insert(key.into_owned(), text);
        }
        out.insert(locale.into_owned(), table);
    }
    Ok(out)
}

/// Sets a field once: serde's derive refuses a repeated field, and so does this.
fn once<T>(slot: &mut Option<T>, value: T, path: &str) -> Result<()> {
    if slot.replace(value).is_some() {
        return Err(format!("{path}: duplicate field"));
    }
    Ok(())
}

fn required<T>(slot: Option<T>, path: &str) -> Result<T> {
    slot.ok_or_else(|| format!("{path}: missing field"))
}

fn policy(r: &mut Reader) -> Result<Policy> {
    let mut o = object(r, "META")?;
    let (mut merchant, mut currency, mut country, mut locale) = (None, None, None, None);
    let (mut valid_for, mut on_stale, mut window, mut threshold) = (None, None, None, None);
    let (mut plus_tags, mut rules, mut messages, mut list_reasons, mut appeal) =
        (None, None, None, None, None);
    let mut purchase_window = None;
    while let Some(key) = r.next_key(&mut o).map_err(syntax("META"))? {
        let k = &*key;
        match k {
            "merchant" => once(&mut merchant, string(r, k)?, k)?,
            "currency" => once(&mut currency, string(r, k)?, k)?,
            "default_country_code" => once(&mut country, string(r, k)?, k)?,
            "default_locale" => once(&mut locale, string(r, k)?, k)?,
            "valid_for" => once(&mut valid_for, duration(r, k)?, k)?,
            "on_stale" => once(&mut on_stale, name(r, k, OnStale::from_name)?, k)?,
            "duplicate_window" => once(&mut window, duration(r, k)?, k)?,
            "purchase_window" => once(&mut purchase_window, duration(r, k)?, k)?,
            "high_value_threshold" => once(&mut threshold, float(r, k)?, k)?,
            "email_plus_tags" => once(&mut plus_tags, name(r, k, PlusTags::from_name)?, k)?,
            "rules" => once(&mut rules, rule_list(r)?, k)?,
            "messages" => once(&mut messages, tables(r, k)?, k)?,
            "list_reasons" => once(&mut list_reasons, tables(r, k)?, k)?,
            "appeal" => once(&mut appeal, optional(r, k, string)?, k)?,
            _ => r.skip().map_err(syntax(k))?,
        }
    }
    Ok(Policy {
        merchant: required(merchant, "merchant")?,
        currency: required(currency, "currency")?,
        default_country_code: required(country, "default_country_code")?,
        default_locale: required(locale, "default_locale")?,
        valid_for: required(valid_for, "valid_for")?,
        on_stale: required(on_stale, "on_stale")?,
        duplicate_window: required(window, "duplicate_window")?,
        purchase_window,
        high_value_threshold: required(threshold, "high_value_threshold")?,
        email_plus_tags: plus_tags.unwrap_or_default(),
        rules: required(rules, "rules")?,
        messages: required(messages, "messages")?,
        list_reasons: list_reasons.unwrap_or_default(),
        appeal: appeal.flatten(),
    })
}

fn rule_list(r: &mut Reader) -> Result<Vec<Rule>> {
    expect(r, Kind::Array, "rules")?;
    let mut list = r.begin_array().map_err(syntax("rules"))?;
    let mut out = Vec::new();
    while r.next_element(&mut list).map_err(syntax("rules"))? {
        out.push(rule(r, &format!("rules[{}]", out.len()))?);
    }
    Ok(out)
}

fn rule(r: &mut Reader, path: &str) -> Result<Rule> {
    let mut o = object(r, path)?;
    let (mut id, mut when, mut action, mut verify, mut mode) = (None, None, None, None, None);
    let (mut reason, mut message, mut scope, mut on_error) = (None, None, None, None);
    while let Some(key) = r.next_key(&mut o).map_err(syntax(path))? {
        let at = format!("{path}.{key}");
        let k = at.as_str();
        match &*key {
            "id" => once(&mut id, string(r, k)?, k)?,
            "when" => once(&mut when, string(r, k)?, k)?,
            "action" => once(&mut action, name(r, k, Action::from_name)?, k)?,
            "verify" => once(&mut verify, strings(r, k)?, k)?,
            "verify_mode" => once(&mut mode, name(r, k, VerifyMode::from_name)?, k)?,
            "reason" => once(&mut reason, string(r, k)?, k)?,
            "message" => once(&mut message, optional(r, k, string)?, k)?,
            "scope" => once(&mut scope, name(r, k, Scope::from_name)?, k)?,
            "on_error" => {
                let read = optional(r, k, |r, p| name(r, p, OnError::from_name))?;
                once(&mut on_error, read, k)?
            }
            _ => r.skip().map_err(syntax(k))?,
        }
    }
    Ok(Rule {
        id: required(id, &format!("{path}.id"))?,
        when: required(when, &format!("{path}.when"))?,
        action: required(action, &format!("{path}.action"))?,
        verify: verify.unwrap_or_default(),
        verify_mode: mode.unwrap_or_default(),
        reason: required(reason, &format!("{path}.reason"))?,
        message: message.flatten(),
        scope: scope.unwrap_or_default(),
        on_error: on_error.flatten(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The derive's answer, the one this reader must give.
    fn by_serde(body: &[u8]) -> Option<Policy> {
        serde_json::from_slice(body).ok()
    }

    fn demo_policy() -> Policy {
        let bytes = include_bytes!("../../assets/demo-store.snapshot");
        crate::snapshot::Snapshot::from_bytes(&bytes[..])
            .map(|s| s.policy().clone())
            .unwrap_or_else(|e| panic!("the demo snapshot loads: {e}"))
    }

    #[test]
    fn reads_the_demo_policy_as_serde_does() {
        let body = serde_json::to_vec(&demo_policy()).unwrap();
        assert_eq!(read(&body).ok(), by_serde(&body));
        assert!(read(&body).is_ok());
    }

    #[test]
    fn agrees_with_serde_on_optional_unknown_null_repeated_and_wrong_fields() {
        let demo = serde_json::to_value(demo_policy()).unwrap();
        type Edit = Box<dyn Fn(&mut serde_json::Value)>;
        let edits: Vec<Edit> = vec![
            Box::new(|p| p["newer_field"] = serde_json::json!({"x": [1, 2]})),
            Box::new(|p| p["appeal"] = serde_json::Value::Null),
            Box::new(|p| p["appeal"] = serde_json::json!("help@example.com")),
            Box::new(|p| p["rules"][0]["on_error"] = serde_json::Value::Null),
            Box::new(|p| p["rules"][0]["on_error"] = serde_json::json!("deny")),
            Box::new(|p| p["rules"][0]["message"] = serde_json::Value::Null),
            Box::new(|p| p["rules"][0]["action"] = serde_json::json!("explode")),
            Box::new(|p| p["rules"][0]["scope"] = serde_json::json!(1)),
            Box::new(|p| p["valid_for"] = serde_json::json!(1.5)),
            Box::new(|p| p["valid_for"] = serde_json::json!(-60)),
            Box::new(|p| p["high_value_threshold"] = serde_json::json!(2000)),
            Box::new(|p| p["email_plus_tags"] = serde_json::json!("everywhere")),
            Box::new(|p| p["list_reasons"] = serde_json::json!({"en": {"A": "a"}})),
            Box::new(|p| {
                p.as_object_mut().unwrap().remove("messages");
            }),
            Box::new(|p| {
                p["rules"][1].as_object_mut().unwrap().remove("reason");
            }),
            Box::new(|p| p["messages"]["en"]["k"] = serde_json::json!(3)),
            Box::new(|p| p["rules"] = serde_json::json!({})),
        ];
        for (i, edit) in edits.iter().enumerate() {
            let mut p = demo.clone();
            edit(&mut p);
            let body = serde_json::to_vec(&p).unwrap();
            let want = by_serde(&body);
            let got = read(&body);
            assert_eq!(got.as_ref().ok(), want.as_ref(), "edit {i}: {got:?}");
        }
        // A repeated field, which `serde_json::Value` cannot hold.
        let text = String::from_utf8(serde_json::to_vec(&demo).unwrap()).unwrap();
        let twice = format!("{{\"currency\":\"EUR\",{}", &text[1..]);
        assert!(by_serde(twice.as_bytes()).is_none());
        assert!(read(twice.as_bytes())
            .unwrap_err()
            .contains("duplicate field"));
        // Not JSON, trailing text, not an object.
        for bad in ["", "[]", "{\"merchant\":", "{} {}", "\u{0}"] {
            assert!(read(bad.as_bytes()).is_err(), "{bad:?}");
        }
    }

    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-z_]{0,8}",
            "\\PC{0,12}",
            Just("引号 \" 反斜杠 \\ {case}".to_string())
        ]
    }

    fn rule() -> impl Strategy<Value = Rule> {
        (
            (
                text(),
                text(),
                0usize..5,
                prop::collection::vec(text(), 0..3),
            ),
            (
                any::<bool>(),
                text(),
                prop::option::of(text()),
                any::<bool>(),
            ),
            prop::option::of(0usize..3),
        )
            .prop_map(
                |((id, when, action, verify), (all, reason, message, item), on_error)| Rule {
                    id,
                    when,
                    action: [
                        Action::Allow,
                        Action::Warn,
                        Action::Review,
                        Action::StepUp,
                        Action::Deny,
                    ][action],
                    verify,
                    verify_mode: if all {
                        VerifyMode::All
                    } else {
                        VerifyMode::Any
                    },
                    reason,
                    message,
                    scope: if item { Scope::Item } else { Scope::Order },
                    on_error: on_error
                        .map(|i| [OnError::Ignore, OnError::Review, OnError::Deny][i]),
                },
            )
    }

    fn table() -> impl Strategy<Value = BTreeMap<String, BTreeMap<String, String>>> {
        prop::collection::btree_map(
            text(),
            prop::collection::btree_map(text(), text(), 0..3),
            0..3,
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]
        /// Every policy the writer can write reads back equal, as through serde.
        #[test]
        fn every_written_policy_reads_back_as_through_serde(
            names in (text(), text(), text(), text()),
            times in (any::<i64>(), any::<i64>(), any::<bool>(), any::<bool>()),
            threshold in prop_oneof![any::<f64>().prop_filter("finite", |x| x.is_finite()), 0.0..1e7],
            rules in prop::collection::vec(rule(), 0..4),
            messages in table(),
            list_reasons in table(),
            appeal in prop::option::of(text()),
        ) {
            let policy = Policy {
                merchant: names.0,
                currency: names.1,
                default_country_code: names.2,
                default_locale: names.3,
                valid_for: Duration(times.0),
                on_stale: if times.2 { OnStale::Allow } else { OnStale::Review },
                duplicate_window: Duration(times.1),
                purchase_window: times.2.then_some(Duration(times.0 ^ times.1)),
                high_value_threshold: threshold,
                email_plus_tags: if times.3 { PlusTags::Everywhere } else { PlusTags::Providers },
                rules,
                messages,
                list_reasons,
                appeal,
            };
            let body = serde_json::to_vec(&policy).unwrap();
            // Equal to serde's reading (which, like the writer's, is not exact for every
            // float: serde_json is built without `float_roundtrip`), and never refused.
            prop_assert_eq!(read(&body).ok(), by_serde(&body));
            let back = read(&body);
            prop_assert!(back.is_ok(), "{:?}", back);
            let back = back.unwrap_or_else(|e| panic!("{e}"));
            prop_assert_eq!(
                Policy { high_value_threshold: 0.0, ..back },
                Policy { high_value_threshold: 0.0, ..policy }
            );
        }
    }
}
