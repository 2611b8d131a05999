// Find in the whole file open in the editor. The textarea holds only a window of lines
// around the view (textwindow.js), so the browser's own find (Ctrl+F) sees that window
// only. While the editor has the focus, Ctrl/Cmd+F opens this bar instead (elsewhere on
// the page the browser's find is left alone; the "Find" link opens it too): plain text,
// case-insensitive, searched in the whole text; a match is selected in the editor, which
// moves its window and view to it. Enter: next, Shift+Enter: previous, Escape: back to
// the editor with the match selected.
import { t } from "./i18n.js";
import { $ } from "./state.js";
import { editorText, editorSelection, selectInEditor, markFound } from "./editor.js";

/** Matches counted up to this many (a one-letter query in an 11 MB file has millions). */
const MAX_COUNT = 1000;
let folded = { text: null, low: "" }; // the text searched, lowercased once per text
let last = null;                      // the last match shown: {at, k, n}

/** The text to search and the query, both lowercased when that keeps every offset. */
function haystack(query) {
  const text = editorText();
  if (folded.text !== text) folded = { text, low: text.toLowerCase() };
  const q = query.toLowerCase();
  // a character whose lowercase is longer (e.g. `İ`) would shift the offsets: exact case then
  return folded.low.length === text.length && q.length === query.length ? [folded.low, q] : [text, query];
}

/** Finds `query` from the selection: `dir` 0 at or after its start, 1 after it, -1 before it. */
export function findInEditor(query, dir = 1) {
  if (!query) { last = null; markFound(null, true); return null; }
  const [text, q] = haystack(query);
  const sel = editorSelection();
  let at = dir < 0 ? (sel.start > 0 ? text.lastIndexOf(q, sel.start - 1) : -1) : text.indexOf(q, sel.start + (dir > 0 ? 1 : 0));
  if (at < 0) at = dir < 0 ? text.lastIndexOf(q) : text.indexOf(q); // wrap around
  if (at < 0) {
    markFound(null, true);
    last = { at: -1, k: 0, n: 0 };
    return last;
  }
  let n = 0;
  let k = 0;
  let counted = -1;
  for (let i = text.indexOf(q); i >= 0 && n < MAX_COUNT; i = text.indexOf(q, i + 1)) {
    n++;
    counted = i;
    if (i <= at) k = n;
  }
  if (at > counted) k = 0; // past the counted ones: its number is not known
  markFound({ a: at, b: at + q.length }); // highlighted while the focus is here, not in the editor
  selectInEditor(at, at + q.length);
  last = { at, k, n };
  return last;
}

function showCount() {
  const out = $("#find-count");
  if (!last) out.textContent = "";
  else if (!last.n) out.textContent = t("policy.findNone");
  else out.textContent = t("policy.findCount", { k: last.k || "?", n: last.n >= MAX_COUNT ? `${MAX_COUNT}+` : last.n });
}

function openFind() {
  const bar = $("#find-bar");
  bar.hidden = false;
  const input = $("#find-text");
  const sel = editorSelection();
  const picked = editorText().slice(sel.start, sel.end);
  if (picked && !picked.includes("\n") && picked.length <= 200) input.value = picked;
  input.focus();
  input.select();
}

function closeFind() {
  $("#find-bar").hidden = true;
  markFound(null, true); // the editor's own selection shows the match once it has the focus
  $("#source").focus();
}

export function setupFind() {
  const input = $("#find-text");
  $("#source").addEventListener("keydown", (e) => {
    if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === "f") {
      e.preventDefault();
      openFind();
    }
  });
  $("#find-open").addEventListener("click", openFind);
  $("#find-close").addEventListener("click", closeFind);
  input.addEventListener("input", () => { findInEditor(input.value, 0); showCount(); });
  $("#find-bar").addEventListener("submit", (e) => { e.preventDefault(); findInEditor(input.value, 1); showCount(); });
  input.addEventListener("keydown", (e) => {
    if (e.key === "Escape") { e.preventDefault(); closeFind(); }
    else if (e.key === "Enter" && e.shiftKey) { e.preventDefault(); findInEditor(input.value, -1); showCount(); }
  });
}

/** The count in the language shown (after a switch). */
export const renderFind = showCount;
