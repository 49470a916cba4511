//! The one error type of agor-core.
//! Every variant carries the data a caller needs to react; front ends map `ErrorKind` to their codes.

use std::path::PathBuf;

/// Result alias used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What kind of object an id referred to (used in not-found and ambiguity errors).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObjectKind {
    /// An agent.
    Agent,
    /// A direct message.
    Message,
    /// A channel.
    Channel,
    /// A task of the board.
    Task,
    /// A dead letter.
    DeadLetter,
    /// A file reservation.
    Reservation,
    /// A task offered to an agent.
    Proposal,
    /// A role.
    Role,
    /// The database itself (a file, or a PostgreSQL schema without agor's tables), when it
    /// was opened with creation turned off.
    Database,
}

impl ObjectKind {
    /// The kind's name in messages.
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::Agent => "agent",
            ObjectKind::Message => "message",
            ObjectKind::Channel => "channel",
            ObjectKind::Task => "task",
            ObjectKind::DeadLetter => "dead letter",
            ObjectKind::Reservation => "reservation",
            ObjectKind::Proposal => "proposal",
            ObjectKind::Role => "role",
            ObjectKind::Database => "database",
        }
    }
}

impl std::fmt::Display for ObjectKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Every failure agor-core can report.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No object of that kind with that id (or id prefix) exists for the caller: objects of
    /// another group are not found either.
    #[error("{kind} not found: {id}{}", database.as_ref().map(|d| format!(" (in {d})")).unwrap_or_default())]
    NotFound {
        /// What was looked up.
        kind: ObjectKind,
        /// The id or prefix as given.
        id: String,
        /// The database that was searched, for agents: a mistyped `--db` then says where it
        /// looked (the file path, or the URL without its password).
        database: Option<String>,
    },

    /// An id prefix matches several objects.
    #[error("ambiguous {kind} prefix '{prefix}': matches {}", candidates.join(", "))]
    Ambiguous {
        /// What was looked up.
        kind: ObjectKind,
        /// The prefix as given.
        prefix: String,
        /// Some of the matching ids.
        candidates: Vec<String>,
    },

    /// The permission table refused the action.
    #[error("permission denied: {actor} may not {action}")]
    PermissionDenied {
        /// Who asked (`operator` for the operator).
        actor: String,
        /// What it may not do, and why.
        action: String,
    },

    /// Optimistic locking: the object changed since the caller read it.
    #[error("version conflict on {kind} {id}: expected version {expected}, current version is {current_version}")]
    Conflict {
        /// What changed.
        kind: ObjectKind,
        /// Its id.
        id: String,
        /// The version the caller held.
        expected: i64,
        /// The version to retry with.
        current_version: i64,
    },

    /// Another agent holds a reservation that conflicts with the one asked for (its kind is
    /// [`ErrorKind::AlreadyClaimed`]: someone else holds it).
    #[error(
        "{path} is reserved by {holder} ({pattern}, {}){}",
        if *exclusive { "exclusive" } else { "shared" },
        reason.as_ref().map(|r| format!(": {r}")).unwrap_or_default()
    )]
    Reserved {
        /// The path asked for.
        path: String,
        /// The agent holding the conflicting reservation.
        holder: String,
        /// Its pattern.
        pattern: String,
        /// Whether it is exclusive.
        exclusive: bool,
        /// Its reason.
        reason: Option<String>,
    },

    /// Another worker holds the task.
    #[error("task {task_id} is already claimed{}", by.as_ref().map(|b| format!(" by {b}")).unwrap_or_default())]
    AlreadyClaimed {
        /// The task.
        task_id: String,
        /// Its holder, when known.
        by: Option<String>,
    },

    /// The lease token is not the live claim (released, lapsed or someone else's).
    #[error("lease error on task {task_id}: {reason}")]
    Lease {
        /// The task.
        task_id: String,
        /// What is wrong with the lease.
        reason: String,
    },

    /// The recipient went silent; the message waits in the dead-letter queue.
    #[error("recipient {recipient} is unavailable (no heartbeat for {silent_secs}s); message kept as dead letter #{dead_letter_id}")]
    RecipientUnavailable {
        /// The silent agent.
        recipient: String,
        /// Where the message waits.
        dead_letter_id: i64,
        /// Seconds since its last heartbeat.
        silent_secs: i64,
    },

    /// An argument breaks a rule (format, cap, blank text, an invalid move…).
    #[error("invalid {field}: {reason}")]
    InvalidInput {
        /// The argument at fault.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },

    /// The file was written by a newer agor; it is left untouched.
    #[error("database {} was written by a newer agor (schema version {found}, this build supports up to {supported}); upgrade agor", path.display())]
    SchemaTooNew {
        /// The database file.
        path: PathBuf,
        /// Its schema version.
        found: i64,
        /// The newest version this build knows.
        supported: i64,
    },

    /// The file is not agor's nor the legacy scripts'; it is left untouched.
    #[error("{} is not an agor database: {reason}; the file was left untouched", path.display())]
    NotAgorDatabase {
        /// The file.
        path: PathBuf,
        /// Why it was refused.
        reason: String,
    },

    /// The store or the file cannot be written.
    #[error("database {} is read-only: {reason}", path.display())]
    ReadOnly {
        /// The database file.
        path: PathBuf,
        /// Why.
        reason: String,
    },

    /// Another process held the write lock past the busy timeout; nothing was written.
    #[error(
        "database is busy: could not get the write lock within {waited_ms} ms; nothing was written"
    )]
    Busy {
        /// How long the call waited.
        waited_ms: u64,
    },

    /// The store was opened by another process: this one is a child forked from it. SQLite
    /// connections must not cross fork(), so the child opens the file again.
    #[error("store {} was opened in another process (pid {opened_by}); open it again after fork", path.display())]
    OtherProcess {
        /// The database file.
        path: PathBuf,
        /// The pid that opened the store.
        opened_by: u32,
    },

    /// One item of a batch (`create_tasks`, `complete_tasks`) failed, so the whole batch was
    /// refused and nothing of it written: the item's own error, with its index in the batch
    /// (from 0). Its kind is the item's.
    #[error("item {index} of the batch: {source}")]
    Item {
        /// Where the item stands in the batch, from 0.
        index: usize,
        /// What was wrong with it.
        source: Box<Error>,
    },

    /// The storage engine failed.
    #[error("storage error: {0}")]
    Storage(StorageError),

    /// A schema migration failed and was rolled back.
    #[error("schema migration {version} ({name}) failed, nothing was changed: {source}")]
    Migration {
        /// The migration's number.
        version: i64,
        /// Its name.
        name: &'static str,
        /// What the engine reported.
        #[source]
        source: StorageError,
    },

    /// The operating system refused a file operation.
    #[error("i/o error on {}: {source}", path.display())]
    Io {
        /// The file or folder at fault.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

/// A failure reported by the storage engine. Opaque on purpose: no engine's crate is part of
/// agor's API, so every engine reports through the same error (its own error is the `source`).
#[derive(Debug)]
pub struct StorageError {
    message: String,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl StorageError {
    /// An error with only a message.
    pub(crate) fn new(message: impl Into<String>) -> Self {
        StorageError {
            message: message.into(),
            source: None,
        }
    }

    /// The engine's own error, whose text becomes the message.
    pub(crate) fn from_engine(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        StorageError {
            message: e.to_string(),
            source: Some(Box::new(e)),
        }
    }

    /// The engine's own error, with a message that says more than its text.
    #[cfg(feature = "postgres")]
    pub(crate) fn from_engine_with(
        message: String,
        e: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        StorageError {
            message,
            source: Some(Box::new(e)),
        }
    }

    /// The engine's error, when it is of type `E` (engines classify their own errors).
    pub(crate) fn engine_error<E: std::error::Error + 'static>(&self) -> Option<&E> {
        self.source.as_deref()?.downcast_ref::<E>()
    }
}

impl std::fmt::Display for StorageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for StorageError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref()?.source()
    }
}

impl From<StorageError> for Error {
    fn from(e: StorageError) -> Self {
        Error::Storage(e)
    }
}

/// A stable classification of [`Error`], the key front ends map to exception classes,
/// C status codes and CLI exit codes (so the mapping lives in one place per front end).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// [`Error::NotFound`].
    NotFound,
    /// [`Error::Ambiguous`].
    Ambiguous,
    /// [`Error::PermissionDenied`].
    PermissionDenied,
    /// [`Error::Conflict`].
    Conflict,
    /// [`Error::AlreadyClaimed`] and [`Error::Reserved`].
    AlreadyClaimed,
    /// [`Error::Lease`].
    Lease,
    /// [`Error::RecipientUnavailable`].
    RecipientUnavailable,
    /// [`Error::InvalidInput`].
    InvalidInput,
    /// [`Error::SchemaTooNew`] and [`Error::NotAgorDatabase`].
    Schema,
    /// [`Error::ReadOnly`].
    ReadOnly,
    /// [`Error::Busy`].
    Busy,
    /// [`Error::Storage`], [`Error::Migration`] and [`Error::Io`].
    Storage,
}

impl ErrorKind {
    /// The kind's stable snake_case name (`not_found`, `permission_denied`, …), for front ends
    /// that report errors as data (the MCP server's tool errors).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::NotFound => "not_found",
            ErrorKind::Ambiguous => "ambiguous",
            ErrorKind::PermissionDenied => "permission_denied",
            ErrorKind::Conflict => "conflict",
            ErrorKind::AlreadyClaimed => "already_claimed",
            ErrorKind::Lease => "lease",
            ErrorKind::RecipientUnavailable => "recipient_unavailable",
            ErrorKind::InvalidInput => "invalid_input",
            ErrorKind::Schema => "schema",
            ErrorKind::ReadOnly => "read_only",
            ErrorKind::Busy => "busy",
            ErrorKind::Storage => "storage",
        }
    }

    /// Every kind, for exhaustive tests of front-end mappings.
    pub const ALL: [ErrorKind; 12] = [
        ErrorKind::NotFound,
        ErrorKind::Ambiguous,
        ErrorKind::PermissionDenied,
        ErrorKind::Conflict,
        ErrorKind::AlreadyClaimed,
        ErrorKind::Lease,
        ErrorKind::RecipientUnavailable,
        ErrorKind::InvalidInput,
        ErrorKind::Schema,
        ErrorKind::ReadOnly,
        ErrorKind::Busy,
        ErrorKind::Storage,
    ];
}

impl Error {
    /// The stable kind of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::NotFound { .. } => ErrorKind::NotFound,
            Error::Ambiguous { .. } => ErrorKind::Ambiguous,
            Error::PermissionDenied { .. } => ErrorKind::PermissionDenied,
            Error::Conflict { .. } => ErrorKind::Conflict,
            Error::AlreadyClaimed { .. } | Error::Reserved { .. } => ErrorKind::AlreadyClaimed,
            Error::Lease { .. } => ErrorKind::Lease,
            Error::RecipientUnavailable { .. } => ErrorKind::RecipientUnavailable,
            Error::InvalidInput { .. } => ErrorKind::InvalidInput,
            Error::SchemaTooNew { .. } | Error::NotAgorDatabase { .. } => ErrorKind::Schema,
            Error::ReadOnly { .. } => ErrorKind::ReadOnly,
            Error::Busy { .. } => ErrorKind::Busy,
            Error::Item { source, .. } => source.kind(),
            Error::Storage(_)
            | Error::Migration { .. }
            | Error::Io { .. }
            | Error::OtherProcess { .. } => ErrorKind::Storage,
        }
    }

    /// The error of item `index` of a batch (see [`Error::Item`]).
    pub(crate) fn at_item(index: usize, e: Error) -> Self {
        Error::Item {
            index,
            source: Box::new(e),
        }
    }

    pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Error::InvalidInput {
            field,
            reason: reason.into(),
        }
    }

    pub(crate) fn denied(actor: &str, action: impl Into<String>) -> Self {
        Error::PermissionDenied {
            actor: actor.to_owned(),
            action: action.into(),
        }
    }

    pub(crate) fn not_found(kind: ObjectKind, id: impl Into<String>) -> Self {
        Error::NotFound {
            kind,
            id: id.into(),
            database: None,
        }
    }
}
