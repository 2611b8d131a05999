// A checkout page's advisory pre-check, as the npm README shows it for Vite: the
// merchant's public snapshot is a bundled asset (`?url`), fetched and loaded with
// Engine.fromBytes and no key. (The test compiles it with `--profile public` here.)
// The edge worker repeats the check authoritatively, on the private snapshot: a
// browser can be bypassed.
import init, { Engine } from "checkout-guard";
import snapshotUrl from "./store.snapshot?url";

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const options = { now: params.get("now") || new Date(), locale: params.get("locale") || undefined };

async function start() {
  await init();
  const bytes = new Uint8Array(await (await fetch(snapshotUrl)).arrayBuffer());
  const engine = Engine.fromBytes(bytes);
  $("merchant").textContent = engine.info().merchant;
  $("check").addEventListener("click", () => {
    const run = Number($("result").dataset.run) + 1;
    for (const id of ["decision", "verify", "reasons", "message", "lines", "error"]) $(id).textContent = "";
    try {
      const v = engine.check(JSON.parse($("order").value), options);
      $("decision").textContent = v.decision;
      $("verify").textContent = v.verify.join(" ");
      $("reasons").textContent = v.reasons.map((r) => r.code).join(" ");
      $("message").textContent = v.message ? v.message.text : "";
      $("lines").textContent = v.lines.map((l) => `${l.sku}:${l.decision}`).join(" ");
    } catch (e) {
      $("error").textContent = e.path !== undefined ? `${e.path}: ${e.message}` : String(e.message || e);
    }
    $("result").dataset.run = String(run);
  });
  $("status").textContent = "ready";
}

start().catch((e) => {
  $("status").textContent = `failed: ${e.message}`;
  throw e;
});
