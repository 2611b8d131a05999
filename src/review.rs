//! The list's health for the periodic review (`checkout-guard review`, docs/policy.md
//! "Reviewing the list"): which `blocklist.csv` entries have expired or expire soon,
//! which never expire, how the list splits by reason and identifier kind, which entries
//! have been on it longest, and which `customers.csv` customers the policy's own rules
//! would treat more strictly than their listing does.
//!
//! Read from the policy source (the reader `compile` and `lint` use), never from a
//! snapshot: a snapshot holds hashes, no `added_at` and no customer ids. The report is
//! plain data (serialized as the documented JSON of `review --json`) so the CLI's text
//! and the demo page render the same thing.

use crate::diagnostic::Diagnostics;
use crate::engine::fact_builder::history_facts;
use crate::model::{Action, BlockEntry, IdKind, Level, Scope};
use crate::rules::facts::{CustomerFacts, Facts, OrderFacts};
use crate::source::SourceFiles;
use crate::time::{Duration, Timestamp};
use serde::Serialize;
use std::collections::BTreeMap;

/// The review window when none is given: entries expiring within 30 days.
pub const DEFAULT_WITHIN: Duration = Duration(30 * 86_400 * 1_000_000_000);

/// How many entries [`Review::oldest`] lists.
pub const OLDEST_SHOWN: usize = 10;

/// The customer facts a rule may read and still be a candidate criterion: the history
/// columns of `customers.csv` (docs/semantics.md §6.1) and `known`, which is true for
/// every row. A rule reading anything else (the order, the items, the listing) says
/// nothing about a customer on their own.
const HISTORY_FACTS: [&str; 7] = [
    "customer.known",
    "customer.account_age_days",
    "customer.orders_90d",
    "customer.refunds_90d",
    "customer.refund_rate",
    "customer.chargebacks_365d",
    "customer.addresses_90d",
];

/// What to review at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReviewOptions {
    /// The time judged at: an entry has expired when `expires_at <= now`.
    pub now: Timestamp,
    /// How far ahead "expiring soon" looks (default [`DEFAULT_WITHIN`]).
    pub within: Duration,
}

impl ReviewOptions {
    /// At `now`, with the default window.
    pub fn at(now: Timestamp) -> ReviewOptions {
        ReviewOptions {
            now,
            within: DEFAULT_WITHIN,
        }
    }
}

/// The report (its JSON is `review --json`'s, documented in docs/policy.md).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Review {
    /// The policy's `merchant`.
    pub merchant: String,
    /// The time judged at.
    pub now: Timestamp,
    /// The window, in whole seconds.
    pub within_seconds: i64,
    /// Rows of `blocklist.csv` read (a repeated row counts once).
    pub entries: usize,
    /// Entries not expired at `now`.
    pub in_force: usize,
    /// Entries with `expires_at <= now`, earliest expiry first: they no longer apply;
    /// renew or delete them.
    pub expired: Vec<EntryRow>,
    /// Entries with `now < expires_at <= now + within`, earliest expiry first.
    pub expiring: Vec<EntryRow>,
    /// Entries without `expires_at`, by level.
    pub never_expiring: LevelCounts,
    /// Entries by reason code, most entries first (then by code).
    pub by_reason: Vec<Count>,
    /// Entries by identifier kind, in the contract's kind order; kinds with no entry
    /// are left out.
    pub by_kind: Vec<Count>,
    /// Up to [`OLDEST_SHOWN`] entries in force with an `added_at`, oldest first.
    pub oldest: Vec<EntryRow>,
    /// Entries in force without an `added_at` (they cannot be ranked by age).
    pub undated: usize,
    /// The rules used to suggest candidates (see [`Criterion`]), in policy order.
    pub criteria: Vec<Criterion>,
    /// Customers whose statistics meet a criterion that suggests a level above the one
    /// their `customer_id` entries give them, in `customers.csv` order.
    pub candidates: Vec<Candidate>,
}

/// One blocklist entry as the review shows it (the `note` is not read into the model).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntryRow {
    /// Identifier kind.
    pub kind: IdKind,
    /// The normalized value.
    pub value: String,
    /// Its level.
    pub level: Level,
    /// Its reason code.
    pub reason: String,
    /// When it was added, if known.
    pub added_at: Option<Timestamp>,
    /// When it stops applying; `null` never.
    pub expires_at: Option<Timestamp>,
}

impl From<&BlockEntry> for EntryRow {
    fn from(e: &BlockEntry) -> EntryRow {
        EntryRow {
            kind: e.kind,
            value: e.value.clone(),
            level: e.level,
            reason: e.reason.clone(),
            added_at: e.added_at,
            expires_at: e.expires_at,
        }
    }
}

/// Entries per listed level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct LevelCounts {
    /// `watch` entries.
    pub watch: usize,
    /// `step_up` entries.
    pub step_up: usize,
    /// `block` entries.
    pub block: usize,
}

impl LevelCounts {
    fn add(&mut self, level: Level) {
        match level {
            Level::Watch => self.watch += 1,
            Level::StepUp => self.step_up += 1,
            Level::Block => self.block += 1,
            Level::None => {}
        }
    }

    /// The sum over levels.
    pub fn total(&self) -> usize {
        self.watch + self.step_up + self.block
    }
}

/// Entries sharing a reason code or a kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Count {
    /// The reason code or kind name.
    pub name: String,
    /// Entries.
    pub entries: usize,
    /// Of which in force at `now`.
    pub in_force: usize,
}

/// A rule that judges a customer on their history alone, and the level it suggests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Criterion {
    /// The rule's `id`.
    pub rule: String,
    /// Its `when`.
    pub when: String,
    /// Its `action`.
    pub action: Action,
    /// The level it suggests: `deny` → `block`, `step_up` → `step_up`, `review` →
    /// `watch`.
    pub suggests: Level,
}

/// A customer the policy's own rules would treat more strictly than their listing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    /// The `customers.csv` id.
    pub customer_id: String,
    /// The level their unexpired `customer_id` entries give them (`none` unlisted).
    pub level: Level,
    /// The highest level a matching criterion suggests.
    pub suggested: Level,
    /// Ids of the criteria they meet, in policy order.
    pub rules: Vec<String>,
    /// Their statistics, as the rules read them.
    pub stats: CandidateStats,
}

/// The history facts of a candidate (docs/semantics.md §6.1).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CandidateStats {
    /// `orders_90d`
    pub orders_90d: i64,
    /// `refunds_90d`
    pub refunds_90d: i64,
    /// `refund_rate`
    pub refund_rate: f64,
    /// `chargebacks_365d`
    pub chargebacks_365d: i64,
    /// `addresses_90d`
    pub addresses_90d: i64,
    /// `account_age_days` (-1 unknown)
    pub account_age_days: i64,
}

/// Reads the source and reports on its list. A source with errors — those `lint`
/// reports, rule errors included — gives back every diagnostic.
pub fn review(files: &SourceFiles, options: &ReviewOptions) -> Result<Review, Diagnostics> {
    let read = crate::compile::read_checked(files)?;
    let source = read.source;
    let now = options.now;
    let horizon = now.saturating_add(options.within);
    let blocklist = &source.blocklist;
    let in_force = |e: &&BlockEntry| e.expires_at.is_none_or(|x| x > now);

    let by_expiry = |mut rows: Vec<&BlockEntry>| {
        rows.sort_by_key(|e| e.expires_at);
        rows.into_iter().map(EntryRow::from).collect::<Vec<_>>()
    };
    let expired = by_expiry(
        blocklist
            .iter()
            .filter(|e| e.expires_at.is_some_and(|x| x <= now))
            .collect(),
    );
    let expiring = by_expiry(
        blocklist
            .iter()
            .filter(|e| e.expires_at.is_some_and(|x| x > now && x <= horizon))
            .collect(),
    );

    let mut never_expiring = LevelCounts::default();
    for e in blocklist.iter().filter(|e| e.expires_at.is_none()) {
        never_expiring.add(e.level);
    }

    let mut reasons: BTreeMap<&str, Count> = BTreeMap::new();
    let mut kinds: BTreeMap<IdKind, Count> = BTreeMap::new();
    for e in blocklist {
        let live = usize::from(in_force(&e));
        for count in [
            reasons
                .entry(e.reason.as_str())
                .or_insert_with(|| zero_count(&e.reason)),
            kinds
                .entry(e.kind)
                .or_insert_with(|| zero_count(e.kind.as_str())),
        ] {
            count.entries += 1;
            count.in_force += live;
        }
    }
    let mut by_reason: Vec<Count> = reasons.into_values().collect();
    by_reason.sort_by(|a, b| b.entries.cmp(&a.entries).then(a.name.cmp(&b.name)));
    // IdKind's order is the contract's (docs/policy.md, `kind`).
    let by_kind: Vec<Count> = kinds.into_values().collect();

    let mut dated: Vec<&BlockEntry> = blocklist
        .iter()
        .filter(in_force)
        .filter(|e| e.added_at.is_some())
        .collect();
    dated.sort_by_key(|e| e.added_at);
    let oldest = dated
        .into_iter()
        .take(OLDEST_SHOWN)
        .map(EntryRow::from)
        .collect();
    let undated = blocklist
        .iter()
        .filter(in_force)
        .filter(|e| e.added_at.is_none())
        .count();

    let criteria = criteria(&source.policy.rules);
    let candidates = candidates(&source, &criteria, now);

    Ok(Review {
        merchant: source.policy.merchant.clone(),
        now,
        within_seconds: options.within.seconds(),
        entries: blocklist.len(),
        in_force: blocklist.iter().filter(in_force).count(),
        expired,
        expiring,
        never_expiring,
        by_reason,
        by_kind,
        oldest,
        undated,
        criteria: criteria.into_iter().map(|(c, _)| c).collect(),
        candidates,
    })
}

fn zero_count(name: &str) -> Count {
    Count {
        name: name.to_string(),
        entries: 0,
        in_force: 0,
    }
}

/// The level an action suggests for someone who meets its rule on history alone.
fn suggested_level(action: Action) -> Option<Level> {
    match action {
        Action::Deny => Some(Level::Block),
        Action::StepUp => Some(Level::StepUp),
        // A warning on history alone is what the watch level is for (docs/policy.md).
        Action::Review | Action::Warn => Some(Level::Watch),
        Action::Allow => None,
    }
}

/// The policy's order-scoped, non-allow rules that read customer history and nothing
/// else, with their programs (every rule compiles: `read_checked` refused the source
/// otherwise).
fn criteria(rules: &[crate::model::Rule]) -> Vec<(Criterion, crate::rules::Program)> {
    rules
        .iter()
        .filter(|r| r.scope == Scope::Order)
        .filter_map(|r| {
            let suggests = suggested_level(r.action)?;
            let (program, _) = crate::rules::compile(&r.when, Scope::Order).ok()?;
            let read = program.facts_read();
            let history_only = read.iter().all(|f| HISTORY_FACTS.contains(&f.as_str()));
            let reads_numbers = read.iter().any(|f| f != "customer.known");
            (history_only && reads_numbers).then(|| {
                let criterion = Criterion {
                    rule: r.id.clone(),
                    when: r.when.clone(),
                    action: r.action,
                    suggests,
                };
                (criterion, program)
            })
        })
        .collect()
}

/// Each `customers.csv` row judged by every criterion; kept when the highest suggested
/// level is above the customer's current one.
fn candidates(
    source: &crate::model::PolicySource,
    criteria: &[(Criterion, crate::rules::Program)],
    now: Timestamp,
) -> Vec<Candidate> {
    if criteria.is_empty() {
        return Vec::new();
    }
    let mut listed: BTreeMap<&str, Level> = BTreeMap::new();
    for e in &source.blocklist {
        if e.kind == IdKind::CustomerId && e.expires_at.is_none_or(|x| x > now) {
            let level = listed.entry(e.value.as_str()).or_default();
            *level = (*level).max(e.level);
        }
    }
    let mut out = Vec::new();
    for record in &source.customers {
        let level = listed
            .get(record.customer_id.trim())
            .copied()
            .unwrap_or_default();
        let mut customer = CustomerFacts {
            known: true,
            level_certain: true,
            ..CustomerFacts::default()
        };
        history_facts(
            &mut customer,
            record.stats,
            record.stats.account_created_at,
            now,
        );
        let facts = Facts {
            customer,
            order: OrderFacts::default(),
            items: Vec::new(),
            verified: &[],
            now,
        };
        // A rule that fails to evaluate (overflow…) suggests nothing: the review only
        // proposes, a person decides.
        let met: Vec<&Criterion> = criteria
            .iter()
            .filter(|(_, program)| program.eval(&facts, None).unwrap_or(false))
            .map(|(c, _)| c)
            .collect();
        let Some(suggested) = met.iter().map(|c| c.suggests).max() else {
            continue;
        };
        if suggested <= level {
            continue;
        }
        let c = &facts.customer;
        out.push(Candidate {
            customer_id: record.customer_id.clone(),
            level,
            suggested,
            rules: met.iter().map(|c| c.rule.clone()).collect(),
            stats: CandidateStats {
                orders_90d: c.orders_90d,
                refunds_90d: c.refunds_90d,
                refund_rate: c.refund_rate,
                chargebacks_365d: c.chargebacks_365d,
                addresses_90d: c.addresses_90d,
                account_age_days: c.account_age_days,
            },
        });
    }
    out
}

/// A window as policy settings write it (`30d`, `12h`, `1h30m`, `90s`).
pub fn format_window(d: Duration) -> String {
    let mut s = d.seconds().max(0);
    if s == 0 {
        return "0s".to_string();
    }
    let mut out = String::new();
    for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
        if s >= size {
            out.push_str(&format!("{}{unit}", s / size));
            s %= size;
        }
    }
    out
}

#[cfg(test)]
mod tests;
