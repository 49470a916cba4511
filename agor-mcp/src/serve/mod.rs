//! `agor serve`: the team's page, the catalogue over HTTP (`/api`), the change stream
//! (`/events`) and sign-in for people, served beside `/mcp` by one process, behind the same
//! connection bounds and timeouts, the same browser-origin rule and the same request log.
//!
//! A request acts as one principal: the holder of its bearer secret (an agent, or the
//! operator), or the one its sign-in cookie stands for ([`signin`]). A cookie-authenticated
//! request that changes anything must also carry the page's own `Origin`.

mod api;
mod events;
mod pace;
mod page;
mod signin;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use agor_core::{ErrorKind, Store, TokenHolder};
use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::Value;

// Everything this module borrows from the MCP server's HTTP side, in one place (the
// submodules take it from here).
use crate::args::Limits;
use crate::auth::{bearer, name, Authenticated};
use crate::origin::{check_origin, Origins};
use crate::refusals::error_response;
use crate::request_log::log_request;
use crate::streams::Streams;
use crate::tools::WaitSlots;

/// How `agor serve` adds its routes to the MCP server's (see [`crate::http::serve`]).
/// `streams` bounds the event streams together with the MCP sessions' subscriptions.
pub(crate) type Routes = fn(&Store, SocketAddr, &Limits, &Arc<Streams>) -> Router;

/// What every handler shares.
#[derive(Clone)]
pub(crate) struct Web {
    store: Store,
    signins: Arc<signin::SignIns>,
    /// Open event streams (and MCP subscriptions), per principal and in all.
    streams: Arc<Streams>,
    /// `wait` calls through `/api`, per principal and in all.
    waits: Arc<WaitSlots>,
    max_request_bytes: usize,
    body_timeout: Duration,
}

/// The routes of `agor serve` on a server bound to `bound`.
pub(crate) fn routes(
    store: &Store,
    bound: SocketAddr,
    limits: &Limits,
    streams: &Arc<Streams>,
) -> Router {
    let web = Web {
        store: store.clone(),
        signins: Arc::new(signin::SignIns::default()),
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

/// Marks an answer with its principal, for the request log.
fn logged(mut response: Response, who: &TokenHolder) -> Response {
    response.extensions_mut().insert(Authenticated(who.clone()));
    response
}

/// Who a request acts as: its bearer secret's holder, else its sign-in's; 401 without
/// either. A cookie-authenticated request that changes something needs an `Origin` (the
/// layer in front has already refused a foreign one): a browser always sends it there, and
/// its absence means the request did not come from the page.
async fn caller(web: &Web, method: &Method, headers: &HeaderMap) -> Result<TokenHolder, Response> {
    let secret = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(bearer)
        .map(str::to_owned);
    if let Some(secret) = secret {
        return holder(&web.store, secret).await;
    }
    let Some((id, signed)) =
        signin::cookie(headers).and_then(|id| Some((id, web.signins.find(id)?)))
    else {
        return Err(unauthorized(
            "sign in (POST /signin) or send `Authorization: Bearer SECRET`",
        ));
    };
    let (store, check) = (web.store.clone(), signed.clone());
    match tokio::task::spawn_blocking(move || check.still_valid(&store)).await {
        Ok(true) => {}
        Ok(false) => {
            web.signins.end(id);
            return Err(unauthorized(
                "the secret this sign-in was made with was revoked, or its agent removed: \
                 sign in again",
            ));
        }
        Err(e) => return Err(internal(&e)),
    }
    let who = signed.who;
    if method != Method::GET && !headers.contains_key(header::ORIGIN) {
        return Err(error_response(
            StatusCode::FORBIDDEN,
            "permission_denied",
            "a signed-in request that changes something must come from the page (it carries \
             no Origin)",
        ));
    }
    Ok(who)
}

/// The holder of a secret; 401 for one agor did not issue.
async fn holder(store: &Store, secret: String) -> Result<TokenHolder, Response> {
    let store = store.clone();
    match tokio::task::spawn_blocking(move || store.token_holder(&secret)).await {
        Ok(Ok(who)) => Ok(who),
        Ok(Err(e)) if e.kind() == ErrorKind::PermissionDenied => Err(unauthorized(
            "the secret is not one agor issued, or it was revoked",
        )),
        Ok(Err(e)) => Err(failure(&e)),
        Err(e) => Err(internal(&e)),
    }
}

fn unauthorized(message: &str) -> Response {
    error_response(StatusCode::UNAUTHORIZED, "unauthorized", message)
}

fn internal(e: &dyn std::fmt::Display) -> Response {
    error_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        &e.to_string(),
    )
}

/// The HTTP status of an error kind: the caller's fault in 4xx, the server's in 5xx.
fn status(kind: ErrorKind) -> StatusCode {
    match kind {
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::PermissionDenied => StatusCode::FORBIDDEN,
        ErrorKind::Conflict
        | ErrorKind::AlreadyClaimed
        | ErrorKind::Lease
        | ErrorKind::RecipientUnavailable => StatusCode::CONFLICT,
        ErrorKind::InvalidInput | ErrorKind::Ambiguous => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorKind::Busy => StatusCode::TOO_MANY_REQUESTS,
        ErrorKind::ReadOnly | ErrorKind::Schema => StatusCode::SERVICE_UNAVAILABLE,
        ErrorKind::Storage => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// An error of agor as an answer: `{"error": {"kind", "message"}}` with its status.
fn failure(e: &agor_core::Error) -> Response {
    error_response(status(e.kind()), e.kind().as_str(), &e.to_string())
}

/// A request's body as a JSON object (an empty body is `{}`), read within the server's
/// bounds of size (413) and time (408).
async fn json_object(web: &Web, body: Body) -> Result<serde_json::Map<String, Value>, Response> {
    let max = web.max_request_bytes;
    let bytes = match tokio::time::timeout(web.body_timeout, axum::body::to_bytes(body, max)).await
    {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(_)) => {
            return Err(error_response(
                StatusCode::PAYLOAD_TOO_LARGE,
                "invalid_input",
                &format!(
                    "the request is over the server's limit of {max} bytes (--max-request-bytes)"
                ),
            ))
        }
        Err(_) => {
            return Err(error_response(
                StatusCode::REQUEST_TIMEOUT,
                "invalid_input",
                "the request body did not arrive in time (--header-timeout)",
            ))
        }
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(serde_json::Map::new());
    }
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err(invalid(
            "the body must be a JSON object (the operation's arguments)",
        )),
        Err(e) => Err(invalid(&format!("the body is not valid JSON: {e}"))),
    }
}

fn invalid(message: &str) -> Response {
    error_response(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", message)
}

/// A JSON answer that no cache keeps.
fn json(status: StatusCode, body: &Value) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        Bytes::from(body.to_string()),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_kind_has_a_status_that_says_whose_fault() {
        for kind in ErrorKind::ALL {
            let s = status(kind);
            let server_side = matches!(
                kind,
                ErrorKind::ReadOnly | ErrorKind::Schema | ErrorKind::Storage
            );
            assert_eq!(s.is_server_error(), server_side, "{kind:?}");
        }
        assert_eq!(status(ErrorKind::Lease), StatusCode::CONFLICT);
        assert_eq!(status(ErrorKind::Busy), StatusCode::TOO_MANY_REQUESTS);
    }
}
