// The page of `agor serve`: sign in, then the board by status, refreshed live from the
// change stream. Everything shown is set as text (never as markup): titles are data.
"use strict";

const $ = (id) => document.getElementById(id);
let stream = null;
let refreshing = null;

async function call(path, body) {
  const response = await fetch(path, {
    method: body === undefined ? "GET" : "POST",
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new Error((data.error && data.error.message) || response.statusText);
    error.status = response.status;
    throw error;
  }
  return data;
}

function show(signedIn, who) {
  $("signin").hidden = signedIn;
  $("board").hidden = !signedIn;
  $("signout").hidden = !signedIn;
  $("who").textContent = signedIn ? who : "";
  if (!signedIn) {
    $("live").hidden = true;
    if (stream) { stream.close(); stream = null; }
  }
}

function card(task) {
  const item = document.createElement("article");
  item.className = "card";
  item.dataset.id = task.id;
  const title = document.createElement("div");
  title.className = "title";
  title.textContent = task.title;
  const meta = document.createElement("div");
  meta.className = "meta";
  meta.textContent = [task.id.slice(0, 8), task.assigned_to || ""]
    .filter(Boolean).join(" · ");
  item.append(title, meta);
  return item;
}

function render(columns) {
  const board = $("board");
  board.replaceChildren(...columns.map((column) => {
    const section = document.createElement("section");
    section.className = "column";
    section.dataset.status = column.status;
    const heading = document.createElement("h2");
    heading.textContent = `${column.status.replace(/_/g, " ")} (${column.tasks.length})`;
    section.append(heading, ...column.tasks.map(card));
    return section;
  }));
}

async function refresh() {
  try {
    render(await call("/api/board", {}));
    $("error").textContent = "";
  } catch (error) {
    if (error.status === 401) { show(false); return; }
    $("error").textContent = error.message;
  }
}

// Several changes in a burst refresh the board once.
function soon() {
  if (refreshing) return;
  refreshing = setTimeout(() => { refreshing = null; refresh(); }, 50);
}

function listen() {
  if (stream) stream.close();
  stream = new EventSource("/events");
  stream.onopen = () => { $("live").hidden = false; soon(); };
  stream.onerror = () => { $("live").hidden = true; };
  stream.addEventListener("change", soon);
}

async function start() {
  try {
    const session = await call("/session");
    show(true, session.principal);
    await refresh();
    listen();
  } catch (error) {
    show(false);
  }
}

$("signin").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("signin-error").textContent = "";
  try {
    await call("/signin", { secret: $("secret").value });
    $("secret").value = "";
    await start();
  } catch (error) {
    $("signin-error").textContent = error.message;
  }
});

$("signout").addEventListener("click", async () => {
  await call("/signout", {}).catch(() => {});
  show(false);
});

start();
