//! The request log both HTTP servers (`agor mcp --http`, `agor serve`) keep on stderr: a layer
//! in front of every route, below both, so neither server reaches into the other for it.

use std::io::Write;

use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;

use crate::auth::{self, Authenticated};

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
        .map_or("-", |a| auth::name(&a.0));
    let line = format!(
        "agor mcp: {method} {path} {} {who} {}ms",
        response.status().as_u16(),
        started.elapsed().as_millis()
    );
    // A closed or full stderr must not fail the request (`eprintln!` would panic).
    let _ = writeln!(std::io::stderr().lock(), "{line}");
    response
}
