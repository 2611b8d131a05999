// SVG bar charts of the backtest report, drawn by hand (no chart library, no build step).
import { el } from "./state.js";

export const ACTION_COLORS = { allow: "var(--allow)", warn: "var(--warn)", review: "var(--review)", step_up: "var(--stepup)", deny: "var(--deny)" };

/** Horizontal bar chart as SVG in a <figure>. rows: {label, value, base?, color}. */
export function barChart(rows, { title, baseLabel, valueLabel } = {}) {
  // narrow screens get a narrower drawing, so its text is not scaled down to nothing
  const W = window.innerWidth < 700 ? Math.max(300, window.innerWidth - 56) : 560;
  const labelW = W < 420 ? 128 : 190;
  const rowH = 26;
  const H = rows.length * rowH + 8;
  const max = Math.max(1, ...rows.map((r) => Math.max(r.value, r.base ?? 0)));
  const scale = (W - labelW - 60) / max;
  const svg = svgEl("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": title, class: "chart" });
  rows.forEach((r, i) => {
    const y = 4 + i * rowH;
    const g = svgEl("g", { "data-label": r.label });
    const lbl = svgEl("text", { x: labelW - 8, y: y + rowH / 2 + 4, "text-anchor": "end", class: "c-label" });
    lbl.textContent = fitText(r.label, labelW - 12);
    const tip = svgEl("title", {});
    tip.textContent = `${r.label}: ${r.value}${r.base !== undefined ? ` (${baseLabel}: ${r.base})` : ""}`;
    g.append(tip, lbl);
    if (r.base !== undefined) g.append(svgEl("rect", { x: labelW, y: y + 3, width: Math.max(r.base * scale, r.base ? 2 : 0), height: rowH - 6, rx: 3, class: "c-base" }));
    g.append(svgEl("rect", { x: labelW, y: y + (r.base !== undefined ? 8 : 3), width: Math.max(r.value * scale, r.value ? 2 : 0), height: r.base !== undefined ? rowH - 16 : rowH - 6, rx: 3, fill: r.color || "var(--accent)", class: "c-bar" }));
    const val = svgEl("text", { x: labelW + Math.max(r.value, r.base ?? 0) * scale + 6, y: y + rowH / 2 + 4, class: "c-value" });
    val.textContent = r.value.toLocaleString();
    g.append(val);
    svg.append(g);
  });
  const fig = el("figure", { class: "chart-fig" }, svg);
  if (baseLabel) fig.append(el("figcaption", { class: "legend" }, el("span", { class: "key base" }), baseLabel, el("span", { class: "key cur" }), valueLabel));
  return fig;
}

let measure = null;
/**
 * `text`, cut to fit `px` pixels in the labels' font (.c-label: 12px, the page's sans)
 * with "…": by measured width, not by characters — a Chinese name is twice as wide as
 * its count says, and a label wider than its column ran off the chart's left edge.
 * The start (a SKU's code) is kept.
 */
export function fitText(text, px) {
  measure ||= document.createElement("canvas").getContext("2d");
  if (!measure) return text;
  measure.font = `12px ${getComputedStyle(document.body).fontFamily}`;
  if (measure.measureText(text).width <= px) return text;
  const cps = [...text];
  let lo = 0;
  let hi = cps.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (measure.measureText(cps.slice(0, mid).join("") + "…").width <= px) lo = mid; else hi = mid - 1;
  }
  return cps.slice(0, lo).join("").trimEnd() + "…";
}

function svgEl(name, attrs) {
  const e = document.createElementNS("http://www.w3.org/2000/svg", name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}
