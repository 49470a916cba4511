// The page's frame: sign-in and sign-out, the views (one shown at a time, named in the
// address's #fragment so a reload or a link lands on it), the light/dark toggle, and live
// updates: a task's change moves its card at once from the stream's event, and the whole of
// what is on screen reloads after a burst of changes.
"use strict";

/// Each view's loader (the board and the waiting count are kept current whatever is shown).
const VIEWS = {
  board: null,
  team: () => guarded("team-error", loadTeam),
  messages: () => guarded("messages-error", loadMessages),
  waiting: null,
  usage: () => guarded("usage-error", loadUsage),
  search: () => runSearch(),
  audit: () => guarded("audit-error", loadAudit),
};

let stream = null;
let current = "board";

function go(view) {
  if (!(view in VIEWS)) view = "board";
  current = view;
  for (const name of Object.keys(VIEWS)) {
    $(`view-${name}`).hidden = name !== view;
    const tab = $(`tab-${name}`);
    if (name === view) tab.setAttribute("aria-current", "page");
    else tab.removeAttribute("aria-current");
  }
  if (location.hash !== `#${view}`) history.replaceState(null, "", `#${view}`);
  if (VIEWS[view]) VIEWS[view]();
}

/// Reloads the board, the waiting list and the view on screen.
async function refresh() {
  await guarded("error", async () => {
    await Promise.all([loadBoard(), refreshWaiting()]);
  });
  if (VIEWS[current]) await VIEWS[current]();
  if (detailsOf) await guarded("details-error", () => drawDetails(detailsOf));
}

/// How long after a change the page reloads: soon when the change could not be shown from
/// its event; when it could (its card is already patched), once the changes have paused for a
/// while, and at the latest a few seconds after the first (a board of thousands of cards is
/// not fetched and redrawn between two changes of a busy team).
const RELOAD_AFTER = { unpatched: 50, quiet: 1000, latest: 5000 };

/// The pending reload: its timer, whether it is the soon one, and when the first change it
/// covers came (ms, performance.now()).
const reload = { timer: null, soon: false, first: null };

/// Reloads in `delay` ms (at the latest RELOAD_AFTER.latest after the first change waiting
/// for it); a pending soon reload stays, a pending later one is put off (a debounce).
function reloadIn(delay, urgent) {
  if (reload.timer !== null && reload.soon) return;
  const now = performance.now();
  if (reload.first === null) reload.first = now;
  clearTimeout(reload.timer);
  reload.soon = urgent;
  reload.timer = setTimeout(() => {
    Object.assign(reload, { timer: null, soon: false, first: null });
    arrived.flooding = false;
    refresh();
  }, Math.max(0, Math.min(delay, reload.first + RELOAD_AFTER.latest - now)));
}

/// Several changes in a burst reload once, soon.
function soon() {
  reloadIn(RELOAD_AFTER.unpatched, true);
}

/// Changes read off the stream and not yet patched. Each is patched at the next frame while
/// changes come at a pace people follow (fewer than BURST a second); past that, a burst is
/// patched at most every PATCH_EVERY ms, together: a busy team's hundreds of changes a second
/// cost the page a few redraws a second, not one per frame (each a layout and a paint of a
/// board of thousands; three open pages took more than a core from a writer on the same
/// machine). A flood (more than FLOOD changes a second: more than anyone reads card by card)
/// is not sent change by change at all: the page asks the server for that pace
/// (`/events?pace=`), the server sends a `flood` event as soon as it is passed and for the
/// rest of each second, the page stops patching (`flooding`), and the board is reloaded once
/// the flood calms, and at the latest every few seconds while it lasts (RELOAD_AFTER).
/// A hidden tab gets no frames, so a timer patches there.
/// A patch is pending while `timer` is set.
const arrived = {
  changes: [], last: -Infinity, frame: null, timer: null, flooding: false,
  /// The current second began at `since` (ms): changes patched in it.
  since: -Infinity, count: 0,
};
const BURST = 20;
const FLOOD = 100;
const PATCH_EVERY = 250;
const PATCH_HIDDEN_AFTER = 250;

/// A change on the stream: its card patched soon when its event says enough, then the full
/// reload that settles what an event cannot say (versions, other fields, deletions).
function changed(event) {
  const now = performance.now();
  if (now - arrived.since > 1000) Object.assign(arrived, { since: now, count: 0 });
  if (arrived.flooding) {
    reloadIn(RELOAD_AFTER.quiet, false);
    return;
  }
  let change = null;
  try { change = JSON.parse(event.data); } catch (e) { /* reloaded instead */ }
  if (!change) { soon(); return; }
  arrived.changes.push(change);
  if (arrived.timer !== null) return;
  const wait = arrived.count < BURST ? 0 : Math.max(0, arrived.last + PATCH_EVERY - now);
  arrived.timer = setTimeout(() => {
    arrived.frame = requestAnimationFrame(patchArrived);
    arrived.timer = setTimeout(patchArrived, PATCH_HIDDEN_AFTER);
  }, wait);
}

/// The changes waiting for a patch, taken: its frame and timer cancelled.
function takeArrived() {
  cancelAnimationFrame(arrived.frame);
  clearTimeout(arrived.timer);
  const changes = arrived.changes;
  Object.assign(arrived, { changes: [], frame: null, timer: null });
  return changes;
}

function patchArrived() {
  const changes = takeArrived();
  Object.assign(arrived, { last: performance.now(), count: arrived.count + changes.length });
  let patched = true;
  for (const change of changes) patched = patchTask(change) && patched;
  if (patched) reloadIn(RELOAD_AFTER.quiet, false);
  else soon();
}

/// A flood the server folded: what it stands for, and what was still to patch, is read with
/// the reload once it calms; until then nothing is patched change by change.
function flooded() {
  takeArrived();
  arrived.flooding = true;
  reloadIn(RELOAD_AFTER.quiet, false);
}

/// Follows the stream, and loads what the page shows once it is open: the server fixes where
/// a stream starts before answering, so whatever commits after the load's read is on the
/// stream and nothing falls between the two (one load, not a load and a second one to cover
/// the gap). A reopened stream resumes after its last event (Last-Event-ID) and reloads soon,
/// for what a restarted server could not replay. "Live" shows once the board is current.
function listen() {
  if (stream) stream.close();
  let opened = false;
  stream = new EventSource("/events?pace=" + FLOOD);
  stream.onopen = async () => {
    if (opened) soon();
    else { opened = true; await refresh(); }
    $("live").hidden = false;
  };
  stream.onerror = () => {
    $("live").hidden = true;
    // A stream that cannot open yet (it retries) must not leave the page empty.
    if (!opened && !board.shown) refresh();
  };
  stream.addEventListener("change", changed);
  stream.addEventListener("flood", flooded);
}

function showSignedIn(signedIn) {
  $("signin").hidden = signedIn;
  $("app").hidden = !signedIn;
  $("signout").hidden = !signedIn;
  $("nav").hidden = !signedIn;
  $("who").textContent = signedIn ? session.principal : "";
}

function signedOut() {
  session.principal = null;
  showSignedIn(false);
  $("live").hidden = true;
  document.title = "agor";
  if (stream) { stream.close(); stream = null; }
  if ($("details").open) $("details").close();
}

async function start() {
  try {
    const me = await request("/session");
    session.principal = me.principal;
    session.staleAfter = me.stale_after_secs;
  } catch (error) {
    signedOut();
    return;
  }
  showSignedIn(true);
  go(location.hash.slice(1) || "board");
  listen();
}

/// The theme: the system's (prefers-color-scheme) until the toggle picks one, kept in
/// localStorage.
function applyTheme(theme) {
  if (theme === "light" || theme === "dark") document.documentElement.dataset.theme = theme;
  else delete document.documentElement.dataset.theme;
  const dark = theme ? theme === "dark" : matchMedia("(prefers-color-scheme: dark)").matches;
  $("theme").textContent = dark ? "Light theme" : "Dark theme";
  $("theme").setAttribute("aria-pressed", String(dark));
}

function toggleTheme() {
  const dark = document.documentElement.dataset.theme
    ? document.documentElement.dataset.theme === "dark"
    : matchMedia("(prefers-color-scheme: dark)").matches;
  const theme = dark ? "light" : "dark";
  try { localStorage.setItem("agor-theme", theme); } catch (e) { /* private mode */ }
  applyTheme(theme);
}

$("signin").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("signin-error").textContent = "";
  try {
    await request("/signin", { secret: $("secret").value });
    $("secret").value = "";
    await start();
  } catch (error) {
    $("signin-error").textContent = error.message;
  }
});

$("signout").addEventListener("click", async () => {
  await request("/signout", {}).catch(() => {});
  signedOut();
});

for (const name of Object.keys(VIEWS)) $(`tab-${name}`).addEventListener("click", () => go(name));
window.addEventListener("hashchange", () => { if (session.principal) go(location.hash.slice(1)); });
$("theme").addEventListener("click", toggleTheme);
let savedTheme = null;
try { savedTheme = localStorage.getItem("agor-theme"); } catch (e) { /* private mode */ }
applyTheme(savedTheme);
// Heartbeats age without a change to announce it, and reported usage is no change of the
// feed (a wake-up per model request would stir every waiting agent): the team and usage
// views are redrawn now and then so "last heartbeat", the stale marks and the charts stay true.
setInterval(() => {
  if (session.principal && (current === "team" || current === "usage")) VIEWS[current]();
}, 15000);
wireBoard();
wireDetails();
wireMessages();
wireSearch();
wireUsage();
start();
