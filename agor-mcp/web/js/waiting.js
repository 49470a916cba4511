// Everything waiting on a person: tasks in review, proposals, messages to the signed-in
// person, dead letters; their count leads the page's title (`(3) agor`).
"use strict";

/// What waits on a person, composed from the catalogue in this one function (a
/// `waiting_on_people` operation can replace its body): {review, proposals, messages, dead}.
async function loadWaiting() {
  const [review, proposals, messages, dead] = await Promise.all([
    op("list_tasks", { status: "review" }),
    optional("proposals", {}, []),
    optional("inbox", {}, []),
    optional("dead_letters", {}, []),
  ]);
  return { review, proposals, messages, dead };
}

/// The number of things waiting, in the title and on the view's tab.
function countWaiting(waiting) {
  return waiting.review.length + waiting.proposals.length + waiting.messages.length +
    waiting.dead.length;
}

async function refreshWaiting() {
  const waiting = await loadWaiting();
  const count = countWaiting(waiting);
  document.title = count ? `(${count}) agor` : "agor";
  $("waiting-count").textContent = count ? String(count) : "";
  drawWaiting(waiting);
}

function drawWaiting(waiting) {
  const part = (title, items, row) => h("section", { className: "detail-part" },
    h("h3", {}, `${title} (${items.length})`),
    items.length ? h("ul", { className: "waiting-list" }, items.map(row))
      : h("p", { className: "hint" }, "nothing"));
  $("waiting-body").replaceChildren(
    part("Tasks in review", waiting.review, (t) => h("li", {},
      h("button", { type: "button", className: "link", onclick: () => openDetails(t.id) }, t.title),
      h("span", { className: "meta" }, ` ${t.assigned_to || "nobody"} · ${t.updated_at}`))),
    part("Proposals", waiting.proposals, (p) => h("li", {},
      `${p.task_title}`, h("span", { className: "meta" }, ` from ${p.proposed_by} (${p.from_group}) to ${p.agent_id}`))),
    part("Messages to you", waiting.messages, (m) => h("li", {},
      h("button", {
        type: "button", className: "link",
        onclick: () => { talk.open = { kind: "dm", id: m.from_agent, name: m.from_agent }; go("messages"); },
      }, m.from_agent), h("span", {}, `: ${m.content}`))),
    part("Dead letters", waiting.dead, (d) => h("li", {},
      `${d.from_agent} → ${d.to_agent}: ${d.content}`, h("span", { className: "meta" }, d.error ? ` (${d.error})` : ""))),
  );
}
