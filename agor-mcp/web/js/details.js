// A task's details in a dialog: its fields, description, dependencies, subtasks, completion
// record, comments (with a form to add one), attempts (when the catalogue has them) and the
// history of its status moves; a status menu moves it as a drag would.
"use strict";

/// The task the dialog shows, so a live change can redraw it.
let detailsOf = null;

/// The operation names the server has (`GET /api`), asked once.
let catalogue = null;
async function hasOperation(name) {
  if (!catalogue) {
    const answer = await request("/api").catch(() => ({ operations: [] }));
    catalogue = new Set(answer.operations.map((o) => o.name));
  }
  return catalogue.has(name);
}

/// A task's attempts (`task_attempts`), when the server has that operation (else null: the
/// part is not shown).
async function attemptsOf(taskId) {
  return (await hasOperation("task_attempts"))
    ? optional("task_attempts", { task_id: taskId }, []) : null;
}

function attemptLine(a) {
  const end = a.ended_at ? `${a.ended_at} · ${label(a.outcome || "ended")}` : "claimed now";
  return `${a.agent_id} · ${a.started_at} → ${end}${a.error ? ` · ${a.error}` : ""}`;
}

function field(name, value) {
  return value === null || value === undefined || value === "" ? null
    : h("div", { className: "field" }, h("dt", {}, name), h("dd", {}, String(value)));
}

function titleOf(id) {
  const task = board.tasks.get(id);
  return task ? `${task.title} (${label(task.status)})` : short(id);
}

/// A list of tasks by id, each a button that opens it.
function taskLinks(ids) {
  return ids.length
    ? h("ul", {}, ids.map((id) => h("li", {},
      h("button", { type: "button", className: "link", onclick: () => openDetails(id) }, titleOf(id)))))
    : h("p", { className: "hint" }, "none");
}

function section(title, ...body) {
  return h("section", { className: "detail-part" }, h("h3", {}, title), ...body);
}

async function openDetails(id) {
  detailsOf = id;
  const dialog = $("details");
  if (!dialog.open) dialog.showModal();
  await guarded("details-error", () => drawDetails(id));
}

async function drawDetails(id) {
  const known = board.tasks.get(id);
  // The operator has no agent identity for get_task: it sees the board's copy.
  const detail = await optional("get_task", { task_id: id }, { comments: [], subtasks: [] });
  // get_task answers with the task's own fields beside its comments and subtasks.
  const task = detail.id ? detail : known;
  if (!task) throw new Error("the task is no longer on the board");
  const [history, dependencies, attempts] = await Promise.all([
    optional("task_history", { task_id: task.id }, []),
    optional("dependencies", { task_id: task.id }, task.waits_for || []),
    attemptsOf(task.id),
  ]);
  if (detailsOf !== id) return;
  $("details-title").textContent = task.title;
  const mover = h("select", { id: "details-status", "aria-label": "Move to status" },
    STATUSES.map((s) => h("option", { value: s, selected: s === task.status }, label(s))));
  const completion = task.completion;
  // A live redraw keeps a comment being written.
  const typing = $("comment-text");
  const typed = typing ? typing.value : "";
  const focused = typing && document.activeElement === typing;
  $("details-body").replaceChildren(...[
    h("dl", { className: "fields" },
      field("status", label(task.status)), field("priority", task.priority),
      field("assigned to", task.assigned_to || "nobody"), field("group", task.group_id),
      field("created by", task.created_by), field("tags", (task.tags || []).join(", ")),
      field("version", task.version), field("created", task.created_at),
      field("updated", task.updated_at), field("id", task.id),
      field("lease ends", task.lease_expires_at ? new Date(task.lease_expires_at * 1000).toISOString() : null)),
    h("form", { className: "inline", onsubmit: (e) => { e.preventDefault(); moveTask(task.id, mover.value).then(() => drawDetails(task.id)); } },
      mover, h("button", { type: "submit" }, "Move")),
    section("Description", h("p", { className: "prose" }, task.description || "—")),
    task.definition_of_done ? section("Definition of done", h("p", { className: "prose" }, task.definition_of_done)) : null,
    section("Depends on", taskLinks(dependencies)),
    task.parent_task_id ? section("Subtask of", taskLinks([task.parent_task_id])) : null,
    section("Subtasks", taskLinks((detail.subtasks || []).map((t) => t.id))),
    section("Completion record", completion
      ? h("dl", { className: "fields" }, field("summary", completion.summary),
        field("artifacts", (completion.artifacts || []).join(", ")),
        field("result", completion.result_ref), field("next", completion.next))
      : h("p", { className: "hint" }, "not completed")),
    attempts ? section("Attempts", attempts.length
      ? h("ol", { className: "history" }, attempts.map((a) => h("li", {}, attemptLine(a))))
      : h("p", { className: "hint" }, "none")) : null,
    section("History", history.length
      ? h("ol", { className: "history" }, history.map((m) => h("li", {},
        `${m.at} · ${m.from ? label(m.from) : "new"} → ${label(m.to)} · ${m.actor || "operator"}`)))
      : h("p", { className: "hint" }, "no moves yet")),
    section("Comments",
      detail.comments.length
        ? h("ul", { className: "comments" }, detail.comments.map((c) => h("li", {},
          h("div", { className: "meta" }, `${c.agent_id} · ${c.created_at}`), h("p", { className: "prose" }, c.content))))
        : h("p", { className: "hint" }, "no comments"),
      commentForm(task.id)),
  ].filter(Boolean));
  $("comment-text").value = typed;
  if (focused) $("comment-text").focus();
}

function commentForm(taskId) {
  const text = h("textarea", { id: "comment-text", rows: 2, required: true, "aria-label": "Comment" });
  return h("form", {
    className: "compose",
    onsubmit: async (event) => {
      event.preventDefault();
      await guarded("details-error", async () => {
        await op("comment", { task_id: taskId, content: text.value });
        text.value = "";
        await drawDetails(taskId);
      });
    },
  }, text, h("button", { type: "submit" }, "Comment"));
}

function wireDetails() {
  $("details-close").addEventListener("click", () => $("details").close());
  $("details").addEventListener("close", () => { detailsOf = null; say("details-error"); });
}
