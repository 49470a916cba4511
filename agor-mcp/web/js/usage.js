// Usage and cost: tokens and dollars per agent and per task (`usage_summary`), and dollars
// per model and over time from the audit log's `usage_recorded` rows.
"use strict";

const dollars = (v) => `$${v.toFixed(v < 10 ? 4 : 2)}`;
const tokens = (v) => (v >= 1e6 ? `${(v / 1e6).toFixed(1)}M` : v >= 1e3 ? `${(v / 1e3).toFixed(1)}k` : String(v));

async function loadUsage() {
  const [byAgent, byTask, spending] = await Promise.all([
    op("usage_summary", { by: "agent" }),
    op("usage_summary", { by: "task" }),
    usageFromAudit(),
  ]);
  const rows = (summary, value, name) => summary.map((s) => ({ label: name(s.key), value: value(s) }));
  const taskName = (key) => (key ? titleOf(key) : "no task");
  const agentName = (key) => key || "—";
  const used = (s) => s.input_tokens + s.output_tokens;
  $("usage-body").replaceChildren(
    barChart("Dollars per agent", rows(byAgent, (s) => s.cost_usd, agentName), dollars),
    barChart("Tokens per agent (in + out)", rows(byAgent, used, agentName), tokens),
    barChart("Dollars per task", rows(byTask, (s) => s.cost_usd, taskName), dollars),
    barChart("Tokens per task (in + out)", rows(byTask, used, taskName), tokens),
    barChart("Dollars per model", spending.byModel, dollars),
    lineChart("Dollars over time (running total)", spending.overTime, dollars),
  );
}

/// Dollars per model and over time, from the audit rows `record_usage` writes (detail:
/// "<dollars> <model>"): the catalogue has no usage series by model or by time yet.
async function usageFromAudit() {
  const rows = await optional("audit_log", { limit: 10000 }, []);
  const spent = rows.filter((r) => r.event_type === "usage_recorded" && r.detail)
    .map((r) => {
      const [cost, ...model] = r.detail.split(" ");
      return { t: Date.parse(`${r.created_at.replace(" ", "T")}Z`), cost: Number(cost), model: model.join(" ") };
    })
    .filter((r) => Number.isFinite(r.cost) && Number.isFinite(r.t))
    .sort((a, b) => a.t - b.t);
  const perModel = new Map();
  let total = 0;
  const overTime = spent.map((r) => {
    perModel.set(r.model, (perModel.get(r.model) || 0) + r.cost);
    total += r.cost;
    return { t: r.t, value: total };
  });
  const byModel = [...perModel].map(([label, value]) => ({ label, value }))
    .sort((a, b) => b.value - a.value);
  return { byModel, overTime };
}
