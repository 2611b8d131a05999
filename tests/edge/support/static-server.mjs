// A tiny static file server on 127.0.0.1 with the MIME types a wasm page needs.
import { createServer } from "node:http";
import { createReadStream, statSync } from "node:fs";
import { extname, join, normalize, sep } from "node:path";

const MIME = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".snapshot": "application/octet-stream",
  ".svg": "image/svg+xml",
  ".map": "application/json; charset=utf-8",
};

/**
 * `mounts` maps URL prefixes to folders, e.g. {"/pkg/": "/path/to/pkg", "/": root};
 * the longest matching prefix wins. Resolves to {url, requests, close()}.
 */
export function serveStatic(mounts) {
  const prefixes = Object.keys(mounts).sort((a, b) => b.length - a.length);
  const requests = [];
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    requests.push(path);
    const prefix = prefixes.find((p) => path.startsWith(p));
    let file = null;
    if (prefix !== undefined && !path.includes("\0")) {
      const base = normalize(mounts[prefix]);
      const candidate = normalize(join(base, path.slice(prefix.length)));
      if (candidate === base || candidate.startsWith(base + sep)) file = candidate;
    }
    try {
      if (file && statSync(file).isDirectory()) file = join(file, "index.html");
      if (!file || !statSync(file).isFile()) throw new Error("not a file");
    } catch {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    res.writeHead(200, {
      "content-type": MIME[extname(file)] || "application/octet-stream",
      "cache-control": "no-store",
    });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      resolve({
        url: `http://127.0.0.1:${port}`,
        requests,
        close: () => new Promise((r) => server.close(() => r())),
      });
    });
  });
}
