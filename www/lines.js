// Where each line of the editor's text starts, kept up to date edit by edit: a keystroke
// in a 100k-row blocklist.csv must not rescan ten megabytes to know that line 51,234 is
// where the caret is or which line numbers to draw (docs/BENCHMARKS.md, "The demo page's
// editor at scale"). No DOM: tests/www/lines.test.mjs runs it in Node.

/** UTF-16 index of every line start of `text` (the first is 0). */
export function lineStarts(text) {
  const starts = [0];
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
  return starts;
}

/**
 * The extent of the edit that turned `prev` into `next`, as UTF-16 indexes: `[from, oldEnd)`
 * of `prev` became `[from, newEnd)` of `next`. The texts are known to agree before index
 * `hint` and from index `tail` of `next` to its end (for a keystroke: the smaller of the
 * selection start before it and the caret after it, and the caret after it), so typing
 * compares a few characters, not the whole file. Without them it compares everything.
 */
export function editExtent(prev, next, hint = 0, tail = next.length) {
  const suffix = Math.max(0, Math.min(next.length - tail, prev.length, next.length));
  const max = Math.min(prev.length, next.length) - suffix;
  let from = Math.max(0, Math.min(hint, max));
  while (from < max && prev.charCodeAt(from) === next.charCodeAt(from)) from++;
  let oldEnd = prev.length - suffix;
  let newEnd = next.length - suffix;
  while (oldEnd > from && newEnd > from && prev.charCodeAt(oldEnd - 1) === next.charCodeAt(newEnd - 1)) {
    oldEnd--;
    newEnd--;
  }
  return { from, oldEnd, newEnd };
}

/**
 * The line index of a text, updated in place by `splice` after each edit.
 *
 * The text is kept in three pieces, the middle one being where edits go (the editor's
 * window, `focus`): an edit inside it rebuilds that piece only. One string for the whole
 * file would be rebuilt by every keystroke — a 10 MB copy when V8 flattens the
 * concatenation, about as long as a frame. `text` joins the pieces when asked (a compile).
 */
export class Lines {
  constructor(text = "") { this.reset(text); }

  reset(text) {
    this.head = "";
    this.mid = text;
    this.tail = "";
    this.joined = text;
    this.starts = lineStarts(text);
  }

  /** The whole text (joined once after edits, then kept until the next). */
  get text() {
    if (this.joined === null) {
      this.joined = this.head + this.mid + this.tail;
      this.joined.charCodeAt(0); // flattened once here, not by each later slice
      this.focus(this.head.length, this.head.length + this.mid.length);
    }
    return this.joined;
  }

  set text(text) { this.reset(text); }

  get length() { return this.head.length + this.mid.length + this.tail.length; }

  /** Makes [a, b) the piece edits go to: later edits inside it cost its length, not the file's. */
  focus(a, b) {
    const t = this.text;
    // slices of a flat string share its characters (no copy)
    this.head = t.slice(0, a);
    this.mid = t.slice(a, b);
    this.tail = t.slice(b);
  }

  /** The text's [a, b), from the pieces when it lies in one. */
  slice(a, b) {
    const h = this.head.length;
    const m = h + this.mid.length;
    if (b <= h) return this.head.slice(a, b);
    if (a >= h && b <= m) return this.mid.slice(a - h, b - h);
    if (a >= m) return this.tail.slice(a - m, b - m);
    return this.text.slice(a, b);
  }

  /** Replaces [from, to) by `ins`; the line starts follow. Returns the edit's extent (for the marks). */
  splice(from, to, ins) {
    const h = this.head.length;
    const m = h + this.mid.length;
    if (from >= h && to <= m) {
      this.mid = this.mid.slice(0, from - h) + ins + this.mid.slice(to - h);
    } else {
      const t = this.text;
      this.head = "";
      this.mid = t.slice(0, from) + ins + t.slice(to);
      this.tail = "";
    }
    this.joined = null;
    const delta = ins.length - (to - from);
    const s = this.starts;
    const first = this.lineOf(from) + 1;
    let last = first;
    while (last < s.length && s[last] <= to) last++;
    const added = [];
    for (let i = ins.indexOf("\n"); i >= 0; i = ins.indexOf("\n", i + 1)) added.push(from + i + 1);
    this.move(first, last, added, delta);
    return { from, oldEnd: to, newEnd: from + ins.length, delta };
  }

  /** Line starts [first, last) become `added`; those after them move by `delta`. */
  move(first, last, added, delta) {
    const s = this.starts;
    if (delta) for (let k = last; k < s.length; k++) s[k] += delta;
    // splice(...added) would pass one argument per line: a pasted list overflows the stack.
    if (added.length > 1000) this.starts = s.slice(0, first).concat(added, s.slice(last));
    else if (added.length || last > first) s.splice(first, last - first, ...added);
  }

  get count() { return this.starts.length; }

  /** 0-based line holding UTF-16 index `i`. */
  lineOf(i) {
    const s = this.starts;
    let lo = 0;
    let hi = s.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (s[mid] <= i) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** [start, end) of 0-based line `n`, without its newline. */
  bounds(n) {
    const s = this.starts;
    const k = Math.max(0, Math.min(n, s.length - 1));
    return [s[k], k + 1 < s.length ? s[k + 1] - 1 : this.length];
  }
}
