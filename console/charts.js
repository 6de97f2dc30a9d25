// Charts as inline SVG built with DOM APIs. Sizes and positions are SVG
// attributes, colours are CSS classes: no inline style (the CSP forbids it).
// Each chart is an image with a title and a description for screen
// readers; the same numbers are in the text next to it.

import { s, nextId, fmtDate } from "./dom.js";

const THRESHOLDS = [
  [25, "medium"],
  [50, "high"],
  [70, "critical"],
];

function titled(svg, title, desc) {
  const tid = nextId("chart-title");
  const did = nextId("chart-desc");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-labelledby", `${tid} ${did}`);
  svg.prepend(s("title", { id: tid }, title), s("desc", { id: did }, desc));
  return svg;
}

/**
 * Horizontal bars, one per factor: the track is the factor's weight (its
 * most), the filled part what it added to the score, both against the
 * largest weight. Positions across are percentages and text keeps its CSS
 * size, so the chart reads the same on a phone and a laptop.
 */
export function factorChart(factors, level) {
  const rowH = 46;
  const height = Math.max(1, factors.length) * rowH + 4;
  const max = Math.max(1, ...factors.map((f) => f.weight || 0));
  const pct = (v) => `${((v / max) * 100).toFixed(2)}%`;
  const svg = s("svg", { class: "chart factor-chart", width: "100%", height, "data-chart": "factors" });
  if (!factors.length) {
    svg.append(s("text", { x: 0, y: 22, class: "chart-label" }, "No factor adds to this score."));
  }
  factors.forEach((f, i) => {
    const y = i * rowH;
    svg.append(
      s(
        "g",
        { class: "factor", "data-factor": f.id },
        s("text", { x: 0, y: y + 16, class: "chart-label" }, f.label),
        s("text", { x: "100%", y: y + 16, class: "chart-value", "text-anchor": "end" }, `+${f.contribution} of ${f.weight}`),
        s("rect", { x: 0, y: y + 23, width: pct(f.weight || 0), height: 14, rx: 3, class: "bar-track" }),
        s("rect", { x: 0, y: y + 23, width: pct(Math.max(f.contribution || 0, max / 100)), height: 14, rx: 3, class: `bar-fill level-${level || "low"}` }),
      ),
    );
  });
  const desc = factors.length
    ? factors.map((f) => `${f.label}: +${f.contribution} of ${f.weight}`).join("; ")
    : "No factor adds to this score.";
  return titled(svg, "Contribution of each risk factor", desc);
}

/**
 * The score over time (one point a day), with the level thresholds as
 * dashed lines. Across in percentages, up in pixels: no scaling of text.
 */
export function historyChart(history) {
  const points = history
    .slice()
    .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0))
    .map((e) => ({ date: e.date, score: e.score, level: e.level }));
  const height = 220;
  const top = 12;
  const plotH = height - top - 34;
  const left = 9;
  const right = 97;
  const y = (v) => (top + plotH - (v / 100) * plotH).toFixed(1);
  const x = (i) => `${(points.length <= 1 ? (left + right) / 2 : left + (i / (points.length - 1)) * (right - left)).toFixed(2)}%`;
  const svg = s("svg", { class: "chart history-chart", width: "100%", height, "data-chart": "history" });
  for (const v of [0, 50, 100]) {
    svg.append(
      s("line", { x1: `${left}%`, x2: `${right}%`, y1: y(v), y2: y(v), class: "grid" }),
      s("text", { x: `${left - 1.5}%`, y: Number(y(v)) + 4, class: "axis-label", "text-anchor": "end" }, String(v)),
    );
  }
  for (const [v, name] of THRESHOLDS) {
    svg.append(
      s("line", { x1: `${left}%`, x2: `${right}%`, y1: y(v), y2: y(v), class: `threshold level-${name}` }),
      s("text", { x: `${right}%`, y: Number(y(v)) - 4, class: "axis-label", "text-anchor": "end" }, name),
    );
  }
  for (let i = 1; i < points.length; i += 1) {
    svg.append(s("line", { x1: x(i - 1), y1: y(points[i - 1].score), x2: x(i), y2: y(points[i].score), class: "history-line" }));
  }
  points.forEach((p, i) => {
    svg.append(
      s("circle", { cx: x(i), cy: y(p.score), r: 5, class: `point level-${p.level}` }, s("title", {}, `${fmtDate(p.date)}: ${p.score} (${p.level})`)),
    );
  });
  if (points.length) {
    const first = points[0];
    const last = points[points.length - 1];
    const anchor = points.length === 1 ? "middle" : "start";
    svg.append(s("text", { x: x(0), y: height - 10, class: "axis-label", "text-anchor": anchor }, fmtDate(first.date)));
    if (points.length > 1) {
      svg.append(s("text", { x: `${right}%`, y: height - 10, class: "axis-label", "text-anchor": "end" }, fmtDate(last.date)));
    }
  }
  const desc = points.length
    ? `${points.length} daily score${points.length === 1 ? "" : "s"} from ${fmtDate(points[0].date)} to ${fmtDate(points[points.length - 1].date)}: ` +
      points.map((p) => `${p.date} ${p.score}`).join(", ")
    : "No history yet.";
  return titled(svg, "Risk score history", desc);
}

/**
 * Horizontal stacked bars, one row per item: `rows` are
 * [{id, label, parts: [{key, value}]}], `series` [{key, label}] names the
 * parts (each part's colour is the CSS class `part-{key}`), `unit` follows
 * each value in the text. Across in percentages of the largest row.
 */
export function stackedBarChart({ rows, series, unit, title, chart, compact }) {
  // Compact (the overview's small charts): thinner rows, the same layout.
  const rowH = compact ? 32 : 46;
  const barY = compact ? 19 : 23;
  const barH = compact ? 10 : 14;
  const textY = compact ? 14 : 16;
  const height = Math.max(1, rows.length) * rowH + 4;
  const total = (r) => r.parts.reduce((a, p) => a + (p.value || 0), 0);
  const max = Math.max(1e-9, ...rows.map(total));
  const pct = (v) => `${((v / max) * 100).toFixed(2)}%`;
  const label = (key) => (series.find((x) => x.key === key) || { label: key }).label;
  const fmt = (v) => `${Number(v.toFixed(2))}${unit ? ` ${unit}` : ""}`;
  const svg = s("svg", { class: "chart stacked-chart", width: "100%", height, "data-chart": chart || "stacked" });
  if (!rows.length) svg.append(s("text", { x: 0, y: 22, class: "chart-label" }, "Nothing to show."));
  rows.forEach((r, i) => {
    const y = i * rowH;
    const g = s(
      "g",
      { class: "stacked-row", "data-row": r.id },
      s("text", { x: 0, y: y + textY, class: "chart-label" }, r.label),
      s("text", { x: "100%", y: y + textY, class: "chart-value", "text-anchor": "end" }, fmt(total(r))),
      s("rect", { x: 0, y: y + barY, width: "100%", height: barH, rx: 3, class: "bar-track" }),
    );
    let at = 0;
    for (const p of r.parts) {
      if (!p.value) continue;
      g.append(
        s("rect", { x: pct(at), y: y + barY, width: pct(p.value), height: barH, class: `bar-part part-${p.key}`, "data-part": p.key }, s("title", {}, `${r.label}: ${fmt(p.value)} ${label(p.key).toLowerCase()}`)),
      );
      at += p.value;
    }
    svg.append(g);
  });
  const desc = rows.length
    ? rows.map((r) => `${r.label}: ${r.parts.map((p) => `${fmt(p.value || 0)} ${label(p.key).toLowerCase()}`).join(", ")}`).join("; ")
    : "Nothing to show.";
  return titled(svg, title, desc);
}

/**
 * A scatter of (x, y) points and the fitted line y = intercept + slope·x,
 * with an optional predicted point drawn hollow. Across in percentages,
 * up in pixels.
 */
export function fitChart({ points, slope, intercept, predicted, xLabel, yLabel, title, chart }) {
  const height = 260;
  const top = 16;
  const plotH = height - top - 46;
  const left = 14;
  const right = 96;
  const xs = points.map((p) => p.x).concat(predicted ? [predicted.x] : []);
  const xMax = Math.max(1, ...xs) * 1.1;
  const line = (x) => intercept + slope * x;
  const ys = points.map((p) => p.y).concat(predicted ? [predicted.y] : [], [line(0), line(xMax)]);
  let yMin = Math.min(0, ...ys);
  let yMax = Math.max(...ys);
  if (yMax - yMin < 1e-9) yMax = yMin + 1;
  yMax += (yMax - yMin) * 0.08;
  const px = (x) => `${(left + (x / xMax) * (right - left)).toFixed(2)}%`;
  const py = (y) => (top + plotH - ((y - yMin) / (yMax - yMin)) * plotH).toFixed(1);
  const num = (v) => (Math.abs(v) >= 100 ? Math.round(v).toLocaleString() : Number(v.toFixed(2)).toLocaleString());
  const svg = s("svg", { class: "chart fit-chart", width: "100%", height, "data-chart": chart || "fit" });
  for (const v of [yMin, (yMin + yMax) / 2, yMax]) {
    svg.append(
      s("line", { x1: `${left}%`, x2: `${right}%`, y1: py(v), y2: py(v), class: "grid" }),
      s("text", { x: `${left - 1.5}%`, y: Number(py(v)) + 4, class: "axis-label", "text-anchor": "end" }, num(v)),
    );
  }
  for (const v of [0, Math.round(xMax / 2), Math.floor(xMax)]) {
    svg.append(s("text", { x: px(v), y: top + plotH + 18, class: "axis-label", "text-anchor": "middle" }, String(v)));
  }
  svg.append(
    s("text", { x: `${(left + right) / 2}%`, y: height - 6, class: "axis-label", "text-anchor": "middle" }, xLabel),
    s("text", { x: 0, y: top - 4, class: "axis-label" }, yLabel),
    s("line", { x1: px(0), y1: py(line(0)), x2: px(xMax), y2: py(line(xMax)), class: "fit-line", "data-line": "fit" }),
  );
  for (const p of points) {
    svg.append(s("circle", { cx: px(p.x), cy: py(p.y), r: 5, class: "point point-data", "data-point": p.id || "" }, s("title", {}, p.title || `${p.x}: ${p.y}`)));
  }
  if (predicted) {
    svg.append(s("circle", { cx: px(predicted.x), cy: py(predicted.y), r: 6, class: "point point-predicted", "data-point": "predicted" }, s("title", {}, predicted.title || `predicted ${predicted.x}: ${predicted.y}`)));
  }
  const desc =
    `${points.length} point${points.length === 1 ? "" : "s"}: ` +
    points.map((p) => p.title || `${p.x}: ${p.y}`).join("; ") +
    `. Fitted line: ${yLabel} = ${num(intercept)} + ${num(slope)} × ${xLabel}.` +
    (predicted ? ` Predicted: ${predicted.title || `${predicted.x}: ${predicted.y}`}.` : "");
  return titled(svg, title, desc);
}
