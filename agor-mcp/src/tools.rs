//! The catalogue as MCP tools: one tool per operation with its name, doc and JSON Schemas, and
//! one way to run a call and shape its result.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use agor_core::ops::{self, CallerKind, Operation, Request};
use agor_core::{CancelToken, Error, Store};
use rmcp::model::{CallToolResult, JsonObject, Tool};
use serde_json::{json, Map, Value};

use crate::auth::Principal;
use crate::{annotations, schemas};

/// Every operation of the catalogue as a tool, with who calls it.
pub(crate) fn all() -> Vec<(CallerKind, Tool)> {
    let catalogue = ops::catalogue();
    let mut outputs: Vec<JsonObject> = catalogue.iter().map(output_schema).collect();
    schemas::drop_repeated_prose(&mut outputs);
    catalogue
        .iter()
        .zip(outputs)
        .map(|(op, output)| (op.caller, tool(op, output)))
        .collect()
}

/// The tool of `op`: its doc as the description (who may call it goes unsaid: a client is
/// offered only the tools its principal may call, see [`crate::profiles`]).
fn tool(op: &Operation, output: JsonObject) -> Tool {
    let input = schemas::request(object(
        serde_json::to_value(&op.request).unwrap_or_default(),
    ));
    let tool = Tool::new(op.name, op.doc.replace('\n', " "), Arc::new(input))
        .with_raw_output_schema(Arc::new(output));
    annotations::annotate(tool, op)
}

fn object(v: Value) -> JsonObject {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// Results are always an object `{"result": …}` (MCP before 2026-07-28 allows only objects as
/// structured content, and lists and numbers are common here). The response schema goes under
/// `result`; its definitions move to the root, where its `$ref`s point.
fn output_schema(op: &Operation) -> JsonObject {
    let mut inner = schemas::response(object(
        serde_json::to_value(&op.response).unwrap_or_default(),
    ));
    let defs = inner.remove("$defs");
    let mut root = object(json!({
        "type": "object",
        "properties": { "result": Value::Object(inner) },
        "required": ["result"],
    }));
    if let Some(defs) = defs {
        root.insert("$defs".into(), defs);
    }
    schemas::refer_to_flattened(&mut root);
    root
}

/// How many `wait` calls may block at once for one agent by default: a client that leaves
/// its waits behind cannot take the server's threads from others.
pub const MAX_WAITS_PER_AGENT: usize = 32;
/// How many `wait` calls may block at once in the whole server by default (each holds one of
/// the server's blocking threads while it waits).
pub const MAX_WAITS_PER_SERVER: usize = 256;

/// The waits running now, per agent and in all, against their caps: the one place that
/// bounds a principal's concurrent waits (SPEC §2.2).
#[derive(Debug)]
pub struct WaitSlots {
    per_agent: usize,
    per_server: usize,
    taken: Mutex<(usize, HashMap<String, usize>)>,
}

impl Default for WaitSlots {
    fn default() -> Self {
        WaitSlots::new(MAX_WAITS_PER_AGENT, MAX_WAITS_PER_SERVER)
    }
}

impl WaitSlots {
    /// Caps of `per_agent` concurrent waits per agent and `per_server` in all.
    pub fn new(per_agent: usize, per_server: usize) -> WaitSlots {
        WaitSlots {
            per_agent,
            per_server,
            taken: Mutex::default(),
        }
    }

    /// A slot for one wait of `agent`, released when the slot is dropped; a clear refusal
    /// (`busy`) over either cap.
    pub(crate) fn take(self: &Arc<Self>, agent: &str) -> Result<WaitSlot, Error> {
        let mut taken = self.taken.lock().unwrap_or_else(|e| e.into_inner());
        let (total, per) = &mut *taken;
        let mine = per.get(agent).copied().unwrap_or(0);
        let refused = if mine >= self.per_agent {
            Some(format!(
                "{agent} already has {mine} waits running, the most one agent may; \
                 let one finish or cancel it (notifications/cancelled)"
            ))
        } else if *total >= self.per_server {
            Some(format!(
                "the server already runs {total} waits, the most it allows; try again later"
            ))
        } else {
            None
        };
        if let Some(reason) = refused {
            return Err(Error::InvalidInput {
                field: "wait",
                reason,
            });
        }
        *total += 1;
        *per.entry(agent.to_owned()).or_default() += 1;
        Ok(WaitSlot {
            slots: self.clone(),
            agent: agent.to_owned(),
        })
    }
}

pub(crate) struct WaitSlot {
    slots: Arc<WaitSlots>,
    agent: String,
}

impl Drop for WaitSlot {
    fn drop(&mut self) {
        let mut taken = self.slots.taken.lock().unwrap_or_else(|e| e.into_inner());
        let (total, per) = &mut *taken;
        *total -= 1;
        if let Some(n) = per.get_mut(&self.agent) {
            *n -= 1;
            if *n == 0 {
                per.remove(&self.agent);
            }
        }
    }
}

/// What a call needs besides its arguments: the caps on waits and the token that ends a wait
/// when its client goes away.
#[derive(Debug, Clone)]
pub(crate) struct CallContext {
    pub waits: Arc<WaitSlots>,
    pub cancel: CancelToken,
}

/// Runs the operation `name` with `arguments` as `who`; blocking (the caller runs it off the
/// async threads). Failures of the call are tool errors, never protocol errors: the agent
/// reads them.
pub(crate) fn call(
    store: &Store,
    who: &Principal,
    name: &str,
    arguments: JsonObject,
    cx: &CallContext,
) -> CallToolResult {
    match run(store, who, name, arguments, cx) {
        Ok(value) => CallToolResult::structured(json!({ "result": value })),
        Err(e) => CallToolResult::structured_error(json!({
            "error": { "kind": e.kind().as_str(), "message": e.to_string() }
        })),
    }
}

pub(crate) fn run(
    store: &Store,
    who: &Principal,
    name: &str,
    mut arguments: JsonObject,
    cx: &CallContext,
) -> Result<Value, Error> {
    if arguments.contains_key("op") {
        // The tool's name is the operation; an `op` argument would be unknown anyway, but
        // say so plainly rather than let it pick another operation.
        return Err(invalid_op_argument());
    }
    arguments.insert("op".into(), Value::String(name.to_owned()));
    let request = ops::request_from_value(Value::Object(arguments))?;
    let caller = store.acting_as(who)?;
    match (who, request) {
        (Principal::Agent(id), Request::Wait(w)) => {
            // A wait takes a slot, and ends when its client goes away (see `call_tool`).
            let _slot = cx.waits.take(id)?;
            let timeout = agor_core::wait_timeout(w.timeout_secs)?;
            let changes = caller.wait_cancellable(&w.kinds, w.since, timeout, &cx.cancel)?;
            serde_json::to_value(changes).map_err(|e| Error::InvalidInput {
                field: "result",
                reason: e.to_string(),
            })
        }
        (Principal::Agent(id), Request::ClaimTask(claim)) if claim.wait_secs.is_some() => {
            // A claim that waits for work is a wait: the same slot, the same cancellation.
            let _slot = cx.waits.take(id)?;
            let claimed = claim.claim(&caller, Some(&cx.cancel))?;
            serde_json::to_value(claimed).map_err(|e| Error::InvalidInput {
                field: "result",
                reason: e.to_string(),
            })
        }
        (_, request) => ops::dispatch(&caller, request)?.to_value(),
    }
}

fn invalid_op_argument() -> Error {
    Error::InvalidInput {
        field: "op",
        reason: "is not an argument: the tool's name is the operation".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_is_a_tool_with_object_schemas() {
        let tools = all();
        assert_eq!(tools.len(), ops::names().len());
        for (_, t) in &tools {
            assert_eq!(
                t.input_schema.get("type"),
                Some(&json!("object")),
                "{}",
                t.name
            );
            let out = t.output_schema.as_ref().unwrap();
            assert_eq!(out.get("type"), Some(&json!("object")));
            // Every $ref of the output schema resolves at the root.
            let text = Value::Object((**out).clone()).to_string();
            for r in text.split("\"$ref\":\"#/$defs/").skip(1) {
                let name = r.split('"').next().unwrap();
                assert!(out["$defs"].get(name).is_some(), "{}: {name}", t.name);
            }
        }
    }
}
