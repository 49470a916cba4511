//! What follows the change feed for a client over time — an event stream of `agor serve`
//! (`/events`) or an MCP session's resource subscriptions — and the caps on how many of them
//! one principal and the whole server hold (SPEC §2.2; `--max-streams-per-principal`,
//! `--max-streams`). Each one is a waiter parked on the store's shared per-process waiter
//! on a blocking thread: the same fan-out for both. The streams of one principal share one
//! read of the feed per wake-up ([`feed`]).

mod feed;

use std::sync::Arc;

pub(crate) use feed::{Fed, Follower};

use crate::tools::{WaitSlot, WaitSlots};

/// The most streams one principal may hold open by default (a person has a few tabs).
pub const DEFAULT_MAX_STREAMS_PER_PRINCIPAL: usize = 8;
/// The most streams the server holds open by default (each holds a blocking thread).
pub const DEFAULT_MAX_STREAMS: usize = 128;

/// The open streams against their two caps.
#[derive(Debug)]
pub(crate) struct Streams {
    per_principal: Arc<WaitSlots>,
    per_server: Arc<WaitSlots>,
    caps: (usize, usize),
    /// The principals' shared feeds that the streams follow.
    pub(crate) feeds: feed::Feeds,
}

impl Default for Streams {
    fn default() -> Streams {
        Streams::new(DEFAULT_MAX_STREAMS_PER_PRINCIPAL, DEFAULT_MAX_STREAMS)
    }
}

/// Why a stream was refused: the principal holds its share (it can close one), or the
/// server is full (anyone waits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Full {
    Principal(usize),
    Server(usize),
}

impl Full {
    /// The refusal in words; `what` names the streams (`event streams`, `subscriptions`).
    pub(crate) fn message(self, who: &str, what: &str, close: &str) -> String {
        match self {
            Full::Principal(cap) => format!(
                "{who} already has {cap} {what} open, the most one principal may; close one \
                 ({close})"
            ),
            Full::Server(cap) => format!(
                "the server already has {cap} {what} open, the most it allows; try again later"
            ),
        }
    }
}

/// A stream's two slots, freed when dropped.
pub(crate) struct StreamSlot {
    _mine: WaitSlot,
    _server: WaitSlot,
}

impl Streams {
    /// Caps of `per_principal` streams for one principal and `per_server` in all.
    pub(crate) fn new(per_principal: usize, per_server: usize) -> Streams {
        Streams {
            per_principal: Arc::new(WaitSlots::new(per_principal, usize::MAX)),
            per_server: Arc::new(WaitSlots::new(usize::MAX, per_server)),
            caps: (per_principal, per_server),
            feeds: feed::Feeds::default(),
        }
    }

    /// Slots for one more stream of `who`.
    pub(crate) fn take(&self, who: &str) -> Result<StreamSlot, Full> {
        let mine = self
            .per_principal
            .take(who)
            .map_err(|_| Full::Principal(self.caps.0))?;
        let server = self
            .per_server
            .take(who)
            .map_err(|_| Full::Server(self.caps.1))?;
        Ok(StreamSlot {
            _mine: mine,
            _server: server,
        })
    }
}
