//! The catalogue of operations (SPEC §7): every operation declared once — its name, typed
//! request and response (JSON Schema by schemars), who may call it, the permission action it
//! needs and a doc line — and one [`dispatch`] that runs it. The C `agor_call`, the CLI's
//! `ops` listing, Python's `call` and the surface-coverage tests are all views of this table.

mod catalogue;
mod entry;

use crate::error::{Error, Result};

pub use catalogue::{args, BoardColumn, Request, Response};
pub use entry::{Caller, CallerKind, Effect, Operation};

/// Runs one request as `caller` and returns its typed response. An operation both may call
/// runs once on the handle, and the permission function decides for its principal; one only
/// an agent (or only the operator) may call is `PermissionDenied` for the other.
///
/// The request is the typed [`Request`]; from JSON it is `{"op": "<name>", <args>…}`
/// (see [`parse_request`]).
pub fn dispatch(caller: &Caller, request: Request) -> Result<Response> {
    request.run(caller)
}

impl Response {
    /// The answer as the record type `T` its operation declares (`Vec<Task>` for
    /// `list_tasks`, `()` for `delete_task`, …), moved out without a trip through JSON. Asking
    /// for another type is [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) naming
    /// both: a caller's mistake, not the data's.
    pub fn into_inner<T: 'static>(self) -> Result<T> {
        let name = self.name();
        self.into_any()
            .downcast::<T>()
            .map(|out| *out)
            .map_err(|_| {
                Error::invalid(
                    "response",
                    format!(
                        "'{name}' does not answer with a {}",
                        std::any::type_name::<T>()
                    ),
                )
            })
    }

    /// The answer as JSON text, the operation's response in the catalogue.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string(self).map_err(|e| Error::invalid("response", e.to_string()))
    }

    /// The answer as a JSON value (what a structured surface such as MCP sends on).
    pub fn to_value(&self) -> Result<serde_json::Value> {
        serde_json::to_value(self).map_err(|e| Error::invalid("response", e.to_string()))
    }
}

/// Parses a JSON request `{"op": "<name>", <args>…}`, with an error naming the problem
/// (unknown operation, missing or mistyped argument).
pub fn parse_request(json: &str) -> Result<Request> {
    let value: serde_json::Value = serde_json::from_str(json)
        .map_err(|e| Error::invalid("request", format!("not valid JSON: {e}")))?;
    request_from_value(value)
}

/// Reads a request given as a JSON value `{"op": "<name>", <args>…}`, checked as
/// [`parse_request`] checks text (a surface that holds a value need not print it first).
///
/// An argument that does not deserialize is an error naming it (`invalid status: unknown status
/// 'x' (expected …)`, as the typed surfaces say it); one missing or unknown names the request
/// (`bad arguments for 'send': missing field `content``).
pub fn request_from_value(value: serde_json::Value) -> Result<Request> {
    use serde_json::Value;
    let no_op = || Error::invalid("request", "needs an \"op\" naming the operation");
    let Value::Object(mut arguments) = value else {
        return Err(no_op());
    };
    let Some(Value::String(op)) = arguments.remove("op") else {
        return Err(no_op());
    };
    Request::from_arguments(&op, Value::Object(arguments)).unwrap_or_else(|| {
        Err(Error::invalid(
            "op",
            format!("unknown operation '{op}' (see the catalogue: `btmsg ops`)"),
        ))
    })
}

/// Runs a request given as a JSON value `{"op": "<name>", <args>…}` (checked as
/// [`parse_request`] checks text); the response is JSON text.
pub fn call_value(caller: &Caller, request: serde_json::Value) -> Result<String> {
    dispatch(caller, request_from_value(request)?)?.to_json()
}

/// Parses and runs a JSON request; the response is JSON text.
pub fn call_json(caller: &Caller, request_json: &str) -> Result<String> {
    dispatch(caller, parse_request(request_json)?)?.to_json()
}

/// Every operation of the catalogue, in declaration order.
pub fn catalogue() -> Vec<Operation> {
    catalogue::operations()
}

/// One operation of the catalogue by name (None for an unknown name), its schemas built alone:
/// for a surface that needs one operation's shape, not the whole catalogue's.
pub fn operation(name: &str) -> Option<Operation> {
    catalogue::operation(name)
}

/// The catalogue as JSON text: an array of operations with their schemas. Made once per
/// process (building every schema costs tens of millions of instructions).
pub fn catalogue_json() -> &'static str {
    static JSON: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    // Plain data with string keys: serializing it cannot fail.
    JSON.get_or_init(|| {
        serde_json::to_string(&catalogue()).expect("the catalogue serializes to JSON")
    })
}

/// Every operation's name and who calls it, in declaration order: what a surface needs to
/// know which operations it offers, without building their schemas.
pub fn callers() -> &'static [(&'static str, CallerKind)] {
    catalogue::CALLERS
}

/// The names of every operation.
pub fn names() -> &'static [&'static str] {
    catalogue::NAMES
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_operation_is_its_entry_of_the_catalogue() {
        for op in catalogue() {
            let alone = operation(op.name).expect("every name has its operation");
            assert_eq!(
                serde_json::to_value(&alone).unwrap(),
                serde_json::to_value(&op).unwrap(),
                "{}",
                op.name
            );
        }
        assert!(operation("no_such_operation").is_none());
    }

    #[test]
    fn names_are_unique_and_every_entry_has_schemas_and_docs() {
        let ops = catalogue();
        let mut names: Vec<_> = ops.iter().map(|o| o.name).collect();
        assert_eq!(names, catalogue::NAMES);
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ops.len(), "duplicate operation names");
        for op in &ops {
            assert!(!op.doc.trim().is_empty(), "{} has no doc line", op.name);
            assert!(op.request.as_object().is_some(), "{}", op.name);
        }
    }

    #[test]
    fn what_deletes_is_destructive_and_what_lists_only_reads() {
        for op in catalogue() {
            let removes = ["delete", "purge", "revoke", "clear", "remove"]
                .iter()
                .any(|verb| op.name.starts_with(verb));
            assert_eq!(op.effect.destructive(), removes, "{}", op.name);
            if op.name.starts_with("list_") || op.name.starts_with("get_") {
                assert!(op.effect.read_only(), "{}", op.name);
            }
        }
        let effect = |name: &str| {
            catalogue()
                .into_iter()
                .find(|o| o.name == name)
                .unwrap()
                .effect
        };
        // Reading a message marks it read; peeking and waiting do not change anything.
        assert_eq!(effect("read"), Effect::Sets);
        assert_eq!(
            (effect("peek"), effect("wait")),
            (Effect::Reads, Effect::Reads)
        );
        assert!(!effect("send").idempotent() && effect("set_status").idempotent());
    }

    /// A request names statuses, priorities and kinds with the words every surface takes,
    /// and a wrong word is refused in the words every surface uses.
    #[test]
    fn requests_take_and_refuse_words_as_every_surface_does() {
        use crate::{
            AgentStatus, Capability, ChangeKind, Importance, Permission, Priority, SearchKind,
            TaskStatus, UsageBucket, UsageBy, WorkState,
        };
        fn round_trip<T>(values: &[T])
        where
            T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
        {
            for v in values {
                let word = serde_json::to_value(v).unwrap();
                assert_eq!(&serde_json::from_value::<T>(word).unwrap(), v);
            }
        }
        round_trip(&TaskStatus::ALL);
        round_trip(&[
            Priority::Low,
            Priority::Medium,
            Priority::High,
            Priority::Critical,
        ]);
        round_trip(&Importance::ALL);
        round_trip(&ChangeKind::ALL);
        round_trip(&SearchKind::ALL);
        round_trip(Capability::ALL);
        round_trip(Permission::ALL);
        round_trip(&[
            AgentStatus::Active,
            AgentStatus::Sleeping,
            AgentStatus::Stopped,
        ]);
        round_trip(&[
            WorkState::Idle,
            WorkState::Working,
            WorkState::Done,
            WorkState::Error,
            WorkState::Stopped,
        ]);
        round_trip(&[
            UsageBy::Agent,
            UsageBy::Task,
            UsageBy::Model,
            UsageBy::Group,
        ]);
        round_trip(&[UsageBucket::Hour, UsageBucket::Day]);

        let legacy = r#"{"op": "set_task_status", "task_id": "t", "status": "progress"}"#;
        match parse_request(legacy).unwrap() {
            Request::SetTaskStatus(r) => assert_eq!(r.status, TaskStatus::InProgress),
            other => panic!("{other:?}"),
        }
        for (json, words) in [
            (
                r#"{"op": "has_capability", "agent_id": "a", "capability": "fly"}"#,
                "unknown capability 'fly' (expected one of",
            ),
            (
                r#"{"op": "search", "query": "x", "kinds": ["email"]}"#,
                "unknown search kind 'email'",
            ),
            (
                r#"{"op": "usage_summary", "by": "hour"}"#,
                "unknown summary 'hour'",
            ),
        ] {
            let err = parse_request(json).unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::InvalidInput, "{json}");
            assert!(err.to_string().contains(words), "{json}: {err}");
        }
    }

    #[test]
    fn bad_requests_are_invalid_input_naming_the_problem() {
        for (json, needle) in [
            ("nope", "not valid JSON"),
            ("{}", "\"op\""),
            (r#"{"op": "fly"}"#, "unknown operation 'fly'"),
            (r#"{"op": "send", "to": "x"}"#, "content"),
            (
                r#"{"op": "send", "to": "x", "content": "y", "colour": "red"}"#,
                "bad arguments for 'send': unknown field `colour`",
            ),
            // The argument at fault is named, with the path below it.
            (
                r#"{"op": "send", "to": 5, "content": "x"}"#,
                "invalid to: invalid type: integer `5`, expected a string",
            ),
            (
                r#"{"op": "set_status", "status": "asleep"}"#,
                "invalid status: unknown agent status 'asleep'",
            ),
            (
                r#"{"op": "create_tasks", "tasks": [{"title": "a"}, {"title": 5}]}"#,
                "invalid tasks: tasks[1].title: invalid type: integer `5`",
            ),
            (r#"{"op": 5}"#, "\"op\""),
            ("[]", "\"op\""),
        ] {
            let err = parse_request(json).unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::InvalidInput, "{json}");
            assert!(err.to_string().contains(needle), "{json}: {err}");
        }
    }
}
