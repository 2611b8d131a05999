// The page's side of compile-worker.js: `compileOffThread(files, options)` resolves to
// what `compilePolicy` returns (or rejects with its error's fields) without blocking the
// page, or returns null when there is no worker (then the caller compiles on the page's
// thread). One worker, started on first use; a worker that fails to start or load is
// not asked again. The files go over as UTF-8 bytes, transferred (a structured clone of
// a 10 MB string held the page 65 ms), and only those that changed since the last post:
// the worker keeps the others.
let worker = null;
/** The file texts as last posted (the worker holds them). */
let posted = {};
let broken = typeof Worker !== "function";
let next = 0;
const waiting = new Map();

function start() {
  if (worker || broken) return worker;
  try {
    worker = new Worker(new URL("./compile-worker.js", import.meta.url), { type: "module" });
  } catch (e) {
    console.warn("compile worker not started:", e);
    broken = true;
    return null;
  }
  worker.onmessage = ({ data }) => {
    const w = waiting.get(data.id);
    waiting.delete(data.id);
    if (!w) return;
    if (data.ok) w.resolve(data.out);
    else w.reject(Object.assign(new Error(data.error.message), data.error));
  };
  worker.onerror = (e) => {
    // the module did not load (or threw outside a compile): the waiting compiles go to the page's thread
    console.warn("compile worker failed:", e.message || e);
    e.preventDefault?.();
    broken = true;
    worker?.terminate();
    worker = null;
    for (const w of waiting.values()) w.resolve(null);
    waiting.clear();
  };
  return worker;
}

/** compilePolicy(files, options) in the worker: a promise of its result (null: no worker, compile here). */
export function compileOffThread(files, options) {
  const w = start();
  if (!w) return null;
  const id = ++next;
  const changed = {};
  const transfer = [];
  const utf8 = new TextEncoder();
  for (const [name, text] of Object.entries(files)) {
    if (posted[name] === text) continue;
    changed[name] = utf8.encode(text);
    transfer.push(changed[name].buffer);
  }
  posted = { ...files };
  return new Promise((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    w.postMessage({ id, changed, names: Object.keys(files), options }, transfer);
  });
}
