// The policy compile off the page's thread (a module worker): `compilePolicy` of a
// 100k-row blocklist takes a second or more, and on the page's thread every keystroke
// typed meanwhile waited for it. The page posts {id, changed, names, options} (`changed`:
// the files that changed since the last post, as UTF-8 bytes; `names`: all the files,
// the others as last posted); the worker answers
// {id, ok, out} or {id, ok: false, error} with the error's fields the page shows
// (message, diagnostics, entries), as plain data. compiler.js is the page's side.
import init, { compilePolicy } from "../pkg/web/checkout_guard_compiler.js";

const ready = init();
/** The files as last posted. */
const files = {};
const utf8 = new TextDecoder("utf-8");

self.onmessage = async ({ data: { id, changed, names, options } }) => {
  try {
    for (const [name, bytes] of Object.entries(changed)) files[name] = utf8.decode(bytes);
    for (const name of Object.keys(files)) if (!names.includes(name)) delete files[name];
    await ready;
    const out = compilePolicy({ ...files }, options);
    const plain = { bytes: out.bytes, warnings: out.warnings, info: out.info, entries: out.entries };
    self.postMessage({ id, ok: true, out: plain }, [plain.bytes.buffer]);
  } catch (e) {
    const error = { message: String(e?.message || e), name: e?.name, kind: e?.kind, diagnostics: e?.diagnostics, entries: e?.entries };
    self.postMessage({ id, ok: false, error: JSON.parse(JSON.stringify(error)) });
  }
};
