//! Who a call acts as, and how an HTTP request proves it: the principal (an agent by its id,
//! or the operator), and the middleware that turns `Authorization: Bearer SECRET` into the
//! principal the secret belongs to, or refuses the request (401) before anything reads it.

use agor_core::Store;
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

use crate::refusals::{error_response, refuse};

/// Who a call acts as: the core's owned principal, the one a secret is issued to, so a
/// request's secret names its principal with no conversion. Stdio serves one for the whole
/// session; HTTP, the one of each request's secret.
pub use agor_core::PrincipalId as Principal;

/// The principal's name in messages and the request log: the agent's id, or `operator`.
pub(crate) fn name(who: &Principal) -> &str {
    who.name()
}

/// Whom a request's secret belongs to (an agent, or the operator), put in the request's
/// extensions by [`authenticate`].
#[derive(Debug, Clone)]
pub(crate) struct Authenticated(pub Principal);

/// The secret of an `Authorization` header: the scheme `Bearer` in any case (RFC 9110).
pub(crate) fn bearer(value: &str) -> Option<&str> {
    let (scheme, secret) = value.trim().split_once(' ')?;
    let secret = secret.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !secret.is_empty()).then_some(secret)
}

/// Checks the request's secret and marks the request with its principal; 401 otherwise.
pub(crate) async fn authenticate(
    State(store): State<Store>,
    mut request: Request,
    next: Next,
) -> Response {
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
        Ok(Ok(who)) => {
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
