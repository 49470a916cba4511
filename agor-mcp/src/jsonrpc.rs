//! What agor checks of a JSON-RPC message before the MCP layer sees it, on both transports,
//! so garbage gets an error the client can read (the SDK would drop a bad line on stdio
//! without a word, and answer a bad HTTP body with a bare 415).

use serde_json::{json, Value};

/// JSON-RPC's "parse error": the text is not JSON.
pub(crate) const PARSE_ERROR: i64 = -32700;
/// JSON-RPC's "invalid request": JSON, but not a JSON-RPC 2.0 message.
pub(crate) const INVALID_REQUEST: i64 = -32600;

/// A message (or batch) that cannot be passed on: its JSON-RPC error code and message.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Rejected {
    pub code: i64,
    pub message: String,
}

impl Rejected {
    /// The JSON-RPC error response (`id` null: a message we could not read has none).
    pub(crate) fn response(&self) -> Value {
        json!({
            "jsonrpc": "2.0",
            "id": null,
            "error": { "code": self.code, "message": self.message },
        })
    }
}

/// Checks that `bytes` hold one JSON-RPC 2.0 message or a batch of them.
pub(crate) fn check(bytes: &[u8]) -> Result<(), Rejected> {
    let message: Value = serde_json::from_slice(bytes).map_err(|e| Rejected {
        code: PARSE_ERROR,
        message: format!("parse error: not JSON ({e})"),
    })?;
    let messages = match &message {
        Value::Array(batch) => batch.iter().collect(),
        one => vec![one],
    };
    match messages.iter().find_map(|m| problem(m)) {
        None => Ok(()),
        Some(p) => Err(Rejected {
            code: INVALID_REQUEST,
            message: format!("invalid request: {p}"),
        }),
    }
}

/// What keeps `m` from being a JSON-RPC 2.0 request, notification or response.
fn problem(m: &Value) -> Option<&'static str> {
    let Some(m) = m.as_object() else {
        return Some("a message is a JSON object");
    };
    if m.get("jsonrpc").and_then(|v| v.as_str()) != Some("2.0") {
        return Some("\"jsonrpc\" must be \"2.0\"");
    }
    let request = m.get("method").is_some_and(|v| v.is_string());
    let response = m.contains_key("id") && (m.contains_key("result") || m.contains_key("error"));
    (!request && !response).then_some(
        "a message needs a string \"method\" (or is a response with \"result\" or \"error\")",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_batches_and_garbage() {
        assert!(check(br#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#).is_ok());
        assert!(check(br#"{"jsonrpc":"2.0","id":1,"result":{}}"#).is_ok());
        assert!(check(br#"[{"jsonrpc":"2.0","method":"a"}]"#).is_ok());
        assert_eq!(check(b"{nope").unwrap_err().code, PARSE_ERROR);
        for bad in [
            &br#"{"jsonrpc":"1.0","method":"a"}"#[..],
            br#"{"jsonrpc":"2.0","id":1}"#,
            b"[1]",
            b"\"x\"",
        ] {
            assert_eq!(check(bad).unwrap_err().code, INVALID_REQUEST);
        }
        assert_eq!(check(b"{nope").unwrap_err().response()["id"], Value::Null);
    }
}
