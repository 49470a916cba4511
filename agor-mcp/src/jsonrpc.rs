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

/// What the MCP layer needs to know of a message that passed [`check`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Checked {
    /// The method of a request or notification (`None`: a response).
    pub method: Option<String>,
}

impl Checked {
    /// Whether the message asks for a new session (`initialize` over HTTP).
    pub(crate) fn opens_session(&self) -> bool {
        self.method.as_deref() == Some("initialize")
    }
}

/// Checks that `bytes` hold one JSON-RPC 2.0 message, as UTF-8 JSON text. Batches (arrays)
/// are refused: MCP removed them in its 2025-06-18 revision and the SDK cannot read them.
pub(crate) fn check(bytes: &[u8]) -> Result<Checked, Rejected> {
    let text = std::str::from_utf8(bytes).map_err(|e| Rejected {
        code: PARSE_ERROR,
        message: format!(
            "parse error: not UTF-8 text (invalid bytes after byte {})",
            e.valid_up_to()
        ),
    })?;
    let message: Value = serde_json::from_str(text).map_err(|e| Rejected {
        code: PARSE_ERROR,
        message: format!("parse error: not JSON ({e})"),
    })?;
    let invalid = |p: &str| Rejected {
        code: INVALID_REQUEST,
        message: format!("invalid request: {p}"),
    };
    if message.is_array() {
        return Err(invalid(
            "batches (JSON arrays) are not supported: send one message per request",
        ));
    }
    problem(&message).map_or(Ok(()), |p| Err(invalid(p)))?;
    Ok(Checked {
        method: message["method"].as_str().map(str::to_owned),
    })
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
    if !request && !response {
        return Some(
            "a message needs a string \"method\" (or is a response with \"result\" or \"error\")",
        );
    }
    // An error response to a message the client could not read has a null id.
    let null_allowed = response && m.contains_key("error");
    match m.get("id") {
        None => None,
        Some(id) if id.is_string() || id.is_i64() || id.is_u64() => None,
        Some(Value::Null) if null_allowed => None,
        Some(_) => Some("\"id\" must be a string or an integer"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_batches_and_garbage() {
        assert!(check(br#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#).is_ok());
        assert!(check(br#"{"jsonrpc":"2.0","id":1,"result":{}}"#).is_ok());
        assert!(check(br#"{"jsonrpc":"2.0","id":"a","error":{}}"#).is_ok());
        assert!(check(br#"{"jsonrpc":"2.0","id":null,"error":{}}"#).is_ok());
        assert!(check(br#"{"jsonrpc":"2.0","id":1,"method":"initialize"}"#)
            .unwrap()
            .opens_session());
        assert_eq!(check(b"{nope").unwrap_err().code, PARSE_ERROR);
        let not_utf8 = check(b"{\"jsonrpc\":\"2.0\",\"method\":\"\xff\"}").unwrap_err();
        assert_eq!(not_utf8.code, PARSE_ERROR);
        assert!(not_utf8.message.contains("UTF-8"), "{}", not_utf8.message);
        for bad in [
            &br#"{"jsonrpc":"1.0","method":"a"}"#[..],
            br#"{"jsonrpc":"2.0","id":1}"#,
            br#"[{"jsonrpc":"2.0","method":"a"}]"#,
            br#"{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}"#,
            br#"{"jsonrpc":"2.0","id":1.5,"method":"ping"}"#,
            br#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#,
            br#"{"jsonrpc":"2.0","id":[1],"result":{}}"#,
            b"[1]",
            b"\"x\"",
        ] {
            assert_eq!(check(bad).unwrap_err().code, INVALID_REQUEST);
        }
        assert_eq!(check(b"{nope").unwrap_err().response()["id"], Value::Null);
    }
}
