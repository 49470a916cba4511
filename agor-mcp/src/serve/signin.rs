//! Sign-in for people: the secret of a `human` agent, or an operator secret, is exchanged at
//! `POST /signin` for a session cookie (`HttpOnly; SameSite=Strict; Path=/`): a random id the
//! server maps to the principal until it expires or `POST /signout` ends it. The secret is
//! never kept, echoed or logged. Other agents do not sign in: they call `/api` and `/mcp`
//! with their bearer secrets. A sign-in lasts only while the secret it was made with does:
//! revoking that secret, or removing its agent, ends it (SPEC §2.2).

use agor_core::TokenHolder;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::json;

use super::signins::{cookie, COOKIE, LIFETIME};
use super::web::{caller, failure, holder, internal, json, json_object, logged, Web};
use crate::auth::name;
use crate::refusals::error_response;

/// The role whose agents are people.
const HUMAN: &str = "human";

/// `POST /signin` with `{"secret": "…"}`: a human agent's or the operator's secret.
pub(crate) async fn sign_in(State(web): State<Web>, request: Request) -> Response {
    let body = match json_object(&web, request.into_body()).await {
        Ok(body) => body,
        Err(refused) => return refused,
    };
    let Some(secret) = body.get("secret").and_then(|s| s.as_str()) else {
        return error_response(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
            "send {\"secret\": \"…\"}: a person's secret (`btmsg token issue AGENT` for an \
             agent of role human, or `--operator`)",
        );
    };
    let who = match holder(&web.store, secret.to_owned()).await {
        Ok(who) => who,
        Err(refused) => return refused,
    };
    if let TokenHolder::Agent(id) = &who {
        let store = web.store.clone();
        let id = id.clone();
        let role = tokio::task::spawn_blocking(move || {
            store.as_agent(&id).and_then(|a| a.whoami()).map(|a| a.role)
        })
        .await;
        match role {
            Ok(Ok(role)) if role == HUMAN => {}
            Ok(Ok(role)) => {
                let refused = error_response(
                    StatusCode::FORBIDDEN,
                    "permission_denied",
                    &format!(
                        "{} is an agent of role {role}: only people (role {HUMAN}) and the \
                         operator sign in; agents call /api and /mcp with their secret",
                        name(&who)
                    ),
                );
                return logged(refused, &who);
            }
            Ok(Err(e)) => return logged(failure(&e), &who),
            Err(e) => return internal(&e),
        }
    }
    let Some(id) = web.signins.start(who.clone(), secret) else {
        return error_response(
            StatusCode::SERVICE_UNAVAILABLE,
            "busy",
            "too many sign-ins are open; try again later",
        );
    };
    let mut answer = json(StatusCode::OK, &json!({ "principal": name(&who) }));
    let cookie = format!(
        "{COOKIE}={id}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}",
        LIFETIME.as_secs()
    );
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        answer.headers_mut().insert(header::SET_COOKIE, value);
    }
    logged(answer, &who)
}

/// `POST /signout`: ends the request's sign-in and clears its cookie.
pub(crate) async fn sign_out(State(web): State<Web>, request: Request) -> Response {
    let (head, _) = request.into_parts();
    let who = match caller(&web, &head.method, &head.headers).await {
        Ok(who) => who,
        Err(refused) => return refused,
    };
    if let Some(id) = cookie(&head.headers) {
        web.signins.end(id);
    }
    let mut answer = json(StatusCode::OK, &json!({ "signed_out": name(&who) }));
    let cleared = format!("{COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
    if let Ok(value) = HeaderValue::from_str(&cleared) {
        answer.headers_mut().insert(header::SET_COOKIE, value);
    }
    logged(answer, &who)
}

/// `GET /session`: who the request acts as (the page asks on load) and the store's stale
/// threshold in seconds (the team view marks agents silent for longer), or 401.
pub(crate) async fn session(State(web): State<Web>, request: Request) -> Response {
    let (head, _) = request.into_parts();
    let stale_after_secs = web.store.stale_after().as_secs();
    match caller(&web, &head.method, &head.headers).await {
        Ok(who) => logged(
            json(
                StatusCode::OK,
                &json!({ "principal": name(&who), "stale_after_secs": stale_after_secs }),
            ),
            &who,
        ),
        Err(refused) => refused,
    }
}
