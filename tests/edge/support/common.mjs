// Shared by the edge, plain-ESM and Vite tests: where things are, and small helpers.
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(fileURLToPath(new URL("../../..", import.meta.url)));
export const EXAMPLE = join(ROOT, "examples", "edge-worker");

/** The built npm package (scripts/build-pkg.sh → pkg/); CHECKOUT_GUARD_PKG overrides. */
export function pkgDir() {
  const dir = resolve(process.env.CHECKOUT_GUARD_PKG || join(ROOT, "pkg"));
  if (!existsSync(join(dir, "package.json"))) {
    throw new Error(`no package at ${dir}: run \`bash scripts/build-pkg.sh\` first (or set CHECKOUT_GUARD_PKG)`);
  }
  return dir;
}

export function readOrder(name) {
  return JSON.parse(readFileSync(join(ROOT, "examples", "orders", name), "utf8"));
}

export function tempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), `cg-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A node_modules folder holding only `checkout-guard` → the package (for esbuild's nodePaths). */
export function linkedNodeModules(dir) {
  const nm = join(dir, "node_modules");
  mkdirSync(nm, { recursive: true });
  symlinkSync(pkgDir(), join(nm, "checkout-guard"), "dir");
  return nm;
}

/** Rejects after `ms` with `what` in the message, so no step can hang a test. */
export function within(ms, what, promise) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
