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

/** The line index of a text, updated in place by `update` after each edit. */
export class Lines {
  constructor(text = "") { this.reset(text); }

  reset(text) {
    this.text = text;
    this.starts = lineStarts(text);
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
    return [s[k], k + 1 < s.length ? s[k + 1] - 1 : this.text.length];
  }

  /**
   * Moves to `next`, an edit of the current text between `hint` and `tail` (see editExtent):
   * replaces the line starts inside the edit, shifts those after it. Returns the edit's
   * extent (for the marks).
   */
  update(next, hint, tail) {
    const prev = this.text;
    if (next === prev) return { from: 0, oldEnd: 0, newEnd: 0, delta: 0 };
    const { from, oldEnd, newEnd } = editExtent(prev, next, hint, tail);
    const delta = newEnd - oldEnd;
    const s = this.starts;
    // Starts in (from, oldEnd] came from newlines inside the replaced range.
    const first = this.lineOf(from) + 1;
    let last = first;
    while (last < s.length && s[last] <= oldEnd) last++;
    const added = [];
    for (let i = next.indexOf("\n", from); i >= 0 && i < newEnd; i = next.indexOf("\n", i + 1)) added.push(i + 1);
    if (delta) for (let k = last; k < s.length; k++) s[k] += delta;
    // splice(...added) would pass one argument per line: a pasted list overflows the stack.
    if (added.length > 1000) this.starts = s.slice(0, first).concat(added, s.slice(last));
    else if (added.length || last > first) s.splice(first, last - first, ...added);
    this.text = next;
    return { from, oldEnd, newEnd, delta };
  }
}
