/**
 * The decision of a verdict, from least to most severe (docs/semantics.md §9.3).
 * `"warn"` lets the order through like `"allow"`, with the warn rule's `message` as a
 * notice the checkout shows the customer.
 */
export type Decision = "allow" | "warn" | "review" | "step_up" | "deny";

/** A time: a `Date`, RFC 3339 text (`"2026-11-25T10:00:00Z"`) or epoch milliseconds. */
export type TimeInput = Date | string | number;

/** `order.customer`: identifiers as the checkout knows them. Every field is optional. */
export interface OrderCustomer {
  id?: string | null;
  email?: string | null;
  phone?: string | null;
  device_id?: string | null;
  payment_fingerprint?: string | null;
  ip?: string | null;
  /** RFC 3339; used when customers.csv does not know the customer. */
  account_created_at?: string | null;
}

/** `order.shipping`: the recipient. */
export interface OrderShipping {
  name?: string | null;
  phone?: string | null;
  province?: string | null;
  city?: string | null;
  district?: string | null;
  line1?: string | null;
}

/** One order line. */
export interface OrderItem {
  sku: string;
  /** A positive integer. */
  quantity: number;
  /** The price the checkout shows, in major units (168.0 = ¥168). */
  unit_price?: number | null;
}

/** An order as a checkout submits it (docs/semantics.md §5). Unknown fields are ignored. */
export interface Order {
  order_id?: string | null;
  /** RFC 3339. Read by rules as `order.created_at`; never used as `now` by `check`. */
  created_at?: string | null;
  currency?: string | null;
  channel?: string | null;
  customer?: OrderCustomer | null;
  shipping?: OrderShipping | null;
  items: OrderItem[];
  /** Verification methods already completed (`"sms_otp"`…). */
  verified?: string[] | null;
  [extra: string]: unknown;
}

/** Options of `check` and `checkMany`. */
/**
 * What the rules can read about an order (docs/semantics.md §6), as
 * `engine.facts(order)` returns it, to explain a verdict next to `engine.ruleFacts()`.
 */
export interface Facts {
  customer: {
    level: "none" | "watch" | "step_up" | "block";
    level_certain: boolean;
    listed: boolean;
    reasons: string[];
    matched: string[];
    known: boolean;
    account_age_days: number;
    orders_90d: number;
    refunds_90d: number;
    refund_rate: number;
    chargebacks_365d: number;
    addresses_90d: number;
    /** Identifier kinds the caller bound (`options.identity`), in this order: "customer_id", "email", "phone", "ip". */
    bound: Array<"customer_id" | "email" | "phone" | "ip">;
  };
  order: {
    total: number;
    currency: string;
    line_count: number;
    item_count: number;
    channel: string;
    created_at: string;
    shipping: { province: string; city: string; district: string; line1: string; name: string; phone: string };
    issues: string[];
  };
  items: Array<{
    sku: string;
    name: string;
    category: string;
    price: number;
    quantity: number;
    /** The quantities of this line's SKU summed over all the order's lines. */
    sku_quantity: number;
    line_total: number;
    tags: string[];
    high_value: boolean;
    limited: boolean;
    restricted: boolean;
    known: boolean;
    max_per_order: number;
    /** A scoped list entry of the customer restricts this line. */
    listed: boolean;
    /** The highest level among those entries, else "none". */
    list_level: "none" | "watch" | "step_up" | "block";
    /** Units in stock from the catalog; -1 when not tracked or unknown. */
    stock: number;
    /** The catalog's limit per customer across orders; 0 when unset or unknown. */
    max_per_customer: number;
    /** Units of this SKU the customer was allowed within `purchase_window` before. */
    bought_in_window: number;
  }>;
  verified: string[];
  now: string;
}

export interface CheckOptions {
  /** The time to judge at; the JS clock (`Date.now()`) when absent. */
  now?: TimeInput;
  /** Message locale (`"zh-CN"`, `"en"`); the policy's `default_locale` when absent. */
  locale?: string;
  /**
   * What the caller verified itself (a signed session, the connecting address, an order
   * id its server issued). Given — even `{}` — binding is in effect: each present field
   * replaces the order's own, the order's `account_created_at` is never read, and
   * `customer.bound` lists the bound kinds (docs/semantics.md §5.3).
   */
  identity?: Identity;
  /**
   * A shared duplicate memory's answer (say, an edge Durable Object keyed by
   * `orderKey().customer`): `true` makes the order a recent duplicate, `false` not; the
   * engine's own memory is neither read nor updated. Absent: the engine's own memory.
   */
  duplicate?: boolean;
  /**
   * A shared purchase memory's answer: units of each SKU with a `max_per_customer` that
   * this customer was allowed within `purchase_window` (docs/semantics.md §8.1). The
   * engine's own purchase memory is then neither read nor updated, and a limited SKU
   * left out counts as at its limit. Absent: the engine's own memory.
   */
  bought?: Record<string, number>;
}

/** Identifiers (and history) the caller verified itself; every field optional. */
export interface Identity {
  customerId?: string;
  email?: string;
  phone?: string;
  /** The connecting address (at the edge, `CF-Connecting-IP`). */
  ip?: string;
  /** From the caller's records; read only when customers.csv does not know the customer. */
  accountCreatedAt?: TimeInput;
  /** An order id the caller's server issued: only a bound order id exempts a re-check from `duplicate_recent`. */
  orderId?: string;
}

/**
 * What a shared duplicate memory needs to know about an order (`engine.orderKey()`).
 * Digests are 16 lowercase hexadecimal digits, keyed as the engine's own memory keys them.
 */
export interface OrderKey {
  /** The customer (first of normalized id, email, phone): what to key the memory by. */
  customer: string;
  /** The customer and the merged basket. */
  basket: string;
  /** The bound order id (`identity.orderId`), else null: a body's order id never exempts. */
  orderId: string | null;
  /** The policy's `duplicate_window`, in milliseconds. */
  windowMs: number;
}

/**
 * What a shared purchase memory needs to know about an order (`engine.limitKey()`,
 * docs/semantics.md §8.1): count the order under every identity, answer the largest
 * count per SKU as `CheckOptions.bought`.
 */
export interface LimitKey {
  /** Digests of the order's normalized identifiers (id, e-mail, phones, device, card, address). */
  identities: string[];
  /** The bound order id (`identity.orderId`), else null: a re-check under it replaces its purchase. */
  orderId: string | null;
  /** The policy's `purchase_window`, in milliseconds. */
  windowMs: number;
  /** Each SKU with a `max_per_customer`, with its units summed over the order's lines. */
  skus: { sku: string; units: number }[];
}

/**
 * The merchant key a snapshot's identifiers are hashed under: a key file's text (32
 * hexadecimal digits; `checkout-guard keygen` writes one) or its 16 bytes. A secret:
 * never ship it to a browser.
 */
export type SnapshotKeyInput = string | Uint8Array;

/**
 * The public key of a merchant's snapshot signing key: a `.pub` file's text (64
 * hexadecimal digits; `checkout-guard keygen --signing -o FILE` writes FILE.pub) or its 32
 * bytes. Public: safe anywhere. (The signing key itself never leaves the build: the
 * package cannot sign.)
 */
export type PublicKeyInput = string | Uint8Array;

/** Options of `Engine.fromBytes` and `engine.load`. */
export interface EngineOptions {
  /**
   * The key the snapshot was compiled with. Without it only a public snapshot
   * (`compile --profile public`, what pages load) or one compiled with the published
   * demo key loads (else a `SnapshotError` of kind `"key_required"`); a different key is
   * refused (`"wrong_key"`), and `engine.load` keeps the snapshot in use.
   */
  key?: SnapshotKeyInput;
  /**
   * When given, the snapshot's merchant must be this one, else a `SnapshotError` of
   * kind `"wrong_merchant"` (and `engine.load` keeps the snapshot in use).
   */
  merchant?: string;
  /**
   * When given, only a snapshot carrying a valid Ed25519 signature by this key loads:
   * an unsigned one is a `SnapshotError` of kind `"signature_required"`, one signed by
   * another key or edited after signing `"bad_signature"` (and `engine.load` keeps the
   * snapshot in use). `info().signed` is `true` only after this verification.
   */
  publicKey?: PublicKeyInput;
}

/** Options of `engine.load`. */
export interface LoadOptions extends EngineOptions {
  /**
   * Accept a snapshot older than the one serving (its `created_at` is the version), or
   * another one with the same `created_at`: a deliberate rollback. Without it such a
   * load is a `SnapshotError` of kind `"rollback"` and the snapshot in use stays. Never
   * bypasses `publicKey`.
   */
  force?: boolean;
}

/** A firing rule. */
export interface Reason {
  rule: string;
  code: string;
  action: Decision;
  /** 0-based lines an item-scoped rule fired on; empty for order rules. */
  lines: number[];
}

/** One order line's own decision (from item-scoped rules). */
export interface LineVerdict {
  sku: string;
  decision: Decision;
}

/** The message to show the customer. */
export interface VerdictMessage {
  /** The locale actually used. */
  locale: string;
  /**
   * The text, its placeholders filled in for this check (`{reason}`, `{expires}`,
   * `{appeal}`, `{case}`: docs/policy.md, "Message placeholders"; docs/semantics.md §9.5).
   */
  text: string;
  /** The key in the policy's `[messages.<locale>]`. */
  key: string;
}

/** Which snapshot judged. */
export interface SnapshotRef {
  merchant: string;
  version: string;
  expires_at: string;
}

/** The verdict (docs/semantics.md §9, a contract). */
export interface Verdict {
  decision: Decision;
  /** When `decision` is `"step_up"`: the methods of the firing step-up rules. */
  verify: string[];
  /**
   * When `decision` is `"step_up"`: the requirements still open, one group each;
   * completing one method of EVERY group clears the step-up (docs/semantics.md §9.4).
   * `[]` for any other decision.
   */
  verify_required: string[][];
  reasons: Reason[];
  lines: LineVerdict[];
  message: VerdictMessage | null;
  snapshot: SnapshotRef;
  warnings: string[];
}

/** An unusable order in `checkMany`'s result. */
export interface OrderErrorResult {
  error: { path: string; message: string };
}

/** One entry of `checkMany`'s result. */
export type CheckManyResult = Verdict | OrderErrorResult;

/** Thrown for an unusable order or option: `path` is a JSON path (`items[2].quantity`). */
export interface OrderError extends Error {
  name: "OrderError";
  /** JSON path of the problem; `""` for the order itself. */
  path: string;
  /** What is wrong, without the path. */
  reason: string;
}

/** A region of a policy source file; `line` and `column` are 1-based (0 when unknown). */
export interface Span {
  /**
   * Byte offset of the first byte in the file's UTF-8 text. Absent when only `line` and
   * `column` are known (e.g. `csv-row`, `csv-header`, `csv-syntax`, a JSON
   * `policy-syntax`, `source-encoding`): place the span by `line` and `column` then.
   */
  start?: number;
  /** Byte offset one past the last byte; absent exactly when `start` is. */
  end?: number;
  line: number;
  column: number;
}

/** A problem in a policy source. */
export interface Diagnostic {
  /** Stable kebab-case code (`unknown-field`); every code is listed in docs/policy.md and docs/rules.md. */
  code: string;
  severity: "error" | "warning";
  message: string;
  help?: string;
  file?: string;
  rule?: string;
  spans: Span[];
}

/** Thrown by `compilePolicy` when the source has errors. */
export interface PolicyError extends Error {
  name: "PolicyError";
  diagnostics: Diagnostic[];
}

/** Why snapshot bytes were refused. */
export type SnapshotErrorKind =
  | "bad_magic"
  | "unsupported_version"
  | "truncated"
  | "length_mismatch"
  | "checksum_mismatch"
  | "unsupported"
  | "missing_section"
  | "bad_section"
  | "bad_meta"
  | "rules"
  | "wrong_merchant"
  | "key_required"
  | "wrong_key"
  | "signature_required"
  | "bad_signature"
  | "rules_as_text"
  | "rollback";

/** Thrown by `new Engine`, `Engine.fromBytes`, `engine.load` and `new Backtest`. */
export interface SnapshotError extends Error {
  name: "SnapshotError";
  kind: SnapshotErrorKind;
  /** With `kind: "rules"`: why the snapshot's rules do not compile with this engine. */
  diagnostics?: Diagnostic[];
  /** With `kind: "wrong_merchant"`: the merchant asked for (`options.merchant`). */
  expected?: string;
  /** With `kind: "wrong_merchant"`: the merchant the snapshot is for. */
  found?: string;
  /** With `kind: "rollback"`: `created_at` of the snapshot in use (RFC 3339). */
  serving?: string;
  /** With `kind: "rollback"`: `created_at` of the snapshot refused (RFC 3339). */
  offered?: string;
}

/** A section of the snapshot file. */
export interface SectionInfo {
  tag: string;
  offset: number;
  bytes: number;
}

/** Blocklist statistics (counts only: identifiers are stored as keyed hashes). */
export interface BlocklistInfo {
  entries: number;
  distinct_identifiers: number;
  by_kind: Record<string, number>;
  by_level: Record<string, number>;
  never_expiring: number;
  reasons: number;
  section_bytes: number;
  bytes_per_entry: number;
  false_positive_rate: number;
  /** Public profile only: per identifier kind, what a browser holding the file can learn. */
  public?: PublicKindInfo[];
}

/** One identifier kind of a public snapshot (docs/snapshot-format.md, "The public profile"). */
export interface PublicKindInfo {
  /** The identifier kind: `"customer_id"`, `"email"`, `"phone"`, `"device_id"`, `"address"`, `"payment_fingerprint"` or `"ip"`. */
  kind: string;
  /** Hash-prefix bits `k` (0: not checkable in the browser). */
  bits: number;
  checkable: boolean;
  /** Distinct prefixes stored. */
  entries: number;
  /** Distinct listed values they stand for. */
  listed: number;
  /** The identifier space `S` an attacker is assumed able to enumerate. */
  assumed_space: number;
  /** Chance that one lookup of an unlisted value hits: entries / 2^k. */
  false_positive_rate: number;
  /** Expected unlisted values sharing a listed value's bucket: (S − listed) / 2^k. */
  anonymity_set: number;
}

/** What `engine.info()` and `checkout-guard inspect` report. */
export interface SnapshotInfo {
  format_version: number;
  merchant: string;
  version: string;
  created_at: string;
  expires_at: string;
  profile: "private" | "public";
  hash_scheme: string;
  hash_bits: number;
  /** Whether its Ed25519 signature was verified against `publicKey` (never without one). */
  signed: boolean;
  /** Whether the file carries a signature, verified or not. */
  signature_present: boolean;
  file_bytes: number;
  sections: SectionInfo[];
  rules: number;
  locales: string[];
  blocklist: BlocklistInfo;
  catalog_items: number;
  customers: number;
}

/** The settings of the policy a snapshot was compiled from (the top of `policy.toml`). */
export interface PolicySettings {
  /** ISO 4217 code of the shop's currency (`"CNY"`). */
  currency: string;
  /** Prepended to 11-digit phone numbers starting with `1` (`"86"`). */
  default_country_code: string;
  /** Locale of messages when `check` names none. */
  default_locale: string;
  /** Catalog price (major units) from which an item is `high_value`. */
  high_value_threshold: number;
  /** What a stale snapshot does to `allow` and `warn`. */
  on_stale: "allow" | "review";
  /** How far back `duplicate_recent` looks. */
  duplicate_window_seconds: number;
  /** How far back `item.bought_in_window` counts purchases (`purchase_window`, default 30 days). */
  purchase_window_seconds: number;
  /** How long a compiled snapshot stays fresh. */
  valid_for_seconds: number;
  /** Where e-mail `+tags` are dropped before matching (docs/policy.md). */
  email_plus_tags: "providers" | "everywhere";
}

/** What `engine.info()` reports: the snapshot's info plus its policy's settings. */
export interface EngineInfo extends SnapshotInfo {
  /** The policy's settings, and its rules in policy order as written in `policy.toml`. */
  policy: PolicySettings & { rules: PolicyRule[] };
}

/** One `[[rule]]` of the policy (docs/policy.md). */
export interface PolicyRule {
  id: string;
  /** The CEL condition, as written. */
  when: string;
  action: Decision;
  /** step_up only; omitted when empty. */
  verify?: string[];
  /** Whether one `verify` method satisfies the rule or all; omitted for `"any"`. */
  verify_mode?: "any" | "all";
  reason: string;
  /** Key into the policy's messages; omitted when the rule names none. */
  message?: string;
  scope: "order" | "item";
  /**
   * What the rule does when it cannot be evaluated; omitted for the default
   * (`review`, or nothing for `allow` rules). See docs/semantics.md §9.2.
   */
  on_error?: "ignore" | "review" | "deny";
}

/** What `engine.explain(order)` returns. */
export interface Explanation {
  /** The verdict, exactly as `check` returns it. */
  verdict: Verdict;
  /** The facts the rules read, as `facts()` returns them before the check. */
  facts: Facts;
  /**
   * Ids of firing rules (in `verdict.reasons`) whose action a firing `allow` rule
   * suppressed (warn, review and step_up, never deny), in policy order.
   */
  suppressed: string[];
}

/** Counts per decision (also a backtest report's `decisions`). */
export interface DecisionCounts {
  allow: number;
  /** Orders let through with a notice. */
  warn: number;
  review: number;
  step_up: number;
  deny: number;
}

/** How often one rule fired: orders (a rule that fired and failed on one order counts twice). */
export interface RuleCount {
  rule: string;
  action: Decision;
  fired: number;
}

/** How many orders a reason code appeared on (once per order). */
export interface ReasonCount {
  code: string;
  orders: number;
}

/** Lines of one category (`"(unknown)"` for SKUs not in the catalog) and how they fared. */
export interface CategoryCount {
  category: string;
  lines: number;
  /** Lines whose order was not allowed. */
  flagged_lines: number;
  /** Lines whose own (item-rule) decision was not allow. */
  flagged_by_item_rules: number;
}

/** A SKU among those most often in orders not allowed, from a fixed-size sketch. */
export interface TopSku {
  sku: string;
  /** Catalog name, `""` if unknown. */
  name: string;
  /** Orders not allowed that contained it: at least the true number, at most `error` more. */
  flagged_orders: number;
  /** How much of `flagged_orders` may belong to SKUs the sketch dropped; 0: exact. */
  error: number;
}

/**
 * Live counters since the engine was created or `resetStats()` (docs/semantics.md §11.2,
 * "Live counters"). A reload keeps them, by name: a rule, code, list reason or category
 * the new snapshot no longer has is dropped.
 */
export interface EngineStats extends DecisionCounts {
  checks: number;
  rule_errors: number;
  /** 1 plus each successful reload; `resetStats()` keeps it. */
  loads: number;
  /** Keys held by the duplicate memory (state: `resetStats()` keeps it). */
  duplicate_memory: number;
  /** Every rule of the snapshot serving, in policy order. */
  rules: RuleCount[];
  /** Reason codes of firing rules, by frequency then code. */
  reasons: ReasonCount[];
  /** Reason codes of the list entries that matched (`customer.reasons`), by frequency then code. */
  list_reasons: ReasonCount[];
  /** Categories of the lines checked, by line count then name. */
  categories: CategoryCount[];
  /** At most 10 SKUs most often in orders not allowed. */
  top_skus: TopSku[];
  /** SKUs the sketch holds (at most 64, however many distinct SKUs are seen). */
  sku_counters: number;
}

/** Options of `compilePolicy`. */
export interface CompileOptions {
  /** Creation time recorded in the snapshot (default now); fixing it makes the bytes reproducible. */
  createdAt?: TimeInput;
  /**
   * The merchant key to hash identifiers under (required: without it a `PolicyError`
   * with a `key-required` diagnostic). Only its check value goes into the snapshot.
   */
  key?: SnapshotKeyInput;
  /**
   * `"private"` (default; edge and backend, with its key) or `"public"`: what a checkout
   * page may hold — hash prefixes that hide each listed value among ≥ 100 others, no
   * reasons, no customer statistics; it loads without a key.
   */
  profile?: "private" | "public";
}

/** A compiled policy. */
export interface CompiledPolicy {
  /** The snapshot: pass to `Engine.fromBytes` or `engine.load`, or save as `.snapshot`. */
  bytes: Uint8Array;
  warnings: Diagnostic[];
  info: SnapshotInfo;
  /** Entries read per CSV file (`{"blocklist.csv": 29}`): fewer than the rows exported means rows were lost, e.g. to a missing quote. */
  entries: Record<string, number>;
}

/** What `lintPolicy` returns: every diagnostic, and (non-enumerable, so the array compares and serializes as before) the entries read per CSV file. */
export type LintResult = Diagnostic[] & { readonly entries: Record<string, number> };
