// What bench/node/check-loop.mjs and profile.mjs run: by default the demo snapshot's
// 3-line order (`demo-order.mjs`); with CG_STORE=FILE and CG_ORDERS=FILE, the generated
// 100k store and its 1,000 mixed 1–5-line orders that bench/node/check.mjs times, kept by
//
//   CG_WRITE_SNAPSHOT=/tmp/big.snapshot CG_WRITE_ORDERS=/tmp/big-orders.json \
//     node bench/node/check.mjs --quick
//
// so that the stream the p50 bar is about can be counted and profiled, not only the demo.
import { readFileSync } from "node:fs";
import { demoOrder } from "./demo-order.mjs";

/** `{ engine, orders }` for the package `Engine` class given. */
export function workload(Engine) {
  const store = process.env.CG_STORE;
  const ordersFile = process.env.CG_ORDERS;
  if (!store !== !ordersFile) throw new Error("CG_STORE and CG_ORDERS go together");
  if (!store) return { engine: new Engine(), orders: [demoOrder], label: "demo snapshot, 3-line order" };
  const orders = JSON.parse(readFileSync(ordersFile, "utf8"));
  return { engine: Engine.fromBytes(readFileSync(store)), orders, label: `${store}, ${orders.length} orders` };
}
