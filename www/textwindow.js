// The policy editor's <textarea> holds a window of the text, not all of it. Chromium lays
// out a textarea's whole text after every edit: at 100k rows (10 MB) that was seconds a
// keystroke (docs/BENCHMARKS.md, "The demo page's editor at scale"). Here the full text
// lives in the line index (lines.js) and the textarea holds the lines in view plus
// MARGIN above and below. It does not scroll itself: it is as tall and as wide as its
// text, placed at its first line's position in a scroll box (`.code`) whose spacer is as
// tall as the whole file, so scroll positions and line positions are the whole file's
// (the gutter and the underline mirror in editor.js place lines by them). A textarea's
// own padding cannot stand for the lines outside: Chromium does not scroll a textarea
// into its padding. A file of up to FULL_MAX lines is held whole (the window is the file).
//
// The browser still does the editing — caret, selection, IME composition, paste, drag and
// drop, spell-free typing — inside the window; each input event is mapped to the file by
// the window's offset. What a window cannot hold is done here on the model:
// - the view or the caret nearing the window's edge: the window moves (never during a
//   composition or a mouse drag);
// - the caret scrolled out of the window: the selection is kept here (`sel`) and put back
//   with the window around it at the next key;
// - Ctrl/Cmd+A, Ctrl/Cmd+(Shift+)Home/End: a selection of the whole file, kept here; copy,
//   cut, typing and deleting over it edit the model;
// - undo/redo (Ctrl/Cmd+Z, Ctrl+Y, Ctrl/Cmd+Shift+Z, the context menu): a textarea's own
//   history ends each time its value is set, so the history is kept here, by edit.
// Not done: the browser's find (Ctrl+F) sees the window only.
import { editExtent } from "./lines.js";

/** Files up to this many lines are held whole: their layout costs less than a frame. */
export const FULL_MAX = 400;
/** Lines held above and below the visible ones. */
const MARGIN = 60;
/** The window moves when the view or the caret comes within this many lines of its edge. */
const SLACK = 20;
/** Selections up to this many lines are held in the textarea; larger ones here. */
const MAX_SEL_LINES = 5000;
/** The textarea's own top and bottom padding, and the scroll box's (style.css, `.code textarea`). */
const PAD = 8;
/** Typing within this long after the previous edit, at its end, is undone with it. */
const GROUP_MS = 1000;
const HISTORY = 200;
/** Edits the browser makes at the selection (the selection start then bounds the edit). */
const AT_SELECTION = new Set(["insertText", "insertLineBreak", "insertParagraph", "insertFromPaste", "insertReplacementText",
  "deleteContentBackward", "deleteContentForward", "deleteWordBackward", "deleteWordForward", "deleteByCut",
  "deleteSoftLineBackward", "deleteHardLineBackward"]);
const NAVIGATION = new Set(["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Home", "End", "PageUp", "PageDown"]);
const MODIFIERS = new Set(["Shift", "Control", "Alt", "Meta", "CapsLock", "AltGraph", "Fn"]);

export class TextWindow {
  /**
   * @param {HTMLTextAreaElement} ta
   * @param {HTMLElement} box the scroll box holding the textarea
   * @param {HTMLElement} size the spacer in `box` that is as tall as the file
   * @param {import("./lines.js").Lines} lines the file's line index and text
   * @param {(extent: {from: number, oldEnd: number, newEnd: number, delta: number}) => void} onEdit after each change of the file
   */
  constructor(ta, box, size, lines, onEdit) {
    this.ta = ta;
    this.box = box;
    this.size = size;
    this.lines = lines;
    this.onEdit = onEdit;
    this.w0 = 0; // first line held
    this.w1 = 1; // one past the last line held
    this.base = 0; // UTF-16 index of the window's start in the file
    this.winText = ""; // what the textarea holds, as last set or seen
    this.sel = null; // the selection when the textarea cannot hold it: {start, end, dir}
    this.hint = null; // where the next input's edit may start (window index), from beforeinput
    this.before = null; // the selection before the next input (for undo)
    this.composing = false;
    this.dragging = false;
    this.undoStack = [];
    this.redoStack = [];
    this.lh = 20;
    ta.addEventListener("beforeinput", (e) => this.beforeInput(e));
    ta.addEventListener("input", () => this.input());
    ta.addEventListener("keydown", (e) => this.keydown(e));
    ta.addEventListener("compositionstart", () => { this.attach(); this.composing = true; });
    ta.addEventListener("compositionend", () => { this.composing = false; this.follow(); });
    ta.addEventListener("mousedown", () => { this.sel = null; this.dragging = true; });
    window.addEventListener("mouseup", () => { if (this.dragging) { this.dragging = false; this.follow(); } });
    ta.addEventListener("copy", (e) => this.copy(e, false));
    ta.addEventListener("cut", (e) => this.copy(e, true));
  }

  /** Whether the textarea holds the whole file. */
  get whole() { return this.w0 === 0 && this.w1 >= this.lines.count; }

  /** The selection in the file: {start, end, dir}. */
  selection() {
    if (this.sel) return { ...this.sel };
    const ta = this.ta;
    return { start: this.base + ta.selectionStart, end: this.base + ta.selectionEnd, dir: ta.selectionDirection };
  }

  /** A new file (opened, reset, replaced): caret at its start, view at its top, no history. */
  setText(text) {
    if (this.lines.text !== text) this.lines.reset(text);
    this.undoStack = [];
    this.redoStack = [];
    this.sel = null;
    this.lh = parseFloat(getComputedStyle(this.ta).lineHeight) || 20;
    this.box.scrollLeft = 0;
    this.render(0, this.lines.count <= FULL_MAX ? this.lines.count : Math.min(this.lines.count, this.rows() + MARGIN), { start: 0, end: 0, dir: "none" }, 0);
  }

  /** Selects [start, end) of the file and scrolls its end into view. */
  select(start, end = start, dir = "none") {
    this.setSelection({ start, end, dir }, true);
  }

  /** Lines the view shows. */
  rows() { return Math.ceil((this.box.clientHeight || 600) / this.lh) + 1; }

  /** [first, last] visible line at scroll position `top`. */
  visible(top = this.box.scrollTop) {
    const first = Math.max(0, Math.floor((top - PAD) / this.lh));
    return [first, Math.min(this.lines.count - 1, first + this.rows())];
  }

  /** Puts lines [n0, n1) in the textarea, with selection `sel` (file indexes) and scroll position `top`. */
  render(n0, n1, sel = this.selection(), top = this.box.scrollTop) {
    const L = this.lines;
    const ta = this.ta;
    const left = this.box.scrollLeft;
    this.w0 = Math.max(0, n0);
    this.w1 = Math.max(this.w0 + 1, Math.min(L.count, n1));
    this.base = L.starts[this.w0];
    L.focus(this.base, L.bounds(this.w1 - 1)[1]); // the window is where edits go
    this.winText = L.mid;
    this.place();
    if (ta.value !== this.winText) ta.value = this.winText;
    ta.style.width = "";
    this.fit();
    this.show(sel);
    this.box.scrollTop = top;
    this.box.scrollLeft = left;
  }

  /** The textarea at its first line's place, as tall as its lines; the spacer as tall as the file. */
  place() {
    // compared with what was set (the style's own text is re-serialised: 1.001e+06px)
    const want = [this.w0 * this.lh, (this.w1 - this.w0) * this.lh + 2 * PAD, this.lines.count * this.lh + 2 * PAD];
    const had = this.placed ?? [];
    if (had[0] !== want[0]) this.ta.style.top = `${want[0]}px`;
    if (had[1] !== want[1]) this.ta.style.height = `${want[1]}px`;
    if (had[2] !== want[2]) this.size.style.height = `${want[2]}px`;
    this.placed = want;
  }

  /** Widens the textarea to its longest line (it never scrolls sideways itself: the box does). */
  fit() {
    const ta = this.ta;
    if (ta.scrollWidth > ta.clientWidth) ta.style.width = `${ta.scrollWidth + 40}px`;
    if (ta.scrollLeft) ta.scrollLeft = 0;
  }

  /** Shows selection `sel` in the textarea, or keeps it here when the window does not hold it. */
  show(sel) {
    const len = this.winText.length;
    const a = sel.start - this.base;
    const b = sel.end - this.base;
    this.sel = a >= 0 && b <= len ? null : { ...sel };
    const clip = (x) => Math.max(0, Math.min(len, x));
    this.ta.setSelectionRange(clip(a), clip(b), sel.dir || "none");
  }

  /**
   * Moves the window when the view or the selection nears its edge (or the file crossed
   * FULL_MAX). The selection stays in the window while it is in or near the view.
   */
  follow(top = this.box.scrollTop) {
    if (this.composing || this.dragging) return;
    const L = this.lines;
    const n = L.count;
    if (n <= FULL_MAX) {
      if (!this.whole) this.render(0, n, this.selection(), top);
      return;
    }
    let [a, b] = this.visible(top);
    const s = this.selection();
    const s0 = L.lineOf(s.start);
    const s1 = L.lineOf(s.end);
    // the selection is held when it is near the view and not too long
    if (s1 - s0 <= MAX_SEL_LINES && s1 >= a - MARGIN && s0 <= b + MARGIN) {
      a = Math.min(a, s0);
      b = Math.max(b, s1);
    }
    const lo = Math.max(0, a - SLACK);
    const hi = Math.min(n, b + 1 + SLACK);
    if (this.w0 <= lo && this.w1 >= hi && this.w1 - this.w0 <= (b - a) + 4 * MARGIN) return;
    this.render(a - MARGIN, b + 1 + MARGIN, s, top);
  }

  /** The scroll position that shows file index `i` (the current one when it is in view). */
  topFor(i) {
    const box = this.box;
    const y = PAD + this.lines.lineOf(i) * this.lh;
    const h = box.clientHeight || 600;
    if (y >= box.scrollTop && y + this.lh <= box.scrollTop + h) return box.scrollTop;
    return Math.max(0, y - Math.floor(h / 3));
  }

  /** Sets the file selection; with `reveal`, scrolls its moving end into view. */
  setSelection(sel, reveal) {
    const top = reveal ? this.topFor(sel.dir === "backward" ? sel.start : sel.end) : this.box.scrollTop;
    this.sel = { ...sel };
    this.follow(top);
    this.show(sel);
    if (this.box.scrollTop !== top) this.box.scrollTop = top;
  }

  /** Puts a selection kept here back into the textarea (with the window around it), when it fits. */
  attach() {
    if (!this.sel) return true;
    const L = this.lines;
    if (L.lineOf(this.sel.end) - L.lineOf(this.sel.start) > MAX_SEL_LINES) return false;
    this.setSelection(this.sel, true);
    return !this.sel;
  }

  keydown(e) {
    if (e.isComposing || e.keyCode === 229 || MODIFIERS.has(e.key)) return;
    const mod = (e.ctrlKey || e.metaKey) && !e.altKey;
    const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
    if (mod && (key === "z" || key === "y")) {
      e.preventDefault();
      if (key === "y" || e.shiftKey) this.redo();
      else this.undo();
      return;
    }
    const len = this.lines.length;
    if (!this.whole && mod && key === "a") {
      e.preventDefault();
      this.setSelection({ start: 0, end: len, dir: "forward" }, false);
      return;
    }
    if (!this.whole && mod && (key === "Home" || key === "End")) {
      e.preventDefault();
      const to = key === "Home" ? 0 : len;
      const s = this.selection();
      const anchor = s.dir === "backward" ? s.end : s.start;
      if (e.shiftKey) this.setSelection({ start: Math.min(anchor, to), end: Math.max(anchor, to), dir: to < anchor ? "backward" : "forward" }, true);
      else this.setSelection({ start: to, end: to, dir: "none" }, true);
      return;
    }
    if (!mod && !e.altKey && (key === "PageDown" || key === "PageUp")) {
      // the textarea does not scroll (the box does), and Chromium's page keys move its caret by its own scroll
      e.preventDefault();
      this.page(key === "PageDown" ? 1 : -1, e.shiftKey);
      return;
    }
    if (mod && key === "c") return; // copy: see copy()
    if (this.sel && !this.attach() && NAVIGATION.has(e.key)) {
      // a selection too long for the window: the arrows collapse it to one end
      e.preventDefault();
      const at = ["ArrowLeft", "ArrowUp", "Home", "PageUp"].includes(e.key) ? this.sel.start : this.sel.end;
      this.setSelection({ start: at, end: at, dir: "none" }, true);
      return;
    }
    // after the browser moved the caret (arrows, page keys held down): move the window along
    requestAnimationFrame(() => this.follow());
  }

  /** PageDown (`dir` 1) or PageUp (-1): the caret and the view move by a screen, less a line; `extend` keeps the anchor. */
  page(dir, extend) {
    const L = this.lines;
    const s = this.selection();
    const head = s.dir === "backward" ? s.start : s.end;
    const anchor = s.dir === "backward" ? s.end : s.start;
    const n = L.lineOf(head);
    const step = Math.max(1, this.rows() - 2) * dir;
    const m = Math.max(0, Math.min(L.count - 1, n + step));
    const [a, b] = L.bounds(m);
    const to = m === n ? (dir > 0 ? L.length : 0) : Math.min(a + (head - L.starts[n]), b);
    this.box.scrollTop = Math.max(0, this.box.scrollTop + (m - n) * this.lh);
    const sel = extend
      ? { start: Math.min(anchor, to), end: Math.max(anchor, to), dir: to < anchor ? "backward" : "forward" }
      : { start: to, end: to, dir: "none" };
    this.setSelection(sel, true);
  }

  beforeInput(e) {
    if (e.inputType === "historyUndo" || e.inputType === "historyRedo") {
      e.preventDefault();
      if (e.inputType === "historyUndo") this.undo();
      else this.redo();
      return;
    }
    const s = this.selection();
    this.before = s;
    this.hint = null;
    if (this.sel && !e.isComposing) {
      // the selection is not in the textarea: the edit is made on the file
      e.preventDefault();
      const t = e.inputType;
      let { start, end } = s;
      if (start === end && t.startsWith("delete")) {
        if (t.includes("Backward")) start = Math.max(0, start - 1);
        else end = Math.min(this.lines.length, end + 1);
      }
      const ins = t.startsWith("delete") ? ""
        : t === "insertLineBreak" || t === "insertParagraph" ? "\n"
          : e.data ?? e.dataTransfer?.getData("text/plain") ?? "";
      this.edit(start, end, ins, s, { start: start + ins.length, end: start + ins.length, dir: "none" });
      return;
    }
    this.hint = AT_SELECTION.has(e.inputType) && !e.isComposing ? this.ta.selectionStart : null;
  }

  /** An edit the browser made in the textarea: the same edit of the file. */
  input() {
    const v = this.ta.value;
    if (v === this.winText) return;
    const caret = this.ta.selectionEnd;
    const hint = this.hint;
    this.hint = null;
    const { from, oldEnd, newEnd } = hint === null
      ? editExtent(this.winText, v)
      : editExtent(this.winText, v, Math.min(hint, caret), caret);
    const at = this.base + from;
    const before = this.before ?? { start: at, end: this.base + oldEnd, dir: "none" };
    this.before = null;
    const removed = this.change(at, this.base + oldEnd, v.slice(from, newEnd), v);
    this.record({ from: at, removed, inserted: v.slice(from, newEnd), before, after: this.selection() });
    this.follow();
  }

  /**
   * Replaces [from, to) of the file by `ins`. `windowText`: the textarea already holds the
   * result (an edit the browser made). Returns the removed text.
   */
  change(from, to, ins, windowText = null) {
    const L = this.lines;
    const removed = L.slice(from, to);
    const extent = L.splice(from, to, ins);
    if (windowText !== null) {
      this.winText = windowText;
      this.w1 = L.lineOf(this.base + windowText.length) + 1;
      this.place();
      this.fit();
    }
    this.onEdit(extent);
    return removed;
  }

  /** An edit made here (not by the browser): file, window, selection, history, then an input event for the page's other listeners. */
  edit(from, to, ins, before, after, record = true) {
    const removed = this.change(from, to, ins);
    if (record) this.record({ from, removed, inserted: ins, before, after });
    // the window is re-cut around the new selection (its text changed)
    this.w1 = this.w0; // force a render
    this.sel = { ...after };
    this.follow(this.topFor(after.end));
    this.show(after);
    this.ta.dispatchEvent(new Event("input", { bubbles: true }));
  }

  /** Keeps an edit {from, removed, inserted, before, after} for undo. */
  record(ed) {
    ed.t = performance.now();
    this.redoStack = [];
    const p = this.undoStack.at(-1);
    const k = p ? ed.from - p.from : -1;
    // typing (or composing, or deleting what was just typed) at the end of the last edit continues it
    if (p && ed.t - p.t < GROUP_MS && k >= 0 && k + ed.removed.length <= p.inserted.length
      && !ed.inserted.includes("\n") && !p.inserted.endsWith("\n") && ed.removed.length + ed.inserted.length < 100) {
      p.inserted = p.inserted.slice(0, k) + ed.inserted + p.inserted.slice(k + ed.removed.length);
      p.after = ed.after;
      p.t = ed.t;
      return;
    }
    this.undoStack.push(ed);
    if (this.undoStack.length > HISTORY) this.undoStack.shift();
  }

  undo() {
    const ed = this.undoStack.pop();
    if (!ed) return;
    this.redoStack.push(ed);
    this.edit(ed.from, ed.from + ed.inserted.length, ed.removed, this.selection(), ed.before, false);
  }

  redo() {
    const ed = this.redoStack.pop();
    if (!ed) return;
    this.undoStack.push(ed);
    this.edit(ed.from, ed.from + ed.removed.length, ed.inserted, this.selection(), ed.after, false);
  }

  /** Copy and cut of a selection kept here (the textarea holds only part of it). */
  copy(e, cut) {
    const s = this.sel;
    if (!s || s.start === s.end) return;
    e.preventDefault();
    e.clipboardData?.setData("text/plain", this.lines.slice(s.start, s.end));
    if (cut) this.edit(s.start, s.end, "", s, { start: s.start, end: s.start, dir: "none" });
  }
}
