//! The streamable HTTP transport: one server for several agents on a local address. Every
//! request to `/mcp` must carry `Authorization: Bearer SECRET` with a secret the operator
//! issued (`btmsg token issue AGENT`); the server looks up whose it is and marks the request
//! with that agent, and each tool call acts as exactly that agent. A request without a valid
//! secret gets 401 and never reaches the MCP session.
//!
//! In front of that, the rules of SPEC §2.2: a browser `Origin` other than the server's own
//! (or `--allow-origin`) gets 403 ([`crate::origin`]); connections are bounded and time out
//! ([`crate::connections`]); bodies are bounded in size and time and checked to be one
//! JSON-RPC message ([`crate::jsonrpc`]); sessions belong to their agent and are bounded
//! ([`crate::sessions`]).

use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use agor_core::{Store, TokenHolder};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::tower::StreamableHttpService;
use rmcp::transport::StreamableHttpServerConfig;

use crate::args::Limits;
use crate::origin::Origins;
use crate::profiles::Profile;
use crate::server::{AgorServer, Identity};
use crate::sessions::Sessions;
use crate::tools::Principal;
use crate::{connections, jsonrpc};

/// Whom a request's secret belongs to (an agent, or the operator), put in the request's
/// extensions by [`authenticate`].
#[derive(Debug, Clone)]
pub(crate) struct Authenticated(pub Principal);

/// Cancelled when the connection that carried a request goes away before its answer is
/// written: a tool call of a session runs on the session's task, not on the request's, so
/// without this a `wait` whose client dropped the connection (rather than ending the session
/// or cancelling the request) would keep running until its session expired.
#[derive(Debug, Clone)]
pub(crate) struct ConnectionGone(pub tokio_util::sync::CancellationToken);

/// Serves until interrupted (Ctrl-C or SIGTERM).
pub(crate) async fn serve(
    store: Store,
    addr: SocketAddr,
    profile: Option<Profile>,
    limits: Limits,
    web: Option<crate::serve::Routes>,
) -> Result<(), String> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let bound = listener.local_addr().map_err(|e| e.to_string())?;
    let server = AgorServer::new(store.clone(), Identity::PerRequest).with_profile(profile);
    let mut config = StreamableHttpServerConfig::default();
    config.max_request_body_bytes = limits.max_request_bytes;
    // JSON answers for plain calls (streams only when a call must send more than its answer).
    config.json_response = true;
    // The Host check guards a local server against DNS rebinding; also accept the address it
    // was asked to listen on.
    config.allowed_hosts.push(addr.ip().to_string());
    // Cancelled on shutdown: ends every session and its streams.
    let stopping = config.cancellation_token.clone();
    let mut manager = LocalSessionManager::default();
    manager.session_config.keep_alive = Some(limits.session_timeout);
    let manager = Arc::new(manager);
    let sessions = Sessions::new(
        manager.clone(),
        limits.max_sessions,
        limits.max_sessions_per_agent,
    );
    let mcp = StreamableHttpService::new(move || Ok(server.for_session()), manager, config);
    let body_limits = BodyLimits {
        max_bytes: limits.max_request_bytes,
        timeout: limits.header_timeout,
    };
    // Layers run outside in: the browser rule first, then the secret (nothing is parsed for
    // a stranger), then the size, time and shape of the body, then the session's owner.
    let app = Router::new()
        .nest_service("/mcp", mcp)
        .layer(middleware::from_fn(watch_connection))
        .layer(middleware::from_fn_with_state(
            sessions,
            crate::sessions::guard,
        ))
        .layer(middleware::from_fn_with_state(body_limits, check_body))
        .layer(middleware::from_fn_with_state(store.clone(), authenticate))
        .layer(middleware::from_fn_with_state(
            Arc::new(Origins::new(bound, &limits.allowed_origins)),
            check_origin,
        ))
        .layer(middleware::from_fn(log_request));
    // `agor serve`: the page, the API and the event stream beside /mcp, in the same loop.
    let app = match web {
        Some(routes) => routes(&store, bound, &limits).merge(app),
        None => app,
    };
    // Tests and scripts read this line to learn the port of `--http 127.0.0.1:0`.
    eprintln!("agor mcp: serving http://{bound}/mcp");
    if !bound.ip().is_loopback() {
        eprintln!(
            "agor mcp: warning: {} is reachable from other machines and this server has no \
             TLS: secrets and messages cross the network in the clear (put it behind a TLS \
             proxy, or serve on 127.0.0.1)",
            bound.ip()
        );
    }
    let shutdown = async move {
        interrupted().await;
        stopping.cancel();
    };
    connections::serve(
        listener,
        app,
        limits.max_connections,
        limits.header_timeout,
        shutdown,
    )
    .await;
    Ok(())
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

/// Marks a request with a [`ConnectionGone`] token, cancelled when its answer is dropped:
/// hyper drops the request's future, or the body of an answer it is still streaming (a
/// session's call answers as an event stream that carries the result later), when the client
/// closes the connection. An answered call has finished, so cancelling its token when the
/// answer is done changes nothing.
async fn watch_connection(mut request: Request, next: Next) -> Response {
    use futures_util::StreamExt;

    let gone = tokio_util::sync::CancellationToken::new();
    let guard = gone.clone().drop_guard();
    request.extensions_mut().insert(ConnectionGone(gone));
    let (parts, body) = next.run(request).await.into_parts();
    // The guard lives as long as the body: dropped with it, when sent or abandoned.
    let body = body.into_data_stream().map(move |chunk| {
        let _alive = &guard;
        chunk
    });
    Response::from_parts(parts, Body::from_stream(body))
}

/// Logs every request on stderr, one line when it is answered: method, path, status, who
/// (the principal its secret authenticated, `-` for none) and how long it took. Never the
/// secret, nor any header or body. Also answers the end of a session (DELETE) with 204: the
/// SDK's 202 makes the official client report a failed termination.
pub(crate) async fn log_request(request: Request, next: Next) -> Response {
    let started = std::time::Instant::now();
    let (method, path) = (request.method().clone(), request.uri().path().to_owned());
    let mut response = next.run(request).await;
    if method == axum::http::Method::DELETE && response.status() == StatusCode::ACCEPTED {
        *response.status_mut() = StatusCode::NO_CONTENT;
    }
    let who = response
        .extensions()
        .get::<Authenticated>()
        .map_or("-", |a| a.0.name());
    let line = format!(
        "agor mcp: {method} {path} {} {who} {}ms",
        response.status().as_u16(),
        started.elapsed().as_millis()
    );
    // A closed or full stderr must not fail the request (`eprintln!` would panic).
    let _ = writeln!(std::io::stderr().lock(), "{line}");
    response
}

/// Refuses a request whose `Origin` is not the server's own or an admitted one (403).
pub(crate) async fn check_origin(
    State(origins): State<Arc<Origins>>,
    request: Request,
    next: Next,
) -> Response {
    let Some(origin) = request.headers().get(header::ORIGIN) else {
        return next.run(request).await;
    };
    let origin = String::from_utf8_lossy(origin.as_bytes()).into_owned();
    if origins.admits(&origin) {
        return next.run(request).await;
    }
    error_response(
        StatusCode::FORBIDDEN,
        "permission_denied",
        &format!(
            "requests from the browser origin '{origin}' are refused: this server serves its \
             own origin only (its operator admits another with `agor mcp --allow-origin ORIGIN`)"
        ),
    )
}

/// The secret of an `Authorization` header: the scheme `Bearer` in any case (RFC 9110).
pub(crate) fn bearer(value: &str) -> Option<&str> {
    let (scheme, secret) = value.trim().split_once(' ')?;
    let secret = secret.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !secret.is_empty()).then_some(secret)
}

/// Checks the request's secret and marks the request with its agent; 401 otherwise.
async fn authenticate(State(store): State<Store>, mut request: Request, next: Next) -> Response {
    let secret = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(bearer)
        .map(str::to_owned);
    let Some(secret) = secret else {
        return refuse("send `Authorization: Bearer SECRET` (the operator issues one with `btmsg token issue AGENT`)");
    };
    let found = tokio::task::spawn_blocking(move || store.token_holder(&secret)).await;
    match found {
        Ok(Ok(holder)) => {
            let who = match holder {
                TokenHolder::Operator => Principal::Operator,
                TokenHolder::Agent(id) => Principal::Agent(id),
            };
            request.extensions_mut().insert(Authenticated(who.clone()));
            let mut response = next.run(request).await;
            // For the request log, which runs outside (and before) this layer.
            response.extensions_mut().insert(Authenticated(who));
            response
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

/// The bounds of a request body: its size, and the time it may take to arrive.
#[derive(Debug, Clone, Copy)]
struct BodyLimits {
    max_bytes: usize,
    timeout: Duration,
}

/// Bounds a POST body and makes sure it is one JSON-RPC message before the MCP layer sees it,
/// so a client that sends too much, too slowly or garbage gets a JSON-RPC error it can read:
/// 413 over the bound, 408 when it does not arrive in time (the connection is closed), 400
/// with -32700 (parse error) for text that is not UTF-8 JSON, 400 with -32600 (invalid
/// request) for JSON that is not one JSON-RPC 2.0 message (a batch, an object id).
async fn check_body(State(limits): State<BodyLimits>, request: Request, next: Next) -> Response {
    if request.method() != axum::http::Method::POST {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    let max = limits.max_bytes;
    let read = tokio::time::timeout(limits.timeout, axum::body::to_bytes(body, max)).await;
    let bytes = match read {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(_)) => {
            let rejected = jsonrpc::Rejected {
                code: jsonrpc::INVALID_REQUEST,
                message: format!(
                    "the request is over the server's limit of {max} bytes (--max-request-bytes)"
                ),
            };
            return json_rpc_error(StatusCode::PAYLOAD_TOO_LARGE, &rejected);
        }
        Err(_) => {
            let rejected = jsonrpc::Rejected {
                code: jsonrpc::INVALID_REQUEST,
                message: format!(
                    "the request body did not arrive within {:?} (--header-timeout)",
                    limits.timeout
                ),
            };
            let mut response = json_rpc_error(StatusCode::REQUEST_TIMEOUT, &rejected);
            response.headers_mut().insert(
                header::CONNECTION,
                header::HeaderValue::from_static("close"),
            );
            return response;
        }
    };
    match jsonrpc::check(&bytes) {
        Ok(checked) => {
            parts.extensions.insert(checked);
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Err(rejected) => json_rpc_error(StatusCode::BAD_REQUEST, &rejected),
    }
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
pub(crate) fn error_response(status: StatusCode, kind: &str, message: &str) -> Response {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bearer_scheme_is_case_insensitive() {
        for ok in ["Bearer s", "bearer s", "BEARER  s ", " bEaReR s"] {
            assert_eq!(bearer(ok), Some("s"), "{ok:?}");
        }
        for bad in ["Bearer", "Bearer ", "Basic s", "Bearers s", "s"] {
            assert_eq!(bearer(bad), None, "{bad:?}");
        }
    }
}
