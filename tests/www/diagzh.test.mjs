// The compiler's diagnostics in Chinese (www/diagtext.js, issue 13): every code the
// compiler can emit (src/diagnostic.rs) has a zh title; the message forms it translates
// have their texts; the common mistakes of tests/www/diag-cases.mjs, compiled in the page,
// read wholly in Chinese (message and help); the diagnostics list follows the language.
// The coverage (codes with translated forms, codes with a title only) is printed.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { launch, openPage, pageUrl, stopServer, read, root } from "./helpers.mjs";
import { STRINGS } from "../../www/i18n.js";
import { formKeys, translatedCodes } from "../../www/diagtext.js";
import { CASES } from "./diag-cases.mjs";

/** Every code name declared in src/diagnostic.rs's `codes!` table. */
const codes = [...read("src/diagnostic.rs").matchAll(/^\s+[A-Z][A-Za-z]+ = "([a-z-]+)",$/gm)].map((m) => m[1]);
const zh = STRINGS["zh-CN"];

test("every compiler code has a zh title, and every message form a zh text", () => {
  assert.ok(codes.length > 50, `codes read from src/diagnostic.rs: ${codes.length}`);
  const untitled = codes.filter((c) => !zh[`diag.code.${c}`]);
  assert.deepEqual(untitled, [], "codes without a zh title (diag.code.* in www/i18n.js)");
  const missing = formKeys().filter((k) => !zh[k]);
  assert.deepEqual(missing, [], "message forms without a zh text");
  const unknown = [...translatedCodes(), ...Object.keys(zh).filter((k) => k.startsWith("diag.code.")).map((k) => k.slice(10))]
    .filter((c) => !codes.includes(c));
  assert.deepEqual(unknown, [], "zh texts for codes the compiler does not have");
  const titleOnly = codes.filter((c) => !translatedCodes().includes(c));
  console.log(`zh diagnostics: ${codes.length} codes, all with a title; ${codes.length - titleOnly.length} with translated message forms (${formKeys().length} forms and helps); title + English message for: ${titleOnly.join(", ")}`);
});

let browser;
before(async () => { await pageUrl(); browser = await launch(); });
after(async () => { await browser?.close(); stopServer(); });

test("the common mistakes compile to diagnostics that read wholly in Chinese", async () => {
  const { page, problems, context } = await openPage(browser, { lang: "zh-CN" });
  const results = await page.evaluate(async (cases) => {
    const { state } = await import(new URL("state.js", location.href));
    const { diagnosticText } = await import(new URL("diagtext.js", location.href));
    return cases.map((c) => {
      const files = { ...state.files };
      if (c.text !== undefined) files[c.file] = c.text;
      else if (c.append) files[c.file] = files[c.file].replace(/\n*$/, "\n") + c.append;
      else if (files[c.file].includes(c.replace[0])) files[c.file] = files[c.file].replace(c.replace[0], c.replace[1]);
      else return { name: c.name, missing: c.replace[0] };
      let ds;
      try { ds = state.cg.compilePolicy(files, { key: state.demoKey, createdAt: state.createdAt }).warnings; } catch (e) { ds = e.diagnostics; }
      return { name: c.name, shown: ds.map((d) => ({ d, z: diagnosticText(d) })) };
    });
  }, CASES);
  const english = [];
  for (const r of results) {
    assert.equal(r.missing, undefined, `${r.name}: the demo store has no ${r.missing}`);
    assert.ok(r.shown.length, `${r.name}: no diagnostic`);
    for (const { d, z } of r.shown) {
      if (!z.translated) english.push(`${r.name}: [${d.code}] ${d.message}`);
      if (d.help && z.help === d.help) english.push(`${r.name}: help of [${d.code}] ${d.help}`);
      // the arguments (user input, names) are carried over unchanged
      for (const arg of d.message.match(/`[^`]*`/g) ?? []) if (z.translated) assert.ok(z.message.includes(arg), `${r.name}: ${arg} lost in ${z.message}`);
    }
  }
  assert.deepEqual(english, [], "diagnostics of the common mistakes still in English");
  assert.deepEqual(problems, []);
  await context.close();
});

test("the diagnostics list follows the language; an untranslated form keeps its English after the code's title", async () => {
  const { page, problems, context } = await openPage(browser, { lang: "zh-CN" });
  await page.fill("#source", (await page.inputValue("#source")).replace("customer.level ==", "customer.lvl =="));
  await page.waitForSelector("#compile-status.bad", { timeout: 20000 });
  const item = '#diagnostics li.diag[data-code="unknown-field"]';
  await page.waitForSelector(item);
  assert.equal(await page.getAttribute(item, "data-translated"), "true");
  assert.match(await page.textContent(`${item} .diag-msg`), /^customer 没有字段 lvl$/);
  assert.match(await page.textContent(`${item} .diag-help`), /是不是要写 level？/);
  const shots = path.join(root, "target/screenshots");
  mkdirSync(shots, { recursive: true });
  await page.$eval(item, (li) => li.scrollIntoView({ block: "center" }));
  await page.screenshot({ path: path.join(shots, "diagnostics-zh.png") });
  // an English message of a form with no translation: the zh title, then the English
  const fallback = await page.evaluate(async () => {
    const { diagnosticText } = await import(new URL("diagtext.js", location.href));
    return diagnosticText({ code: "too-deep", severity: "error", message: "expression is nested more than 32 levels deep" });
  });
  assert.deepEqual(fallback, { message: "表达式嵌套过深：expression is nested more than 32 levels deep", help: null, translated: false });
  // English: the compiler's own text
  await page.click('.lang-btn[data-lang="en"]');
  assert.equal(await page.textContent(`${item} .diag-msg`), "unknown field lvl on customer");
  assert.match(await page.textContent(`${item} .diag-help`), /did you mean level\?/);
  assert.deepEqual(problems, []);
  await context.close();
});
