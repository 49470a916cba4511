//! The streamable HTTP transport: one server for several agents on a local address. Every
//! request to `/mcp` must carry `Authorization: Bearer SECRET` with a secret the operator
//! issued (`btmsg token issue AGENT`); the server looks up whose it is and marks the request
//! with that principal ([`crate::auth`]), and each tool call acts as exactly that principal. A
//! request without a valid secret gets 401 and never reaches the MCP session.
//!
//! In front of that, the rules of SPEC §2.2: a browser `Origin` other than the server's own
//! (or `--allow-origin`) gets 403 ([`crate::origin`]); connections are bounded and time out
//! ([`crate::connections`]); bodies are bounded in size and time and checked to be one
//! JSON-RPC message ([`crate::jsonrpc`]); sessions belong to their agent and are bounded
//! ([`crate::sessions`]).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use agor_core::Store;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::tower::StreamableHttpService;
use rmcp::transport::StreamableHttpServerConfig;

use crate::args::Limits;
use crate::auth;
use crate::origin::{check_origin, Origins};
use crate::profiles::Profile;
use crate::refusals::json_rpc_error;
use crate::request_log::log_request;
use crate::server::AgorServer;
use crate::sessions::Sessions;
use crate::streams::Streams;
use crate::{connections, jsonrpc};

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
    // One bound on what follows the feed: `/events` and the MCP sessions' subscriptions.
    let streams = Arc::new(Streams::new(
        limits.max_streams_per_principal,
        limits.max_streams,
    ));
    let server = AgorServer::per_request(store.clone())
        .with_profile(profile)
        .with_streams(streams.clone());
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
        .layer(middleware::from_fn(connections::watch_connection))
        .layer(middleware::from_fn_with_state(
            sessions,
            crate::sessions::guard,
        ))
        .layer(middleware::from_fn_with_state(body_limits, check_body))
        .layer(middleware::from_fn_with_state(
            store.clone(),
            auth::authenticate,
        ))
        .layer(middleware::from_fn_with_state(
            Arc::new(Origins::new(bound, &limits.allowed_origins)),
            check_origin,
        ))
        .layer(middleware::from_fn(log_request));
    // `agor serve`: the page, the API and the event stream beside /mcp, in the same loop.
    let app = match web {
        Some(routes) => routes(&store, bound, &limits, &streams).merge(app),
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
