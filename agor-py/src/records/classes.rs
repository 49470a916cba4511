// The record classes of the `agor` module: one row each, named as the core record it wraps,
// holding only what is Python's own: the attributes `repr` shows, the text it shortens
// (`preview`), options of the class (`pyclass`), a remark added to the core's doc (`note`)
// and the docs of attributes the core leaves undocumented (`docs`: the core keeps some
// schemas short for MCP clients, see `core::Message`). The attributes and their other docs
// are the core record's (see `fields.rs`). Read by the crate (`records.rs`) and by the
// generator of `fields.rs` (`tests/records.rs`).
records! {
    Agent { repr: [id, role, group_id, tier, status, unread] }
    Message {
        repr: [id, from_agent, to_agent, read],
        preview: content,
        docs: {
            importance: "How urgent the sender says it is: `low`, `normal`, `high`, `urgent`.",
            ack_required: "Whether the sender asked for a receipt (an `ack` or a reply).",
            deadline: "When a receipt is due, `YYYY-MM-DD HH:MM:SS` UTC (None: no deadline).",
            acked_at: "When the recipient acked or replied, `YYYY-MM-DD HH:MM:SS` UTC.",
        },
    }
    ChannelMessage { repr: [id, channel_id, from_agent], preview: content }
    Channel { repr: [id, name, group_id, member_count] }
    DeadLetter { repr: [id, from_agent, to_agent], preview: content }
    Delivery { repr: [sent, dead_lettered, skipped] }
    Heartbeat { repr: [agent_id, timestamp, redelivered] }
    StaleAgent { repr: [agent_id, silent_secs] }
    AuditEntry { repr: [id, agent_id, event_type, detail] }
    AgentWork { repr: [agent_id, state, task_id] }
    RoleDef { repr: [name, tier, built_in] }
    Proposal { repr: [id, task_id, agent_id, status] }
    ImportReport { repr: [created, updated, unchanged] }
    UsageRecord { repr: [agent_id, model, cost_usd] }
    UsageSummary { repr: [key, cost_usd, requests] }
    Reservation { repr: [agent_id, pattern, exclusive] }
    SearchHit { repr: [kind, id, snippet] }
    TokenInfo { repr: [agent_id, fingerprint] }
    Change { repr: [cursor, kind, event, subject] }
    ChangeContent { repr: [sender, title, status] }
    Contact { repr: [agent_id, contact_id] }
    Task {
        repr: [id, title, status, priority, assigned_to, version],
        pyclass: [subclass],
        note: "`get_task` returns its `TaskDetail` subclass, with comments and subtasks.",
    }
    Completion { repr: [result_ref, next], preview: summary }
    Comment { repr: [id, task_id, agent_id], preview: content }
    Claim { repr: [task, expires_at] }
}
