//! File reservations and their bounds.

use serde::{Deserialize, Serialize};

/// A live reservation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Reservation {
    /// Its id (renew and release take it).
    pub id: String,
    /// Who holds it.
    pub agent_id: String,
    /// The holder's group.
    pub group_id: String,
    /// The path glob: `*` any run of characters (slashes too), `?` one, `[abc]` a class.
    pub pattern: String,
    /// Exclusive, or shared with other shared holders.
    pub exclusive: bool,
    /// Why, for whoever runs into it.
    pub reason: Option<String>,
    /// When it was first taken, `YYYY-MM-DD HH:MM:SS` UTC.
    pub created_at: String,
    /// When it lapses unless renewed, Unix milliseconds.
    pub expires_at_ms: i64,
}

/// How long a reservation lasts when the caller does not say: an hour.
pub const DEFAULT_RESERVATION_SECS: u32 = 3600;

/// The longest path or glob a reservation names, or a lookup asks about (bytes of UTF-8).
pub const MAX_RESERVATION_PATH_BYTES: usize = 1024;

/// The most paths one call may reserve.
pub const MAX_RESERVATION_PATHS: usize = 256;

/// The most live reservations one agent may hold.
pub const MAX_LIVE_RESERVATIONS: usize = 1024;
