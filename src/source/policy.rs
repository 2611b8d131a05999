//! Reading `policy.toml` / `policy.json` into a validated [`Policy`].
//!
//! Both formats share one schema, written once as `RawPolicy<M>`: `M` chooses how a
//! value is wrapped — `toml::Spanned` for TOML (so every validation error points at its
//! line and column), a plain newtype for JSON (serde_json reports syntax and unknown-key
//! errors with a position itself; later validation errors are located by searching the
//! text).

use crate::diagnostic::{Code, Diagnostic, Span};
use crate::model::{Action, OnError, OnStale, PlusTags, Policy, Rule, Scope, VerifyMode};
use crate::time::{parse_setting_duration, Duration};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

/// A value plus, when the format gives one, its byte range in the file.
pub(crate) trait Located<T> {
    fn value(&self) -> &T;
    fn range(&self) -> Option<Range<usize>>;
}

impl<T> Located<T> for toml::Spanned<T> {
    fn value(&self) -> &T {
        self.get_ref()
    }
    fn range(&self) -> Option<Range<usize>> {
        Some(self.span())
    }
}

/// A JSON value: no position.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub(crate) struct Plain<T>(T);

impl<T> Located<T> for Plain<T> {
    fn value(&self) -> &T {
        &self.0
    }
    fn range(&self) -> Option<Range<usize>> {
        None
    }
}

/// How a format wraps values.
pub(crate) trait Mode {
    type L<T: DeserializeOwned>: Located<T> + DeserializeOwned;
}

pub(crate) struct TomlMode;
pub(crate) struct JsonMode;

impl Mode for TomlMode {
    type L<T: DeserializeOwned> = toml::Spanned<T>;
}
impl Mode for JsonMode {
    type L<T: DeserializeOwned> = Plain<T>;
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, bound = "")]
struct RawPolicy<M: Mode> {
    merchant: M::L<String>,
    currency: M::L<String>,
    #[serde(default)]
    default_country_code: Option<M::L<String>>,
    #[serde(default)]
    default_locale: Option<M::L<String>>,
    #[serde(default)]
    valid_for: Option<M::L<String>>,
    #[serde(default)]
    on_stale: Option<M::L<OnStale>>,
    #[serde(default)]
    duplicate_window: Option<M::L<String>>,
    #[serde(default)]
    purchase_window: Option<M::L<String>>,
    #[serde(default)]
    high_value_threshold: Option<M::L<f64>>,
    #[serde(default)]
    email_plus_tags: Option<M::L<PlusTags>>,
    #[serde(alias = "rules")]
    rule: Vec<RawRule<M>>,
    #[serde(default)]
    messages: BTreeMap<String, BTreeMap<String, M::L<String>>>,
    #[serde(default)]
    list_reasons: BTreeMap<String, BTreeMap<String, String>>,
    #[serde(default)]
    appeal: Option<M::L<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, bound = "")]
struct RawRule<M: Mode> {
    id: M::L<String>,
    when: M::L<String>,
    action: M::L<Action>,
    #[serde(default)]
    verify: Option<M::L<Vec<String>>>,
    /// A string rather than [`VerifyMode`], so a bad value gets its own diagnostic (with
    /// the accepted values) instead of a generic syntax error.
    #[serde(default)]
    verify_mode: Option<M::L<String>>,
    reason: M::L<String>,
    #[serde(default)]
    message: Option<M::L<String>>,
    #[serde(default)]
    scope: Option<M::L<Scope>>,
    #[serde(default)]
    on_error: Option<M::L<OnError>>,
}

/// Defaults for optional settings (documented in `docs/policy.md`).
pub const DEFAULT_COUNTRY_CODE: &str = "86";
/// Default `default_locale`.
pub const DEFAULT_LOCALE: &str = "zh-CN";
/// Default `valid_for`.
pub const DEFAULT_VALID_FOR: &str = "7d";
/// Default `duplicate_window`.
pub const DEFAULT_DUPLICATE_WINDOW: &str = "10m";
/// Default `high_value_threshold`: so high that only the `high_value` tag marks items.
pub const DEFAULT_HIGH_VALUE_THRESHOLD: f64 = 1e12;

/// The policy read from its file.
pub(crate) struct ReadPolicy {
    pub policy: Policy,
    pub when_offsets: Vec<Option<usize>>,
    /// `[locale][key]`: byte offset of the first character of each message text in the
    /// policy file, when it can be known (as for `when`).
    pub message_offsets: MessageOffsets,
}

/// Where each message text starts in the policy file: `[locale][key]`.
pub(crate) type MessageOffsets = BTreeMap<String, BTreeMap<String, usize>>;

/// Where findings go, each already tagged with the file and located in its text.
pub(crate) struct Sink<'a> {
    pub file: &'a str,
    pub text: &'a str,
    pub out: Vec<Diagnostic>,
}

impl Sink<'_> {
    fn push(&mut self, d: Diagnostic, range: Option<Range<usize>>) {
        let d = d.in_file(self.file);
        let d = match range {
            Some(r) => d.with_span(Span::new(r.start, r.end).located_in(self.text)),
            None => d,
        };
        self.out.push(d);
    }
}

/// Reads the policy file `file` (`policy.toml` or `policy.json`) with text `text`.
/// Pushes every finding into `diags`; returns the policy when it has no error.
pub(crate) fn read_policy(
    file: &str,
    text: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<ReadPolicy> {
    let mut sink = Sink {
        file,
        text,
        out: Vec::new(),
    };
    let result = if file.ends_with(".json") {
        match serde_json::from_str::<RawPolicy<JsonMode>>(text) {
            Ok(raw) => Some(validate(raw, &mut sink, true)),
            Err(e) => {
                let d = Diagnostic::error(Code::PolicySyntax, json_message(&e))
                    .in_file(file)
                    .at_line_column(e.line(), e.column());
                sink.out.push(d);
                None
            }
        }
    } else {
        match toml::from_str::<RawPolicy<TomlMode>>(text) {
            Ok(raw) => Some(validate(raw, &mut sink, false)),
            Err(e) => {
                let message = e.message().trim().to_string();
                let help = toml_help(&message);
                let mut d = Diagnostic::error(Code::PolicySyntax, message);
                if let Some(h) = help {
                    d = d.with_help(h);
                }
                sink.push(d, e.span());
                None
            }
        }
    };
    // A message template error leaves the policy readable: its rules are still
    // type-checked (and their messages' placeholders checked against them), so one run
    // shows every problem. The error itself still refuses the source.
    let failed = sink.out.iter().any(|d| {
        d.is_error() && !matches!(d.code, Code::MessagePlaceholder | Code::PlaceholderContext)
    });
    diags.append(&mut sink.out);
    match result {
        Some(read) if !failed => Some(read),
        _ => None,
    }
}

fn json_message(e: &serde_json::Error) -> String {
    // serde_json appends " at line L column C"; the span carries that.
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text.get(..i).unwrap_or(&text).to_string(),
        None => text,
    }
}

fn toml_help(message: &str) -> Option<String> {
    if message.starts_with("unknown field") {
        Some("remove the key or fix its spelling; the keys are listed in docs/policy.md".into())
    } else if message.starts_with("unknown variant") {
        Some("use one of the values listed in the message".into())
    } else if message.starts_with("missing field `rule`") {
        Some("add at least one `[[rule]]` table".into())
    } else {
        None
    }
}

/// Finds the byte range of `needle` in `text` (used to locate JSON values), when it
/// appears exactly once.
fn find_unique(text: &str, needle: &str) -> Option<Range<usize>> {
    let first = text.find(needle)?;
    let after = first + needle.len();
    if text.get(after..).is_some_and(|rest| rest.contains(needle)) {
        return None;
    }
    Some(first..after)
}

fn is_kebab(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('-')
        && !id.ends_with('-')
        && !id.contains("--")
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn validate<M: Mode>(raw: RawPolicy<M>, sink: &mut Sink<'_>, json: bool) -> ReadPolicy {
    // In JSON, locate a string value by searching its JSON spelling.
    let text = sink.text;
    let locate = |range: Option<Range<usize>>, value: &str| -> Option<Range<usize>> {
        range.or_else(|| {
            if json {
                let quoted = serde_json::to_string(value).ok()?;
                find_unique(text, &quoted)
            } else {
                None
            }
        })
    };

    let merchant = raw.merchant.value().trim().to_string();
    if merchant.is_empty() {
        let r = raw.merchant.range();
        sink.push(
            Diagnostic::error(Code::PolicyValue, "`merchant` is empty")
                .with_help("name the shop, e.g. `merchant = \"demo-store\"`"),
            r,
        );
    }

    let currency_raw = raw.currency.value().trim();
    let currency = currency_raw.to_ascii_uppercase();
    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_alphabetic()) {
        let r = locate(raw.currency.range(), raw.currency.value());
        sink.push(
            Diagnostic::error(
                Code::PolicyValue,
                format!("`{currency_raw}` is not a currency code"),
            )
            .with_help("write a three-letter ISO 4217 code, e.g. `CNY`"),
            r,
        );
    }

    let default_country_code = match &raw.default_country_code {
        None => DEFAULT_COUNTRY_CODE.to_string(),
        Some(l) => {
            let code = l.value().trim().trim_start_matches('+').to_string();
            if code.is_empty()
                || code.len() > 3
                || code.starts_with('0')
                || !code.bytes().all(|b| b.is_ascii_digit())
            {
                let r = locate(l.range(), l.value());
                sink.push(
                    Diagnostic::error(
                        Code::PolicyValue,
                        format!("`{}` is not a country calling code", l.value()),
                    )
                    .with_help("write 1 to 3 digits without `+` or leading zeros, e.g. `86`"),
                    r,
                );
            }
            code
        }
    };

    let default_locale = raw.default_locale.as_ref().map_or_else(
        || DEFAULT_LOCALE.to_string(),
        |l| l.value().trim().to_string(),
    );

    let mut duration = |value: Option<&M::L<String>>, name: &str, default: &str| -> Duration {
        let text = value.map_or(default, |l| l.value().as_str());
        match parse_setting_duration(text) {
            Ok(d) if d.0 > 0 => d,
            Ok(_) => {
                let r = value.and_then(|l| locate(l.range(), l.value()));
                sink.push(
                    Diagnostic::error(Code::PolicyValue, format!("`{name}` must be positive")),
                    r,
                );
                Duration(0)
            }
            Err(e) => {
                let r = value.and_then(|l| locate(l.range(), l.value()));
                sink.push(
                    Diagnostic::error(Code::PolicyValue, format!("`{name}`: {e}")),
                    r,
                );
                Duration(0)
            }
        }
    };
    let valid_for = duration(raw.valid_for.as_ref(), "valid_for", DEFAULT_VALID_FOR);
    let duplicate_window = duration(
        raw.duplicate_window.as_ref(),
        "duplicate_window",
        DEFAULT_DUPLICATE_WINDOW,
    );
    // Kept `None` when absent, so a policy without it writes the same META as before.
    let purchase_window = raw
        .purchase_window
        .as_ref()
        .map(|w| duration(Some(w), "purchase_window", "30d"));

    let high_value_threshold = match &raw.high_value_threshold {
        None => DEFAULT_HIGH_VALUE_THRESHOLD,
        Some(l) => {
            let v = *l.value();
            if !(v.is_finite() && (0.0..=DEFAULT_HIGH_VALUE_THRESHOLD).contains(&v)) {
                sink.push(
                    Diagnostic::error(
                        Code::PolicyValue,
                        format!("`high_value_threshold` = `{v}` is out of range"),
                    )
                    .with_help("write a price between 0 and 1e12 in the shop's currency"),
                    l.range(),
                );
            }
            v
        }
    };

    let on_stale = raw.on_stale.as_ref().map_or(OnStale::Allow, |l| *l.value());

    let (messages, message_offsets) = read_messages(&raw, sink, json);
    let appeal = raw.appeal.as_ref().map(|l| l.value().trim().to_string());
    if appeal.as_deref() == Some("") {
        let r = raw
            .appeal
            .as_ref()
            .and_then(|l| locate(l.range(), l.value()));
        sink.push(
            Diagnostic::error(Code::PolicyValue, "`appeal` is empty")
                .with_help("write where customers appeal, e.g. `appeal = \"https://shop.example/appeal\"`, or remove the key"),
            r,
        );
    }
    check_templates(&messages, &message_offsets, appeal.is_some(), sink);

    // Rules.
    let default_messages = messages.get(&default_locale);
    let mut seen_ids: BTreeMap<String, ()> = BTreeMap::new();
    let mut rules = Vec::with_capacity(raw.rule.len());
    let mut when_offsets = Vec::with_capacity(raw.rule.len());
    let mut named_messages = false;
    if raw.rule.is_empty() {
        sink.push(
            Diagnostic::error(Code::NoRules, "the policy has no rules").with_help(
                "add at least one `[[rule]]` table with `id`, `when`, `action` and `reason`",
            ),
            None,
        );
    }
    for r in &raw.rule {
        let id = r.id.value().clone();
        let id_range = locate(r.id.range(), &id);
        if !is_kebab(&id) {
            sink.push(
                Diagnostic::error(Code::RuleId, format!("rule id `{id}` is not kebab-case"))
                    .with_help(
                        "use lowercase letters, digits and single hyphens, e.g. `block-restricted`",
                    )
                    .in_rule(&id),
                id_range.clone(),
            );
        }
        if seen_ids.insert(id.clone(), ()).is_some() {
            sink.push(
                Diagnostic::error(
                    Code::DuplicateRuleId,
                    format!("rule id `{id}` is used twice"),
                )
                .with_help("give every rule its own id")
                .in_rule(&id),
                id_range.clone(),
            );
        }
        let when = r.when.value().clone();
        if when.trim().is_empty() {
            sink.push(
                Diagnostic::error(Code::EmptyWhen, format!("rule `{id}` has an empty `when`"))
                    .in_rule(&id),
                r.when.range().or(id_range.clone()),
            );
        }
        when_offsets.push(when_offset(sink.text, r.when.range(), &when, json));
        let action = *r.action.value();
        let verify: Vec<String> = r
            .verify
            .as_ref()
            .map(|l| l.value().iter().map(|m| m.trim().to_string()).collect())
            .unwrap_or_default();
        let verify_range = r.verify.as_ref().and_then(|l| l.range());
        if action == Action::StepUp {
            if verify.is_empty() || verify.iter().any(String::is_empty) {
                sink.push(
                    Diagnostic::error(
                        Code::VerifyMissing,
                        format!("step_up rule `{id}` names no verification method"),
                    )
                    .with_help("add e.g. `verify = [\"sms_otp\"]`: one of the methods satisfies the rule, or every one with `verify_mode = \"all\"`")
                    .in_rule(&id),
                    verify_range.clone().or(id_range.clone()),
                );
            }
        } else if r.verify.is_some() {
            sink.push(
                Diagnostic::error(
                    Code::VerifyNotStepUp,
                    format!("`verify` is only for step_up rules, and rule `{id}` is `{action}`"),
                )
                .with_help("remove `verify` or make the action `step_up`")
                .in_rule(&id),
                verify_range.clone().or(id_range.clone()),
            );
        }
        let unique: BTreeSet<&String> = verify.iter().collect();
        if unique.len() != verify.len() {
            sink.push(
                Diagnostic::warning(
                    Code::VerifyRepeated,
                    format!("rule `{id}` lists a verification method twice"),
                )
                .in_rule(&id),
                verify_range.clone(),
            );
        }
        let mode_range = r
            .verify_mode
            .as_ref()
            .and_then(|l| locate(l.range(), l.value()))
            .or(id_range.clone());
        let verify_mode = read_verify_mode(sink, r, &id, mode_range, unique.len());
        let reason = r.reason.value().trim().to_string();
        if reason.is_empty() {
            sink.push(
                Diagnostic::error(
                    Code::EmptyReason,
                    format!("rule `{id}` has an empty `reason`"),
                )
                .with_help("give a machine reason code, e.g. `BLOCKLIST_RESTRICTED_ITEM`")
                .in_rule(&id),
                r.reason.range().or(id_range.clone()),
            );
        }
        let message = r.message.as_ref().map(|l| l.value().trim().to_string());
        // A warn rule exists to tell the customer something; without a message its
        // verdict says `warn` with nothing to show (docs/policy.md).
        if action == Action::Warn && message.is_none() {
            sink.push(
                Diagnostic::warning(
                    Code::WarnWithoutMessage,
                    format!("warn rule `{id}` names no `message`: the customer sees no notice"),
                )
                .with_help("add `message = \"…\"` with a key of `[messages.<locale>]`")
                .in_rule(&id),
                r.action.range().or(id_range.clone()),
            );
        }
        if let (Some(key), Some(l)) = (&message, &r.message) {
            named_messages = true;
            let range = locate(l.range(), l.value());
            if let Some(table) = default_messages {
                if !table.contains_key(key) {
                    sink.push(
                        Diagnostic::error(
                            Code::UnknownMessage,
                            format!("message `{key}` is not in `[messages.{default_locale}]`"),
                        )
                        .with_help(format!(
                            "add `{key} = \"…\"` under `[messages.{default_locale}]`, the default locale"
                        ))
                        .in_rule(&id),
                        range.clone(),
                    );
                }
            }
            for (locale, table) in &messages {
                if *locale != default_locale && !table.contains_key(key) {
                    sink.push(
                        Diagnostic::warning(
                            Code::MissingTranslation,
                            format!("message `{key}` has no `{locale}` text"),
                        )
                        .with_help(format!(
                            "add `{key}` under `[messages.{locale}]`; until then `{locale}` customers see the `{default_locale}` text"
                        ))
                        .in_rule(&id),
                        range.clone(),
                    );
                }
            }
        }
        rules.push(Rule {
            id,
            when,
            action,
            verify,
            verify_mode,
            reason,
            message,
            scope: r.scope.as_ref().map_or(Scope::Order, |l| *l.value()),
            on_error: r.on_error.as_ref().map(|l| *l.value()),
        });
    }
    if named_messages && default_messages.is_none() {
        let r = raw
            .default_locale
            .as_ref()
            .and_then(|l| locate(l.range(), l.value()));
        sink.push(
            Diagnostic::error(
                Code::MissingLocale,
                format!("rules name messages but there is no `[messages.{default_locale}]` table"),
            )
            .with_help(format!(
                "add a `[messages.{default_locale}]` table, or set `default_locale` to one of your message tables"
            )),
            r,
        );
    }
    for (locale, table) in &messages {
        for (key, text) in table {
            if text.trim().is_empty() {
                sink.push(
                    Diagnostic::warning(
                        Code::EmptyMessage,
                        format!("message `{key}` in `{locale}` is empty"),
                    ),
                    None,
                );
            }
        }
    }

    ReadPolicy {
        policy: Policy {
            merchant,
            currency,
            default_country_code,
            default_locale,
            valid_for,
            on_stale,
            duplicate_window,
            purchase_window,
            high_value_threshold,
            email_plus_tags: raw
                .email_plus_tags
                .as_ref()
                .map_or(PlusTags::default(), |l| *l.value()),
            rules,
            messages,
            list_reasons: raw
                .list_reasons
                .iter()
                .map(|(locale, table)| {
                    let table = table
                        .iter()
                        .map(|(code, text)| (code.trim().to_string(), text.trim().to_string()))
                        .collect();
                    (locale.clone(), table)
                })
                .collect(),
            appeal,
        },
        when_offsets,
        message_offsets,
    }
}

/// A rule's `verify_mode` (docs/policy.md): `any` or `all`, only beside a `verify` list.
/// A list of two or more methods without it gets a warning, since a reader may take it
/// for either mode. Errors fall back to `any`; the policy does not compile anyway.
fn read_verify_mode<M: Mode>(
    sink: &mut Sink<'_>,
    r: &RawRule<M>,
    id: &str,
    range: Option<Range<usize>>,
    methods: usize,
) -> VerifyMode {
    let Some(l) = &r.verify_mode else {
        if methods >= 2 {
            sink.push(
                Diagnostic::warning(
                    Code::VerifyModeImplicit,
                    format!(
                        "rule `{id}` lists {methods} verification methods but no `verify_mode`; any one of them satisfies it"
                    ),
                )
                .with_help("write `verify_mode = \"any\"` (one method is enough) or `verify_mode = \"all\"` (every method is needed)")
                .in_rule(id),
                r.verify.as_ref().and_then(|v| v.range()).or(range),
            );
        }
        return VerifyMode::Any;
    };
    let text = l.value().trim();
    let mode = match text {
        "any" => VerifyMode::Any,
        "all" => VerifyMode::All,
        _ => {
            sink.push(
                Diagnostic::error(
                    Code::VerifyModeUnknown,
                    format!("rule `{id}` has `verify_mode = \"{text}\"`, which is neither `any` nor `all`"),
                )
                .with_help("write `verify_mode = \"any\"` (one method is enough) or `verify_mode = \"all\"` (every method is needed)")
                .in_rule(id),
                range.clone(),
            );
            VerifyMode::Any
        }
    };
    if r.verify.is_none() {
        sink.push(
            Diagnostic::error(
                Code::VerifyModeWithoutVerify,
                format!("rule `{id}` has a `verify_mode` but no `verify` list"),
            )
            .with_help("remove `verify_mode`, or add the `verify` methods it applies to (step_up rules only)")
            .in_rule(id),
            range,
        );
    }
    mode
}

/// Byte offset of the first character of a `when` expression in the policy file.
fn when_offset(text: &str, range: Option<Range<usize>>, when: &str, json: bool) -> Option<usize> {
    match range {
        Some(r) => {
            let raw = text.get(r.start..)?;
            let mut start = r.start;
            if raw.starts_with("'''") || raw.starts_with("\"\"\"") {
                start += 3;
                // TOML trims a newline right after the opening delimiter.
                let after = text.get(start..)?;
                if after.starts_with("\r\n") {
                    start += 2;
                } else if after.starts_with('\n') {
                    start += 1;
                }
            } else if raw.starts_with('\'') || raw.starts_with('"') {
                start += 1;
            }
            Some(start)
        }
        None if json => {
            let quoted = serde_json::to_string(when).ok()?;
            // Exact only when the JSON spelling has no escapes.
            if quoted.len() != when.len() + 2 {
                return None;
            }
            find_unique(text, &quoted).map(|r| r.start + 1)
        }
        None => None,
    }
}

/// The message tables as plain text, and where each text starts in the file.
fn read_messages<M: Mode>(
    raw: &RawPolicy<M>,
    sink: &Sink<'_>,
    json: bool,
) -> (BTreeMap<String, BTreeMap<String, String>>, MessageOffsets) {
    let mut messages = BTreeMap::new();
    let mut offsets = MessageOffsets::new();
    for (locale, table) in &raw.messages {
        let mut texts = BTreeMap::new();
        let mut starts = BTreeMap::new();
        for (key, l) in table {
            texts.insert(key.clone(), l.value().clone());
            if let Some(at) = when_offset(sink.text, l.range(), l.value(), json) {
                starts.insert(key.clone(), at);
            }
        }
        messages.insert(locale.clone(), texts);
        offsets.insert(locale.clone(), starts);
    }
    (messages, offsets)
}

/// Parses every message as a template (docs/policy.md, "Message placeholders"): a
/// malformed or unknown placeholder is an error at its place in the file, `{appeal}`
/// without an `appeal` setting too (it could never have a value), and `{reason}` or
/// `{expires}` without a fallback a warning (they have no value for an entry that never
/// expires, a public snapshot's hit, or a reason without text).
fn check_templates(
    messages: &BTreeMap<String, BTreeMap<String, String>>,
    offsets: &MessageOffsets,
    has_appeal: bool,
    sink: &mut Sink<'_>,
) {
    for (locale, table) in messages {
        for (key, text) in table {
            if !crate::template::has_braces(text) {
                continue;
            }
            let start = offsets.get(locale).and_then(|t| t.get(key)).copied();
            let at = |from: usize, to: usize| start.map(|s| s + from..s + to);
            let (pieces, errors) = crate::template::parse(text);
            for e in errors {
                sink.push(
                    Diagnostic::error(
                        Code::MessagePlaceholder,
                        format!("message `{key}` in `{locale}`: {}", e.message),
                    )
                    .with_help(e.help),
                    at(e.start, e.end),
                );
            }
            for piece in pieces {
                let crate::template::Piece::Hole {
                    placeholder,
                    start: from,
                    end: to,
                    has_fallback,
                    ..
                } = piece
                else {
                    continue;
                };
                let name = placeholder.name();
                if placeholder == crate::template::Placeholder::Appeal && !has_appeal {
                    sink.push(
                        Diagnostic::error(
                            Code::PlaceholderContext,
                            format!("message `{key}` in `{locale}` uses `{{appeal}}` but the policy sets no `appeal`"),
                        )
                        .with_help("add `appeal = \"https://…\"` (or an e-mail address) at the top of the policy"),
                        at(from, to),
                    );
                } else if placeholder.is_about_entry() && !has_fallback {
                    sink.push(
                        Diagnostic::warning(
                            Code::PlaceholderWithoutFallback,
                            format!("message `{key}` in `{locale}`: `{{{name}}}` has no fallback and shows nothing when the entry has no {}", if placeholder == crate::template::Placeholder::Expires { "expiry" } else { "reason text" }),
                        )
                        .with_help(format!("write e.g. `{{{name}|{}}}`: the text after `|` shows when there is no value", if placeholder == crate::template::Placeholder::Expires { "further notice" } else { "our policies" })),
                        at(from, to),
                    );
                }
            }
        }
    }
}
