// The compiler's diagnostics in the page's language. The compiler (Rust, shared with the
// CLI) writes every message and help in English; each diagnostic also carries a stable
// `code` (src/diagnostic.rs, docs/policy.md "Error codes"). In English the page shows
// them as they are. In Chinese:
// - a message of a known form (the patterns below, per code; named groups are the
//   arguments: user input, counts, names) is shown as its zh text from www/i18n.js,
//   `diag.m.*`, the arguments put back unchanged;
// - any other message keeps its English text, after the code's zh title (`diag.code.*`,
//   one for every code), so nothing is ever lost and the gist is readable;
// - help texts likewise (`diag.h.*`), or English.
// tests/www/diagzh.test.mjs checks that every code has a title and that the common
// mistakes (tests/www/diag-cases.mjs) read wholly in Chinese, so a message reworded in
// the compiler fails there rather than silently falling back.
import { t, lang, STRINGS } from "./i18n.js";

const B = "`([^`]*)`"; // one backticked argument
const re = (s) => new RegExp(`^${s.replace(/`\?`/g, B)}$`, "s");

// [pattern (`?` is one backticked argument, `(\d+)` a number), key, argument names]
const FORMS = {
  "csv-field": [[re("field `?`: (.*)"), "csvField", ["field", "cell"]]],
  "csv-row": [[re("expected (\\d+) fields, found (\\d+)"), "csvRow", ["expected", "found"]]],
  "csv-header": [
    [re("header: (.*)"), "csvHeader", ["problems"]],
    [re("the file is empty; a header row is required"), "csvEmpty", []],
  ],
  "csv-multiline": [[re("a quoted field opens here and ends on line (\\d+): the lines in between are part of it, not rows"), "csvMultiline", ["line"]]],
  "csv-syntax": [[re("the row is not valid UTF-8"), "csvUtf8", []]],
  "too-many-diagnostics": [[re("(\\d+) more problems? in this file not shown \\((\\d+) errors?, (\\d+) warnings?\\)"), "tooMany", ["n", "errors", "warnings"]]],
  "expired-entries": [[re("(\\d+) blocklist entr(?:y|ies) had already expired at compile time \\(([^)]*)\\)"), "expired", ["n", "at"]]],
  "unknown-field": [
    [re("unknown field `?` on `?`"), "unknownField", ["field", "on"]],
    [re("a `?` value has no field `?`"), "noField", ["type", "field"]],
  ],
  "unknown-identifier": [[re("unknown identifier `?`"), "unknownIdent", ["name"]]],
  "unknown-function": [
    [re("unknown function `?`"), "unknownFunction", ["name"]],
    [re("unknown method `?`"), "unknownMethod", ["name"]],
    [re("`?` is a method"), "isMethod", ["name"]],
    [re("`?` is not a method"), "notMethod", ["name"]],
  ],
  "wrong-arity": [[re("`?` takes (no arguments|1 argument|\\d+ arguments), found (\\d+)"), "arity", ["name", "count", "found"]]],
  "type-mismatch": [
    [re("cannot compare `?` with `?` using `?`"), "compare", ["a", "b", "op"]],
    [re("`?` cannot be applied to `?` and `?`"), "operator", ["op", "a", "b"]],
    [re("`?` needs a string, found `?`"), "needsString", ["name", "type"]],
    [re("`in` needs a list or a map on its right, found `?`"), "inNeeds", ["type"]],
    [re("cannot look for a `?` in a `?`"), "lookIn", ["a", "b"]],
    [re("the branches of `\\?:` have different types: `?` and `?`"), "branches", ["a", "b"]],
  ],
  "not-boolean": [[re("the condition is of type `?`, not `bool`"), "notBool", ["type"]]],
  "syntax": [
    [re("expected a value, found (.*)"), "expectedValue", ["found"]],
    [re("unexpected (.*) after the end of the expression"), "trailing", ["found"]],
    [re("the expression is empty"), "emptyExpr", []],
  ],
  "unknown-issue": [[re("`?` is not an order issue, so this is always false"), "unknownIssue", ["name"]]],
  "unknown-level": [[re("`?` is not a customer level"), "unknownLevel", ["name"]]],
  "policy-syntax": [
    [re("unknown field `?`, expected (?:one of )?(.*)"), "tomlUnknownKey", ["key", "expected"]],
    [re("unknown variant `?`, expected (?:one of )?(.*)"), "tomlUnknownValue", ["value", "expected"]],
    [re("missing field `?`"), "tomlMissingKey", ["key"]],
    [re("invalid basic string, expected `\"`"), "tomlUnclosed", []],
  ],
  "policy-value": [[re("`?` is not a currency code"), "currency", ["value"]]],
  "rule-id": [[re("rule id `?` is not kebab-case"), "ruleId", ["id"]]],
  "duplicate-rule-id": [[re("rule id `?` is used twice"), "ruleIdTwice", ["id"]]],
  "empty-when": [[re("rule `?` has an empty `when`"), "emptyWhen", ["id"]]],
  "empty-reason": [[re("rule `?` has an empty `reason`"), "emptyReason", ["id"]]],
  "verify-missing": [[re("step_up rule `?` names no verification method"), "verifyMissing", ["id"]]],
  "unknown-message": [[re("message `?` is not in `?`"), "unknownMessage", ["key", "table"]]],
  "missing-translation": [[re("message `?` has no `?` text"), "missingTranslation", ["key", "locale"]]],
  "message-placeholder": [[re("message `?` in `?`: (.*)"), "placeholder", ["key", "locale", "why"]]],
  "placeholder-context": [[re("message `?` in `?` uses `\\{appeal\\}` but the policy sets no `appeal`"), "noAppeal", ["key", "locale"]]],
  "warn-without-message": [[re("warn rule `?` names no `message`: the customer sees no notice"), "warnNoMessage", ["id"]]],
  "duplicate-sku": [[re("sku `?` is listed twice"), "skuTwice", ["sku"]]],
};

// The cell problems after `field `x`: ` (csv-field).
const CELLS = [
  [re("`?` is not a level; expected (.*)"), "cellLevel", ["value", "expected"]],
  [re("`?` is not an identifier kind; expected (.*)"), "cellKind", ["value", "expected"]],
  [re("`?` is not an RFC 3339 timestamp \\((.*)\\); write e\\.g\\. `?`"), "cellTime", ["value", "detail", "example"]],
  [re("`?` is not a whole number of 0 or more"), "cellCount", ["value"]],
  [re("`?` is not a price; write a plain decimal number such as `?`"), "cellPrice", ["value", "example"]],
  [re("`?` is not a scope; write (.*)"), "cellScope", ["value", "expected"]],
  [re("`?` does not look like an email address"), "cellEmail", ["value"]],
  [re("`?` normalizes to (\\d+) digits, not a valid phone number: no order phone will match it"), "cellPhone", ["value", "n"]],
  [re("the same entry is on line (\\d+); it is stored once"), "cellSame", ["line"]],
  [re("customer `?` is already listed on line (\\d+)"), "cellCustomerTwice", ["id", "line"]],
  [re("sku `?` is already listed on line (\\d+)"), "cellSkuTwice", ["sku", "line"]],
  [re("the reason code is empty"), "cellNoReason", []],
  [re("the value is empty"), "cellNoValue", []],
  [re("the customer id is empty"), "cellNoCustomer", []],
  [re("the sku is empty"), "cellNoSku", []],
  [re("the entry expires before it was added"), "cellExpiresFirst", []],
];

// The problems of a csv-header message, joined by `; `.
const HEADER = [
  [re("missing columns? (.*)"), "headerMissing", ["columns"]],
  [re("unknown columns? (.*)"), "headerUnknown", ["columns"]],
  [re("column `?` appears twice"), "headerTwice", ["column"]],
];

// The placeholder problems after `message `k` in `l`: ` (message-placeholder).
const PLACEHOLDERS = [
  [re("unknown placeholder `?`(.*)"), "phUnknown", ["name", "rest"]],
];

const HELPS = [
  [re("did you mean `?`\\?"), "didYouMean", ["name"]],
  [re("quote fields that contain commas: `?`"), "quoteCommas", ["example"]],
  [re("if a closing quote `\"` is missing, add it; line breaks inside a field are kept as they are"), "closeQuote", []],
  [re("the header must be `?` \\(any order\\)(?:, optionally with (.*))?"), "header", ["columns", "optional"]],
  [re("start the file with `?`"), "startWith", ["header"]],
  [re("give a machine reason code, e\\.g\\. `?`"), "reasonCode", ["example"]],
  [re("convert one side, e\\.g\\. with `int\\(\\.\\.\\.\\)` or `string\\(\\.\\.\\.\\)`"), "convert", []],
  [re("compare it with a number, e\\.g\\. `?`"), "compareNumber", ["example"]],
  [re("compare it with a string, e\\.g\\. `?`"), "compareString", ["example"]],
  [re("remove the key or fix its spelling; the keys are listed in docs/policy\\.md"), "tomlKey", []],
  [re("use one of the values listed in the message"), "tomlValue", []],
  [re("add at least one `\\[\\[rule\\]\\]` table"), "addRule", []],
  [re("write a three-letter ISO 4217 code, e\\.g\\. `?`"), "currency", ["example"]],
  [re("use lowercase letters, digits and single hyphens, e\\.g\\. `?`"), "kebab", ["example"]],
  [re("give every rule its own id"), "ownId", []],
  [re("add `?` under `?`, the default locale"), "addMessage", ["line", "table"]],
  [re("add `?` under `?`; until then `?` customers see the `?` text"), "addTranslation", ["key", "table", "locale", "fallback"]],
  [re("they match only orders judged before their expiry \\(backtests\\); remove them from the export if you do not backtest that far"), "expired", []],
  [re("save the file as UTF-8 CSV"), "utf8", []],
  [re("the placeholders are (.*) \\(docs/policy\\.md, \"Message placeholders\"\\); write `\\{\\{` and `\\}\\}` for literal braces"), "placeholders", ["names"]],
  [re("only the first (\\d+) are listed; fix them and run again"), "firstN", ["n"]],
];

/**
 * `text` in zh by the first of `forms` it matches: { text, whole } (whole: every part
 * translated), or null. A `cell`, `problems` or `why` argument is translated in turn.
 */
function translate(forms, text, ns = "m") {
  for (const [pattern, key, names] of forms) {
    const m = pattern.exec(text);
    if (!m) continue;
    let whole = true;
    const vars = {};
    names.forEach((name, i) => {
      const v = m[i + 1] ?? "";
      const sub = SUBS[name]?.(v);
      if (sub === null) whole = false; // an argument of an unknown form: kept in English
      vars[name] = sub?.text ?? v;
      if (sub) whole &&= sub.whole;
    });
    return { text: t(`diag.${ns}.${key}`, vars), whole };
  }
  return null;
}

// Arguments that are themselves English text: translated in turn (null: unknown form).
const SUBS = {
  cell: (v) => translate(CELLS, v),
  why: (v) => translate(PLACEHOLDERS, v),
  problems: joined,
  count: (v) => ({ text: v === "no arguments" ? t("diag.m.noArguments") : t("diag.m.arguments", { n: v.split(" ")[0] }), whole: true }),
  expected: (v) => ({ text: v.replace(/ or /g, " 或 "), whole: true }),
  // a token as the parser describes it: `x`, number `1`, string `"a"`, end of expression
  found: (v) => {
    if (v === "end of expression") return { text: t("diag.m.endOfExpr"), whole: true };
    const m = /^(number|string) (`.*`)$/s.exec(v);
    return { text: m ? t(`diag.m.${m[1]}Token`, { token: m[2] }) : v, whole: true };
  },
  optional: (v) => ({ text: v ? t("diag.h.optional", { columns: v }) : "", whole: true }),
};

function joined(problems) {
  const parts = problems.split("; ").map((p) => translate(HEADER, p));
  if (parts.some((p) => !p)) return null;
  return { text: parts.map((p) => p.text).join("；"), whole: true };
}

/**
 * A diagnostic's message and help in the page's language: { message, help, translated }
 * (translated: the message is wholly in that language; in English always). Messages are
 * text with `backticked` arguments, as the compiler writes them.
 */
export function diagnosticText(d) {
  if (lang() === "en") return { message: d.message, help: d.help ?? null, translated: true };
  const m = translate(FORMS[d.code] ?? [], d.message ?? "");
  const title = STRINGS[lang()][`diag.code.${d.code}`];
  const message = m ? m.text : title ? `${title}：${d.message}` : d.message;
  const h = d.help ? translate(HELPS, d.help, "h") : null;
  return { message, help: d.help ? (h?.whole ? h.text : d.help) : null, translated: Boolean(m?.whole) };
}

/** The keys `diag.m.*` and `diag.h.*` the forms above use (for the coverage test). */
export function formKeys() {
  const all = [...Object.values(FORMS).flat(), ...CELLS, ...HEADER, ...PLACEHOLDERS];
  return [...all.map(([, k]) => `diag.m.${k}`), ...HELPS.map(([, k]) => `diag.h.${k}`)];
}

/** The codes with at least one translated message form. */
export const translatedCodes = () => Object.keys(FORMS);
