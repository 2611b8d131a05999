//! The merchant's policy as data: settings, rules, messages, blocklist entries, catalog
//! items and customer statistics. `source/` produces these from the files a merchant
//! exports, `snapshot/` stores them, `engine/` reads them back. Enums here spell the
//! fixed vocabularies of docs/semantics.md (levels §4.1, identifier kinds §3.1, actions §9.3,
//! scopes §9.2).

use crate::time::{Duration, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Defines a fixed vocabulary from one list: the enum, `ALL` (every value, in order),
/// `NAMES` (their names, same order) and `as_str`, so each name is written once and the
/// rule checker's lists (`rules::schema::LEVELS`, `ISSUES`) are derived, not copied.
macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The names of [`Self::ALL`], in the same order.
            pub const NAMES: &'static [&'static str] = &[$($text),+];

            /// The name rules compare against.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }
    };
}

vocabulary! {
    /// How strongly a customer is listed: `none` < `watch` < `step_up` < `block`.
    #[derive(
        Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
    )]
    #[serde(rename_all = "snake_case")]
    pub enum Level {
        /// Not listed (never stored; the level of a customer no entry matches).
        #[default]
        None = "none",
        /// Watch list: rules may ask for stricter checks.
        Watch = "watch",
        /// Step-up: rules typically ask for verification.
        StepUp = "step_up",
        /// Block: rules typically deny.
        Block = "block",
    }
}

impl Level {
    /// Parses a blocklist `level` cell (`none` is not a valid stored level).
    pub fn parse_stored(text: &str) -> Option<Level> {
        match text {
            "watch" => Some(Level::Watch),
            "step_up" => Some(Level::StepUp),
            "block" => Some(Level::Block),
            _ => None,
        }
    }
}

vocabulary! {
    /// An order issue (docs/semantics.md §7 "Order issues"): a data-quality or tampering finding
    /// that rules read as a name in `order.issues`, listed in this order.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Issue {
        /// No shipping, or a blank recipient name.
        MissingRecipient = "missing_recipient",
        /// Shipping phone blank or not a plausible number.
        InvalidPhone = "invalid_phone",
        /// Province, city or line1 blank.
        IncompleteAddress = "incomplete_address",
        /// A SKU not in a non-empty catalog.
        UnknownSku = "unknown_sku",
        /// A submitted unit price differs from the catalog by more than 0.005.
        PriceMismatch = "price_mismatch",
        /// The order's currency is not the policy's.
        CurrencyMismatch = "currency_mismatch",
        /// A SKU's summed quantity is above its `max_per_order`.
        OverMaxPerOrder = "over_max_per_order",
        /// The same customer submitted the same basket within `duplicate_window`.
        DuplicateRecent = "duplicate_recent",
        /// A SKU's summed quantity is above its catalog `stock` (snapshot format 6 on).
        OutOfStock = "out_of_stock",
        /// A SKU's summed quantity plus what the customer was allowed to buy of it within
        /// the policy's `purchase_window` is above its `max_per_customer` (format 6 on).
        OverCustomerLimit = "over_customer_limit",
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kinds of identifier a blocklist entry can name (docs/semantics.md §3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdKind {
    /// `customer.id`
    CustomerId,
    /// `customer.email`
    Email,
    /// `customer.phone` and `shipping.phone`
    Phone,
    /// `customer.device_id`
    DeviceId,
    /// The shipping address (`province+city+district+line1`)
    Address,
    /// `customer.payment_fingerprint`
    PaymentFingerprint,
    /// `customer.ip`
    Ip,
    /// Pattern: the domain of `customer.email`, sub-domains included (`example.com`).
    EmailDomain,
    /// Pattern: an IPv4 or IPv6 range holding `customer.ip` (`203.0.113.0/24`).
    IpRange,
    /// Pattern: a prefix of `customer.phone` or `shipping.phone` (`+86 170`).
    PhonePrefix,
}

impl IdKind {
    /// Every exact kind (an entry names one identifier), in a fixed order: the kinds of
    /// the `BLKL` header's count slots and of the public profile.
    pub const ALL: [IdKind; 7] = [
        IdKind::CustomerId,
        IdKind::Email,
        IdKind::Phone,
        IdKind::DeviceId,
        IdKind::Address,
        IdKind::PaymentFingerprint,
        IdKind::Ip,
    ];

    /// The pattern kinds (docs/semantics.md §3.3): an entry names a class of identifiers
    /// (a domain, a range, a prefix), matched by looking up each length the snapshot
    /// holds entries of.
    pub const PATTERNS: [IdKind; 3] = [IdKind::EmailDomain, IdKind::IpRange, IdKind::PhonePrefix];

    /// Every kind a `blocklist.csv` row may name: [`Self::ALL`] then [`Self::PATTERNS`]
    /// (also the order of `customer.matched`).
    pub const LISTABLE: [IdKind; 10] = {
        let [a, b, c, d, e, f, g] = IdKind::ALL;
        let [h, i, j] = IdKind::PATTERNS;
        [a, b, c, d, e, f, g, h, i, j]
    };

    /// Whether an entry of this kind names a class of identifiers, not one.
    pub fn is_pattern(self) -> bool {
        matches!(
            self,
            IdKind::EmailDomain | IdKind::IpRange | IdKind::PhonePrefix
        )
    }

    /// The name used in `blocklist.csv` and in `customer.matched`.
    pub fn as_str(self) -> &'static str {
        match self {
            IdKind::CustomerId => "customer_id",
            IdKind::Email => "email",
            IdKind::Phone => "phone",
            IdKind::DeviceId => "device_id",
            IdKind::Address => "address",
            IdKind::PaymentFingerprint => "payment_fingerprint",
            IdKind::Ip => "ip",
            IdKind::EmailDomain => "email_domain",
            IdKind::IpRange => "ip_range",
            IdKind::PhonePrefix => "phone_prefix",
        }
    }

    /// Parses a `kind` cell.
    pub fn parse(text: &str) -> Option<IdKind> {
        IdKind::LISTABLE.into_iter().find(|k| k.as_str() == text)
    }

    /// A small stable number for the kind, mixed into identifier hashes so that the
    /// same string under two kinds never collides.
    pub fn code(self) -> u8 {
        match self {
            IdKind::CustomerId => 0,
            IdKind::Email => 1,
            IdKind::Phone => 2,
            IdKind::DeviceId => 3,
            IdKind::Address => 4,
            IdKind::PaymentFingerprint => 5,
            IdKind::Ip => 6,
            IdKind::EmailDomain => 7,
            IdKind::IpRange => 8,
            IdKind::PhonePrefix => 9,
        }
    }
}

impl fmt::Display for IdKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a rule does when it fires. Declared from least to most severe, so `Ord` is the
/// precedence of docs/semantics.md §9.3 (`deny` > `step_up` > `review` > `warn` > `allow`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Allowlist: suppresses `warn`, `review` and `step_up`, never `deny`.
    Allow,
    /// Let the order through with a customer-facing notice (the rule's message).
    Warn,
    /// Hold for manual review.
    Review,
    /// Ask for a verification (`verify` methods).
    StepUp,
    /// Refuse the order.
    Deny,
}

impl Action {
    /// The contract spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Allow => "allow",
            Action::Warn => "warn",
            Action::Review => "review",
            Action::StepUp => "step_up",
            Action::Deny => "deny",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a `step_up` rule's `verify` methods satisfy it (docs/semantics.md §9.2): one of
/// them (`any`, the default) or every one (`all`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum VerifyMode {
    /// Any one method in `verified` satisfies the rule.
    #[default]
    Any,
    /// Every method must be in `verified`.
    All,
}

impl VerifyMode {
    /// The policy spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            VerifyMode::Any => "any",
            VerifyMode::All => "all",
        }
    }

    /// Whether `verified` satisfies a rule asking for `methods` in this mode.
    pub fn satisfied<'a, M, V>(self, methods: &'a [M], verified: &[V]) -> bool
    where
        M: AsRef<str> + 'a,
        V: AsRef<str>,
    {
        let done = |m: &M| verified.iter().any(|v| v.as_ref() == m.as_ref());
        match self {
            VerifyMode::Any => methods.iter().any(done),
            // An empty list is never "all satisfied": a step_up rule always names one.
            VerifyMode::All => !methods.is_empty() && methods.iter().all(done),
        }
    }

    fn is_default(&self) -> bool {
        *self == VerifyMode::Any
    }
}

/// Whether a rule is evaluated once per order or once per line (with `item` bound).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Once per order.
    #[default]
    Order,
    /// Once per line, with `item` bound to the line.
    Item,
}

/// What a stale snapshot (`now` past its expiry) does to an `allow`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum OnStale {
    /// Keep `allow` (a warning is still added).
    #[default]
    Allow,
    /// Raise `allow` and `warn` to `review`.
    Review,
}

/// What a rule that cannot be evaluated (it ran out of its step budget, overflowed…)
/// does to the order: docs/semantics.md §9, "Rules that fail".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OnError {
    /// Nothing: the rule counts as not firing (the default for `allow` rules).
    Ignore,
    /// Hold the order (its lines, for an item rule) for review (the default for every
    /// other rule).
    Review,
    /// Deny it.
    Deny,
}

/// Where a `+tag` in an e-mail name is dropped before matching (docs/semantics.md §3.2):
/// the policy's `email_plus_tags`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PlusTags {
    /// At the mail providers known to deliver `name+tag@` to `name@` (Gmail, Outlook…).
    #[default]
    Providers,
    /// At every domain: for shops whose customers' own domains do it too, at the risk of
    /// matching a different mailbox whose name holds a `+`.
    Everywhere,
}

impl PlusTags {
    fn is_default(&self) -> bool {
        *self == PlusTags::Providers
    }
}

/// Deserializes the unit-only enums above by their snake_case names, through one shared
/// visitor instead of serde's derive: a derived `Deserialize` costs each enum ~1.3 KB of
/// wasm (its own field and enum visitors for every deserializer), this shared form once
/// per deserializer (docs/BENCHMARKS.md, "Size"). Same calls (`deserialize_enum`, then the
/// variant as an identifier) and the same error texts as the derive, so TOML and snapshot
/// metadata read exactly as before.
mod by_name {
    use serde::de::{self, DeserializeSeed, Deserializer, EnumAccess, VariantAccess, Visitor};
    use std::fmt;

    /// The index in `variants` of the unit variant `d` names.
    pub(super) fn variant<'de, D: Deserializer<'de>>(
        d: D,
        name: &'static str,
        variants: &'static [&'static str],
    ) -> Result<usize, D::Error> {
        d.deserialize_enum(name, variants, Enum { name, variants })
    }

    struct Enum {
        name: &'static str,
        variants: &'static [&'static str],
    }

    impl<'de> Visitor<'de> for Enum {
        type Value = usize;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("enum ")?;
            f.write_str(self.name)
        }

        fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<usize, A::Error> {
            let (index, variant) = data.variant_seed(Name(self.variants))?;
            variant.unit_variant()?;
            Ok(index)
        }
    }

    /// A variant's name (or index, as serde's derive also accepts) → its index.
    struct Name(&'static [&'static str]);

    impl<'de> DeserializeSeed<'de> for Name {
        type Value = usize;

        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<usize, D::Error> {
            d.deserialize_identifier(self)
        }
    }

    impl Visitor<'_> for Name {
        type Value = usize;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("variant identifier")
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<usize, E> {
            match usize::try_from(v) {
                Ok(i) if i < self.0.len() => Ok(i),
                _ => Err(E::invalid_value(
                    de::Unexpected::Unsigned(v),
                    &VariantIndex(self.0.len()),
                )),
            }
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<usize, E> {
            self.0
                .iter()
                .position(|n| *n == v)
                .ok_or_else(|| E::unknown_variant(v, self.0))
        }

        fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<usize, E> {
            self.0
                .iter()
                .position(|n| n.as_bytes() == v)
                .ok_or_else(|| E::unknown_variant(&String::from_utf8_lossy(v), self.0))
        }
    }

    /// serde's derive says `variant index 0 <= i < N`.
    struct VariantIndex(usize);

    impl de::Expected for VariantIndex {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "variant index 0 <= i < {}", self.0)
        }
    }
}

/// `impl Deserialize` for a unit-only enum through [`by_name`]: the type, its name in
/// error messages, and each variant with its snake_case spelling; and `from_name` and
/// `name`, the same table for readers and writers without serde (the snapshot's `META`,
/// `snapshot/meta.rs`; `engine.info()`, `src/json/api.rs`).
macro_rules! deserialize_by_name {
    ($ty:ident, [$($variant:ident = $text:literal),+ $(,)?]) => {
        impl $ty {
            const NAMES: &'static [&'static str] = &[$($text),+];
            const VALUES: &'static [$ty] = &[$($ty::$variant),+];

            /// The variant spelled `name` (snake_case), if any.
            pub(crate) fn from_name(name: &str) -> Option<$ty> {
                let index = Self::NAMES.iter().position(|n| *n == name)?;
                Self::VALUES.get(index).copied()
            }

            /// Its snake_case spelling (the crate's JSON writer, `src/json/write.rs`).
            pub(crate) fn name(self) -> &'static str {
                let index = Self::VALUES.iter().position(|v| *v == self);
                index.and_then(|i| Self::NAMES.get(i)).copied().unwrap_or_default()
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let index = by_name::variant(d, stringify!($ty), Self::NAMES)?;
                Self::VALUES
                    .get(index)
                    .copied()
                    .ok_or_else(|| serde::de::Error::custom("variant index out of range"))
            }
        }
    };
}

deserialize_by_name!(
    Action,
    [
        Allow = "allow",
        Warn = "warn",
        Review = "review",
        StepUp = "step_up",
        Deny = "deny"
    ]
);
deserialize_by_name!(VerifyMode, [Any = "any", All = "all"]);
deserialize_by_name!(Scope, [Order = "order", Item = "item"]);
deserialize_by_name!(OnStale, [Allow = "allow", Review = "review"]);
deserialize_by_name!(
    OnError,
    [Ignore = "ignore", Review = "review", Deny = "deny"]
);
deserialize_by_name!(
    PlusTags,
    [Providers = "providers", Everywhere = "everywhere"]
);

/// One `[[rule]]` of `policy.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    /// Unique, kebab-case.
    pub id: String,
    /// The CEL condition.
    pub when: String,
    /// What firing does.
    pub action: Action,
    /// For `step_up`: the methods that satisfy the rule, as `verify_mode` says.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub verify: Vec<String>,
    /// Whether one `verify` method satisfies the rule or all of them. Omitted from the
    /// snapshot when `any`, so policies without it compile to the same bytes as before;
    /// a snapshot holding `all` is written as format version 3, which older readers
    /// refuse instead of reading it as `any` (docs/snapshot-format.md).
    #[serde(default, skip_serializing_if = "VerifyMode::is_default")]
    pub verify_mode: VerifyMode,
    /// Machine reason code shown to the merchant.
    pub reason: String,
    /// Key into `messages.<locale>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// `order` or `item`.
    #[serde(default)]
    pub scope: Scope,
    /// What the rule does when it cannot be evaluated (`None`: the default, see
    /// [`Rule::error_action`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_error: Option<OnError>,
}

/// The default `purchase_window`: 30 days.
pub const DEFAULT_PURCHASE_WINDOW: Duration = Duration(30 * 86_400 * 1_000_000_000);

impl Policy {
    /// How far back `max_per_customer` counts: `purchase_window`, else 30 days.
    pub fn purchase_window(&self) -> Duration {
        self.purchase_window.unwrap_or(DEFAULT_PURCHASE_WINDOW)
    }
}

impl Rule {
    /// The action an evaluation failure of this rule takes, if any: under doubt a
    /// restricting rule never quietly allows, so `deny`, `step_up` and `review` rules
    /// give `review` unless `on_error` says otherwise; an `allow` rule that fails does
    /// not allowlist.
    pub fn error_action(&self) -> Option<Action> {
        match (self.on_error, self.action) {
            (Some(OnError::Ignore), _) | (None, Action::Allow) => None,
            (Some(OnError::Review), _) | (None, _) => Some(Action::Review),
            (Some(OnError::Deny), _) => Some(Action::Deny),
        }
    }
}

/// `policy.toml`: metadata, settings, rules and messages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Policy {
    /// Merchant name (shown in verdicts and `inspect`).
    pub merchant: String,
    /// ISO 4217 code of the shop's currency, upper case.
    pub currency: String,
    /// Prepended to 11-digit phone numbers starting with `1` (default `86`).
    pub default_country_code: String,
    /// Locale of messages when the caller names none.
    pub default_locale: String,
    /// How long a compiled snapshot stays fresh.
    pub valid_for: Duration,
    /// What a stale snapshot does to `allow`.
    pub on_stale: OnStale,
    /// How far back `duplicate_recent` looks.
    pub duplicate_window: Duration,
    /// Catalog price from which an item is high-value, in the shop's currency.
    pub high_value_threshold: f64,
    /// Where e-mail `+tags` are dropped (omitted from the snapshot when the default).
    #[serde(default, skip_serializing_if = "PlusTags::is_default")]
    pub email_plus_tags: PlusTags,
    /// How far back `max_per_customer` counts what a customer was allowed to buy;
    /// `None` is the default, [`DEFAULT_PURCHASE_WINDOW`] (omitted from the snapshot
    /// then, so older policies compile to the same bytes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purchase_window: Option<Duration>,
    /// Rules in policy order.
    pub rules: Vec<Rule>,
    /// `messages[locale][key] = text`: templates with placeholders from snapshot format
    /// 5 on (`crate::template`), plain text before.
    pub messages: BTreeMap<String, BTreeMap<String, String>>,
    /// `list_reasons[locale][code] = text`: what `{reason}` shows for a list reason code
    /// (omitted from the snapshot when empty, so older policies compile to the same bytes).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub list_reasons: BTreeMap<String, BTreeMap<String, String>>,
    /// Where a customer appeals (an e-mail address or URL), what `{appeal}` shows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appeal: Option<String>,
}

/// One row of `blocklist.csv`, its value already normalized (never stored in clear in a
/// snapshot: only its keyed hash is).
#[derive(Debug, Clone, PartialEq)]
pub struct BlockEntry {
    /// Which identifier it names.
    pub kind: IdKind,
    /// The normalized identifier.
    pub value: String,
    /// `watch`, `step_up` or `block`.
    pub level: Level,
    /// Reason code (`REFUND_ABUSE`…).
    pub reason: String,
    /// When it was added, if known.
    pub added_at: Option<Timestamp>,
    /// When it stops applying; `None` never expires.
    pub expires_at: Option<Timestamp>,
    /// The order lines it restricts (`scope` column); `None`: the whole customer
    /// (docs/semantics.md §4.4).
    pub scope: Option<EntryScope>,
}

/// What a scoped blocklist entry restricts: the order lines of one category, tag or
/// SKU (docs/semantics.md §4.4). Product data, not personal: stored in clear.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EntryScope {
    /// Which line field it compares.
    pub by: ScopeBy,
    /// The category, tag or SKU, as the catalog spells it.
    pub value: String,
}

vocabulary! {
    /// The line field a scoped entry compares (`category:茶具`, `tag:limited_edition`,
    /// `sku:TEA-001`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum ScopeBy {
        /// `item.category` equals the value.
        Category = "category",
        /// `item.tags` holds the value.
        Tag = "tag",
        /// `item.sku` equals the value.
        Sku = "sku",
    }
}

impl EntryScope {
    /// Parses a `scope` cell, `by:value` (`category:茶具`); trimmed around both parts.
    pub fn parse(cell: &str) -> Result<EntryScope, String> {
        let (by, value) = cell.split_once(':').unwrap_or((cell, ""));
        let by = ScopeBy::ALL
            .iter()
            .copied()
            .find(|b| b.as_str() == by.trim())
            .ok_or_else(|| {
                format!(
                    "`{}` is not a scope; write `category:NAME`, `tag:NAME` or `sku:SKU`",
                    cell.trim()
                )
            })?;
        let value = value.trim();
        if value.is_empty() {
            return Err(format!(
                "the scope `{}` names no {}",
                cell.trim(),
                by.as_str()
            ));
        }
        Ok(EntryScope {
            by,
            value: value.to_string(),
        })
    }

    /// Whether an order line with this SKU, category and tags is in the scope.
    pub fn holds(&self, sku: &str, category: &str, tags: &[String]) -> bool {
        match self.by {
            ScopeBy::Category => category == self.value,
            ScopeBy::Tag => tags.contains(&self.value),
            ScopeBy::Sku => sku == self.value,
        }
    }
}

impl fmt::Display for EntryScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.by.as_str(), self.value)
    }
}

/// One row of `catalog.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogItem {
    /// Stock-keeping unit, as given.
    pub sku: String,
    /// Display name.
    pub name: String,
    /// Category.
    pub category: String,
    /// Unit price in minor units of the policy's currency (fen for CNY).
    pub price_minor: i64,
    /// Tags (`high_value`, `limited_edition`…).
    pub tags: Vec<String>,
    /// Maximum quantity per order; 0 when unset.
    pub max_per_order: u32,
    /// Units in stock (the optional `stock` column); `None` when not tracked.
    pub stock: Option<u32>,
    /// Most units one customer may be allowed within the policy's `purchase_window`
    /// across orders (the optional `max_per_customer` column); 0 when unset.
    pub max_per_customer: u32,
}

impl CatalogItem {
    /// Whether the item uses a column that only snapshot format 6 on can hold.
    pub fn has_limits(&self) -> bool {
        self.stock.is_some() || self.max_per_customer > 0
    }
}

/// One row of `customers.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerRecord {
    /// The customer id (stored hashed).
    pub customer_id: String,
    /// What we know of them.
    pub stats: CustomerStats,
}

/// A known customer's history (the numeric columns of `customers.csv`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CustomerStats {
    /// Account creation time, if known.
    pub account_created_at: Option<Timestamp>,
    /// Orders in the last 90 days.
    pub orders_90d: u32,
    /// Refunds in the last 90 days.
    pub refunds_90d: u32,
    /// Chargebacks in the last 365 days.
    pub chargebacks_365d: u32,
    /// Distinct shipping addresses in the last 90 days.
    pub addresses_90d: u32,
}

/// Everything read from a policy source folder, validated and normalized.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicySource {
    /// `policy.toml` / `policy.json`.
    pub policy: Policy,
    /// `blocklist.csv` (empty when absent).
    pub blocklist: Vec<BlockEntry>,
    /// `catalog.csv` (empty when absent).
    pub catalog: Vec<CatalogItem>,
    /// `customers.csv` (empty when absent).
    pub customers: Vec<CustomerRecord>,
}

/// Number of decimal places of a currency's minor unit (ISO 4217), for summing money
/// exactly. Unknown codes get 2, which is right for most currencies.
pub fn currency_exponent(currency: &str) -> u32 {
    match currency.to_ascii_uppercase().as_str() {
        "JPY" | "KRW" | "VND" | "CLP" | "ISK" | "UGX" | "XAF" | "XOF" | "PYG" => 0,
        "BHD" | "KWD" | "OMR" | "JOD" | "TND" | "LYD" | "IQD" => 3,
        _ => 2,
    }
}

/// Converts a price in major units to minor units, rounding to the nearest; `None` for
/// NaN, infinities and amounts beyond ±9e15 minor units (no shop sells that).
pub fn to_minor_units(amount: f64, exponent: u32) -> Option<i64> {
    let scaled = (amount * 10f64.powi(exponent as i32)).round();
    if scaled.is_finite() && scaled.abs() <= 9.0e15 {
        Some(scaled as i64)
    } else {
        None
    }
}

/// Converts minor units back to a major-unit `double` (exact for every sum a shop sees,
/// since the minor-unit integer is below 2^53).
pub fn from_minor_units(minor: i64, exponent: u32) -> f64 {
    minor as f64 / 10f64.powi(exponent as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_names_are_their_serde_names() {
        for (level, name) in Level::ALL.iter().zip(Level::NAMES) {
            assert_eq!(level.as_str(), *name);
            assert_eq!(serde_json::to_value(level).unwrap(), *name);
        }
        assert_eq!(Level::NAMES, ["none", "watch", "step_up", "block"]);
        assert!(
            Level::ALL.windows(2).all(|w| w[0] < w[1]),
            "ALL is in severity order"
        );
    }

    /// A warn rule that cannot be evaluated holds the order for review by default, like
    /// every restricting rule: a notice that could not be decided never quietly allows.
    #[test]
    fn a_failed_warn_rule_counts_as_review_unless_told_otherwise() {
        let rule = |action, on_error| Rule {
            id: "r".into(),
            when: "true".into(),
            action,
            verify: vec![],
            verify_mode: VerifyMode::Any,
            reason: "R".into(),
            message: None,
            scope: Scope::Order,
            on_error,
        };
        assert_eq!(
            rule(Action::Warn, None).error_action(),
            Some(Action::Review)
        );
        assert_eq!(
            rule(Action::Warn, Some(OnError::Ignore)).error_action(),
            None
        );
        assert_eq!(rule(Action::Allow, None).error_action(), None);
        assert!(Action::Allow < Action::Warn && Action::Warn < Action::Review);
    }

    /// The shared `by_name` deserializer reads what `Serialize` writes, for every variant,
    /// and refuses the rest with serde's derive texts (policy errors quote them).
    #[test]
    fn unit_enums_read_their_serialized_names() {
        fn round<T: Serialize + for<'de> Deserialize<'de> + PartialEq + fmt::Debug>(all: &[T]) {
            for v in all {
                let text = serde_json::to_string(v).unwrap();
                assert_eq!(&serde_json::from_str::<T>(&text).unwrap(), v, "{text}");
            }
        }
        round(&[
            Action::Allow,
            Action::Warn,
            Action::Review,
            Action::StepUp,
            Action::Deny,
        ]);
        round(&[VerifyMode::Any, VerifyMode::All]);
        round(&[Scope::Order, Scope::Item]);
        round(&[OnStale::Allow, OnStale::Review]);
        round(&[OnError::Ignore, OnError::Review, OnError::Deny]);
        round(&[PlusTags::Providers, PlusTags::Everywhere]);
        let err = |text: &str| {
            serde_json::from_str::<Action>(text)
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            err(r#""block""#),
            "unknown variant `block`, expected one of `allow`, `warn`, `review`, `step_up`, `deny` at line 1 column 7"
        );
        assert_eq!(err("3"), "expected value at line 1 column 1");
        assert_eq!(
            err(r#"{"deny": 1}"#),
            "invalid type: integer `1`, expected unit at line 1 column 10"
        );
        // The texts serde's derive gave, in TOML too (policy.toml errors quote them).
        let toml_err = |action: &str| {
            let rule = format!("id = \"r\"\nwhen = \"true\"\nreason = \"R\"\naction = {action}\n");
            toml::from_str::<Rule>(&rule).unwrap_err().to_string()
        };
        assert!(toml_err("\"blok\"").contains(
            "unknown variant `blok`, expected one of `allow`, `warn`, `review`, `step_up`, `deny`"
        ));
        assert_eq!(
            toml_err("3"),
            "TOML parse error at line 4, column 10\n  |\n4 | action = 3\n  |          ^\nwanted string or table\n"
        );
        assert_eq!(
            toml_err("{ deny = 1 }"),
            "TOML parse error at line 4, column 19\n  |\n4 | action = { deny = 1 }\n  |                   ^\nexpected table, found integer\n"
        );
    }
}
