// Shared set-up of the demo page's end-to-end tests: the static server (started here
// unless CG_WWW_URL names a running one), Debian's Chromium through playwright-core, and
// a page that records console errors, page errors and failed requests.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after } from "node:test";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const read = (rel) => readFileSync(path.join(root, rel), "utf8");
export const readJson = (rel) => JSON.parse(read(rel));

let server = null;

/** The page's URL; starts `www/serve.mjs` on a free port when none is given. */
export async function pageUrl() {
  if (process.env.CG_WWW_URL) return process.env.CG_WWW_URL;
  if (!server) {
    server = spawn(process.execPath, [path.join(root, "www/serve.mjs"), "--port", "0"], { stdio: ["ignore", "pipe", "inherit"] });
    server.url = await new Promise((resolve, reject) => {
      let out = "";
      server.stdout.on("data", (d) => {
        out += d;
        const m = /(http:\/\/\S+)/.exec(out);
        if (m) resolve(m[1]);
      });
      server.on("exit", (code) => reject(new Error(`server exited with ${code}`)));
    });
  }
  return server.url;
}

/** The debug CLI that the page's results are compared with. */
export const cli = path.join(process.env.CARGO_TARGET_DIR || path.join(root, "target"), "debug/checkout-guard");

/** The start of a file of tests that compare the page with the CLI: the CLI built if it
 * is missing, the page served, a browser launched (returned). */
export async function startWithCli() {
  if (!existsSync(cli)) execFileSync("cargo", ["build", "--quiet"], { cwd: root, stdio: "inherit" });
  await pageUrl();
  return launch();
}

/** A maker of temporary folders named `prefix…` (uploaded and downloaded files), all
 * removed when the calling file's tests end. */
export function scratchDirs(prefix) {
  const dirs = [];
  after(() => { for (const dir of dirs) rmSync(dir, { recursive: true, force: true }); });
  return () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };
}

export function stopServer() {
  if (server) { server.kill("SIGTERM"); server = null; }
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"],
  });
}

/** A loaded page plus the problems it reported. */
export async function openPage(browser, { width = 1280, height = 800, lang = "en" } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, acceptDownloads: true });
  const page = await context.newPage();
  const problems = [];
  page.on("console", (m) => { if (m.type() === "error") problems.push(`console: ${m.text()}`); });
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("requestfailed", (r) => problems.push(`requestfailed: ${r.url()}`));
  page.on("response", (r) => { if (r.status() >= 400) problems.push(`http ${r.status()}: ${r.url()}`); });
  await page.addInitScript((l) => localStorage.setItem("cg-lang", l), lang);
  await page.goto(await pageUrl());
  await page.waitForSelector("body.ready", { timeout: 20000 });
  return { page, problems, context };
}

export async function decisionOf(page) {
  const badge = await page.$('#verdict [data-testid="decision"]');
  return badge ? badge.getAttribute("data-decision") : null;
}

/** Waits until the verdict shows `decision`, returning what it shows at the end. */
export async function waitDecision(page, decision, timeout = 5000) {
  try {
    await page.waitForSelector(`#verdict [data-testid="decision"][data-decision="${decision}"]`, { timeout });
  } catch { /* reported by the caller's assertion */ }
  return decisionOf(page);
}

/** WCAG contrast ratio of two computed `rgb(…)` colours. */
export function contrast(a, b) {
  const lum = (rgb) => {
    const [r, g, bl] = rgb.match(/\d+(\.\d+)?/g).slice(0, 3).map((x) => Number(x) / 255)
      .map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}
