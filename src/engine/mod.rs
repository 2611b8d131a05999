//! The engine: holds a loaded snapshot and its compiled rules, turns an order into
//! facts, evaluates the rules and assembles the verdict (docs/semantics.md §6–§9).
//!
//! `check` takes `&mut self` only for the duplicate memory and the counters; everything
//! read on the hot path (snapshot, rules, interned strings) is immutable after load.

mod decide;
pub mod dedup;
pub(crate) mod fact_builder;
mod heavy_hitters;
pub mod identity;
pub mod issues;
pub mod limits;
pub mod order;
mod reload;
mod results_json;
pub mod stats;
pub mod verdict;

pub use dedup::OrderKey;
pub use identity::Identity;
pub use limits::LimitKey;
pub use order::{Order, OrderError};
pub use stats::{Stats, TopSku};
pub use verdict::Verdict;

#[cfg(feature = "compiler")]
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::model::{Action, Rule, Scope};
use crate::rules::{self, Program};
use crate::snapshot::{Snapshot, SnapshotError, SnapshotInfo};
use crate::time::Timestamp;
use serde::Serialize;
use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

/// Per-check options.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// The time to judge at; the clock when `None` (never the order's `created_at`).
    pub now: Option<Timestamp>,
    /// Message locale; the policy's `default_locale` when `None`.
    pub locale: Option<String>,
    /// Given: binding is in effect — the identifiers the caller verified replace the
    /// order's own, and the body's `account_created_at` is never read
    /// (docs/semantics.md §5.3).
    pub identity: Option<Identity>,
    /// Some(seen): a shared duplicate memory outside the engine (edge Durable Object)
    /// already answered whether this order is a duplicate; the engine neither reads nor
    /// records its own memory. None: the engine's own memory, as before.
    pub duplicate: Option<bool>,
    /// Some(units by SKU): a shared purchase memory outside the engine (edge Durable
    /// Object) already answered how many units of each SKU with a `max_per_customer`
    /// this customer was allowed within the `purchase_window`; the engine neither reads
    /// nor records its own. A limited SKU the answer leaves out counts as its limit
    /// reached (fail safe). None: the engine's own memory.
    pub bought: Option<Vec<(String, u64)>>,
}

/// Why bytes could not become an engine.
#[derive(Debug, Clone, PartialEq)]
pub enum LoadError {
    /// The bytes are not a valid snapshot.
    Snapshot(SnapshotError),
    /// The rules inside do not compile with this engine version (snapshot formats 2
    /// and 3, whose rules are text: only a build with the `compiler` feature reads
    /// them; the runtime refuses them with [`SnapshotError::RulesAsText`]).
    #[cfg(feature = "compiler")]
    Rules(Diagnostics),
    /// A reload offered a snapshot created before the one serving, or another snapshot
    /// with the same `created_at` (its version): refused unless forced
    /// (`LoadOptions::force`); the old one keeps serving.
    Rollback {
        /// `created_at` of the snapshot serving.
        serving: Timestamp,
        /// `created_at` of the snapshot offered.
        offered: Timestamp,
    },
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Snapshot(e) => write!(f, "invalid snapshot: {e}"),
            #[cfg(feature = "compiler")]
            LoadError::Rules(d) => write!(
                f,
                "the snapshot's rules do not compile with this engine (recompile the policy with this version of checkout-guard): {d}"
            ),
            LoadError::Rollback { serving, offered } if offered == serving => write!(
                f,
                "refusing to replace the snapshot serving with another one of the same version (created_at {offered}): created_at is the version, so a new snapshot needs a later one (recompile without --created-at, or force the load to replace it on purpose)"
            ),
            LoadError::Rollback { serving, offered } => write!(
                f,
                "refusing to roll back: the snapshot offered was created at {offered}, before the one serving ({serving}); load a newer one, or force the load to roll back on purpose"
            ),
        }
    }
}

impl std::error::Error for LoadError {}

impl From<SnapshotError> for LoadError {
    fn from(e: SnapshotError) -> Self {
        LoadError::Snapshot(e)
    }
}

/// A rule ready to evaluate, with its strings interned for verdicts.
#[derive(Debug, Clone)]
pub(crate) struct CompiledRule {
    pub id: Arc<str>,
    pub code: Arc<str>,
    pub action: Action,
    pub scope: Scope,
    pub verify: Vec<Arc<str>>,
    pub verify_mode: crate::model::VerifyMode,
    pub message: Option<Arc<str>>,
    /// The text of `message` in each of [`Loaded::locales`], by index (empty without a
    /// message): resolved at load, so a check finds its message without searching the
    /// message tables by string.
    pub messages: Vec<Option<Arc<str>>>,
    pub program: Program,
    /// What the rule does when it cannot be evaluated (`Rule::error_action`).
    pub on_error: Option<Action>,
}

/// A verdict with what explains it ([`Engine::explain`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    /// The verdict, exactly as [`Engine::check`] returns it.
    pub verdict: Verdict,
    /// The facts the rules read, as [`Engine::facts`] returns them.
    pub facts: serde_json::Value,
    /// Ids of firing rules (in `verdict.reasons`) whose action an `allow` rule
    /// suppressed, in policy order; empty when no `allow` rule fired or a `deny` did.
    pub suppressed: Vec<Arc<str>>,
}

/// The settings of a policy (the top of `policy.toml`), as a caller may show them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Settings<'a> {
    /// ISO 4217 code of the shop's currency.
    pub currency: &'a str,
    /// Prepended to 11-digit phone numbers starting with `1`.
    pub default_country_code: &'a str,
    /// Locale of messages when the caller names none.
    pub default_locale: &'a str,
    /// Catalog price from which an item is high-value, in the shop's currency.
    pub high_value_threshold: f64,
    /// What a stale snapshot does to `allow`.
    pub on_stale: crate::model::OnStale,
    /// How far back `duplicate_recent` looks, in seconds.
    pub duplicate_window_seconds: i64,
    /// How far back `item.bought_in_window` counts purchases, in seconds.
    pub purchase_window_seconds: i64,
    /// How long a compiled snapshot stays fresh, in seconds.
    pub valid_for_seconds: i64,
    /// Where e-mail `+tags` are dropped before matching.
    pub email_plus_tags: crate::model::PlusTags,
}

/// The loaded state that a reload replaces as a whole.
#[derive(Debug)]
pub(crate) struct Loaded {
    pub snapshot: Snapshot,
    pub rules: Vec<CompiledRule>,
    /// The locales the policy has messages in, in order (each rule's `messages` follow it).
    pub locales: Vec<Arc<str>>,
    /// Messages are templates (snapshot format 5 on, `crate::template`).
    pub templates: bool,
    pub snapshot_ref: verdict::SnapshotRef,
    pub threshold_minor: i64,
    pub exponent: u32,
    /// Some catalog item has a `max_per_customer`: only then are purchases counted.
    pub limited: bool,
}

/// A map read from a `BTreeMap`'s iteration, so already sorted by key: a `Vec` and a
/// binary search instead of collecting into another `BTreeMap`, whose `from_iter` sorts
/// again, one stable-sort instantiation per key and value type (~4 KB each in wasm).
#[derive(Debug)]
pub(crate) struct Sorted<V>(Vec<(String, V)>);

impl<V> Sorted<V> {
    /// `entries` in ascending key order, without repeats (a `BTreeMap`'s iteration).
    fn of(entries: impl Iterator<Item = (String, V)>) -> Sorted<V> {
        Sorted(entries.collect())
    }

    /// The value of `key`, looked up as `BTreeMap::get` takes it.
    pub fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        String: std::borrow::Borrow<Q>,
    {
        use std::borrow::Borrow;
        let at = self.0.binary_search_by(|(k, _)| k.borrow().cmp(key)).ok()?;
        self.0.get(at).map(|(_, v)| v)
    }
}

/// A loaded policy ready to check orders.
#[derive(Debug)]
pub struct Engine {
    loaded: Loaded,
    dedup: dedup::DuplicateMemory,
    purchases: limits::PurchaseMemory,
    stats: stats::Counters,
}

impl Engine {
    /// An engine on snapshot bytes (validated, checksum verified, rules decoded and
    /// validated, or compiled from their text with the `compiler` feature) given no key:
    /// only a snapshot compiled with the published demo key loads
    /// ([`Snapshot::from_bytes`]); use [`Engine::open`] for a merchant's.
    pub fn from_bytes(bytes: impl Into<Cow<'static, [u8]>>) -> Result<Engine, LoadError> {
        Engine::new(Snapshot::from_bytes(bytes)?)
    }

    /// An engine on snapshot bytes and the merchant key they were compiled with
    /// ([`Snapshot::open`]: a wrong key is refused before any rule runs).
    pub fn open(
        bytes: impl Into<Cow<'static, [u8]>>,
        key: Option<&crate::snapshot::SnapshotKey>,
    ) -> Result<Engine, LoadError> {
        Engine::new(Snapshot::open(bytes, key)?)
    }

    /// An engine on a loaded snapshot.
    pub fn new(snapshot: Snapshot) -> Result<Engine, LoadError> {
        let loaded = prepare(snapshot)?;
        Ok(Engine {
            stats: stats::Counters::new(&loaded),
            loaded,
            dedup: dedup::DuplicateMemory::default(),
            purchases: limits::PurchaseMemory::default(),
        })
    }

    /// Replaces the snapshot atomically: on error the engine keeps the old one. The
    /// duplicate memory is kept (it is about customers, not policies). Given no key,
    /// like [`Engine::from_bytes`]; an older snapshot than the one serving is refused
    /// ([`LoadError::Rollback`]; [`Engine::load_with`] takes a key, a public key and
    /// `force`).
    pub fn load(&mut self, bytes: impl Into<Cow<'static, [u8]>>) -> Result<(), LoadError> {
        self.load_with(bytes, &crate::snapshot::LoadOptions::default())
    }

    /// [`Engine::load`] of a snapshot already read (say, to check its merchant first):
    /// refused if older than the one serving.
    pub fn load_snapshot(&mut self, snapshot: Snapshot) -> Result<(), LoadError> {
        self.load_snapshot_with(snapshot, &crate::snapshot::LoadOptions::default())
    }

    /// The snapshot in use.
    pub fn snapshot(&self) -> &Snapshot {
        &self.loaded.snapshot
    }

    /// What the snapshot in use is.
    pub fn info(&self) -> &SnapshotInfo {
        self.loaded.snapshot.info()
    }

    /// Counters since creation or the last [`Engine::reset_stats`]: by decision, rule,
    /// reason code, list reason, category and the top SKUs (docs/semantics.md §11.2).
    pub fn stats(&self) -> Stats {
        self.stats.report(&self.loaded, self.dedup.len())
    }

    /// Starts every counter of [`Engine::stats`] afresh, except `loads`; the duplicate
    /// memory is kept (it is state, not a count).
    pub fn reset_stats(&mut self) {
        self.stats.reset(&self.loaded);
    }

    /// The fact paths each rule reads, by rule id (for explaining verdicts).
    pub fn rule_facts(&self) -> Vec<(String, Vec<String>)> {
        self.loaded
            .rules
            .iter()
            .map(|r| (r.id.to_string(), r.program.facts_read()))
            .collect()
    }

    /// Judges one order.
    pub fn check(&mut self, order: &Order, options: &CheckOptions) -> Verdict {
        self.judge(Cow::Borrowed(order), options)
    }

    /// [`Engine::check`] of an order the caller no longer needs: binding an identity
    /// then changes it in place instead of copying it (the JSON and JS entry points).
    pub fn check_owned(&mut self, order: Order, options: &CheckOptions) -> Verdict {
        self.judge(Cow::Owned(order), options)
    }

    fn judge(&mut self, order: Cow<'_, Order>, options: &CheckOptions) -> Verdict {
        let p = self.prepare(order, options);
        let verdict = decide::decide(
            &self.loaded,
            &p.order,
            p.inputs(),
            options.locale.as_deref(),
            &mut self.stats,
        );
        // A shared memory's answer leaves the engine's own untouched: the caller records
        // the order there.
        if let (Some(k), None) = (p.key, options.duplicate) {
            self.dedup.record(k.customer, k.basket, k.order_id, p.now);
        }
        // What the engine let through counts against the customer's limits; a shared
        // memory's answer is recorded there by the caller.
        let allowed = matches!(verdict.decision, Action::Allow | Action::Warn);
        if allowed && options.bought.is_none() {
            self.record_purchases(&p);
        }
        verdict
    }

    /// The facts the rules would read for `order` (docs/semantics.md §6), as JSON — `customer`,
    /// `order`, `items`, `verified`, `now` — to explain a verdict next to
    /// [`Engine::rule_facts`]. Read-only: the duplicate memory is consulted, not updated.
    pub fn facts(&self, order: &Order, options: &CheckOptions) -> serde_json::Value {
        let p = self.prepare(Cow::Borrowed(order), options);
        let facts = fact_builder::build(&self.loaded, &p.order, p.inputs());
        serde_json::to_value(&facts).unwrap_or(serde_json::Value::Null)
    }

    /// [`Engine::check`] plus what explains the verdict: the facts the rules read (as
    /// [`Engine::facts`] gives them, before the check records the order) and the firing
    /// rules an `allow` rule suppressed. Records the order and moves the counters as
    /// `check` does; the verdict is the one `check` would return.
    pub fn explain(&mut self, order: &Order, options: &CheckOptions) -> Explanation {
        let (verdict, facts, suppressed) = self.explain_with(order, options, Engine::facts);
        Explanation {
            verdict,
            facts,
            suppressed,
        }
    }

    /// [`Engine::explain`]'s steps with the facts given by `facts` ([`Engine::facts`], or
    /// their JSON text for the wasm runtime, `results_json.rs`).
    pub(crate) fn explain_with<F>(
        &mut self,
        order: &Order,
        options: &CheckOptions,
        facts: fn(&Engine, &Order, &CheckOptions) -> F,
    ) -> (Verdict, F, Vec<Arc<str>>) {
        // One `now` for the facts and the check, even when the caller gave none.
        let options = CheckOptions {
            now: Some(options.now.unwrap_or_else(Timestamp::now)),
            ..options.clone()
        };
        let facts = facts(self, order, &options);
        let verdict = self.check(order, &options);
        let suppressed = decide::suppressed(&verdict.reasons);
        (verdict, facts, suppressed)
    }

    /// What a shared duplicate memory needs to know about `order` under `options`
    /// (only `options.identity` is read): the customer and basket digests, the bound
    /// order id's digest and the policy's window; `None` for an anonymous order, which
    /// is never a duplicate. The digests are those of the engine's own memory, so a
    /// caller keeping the memory elsewhere (an edge Durable Object keyed by
    /// `customer`) answers `CheckOptions::duplicate` as the engine would.
    pub fn order_key(&self, order: &Order, options: &CheckOptions) -> Option<OrderKey> {
        let identity = options.identity.as_ref();
        self.key_of(&identity::bind(Cow::Borrowed(order), identity), identity)
    }

    /// What a shared purchase memory needs to know about `order` under `options` (only
    /// `options.identity` is read): the order's identity digests, the bound order id's
    /// digest, the `purchase_window`, and the units of each SKU with a
    /// `max_per_customer`; `None` when the order has no limited SKU or no identifier.
    /// A caller keeping the memory elsewhere (an edge Durable Object per identity)
    /// answers `CheckOptions::bought` from it as the engine's own memory would.
    pub fn limit_key(&self, order: &Order, options: &CheckOptions) -> Option<LimitKey> {
        if !self.loaded.limited {
            return None;
        }
        let identity = options.identity.as_ref();
        let bound = identity::bind(Cow::Borrowed(order), identity);
        let skus = self.limited_skus(&bound);
        if skus.is_empty() {
            return None;
        }
        let policy = self.loaded.snapshot.policy();
        let identities = limits::identities(&bound, &crate::normalize::Rules::of(policy));
        (!identities.is_empty()).then(|| LimitKey {
            identities,
            order_id: dedup::id_hash(identity.and_then(|i| i.order_id.as_deref())),
            window: policy.purchase_window(),
            skus,
        })
    }

    /// The policy settings of the snapshot in use (currency, locale, thresholds…).
    pub fn settings(&self) -> Settings<'_> {
        let policy = self.loaded.snapshot.policy();
        Settings {
            currency: &policy.currency,
            default_country_code: &policy.default_country_code,
            default_locale: &policy.default_locale,
            high_value_threshold: policy.high_value_threshold,
            on_stale: policy.on_stale,
            duplicate_window_seconds: policy.duplicate_window.seconds(),
            purchase_window_seconds: policy.purchase_window().seconds(),
            valid_for_seconds: policy.valid_for.seconds(),
            email_plus_tags: policy.email_plus_tags,
        }
    }

    /// What `check` and `facts` share: the order bound (§5.3), its duplicate key, whether
    /// it is a duplicate (the caller's answer, else the engine's memory), what the
    /// customer already bought of its limited SKUs and the bound kinds, at one `now`.
    fn prepare<'o>(&self, order: Cow<'o, Order>, options: &CheckOptions) -> Prepared<'o> {
        let now = options.now.unwrap_or_else(Timestamp::now);
        let identity = options.identity.as_ref();
        let order = identity::bind(order, identity);
        let key = self.key_of(&order, identity);
        let duplicate = self.is_duplicate(key.as_ref(), options.duplicate, now);
        // The key hashed the bound order id already, when the order has a key.
        let order_id = match &key {
            Some(k) => k.order_id,
            None => dedup::id_hash(identity.and_then(|i| i.order_id.as_deref())),
        };
        let limited = self.limited_skus(&order);
        let identities = match (&limited[..], &options.bought) {
            // The engine's own memory answers and records: under the order's identities.
            ([_, ..], None) => limits::identities(
                &order,
                &crate::normalize::Rules::of(self.loaded.snapshot.policy()),
            ),
            _ => Vec::new(),
        };
        let bought = self.bought(
            &limited,
            &identities,
            order_id,
            options.bought.as_deref(),
            now,
        );
        Prepared {
            order,
            key,
            now,
            duplicate,
            bound: identity.map(Identity::bound_kinds).unwrap_or_default(),
            order_id,
            identities,
            limited,
            bought,
        }
    }

    /// Each distinct SKU of `order` with a `max_per_customer`, in the order its lines
    /// first name it, with its units summed over those lines. Empty (no allocation) when
    /// the catalog limits no SKU or the order has none.
    fn limited_skus(&self, order: &Order) -> Vec<(String, u64)> {
        let mut skus: Vec<(String, u64)> = Vec::new();
        if !self.loaded.limited {
            return skus;
        }
        for line in &order.items {
            match skus.iter_mut().find(|(s, _)| *s == line.sku) {
                Some((_, units)) => *units = units.saturating_add(line.quantity),
                None if self.max_per_customer(&line.sku) > 0 => {
                    skus.push((line.sku.clone(), line.quantity));
                }
                None => {}
            }
        }
        skus
    }

    /// Whether some line of `order` is of a SKU with a `max_per_customer` (whether its
    /// verdict depends on, and adds to, the purchase memory). For the parallel backtest,
    /// which wasm does not build.
    #[cfg(not(target_arch = "wasm32"))]
    pub(crate) fn has_limited_sku(&self, order: &Order) -> bool {
        self.loaded.limited
            && order
                .items
                .iter()
                .any(|l| self.max_per_customer(&l.sku) > 0)
    }

    /// The catalog's `max_per_customer` of `sku` (0: no limit, or not in the catalog).
    fn max_per_customer(&self, sku: &str) -> u32 {
        self.loaded
            .snapshot
            .catalog_item(sku)
            .map_or(0, |i| i.max_per_customer)
    }

    /// For each of the order's `limited` SKUs, the units bought within the
    /// `purchase_window`: the caller's answer (a SKU it leaves out at its limit), else
    /// the engine's memory under `identities`.
    fn bought(
        &self,
        limited: &[(String, u64)],
        identities: &[u64],
        order_id: Option<u64>,
        answer: Option<&[(String, u64)]>,
        now: Timestamp,
    ) -> Vec<(String, u64)> {
        let window = self.loaded.snapshot.policy().purchase_window();
        limited
            .iter()
            .map(|(sku, _)| {
                let units = match answer {
                    Some(answer) => answer
                        .iter()
                        .find(|(s, _)| s == sku)
                        .map_or(u64::from(self.max_per_customer(sku)), |&(_, n)| n),
                    None => self.purchases.bought(
                        identities,
                        limits::sku_digest(sku),
                        order_id,
                        now,
                        window,
                    ),
                };
                (sku.clone(), units)
            })
            .collect()
    }

    /// Records the units of each limited SKU of an allowed order under its identities.
    fn record_purchases(&mut self, p: &Prepared<'_>) {
        let window = self.loaded.snapshot.policy().purchase_window();
        for (sku, units) in &p.limited {
            let digest = limits::sku_digest(sku);
            self.purchases
                .record(&p.identities, digest, p.order_id, *units, p.now, window);
        }
    }

    /// The key of an order already bound ([`identity::bind`]): only a bound order id
    /// counts (docs/semantics.md §5.3, the re-check exemption).
    fn key_of(&self, bound: &Order, identity: Option<&Identity>) -> Option<OrderKey> {
        let policy = self.loaded.snapshot.policy();
        let (customer, basket) = dedup::key(bound, &crate::normalize::Rules::of(policy))?;
        Some(OrderKey {
            customer,
            basket,
            order_id: dedup::id_hash(identity.and_then(|i| i.order_id.as_deref())),
            window: policy.duplicate_window,
        })
    }

    /// Whether the order is a recent duplicate: the caller's answer when it gave one,
    /// else whether the engine's memory has seen its key within the window under another
    /// (or no) bound order id.
    fn is_duplicate(&self, key: Option<&OrderKey>, answer: Option<bool>, now: Timestamp) -> bool {
        if let Some(seen) = answer {
            return seen;
        }
        key.is_some_and(|k| self.dedup.is_duplicate(k.basket, k.order_id, now, k.window))
    }

    /// Parses an order from JSON text and judges it.
    pub fn check_json(
        &mut self,
        json: &str,
        options: &CheckOptions,
    ) -> Result<Verdict, OrderError> {
        Ok(self.check_owned(Order::from_json(json)?, options))
    }
}

/// An order ready to judge ([`Engine::prepare`]).
struct Prepared<'o> {
    /// The order with the caller's identity applied (borrowed when there is none).
    order: Cow<'o, Order>,
    key: Option<OrderKey>,
    now: Timestamp,
    duplicate: bool,
    bound: Vec<&'static str>,
    /// The bound order id's digest (a re-check replaces its purchase).
    order_id: Option<u64>,
    /// The order's identity digests ([`limits::identities`]): only when it has a limited
    /// SKU and the engine's own memory answers.
    identities: Vec<u64>,
    /// The order's limited SKUs and its units of each ([`Engine::limited_skus`]).
    limited: Vec<(String, u64)>,
    /// Units bought before, by limited SKU of the order.
    bought: Vec<(String, u64)>,
}

impl Prepared<'_> {
    fn inputs(&self) -> fact_builder::Inputs<'_> {
        fact_builder::Inputs {
            now: self.now,
            duplicate: self.duplicate,
            bound: &self.bound,
            bought: &self.bought,
        }
    }
}

/// How a build reads rules stored only as text (snapshot formats 2 and 3): with the
/// `compiler` feature it compiles them as before; the runtime has no compiler (`None`)
/// and refuses such a snapshot with the remedy ([`SnapshotError::RulesAsText`]).
#[cfg(feature = "compiler")]
pub(crate) type TextCompiler = fn(&str, Scope) -> Result<Program, Vec<Diagnostic>>;
/// The runtime has no text compiler: no value of this type exists, so the runtime links
/// neither the diagnostics of `LoadError::Rules` nor their rendering.
#[cfg(not(feature = "compiler"))]
pub(crate) type TextCompiler = std::convert::Infallible;

#[cfg(feature = "compiler")]
const TEXT_COMPILER: Option<TextCompiler> =
    Some(|when, scope| rules::compile(when, scope).map(|(program, _warnings)| program));
#[cfg(not(feature = "compiler"))]
const TEXT_COMPILER: Option<TextCompiler> = None;

/// Builds the snapshot's rules and interns what verdicts repeat.
fn prepare(snapshot: Snapshot) -> Result<Loaded, LoadError> {
    prepare_with(snapshot, TEXT_COMPILER)
}

/// [`prepare`] with the given way of reading rules stored as text.
pub(crate) fn prepare_with(
    snapshot: Snapshot,
    text: Option<TextCompiler>,
) -> Result<Loaded, LoadError> {
    let mut rules = match snapshot.programs() {
        Some(stored) => decoded_rules(snapshot.policy(), &stored)?,
        None => match text {
            #[cfg(feature = "compiler")]
            Some(compile) => compiled_rules(snapshot.policy(), compile)?,
            #[cfg(not(feature = "compiler"))]
            Some(never) => match never {},
            None => {
                return Err(LoadError::Snapshot(SnapshotError::RulesAsText {
                    version: snapshot.info().format_version,
                }))
            }
        },
    };
    let policy = snapshot.policy();
    let messages = Sorted::of(policy.messages.iter().map(|(locale, table)| {
        let table = Sorted::of(
            table
                .iter()
                .map(|(k, v)| (k.clone(), Arc::from(v.as_str()))),
        );
        (locale.clone(), table)
    }));
    let locales = policy
        .messages
        .keys()
        .map(|l| Arc::from(l.as_str()))
        .collect();
    // `messages[locale][key]`, one `Arc` per text (the verdict's JS side finds a text
    // again by its `Arc`), then each rule's text in every locale, in `locales`' order.
    for rule in &mut rules {
        if let Some(key) = &rule.message {
            rule.messages = messages
                .0
                .iter()
                .map(|(_, t)| t.get(&**key).cloned())
                .collect();
        }
    }
    let info = snapshot.info();
    let snapshot_ref = verdict::SnapshotRef {
        merchant: Arc::from(info.merchant.as_str()),
        version: Arc::from(info.version.as_str()),
        expires_at: Arc::from(info.expires_at.as_str()),
    };
    let exponent = crate::model::currency_exponent(&policy.currency);
    let limited = snapshot.catalog().iter().any(|i| i.max_per_customer > 0);
    let threshold_minor =
        crate::model::to_minor_units(policy.high_value_threshold, exponent).unwrap_or(i64::MAX);
    Ok(Loaded {
        rules,
        locales,
        templates: info.format_version >= crate::snapshot::TEMPLATES_VERSION,
        snapshot_ref,
        threshold_minor,
        exponent,
        limited,
        snapshot,
    })
}

/// The rules from their stored programs (format 4 on), each decoded and validated
/// (`rules::decode_program`): a program that does not validate refuses the snapshot.
fn decoded_rules(
    policy: &crate::model::Policy,
    stored: &crate::snapshot::RulePrograms<'_>,
) -> Result<Vec<CompiledRule>, LoadError> {
    let mut rules = Vec::with_capacity(policy.rules.len());
    for (rule, bytes) in policy.rules.iter().zip(&stored.programs) {
        let program = rules::decode_program(bytes, &stored.names, rule.scope).map_err(|why| {
            LoadError::Snapshot(SnapshotError::BadSection {
                section: "PROG".into(),
                problem: format!("the program of rule `{}` is invalid: {why}", rule.id),
            })
        })?;
        rules.push(compiled(rule, program));
    }
    Ok(rules)
}

/// The rules compiled from their text (formats 2 and 3, in a build with the compiler).
#[cfg(feature = "compiler")]
fn compiled_rules(
    policy: &crate::model::Policy,
    compile: TextCompiler,
) -> Result<Vec<CompiledRule>, LoadError> {
    let mut errors = Vec::new();
    let mut rules = Vec::with_capacity(policy.rules.len());
    for rule in &policy.rules {
        match compile(&rule.when, rule.scope) {
            Ok(program) => rules.push(compiled(rule, program)),
            Err(diags) => errors.extend(diags.into_iter().map(|d: Diagnostic| d.in_rule(&rule.id))),
        }
    }
    if !errors.is_empty() {
        return Err(LoadError::Rules(Diagnostics(errors)));
    }
    Ok(rules)
}

fn compiled(rule: &Rule, program: Program) -> CompiledRule {
    CompiledRule {
        id: Arc::from(rule.id.as_str()),
        code: Arc::from(rule.reason.as_str()),
        action: rule.action,
        scope: rule.scope,
        verify: rule.verify.iter().map(|v| Arc::from(v.as_str())).collect(),
        verify_mode: rule.verify_mode,
        message: rule.message.as_deref().map(Arc::from),
        messages: Vec::new(),
        program,
        on_error: rule.error_action(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::SnapshotKey;

    #[test]
    fn sorted_finds_every_key_of_a_btreemap_and_nothing_else() {
        let map: std::collections::BTreeMap<String, u32> =
            [("fr", 1), ("de", 2), ("en-US", 3), ("en", 4)]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect();
        let sorted = Sorted::of(map.clone().into_iter());
        for (k, v) in &map {
            assert_eq!(sorted.get(k), Some(v));
        }
        for missing in ["", "e", "en-GB", "zz", "EN"] {
            assert_eq!(sorted.get(missing), None);
        }
        assert_eq!(Sorted::<u32>::of(std::iter::empty()).get("en"), None);
    }

    fn fixture(name: &str) -> Snapshot {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name);
        let key = SnapshotKey::from_bytes(*b"test-key-16bytes");
        Snapshot::open(std::fs::read(path).unwrap(), Some(&key)).unwrap()
    }

    /// The runtime (no `compiler` feature) runs only stored programs: a snapshot whose
    /// rules are only text is refused with the remedy, one with programs loads.
    #[test]
    fn without_the_compiler_only_compiled_rules_load() {
        let err = prepare_with(fixture("v2-minimal.snapshot"), None).unwrap_err();
        assert_eq!(
            err,
            LoadError::Snapshot(SnapshotError::RulesAsText { version: 2 })
        );
        let text = err.to_string();
        assert!(text.contains("holds its rules only as text"), "{text}");
        assert!(text.contains("checkout-guard compile"), "{text}");
        let loaded = prepare_with(fixture("v4-minimal.snapshot"), None).unwrap();
        assert_eq!(loaded.rules.len(), 3);
        // With the compiler, the text is compiled as before, to the same programs.
        let text_rules = prepare_with(fixture("v2-minimal.snapshot"), TEXT_COMPILER).unwrap();
        let facts = |l: &Loaded| -> Vec<Vec<String>> {
            l.rules.iter().map(|r| r.program.facts_read()).collect()
        };
        assert_eq!(facts(&text_rules), facts(&loaded));
    }
}
