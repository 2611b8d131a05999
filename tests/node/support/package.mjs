// The npm package as a user gets it, for the suites that test it (tests/node,
// tests/runtimes): `npm pack` of pkg/ (scripts/build-pkg.sh) installed into a scratch
// project, and the conformance corpus with its orders read from the repository.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
/** The package under test: $CG_PKG, else pkg/. */
export const pkgDir = path.resolve(process.env.CG_PKG ?? path.join(root, "pkg"));
/** A repository file's text. */
export const read = (p) => readFileSync(path.join(root, p), "utf8");

/**
 * A new scratch project (in the system's temporary folder, named `prefix…`) with the
 * packed package installed as a dependency, as `npm install checkout-guard` would.
 * Returns its folder.
 */
export function installPackedPackage(prefix = "checkout-guard-pkg-") {
  const scratch = mkdtempSync(path.join(tmpdir(), prefix));
  const tarball = execFileSync("npm", ["pack", pkgDir, "--pack-destination", scratch, "--silent"], { cwd: scratch, encoding: "utf8" })
    .trim()
    .split("\n")
    .pop();
  writeFileSync(path.join(scratch, "package.json"), JSON.stringify({ name: "scratch", private: true, type: "module" }));
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", path.join(scratch, tarball)], { cwd: scratch, stdio: "pipe" });
  return scratch;
}

// A case's order is a path of a sample order or the order itself.
const caseOrder = (order) => (typeof order === "string" ? JSON.parse(read(order)) : order);

/** tests/conformance/cases.json with every order (and `before` order) read inline. */
export function loadCases() {
  return JSON.parse(read("tests/conformance/cases.json")).map((c) => ({
    ...c,
    order: caseOrder(c.order),
    ...(c.before ? { before: c.before.map((b) => ({ ...b, order: caseOrder(b.order) })) } : {}),
  }));
}
