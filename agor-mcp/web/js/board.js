// The board: a column per status and a lane per agent (its assigned tasks; unassigned last).
// A card moves by dragging it (pointer events, so mouse, pen and touch all work and WebDriver
// can drive it) or from the keyboard (Shift+←/→ on a focused card); either sends the card's
// version, and a card someone else changed first shows the conflict and the board reloads.
"use strict";

const board = {
  /// Tasks by id, as last loaded.
  tasks: new Map(),
  /// Agents by id (for lane names and work states).
  agents: new Map(),
  /// A drag in progress: {card, id, x, y, moving}.
  drag: null,
  /// A refresh asked for during a drag, run when it ends.
  stale: false,
  /// The task whose move just conflicted (its card is marked after the reload).
  conflicted: null,
  /// A click right after a drag is the drag's end, not a request for details.
  justDragged: false,
  /// What the board was last drawn from: an unchanged answer is not redrawn (a redraw
  /// would drop the focus and any element a person or a test holds).
  drawn: null,
  /// Loads started and the newest one drawn: an answer older than the one on screen is
  /// dropped (two loads can overlap when changes come quickly).
  asked: 0,
  shown: 0,
  /// How many loads had been asked for when a card was last patched from an event.
  patchedAt: 0,
  /// The cells drawn, by status and lane (see `cellKey`): a change finds its cell without
  /// walking a board of thousands of cards.
  cells: new Map(),
  /// Keyboard moves, one after another: each starts from where the one before left its task
  /// (status and version as reloaded), so two quick presses move a card two columns instead
  /// of both starting from the column it was in.
  moves: Promise.resolve(),
  /// Cells shown whole (by `cellKey`), past CELL_CARDS, because someone asked.
  expanded: new Set(),
};

/// The most cards a cell draws until asked for the rest ("Show N more"): nobody reads a cell
/// of thousands card by card, and a page holding them all pays for every card in each layout,
/// paint and reload (a 10,000-task board took a tenth of a second of CPU for each change
/// patched, on every open page).
const CELL_CARDS = 200;

async function loadBoard() {
  if (board.drag && board.drag.moving) { board.stale = true; return; }
  const asked = ++board.asked;
  const [columns, agents] = await Promise.all([op("board"), optional("list_agents", {}, [])]);
  // An answer older than the one on screen, or than a card patched from an event since this
  // load was asked for, is not drawn (the patch's own reload follows).
  if (asked < board.shown || asked <= board.patchedAt) return;
  board.shown = asked;
  board.agents = new Map(agents.map((a) => [a.id, a]));
  board.tasks = new Map();
  for (const column of columns) for (const task of column.tasks) board.tasks.set(task.id, task);
  const drawn = JSON.stringify([columns, agents.map((a) => [a.id, a.name]), board.conflicted]);
  if (drawn === board.drawn) return;
  board.drawn = drawn;
  drawBoard(columns);
}

/// The lanes: every agent with a task on the board, in the team's order, then the tasks of
/// nobody.
function lanesOf(tasks) {
  const holders = new Set(tasks.map((t) => t.assigned_to || ""));
  const order = [...board.agents.keys()].filter((id) => holders.has(id));
  const rest = [...holders].filter((id) => id && !board.agents.has(id)).sort();
  return [...order, ...rest, ...(holders.has("") ? [""] : [])];
}

/// A card's element by its task's id (an element id, so the browser's own index finds it).
const cardId = (id) => `card-${id}`;
const cardEl = (id) => document.getElementById(cardId(id));
const cellKey = (status, lane) => `${status}\u0000${lane}`;

function drawBoard(columns) {
  const focused = document.activeElement && document.activeElement.closest &&
    document.activeElement.closest(".card");
  const keep = focused ? focused.dataset.id : null;
  const tasks = columns.flatMap((c) => c.tasks);
  const statuses = columns.map((c) => c.status);
  const grid = $("board-grid");
  grid.style.setProperty("--columns", statuses.length);
  board.cells = new Map();
  const head = [h("div", { className: "corner" }, "lane")].concat(columns.map((c) =>
    h("h3", { className: "status-head", dataset: { status: c.status } },
      label(c.status), h("span", { className: "count" }, ` ${c.tasks.length}`))));
  // Tasks by lane, then status, in one pass (a board of thousands draws in one go).
  const byLane = new Map();
  for (const task of tasks) {
    const lane = task.assigned_to || "";
    if (!byLane.has(lane)) byLane.set(lane, new Map());
    const cells = byLane.get(lane);
    if (!cells.has(task.status)) cells.set(task.status, []);
    cells.get(task.status).push(task);
  }
  const rows = lanesOf(tasks).flatMap((lane) =>
    laneRow(lane, statuses, (status) => byLane.get(lane).get(status) || []));
  if (!tasks.length) rows.push(h("p", { className: "hint" }, "No tasks on the board."));
  grid.replaceChildren(...head, ...rows);
  if (keep) {
    const again = cardEl(keep);
    if (again) again.focus();
  }
  if (board.conflicted) {
    const card = cardEl(board.conflicted);
    if (card) card.classList.add("conflict");
  }
}

/// A lane's row: its head, then a cell per status holding `tasksIn(status)`'s cards.
function laneRow(lane, statuses, tasksIn) {
  const agent = board.agents.get(lane);
  const header = h("div", { className: "lane-head", dataset: { lane } },
    h("strong", {}, lane ? (agent ? agent.name : lane) : "unassigned"),
    lane ? h("span", { className: "meta" }, lane) : null);
  const cells = statuses.map((status) => {
    const mine = tasksIn(status);
    const key = cellKey(status, lane);
    const shown = board.expanded.has(key) ? mine : mine.slice(0, CELL_CARDS);
    const cell = h("section", {
      className: mine.length ? "cell" : "cell empty",
      dataset: { status, lane, label: label(status) },
      "aria-label": `${lane || "unassigned"}: ${label(status)}`,
    }, shown.map(cardOf));
    if (shown.length < mine.length) cell.append(moreButton(key, mine.length - shown.length));
    board.cells.set(key, cell);
    return cell;
  });
  return [header, ...cells];
}

/// The button that shows a capped cell whole.
function moreButton(key, hidden) {
  return h("button", {
    type: "button",
    className: "more",
    dataset: { hidden },
    onclick: () => {
      board.expanded.add(key);
      board.drawn = null;
      guarded("error", loadBoard);
    },
  }, `Show ${hidden} more`);
}

/// One card fewer behind a cell's "Show more": a card it hid was patched out of it.
function unhide(cell) {
  const more = cell && cell.querySelector(":scope > .more");
  if (!more) return;
  const hidden = Number(more.dataset.hidden) - 1;
  if (hidden > 0) {
    more.dataset.hidden = hidden;
    more.textContent = `Show ${hidden} more`;
  } else more.remove();
}

function cardOf(task) {
  const waits = task.waits_for && task.waits_for.length;
  return h("article", {
    id: cardId(task.id),
    className: task.priority ? `card priority-${task.priority}` : "card",
    tabindex: 0,
    role: "button",
    dataset: { id: task.id, version: task.version, status: task.status },
    "aria-label": `${task.title} (${label(task.status)}); Enter: details, Shift+arrows: move`,
  },
  h("div", { className: "title" }, task.title),
  h("div", { className: "meta" },
    [short(task.id), task.priority, ...(task.tags || [])].filter(Boolean).join(" · "),
    waits ? h("span", { className: "waits" }, ` · waits for ${waits}`) : null));
}

/// Applies a task's change from its event alone, at once: the card is made or moved to the
/// cell of its status and holder, with its title. True when done; false when the event
/// cannot say enough (no content: the task is gone or not the principal's to read) or a
/// drag holds the board, and only the full reload will do. The event's content carries the
/// task's version read with its status, so a move of a patched card expects the right one;
/// the next reload settles the rest of the card (priority, tags, what it waits for).
function patchTask(change) {
  const content = change.content;
  if (change.kind !== "task" || !change.subject || !content || !content.status) return false;
  if (board.drag && board.drag.moving) { board.stale = true; return false; }
  const id = change.subject;
  const lane = content.assignee || "";
  const cell = cellOf(content.status, lane);
  if (!cell) return false;
  const known = board.tasks.get(id);
  const task = {
    ...(known || { id, waits_for: [] }),
    title: content.title === null || content.title === undefined
      ? (known ? known.title : "") : content.title,
    status: content.status,
    assigned_to: content.assignee || null,
    version: content.version,
  };
  board.tasks.set(id, task);
  const grid = $("board-grid");
  const old = cardEl(id);
  const from = old && old.closest(".cell");
  const card = cardOf(task);
  if (old && old.classList.contains("conflict")) card.classList.add("conflict");
  const focused = old && document.activeElement === old;
  if (old) old.remove();
  // A task known but without a card was hidden behind its cell's "Show more".
  else if (known) unhide(board.cells.get(cellKey(known.status, known.assigned_to || "")));
  cell.classList.remove("empty");
  const more = cell.querySelector(":scope > .more");
  if (more) more.before(card);
  else cell.append(card);
  if (focused) card.focus();
  if (from && from !== cell && !from.querySelector(".card, .more")) from.classList.add("empty");
  if (!old || (known && known.status !== content.status)) {
    countColumn(content.status, 1);
    if (old && known) countColumn(known.status, -1);
  }
  // The "no tasks" hint is the grid's last child when there is one.
  const hint = grid.lastElementChild;
  if (hint && hint.classList.contains("hint")) hint.remove();
  // What is on screen is no longer what the last load drew, and a load asked for before
  // this change may answer from before it: its answer is not drawn (see loadBoard).
  board.drawn = null;
  board.patchedAt = board.asked;
  return true;
}

/// The board cell of a status in a lane, the lane's row added when it has none yet (after
/// the agents' lanes, before the unassigned one; the next reload puts it in the team's order).
function cellOf(status, lane) {
  const grid = $("board-grid");
  const find = () => board.cells.get(cellKey(status, lane));
  if (find()) return find();
  const statuses = [...grid.querySelectorAll(":scope > .status-head")].map((s) => s.dataset.status);
  if (!statuses.includes(status)) return null;
  const row = laneRow(lane, statuses, () => []);
  const nobody = lane ? grid.querySelector(':scope > .lane-head[data-lane=""]') : null;
  if (nobody) nobody.before(...row);
  else grid.append(...row);
  return find();
}

/// A column head's count, one card more or less (not counted again: a patch per change of a
/// busy team stays cheap on a board of thousands).
function countColumn(status, by) {
  const head = $("board-grid").querySelector(`.status-head[data-status="${CSS.escape(status)}"] .count`);
  if (head) head.textContent = ` ${(parseInt(head.textContent, 10) || 0) + by}`;
}

/// Moves a task to `status` as the signed-in principal, at the version the page has.
async function moveTask(id, status) {
  const task = board.tasks.get(id);
  if (!task || task.status === status) return;
  const card = cardEl(id);
  const target = board.cells.get(cellKey(status, task.assigned_to || ""));
  if (card && target) {
    // Optimistic: the card moves now; the reload below settles it either way.
    target.classList.remove("empty");
    target.append(card);
    card.dataset.status = status;
    card.classList.add("pending");
    card.focus();
  }
  board.conflicted = null;
  // The card was moved by hand above: whatever the answer, the board is drawn again.
  board.drawn = null;
  try {
    await op("set_task_status", { task_id: id, status, expected_version: task.version });
    notice(null);
  } catch (error) {
    if (error.status === 401) { signedOut(); return; }
    if (error.status === 409) {
      board.conflicted = id;
      notice(`Conflict: “${task.title}” was changed by someone else since the board was loaded ` +
        `(version ${task.version}); it is shown as it is now. ${error.message}`, "conflict");
    } else {
      notice(`Could not move “${task.title}” to ${label(status)}: ${error.message}`, "error");
    }
  }
  await guarded("error", loadBoard);
}

/// The status `step` columns right (or left) of a task's.
function nextStatus(status, step) {
  const i = STATUSES.indexOf(status) + step;
  return i >= 0 && i < STATUSES.length ? STATUSES[i] : null;
}

/// The page-wide notice line (conflicts, refusals); null clears it.
function notice(text, kind) {
  const line = $("notice");
  line.textContent = text || "";
  line.className = text ? `notice ${kind || ""}` : "notice";
  line.hidden = !text;
}

/// The board cell under a point (the dragged card lets the pointer through).
function cellAt(x, y) {
  const under = document.elementFromPoint(x, y);
  return under && under.closest ? under.closest(".cell") : null;
}

function endDrag() {
  const drag = board.drag;
  board.drag = null;
  for (const over of document.querySelectorAll(".cell.over")) over.classList.remove("over");
  if (drag) {
    drag.card.classList.remove("dragging");
    drag.card.style.transform = "";
  }
  if (board.stale) { board.stale = false; guarded("error", loadBoard); }
  return drag;
}

function wireBoard() {
  const grid = $("board-grid");
  grid.addEventListener("pointerdown", (event) => {
    const card = event.target.closest(".card");
    if (!card || event.button !== 0) return;
    board.drag = { card, id: card.dataset.id, x: event.clientX, y: event.clientY, moving: false };
  });
  document.addEventListener("pointermove", (event) => {
    const drag = board.drag;
    if (!drag) return;
    const dx = event.clientX - drag.x, dy = event.clientY - drag.y;
    if (!drag.moving) {
      if (Math.hypot(dx, dy) < 6) return;
      drag.moving = true;
      drag.card.classList.add("dragging");
    }
    event.preventDefault();
    drag.card.style.transform = `translate(${dx}px, ${dy}px)`;
    const cell = cellAt(event.clientX, event.clientY);
    for (const over of document.querySelectorAll(".cell.over")) {
      if (over !== cell) over.classList.remove("over");
    }
    if (cell) cell.classList.add("over");
  });
  document.addEventListener("pointerup", (event) => {
    const drag = board.drag;
    if (!drag) return;
    const cell = drag.moving ? cellAt(event.clientX, event.clientY) : null;
    endDrag();
    if (!drag.moving) return;
    board.justDragged = true;
    setTimeout(() => { board.justDragged = false; }, 0);
    if (cell) moveTask(drag.id, cell.dataset.status);
  });
  document.addEventListener("pointercancel", endDrag);
  grid.addEventListener("click", (event) => {
    const card = event.target.closest(".card");
    if (card && !board.justDragged) openDetails(card.dataset.id);
  });
  grid.addEventListener("keydown", (event) => {
    const card = event.target.closest(".card");
    if (!card) return;
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      openDetails(card.dataset.id);
    } else if (event.shiftKey && (event.key === "ArrowRight" || event.key === "ArrowLeft")) {
      event.preventDefault();
      const id = card.dataset.id;
      const step = event.key === "ArrowRight" ? 1 : -1;
      board.moves = board.moves.then(() => {
        const task = board.tasks.get(id);
        const to = task && nextStatus(task.status, step);
        return to ? moveTask(id, to) : undefined;
      }).catch(() => {});
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      // Focus walks the cards in reading order.
      event.preventDefault();
      const cards = [...grid.querySelectorAll(".card")];
      const next = cards[cards.indexOf(card) + (event.key === "ArrowDown" ? 1 : -1)];
      if (next) next.focus();
    }
  });
}
