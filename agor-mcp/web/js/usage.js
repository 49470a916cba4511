// Usage and cost: tokens and dollars per agent, task or model over time (`usage_series`, per
// hour or day as chosen), and their totals (`usage_summary`).
"use strict";

const dollars = (v) => `$${v.toFixed(v < 10 ? 4 : 2)}`;
const tokens = (v) => (v >= 1e6 ? `${(v / 1e6).toFixed(1)}M` : v >= 1e3 ? `${(v / 1e3).toFixed(1)}k` : String(v));

/// Each bucket the series can be read by: its length and how far back the page reads.
const BUCKETS = {
  hour: { step: 3600000, back: 48, words: "per hour, last 48 hours" },
  day: { step: 86400000, back: 90, words: "per day, last 90 days" },
};

/// A `YYYY-MM-DD HH:MM:SS` UTC time (as the store answers it) in milliseconds.
const utc = (text) => Date.parse(`${text.replace(" ", "T")}Z`);

async function loadUsage() {
  const by = $("usage-by").value, bucket = $("usage-bucket").value;
  const { step, back, words } = BUCKETS[bucket];
  // From the start of the oldest bucket shown to the current one; `since` as the store
  // writes times.
  const to = Math.floor(Date.now() / step) * step;
  const axis = { step, from: to - (back - 1) * step, to };
  const since = new Date(axis.from).toISOString().slice(0, 19);
  const [series, byAgent, byTask, byModel] = await Promise.all([
    op("usage_series", { by, bucket, since }),
    op("usage_summary", { by: "agent" }),
    op("usage_summary", { by: "task" }),
    op("usage_summary", { by: "model" }),
  ]);
  const name = { agent: keyName, task: taskName, model: keyName }[by];
  const over = (value) => series.map((p) => ({ t: utc(p.bucket_start), key: name(p.key), value: value(p) }));
  // One colour per key in both charts: keys ranked by their dollars in the series.
  const spent = new Map();
  for (const p of over((p) => p.cost_usd)) spent.set(p.key, (spent.get(p.key) || 0) + p.value);
  const order = [...spent].sort((a, b) => b[1] - a[1]).map(([key]) => key);
  const rows = (summary, value, label) => summary.map((s) => ({ label: label(s.key), value: value(s) }));
  $("usage-body").replaceChildren(
    seriesChart(`Tokens per ${by} (in + out), ${words}`, over(used), axis, tokens, order),
    seriesChart(`Dollars per ${by}, ${words}`, over((p) => p.cost_usd), axis, dollars, order),
    barChart("Dollars per agent", rows(byAgent, (s) => s.cost_usd, keyName), dollars),
    barChart("Tokens per agent (in + out)", rows(byAgent, used, keyName), tokens),
    barChart("Dollars per task", rows(byTask, (s) => s.cost_usd, taskName), dollars),
    barChart("Tokens per task (in + out)", rows(byTask, used, taskName), tokens),
    barChart("Dollars per model", rows(byModel, (s) => s.cost_usd, keyName), dollars),
    barChart("Tokens per model (in + out)", rows(byModel, used, keyName), tokens),
  );
}

const used = (s) => s.input_tokens + s.output_tokens;
const taskName = (key) => (key ? titleOf(key) : "no task");
const keyName = (key) => key || "—";

function wireUsage() {
  for (const id of ["usage-by", "usage-bucket"]) {
    $(id).addEventListener("change", () => guarded("usage-error", loadUsage));
  }
}
