// The packed npm package installed into a scratch Vite project, built, served from dist/
// and checked in headless Chromium; the merchant's **public** snapshot (compiled here with
// a fresh merchant key, `--profile public`, as the npm README's recipe does) is a bundled
// asset, loaded without the key.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cpSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { ROOT, pkgDir, readOrder, tempDir, within } from "../edge/support/common.mjs";
import { checkInPage, launch, openPage } from "../edge/support/browser.mjs";
import { serveStatic } from "../edge/support/static-server.mjs";

const run = promisify(execFile);
const APP = join(ROOT, "tests", "vite-app");
let tmp;
let app;
let server;
let browser;

before(async () => {
  tmp = tempDir("vite");
  app = join(tmp.dir, "app");
  cpSync(APP, app, {
    recursive: true,
    filter: (src) => !/(node_modules|dist|\.test\.mjs$|package-lock\.json$|store\.snapshot$)/.test(src.slice(APP.length)),
  });
  // The page gets only the public snapshot; the private one and the key stay on the edge.
  const cli = process.env.CHECKOUT_GUARD_BIN ?? join(ROOT, "target", "release", "checkout-guard");
  const key = join(tmp.dir, "store.key");
  await run(cli, ["keygen", "-o", key]);
  await run(cli, ["compile", join(ROOT, "examples", "demo-store"), "--key", key, "--profile", "public",
    "--created-at", "2026-11-25T00:00:00Z", "-o", join(app, "src", "store.snapshot")]);

  const env = { ...process.env, npm_config_update_notifier: "false", npm_config_audit: "false", npm_config_fund: "false" };
  await within(120_000, "npm pack", run("npm", ["pack", pkgDir(), "--pack-destination", tmp.dir, "--silent"], { env }));
  const tarball = readdirSync(tmp.dir).find((f) => f.endsWith(".tgz"));
  assert.ok(tarball, "npm pack wrote a tarball");
  await within(120_000, "npm install", run("npm", ["install", "--prefer-offline", "--no-save", "--loglevel=error", join(tmp.dir, tarball)], { cwd: app, env }));
  // vite from the repository's dev tooling, pointed at the scratch project.
  await within(180_000, "vite build", run(join(ROOT, "node_modules", ".bin", "vite"), ["build", app, "--logLevel", "warn"], { cwd: app, env }));
  server = await serveStatic({ "/": join(app, "dist") });
  browser = await launch();
}, { timeout: 400_000 });

after(async () => {
  if (browser) await browser.close();
  if (server) await server.close();
  if (tmp) tmp.cleanup();
});

test("the build emits the wasm and the snapshot as assets", { timeout: 10_000 }, () => {
  const assets = readdirSync(join(app, "dist", "assets"));
  assert.ok(assets.some((f) => f.endsWith(".wasm")), assets.join(" "));
  assert.ok(assets.some((f) => f.endsWith(".snapshot")), assets.join(" "));
});

test("the bundled public snapshot steps up a blocked card's limited item (the edge decides)", { timeout: 60_000 }, async () => {
  const { page, problems } = await openPage(browser);
  await page.goto(`${server.url}/?now=2026-11-25T10:00:00Z`);
  const shown = await checkInPage(page, readOrder("payment-block-limited.json"));
  assert.equal(shown.merchant, "demo-store");
  // An uncertain block: an identity check, never a deny (the private snapshot denies).
  assert.equal(shown.decision, "step_up");
  assert.equal(shown.verify, "id_check");
  assert.match(shown.reasons, /BLOCKLIST_BLOCK/);
  assert.doesNotMatch(shown.reasons, /BLOCKLIST_RESTRICTED_ITEM/);
  const clean = await checkInPage(page, readOrder("clean.json"));
  assert.equal(clean.decision, "allow");
  assert.deepEqual(problems, []);
  assert.ok(server.requests.some((p) => p.endsWith(".wasm")), "the .wasm was fetched");
  await page.close();
});
