//! `GET /events`: the change feed as Server-Sent Events, as far as the principal may see it
//! (an agent's `changes`, the operator's whole feed). Each event's id is its change cursor,
//! so a client that reconnects with `Last-Event-ID` misses nothing and sees nothing twice.
//! A comment every [`HEARTBEAT`] keeps proxies and the client's idea of the link alive.
//!
//! Each stream follows its principal's shared feed (one read of the feed per wake-up for all
//! the principal's streams, each with its own cursor; the feed's waiter is parked on the
//! store's shared per-process waiter, woken by commits, never polling), on one blocking
//! thread ([`crate::streams`], shared with the MCP resource subscriptions); the streams of a principal and of the server are bounded (429 and
//! 503 beyond), and a stream ends, freeing its thread and its slot, as soon as its client goes
//! (its body is dropped, which cancels the wait). Each event carries what the principal may
//! read of its change (a DM's text, a task's title). `?pace=N` asks for at most `N` changes a
//! second one by one and a `flood` event for the rest ([`super::pace`]): a person's page.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};

use agor_core::{CancelToken, Change, Store, TokenHolder};
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use tokio::sync::mpsc;

use super::api::CancelOnDrop;
use super::pace::{Pace, MAX_PACE};
use super::web::{caller, failure as answer_failure, internal, invalid, logged, Web};
use crate::auth::name;
use crate::refusals::error_response;
use crate::streams::{Full, StreamSlot, Streams};

/// How often a quiet stream sends a comment.
const HEARTBEAT: Duration = Duration::from_secs(15);
/// Events a stream buffers for a slow client before its waiter waits for room.
const BUFFERED: usize = 64;

/// Slots for one more stream of `who`: a principal over its share gets 429 (it can close
/// one), anyone when the server is full 503.
fn take(streams: &Streams, who: &str) -> Result<StreamSlot, Box<Response>> {
    streams.take(who).map_err(|full| {
        let status = match full {
            Full::Principal(_) => StatusCode::TOO_MANY_REQUESTS,
            Full::Server(_) => StatusCode::SERVICE_UNAVAILABLE,
        };
        let message = full.message(who, "event streams", "a tab of the page");
        Box::new(error_response(status, "busy", &message))
    })
}

/// `GET /events`, resumed after the cursor of `Last-Event-ID` when given.
pub(crate) async fn stream(State(web): State<Web>, request: Request) -> Response {
    let (head, _) = request.into_parts();
    let who = match caller(&web, &head.method, &head.headers).await {
        Ok(who) => who,
        Err(refused) => return refused,
    };
    let pace = match pace(head.uri.query()) {
        Ok(pace) => pace,
        Err(refused) => return logged(*refused, &who),
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
                Ok(Err(e)) => return logged(answer_failure(&e), &who),
                Err(e) => return logged(internal(&e), &who),
            }
        }
    };
    let slot = match take(&web.streams, name(&who)) {
        Ok(slot) => slot,
        Err(refused) => return logged(*refused, &who),
    };
    let (sender, receiver) = mpsc::channel::<Bytes>(BUFFERED);
    let cancel = CancelToken::new();
    let (store, streams) = (web.store.clone(), web.streams.clone());
    let (watcher, token) = (who.clone(), cancel.clone());
    tokio::task::spawn_blocking(move || {
        let _slot = slot;
        pump(&store, &streams, &watcher, since, pace, &token, &sender);
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

/// The stream's pace from its query (`pace=N`, 1 to [`MAX_PACE`]); none asked, none kept.
fn pace(query: Option<&str>) -> Result<Option<Pace>, Box<Response>> {
    let mut pace = None;
    for pair in query
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
    {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if key != "pace" {
            return Err(Box::new(invalid(&format!(
                "/events takes no query parameter `{key}`; it takes `pace` (the most changes \
                 a second sent one by one)"
            ))));
        }
        match value.parse::<u32>() {
            Ok(n) if (1..=MAX_PACE).contains(&n) => pace = Some(Pace::new(n)),
            _ => {
                return Err(Box::new(invalid(&format!(
                    "pace must be a whole number of changes a second from 1 to {MAX_PACE}, \
                     not `{value}`"
                ))))
            }
        }
    }
    Ok(pace)
}

/// Waits for the principal's changes and sends them as events until the client goes; paced,
/// a window's changes past the pace go out as one `flood` event when the window ends.
fn pump(
    store: &Store,
    streams: &Arc<Streams>,
    who: &TokenHolder,
    since: i64,
    mut pace: Option<Pace>,
    cancel: &CancelToken,
    sender: &mpsc::Sender<Bytes>,
) {
    let send = |text: String| sender.blocking_send(Bytes::from(text)).is_ok();
    let mut follower = match streams.feeds.follow(store, who, Some(since)) {
        Ok(follower) => follower,
        Err(e) => {
            send(failure(&e));
            return;
        }
    };
    // Where the stream starts, so a client can resume from it even before any change.
    if !send(format!("retry: 1000\nid: {}\n\n", follower.cursor())) {
        return;
    }
    let mut sent_at = Instant::now();
    loop {
        // Wake for the heartbeat, or sooner when a flood is due.
        let heartbeat = sent_at + HEARTBEAT;
        let until = pace
            .as_ref()
            .and_then(Pace::deadline)
            .map_or(heartbeat, |due| due.min(heartbeat));
        let changes = match follower.wait(until.saturating_duration_since(Instant::now()), cancel) {
            _ if cancel.is_cancelled() => return,
            Ok(changes) => changes,
            Err(e) => {
                send(failure(&e));
                return;
            }
        };
        let now = Instant::now();
        let mut text = String::new();
        let (mut one_by_one, mut flood) = (changes.len(), None);
        if let Some(pace) = &mut pace {
            if let Some(flood) = pace.due(now) {
                text.push_str(&flood.event());
            }
            let newest = changes.last().map_or(0, |c| c.cursor);
            (one_by_one, flood) = pace.admit(now, changes.len(), newest);
        }
        // A batch goes out as one chunk: one write for what one look found, not one per
        // change (a busy writer's commits arrive in batches of dozens).
        text.extend(changes[..one_by_one].iter().map(|c| c.rendered(event)));
        if let Some(flood) = flood {
            text.push_str(&flood.event());
        }
        if text.is_empty() {
            if now < heartbeat {
                continue;
            }
            text.push_str(": heartbeat\n\n");
        }
        sent_at = now;
        if !send(text) {
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
