// Charts drawn as inline SVG by the page itself (no library): horizontal bars for totals, and
// one line per key over time with its legend. Labels are SVG text nodes (data stays text); colours
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

/// How many keys a series chart draws as lines of their own (the rest share one, "others").
const SERIES_LINES = 6;

/// One line per key through `points` ({t: milliseconds of a bucket's start, key, value}) over
/// every bucket of `axis` ({from, to: the first and last buckets' starts, step: their length,
/// all in milliseconds}; a bucket without a point of a key counts 0), and a legend naming each
/// key with its total. Keys are ranked by `order` (so two charts of the same keys colour them
/// alike), else biggest total first.
function seriesChart(title, points, axis, format, order) {
  const width = SVG_WIDTH, height = 200, pad = 36;
  const svg = h("svg:svg", {
    viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": title, className: "chart",
  }, h("svg:title", {}, title));
  const box = (...more) => h("figure", { className: "chart-box" }, h("figcaption", {}, title), svg, ...more);
  if (points.length < 1) {
    svg.append(h("svg:text", { x: 8, y: 18, className: "axis" }, "no usage recorded"));
    return box();
  }
  const totals = new Map();
  for (const p of points) totals.set(p.key, (totals.get(p.key) || 0) + p.value);
  const ranked = order
    ? order.map((key) => [key, totals.get(key) || 0])
    : [...totals].sort((a, b) => b[1] - a[1]);
  const shown = new Map(ranked.slice(0, SERIES_LINES).map(([key], i) => [key, i]));
  const keys = ranked.slice(0, SERIES_LINES).map(([key, total]) => ({ key, total }));
  if (ranked.length > SERIES_LINES) {
    keys.push({ key: "others", total: ranked.slice(SERIES_LINES).reduce((sum, [, v]) => sum + v, 0) });
  }
  const { step, from: t0, to: t1 } = axis;
  const buckets = Math.round((t1 - t0) / step) + 1;
  const values = keys.map(() => new Array(buckets).fill(0));
  for (const p of points) {
    const line = shown.has(p.key) ? shown.get(p.key) : keys.length - 1;
    const at = Math.round((p.t - t0) / step);
    if (at >= 0 && at < buckets) values[line][at] += p.value;
  }
  const max = Math.max(...values.flat()) || 1;
  const x = (i) => (buckets > 1 ? pad + ((width - 2 * pad) * i) / (buckets - 1) : width / 2);
  const y = (v) => height - pad - ((height - 2 * pad) * v) / max;
  const time = (t) => new Date(t).toISOString().slice(0, step < 86400000 ? 16 : 10).replace("T", " ");
  svg.append(
    h("svg:line", { x1: pad, y1: height - pad, x2: width - pad, y2: height - pad, className: "grid" }),
    h("svg:line", { x1: pad, y1: pad, x2: pad, y2: height - pad, className: "grid" }),
    h("svg:text", { x: pad, y: height - pad + 16, className: "axis" }, time(t0)),
    h("svg:text", { x: width - pad, y: height - pad + 16, className: "axis", "text-anchor": "end" }, time(t1)),
    h("svg:text", { x: pad + 4, y: pad - 8, className: "value" }, format(max)));
  keys.forEach(({ key }, line) => {
    const series = `series series-${line}`;
    if (buckets > 1) {
      svg.append(h("svg:polyline", {
        points: values[line].map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" "),
        className: series,
      }));
    }
    values[line].forEach((v, i) => {
      if (v > 0) {
        svg.append(h("svg:circle", { cx: x(i).toFixed(1), cy: y(v).toFixed(1), r: 3, className: series },
          h("svg:title", {}, `${key}, ${time(t0 + i * step)}: ${format(v)}`)));
      }
    });
  });
  return box(h("ul", { className: "legend" }, keys.map(({ key, total }, line) =>
    h("li", { dataset: { key } }, h("span", { className: `swatch series-${line}`, "aria-hidden": "true" }),
      `${key}: ${format(total)}`))));
}
