// Reading a .zip of a store's policy files, with no dependency: the central directory
// (APPNOTE.TXT §4.3.12, §4.3.16) lists the entries; an entry's data follows its local
// header and is stored (method 0) or deflated (method 8), inflated with the platform's
// `DecompressionStream("deflate-raw")`. Only what a policy folder needs: no ZIP64, no
// encryption, no multi-disk archives — each refused with a message that says so.
// DOM-free (browsers and Node 18+), so the tests can import it.

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/** A zip the page cannot read, with a message for the user. */
export class ZipError extends Error {}

/**
 * The entries of the zip in `bytes` (a Uint8Array): `{name, size, read()}`, `read()`
 * resolving to the entry's bytes. Folders are left out. An entry whose size is over
 * `maxBytes` is listed, and `read()` refuses it (and so does an entry that inflates to
 * more than it declared).
 */
export function readZip(bytes, { maxBytes = Infinity } = {}) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u32 = (o) => (o + 4 <= bytes.length ? view.getUint32(o, true) : -1);
  const u16 = (o) => (o + 2 <= bytes.length ? view.getUint16(o, true) : -1);
  // The end-of-central-directory record is the last 22 bytes plus a comment of up to 64 KiB.
  let end = -1;
  for (let o = bytes.length - 22; o >= 0 && o >= bytes.length - 22 - 0xffff; o--) {
    if (u32(o) === EOCD) { end = o; break; }
  }
  if (end < 0) throw new ZipError("not a zip file (no central directory)");
  const count = u16(end + 10);
  const size = u32(end + 12);
  const start = u32(end + 16);
  if (count === 0xffff || size === 0xffffffff || start === 0xffffffff) throw new ZipError("ZIP64 archives are not supported: make a plain zip of the policy folder");
  if (u16(end + 4) !== 0 || u16(end + 6) !== 0) throw new ZipError("multi-part zip archives are not supported");
  if (start + size > end) throw new ZipError("damaged zip file (its central directory lies outside the file)");
  const utf8 = new TextDecoder("utf-8");
  const entries = [];
  let o = start;
  for (let i = 0; i < count; i++) {
    if (u32(o) !== CENTRAL) throw new ZipError(`damaged zip file (central directory entry ${i + 1} of ${count} is missing)`);
    const flags = u16(o + 8);
    const method = u16(o + 10);
    const compressed = u32(o + 20);
    const declared = u32(o + 24);
    const nameLen = u16(o + 28);
    const extraLen = u16(o + 30);
    const commentLen = u16(o + 32);
    const local = u32(o + 42);
    if (o + 46 + nameLen > bytes.length) throw new ZipError("damaged zip file (an entry's name runs past the end)");
    const name = utf8.decode(bytes.subarray(o + 46, o + 46 + nameLen));
    o += 46 + nameLen + extraLen + commentLen;
    if (name.endsWith("/")) continue;
    entries.push({
      name,
      size: declared,
      read: () => readEntry({ name, flags, method, compressed, declared, local, maxBytes }),
    });
  }
  return entries;

  async function readEntry(e) {
    if (e.flags & 1) throw new ZipError(`${e.name}: encrypted zip entries are not supported`);
    if (e.declared > e.maxBytes) throw new ZipError(`${e.name} is too large (${mb(e.declared)}; at most ${mb(e.maxBytes)})`);
    if (u32(e.local) !== LOCAL) throw new ZipError(`damaged zip file (${e.name}'s local header is missing)`);
    const from = e.local + 30 + u16(e.local + 26) + u16(e.local + 28);
    if (from + e.compressed > bytes.length) throw new ZipError(`damaged zip file (${e.name} runs past the end)`);
    const data = bytes.subarray(from, from + e.compressed);
    if (e.method === 0) return data.slice();
    if (e.method !== 8) throw new ZipError(`${e.name}: compression method ${e.method} is not supported (only stored and deflated)`);
    return inflate(data, e);
  }
}

async function inflate(data, e) {
  const stream = new Blob([data]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
  const reader = stream.getReader();
  const parts = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      // a lying size field must not let an entry inflate past the limit
      if (total > Math.min(e.declared, e.maxBytes)) {
        await reader.cancel();
        throw new ZipError(total > e.maxBytes ? `${e.name} is too large (more than ${mb(e.maxBytes)})` : `damaged zip file (${e.name} inflates to more than its declared ${e.declared} bytes)`);
      }
      parts.push(value);
    }
  } catch (err) {
    if (err instanceof ZipError) throw err;
    throw new ZipError(`damaged zip file (${e.name} does not inflate: ${err.message || err})`);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

/** A size for messages: `12 KB`, `64 MB`. */
export function mb(n) {
  return n < 1 << 20 ? `${Math.ceil(n / 1024)} KB` : `${Math.round(n / (1 << 20))} MB`;
}
