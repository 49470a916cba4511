//! The streamable HTTP transport: one server for several agents on a local address. Every
//! request to `/mcp` must carry `Authorization: Bearer SECRET` with a secret the operator
//! issued (`btmsg token issue AGENT`); the server looks up whose it is and marks the request
//! with that agent, and each tool call acts as exactly that agent. A request without a valid
//! secret gets 401 and never reaches the MCP session.

use std::net::SocketAddr;

use agor_core::Store;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::tower::StreamableHttpService;
use rmcp::transport::StreamableHttpServerConfig;

use crate::jsonrpc;
use crate::server::{AgorServer, Identity};

/// The agent a request's secret belongs to, put in the request's extensions by [`authenticate`].
#[derive(Debug, Clone)]
pub(crate) struct Authenticated(pub String);

/// Serves until interrupted (Ctrl-C or SIGTERM).
pub(crate) async fn serve(
    store: Store,
    addr: SocketAddr,
    max_request_bytes: usize,
) -> Result<(), String> {
    let server = AgorServer::new(store.clone(), Identity::PerRequest);
    let mut config = StreamableHttpServerConfig::default();
    config.max_request_body_bytes = max_request_bytes;
    // JSON answers for plain calls (streams only when a call must send more than its answer).
    config.json_response = true;
    // The Host check guards a local server against DNS rebinding; also accept the address it
    // was asked to listen on.
    config.allowed_hosts.push(addr.ip().to_string());
    let mcp = StreamableHttpService::new(
        move || Ok(server.clone()),
        LocalSessionManager::default().into(),
        config,
    );
    // Layers run outside in: the secret first (nothing is parsed for a stranger), then the
    // size and shape of the body.
    let app = Router::new()
        .nest_service("/mcp", mcp)
        .layer(middleware::from_fn_with_state(
            max_request_bytes,
            check_body,
        ))
        .layer(middleware::from_fn_with_state(store, authenticate));
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let bound = listener.local_addr().map_err(|e| e.to_string())?;
    // Tests and scripts read this line to learn the port of `--http 127.0.0.1:0`.
    eprintln!("agor mcp: serving http://{bound}/mcp");
    axum::serve(listener, app)
        .with_graceful_shutdown(interrupted())
        .await
        .map_err(|e| format!("the HTTP server failed: {e}"))
}

async fn interrupted() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => return std::future::pending().await,
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

/// Checks the request's secret and marks the request with its agent; 401 otherwise.
async fn authenticate(State(store): State<Store>, mut request: Request, next: Next) -> Response {
    let secret = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|s| s.trim().to_owned());
    let Some(secret) = secret else {
        return refuse("send `Authorization: Bearer SECRET` (the operator issues one with `btmsg token issue AGENT`)");
    };
    let found = tokio::task::spawn_blocking(move || store.authenticate(&secret)).await;
    match found {
        Ok(Ok(actor)) => {
            request
                .extensions_mut()
                .insert(Authenticated(actor.id().to_owned()));
            next.run(request).await
        }
        Ok(Err(e)) if e.kind() == agor_core::ErrorKind::PermissionDenied => {
            refuse("the secret is not one agor issued, or it was revoked")
        }
        Ok(Err(e)) => error_response(
            StatusCode::SERVICE_UNAVAILABLE,
            e.kind().as_str(),
            &e.to_string(),
        ),
        Err(e) => error_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            &e.to_string(),
        ),
    }
}

/// Bounds a POST body and makes sure it is one JSON-RPC message (or a batch of them) before
/// the MCP layer sees it, so a client that sends too much or sends garbage gets a JSON-RPC
/// error it can read: 413 over the bound, 400 with -32700 (parse error) for text that is not
/// JSON, 400 with -32600 (invalid request) for JSON that is not a JSON-RPC 2.0 message.
async fn check_body(State(max): State<usize>, request: Request, next: Next) -> Response {
    if request.method() != axum::http::Method::POST {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, max).await else {
        let rejected = jsonrpc::Rejected {
            code: jsonrpc::INVALID_REQUEST,
            message: format!(
                "the request is over the server's limit of {max} bytes (--max-request-bytes)"
            ),
        };
        return json_rpc_error(StatusCode::PAYLOAD_TOO_LARGE, &rejected);
    };
    if let Err(rejected) = jsonrpc::check(&bytes) {
        return json_rpc_error(StatusCode::BAD_REQUEST, &rejected);
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

fn json_rpc_error(status: StatusCode, rejected: &jsonrpc::Rejected) -> Response {
    json_response(status, rejected.response())
}

fn refuse(message: &str) -> Response {
    let mut response = error_response(StatusCode::UNAUTHORIZED, "unauthorized", message);
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        header::HeaderValue::from_static("Bearer"),
    );
    response
}

/// agor's own refusals (before any JSON-RPC is read): `{"error": {"kind", "message"}}`.
fn error_response(status: StatusCode, kind: &str, message: &str) -> Response {
    json_response(
        status,
        serde_json::json!({ "error": { "kind": kind, "message": message } }),
    )
}

fn json_response(status: StatusCode, body: serde_json::Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}
