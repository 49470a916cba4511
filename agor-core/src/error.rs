//! The one error type of agor-core.
//! Every variant carries the data a caller needs to react; front ends map `ErrorKind` to their codes.

use std::path::PathBuf;

/// Result alias used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What kind of object an id referred to (used in not-found and ambiguity errors).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObjectKind {
    Agent,
    Message,
    Channel,
    Task,
    DeadLetter,
}

impl ObjectKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::Agent => "agent",
            ObjectKind::Message => "message",
            ObjectKind::Channel => "channel",
            ObjectKind::Task => "task",
            ObjectKind::DeadLetter => "dead letter",
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
    #[error("{kind} not found: {id}")]
    NotFound { kind: ObjectKind, id: String },

    #[error("ambiguous {kind} prefix '{prefix}': matches {}", candidates.join(", "))]
    Ambiguous {
        kind: ObjectKind,
        prefix: String,
        candidates: Vec<String>,
    },

    #[error("permission denied: {actor} may not {action}")]
    PermissionDenied { actor: String, action: String },

    #[error("version conflict on {kind} {id}: expected version {expected}, current version is {current_version}")]
    Conflict {
        kind: ObjectKind,
        id: String,
        expected: i64,
        current_version: i64,
    },

    #[error("task {task_id} is already claimed{}", by.as_ref().map(|b| format!(" by {b}")).unwrap_or_default())]
    AlreadyClaimed { task_id: String, by: Option<String> },

    #[error("lease error on task {task_id}: {reason}")]
    Lease { task_id: String, reason: String },

    #[error("recipient {recipient} is unavailable (no heartbeat for {silent_secs}s); message kept as dead letter #{dead_letter_id}")]
    RecipientUnavailable {
        recipient: String,
        dead_letter_id: i64,
        silent_secs: i64,
    },

    #[error("invalid {field}: {reason}")]
    InvalidInput { field: &'static str, reason: String },

    #[error("database {} was written by a newer agor (schema version {found}, this build supports up to {supported}); upgrade agor", path.display())]
    SchemaTooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },

    #[error("{} is not an agor database: {reason}; the file was left untouched", path.display())]
    NotAgorDatabase { path: PathBuf, reason: String },

    #[error("database {} is read-only: {reason}", path.display())]
    ReadOnly { path: PathBuf, reason: String },

    #[error(
        "database is busy: could not get the write lock within {waited_ms} ms; nothing was written"
    )]
    Busy { waited_ms: u64 },

    #[error("storage error: {0}")]
    Storage(#[from] rusqlite::Error),

    #[error("schema migration {version} ({name}) failed, nothing was changed: {source}")]
    Migration {
        version: i64,
        name: &'static str,
        #[source]
        source: rusqlite::Error,
    },

    /// The store was opened by another process: this one is a child forked from it. SQLite
    /// connections must not cross fork(), so the child opens the file again.
    #[error("store {} was opened in another process (pid {opened_by}); open it again after fork", path.display())]
    OtherProcess { path: PathBuf, opened_by: u32 },

    #[error("i/o error on {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// A stable classification of [`Error`], the key front ends map to exception classes,
/// C status codes and CLI exit codes (so the mapping lives in one place per front end).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    NotFound,
    Ambiguous,
    PermissionDenied,
    Conflict,
    AlreadyClaimed,
    Lease,
    RecipientUnavailable,
    InvalidInput,
    Schema,
    ReadOnly,
    Busy,
    Storage,
}

impl ErrorKind {
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
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::NotFound { .. } => ErrorKind::NotFound,
            Error::Ambiguous { .. } => ErrorKind::Ambiguous,
            Error::PermissionDenied { .. } => ErrorKind::PermissionDenied,
            Error::Conflict { .. } => ErrorKind::Conflict,
            Error::AlreadyClaimed { .. } => ErrorKind::AlreadyClaimed,
            Error::Lease { .. } => ErrorKind::Lease,
            Error::RecipientUnavailable { .. } => ErrorKind::RecipientUnavailable,
            Error::InvalidInput { .. } => ErrorKind::InvalidInput,
            Error::SchemaTooNew { .. } | Error::NotAgorDatabase { .. } => ErrorKind::Schema,
            Error::ReadOnly { .. } => ErrorKind::ReadOnly,
            Error::Busy { .. } => ErrorKind::Busy,
            Error::Storage(_)
            | Error::Migration { .. }
            | Error::Io { .. }
            | Error::OtherProcess { .. } => ErrorKind::Storage,
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
        }
    }
}
