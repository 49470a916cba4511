//! The catalogue over HTTP: `POST /api/<operation>` with the operation's arguments as a JSON
//! object answers its JSON response, or `{"error": {"kind", "message"}}` with the status of
//! the error's kind; `GET /api` lists every operation with its schemas. Nothing here is
//! written per operation: a call runs exactly as the MCP tool of the same name does.

use agor_core::ops;
use agor_core::CancelToken;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Value};

use super::web::{caller, failure, internal, json, json_object, logged, Web};
use crate::refusals::error_response;
use crate::tools::{self, CallContext};

/// `GET /api`: the catalogue, each operation with the path that calls it.
pub(crate) async fn list() -> Response {
    let operations: Vec<Value> = ops::catalogue()
        .iter()
        .map(|op| {
            let mut entry = json!(op);
            entry["path"] = json!(format!("/api/{}", op.name));
            entry
        })
        .collect();
    json(StatusCode::OK, &json!({ "operations": operations }))
}

/// `POST /api/<operation>`: runs the operation as the request's principal.
pub(crate) async fn call(
    State(web): State<Web>,
    Path(op): Path<String>,
    request: Request,
) -> Response {
    if !ops::names().contains(&op.as_str()) {
        return error_response(
            StatusCode::NOT_FOUND,
            "not_found",
            &format!("no operation '{op}' (GET /api lists them)"),
        );
    }
    let (head, body) = request.into_parts();
    let who = match caller(&web, &head.method, &head.headers).await {
        Ok(who) => who,
        Err(refused) => return refused,
    };
    let arguments = match json_object(&web, body).await {
        Ok(arguments) => arguments,
        Err(refused) => return logged(refused, &who),
    };
    // A `wait` ends when its client goes: this future is dropped with the connection.
    let cancel = CancelToken::new();
    let _gone = CancelOnDrop(cancel.clone());
    let cx = CallContext {
        waits: web.waits.clone(),
        cancel,
    };
    let (store, principal) = (web.store.clone(), who.clone());
    let ran =
        tokio::task::spawn_blocking(move || tools::run(&store, &principal, &op, arguments, &cx))
            .await;
    let answer = match ran {
        Ok(Ok(value)) => json(StatusCode::OK, &value),
        Ok(Err(e)) => failure(&e),
        Err(e) => internal(&e),
    };
    logged(answer, &who)
}

/// Cancels its token when dropped.
pub(crate) struct CancelOnDrop(pub CancelToken);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.cancel();
    }
}
