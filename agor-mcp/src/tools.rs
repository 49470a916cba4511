//! The catalogue as MCP tools: one tool per operation with its name, doc and JSON Schemas, and
//! one way to run a call and shape its result.

use std::sync::Arc;

use agor_core::ops::{self, Caller, Operation};
use agor_core::{Error, Store};
use rmcp::model::{CallToolResult, JsonObject, Tool};
use serde_json::{json, Map, Value};

/// Who a call acts as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Principal {
    Operator,
    Agent(String),
}

/// Every operation of the catalogue as a tool.
pub(crate) fn all() -> Vec<Tool> {
    ops::catalogue().iter().map(tool).collect()
}

fn tool(op: &Operation) -> Tool {
    let input = object(serde_json::to_value(&op.request).unwrap_or_default());
    Tool::new(op.name, describe(op), Arc::new(input))
        .with_raw_output_schema(Arc::new(output_schema(op)))
}

/// The doc line, and who may call the operation (a coding agent reads this to choose).
fn describe(op: &Operation) -> String {
    let who = match op.caller {
        ops::CallerKind::Agent => "Acts as the calling agent.",
        ops::CallerKind::Operator => {
            "Operator only: refused (permission_denied) when called as an agent."
        }
        ops::CallerKind::Either => "The operator, or an agent within its rights.",
    };
    format!("{} {who}", op.doc.replace('\n', " "))
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
    let mut inner = object(serde_json::to_value(&op.response).unwrap_or_default());
    inner.remove("$schema");
    let defs = inner.remove("$defs");
    let mut root = object(json!({
        "type": "object",
        "properties": { "result": Value::Object(inner) },
        "required": ["result"],
    }));
    if let Some(defs) = defs {
        root.insert("$defs".into(), defs);
    }
    root
}

/// Whether `name` is a tool.
pub(crate) fn exists(name: &str) -> bool {
    ops::names().contains(&name)
}

/// Runs the operation `name` with `arguments` as `who`; blocking (the caller runs it off the
/// async threads). Failures of the call are tool errors, never protocol errors: the agent
/// reads them.
pub(crate) fn call(
    store: &Store,
    who: &Principal,
    name: &str,
    arguments: JsonObject,
) -> CallToolResult {
    match run(store, who, name, arguments) {
        Ok(value) => CallToolResult::structured(json!({ "result": value })),
        Err(e) => CallToolResult::structured_error(json!({
            "error": { "kind": e.kind().as_str(), "message": e.to_string() }
        })),
    }
}

fn run(
    store: &Store,
    who: &Principal,
    name: &str,
    mut arguments: JsonObject,
) -> Result<Value, Error> {
    if arguments.contains_key("op") {
        // The tool's name is the operation; an `op` argument would be unknown anyway, but
        // say so plainly rather than let it pick another operation.
        return Err(invalid_op_argument());
    }
    arguments.insert("op".into(), Value::String(name.to_owned()));
    let request = ops::parse_request(&Value::Object(arguments).to_string())?;
    match who {
        Principal::Operator => ops::dispatch(Caller::Operator(store), request),
        Principal::Agent(id) => ops::dispatch(Caller::Agent(&store.as_agent(id)?), request),
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
        for t in &tools {
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
