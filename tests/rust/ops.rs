//! The catalogue through its one entry point: JSON requests dispatched for the operator and
//! for agents, with the same rules and errors as the typed API.
mod common;

use agor_core::ops::{self, Caller};
use agor_core::{ErrorKind, PrincipalId};
use serde_json::{json, Value};

fn call(caller: &Caller, request: Value) -> agor_core::Result<Value> {
    let text = ops::call_json(caller, &request.to_string())?;
    Ok(serde_json::from_str(&text).unwrap())
}

#[test]
fn a_team_works_through_dispatch_alone() {
    let t = common::empty();
    let op = &t.store.as_operator();
    for (id, role) in [("mgr", "manager"), ("dev", "project")] {
        call(
            op,
            json!({"op": "register_agent", "id": id, "name": id, "role": role, "group": "g"}),
        )
        .unwrap();
    }
    call(
        op,
        json!({"op": "allow", "from": "mgr", "to": "dev", "bidirectional": true}),
    )
    .unwrap();
    let mgr = t.store.as_agent("mgr").unwrap();
    let dev = t.store.as_agent("dev").unwrap();
    let sent = call(
        &mgr,
        json!({"op": "send", "to": "dev", "content": "take it"}),
    )
    .unwrap();
    assert_eq!(sent["to_agent"], "dev");
    let inbox = call(&dev, json!({"op": "read_unread"})).unwrap();
    assert_eq!(inbox[0]["content"], "take it");
    let task = call(
        &mgr,
        json!({"op": "create_task", "title": "parser", "priority": "high"}),
    )
    .unwrap();
    let claim = call(&dev, json!({"op": "claim_task"})).unwrap();
    assert_eq!(claim["task"]["id"], task["id"]);
    let done = call(
        &dev,
        json!({"op": "complete_task", "task_id": task["id"], "token": claim["token"], "summary": "merged"}),
    )
    .unwrap();
    assert_eq!(done["status"], "done");
    let board = call(&mgr, json!({"op": "board"})).unwrap();
    let done_column = board
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["status"] == "done")
        .unwrap();
    assert_eq!(done_column["tasks"][0]["id"], task["id"]);
    assert_eq!(
        call(&dev, json!({"op": "claim_task"})).unwrap(),
        Value::Null
    );
}

#[test]
fn dispatch_keeps_every_rule_and_the_caller_kind() {
    let t = common::team();
    let dev = t.store.as_agent("dev1").unwrap();
    let ext = t.store.as_agent("ext").unwrap();
    let denied = |r: agor_core::Result<Value>| r.unwrap_err().kind();
    // An agent cannot escalate through the generic entry either.
    assert_eq!(
        denied(call(
            &dev,
            json!({"op": "register_agent", "id": "dev1", "name": "x", "role": "admin", "group": "core"})
        )),
        ErrorKind::PermissionDenied
    );
    assert_eq!(
        denied(call(&dev, json!({"op": "create_task", "title": "mine"}))),
        ErrorKind::PermissionDenied
    );
    // Operator-only and agent-only operations refuse the other kind of caller.
    assert_eq!(
        denied(call(&dev, json!({"op": "audit_log"}))),
        ErrorKind::PermissionDenied
    );
    assert_eq!(
        denied(call(
            &t.store.as_operator(),
            json!({"op": "send", "to": "dev1", "content": "x"})
        )),
        ErrorKind::PermissionDenied
    );
    // Another group's task does not exist for ext.
    let task = t
        .store
        .as_agent("mgr")
        .unwrap()
        .create_task(&agor_core::NewTask::new("core"))
        .unwrap();
    assert_eq!(
        denied(call(&ext, json!({"op": "get_task", "task_id": task.id}))),
        ErrorKind::NotFound
    );
    // Bad input is InvalidInput naming the argument at fault, or the operation when the
    // request as a whole is wrong.
    let err = call(&dev, json!({"op": "claim_task", "lease_secs": "soon"})).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().starts_with("invalid lease_secs: "), "{err}");
    let err = call(&dev, json!({"op": "claim_task", "lease": 60})).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(
        err.to_string().contains("bad arguments for 'claim_task'"),
        "{err}"
    );
}

#[test]
fn the_catalogue_lists_every_operation_with_schemas() {
    let ops = ops::catalogue();
    assert_eq!(ops.len(), ops::names().len());
    let send = ops.iter().find(|o| o.name == "send").unwrap();
    assert_eq!(send.action, Some("send_message"));
    let listing = serde_json::to_value(&ops).unwrap();
    let schema = &listing
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == "send")
        .unwrap()["request"];
    let required: Vec<_> = schema["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(required, ["to", "content"]);
}

/// The operator acts through the same handle as an agent (issue 20): what both may do runs
/// once on it, what only an agent may do is refused with the dispatch's own words, and
/// `acting_as` builds either from a principal by name.
#[test]
fn the_operator_acts_through_the_same_handle_as_an_agent() {
    let t = common::team();
    let op = t.store.acting_as(&PrincipalId::Operator).unwrap();
    assert!(op.is_operator() && op.id() == "operator");
    let names = |v: Vec<agor_core::Agent>| v.into_iter().map(|a| a.id).collect::<Vec<_>>();
    // A read both may call: the operator's handle sees every group, or the one it names.
    let all = names(op.list_agents().unwrap());
    assert_eq!(all, names(t.store.list_agents(None).unwrap()));
    assert!(all.len() > 1);
    let core = names(op.list_agents_of(Some("core")).unwrap());
    assert!(
        !core.is_empty() && core.len() < all.len(),
        "{core:?} of {all:?}"
    );
    // A write both may call, with the operator's rights: it renames anyone.
    let renamed = op.rename_agent("dev1", "Renamed by the operator").unwrap();
    assert_eq!(renamed.name, "Renamed by the operator");
    // What only an agent may do: refused for the operator, as through dispatch.
    let direct = op.send("dev1", "hello").unwrap_err();
    let dispatched =
        call(&op, json!({"op": "send", "to": "dev1", "content": "hello"})).unwrap_err();
    assert_eq!(direct.kind(), ErrorKind::PermissionDenied);
    assert_eq!(direct.to_string(), dispatched.to_string());
    assert!(
        direct.to_string().contains("without an agent identity"),
        "{direct}"
    );
    // An agent's handle, built from its name, is the agent.
    let dev = t
        .store
        .acting_as(&PrincipalId::Agent("dev1".into()))
        .unwrap();
    assert_eq!(
        (dev.is_operator(), dev.whoami().unwrap().id),
        (false, "dev1".into())
    );
    let err = dev.operator().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PermissionDenied);
}

#[test]
fn dispatch_answers_with_the_typed_record_of_its_operation() {
    use agor_core::ops::{args, Request, Response};
    let t = common::empty();
    let op = &t.store.as_operator();
    call(
        op,
        json!({"op": "register_agent", "id": "mgr", "name": "Mgr", "role": "manager", "group": "g"}),
    )
    .unwrap();
    let mgr = t.store.as_agent("mgr").unwrap();
    let request = Request::CreateTask(
        serde_json::from_value(json!({"title": "typed", "priority": "high"})).unwrap(),
    );
    let response = ops::dispatch(&mgr, request).unwrap();
    assert_eq!(response.name(), "create_task");
    // Its JSON is the record alone, as call_json answers.
    let value = response.to_value().unwrap();
    assert_eq!(value["title"], "typed");
    assert!(matches!(&response, Response::CreateTask(task) if task.title == "typed"));
    let task: agor_core::Task = response.into_inner().unwrap();
    assert_eq!(value["id"], task.id.as_str());

    // Asking for another type is a caller's mistake naming both, not a panic.
    let listed = ops::dispatch(&mgr, Request::Whoami(args::Whoami {})).unwrap();
    let err = listed.into_inner::<Vec<agor_core::Task>>().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(
        err.to_string().contains("'whoami' does not answer with a"),
        "{err}"
    );

    // An operation that answers nothing is JSON null.
    let removed = ops::dispatch(
        &mgr,
        Request::DeleteTask(serde_json::from_value(json!({"task_id": task.id})).unwrap()),
    )
    .unwrap();
    assert_eq!(removed.to_json().unwrap(), "null");
    removed.into_inner::<()>().unwrap();
}
