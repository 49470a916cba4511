//! What the handlers of `agor serve` share: its state ([`Web`]), who a request acts as
//! ([`caller`]), and the answers they give (errors with their HTTP status, JSON, a body read
//! within bounds). Below the handlers and the router.

use std::sync::Arc;
use std::time::Duration;

use agor_core::{ErrorKind, Store, TokenHolder};
use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::signins::{cookie, SignIns};
use crate::auth::{bearer, Authenticated};
use crate::refusals::error_response;
use crate::streams::Streams;
use crate::tools::WaitSlots;

/// What every handler shares.
#[derive(Clone)]
pub(crate) struct Web {
    pub(crate) store: Store,
    pub(crate) signins: Arc<SignIns>,
    /// Open event streams (and MCP subscriptions), per principal and in all.
    pub(crate) streams: Arc<Streams>,
    /// `wait` calls through `/api`, per principal and in all.
    pub(crate) waits: Arc<WaitSlots>,
    pub(crate) max_request_bytes: usize,
    pub(crate) body_timeout: Duration,
}

/// Marks an answer with its principal, for the request log.
pub(crate) fn logged(mut response: Response, who: &TokenHolder) -> Response {
    response.extensions_mut().insert(Authenticated(who.clone()));
    response
}

/// Who a request acts as: its bearer secret's holder, else its sign-in's; 401 without
/// either. A cookie-authenticated request that changes something needs an `Origin` (the
/// layer in front has already refused a foreign one): a browser always sends it there, and
/// its absence means the request did not come from the page.
pub(crate) async fn caller(
    web: &Web,
    method: &Method,
    headers: &HeaderMap,
) -> Result<TokenHolder, Response> {
    let secret = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(bearer)
        .map(str::to_owned);
    if let Some(secret) = secret {
        return holder(&web.store, secret).await;
    }
    let Some((id, signed)) = cookie(headers).and_then(|id| Some((id, web.signins.find(id)?)))
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
pub(crate) async fn holder(store: &Store, secret: String) -> Result<TokenHolder, Response> {
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

pub(crate) fn unauthorized(message: &str) -> Response {
    error_response(StatusCode::UNAUTHORIZED, "unauthorized", message)
}

pub(crate) fn internal(e: &dyn std::fmt::Display) -> Response {
    error_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        &e.to_string(),
    )
}

/// The HTTP status of an error kind: the caller's fault in 4xx, the server's in 5xx.
pub(crate) fn status(kind: ErrorKind) -> StatusCode {
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
pub(crate) fn failure(e: &agor_core::Error) -> Response {
    error_response(status(e.kind()), e.kind().as_str(), &e.to_string())
}

/// A request's body as a JSON object (an empty body is `{}`), read within the server's
/// bounds of size (413) and time (408).
pub(crate) async fn json_object(
    web: &Web,
    body: Body,
) -> Result<serde_json::Map<String, Value>, Response> {
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

pub(crate) fn invalid(message: &str) -> Response {
    error_response(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", message)
}

/// A JSON answer that no cache keeps.
pub(crate) fn json(status: StatusCode, body: &Value) -> Response {
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
