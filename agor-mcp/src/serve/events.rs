//! `GET /events`: the change feed as Server-Sent Events, as far as the principal may see it
//! (an agent's `changes`, the operator's whole feed). Each event's id is its change cursor,
//! so a client that reconnects with `Last-Event-ID` misses nothing and sees nothing twice.
//! A comment every [`HEARTBEAT`] keeps proxies and the client's idea of the link alive.
//!
//! Each stream is one waiter parked on the store's shared per-process waiter (woken by
//! commits, never polling), on one blocking thread; the streams of a principal and of the
//! server are bounded (429 beyond), and a stream ends, freeing its thread and its slot, as
//! soon as its client goes (its body is dropped, which cancels the wait).

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use agor_core::{CancelToken, Change, Store, TokenHolder};
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use tokio::sync::mpsc;

use super::api::CancelOnDrop;
use super::{caller, error_response, invalid, logged, name, Web};
use crate::tools::{WaitSlot, WaitSlots};

/// The most event streams one principal may hold open (a person has a few tabs).
pub(crate) const MAX_STREAMS_PER_PRINCIPAL: usize = 8;
/// The most event streams the server holds open (each holds a blocking thread).
pub(crate) const MAX_STREAMS_PER_SERVER: usize = 128;
/// How often a quiet stream sends a comment.
const HEARTBEAT: Duration = Duration::from_secs(15);
/// Events a stream buffers for a slow client before its waiter waits for room.
const BUFFERED: usize = 64;

/// The open streams against their two caps, each with its own refusal: a principal over
/// its share gets 429 (it can close one), anyone when the server is full 503.
pub(crate) struct Streams {
    per_principal: Arc<WaitSlots>,
    per_server: Arc<WaitSlots>,
}

impl Default for Streams {
    fn default() -> Streams {
        Streams {
            per_principal: Arc::new(WaitSlots::new(MAX_STREAMS_PER_PRINCIPAL, usize::MAX)),
            per_server: Arc::new(WaitSlots::new(usize::MAX, MAX_STREAMS_PER_SERVER)),
        }
    }
}

impl Streams {
    /// Slots for one more stream of `who`, freed when dropped.
    fn take(&self, who: &str) -> Result<(WaitSlot, WaitSlot), Box<Response>> {
        let mine = self.per_principal.take(who).map_err(|_| {
            let message = format!(
                "{who} already has {MAX_STREAMS_PER_PRINCIPAL} event streams open, the most one \
                 principal may; close one (a tab of the page)"
            );
            Box::new(error_response(
                StatusCode::TOO_MANY_REQUESTS,
                "busy",
                &message,
            ))
        })?;
        let server = self.per_server.take(who).map_err(|_| {
            let message = format!(
                "the server already has {MAX_STREAMS_PER_SERVER} event streams open, the most \
                 it allows; try again later"
            );
            Box::new(error_response(
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                &message,
            ))
        })?;
        Ok((mine, server))
    }
}

/// `GET /events`, resumed after the cursor of `Last-Event-ID` when given.
pub(crate) async fn stream(State(web): State<Web>, request: Request) -> Response {
    let (head, _) = request.into_parts();
    let who = match caller(&web, &head.method, &head.headers).await {
        Ok(who) => who,
        Err(refused) => return refused,
    };
    let since = match head.headers.get("last-event-id").map(|v| v.to_str()) {
        None => None,
        Some(Ok(text)) => match text.trim().parse::<i64>() {
            Ok(cursor) if cursor >= 0 => Some(cursor),
            _ => return logged(invalid("Last-Event-ID is not a change cursor"), &who),
        },
        Some(Err(_)) => return logged(invalid("Last-Event-ID is not a change cursor"), &who),
    };
    // Where a new stream starts is fixed before it is answered: whatever commits after the
    // client sees the answer is on it (a page loads the board, then follows the stream).
    let since = match since {
        Some(cursor) => cursor,
        None => {
            let store = web.store.clone();
            match tokio::task::spawn_blocking(move || store.latest_change()).await {
                Ok(Ok(cursor)) => cursor,
                Ok(Err(e)) => return logged(super::failure(&e), &who),
                Err(e) => return logged(super::internal(&e), &who),
            }
        }
    };
    let slot = match web.streams.take(name(&who)) {
        Ok(slot) => slot,
        Err(refused) => return logged(*refused, &who),
    };
    let (sender, receiver) = mpsc::channel::<Bytes>(BUFFERED);
    let cancel = CancelToken::new();
    let (store, watcher, token) = (web.store.clone(), who.clone(), cancel.clone());
    tokio::task::spawn_blocking(move || {
        let _slot = slot;
        pump(&store, &watcher, since, &token, &sender);
    });
    // The body owns the guard: when hyper drops it (the client went), the wait ends.
    let gone = CancelOnDrop(cancel);
    let body = futures_util::stream::unfold(receiver, |mut receiver| async move {
        let chunk = receiver.recv().await?;
        Some((Ok::<_, Infallible>(chunk), receiver))
    })
    .map(move |chunk| {
        let _gone = &gone;
        chunk
    });
    let answer = (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        Body::from_stream(body),
    )
        .into_response();
    logged(answer, &who)
}

/// Waits for the principal's changes and sends them as events until the client goes.
fn pump(
    store: &Store,
    who: &TokenHolder,
    since: i64,
    cancel: &CancelToken,
    sender: &mpsc::Sender<Bytes>,
) {
    let send = |text: String| sender.blocking_send(Bytes::from(text)).is_ok();
    let waiter = match who {
        TokenHolder::Operator => store.waiter(&[], Some(since), None),
        TokenHolder::Agent(id) => store.as_agent(id).and_then(|a| a.waiter(&[], Some(since))),
    };
    let mut waiter = match waiter {
        Ok(waiter) => waiter,
        Err(e) => {
            send(failure(&e));
            return;
        }
    };
    // Where the stream starts, so a client can resume from it even before any change.
    if !send(format!("retry: 1000\nid: {}\n\n", waiter.cursor())) {
        return;
    }
    loop {
        let sent = match waiter.wait_cancellable(Some(HEARTBEAT), cancel) {
            _ if cancel.is_cancelled() => return,
            Ok(changes) if changes.is_empty() => send(": heartbeat\n\n".into()),
            Ok(changes) => changes.iter().all(|c| send(event(c))),
            Err(e) => {
                send(failure(&e));
                return;
            }
        };
        if !sent {
            return;
        }
    }
}

/// One change as an event: its cursor as the id, the change as JSON data.
fn event(change: &Change) -> String {
    let data = serde_json::to_string(change).unwrap_or_default();
    format!("id: {}\nevent: change\ndata: {data}\n\n", change.cursor)
}

/// The error that ended a stream, as its last event.
fn failure(e: &agor_core::Error) -> String {
    let data =
        serde_json::json!({ "error": { "kind": e.kind().as_str(), "message": e.to_string() } });
    format!("event: failure\ndata: {data}\n\n")
}
