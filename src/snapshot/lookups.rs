//! A check's blocklist lookups as one batch, so that their cache misses overlap
//! (docs/BENCHMARKS.md, "Latency from 10 k to 10 M entries").
//!
//! A private lookup reads the bucket directory, then the sorted key array: past the
//! caches (10 M entries: a 4 MB directory, an 80 MB array) two dependent cache and TLB
//! misses. Made one after another, with an identifier's normalization and keyed hash
//! between them (hundreds of instructions, more than the CPU's out-of-order window), a
//! check's ~8 lookups pay those misses in sequence, and `check` slows down as the
//! blocklist grows. So a check runs its lookups in three steps:
//!
//! 1. [`Lookups::push`] each identifier: normalized by the caller, hashed here once (the
//!    hash the match uses; nothing is pushed for what can match nothing);
//! 2. [`Snapshot::warm`]: one tight loop of independent loads of every hash's directory
//!    slot, then one of every range's first key (and the customer statistics' slots):
//!    the misses of all lookups are in flight together;
//! 3. [`Snapshot::for_each_batched_match`]: the matching, in push order (the order the
//!    lookups have always run in: the first reason found is listed first), now on cached
//!    lines.
//!
//! The batch lives on the stack (at most [`MAX_LOOKUPS`] hashes): no allocation a check.
//! A public snapshot's lookups go through the same batch (their hash is the bucket
//! prefix) but are not warmed: their tables are small and binary-searched.

use super::format::{id_hash, key_hash, read_u64, BLOCKLIST_KEY_LEN, CUSTOMER_HASH_LEN};
use super::{ListMatch, Snapshot};
use crate::model::{CustomerStats, IdKind};

/// The most lookups a check pushes: customer id, e-mail, device id, payment
/// fingerprint, IP, phone, shipping phone, address (`engine::fact_builder`).
pub const MAX_LOOKUPS: usize = 8;

/// One identifier to look up: its kind and the hash its match uses (the keyed
/// SipHash in a private snapshot, the bucket prefix in a public one).
#[derive(Debug, Clone, Copy)]
struct Probe {
    kind: IdKind,
    hash: u64,
}

/// The blocklist lookups of one check, hashed, in the order they are to be matched
/// (see the module documentation).
#[derive(Debug, Clone)]
pub struct Lookups {
    probes: [Probe; MAX_LOOKUPS],
    len: usize,
    /// Lookups past the array, matched after it and not warmed. The fact builder never
    /// pushes that many; if a new identifier field made it, its lookup must still run
    /// (a dropped lookup would be a listed identifier allowed), so it spills here.
    spilled: Vec<Probe>,
    /// The customer id's keyed hash, for its `customers.csv` statistics (`None`: none
    /// can be found).
    customer: Option<u64>,
}

impl Default for Lookups {
    fn default() -> Lookups {
        Lookups::new()
    }
}

impl Lookups {
    /// An empty batch.
    pub fn new() -> Lookups {
        Lookups {
            probes: [Probe {
                kind: IdKind::CustomerId,
                hash: 0,
            }; MAX_LOOKUPS],
            len: 0,
            spilled: Vec::new(),
            customer: None,
        }
    }

    /// The lookups pushed, in order.
    fn probes(&self) -> &[Probe] {
        self.probes.get(..self.len).unwrap_or(&[])
    }

    fn add(&mut self, kind: IdKind, hash: u64) {
        // The fact builder pushes at most `MAX_LOOKUPS` identifiers, one per field.
        match self.probes.get_mut(self.len) {
            Some(slot) => {
                *slot = Probe { kind, hash };
                self.len += 1;
            }
            None => self.spilled.push(Probe { kind, hash }),
        }
    }

    /// Adds the lookup of `normalized` (already normalized by [`crate::normalize`]) as a
    /// `kind` identifier, hashed now. Nothing is added for what can match nothing, as
    /// [`Snapshot::for_each_match`] finds nothing for it: an empty identifier, a kind
    /// the private blocklist holds none of, a snapshot without its key.
    pub fn push(&mut self, snapshot: &Snapshot, kind: IdKind, normalized: &str) {
        if let Some(hash) = snapshot.probe_hash(kind, normalized) {
            self.add(kind, hash);
        }
    }

    /// Adds the customer id's lookup, and the search for its statistics: one keyed
    /// hash serves both, as in [`Snapshot::customer_id_lookup`].
    pub fn push_customer(&mut self, snapshot: &Snapshot, normalized: &str) {
        let kind = IdKind::CustomerId;
        let keyed = match &snapshot.key {
            Some(key) if !normalized.is_empty() => Some(id_hash(key.as_bytes(), kind, normalized)),
            _ => None,
        };
        self.customer = keyed.filter(|_| snapshot.cust_count > 0);
        match keyed {
            Some(hash) if snapshot.public.is_none() => {
                if snapshot.may_list(kind) {
                    self.add(kind, hash);
                }
            }
            _ => self.push(snapshot, kind, normalized),
        }
    }
}

impl Snapshot {
    /// The hash the lookup of `normalized` as `kind` matches by; `None` when it can
    /// match nothing (an empty identifier, a kind the private blocklist holds none of, a
    /// snapshot without its key).
    pub(super) fn probe_hash(&self, kind: IdKind, normalized: &str) -> Option<u64> {
        if normalized.is_empty() {
            return None;
        }
        if let Some(public) = &self.public {
            return public.prefix_of(kind, normalized).map(u64::from);
        }
        let key = self.key.as_ref()?;
        self.may_list(kind)
            .then(|| id_hash(key.as_bytes(), kind, normalized))
    }

    /// Brings the cache lines the batch's matches will read into the cache, all
    /// lookups' at once (see the module documentation): first the directory slot of
    /// every hash, then the first key of every range. Each loop's loads are
    /// independent of one another, so the CPU overlaps their misses. The loaded values
    /// go to [`std::hint::black_box`] so the loads are not optimized away. A public
    /// snapshot is left alone.
    pub fn warm(&self, lookups: &Lookups) {
        if self.public.is_some() {
            return;
        }
        let bytes: &[u8] = &self.bytes;
        let probes = lookups.probes();
        let customer = lookups.customer.filter(|_| self.cust_count > 0);
        // The directory slots (the customers' own directory for the statistics).
        let mut first = [0usize; MAX_LOOKUPS];
        for (at, p) in first.iter_mut().zip(probes) {
            *at = self.block_dir.start(key_hash(p.hash));
        }
        let cust_first = customer.map(|h| self.cust_dir.start(h));
        // The first key of each range: the line the match scans from.
        let mut acc = 0u64;
        for &i in first.get(..probes.len()).unwrap_or(&[]) {
            acc ^= read_u64(bytes, self.block_keys + i * BLOCKLIST_KEY_LEN).unwrap_or(0);
        }
        if let Some(i) = cust_first {
            acc ^= read_u64(bytes, self.cust_hashes + i * CUSTOMER_HASH_LEN).unwrap_or(0);
        }
        std::hint::black_box(acc);
    }

    /// Calls `f` with the kind and every blocklist entry (expired or not) matching each
    /// of the batch's lookups, lookup by lookup in push order: the same matches, in the
    /// same order, as [`Snapshot::for_each_match`] (and [`Snapshot::customer_id_lookup`]
    /// for the customer id) called one by one.
    pub fn for_each_batched_match<'s>(
        &'s self,
        lookups: &Lookups,
        mut f: impl FnMut(IdKind, ListMatch<'s>),
    ) {
        for &Probe { kind, hash } in lookups.probes().iter().chain(&lookups.spilled) {
            self.for_each_probed_match(kind, hash, |m| f(kind, m));
        }
    }

    /// The entries matching one lookup whose hash is `hash` ([`Snapshot::probe_hash`]):
    /// the one match of a public snapshot's bucket (uncertain, no reason), or every
    /// private entry with that keyed hash. Both the batch and
    /// [`Snapshot::for_each_match`] match through it.
    pub(super) fn for_each_probed_match<'s>(
        &'s self,
        kind: IdKind,
        hash: u64,
        mut f: impl FnMut(ListMatch<'s>),
    ) {
        match &self.public {
            Some(public) => {
                let prefix = u32::try_from(hash).unwrap_or(u32::MAX);
                if let Some(level) = public.lookup_prefix(&self.bytes, kind, prefix) {
                    f(ListMatch {
                        level,
                        reason: "",
                        expires_at: None,
                        certain: false,
                        scope: None,
                    });
                }
            }
            None => self.for_each_hashed_match(hash, f),
        }
    }

    /// The `customers.csv` statistics of the batch's customer id, if any (as
    /// [`Snapshot::customer_normalized`]).
    pub fn batched_customer(&self, lookups: &Lookups) -> Option<CustomerStats> {
        self.customer_by_hash(lookups.customer?)
    }
}

#[cfg(all(test, feature = "compiler"))]
mod tests {
    // The helpers are test code too: a failure should stop loudly.
    #![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;
    use crate::snapshot::{Profile, DEMO_KEY};
    use crate::{compile_files, CompileOptions, SourceFiles, Timestamp};
    use proptest::prelude::*;

    const POLICY: &str = r#"merchant = "shop"
currency = "CNY"
valid_for = "3650d"

[[rule]]
id = "listed"
when = 'customer.level == "block"'
action = "deny"
reason = "LISTED"
"#;

    const CATALOG: &str = "sku,name,category,price,tags,max_per_order
TEA-001,Tea,茶叶,100.00,,
CUP-001,Cup,茶具,50.00,limited_edition,
";

    // Several entries for one identifier (their order is the file's sort order, which
    // both paths must keep), expired ones, scoped ones, every kind.
    const BLOCKLIST: &str = "kind,value,level,reason,added_at,expires_at,note,scope
customer_id,C1,block,FRAUD,,,,
customer_id,C1,watch,REFUND_ABUSE,,2025-01-01T00:00:00Z,expired,
customer_id,C1,step_up,RESELLER,,,,tag:limited_edition
customer_id,C3,watch,CHARGEBACK,,2027-01-01T00:00:00Z,,
email,a@example.com,block,FRAUD,,,,
email,a@example.com,watch,HARASSMENT,,2025-06-01T00:00:00Z,expired,
email,b@example.com,block,RESELLER,,,,category:茶具
phone,13800138000,step_up,FAKE_ADDRESS,,,,
phone,13900139000,block,FRAUD,,2025-01-01T00:00:00Z,expired,
device_id,d1,block,RULE_ABUSE,,,,
payment_fingerprint,pf1,watch,CHARGEBACK,,,,
ip,10.0.0.1,block,FRAUD,,,,
address,浙江省杭州市西湖区文三路1号,watch,FAKE_ADDRESS,,,,
";

    const CUSTOMERS: &str =
        "customer_id,account_created_at,orders_90d,refunds_90d,chargebacks_365d,addresses_90d
C1,2024-03-12T08:00:00Z,3,1,0,1
C2,,24,0,0,7
";

    /// Identifiers to draw from: listed, expired, scoped, unlisted, empty.
    const POOL: &[(IdKind, &str)] = &[
        (IdKind::Email, "a@example.com"),
        (IdKind::Email, "B@Example.com"),
        (IdKind::Email, "z@example.com"),
        (IdKind::Email, ""),
        (IdKind::Phone, "13800138000"),
        (IdKind::Phone, "+86 139 0013 9000"),
        (IdKind::Phone, "13700137000"),
        (IdKind::DeviceId, "d1"),
        (IdKind::DeviceId, "d2"),
        (IdKind::PaymentFingerprint, "pf1"),
        (IdKind::Ip, "10.0.0.1"),
        (IdKind::Ip, "10.0.0.2"),
        (IdKind::Address, "浙江省杭州市西湖区文三路1号"),
        (IdKind::Address, "somewhere else"),
    ];
    const CUSTOMER_IDS: &[&str] = &["C1", "c1", "C2", "C3", "C9", ""];

    fn snapshot(profile: Profile) -> Snapshot {
        let files = SourceFiles::from_pairs([
            ("policy.toml", POLICY),
            ("catalog.csv", CATALOG),
            ("blocklist.csv", BLOCKLIST),
            ("customers.csv", CUSTOMERS),
        ]);
        let options = CompileOptions {
            created_at: Some(Timestamp::parse_rfc3339("2026-11-25T00:00:00Z").unwrap()),
            key: Some(DEMO_KEY),
            profile,
        };
        let compiled = compile_files(&files, &options).unwrap_or_else(|d| panic!("{d}"));
        Snapshot::open(compiled.bytes, Some(&DEMO_KEY)).unwrap()
    }

    type Matches<'s> = Vec<(IdKind, ListMatch<'s>)>;

    /// The lookups one by one, as the fact builder made them before the batch.
    fn one_by_one<'s>(
        s: &'s Snapshot,
        customer: &str,
        others: &[(IdKind, String)],
    ) -> (Matches<'s>, Option<CustomerStats>) {
        let mut out = Vec::new();
        let stats = s.customer_id_lookup(customer, |m| out.push((IdKind::CustomerId, m)));
        for (kind, v) in others {
            s.for_each_match(*kind, v, |m| out.push((*kind, m)));
        }
        (out, stats)
    }

    /// The same lookups as one batch: hashed, warmed, matched.
    fn batched<'s>(
        s: &'s Snapshot,
        customer: &str,
        others: &[(IdKind, String)],
    ) -> (Matches<'s>, Option<CustomerStats>) {
        let mut lookups = Lookups::new();
        lookups.push_customer(s, customer);
        for (kind, v) in others {
            lookups.push(s, *kind, v);
        }
        s.warm(&lookups);
        let mut out = Vec::new();
        s.for_each_batched_match(&lookups, |k, m| out.push((k, m)));
        (out, s.batched_customer(&lookups))
    }

    fn normalized(kind: IdKind, raw: &str) -> String {
        crate::normalize::identifier(kind, raw, "86")
    }

    #[test]
    fn a_listed_customer_and_e_mail_match_the_same_way_both_ways() {
        let s = snapshot(Profile::Private);
        let others = [(IdKind::Email, normalized(IdKind::Email, "a@example.com"))];
        let (one, stats) = one_by_one(&s, "C1", &others);
        assert_eq!((one.clone(), stats), batched(&s, "C1", &others));
        // Expired and scoped entries are reported (the fact builder skips or scopes
        // them), and the statistics are found.
        let now = Timestamp::parse_rfc3339("2026-11-25T00:00:00Z").unwrap();
        assert!(one
            .iter()
            .any(|(_, m)| m.expires_at.is_some_and(|e| e <= now)));
        assert!(one.iter().any(|(_, m)| m.scope.is_some()));
        assert_eq!(one.len(), 5, "{one:?}");
        assert_eq!(stats.map(|s| s.orders_90d), Some(3));
    }

    #[test]
    fn lookups_past_the_array_still_run_in_order() {
        let s = snapshot(Profile::Private);
        // Every listed identifier of the pool, twice over: more than `MAX_LOOKUPS`.
        let others: Vec<(IdKind, String)> = POOL
            .iter()
            .chain(POOL)
            .map(|&(kind, raw)| (kind, normalized(kind, raw)))
            .collect();
        let (one, stats) = one_by_one(&s, "C1", &others);
        let (batch, batch_stats) = batched(&s, "C1", &others);
        assert!(batch.len() > MAX_LOOKUPS, "{}", batch.len());
        assert_eq!((one, stats), (batch, batch_stats));
    }

    proptest! {
        #[test]
        fn the_batch_matches_what_one_by_one_lookups_match_in_the_same_order(
            customer in 0..CUSTOMER_IDS.len(),
            picks in prop::collection::vec(0..POOL.len(), 0..MAX_LOOKUPS),
        ) {
            let customer = normalized(IdKind::CustomerId, CUSTOMER_IDS[customer]);
            let others: Vec<(IdKind, String)> = picks
                .iter()
                .map(|&i| (POOL[i].0, normalized(POOL[i].0, POOL[i].1)))
                .collect();
            // Compiled once for all cases.
            static SNAPSHOTS: std::sync::OnceLock<[Snapshot; 2]> = std::sync::OnceLock::new();
            let snapshots = SNAPSHOTS
                .get_or_init(|| [snapshot(Profile::Private), snapshot(Profile::Public)]);
            for s in snapshots {
                prop_assert_eq!(one_by_one(s, &customer, &others), batched(s, &customer, &others));
            }
        }
    }
}
