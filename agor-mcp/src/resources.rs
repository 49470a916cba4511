//! The board, an agent's inbox and the change feed as MCP resources (SPEC §11), read as the
//! principal and kept fresh by subscriptions: `resources/subscribe` (clients that sent
//! `initialize`) and `subscriptions/listen` (2026-07-28) send
//! `notifications/resources/updated` when a change the principal may see touches one. A
//! session's subscriptions are followed by one follower of the principal's shared feed, the
//! fan-out `/events` uses ([`crate::streams`]), under the same per-principal and per-server
//! caps.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use agor_core::ops;
use agor_core::{CancelToken, ChangeKind, Error, Store};
use rmcp::model::{ReadResourceResult, Resource, ResourceContents};
use serde_json::json;
use tokio::sync::mpsc;

use crate::auth::Principal;
use crate::streams::{Fed, Follower, StreamSlot};

/// The board of the principal's group (the operator: of every group), as `board` returns it.
pub(crate) const BOARD: &str = "agor://board";
/// The agent's inbox, as `inbox` returns it (agents only).
pub(crate) const INBOX: &str = "agor://inbox";
/// The newest changes the principal may see, with `?since=CURSOR` those after a cursor.
pub(crate) const CHANGES: &str = "agor://changes";
/// How far back `agor://changes` reads without `since`, in cursors.
const CHANGES_WINDOW: i64 = 100;
/// How long a subscription's waiter sleeps before it looks whether its client is still there.
const CHECK_EVERY: Duration = Duration::from_secs(15);

/// The resources offered to `who`.
pub(crate) fn list(who: &Principal) -> Vec<Resource> {
    let json = "application/json";
    let mut all = vec![Resource::new(BOARD, "board")
        .with_title("The task board")
        .with_description(
            "Every status column with its tasks, of your group (the operator: every group)",
        )
        .with_mime_type(json)];
    if matches!(who, Principal::Agent(_)) {
        all.push(
            Resource::new(INBOX, "inbox")
                .with_title("Your inbox")
                .with_description("Your direct messages, unread first, as `inbox` returns them")
                .with_mime_type(json),
        );
    }
    all.push(
        Resource::new(CHANGES, "changes")
            .with_title("The change feed")
            .with_description(
                "The newest changes you may see (agor://changes?since=CURSOR: those after a \
                 cursor), as `changes` returns them",
            )
            .with_mime_type(json),
    );
    all
}

/// Which resource `uri` names (its base, without a query), if `who` is offered it.
pub(crate) fn named(uri: &str, who: &Principal) -> Option<&'static str> {
    let base = uri.split_once('?').map_or(uri, |(base, _)| base);
    [BOARD, INBOX, CHANGES]
        .into_iter()
        .find(|known| *known == base)
        .filter(|known| *known != INBOX || matches!(who, Principal::Agent(_)))
}

/// The content of `uri` as `who` may read it (blocking: the caller runs it off the async
/// threads). `None`: no such resource for `who`.
pub(crate) fn read(
    store: &Store,
    who: &Principal,
    uri: &str,
) -> Option<Result<ReadResourceResult, Error>> {
    let base = named(uri, who)?;
    let value = (|| {
        let request = match base {
            BOARD => json!({ "op": "board" }),
            INBOX => json!({ "op": "inbox" }),
            _ => {
                let since = match since(uri)? {
                    Some(cursor) => cursor,
                    None => (store.latest_change()? - CHANGES_WINDOW).max(0),
                };
                json!({ "op": "changes", "since": since, "limit": CHANGES_WINDOW })
            }
        };
        let request = ops::parse_request(&request.to_string())?;
        ops::dispatch(&store.acting_as(who)?, request)
    })();
    Some(value.map(|value| {
        let text = serde_json::to_string(&value).unwrap_or_default();
        ReadResourceResult::new(vec![
            ResourceContents::text(text, uri).with_mime_type("application/json")
        ])
    }))
}

/// The cursor of `agor://changes?since=N`.
fn since(uri: &str) -> Result<Option<i64>, Error> {
    let Some((_, query)) = uri.split_once('?') else {
        return Ok(None);
    };
    let bad = || Error::InvalidInput {
        field: "uri",
        reason: format!("'{uri}' is not agor://changes?since=CURSOR"),
    };
    let cursor = query.strip_prefix("since=").ok_or_else(bad)?;
    cursor
        .parse::<i64>()
        .ok()
        .filter(|c| *c >= 0)
        .map(Some)
        .ok_or_else(bad)
}

/// The resources a batch of changes (all of them visible to `who`) updates.
fn touched(changes: &[Arc<Fed>], who: &Principal) -> BTreeSet<&'static str> {
    let mut uris = BTreeSet::new();
    for change in changes {
        uris.insert(CHANGES);
        match change.kind {
            ChangeKind::Task => {
                uris.insert(BOARD);
            }
            ChangeKind::Message if matches!(who, Principal::Agent(me) if change.agent_id.as_deref() == Some(me)) =>
            {
                uris.insert(INBOX);
            }
            _ => {}
        }
    }
    uris
}

/// What one MCP session subscribed to (`resources/subscribe`), and the follower that sends
/// their updates; the follower ends when the last subscription goes or the session does.
#[derive(Debug, Default)]
pub(crate) struct Subscriptions {
    uris: Arc<Mutex<BTreeSet<String>>>,
    follower: Mutex<Option<CancelToken>>,
}

impl Drop for Subscriptions {
    fn drop(&mut self) {
        self.stop();
    }
}

impl Subscriptions {
    /// Adds `uri`; true when the session has no follower running (none yet, or one that
    /// ended: its waiter failed), and the caller starts one.
    pub(crate) fn add(&self, uri: &str) -> bool {
        lock(&self.uris).insert(uri.to_owned());
        lock(&self.follower)
            .as_ref()
            .is_none_or(CancelToken::is_cancelled)
    }

    /// Removes `uri`; the follower ends with the last one.
    pub(crate) fn remove(&self, uri: &str) {
        let mut uris = lock(&self.uris);
        uris.remove(uri);
        if uris.is_empty() {
            drop(uris);
            self.stop();
        }
    }

    /// The current set, shared with the follower.
    pub(crate) fn uris(&self) -> Arc<Mutex<BTreeSet<String>>> {
        self.uris.clone()
    }

    /// Records the follower that was started.
    pub(crate) fn following(&self, cancel: CancelToken) {
        *lock(&self.follower) = Some(cancel);
    }

    fn stop(&self) {
        if let Some(cancel) = lock(&self.follower).take() {
            cancel.cancel();
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Follows the change feed with `follower` (`who`'s, started when the subscription was
/// answered, so nothing committed after is missed) until `cancel`, sending on `updated` the
/// URI of each resource in `uris` that a batch of changes touches (blocking: one thread; its
/// slot is held until it returns). Ends when the receiver goes.
pub(crate) fn follow(
    mut follower: Follower,
    who: &Principal,
    _slot: StreamSlot,
    uris: &Mutex<BTreeSet<String>>,
    cancel: &CancelToken,
    updated: &mpsc::Sender<String>,
) {
    while !cancel.is_cancelled() && !updated.is_closed() {
        let Ok(changes) = follower.wait(CHECK_EVERY, cancel) else {
            return;
        };
        let touched = touched(&changes, who);
        let wanted: Vec<String> = lock(uris)
            .iter()
            .filter(|uri| named(uri, who).is_some_and(|base| touched.contains(base)))
            .cloned()
            .collect();
        for uri in wanted {
            if updated.blocking_send(uri).is_err() {
                return;
            }
        }
    }
}

/// The refusal of a resource `who` is not offered.
pub(crate) fn unknown(uri: &str) -> rmcp::ErrorData {
    rmcp::ErrorData::resource_not_found(
        format!("no resource '{uri}': resources/list names those you may read"),
        Some(json!({ "uri": uri })),
    )
}

/// An agor error reading a resource, with its kind.
pub(crate) fn failed(e: &Error) -> rmcp::ErrorData {
    rmcp::ErrorData::invalid_request(e.to_string(), Some(json!({ "kind": e.kind().as_str() })))
}

/// The subscription filter a `subscriptions/listen` request gets: the resources agor serves
/// (whether the principal may read each is judged when it listens).
pub(crate) fn accepted(requested: &[String]) -> Vec<String> {
    requested
        .iter()
        .filter(|uri| {
            [BOARD, INBOX, CHANGES]
                .iter()
                .any(|known| uri.split('?').next() == Some(known))
        })
        .cloned()
        .collect()
}
