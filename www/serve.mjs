// Serves the demo page and what it loads (the wasm package in pkg/, the demo store's
// source files, the sample orders, the embedded snapshot) from the repository root, on
// localhost only. No dependencies: the demo must start from a fresh clone with nothing
// but Node. Only a few top-level folders are exposed, so the rest of the checkout is not.
//
//   node www/serve.mjs [--port N] [--host 127.0.0.1]     (port 0 = any free port)
//
// Prints one line `checkout-guard demo: http://HOST:PORT/www/` once listening.
import { createServer } from "node:http";
import { createReadStream, promises as fs } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const exposed = ["www", "pkg", "examples", "assets"];
const types = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".jsonl": "application/x-ndjson; charset=utf-8",
  ".wasm": "application/wasm",
  ".toml": "text/plain; charset=utf-8",
  ".csv": "text/csv; charset=utf-8",
  ".md": "text/plain; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ts": "text/plain; charset=utf-8",
  ".snapshot": "application/octet-stream",
};

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

const host = arg("--host", process.env.HOST || "127.0.0.1");
const explicitPort = arg("--port", process.env.PORT);
const port = Number(explicitPort ?? "8080");

const server = createServer(async (req, res) => {
  try {
    const url = new URL(req.url || "/", "http://localhost");
    let rel = decodeURIComponent(url.pathname);
    if (rel === "/" || rel === "/index.html" || rel === "/www") {
      res.writeHead(302, { location: "/www/" });
      return res.end();
    }
    const file = path.resolve(root, "." + rel);
    const top = path.relative(root, file).split(path.sep)[0];
    if (!file.startsWith(root + path.sep) || !exposed.includes(top)) {
      return send(res, 404, "not found");
    }
    let stat = await fs.stat(file).catch(() => null);
    let target = file;
    if (stat && stat.isDirectory()) {
      target = path.join(file, "index.html");
      stat = await fs.stat(target).catch(() => null);
    }
    if (!stat || !stat.isFile()) return send(res, 404, "not found");
    res.writeHead(200, {
      "content-type": types[path.extname(target)] || "application/octet-stream",
      "content-length": stat.size,
      "cache-control": "no-cache",
      "x-content-type-options": "nosniff",
    });
    if (req.method === "HEAD") return res.end();
    createReadStream(target).pipe(res);
  } catch {
    send(res, 400, "bad request");
  }
});

function send(res, status, text) {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
  res.end(text + "\n");
}

// The default port may be taken: then any free one (a port asked for must be that one).
server.on("error", (e) => {
  if (e.code === "EADDRINUSE" && explicitPort === undefined && server.listenAttempt === 1) {
    server.listenAttempt = 2;
    server.listen(0, host);
    return;
  }
  console.error(`serve: ${e.message}`);
  process.exit(1);
});
server.listenAttempt = 1;
server.listen(port, host, () => {
  const { port: actual } = server.address();
  console.log(`checkout-guard demo: http://${host}:${actual}/www/`);
});

for (const sig of ["SIGINT", "SIGTERM"]) {
  // Exit at once: a browser's keep-alive connections would hold server.close() open.
  process.on(sig, () => process.exit(0));
}
