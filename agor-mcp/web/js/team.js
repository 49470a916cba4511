// The team: every agent with its role, tier, presence, work state, current task and last
// heartbeat; an agent silent for longer than the store's stale threshold (from `/session`)
// is marked stale.
"use strict";

async function loadTeam() {
  const agents = await op("list_agents");
  const works = await Promise.all(agents.map((a) =>
    optional("work_state", { agent_id: a.id }, null)));
  const rows = agents.map((agent, i) => teamRow(agent, works[i]));
  $("team-body").replaceChildren(...rows);
  $("team-empty").hidden = agents.length > 0;
}

/// The task an agent works on: its work state's, else the one it holds in progress.
function currentTask(agent, work) {
  if (work && work.task_id) return work.task_id;
  for (const task of board.tasks.values()) {
    if (task.assigned_to === agent.id && task.status === "in_progress") return task.id;
  }
  return null;
}

function teamRow(agent, work) {
  const silent = agent.last_heartbeat ? Date.now() / 1000 - agent.last_heartbeat : null;
  const stale = silent !== null && session.staleAfter !== null && silent > session.staleAfter;
  const task = currentTask(agent, work);
  return h("tr", { className: stale ? "stale" : "", dataset: { agent: agent.id } },
    h("th", { scope: "row" }, h("div", {}, agent.name), h("div", { className: "meta" }, agent.id)),
    h("td", {}, agent.role), h("td", {}, String(agent.tier)), h("td", {}, agent.group_id),
    h("td", {}, h("span", { className: `presence ${agent.status}` }, agent.status)),
    h("td", {}, work ? work.state : "—"),
    h("td", {}, task
      ? h("button", { type: "button", className: "link", onclick: () => openDetails(task) }, titleOf(task))
      : "—"),
    h("td", {}, ago(agent.last_heartbeat), stale ? h("span", { className: "badge stale-badge" }, "stale") : null),
    h("td", {}, agent.unread ? String(agent.unread) : ""));
}
