// Compiled with `tsc --noEmit --strict` against the packed package's types by
// tests/node/package.test.mjs: a checkout's use of the API must type-check, and the
// `@ts-expect-error` lines prove the types are precise enough to catch mistakes.
import init, { Engine } from "checkout-guard";
import type {
  TopSku,
  ReasonCount,
  Order,
  Verdict,
  CheckOptions,
  Decision,
  Diagnostic,
  SnapshotInfo,
  EngineInfo,
  PolicyRule,
  Explanation,
  EngineStats,
  OrderError,
  SnapshotError,
  CheckManyResult,
  Identity,
  OrderKey,
} from "checkout-guard";
import { compilePolicy, lintPolicy, reviewPolicy, Backtest } from "checkout-guard/compiler";
import type { CompiledPolicy, PolicyError, BacktestReport, PolicyReview } from "checkout-guard/compiler";
// @ts-expect-error the runtime entry has no reviewPolicy (it ships in checkout-guard/compiler)
import { reviewPolicy as runtimeReview } from "checkout-guard";
// @ts-expect-error the runtime entry has no Backtest (it ships in checkout-guard/compiler)
import { Backtest as RuntimeBacktest } from "checkout-guard";
// @ts-expect-error nor its report type
import type { BacktestReport as RuntimeReport } from "checkout-guard";

export async function main(bytes: Uint8Array): Promise<Decision> {
  await init();
  const engine = new Engine();
  const order: Order = {
    order_id: "A-1",
    customer: { id: "C10001", email: "a@b.cn" },
    shipping: { name: "张三", phone: "13800138000", province: "浙江省", city: "杭州市", line1: "文三路123号" },
    items: [{ sku: "TEA-001", quantity: 2, unit_price: 168.0 }],
    verified: ["sms_otp"],
  };
  const options: CheckOptions = { now: new Date(), locale: "zh-CN" };
  const verdict: Verdict = engine.check(order, options);
  engine.check(order);
  engine.check(order, { now: "2026-11-25T10:00:00Z" });
  engine.check(order, { now: Date.now() });
  // An edge worker: the session's customer and the connecting address bound, a shared
  // duplicate memory keyed by the order key.
  const identity: Identity = { customerId: "C10001", ip: "203.0.113.9", accountCreatedAt: Date.now(), orderId: "S-1" };
  const key: OrderKey | null = engine.orderKey(order, { identity });
  if (key !== null) {
    const memoryKey: string = key.customer;
    const window: number = key.windowMs;
    const bound: string | null = key.orderId;
    void memoryKey, window, bound;
  }
  engine.check(order, { identity, duplicate: key !== null && false });
  const boundKinds: string[] = engine.facts(order, { identity: {} }).customer.bound;
  void boundKinds;
  if (verdict.decision === "step_up") {
    const methods: string[] = verdict.verify;
    // One method of every group clears the step-up.
    const groups: string[][] = verdict.verify_required;
    const text: string | undefined = verdict.message?.text;
    void methods;
    void groups;
    void text;
  }
  if (verdict.decision === "warn") {
    // Let through: the message is the notice the checkout shows.
    const notice: string | undefined = verdict.message?.text;
    const warned: number = engine.stats().warn;
    void notice, warned;
  }
  const dropped: number[] = verdict.reasons.flatMap((r) => r.lines);
  void dropped;
  const lineDecisions: Decision[] = verdict.lines.map((l) => l.decision);
  void lineDecisions;
  const many: CheckManyResult[] = engine.checkMany([order, {}], options);
  for (const m of many) {
    if ("error" in m) {
      const path: string = m.error.path;
      void path;
    } else {
      const d: Decision = m.decision;
      void d;
    }
  }
  const info: SnapshotInfo = engine.info();
  const entries: number = info.blocklist.entries;
  void entries;
  const engineInfo: EngineInfo = engine.info();
  const threshold: number = engineInfo.policy.high_value_threshold;
  void threshold;
  const ruleCount: number = engineInfo.rules;
  const firstRule: PolicyRule | undefined = engineInfo.policy.rules[0];
  const ruleScope: "order" | "item" | undefined = firstRule?.scope;
  void ruleCount; void ruleScope;
  const explained: Explanation = engine.explain(order, options);
  const suppressed: string[] = explained.suppressed;
  const level: string = explained.facts.customer.level;
  const explainedDecision: Decision = explained.verdict.decision;
  void suppressed;
  void level;
  void explainedDecision;
  const stats: EngineStats = engine.stats();
  const checks: number = stats.checks;
  const deniedCount: number = stats.deny;
  const topSku: TopSku | undefined = stats.top_skus[0];
  const overCount: number | undefined = topSku?.error;
  const listReasons: ReasonCount[] = stats.list_reasons;
  // @ts-expect-error a rule's count is `fired`, not `count`
  void stats.rules[0].count;
  engine.resetStats();
  void checks;
  void deniedCount;
  void overCount;
  void listReasons;
  const facts: Record<string, string[]> = engine.ruleFacts();
  void facts;
  try {
    engine.load(bytes);
    engine.load(bytes, { merchant: "demo-store" });
    Engine.fromBytes(bytes, { merchant: "demo-store" });
    Engine.fromBytes(bytes, { key: "44bf790c46aea9942984686b39f95bf9", merchant: "demo-store" });
    engine.load(bytes, { key: new Uint8Array(16) });
    Engine.fromBytes(bytes, { publicKey: "ab".repeat(32) });
    engine.load(bytes, { publicKey: new Uint8Array(32), force: true });
    const signed: boolean = engine.info().signed && engine.info().signature_present;
    void signed;
  } catch (e) {
    const err = e as SnapshotError;
    const keyProblem: boolean = err.kind === "key_required" || err.kind === "wrong_key";
    void keyProblem;
    const signatureProblem: boolean = err.kind === "signature_required" || err.kind === "bad_signature";
    void signatureProblem;
    const rolledBack: string | undefined = err.kind === "rollback" ? err.offered : err.serving;
    void rolledBack;
    const kind: string = err.kind;
    const found: string | undefined = err.found;
    void kind;
    void found;
  }
  try {
    engine.check({ items: [] });
  } catch (e) {
    const err = e as OrderError;
    const path: string = err.path;
    void path;
  }
  const bt = new Backtest(null, null, { now: new Date(), key: "44bf790c46aea9942984686b39f95bf9" });
  const added: number = bt.addJsonLines('{"items": []}\n');
  void added;
  bt.add(order);
  bt.add('{"items": []}');
  const report: BacktestReport = bt.finish();
  const denied: number = report.decisions.deny;
  void denied;
  new Backtest();
  try {
    const compiled: CompiledPolicy = compilePolicy({ "policy.toml": "merchant = 'x'" }, { createdAt: new Date(), key: new Uint8Array(16) });
    const snapshot: Uint8Array = compiled.bytes;
    void snapshot;
  } catch (e) {
    const diags: Diagnostic[] = (e as PolicyError).diagnostics;
    const line: number | undefined = diags[0]?.spans[0]?.line;
    void line;
  }
  const lint: Diagnostic[] = lintPolicy({ "policy.toml": "" });
  void lint;
  const counted: number | undefined = lintPolicy({ "policy.toml": "" }).entries["blocklist.csv"];
  void counted;
  const review: PolicyReview = reviewPolicy({ "policy.toml": "" }, { now: new Date(), within: "30d" });
  const suggested: "watch" | "step_up" | "block" | undefined = review.candidates[0]?.suggested;
  const expires: string | null | undefined = review.expiring[0]?.expires_at;
  void suggested, expires;
  // @ts-expect-error: the window is a duration string such as "30d"
  reviewPolicy({}, { within: 30 });

  // @ts-expect-error: items are required
  engine.check({ customer: { id: "C1" } });
  // @ts-expect-error: quantity is a number
  engine.check({ items: [{ sku: "A", quantity: "2" }] });
  // @ts-expect-error: not a decision
  const wrong: Decision = "maybe";
  void wrong;
  // @ts-expect-error: now is a Date, a string or a number
  engine.check(order, { now: true });
  // @ts-expect-error: identity keys are camelCase
  engine.check(order, { identity: { customer_id: "C1" } });
  // @ts-expect-error: duplicate is a boolean
  engine.check(order, { duplicate: "yes" });
  // @ts-expect-error: snapshot bytes are a Uint8Array
  Engine.fromBytes("store.snapshot");
  // @ts-expect-error: a key is hex text or a Uint8Array
  Engine.fromBytes(new Uint8Array(0), { key: 42 });
  // @ts-expect-error: force is for load, not fromBytes (nothing is serving yet)
  Engine.fromBytes(new Uint8Array(0), { force: true });
  // @ts-expect-error: force is a boolean
  engine.load(new Uint8Array(0), { force: "yes" });
  return verdict.decision;
}
