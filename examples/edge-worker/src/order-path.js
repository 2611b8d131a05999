// Which requests are "the order path"? The worker checks `POST ORDERS_PATH`, but origins
// read paths in many ways: some decode percent-escapes, fold case, drop `;params`
// (Tomcat, Jetty), strip a format suffix (`/orders.json` in Rails, Spring), or cut at a
// NUL. A spelling the worker did not recognise but the origin routes to its order
// handler would reach it unchecked, carrying the worker's headers. So every request
// path is put in one of three classes (README "Which paths are checked"):
//
//   "order"      canonically the order path → POST is checked, other writes refused
//   "ambiguous"  not canonical, but some origin could read it as the order path →
//                every method but GET/HEAD/OPTIONS is refused (400), never forwarded
//   "other"      a different path (`/orders/42`, `/orders-history`) → passed through
//
// Both forms below are computed for the request path and for ORDERS_PATH alike.

/**
 * The canonical form: what RFC 3986 says is the same path. Percent-escapes of
 * unreserved characters decoded (`%6F` → `o`), the rest upper-cased; runs of `/` as one;
 * `.` and `..` segments resolved; one trailing `/` dropped; ASCII case folded (the
 * worker's reading of the order endpoint: most origins route case-insensitively).
 */
export function canonicalPath(pathname) {
  const decoded = pathname.replace(/%([0-9a-f]{2})/gi, (escape, hex) => {
    const c = String.fromCharCode(parseInt(hex, 16));
    return /[A-Za-z0-9\-._~]/.test(c) ? c : `%${hex.toUpperCase()}`;
  });
  return joinSegments(removeDots(decoded.split("/"))).toLowerCase();
}

/**
 * The loose form: what the most lenient origin could make of the path. Everything in
 * the canonical form, plus: every percent-escape decoded, three times over (as UTF-8,
 * bad bytes as U+FFFD) and NFKC-folded (full-width letters); `\` as `/`; each segment
 * cut at a `;param` or a control character (NUL, CR…); format characters (zero-width space,
 * BOM) removed; spaces and dots trimmed off segment ends; and the last segment's
 * `.suffix` dropped. Used only to refuse, never to accept: a path whose loose form is
 * the order path's but whose canonical form is not is "ambiguous".
 */
export function loosePath(pathname) {
  // Decoded up to three times: some stacks decode twice (`%256F` → `%6F` → `o`).
  let text = pathname;
  for (let i = 0; i < 3; i++) text = decodeAll(text);
  text = text.normalize("NFKC").replace(/\\/g, "/");
  const segments = removeDots(text.split("/").map(looseSegment));
  const last = segments.length - 1;
  const dot = last >= 0 ? segments[last].indexOf(".") : -1;
  if (dot > 0) segments[last] = segments[last].slice(0, dot); // `orders.json` → `orders`
  return joinSegments(segments).toLowerCase();
}

/** "order" | "ambiguous" | "other" for a request path against ORDERS_PATH. */
export function classifyPath(pathname, ordersPath) {
  if (canonicalPath(pathname) === canonicalPath(ordersPath)) return "order";
  if (loosePath(pathname) === loosePath(ordersPath)) return "ambiguous";
  return "other";
}

// One segment as a lenient origin might read it: cut at `;` (matrix parameters) or at a
// control character (C-string truncation at NUL), without format characters, and
// without the spaces and trailing dots some file systems and routers ignore.
// A segment that is `..` once cut (Tomcat's `..;`) stays a dot segment: it climbs.
function looseSegment(segment) {
  const cut = segment.split(";")[0].split(/\p{Cc}/u)[0].replace(/\p{Cf}/gu, "").trim();
  if (cut === "." || cut === "..") return cut;
  return cut.replace(/[\s.]+$/u, "");
}

// Resolves `.` and `..` segments (RFC 3986 §5.2.4) and drops empty ones (`//`).
function removeDots(segments) {
  const out = [];
  for (const s of segments) {
    if (s === "" || s === ".") continue;
    if (s === "..") out.pop();
    else out.push(s);
  }
  return out;
}

function joinSegments(segments) {
  return "/" + segments.join("/");
}

// Every %XX decoded as UTF-8; a malformed sequence decodes to U+FFFD instead of throwing
// (decodeURIComponent would), so no input escapes classification by being invalid.
function decodeAll(pathname) {
  const bytes = [];
  for (let i = 0; i < pathname.length; i++) {
    const hex = pathname.slice(i + 1, i + 3);
    if (pathname[i] === "%" && /^[0-9a-f]{2}$/i.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...new TextEncoder().encode(pathname[i]));
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}
