// Everything waiting on a person: tasks in review, proposals, messages to the people,
// dead letters; their count leads the page's title (`(3) agor`). A task awaiting approval
// can be approved or rejected here when the server has those operations.
"use strict";

/// What waits on a person: items of {kind (approval, proposal, message, dead_letter), id,
/// group_id, text, from, to, task_id, detail, at}, the shape of `waiting_on_people`. Every
/// task in review is listed (SPEC §13: the review queue), `approval` marking those that need
/// a person's approval; the rest comes from `waiting_on_people` when the server has it, else
/// is composed from the proposals, the signed-in person's unread messages and dead letters.
async function loadWaiting() {
  const review = op("list_tasks", { status: "review" });
  let others;
  if (await hasOperation("waiting_on_people")) {
    others = await op("waiting_on_people", { limit: 200 });
  } else {
    const [proposals, messages, dead] = await Promise.all([
      optional("proposals", {}, []),
      optional("inbox", {}, []),
      optional("dead_letters", {}, []),
    ]);
    others = [
      ...proposals.map((p) => ({ kind: "proposal", id: p.id, group_id: p.from_group, text: p.task_title,
        from: p.proposed_by, to: p.agent_id, task_id: p.task_id, detail: null, at: p.created_at })),
      ...messages.map((m) => ({ kind: "message", id: m.id, group_id: m.group_id, text: m.content,
        from: m.from_agent, to: m.to_agent, task_id: null, detail: null, at: m.created_at })),
      ...dead.map((d) => ({ kind: "dead_letter", id: String(d.id), group_id: null, text: d.content,
        from: d.from_agent, to: d.to_agent, task_id: null, detail: d.error, at: d.created_at })),
    ];
  }
  const approvals = new Set(others.filter((w) => w.kind === "approval").map((w) => w.id));
  return [
    ...(await review).map((t) => ({ kind: "approval", id: t.id, group_id: t.group_id, text: t.title,
      from: t.assigned_to, to: null, task_id: t.id, detail: null, at: t.updated_at,
      approval: approvals.has(t.id) })),
    ...others.filter((w) => w.kind !== "approval"),
  ];
}

/// The parts of the view, in the order the operation lists them.
const WAITING_KINDS = [
  ["approval", "Tasks in review"],
  ["proposal", "Proposals"],
  ["message", "Messages to people"],
  ["dead_letter", "Dead letters"],
];

async function refreshWaiting() {
  const waiting = await loadWaiting();
  document.title = waiting.length ? `(${waiting.length}) agor` : "agor";
  $("waiting-count").textContent = waiting.length ? String(waiting.length) : "";
  const approvals = (await hasOperation("approve_task")) && (await hasOperation("reject_task"));
  $("waiting-body").replaceChildren(...WAITING_KINDS.map(([kind, title]) => {
    const items = waiting.filter((w) => w.kind === kind);
    return h("section", { className: "detail-part", dataset: { kind } },
      h("h3", {}, `${title} (${items.length})`),
      items.length ? h("ul", { className: "waiting-list" }, items.map((w) => waitingItem(w, approvals)))
        : h("p", { className: "hint" }, "nothing"));
  }));
}

function waitingItem(w, approvals) {
  const who = [w.from, w.to].filter(Boolean).join(" → ");
  const meta = h("span", { className: "meta" }, ` ${who} · ${w.at}${w.detail ? ` · ${w.detail}` : ""}`);
  if (w.kind === "approval" || w.kind === "proposal") {
    return h("li", {},
      h("button", { type: "button", className: "link", onclick: () => openDetails(w.task_id) }, w.text),
      meta, w.approval && approvals ? decision(w.task_id) : null);
  }
  if (w.kind === "message" && w.from) {
    return h("li", {},
      h("button", {
        type: "button", className: "link",
        onclick: () => { talk.open = { kind: "dm", id: w.from, name: w.from }; talk.replyTo = null; go("messages"); },
      }, w.from), h("span", { className: "prose" }, `: ${w.text}`), meta);
  }
  return h("li", {}, h("span", { className: "prose" }, w.text), meta);
}

/// Approve or reject (with a reason) a task awaiting a person.
function decision(taskId) {
  const reason = h("input", { type: "text", "aria-label": "Reason to reject", placeholder: "reason to reject" });
  const act = (name, args) => guarded("error", async () => { await op(name, args); await refreshWaiting(); });
  return h("span", { className: "decision" },
    h("button", { type: "button", onclick: () => act("approve_task", { task_id: taskId }) }, "Approve"),
    reason,
    h("button", {
      type: "button",
      onclick: () => (reason.value ? act("reject_task", { task_id: taskId, reason: reason.value })
        : reason.focus()),
    }, "Reject"));
}
