// Search (the catalogue's full-text `search`: messages, posts, tasks, comments) and the audit
// log. A hit's snippet marks matched words with `**`: they are shown as <mark>ed text.
"use strict";

/// A snippet's text with its `**word**` parts as <mark> elements (all of it text).
function marked(snippet) {
  return String(snippet).split("**").map((part, i) => (i % 2 ? h("mark", {}, part) : part));
}

async function runSearch(event) {
  if (event) event.preventDefault();
  const query = $("search-query").value.trim();
  if (!query) { $("search-results").replaceChildren(); return; }
  await guarded("search-error", async () => {
    const hits = await op("search", { query, limit: 50 });
    $("search-results").replaceChildren(...(hits.length ? hits.map((hit) => {
      const task = hit.kind === "task" ? hit.id : hit.kind === "comment" ? hit.parent_id : null;
      return h("li", { className: "hit" },
        h("span", { className: "badge" }, hit.kind),
        " ",
        task ? h("button", { type: "button", className: "link", onclick: () => openDetails(task) }, ...marked(hit.snippet))
          : h("span", {}, ...marked(hit.snippet)),
        h("div", { className: "meta" }, [hit.channel ? `#${hit.channel}` : null, hit.created_at].filter(Boolean).join(" · ")));
    }) : [h("li", { className: "hint" }, "no matches")]));
  });
}

async function loadAudit() {
  const rows = await op("audit_log", { limit: 200 });
  $("audit-body").replaceChildren(...rows.map((r) => h("tr", {},
    h("td", {}, r.created_at), h("td", {}, r.agent_id || "operator"),
    h("td", {}, r.event_type), h("td", { className: "prose" }, r.detail || ""))));
}

function wireSearch() {
  $("search-form").addEventListener("submit", runSearch);
}
