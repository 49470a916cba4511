// Channels and direct messages as the signed-in identity: pick a conversation (an agent or a
// channel), read it, post to it, or reply to one of its messages (threaded).
"use strict";

/// The open conversation: {kind: "dm"|"channel", id, name}, and the message a reply answers.
const talk = { open: null, replyTo: null };

async function loadMessages() {
  if (session.principal === OPERATOR) {
    $("conversations").replaceChildren(h("p", { className: "hint" },
      "The operator has no mailbox: sign in as a person (an agent of role human) to read and send messages."));
    return;
  }
  const [agents, channels] = await Promise.all([
    op("list_agents"), optional("list_channels", {}, null)]);
  const me = session.principal;
  const people = agents.filter((a) => a.id !== me);
  $("conversations").replaceChildren(
    h("h3", {}, "Direct messages"),
    h("ul", {}, people.map((a) => h("li", {}, conversationButton("dm", a.id, a.name)))),
    h("h3", {}, "Channels"),
    channels === null
      ? h("p", { className: "hint" }, "channels are read by an agent identity (sign in as a person)")
      : h("ul", {}, channels.map((c) => h("li", {}, conversationButton("channel", c.name, `#${c.name}`)))),
  );
  if (talk.open) await loadConversation();
}

function conversationButton(kind, id, name) {
  const open = talk.open && talk.open.kind === kind && talk.open.id === id;
  return h("button", {
    type: "button",
    className: open ? "link current" : "link",
    "aria-current": open ? "true" : null,
    dataset: { kind, id },
    onclick: () => { talk.open = { kind, id, name }; talk.replyTo = null; guarded("messages-error", loadMessages); },
  }, name);
}

async function loadConversation() {
  const { kind, id, name } = talk.open;
  const messages = kind === "dm"
    ? await op("history", { other: id, limit: 100 })
    : await op("channel_history", { channel: id, limit: 100 });
  // Reading a conversation answers what waited in it: the waiting count follows at once.
  if (kind === "dm" && await optional("mark_conversation_read", { other: id }, 0)) {
    await guarded("error", refreshWaiting);
  }
  $("conversation-title").textContent = kind === "dm" ? `With ${name} (${id})` : name;
  $("conversation").replaceChildren(...messages.map((m) => h("li", {
    className: m.from_agent === session.principal ? "message mine" : "message",
    dataset: { id: m.id },
  },
  h("div", { className: "meta" }, `${m.from_agent} · ${m.created_at}${m.reply_to ? " · reply" : ""}`),
  h("p", { className: "prose" }, m.content),
  kind === "dm" ? h("button", {
    type: "button", className: "link",
    onclick: () => { talk.replyTo = m; showReply(); $("compose-text").focus(); },
  }, "Reply") : null)));
  $("compose").hidden = false;
  showReply();
}

function showReply() {
  const replying = talk.replyTo;
  $("replying").hidden = !replying;
  $("replying-to").textContent = replying ? replying.content.slice(0, 80) : "";
}

async function sendMessage(event) {
  event.preventDefault();
  const content = $("compose-text").value;
  if (!talk.open || !content) return;
  await guarded("messages-error", async () => {
    const { kind, id } = talk.open;
    if (talk.replyTo) await op("reply", { message_id: talk.replyTo.id, content });
    else if (kind === "dm") await op("send", { to: id, content });
    else await op("post", { channel: id, content });
    $("compose-text").value = "";
    talk.replyTo = null;
    await loadConversation();
  });
}

function wireMessages() {
  $("compose").addEventListener("submit", sendMessage);
  $("cancel-reply").addEventListener("click", () => { talk.replyTo = null; showReply(); });
}
