/** Options of `new Backtest`. */
export interface BacktestOptions {
  /** `now` for orders without `created_at` (default: the JS clock). */
  now?: TimeInput;
  /** The key of both snapshots (see `EngineOptions.key`). */
  key?: SnapshotKeyInput;
  /** Both snapshots must be signed by this key (see `EngineOptions.publicKey`). */
  publicKey?: PublicKeyInput;
}

/** The backtest report: the same JSON as `checkout-guard backtest --json`. */
export interface BacktestReport {
  orders: number;
  unusable: number;
  decisions: DecisionCounts;
  rules: RuleCount[];
  reasons: ReasonCount[];
  categories: CategoryCount[];
  top_skus: { sku: string; name: string; orders: number; flagged_orders: number }[];
  /** With a baseline: its counts per decision. */
  baseline?: DecisionCounts;
  /** With a baseline: orders whose decision differs. */
  changes?: { index: number; order_id: string | null; baseline: Decision; decision: Decision }[];
  /** The first 100 unusable inputs. */
  errors: { index: number; path: string; message: string }[];
}
