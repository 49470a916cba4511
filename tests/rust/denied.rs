//! Every operation of the catalogue, called by a principal that may not run it, is refused
//! with `PermissionDenied` (issue 20): operator operations called by an agent (tier 0 too),
//! agent operations called by the operator, and operations declaring a permission action
//! called by an agent whose role holds no right at all. An operation whose action every role
//! holds, or that declares none, says here why, and the rights-less agent is checked to pass
//! its permission check (so the reason stays true). Each request points at real rows, so what
//! answers is the permission check, not a missing row. On both engines.
mod common;

use std::collections::BTreeSet;

use agor_core::ops::{self, Caller, CallerKind};
use agor_core::ErrorKind;
use serde_json::{json, Value};

/// A role with no capability, no permission and nothing it may create.
const POWERLESS: &str = "powerless";
/// The agent holding it, in group "core" beside the team of `common::team`.
const NOBODY: &str = "nobody";

/// The rows the requests name, made by those who may.
struct Rows {
    /// A message from mgr to nobody (nobody may see and reply to it).
    message: String,
    /// A todo task of group core, assigned to dev1.
    task: String,
    /// A second todo task; `task` depends on it.
    other_task: String,
    /// A task nobody claimed before its role lost every right, and the claim's token.
    claimed: String,
    token: String,
    /// A cancelled task (archivable) and an archived one.
    done: String,
    archived: String,
    /// A pending proposal of `task` to dev2.
    proposal: String,
    /// A removed agent (restorable).
    removed: String,
}

fn call(caller: &Caller, request: &Value) -> agor_core::Result<Value> {
    let text = ops::call_json(caller, &request.to_string())?;
    Ok(serde_json::from_str(&text).unwrap())
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

/// The team of `common::team`, nobody with the powerless role, and the rows above.
fn setup(t: &common::Team) -> Rows {
    let op = &t.store.as_operator();
    let must = |caller: &Caller, request: Value| {
        call(caller, &request).unwrap_or_else(|e| panic!("setup {request}: {e}"))
    };
    // Nobody may claim at first: it holds a claim (and its token) when its role loses every
    // right below, so the lease operations reach the permission check as the claim's holder.
    must(
        op,
        json!({"op": "define_role", "name": POWERLESS, "tier": 2, "capabilities": ["implement_tasks"]}),
    );
    must(
        op,
        json!({"op": "register_agent", "id": NOBODY, "name": "Nobody", "role": POWERLESS, "group": "core"}),
    );
    must(
        op,
        json!({"op": "register_agent", "id": "gone", "name": "Gone", "role": "project", "group": "core"}),
    );
    must(op, json!({"op": "remove_agent", "agent_id": "gone"}));
    must(
        op,
        json!({"op": "allow", "from": "mgr", "to": NOBODY, "bidirectional": true}),
    );
    let mgr = t.store.as_agent("mgr").unwrap();
    let nobody = t.store.as_agent(NOBODY).unwrap();
    let (mgr, nobody) = (&mgr, &nobody);
    let message = id(&must(
        mgr,
        json!({"op": "send", "to": NOBODY, "content": "hello"}),
    ));
    must(mgr, json!({"op": "create_channel", "name": "ops"}));
    must(
        mgr,
        json!({"op": "add_member", "channel": "ops", "agent_id": NOBODY}),
    );
    let task = id(&must(
        mgr,
        json!({"op": "create_task", "title": "parser", "assign_to": "dev1"}),
    ));
    let other_task = id(&must(mgr, json!({"op": "create_task", "title": "lexer"})));
    must(
        mgr,
        json!({"op": "add_dependency", "task_id": task, "depends_on": other_task}),
    );
    let claimed = id(&must(mgr, json!({"op": "create_task", "title": "claimed"})));
    let claim = must(nobody, json!({"op": "claim_task", "task_id": claimed}));
    let token = claim["token"].as_str().unwrap().to_owned();
    must(
        op,
        json!({"op": "define_role", "name": POWERLESS, "tier": 2}),
    );
    let mut done_tasks = Vec::new();
    for title in ["done", "archived"] {
        let done = id(&must(mgr, json!({"op": "create_task", "title": title})));
        must(
            mgr,
            json!({"op": "set_task_status", "task_id": done, "status": "cancelled"}),
        );
        done_tasks.push(done);
    }
    let archived = done_tasks.pop().unwrap();
    let done = done_tasks.pop().unwrap();
    must(mgr, json!({"op": "archive_task", "task_id": archived}));
    let proposal = id(&must(
        mgr,
        json!({"op": "propose_task", "task_id": task, "agent_id": "dev2"}),
    ));
    Rows {
        message,
        task,
        other_task,
        claimed,
        token,
        done,
        archived,
        proposal,
        removed: "gone".into(),
    }
}

/// Why the rights-less agent is not refused: its action is one every role holds (the group,
/// or channel membership, is what limits it), or it declares none (the caller's own data).
type Why = Option<&'static str>;

const OPEN_READ: Why = Some("every role reads its own group (ListAgents/ListTasks/ViewGroup need no right; the group is the limit)");
const OWN: Why = Some("no action: it reads or changes only the caller's own data (its mail, claims, reservations, work state, usage)");

/// One minimal valid request per operation, pointing at real rows, and `None` when the
/// rights-less agent must be refused, or the reason it may run it. A new operation without
/// an entry fails `the_table_covers_the_catalogue`.
#[allow(clippy::type_complexity)]
const REQUESTS: &[(&str, fn(&Rows) -> Value, Why)] = &[
    // --- the team
    ("register_agent", |_| json!({"id": "new1", "name": "N", "role": "project", "group": "core"}), None),
    ("remove_agent", |_| json!({"agent_id": "dev2"}), None),
    ("restore_agent", |r| json!({"agent_id": r.removed}), None),
    ("purge_agent", |_| json!({"agent_id": "dev2", "force": true}), None),
    ("rename_agent", |_| json!({"agent_id": "dev2", "name": "Renamed"}), None),
    ("roles", |_| json!({}), OPEN_READ),
    ("role", |_| json!({"name": "manager"}), OPEN_READ),
    ("define_role", |_| json!({"name": "another", "tier": 2}), None),
    ("has_capability", |_| json!({"agent_id": "dev1", "capability": "implement_tasks"}), OPEN_READ),
    ("check_permission", |_| json!({"agent_id": "dev1", "permission": "can_send_messages"}), OPEN_READ),
    ("can_create_role", |_| json!({"creator": "manager", "role": "project"}), OPEN_READ),
    ("allow", |_| json!({"from": "dev1", "to": "rev"}), None),
    ("get_agent", |_| json!({"id": "dev1"}), None),
    ("list_agents", |_| json!({}), OPEN_READ),
    ("contact_graph", |_| json!({}), OPEN_READ),
    ("whoami", |_| json!({}), OWN),
    ("contacts", |_| json!({}), None),
    ("set_status", |_| json!({"agent_id": "dev1", "status": "sleeping"}), None),
    ("heartbeat", |_| json!({}), OWN),
    ("stale_agents", |_| json!({}), None),
    ("audit_log", |_| json!({}), None),
    ("backup", |_| json!({"path": "/nonexistent-dir/never-written.db"}), None),
    // --- direct messages
    ("send", |_| json!({"to": "mgr", "content": "x"}), None),
    ("reply", |r| json!({"message_id": r.message, "content": "x"}), None),
    ("inbox", |_| json!({}), OWN),
    ("peek", |_| json!({}), OWN),
    ("read", |r| json!({"message_id": r.message}), OWN),
    ("read_unread", |_| json!({}), OWN),
    ("mark_conversation_read", |_| json!({"other": "mgr"}), OWN),
    ("ack", |r| json!({"message_id": r.message, "session_id": "s1"}), OWN),
    ("overdue", |_| json!({}), OWN),
    ("unread_count", |_| json!({}), OWN),
    ("history", |_| json!({"other": "mgr"}), OWN),
    ("feed", |_| json!({"group": "core"}), None),
    ("notify", |_| json!({}), OWN),
    ("delete_message", |r| json!({"message_id": r.message}), None),
    ("send_to_role", |_| json!({"role": "project", "content": "x"}), None),
    ("send_to_pattern", |_| json!({"pattern": "dev*", "content": "x"}), None),
    ("broadcast", |_| json!({"content": "x"}), None),
    // --- channels
    ("create_channel", |_| json!({"name": "mine"}), None),
    ("list_channels", |_| json!({}), OWN),
    ("post", |_| json!({"channel": "ops", "content": "x"}), None),
    ("channel_history", |_| json!({"channel": "ops"}), Some("every role reads the channels it belongs to (ReadChannel needs no right; membership is the limit)")),
    ("add_member", |_| json!({"channel": "ops", "agent_id": "dev2"}), None),
    ("ensure_review_channels", |_| json!({"group": "core"}), None),
    // --- dead letters
    ("dead_letters", |_| json!({}), OWN),
    ("redeliver_dead_letters", |_| json!({}), OWN),
    ("clear_dead_letters", |_| json!({}), OWN),
    // --- the task board
    ("create_task", |_| json!({"title": "x"}), None),
    ("create_tasks", |_| json!({"tasks": [{"title": "x"}]}), None),
    ("list_tasks", |_| json!({}), OPEN_READ),
    ("get_task", |r| json!({"task_id": r.task}), OPEN_READ),
    ("task_history", |r| json!({"task_id": r.task}), OPEN_READ),
    ("assign_task", |r| json!({"task_id": r.task, "agent_id": "dev2"}), None),
    ("update_task", |r| json!({"task_id": r.task, "expected_version": 1, "title": "y"}), None),
    ("set_task_status", |r| json!({"task_id": r.task, "status": "cancelled"}), None),
    ("comment", |r| json!({"task_id": r.task, "content": "x"}), Some("every role comments on its group's tasks (CommentOnTask needs no right; the group is the limit)")),
    ("delete_task", |r| json!({"task_id": r.task}), None),
    ("add_dependency", |r| json!({"task_id": r.other_task, "depends_on": r.done}), None),
    ("remove_dependency", |r| json!({"task_id": r.task, "depends_on": r.other_task}), None),
    ("dependencies", |r| json!({"task_id": r.task}), OPEN_READ),
    ("ready_tasks", |_| json!({}), OPEN_READ),
    ("claim_blockers", |r| json!({"task_id": r.task}), OPEN_READ),
    ("board", |_| json!({}), OPEN_READ),
    ("archive_task", |r| json!({"task_id": r.done}), None),
    ("unarchive_task", |r| json!({"task_id": r.archived}), None),
    ("archived_tasks", |_| json!({}), OPEN_READ),
    ("lane", |_| json!({"agent_id": "dev1"}), OPEN_READ),
    ("reorder_lane", |r| json!({"agent_id": "dev1", "task_ids": [r.task]}), None),
    ("propose_task", |r| json!({"task_id": r.other_task, "agent_id": "dev2"}), None),
    ("proposals", |_| json!({}), OWN),
    ("accept_proposal", |r| json!({"proposal_id": r.proposal}), None),
    ("decline_proposal", |r| json!({"proposal_id": r.proposal}), None),
    ("import_tasks", |_| json!({"toml": "[[tasks]]\ntitle = \"imported\"\n"}), None),
    ("export_tasks", |_| json!({}), OPEN_READ),
    ("claim_task", |r| json!({"task_id": r.other_task}), None),
    ("claim_tasks", |_| json!({"count": 2}), None),
    ("renew_lease", |r| json!({"task_id": r.claimed, "token": r.token}), None),
    ("release_task", |r| json!({"task_id": r.claimed, "token": r.token}), None),
    ("complete_task", |r| json!({"task_id": r.claimed, "token": r.token, "summary": "x"}), None),
    ("complete_tasks", |r| json!({"claims": [{"task_id": r.claimed, "token": r.token}]}), None),
    ("require_approval", |r| json!({"task_id": r.task, "approval": true}), None),
    ("approve_task", |r| json!({"task_id": r.task}), None),
    ("reject_task", |r| json!({"task_id": r.task, "reason": "no"}), None),
    ("waiting_on_people", |_| json!({}), None),
    ("retry_task", |r| json!({"task_id": r.task}), None),
    ("defer_task", |r| json!({"task_id": r.task, "until": "1h"}), None),
    ("task_attempts", |r| json!({"task_id": r.task}), OPEN_READ),
    ("review_queue_count", |_| json!({"group": "core"}), None),
    ("reviewer_attention", |_| json!({"group": "core"}), None),
    // --- the change feed and wake-ups
    ("changes", |_| json!({}), OPEN_READ),
    ("latest_change", |_| json!({}), OWN),
    ("wait", |_| json!({"timeout_secs": 0}), OPEN_READ),
    // --- file reservations
    ("reserve", |_| json!({"paths": ["nobody/*"]}), OWN),
    ("renew_reservations", |_| json!({}), OWN),
    ("release_reservations", |_| json!({}), OWN),
    ("reservations", |_| json!({}), OWN),
    // --- work state
    ("set_work_state", |_| json!({"state": "idle"}), OWN),
    ("work_state", |_| json!({}), OWN),
    // --- usage and cost
    ("record_usage", |_| json!({"input_tokens": 1, "output_tokens": 1, "cost_usd": 0.0, "model": "m"}), OWN),
    ("usage_summary", |_| json!({}), OPEN_READ),
    ("usage_series", |_| json!({"by": "model", "bucket": "hour"}), OPEN_READ),
    // --- search
    ("search", |_| json!({"query": "hello"}), OPEN_READ),
    // --- secrets
    ("issue_token", |_| json!({"agent_id": "dev1"}), None),
    ("revoke_tokens", |_| json!({"agent_id": "dev1"}), None),
    ("tokens", |_| json!({}), None),
    // --- the store's settings
    ("settings", |_| json!({}), None),
    ("set_setting", |_| json!({"key": "max_attempts", "value": "3"}), None),
];

fn request(name: &str, rows: &Rows) -> Value {
    let (_, args, _) = REQUESTS
        .iter()
        .find(|(n, _, _)| *n == name)
        .unwrap_or_else(|| panic!("{name}: no request in REQUESTS"));
    let mut request = args(rows);
    request["op"] = json!(name);
    // Each request must be valid, or a parse error would answer instead of the rules.
    ops::parse_request(&request.to_string()).unwrap_or_else(|e| panic!("{name}: {e}"));
    request
}

/// `Err(what happened)` unless the call was refused as `PermissionDenied`.
fn refused(caller: &Caller, request: &Value) -> Result<(), String> {
    match call(caller, request) {
        Err(e) if e.kind() == ErrorKind::PermissionDenied => Ok(()),
        Err(e) => Err(format!("refused as {:?}: {e}", e.kind())),
        Ok(v) => Err(format!("ran: {v}")),
    }
}

#[test]
fn the_table_covers_the_catalogue() {
    let catalogue: BTreeSet<&str> = ops::names().iter().copied().collect();
    let table: Vec<&str> = REQUESTS.iter().map(|(n, _, _)| *n).collect();
    let listed: BTreeSet<&str> = table.iter().copied().collect();
    assert_eq!(listed.len(), table.len(), "an operation listed twice");
    let missing: Vec<_> = catalogue.difference(&listed).collect();
    let stale: Vec<_> = listed.difference(&catalogue).collect();
    assert!(
        missing.is_empty(),
        "operations with no request in REQUESTS (add one, and say whether a rights-less agent is refused): {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "REQUESTS names no such operation: {stale:?}"
    );
}

/// Operations only the operator runs, called by an agent (tier 0 and the rights-less one).
#[test]
fn operator_operations_refuse_every_agent() {
    let t = common::team();
    let rows = setup(&t);
    let mut wrong = Vec::new();
    for op in ops::catalogue() {
        if op.caller != CallerKind::Operator {
            continue;
        }
        let request = request(op.name, &rows);
        for agent in ["admin", NOBODY] {
            let actor = t.store.as_agent(agent).unwrap();
            if let Err(e) = refused(&actor, &request) {
                wrong.push(format!("{} as {agent}: {e}", op.name));
            }
        }
    }
    assert!(wrong.is_empty(), "not refused:\n{}", wrong.join("\n"));
}

/// Operations that act as an agent, called by the operator (who has no agent identity).
#[test]
fn agent_operations_refuse_the_operator() {
    let t = common::team();
    let rows = setup(&t);
    let mut wrong = Vec::new();
    for op in ops::catalogue() {
        if op.caller != CallerKind::Agent {
            continue;
        }
        let request = request(op.name, &rows);
        if let Err(e) = refused(&t.store.as_operator(), &request) {
            wrong.push(format!("{}: {e}", op.name));
        }
    }
    assert!(wrong.is_empty(), "not refused:\n{}", wrong.join("\n"));
}

/// Operations declaring an action, called by an agent whose role holds no right: refused,
/// unless the table says every role holds that action; operations declaring none say why.
/// Those not refused are checked to pass the rules, so the reasons given stay true.
#[test]
fn an_agent_lacking_the_declared_action_is_refused() {
    let t = common::team();
    let rows = setup(&t);
    let nobody = t.store.as_agent(NOBODY).unwrap();
    let mut wrong = Vec::new();
    for op in ops::catalogue() {
        if op.caller == CallerKind::Operator {
            continue;
        }
        let (_, _, why) = REQUESTS.iter().find(|(n, _, _)| *n == op.name).unwrap();
        if op.action.is_none() && why.is_none() {
            wrong.push(format!(
                "{}: declares no action; REQUESTS must say why it needs none",
                op.name
            ));
            continue;
        }
        let request = request(op.name, &rows);
        match (why, refused(&nobody, &request)) {
            (None, Err(e)) => wrong.push(format!(
                "{} (action {}): {e}",
                op.name,
                op.action.unwrap_or("none")
            )),
            (Some(why), Ok(())) => wrong.push(format!(
                "{}: refused, yet REQUESTS says it is open ({why})",
                op.name
            )),
            _ => {}
        }
    }
    assert!(wrong.is_empty(), "wrong answers:\n{}", wrong.join("\n"));
}
