//! What an engine is opened with: the settings of [`crate::StoreBuilder`] that reach the
//! database (the clock included: it stamps what a transaction writes), and nothing of the
//! store above it (its staleness threshold).

use std::sync::Arc;
use std::time::Duration;

use crate::clock::{Clock, SystemClock};

/// How hard each commit pushes data to disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// `synchronous=NORMAL`: in WAL mode a crash of the process never loses a commit;
    /// a power cut may lose the last few. The usual choice for a coordination file.
    #[default]
    Normal,
    /// `synchronous=FULL`: every commit is fsynced before it returns.
    Full,
}

/// How an engine opens its database.
#[derive(Debug, Clone)]
pub(crate) struct EngineOptions {
    /// How long a write waits for another writer before [`crate::Error::Busy`].
    pub busy_timeout: Duration,
    /// How hard each commit pushes data to disk (SQLite; PostgreSQL commits as its server says).
    pub durability: Durability,
    /// Every write fails with [`crate::Error::ReadOnly`].
    pub read_only: bool,
    /// Whether a missing database (or schema) is created.
    pub create: bool,
    /// The store's clock: each transaction reads it once when it begins (see `Tx::now`).
    pub clock: Arc<dyn Clock>,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            busy_timeout: Duration::from_secs(10),
            durability: Durability::Normal,
            read_only: false,
            create: true,
            clock: Arc::new(SystemClock),
        }
    }
}
