//! `agor serve`: the team's page, the catalogue over HTTP (`/api`), the change stream
//! (`/events`) and sign-in for people, served beside `/mcp` by one process, behind the same
//! connection bounds and timeouts, the same browser-origin rule and the same request log.
//!
//! A request acts as one principal: the holder of its bearer secret (an agent, or the
//! operator), or the one its sign-in cookie stands for ([`signin`], [`signins`]). What
//! the handlers share is in [`web`], below them and this router. A cookie-authenticated
//! request that changes anything must also carry the page's own `Origin`.

mod api;
mod events;
mod pace;
mod page;
mod signin;
mod signins;
mod web;

use std::net::SocketAddr;
use std::sync::Arc;

use agor_core::Store;
use axum::http::StatusCode;
use axum::middleware;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;

use crate::args::Limits;
use crate::origin::{check_origin, Origins};
use crate::refusals::error_response;
use crate::request_log::log_request;
use crate::streams::Streams;
use web::Web;

/// How `agor serve` adds its routes to the MCP server's (see [`crate::http::serve`]).
/// `streams` bounds the event streams together with the MCP sessions' subscriptions.
pub(crate) type Routes = fn(&Store, SocketAddr, &Limits, &Arc<Streams>) -> Router;

/// The routes of `agor serve` on a server bound to `bound`.
pub(crate) fn routes(
    store: &Store,
    bound: SocketAddr,
    limits: &Limits,
    streams: &Arc<Streams>,
) -> Router {
    let web = Web {
        store: store.clone(),
        signins: Arc::default(),
        streams: streams.clone(),
        waits: Arc::default(),
        max_request_bytes: limits.max_request_bytes,
        body_timeout: limits.header_timeout,
    };
    eprintln!("agor serve: serving http://{bound}/ (the page, /api, /events; /mcp for agents)");
    Router::new()
        .route("/", get(page::index))
        .route("/app.js", get(page::script))
        .route("/app.css", get(page::style))
        .route("/api", get(api::list))
        .route("/api/{op}", post(api::call))
        .route("/events", get(events::stream))
        .route("/signin", post(signin::sign_in))
        .route("/signout", post(signin::sign_out))
        .route("/session", get(signin::session))
        .fallback(nowhere)
        .with_state(web)
        .layer(middleware::from_fn_with_state(
            Arc::new(Origins::new(bound, &limits.allowed_origins)),
            check_origin,
        ))
        .layer(middleware::from_fn(log_request))
}

/// Any other path (the MCP server's authentication must not answer for paths it does not
/// serve).
async fn nowhere() -> Response {
    error_response(
        StatusCode::NOT_FOUND,
        "not_found",
        "nothing is served at this path",
    )
}
