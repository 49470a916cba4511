// The page's ground floor, shared by every view: calling the catalogue (`/api/<op>`),
// building elements whose data is always text (never markup), and small formatting helpers.
// The page's scripts are concatenated into one `/app.js` (see serve/page.rs), in the order
// core, views, main: later files use what earlier ones define.
"use strict";

const $ = (id) => document.getElementById(id);

/// Who is signed in (`principal`, null when signed out) and after how many seconds of silence
/// the store counts an agent stale (`staleAfter`), from `/session`.
const session = { principal: null, staleAfter: null };

/// The name the operator signs in under (it has no agent identity: no mailbox, no moves).
const OPERATOR = "operator";

/// The board's statuses in order (the `board` operation answers them in this order too).
const STATUSES = ["backlog", "todo", "in_progress", "review", "done", "blocked", "failed", "cancelled"];

/// A request to the server; the JSON answer, or an Error carrying `status` and `kind`.
async function request(path, body) {
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
    error.kind = data.error && data.error.kind;
    throw error;
  }
  return data;
}

/// One catalogue operation as the signed-in principal.
function op(name, args) {
  return request(`/api/${name}`, args || {});
}

/// An element: `props` sets properties (`className`, `dataset`, `on…` handlers, anything
/// else as an attribute); strings among `children` become text nodes, so data can never be
/// read as markup.
function h(tag, props, ...children) {
  const node = tag.includes(":")
    ? document.createElementNS("http://www.w3.org/2000/svg", tag.split(":")[1])
    : document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "className") node.setAttribute("class", value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/// A status as people read it.
const label = (status) => String(status).replace(/_/g, " ");

/// The first characters of an id, as the CLIs show it.
const short = (id) => String(id || "").slice(0, 8);

/// Seconds since a Unix time, in words (`42 s ago`, `3 min ago`).
function ago(unixSecs) {
  if (unixSecs === null || unixSecs === undefined) return "never";
  const secs = Math.max(0, Math.round(Date.now() / 1000 - unixSecs));
  if (secs < 60) return `${secs} s ago`;
  if (secs < 3600) return `${Math.floor(secs / 60)} min ago`;
  if (secs < 86400) return `${Math.floor(secs / 3600)} h ago`;
  return `${Math.floor(secs / 86400)} d ago`;
}

/// A view's message line: an error, or cleared.
function say(id, error) {
  const line = $(id);
  if (line) line.textContent = error ? error.message || String(error) : "";
}

/// Runs `load` and reports its failure on the view's line; a 401 signs the page out.
async function guarded(line, load) {
  try {
    await load();
    say(line);
  } catch (error) {
    if (error.status === 401) { signedOut(); return; }
    say(line, error);
  }
}

/// The answer of an operation the principal may not have (an agent-only one for the
/// operator): `fallback` instead of an error.
async function optional(name, args, fallback) {
  try {
    return await op(name, args);
  } catch (error) {
    if (error.status === 401) throw error;
    return fallback;
  }
}
