/** Options of `new Backtest`. */
export interface BacktestOptions {
  /** `now` for orders without `created_at` (default: the JS clock). */
  now?: TimeInput;
  /** The key of both snapshots (see `EngineOptions.key`). */
  key?: SnapshotKeyInput;
  /** Both snapshots must be signed by this key (see `EngineOptions.publicKey`). */
  publicKey?: PublicKeyInput;
}

/** Counts per decision. */
export interface DecisionCounts {
  allow: number;
  /** Orders let through with a notice. */
  warn: number;
  review: number;
  step_up: number;
  deny: number;
}

/** The backtest report: the same JSON as `checkout-guard backtest --json`. */
export interface BacktestReport {
  orders: number;
  unusable: number;
  decisions: DecisionCounts;
  rules: { rule: string; action: Decision; fired: number }[];
  reasons: { code: string; orders: number }[];
  categories: { category: string; lines: number; flagged_lines: number; flagged_by_item_rules: number }[];
  top_skus: { sku: string; name: string; orders: number; flagged_orders: number }[];
  /** With a baseline: its counts per decision. */
  baseline?: DecisionCounts;
  /** With a baseline: orders whose decision differs. */
  changes?: { index: number; order_id: string | null; baseline: Decision; decision: Decision }[];
  /** The first 100 unusable inputs. */
  errors: { index: number; path: string; message: string }[];
}
