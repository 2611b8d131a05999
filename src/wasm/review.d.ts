/** Options of `reviewPolicy`. */
export interface ReviewOptions {
  /** The time to review at (default: the JS clock). */
  now?: TimeInput;
  /** How far ahead "expiring" looks, written like `valid_for` (`"30d"`, `"12h"`, `"1h30m"`; default `"30d"`). */
  within?: string;
}

/** A blocklist entry as the review shows it (the `note` column is never read). */
export interface ReviewEntry {
  kind: "customer_id" | "email" | "phone" | "device_id" | "address" | "payment_fingerprint" | "ip";
  /** The normalized value. */
  value: string;
  level: "watch" | "step_up" | "block";
  reason: string;
  /** RFC 3339, or `null` when the row has none. */
  added_at: string | null;
  /** RFC 3339, or `null`: never expires. */
  expires_at: string | null;
}

/** Entries sharing a reason code or an identifier kind. */
export interface ReviewCount {
  name: string;
  entries: number;
  /** Of which not expired at `now`. */
  in_force: number;
}

/**
 * The list's health for its periodic review: the same JSON as `checkout-guard review
 * --json` (docs/policy.md, "Reviewing the list").
 */
export interface PolicyReview {
  merchant: string;
  /** RFC 3339. */
  now: string;
  within_seconds: number;
  entries: number;
  in_force: number;
  /** `expires_at <= now`, earliest first. */
  expired: ReviewEntry[];
  /** `now < expires_at <= now + within`, earliest first. */
  expiring: ReviewEntry[];
  never_expiring: { watch: number; step_up: number; block: number };
  /** Most entries first, then by code. */
  by_reason: ReviewCount[];
  /** In the contract's kind order; kinds without entries left out. */
  by_kind: ReviewCount[];
  /** Up to 10 entries in force with an `added_at`, oldest first. */
  oldest: ReviewEntry[];
  /** Entries in force without `added_at`. */
  undated: number;
  /** The policy's rules that judge a customer on their statistics alone, in policy order. */
  criteria: { rule: string; when: string; action: "review" | "step_up" | "deny"; suggests: "watch" | "step_up" | "block" }[];
  /** `customers.csv` rows that meet a criterion suggesting a level above their `customer_id` entries' one. */
  candidates: {
    customer_id: string;
    level: "none" | "watch" | "step_up" | "block";
    suggested: "watch" | "step_up" | "block";
    rules: string[];
    stats: {
      orders_90d: number;
      refunds_90d: number;
      refund_rate: number;
      chargebacks_365d: number;
      addresses_90d: number;
      /** -1 when unknown. */
      account_age_days: number;
    };
  }[];
}
