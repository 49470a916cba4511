//! agor's own HTTP answers, given before the MCP layer reads a request or instead of it: a
//! refusal `{"error": {"kind", "message"}}` (the 401 that asks for a secret among them), and a
//! JSON-RPC error for a body that is not one JSON-RPC message.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::jsonrpc;

/// A JSON-RPC error answer (no id: the request was not read as one) with `status`.
pub(crate) fn json_rpc_error(status: StatusCode, rejected: &jsonrpc::Rejected) -> Response {
    json_response(status, rejected.response())
}

/// 401: the request carries no secret agor issued; `message` says how to get one.
pub(crate) fn refuse(message: &str) -> Response {
    let mut response = error_response(StatusCode::UNAUTHORIZED, "unauthorized", message);
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        header::HeaderValue::from_static("Bearer"),
    );
    response
}

/// agor's own refusals (before any JSON-RPC is read): `{"error": {"kind", "message"}}`.
pub(crate) fn error_response(status: StatusCode, kind: &str, message: &str) -> Response {
    json_response(
        status,
        serde_json::json!({ "error": { "kind": kind, "message": message } }),
    )
}

/// A JSON body with `status`.
fn json_response(status: StatusCode, body: serde_json::Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}
