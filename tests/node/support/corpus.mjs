// The conformance corpus (tests/conformance/cases.json) through the package's JS API,
// with nothing but the API and plain JavaScript: it runs in Node and inside every
// runtime tests/runtimes/ drives (Deno, Bun, Vercel's edge runtime), which hand the
// verdicts back to be compared where the files and the CLI are.
//
// `cases` here have their orders inline (see `loadCases` in ./package.mjs).

// A case's `identity` (snake_case, as in the Rust `Identity`) as `options.identity`.
const camel = (k) => k.replace(/_([a-z])/g, (_, c) => c.toUpperCase());

/** The `check` options of a case (or of one of its `before` orders). */
export function caseOptions(c) {
  const options = { now: c.now };
  if (c.locale) options.locale = c.locale;
  if (c.identity) options.identity = Object.fromEntries(Object.entries(c.identity).map(([k, v]) => [camel(k), v]));
  return options;
}

/**
 * Each case's verdict, in corpus order: a fresh engine per case (`makeEngine`), its
 * `before` orders checked first (they fill the duplicate memory), then the case's order.
 */
export function caseVerdicts(api, cases, makeEngine = () => new api.Engine()) {
  return cases.map((c) => {
    const engine = makeEngine();
    for (const b of c.before ?? []) engine.check(b.order, caseOptions(b));
    const verdict = engine.check(c.order, caseOptions(c));
    engine.free();
    return verdict;
  });
}

// JSON text with every object's keys sorted: equality that ignores key order, as
// assert.deepStrictEqual does, with nothing but JSON.
const canonical = (value) =>
  JSON.stringify(value, (_, v) => (v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v));

/** Where `verdicts` differ from the cases' expected fields: one line per field, none when all agree. */
export function corpusMismatches(cases, verdicts) {
  const out = [];
  cases.forEach((c, i) => {
    for (const [field, want] of Object.entries(c.expect)) {
      const got = verdicts[i]?.[field];
      if (canonical(got) !== canonical(want)) out.push(`case ${c.name}: ${field} is ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
    }
  });
  return out;
}
