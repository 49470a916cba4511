// Charts drawn as inline SVG by the page itself (no library): horizontal bars for totals and
// a line for a running total over time. Labels are SVG text nodes (data stays text); colours
// come from the stylesheet, so both themes apply.
"use strict";

const SVG_WIDTH = 560;

/// Bars of `rows` ({label, value}), biggest first, each labelled with `format(value)`.
function barChart(title, rows, format) {
  const bar = 22, gap = 6, left = 150, right = 90;
  const top = rows.slice(0, 12);
  const max = Math.max(...top.map((r) => r.value), 0) || 1;
  const height = Math.max(1, top.length) * (bar + gap) + gap;
  const svg = h("svg:svg", {
    viewBox: `0 0 ${SVG_WIDTH} ${height}`, role: "img", "aria-label": title, className: "chart",
  }, h("svg:title", {}, title));
  top.forEach((row, i) => {
    const y = gap + i * (bar + gap);
    const width = Math.max(1, ((SVG_WIDTH - left - right) * row.value) / max);
    svg.append(
      h("svg:text", { x: left - 6, y: y + bar * 0.7, className: "axis", "text-anchor": "end" },
        row.label.length > 22 ? `${row.label.slice(0, 21)}…` : row.label),
      h("svg:rect", { x: left, y, width, height: bar, rx: 3, className: "bar" },
        h("svg:title", {}, `${row.label}: ${format(row.value)}`)),
      h("svg:text", { x: left + width + 6, y: y + bar * 0.7, className: "value" }, format(row.value)));
  });
  if (!top.length) svg.append(h("svg:text", { x: 8, y: 18, className: "axis" }, "no usage recorded"));
  return h("figure", { className: "chart-box" }, h("figcaption", {}, title), svg);
}

/// A line through `points` ({t: milliseconds, value}), oldest first, with the first and last
/// times and the top value on its axes.
function lineChart(title, points, format) {
  const width = SVG_WIDTH, height = 200, pad = 36;
  const svg = h("svg:svg", {
    viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": title, className: "chart",
  }, h("svg:title", {}, title));
  if (points.length < 1) {
    svg.append(h("svg:text", { x: 8, y: 18, className: "axis" }, "no usage recorded"));
    return h("figure", { className: "chart-box" }, h("figcaption", {}, title), svg);
  }
  const t0 = points[0].t, t1 = points[points.length - 1].t;
  const span = t1 - t0 || 1;
  const max = Math.max(...points.map((p) => p.value)) || 1;
  const x = (t) => pad + ((width - 2 * pad) * (t - t0)) / span;
  const y = (v) => height - pad - ((height - 2 * pad) * v) / max;
  const path = points.map((p) => `${x(p.t).toFixed(1)},${y(p.value).toFixed(1)}`).join(" ");
  const time = (t) => new Date(t).toISOString().slice(5, 16).replace("T", " ");
  svg.append(
    h("svg:line", { x1: pad, y1: height - pad, x2: width - pad, y2: height - pad, className: "grid" }),
    h("svg:line", { x1: pad, y1: pad, x2: pad, y2: height - pad, className: "grid" }),
    h("svg:polyline", { points: points.length > 1 ? path : `${pad},${y(points[0].value)} ${width - pad},${y(points[0].value)}`, className: "line" }),
    h("svg:text", { x: pad, y: height - pad + 16, className: "axis" }, time(t0)),
    h("svg:text", { x: width - pad, y: height - pad + 16, className: "axis", "text-anchor": "end" }, time(t1)),
    h("svg:text", { x: pad + 4, y: pad - 8, className: "value" }, format(max)));
  return h("figure", { className: "chart-box" }, h("figcaption", {}, title), svg);
}
