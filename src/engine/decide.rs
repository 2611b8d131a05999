//! The decision for one check: the order's facts (from `fact_builder`) → rule
//! evaluation → decision, verify methods, lines and message, following docs/semantics.md §9 to
//! the letter.

use super::fact_builder;
use super::order::Order;
use super::verdict::{LineVerdict, Message, Reason, Verdict};
use super::Loaded;
use crate::model::{Action, OnStale, Scope, VerifyMode};
use crate::rules::facts::Facts;
use crate::rules::OrderBudget;
use crate::time::Timestamp;
use std::sync::Arc;

/// The most reasons a check makes room for before any rule fires: a usual policy's
/// rules, each firing at most once with its own action.
const MAX_RESERVED_REASONS: usize = 32;

/// The room a `step_up` verdict's methods and groups start with: what `Vec` gives its
/// first push of such elements.
const STEP_UP_ROOM: usize = 4;

/// Judges `order` (already bound) with `inputs`, and counts the verdict in `counters`
/// with the facts it was decided on.
pub(super) fn decide(
    loaded: &Loaded,
    order: &Order,
    inputs: fact_builder::Inputs<'_>,
    locale: Option<&str>,
    counters: &mut super::stats::Counters,
) -> Verdict {
    let facts = fact_builder::build(loaded, order, inputs);
    let (verdict, rule_errors) = evaluate(loaded, order, &facts, inputs.now, locale);
    counters.count(loaded, &facts, &verdict, rule_errors);
    fact_builder::recycle(facts);
    verdict
}

/// Runs every rule over `facts` and assembles the verdict (docs/semantics.md §9).
fn evaluate(
    loaded: &Loaded,
    order: &Order,
    facts: &Facts<'_>,
    now: Timestamp,
    locale: Option<&str>,
) -> (Verdict, u64) {
    let snapshot = &loaded.snapshot;
    let policy = snapshot.policy();
    // Most checks fire some rule, and growing from empty (4, then 8, …) costs more
    // than one allocation with room for a reason per rule (bounded: a policy of many
    // rules grows past it as before).
    let mut reasons = Vec::with_capacity(loaded.rules.len().min(MAX_RESERVED_REASONS));
    let mut warnings = Vec::new();
    let mut rule_errors = 0u64;
    // The verdict's lines, each raised in place as item rules fire on it.
    let mut lines: Vec<LineVerdict> = order
        .items
        .iter()
        .map(|l| LineVerdict {
            sku: l.sku.clone(),
            decision: Action::Allow,
        })
        .collect();
    // A rule counts with the action it takes: its own when it fires, its `on_error`
    // action when it cannot be evaluated (docs/semantics.md §9, "Rules that fail"). Each
    // is one reason; `fired` finds their rules again.
    let budget = OrderBudget::new();
    for rule in &loaded.rules {
        if rule.action == Action::StepUp
            && rule.verify_mode.satisfied(&rule.verify, &order.verified)
        {
            continue;
        }
        // Lines (or the order, `None`) the rule could not be evaluated on, and the
        // first error: one warning per rule, however many lines failed.
        let mut failed: Vec<Option<usize>> = Vec::new();
        let mut first_error = None;
        let mut hit = Vec::new();
        let mut run = |item, line| match rule.program.eval_within(facts, item, &budget) {
            Ok(fires) => fires,
            Err(e) => {
                failed.push(line);
                first_error.get_or_insert(e);
                false
            }
        };
        let ok = match rule.scope {
            Scope::Order => run(None, None),
            Scope::Item => {
                for (i, item) in facts.items.iter().enumerate() {
                    if run(Some(item), Some(i)) {
                        hit.push(i);
                    }
                }
                !hit.is_empty()
            }
        };
        if let Some(e) = first_error {
            rule_errors += failed.len() as u64;
            warnings.push(failure_warning(rule, &failed, &e));
        }
        if ok {
            mark_lines(&mut lines, &hit, rule.action);
            reasons.push(reason(rule, rule.action, hit));
        }
        if let (Some(action), false) = (rule.on_error, failed.is_empty()) {
            let failed_lines: Vec<usize> = failed.into_iter().flatten().collect();
            mark_lines(&mut lines, &failed_lines, action);
            reasons.push(reason(rule, action, failed_lines));
        }
    }

    let mut decision = firing_decision(reasons.iter().map(|r| r.action));
    if now >= snapshot.expires_at() {
        warnings.push(format!(
            "snapshot expired at {}; compile and deploy a fresh one",
            snapshot.info().expires_at
        ));
        // `warn` lets the order through like `allow`, so it is raised too: a stale
        // snapshot never leaves an order less guarded than a fresh `allow` would be.
        if policy.on_stale == OnStale::Review && decision <= Action::Warn {
            decision = Action::Review;
        }
    }

    let mut verify: Vec<Arc<str>> = Vec::new();
    let mut verify_required: Vec<Vec<Arc<str>>> = Vec::new();
    if decision == Action::StepUp {
        // A `step_up` verdict names methods: allocated up front with the room a first
        // push would grow them to, which skips `Vec`'s growth path (measured cheaper).
        verify.reserve_exact(STEP_UP_ROOM);
        verify_required.reserve_exact(STEP_UP_ROOM);
        for (rule, _) in fired(&loaded.rules, &reasons).filter(|&(_, a)| a == Action::StepUp) {
            for m in &rule.verify {
                if !verify.contains(m) {
                    verify.push(m.clone());
                }
            }
            for group in open_groups(rule, &order.verified) {
                if !verify_required.iter().any(|g| g.as_slice() == group) {
                    verify_required.push(group.to_vec());
                }
            }
        }
    }
    // A rule's message speaks for its own action, never for its `on_error` one.
    let message = fired(&loaded.rules, &reasons)
        .filter(|&(r, a)| a == decision && r.action == a)
        .find(|(r, _)| r.message.is_some())
        .and_then(|(r, _)| message(loaded, r, locale))
        .map(|m| fill(loaded, m, facts, order));
    let verdict = Verdict {
        decision,
        verify,
        verify_required,
        reasons,
        lines,
        message,
        snapshot: loaded.snapshot_ref.clone(),
        warnings,
    };
    (verdict, rule_errors)
}

/// The rule behind each of `reasons`, with the action it counted with. Reasons are
/// pushed in policy order (a rule's own action, then its `on_error` one), each naming its
/// rule by a clone of the rule's `id`: one forward walk finds them, so a check keeps no
/// list of firing rules besides the verdict's reasons.
fn fired<'r>(
    rules: &'r [super::CompiledRule],
    reasons: &'r [Reason],
) -> impl Iterator<Item = (&'r super::CompiledRule, Action)> + 'r {
    let mut at = 0;
    reasons.iter().filter_map(move |reason| {
        while let Some(rule) = rules.get(at) {
            if Arc::ptr_eq(&rule.id, &reason.rule) {
                return Some((rule, reason.action));
            }
            at += 1;
        }
        None
    })
}

/// What a firing `step_up` rule still asks for (docs/semantics.md §9.4): completing one
/// method of every group clears it. An `any` rule is one group, its methods; an `all`
/// rule is one group per method not yet in `verified`. Borrowed from the rule: a group
/// the verdict already asks for is not copied.
fn open_groups<'r>(
    rule: &'r super::CompiledRule,
    verified: &'r [String],
) -> impl Iterator<Item = &'r [Arc<str>]> + 'r {
    // One of the two is empty: the whole list as one group, or each open method alone.
    let (whole, each) = match rule.verify_mode {
        VerifyMode::Any => (Some(rule.verify.as_slice()), &[][..]),
        VerifyMode::All => (None, rule.verify.as_slice()),
    };
    let open = each
        .iter()
        .filter(move |m| !verified.iter().any(|v| v.as_str() == &***m))
        .map(std::slice::from_ref);
    whole.into_iter().chain(open)
}

/// The decision the firing rules' actions make, before stale handling: the most severe
/// one, except that a firing `allow` rule suppresses `warn`, `review` and `step_up` (never
/// `deny`) — docs/semantics.md, "Allow suppression".
fn firing_decision(actions: impl Iterator<Item = Action> + Clone) -> Action {
    let most_severe = actions.clone().max().unwrap_or(Action::Allow);
    let allowlisted = actions.into_iter().any(|a| a == Action::Allow);
    if most_severe == Action::Deny || !allowlisted {
        most_severe
    } else {
        Action::Allow
    }
}

/// The firing rules (by id, in policy order) that an `allow` rule suppressed: those more
/// severe than the decision their actions make. Stale handling, which may raise the
/// verdict's decision afterwards, does not un-suppress them.
pub(super) fn suppressed(reasons: &[Reason]) -> Vec<Arc<str>> {
    let decision = firing_decision(reasons.iter().map(|r| r.action));
    reasons
        .iter()
        .filter(|r| r.action > decision)
        .map(|r| r.rule.clone())
        .collect()
}

fn reason(rule: &super::CompiledRule, action: Action, lines: Vec<usize>) -> Reason {
    Reason {
        rule: rule.id.clone(),
        code: rule.code.clone(),
        action,
        lines,
    }
}

/// The verdict warning for a rule that could not be evaluated on `failed` (lines, or
/// `None` for the order), with the first error and what the failure counted as.
fn failure_warning(
    rule: &super::CompiledRule,
    failed: &[Option<usize>],
    e: &crate::rules::EvalError,
) -> String {
    let then = match rule.on_error {
        Some(a) => format!("counted as `{}`", a.as_str()),
        None => "ignored".to_string(),
    };
    let lines: Vec<usize> = failed.iter().copied().flatten().collect();
    match lines.as_slice() {
        [] => format!("rule `{}` failed: {e}; {then}", rule.id),
        [i] => format!("rule `{}` failed on line {i}: {e}; {then}", rule.id),
        [i, ..] => format!(
            "rule `{}` failed on {} lines (first line {i}): {e}; {then}",
            rule.id,
            lines.len()
        ),
    }
}

/// Raises the decision of each of `lines` to at least `action`.
fn mark_lines(verdict_lines: &mut [LineVerdict], lines: &[usize], action: Action) {
    for &i in lines {
        if let Some(line) = verdict_lines.get_mut(i) {
            line.decision = line.decision.max(action);
        }
    }
}

/// `rule`'s message in the requested locale, else its language (`en-US` → `en`), else
/// the policy's default locale.
fn message(loaded: &Loaded, rule: &super::CompiledRule, locale: Option<&str>) -> Option<Message> {
    let key = rule.message.as_ref()?;
    let policy = loaded.snapshot.policy();
    let language = locale
        .and_then(|l| l.split_once(['-', '_']))
        .map(|(lang, _)| lang);
    let candidates = [locale, language, Some(policy.default_locale.as_str())];
    for want in candidates.into_iter().flatten() {
        let found = loaded
            .locales
            .iter()
            .position(|l| l.eq_ignore_ascii_case(want) || language_is(l, want));
        let Some(at) = found else { continue };
        if let (Some(l), Some(Some(text))) = (loaded.locales.get(at), rule.messages.get(at)) {
            return Some(Message {
                locale: l.clone(),
                text: text.clone(),
                key: key.clone(),
                filled: false,
            });
        }
    }
    None
}

/// Whether `locale`'s language, its text before the first `-` (all of it without one),
/// is `want`: tested by prefix, so that a locale that cannot match (`en` for `zh-CN`,
/// the usual case) is told apart without searching it for a `-`.
fn language_is(locale: &str, want: &str) -> bool {
    locale
        .strip_prefix(want)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('-'))
        && !want.contains('-')
}

/// `message` with its placeholders filled for this check (docs/semantics.md §9.5). Only
/// a snapshot of format 5 or later holds templates: older ones' texts are shown as
/// written, braces and all, as the builds that wrote them did.
fn fill(loaded: &Loaded, message: Message, facts: &Facts<'_>, order: &Order) -> Message {
    if !loaded.templates || !crate::template::has_braces(&message.text) {
        return message;
    }
    let policy = loaded.snapshot.policy();
    let entry = facts.customer.entry;
    // The reason's text in the message's own locale, else the default locale's.
    let reason = entry.and_then(|e| {
        [&*message.locale, policy.default_locale.as_str()]
            .into_iter()
            .find_map(|l| policy.list_reasons.get(l)?.get(e.reason))
            .map(String::as_str)
    });
    let case = crate::case_ref::case_ref(&policy.merchant, order);
    let values = crate::template::Values {
        reason,
        expires: entry.and_then(|e| e.expires_at),
        appeal: policy.appeal.as_deref(),
        case: Some(&case),
    };
    let text = crate::template::render(&message.text, &message.locale, &values);
    Message {
        text: Arc::from(text),
        filled: true,
        ..message
    }
}

#[cfg(test)]
mod tests {
    use super::language_is;

    #[test]
    fn language_is_the_text_before_the_first_dash() {
        let locales = [
            "en",
            "en-US",
            "zh-CN",
            "zh-Hant-TW",
            "zh",
            "",
            "-",
            "enx",
            "en-",
        ];
        for locale in locales {
            for want in locales.iter().chain(&["e", "zh-Hant", "EN"]) {
                assert_eq!(
                    language_is(locale, want),
                    locale.split('-').next() == Some(*want),
                    "{locale:?} {want:?}"
                );
            }
        }
    }
}
