//! agor-core: the coordination layer for teams of AI coding agents, on one database shared
//! by many processes: a SQLite file, or a PostgreSQL database (`Store::open` takes a path or a
//! `postgresql://` URL). Agents, contacts ACL, direct messages, channels, heartbeats,
//! a dead-letter queue, an audit log, and a task board with optimistic locking and leased claims.
//!
//! The operator (Store-level calls) sets the team up; everything else is done as an agent
//! (`store.as_agent(id)`), checked by one permission table ([`rules::decide`]) and audited.
//! Every operation is also in the catalogue ([`ops`]), which the C, CLI and Python surfaces
//! share.
//!
//! ```
//! use agor_core::{Completion, NewAgent, NewTask, Priority, Store, TaskStatus};
//! # let dir = tempfile::tempdir()?;
//! # let path = dir.path().join("team.db");
//! let store = Store::open(&path)?;
//! store.register_agent(&NewAgent::new("mgr-1", "Manager", "manager", "core"))?;
//! store.register_agent(&NewAgent::new("dev-1", "Developer", "project", "core"))?;
//! store.allow("mgr-1", "dev-1", true)?;
//!
//! // Messages.
//! let mgr = store.as_agent("mgr-1")?;
//! mgr.send("dev-1", "please take the parser task")?;
//! let dev = store.as_agent("dev-1")?;
//! for m in dev.read_unread()? {
//!     println!("{}: {}", m.from_agent, m.content);
//! }
//!
//! // The task board: a manager creates, a worker claims under a lease and completes.
//! let task = mgr.create_task(&NewTask { priority: Priority::High, ..NewTask::new("parser") })?;
//! let claim = dev.claim_task(None, 900)?.expect("a todo task is waiting");
//! assert_eq!(claim.task.id, task.id);
//! let done = Completion { summary: "parser merged".into(), ..Default::default() };
//! dev.complete_task(&task.id, &claim.token, &done, false)?;
//! let board = mgr.board()?;
//! let finished = board.iter().find(|(status, _)| *status == TaskStatus::Done).unwrap();
//! assert_eq!(finished.1.len(), 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

/// Deserializes each of these word types (statuses, priorities, kinds …) through its
/// `FromStr`, so that a request names them with the words every other surface takes (a legacy
/// `progress`, any case where the word's own rule allows it) and a wrong word is refused in
/// the same words as everywhere else ("unknown capability 'fly' (expected one of …)"), not in
/// serde's.
macro_rules! deserialize_from_str {
    ($($t:ty),* $(,)?) => {$(
        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
                let word = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                // The reason alone ("unknown status 'x' (expected …)"): a request's error names
                // the field the word was given for (`ops::request_from_value`).
                word.parse().map_err(|e| match e {
                    $crate::Error::InvalidInput { reason, .. } => serde::de::Error::custom(reason),
                    other => serde::de::Error::custom(other),
                })
            }
        }
    )*};
}

mod actor;
mod agents;
mod approvals;
mod attempts;
mod audit;
mod backup;
mod batches;
mod board;
mod cancel;
mod changes;
mod channels;
mod claim_paths;
mod claim_wait;
mod clock;
mod delivery;
mod dependencies;
mod error;
mod fit;
mod glob;
mod ids;
mod leases;
mod liveness;
mod members;
mod messages;
mod model;
mod numbers;
pub mod ops;
mod prefixes;
mod proposals;
mod removal;
mod reservations;
mod roles;
pub mod rules;
mod search;
mod settings;
mod sight;
mod storage;
mod store;
mod task_steps;
mod tasks;
mod tasks_file;
#[cfg(test)]
mod test_env;
mod text;
mod tokens;
mod usage;
mod work;
pub use actor::Actor;
pub use agents::{TIER_ADMIN, TIER_MANAGEMENT, TIER_PROJECT};
pub use board::MAX_REORDER;
pub use cancel::{CancelToken, OnCancel};
pub use changes::{wait_timeout, ChangeBell, Waiter};
pub use claim_wait::ClaimWaiter;
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{Error, ErrorKind, ObjectKind, Result};
pub use ids::{validate_agent_id, validate_content};
pub use liveness::Presence;
pub use model::agents::{default_tier, Agent, AgentStatus, Contact, NewAgent};
pub use model::approvals::{Waiting, WaitingKind};
pub use model::attempts::{Attempt, AttemptOutcome};
pub use model::audit::AuditEntry;
pub use model::changes::{Change, ChangeContent, ChangeKind};
pub use model::channels::{Channel, ChannelMessage, REVIEW_LOG, REVIEW_QUEUE};
pub use model::fit::Requirement;
pub use model::leases::Claim;
pub use model::liveness::{
    DeadLetter, Heartbeat, StaleAgent, MAX_SIGN_OF_LIFE_INTERVAL, MIN_SIGN_OF_LIFE_INTERVAL,
};
pub use model::messages::{Asks, Delivery, Importance, Message};
pub use model::proposals::{Proposal, ProposalStatus};
pub use model::reservations::{
    BlockedTask, Reservation, DEFAULT_RESERVATION_SECS, MAX_LIVE_RESERVATIONS,
    MAX_RESERVATION_PATHS, MAX_RESERVATION_PATH_BYTES,
};
pub use model::search::{SearchHit, SearchKind, DEFAULT_SEARCH_LIMIT};
pub use model::settings::Setting;
pub use model::tasks::{
    ClaimDone, Comment, Completion, ImportReport, NewTask, Priority, StatusMove, Task, TaskDetail,
    TaskFilter, TaskStatus, TaskUpdate, DEFAULT_BATCH_SUMMARY,
};
pub use model::tokens::{TokenHolder, TokenInfo, TOKEN_PREFIX};
pub use model::usage::{UsageBucket, UsageBy, UsagePoint, UsageRecord, UsageSummary};
pub use model::work::{AgentWork, WorkState};
pub use numbers::{
    seconds, Count, DEFAULT_AUDIT_LIMIT, DEFAULT_CHANNEL_HISTORY_LIMIT, DEFAULT_FEED_LIMIT,
    DEFAULT_HISTORY_LIMIT, DEFAULT_LEASE_SECS, MAX_BATCH, MAX_DEADLINE_SECS, MAX_LEASE_SECS,
    MAX_LIMIT,
};
pub use rules::{Capability, Permission, PrincipalId, RoleDef};
pub use search::{MAX_QUERY_BYTES, MAX_QUERY_DEPTH, MAX_QUERY_TERMS};
pub use storage::options::Durability;
#[cfg(feature = "postgres")]
pub use storage::postgres::LATEST_VERSION as LATEST_PG_VERSION;
pub use storage::sqlite::schema::{APPLICATION_ID, LATEST_VERSION};
pub use store::{default_path, Store, StoreBuilder, DB_ENV};
pub use tasks_file::{MAX_TASKS_FILE_BYTES, MAX_TASKS_FILE_ENTRIES};
pub use text::{
    is_blank, MAX_ARTIFACTS, MAX_ARTIFACT_BYTES, MAX_CONTENT_BYTES, MAX_CWD_BYTES,
    MAX_DEFINITION_OF_DONE_BYTES, MAX_DESCRIPTION_BYTES, MAX_ID_LEN, MAX_MODEL_BYTES,
    MAX_NAME_BYTES, MAX_NEXT_BYTES, MAX_RESULT_REF_BYTES, MAX_SESSION_ID_BYTES, MAX_SUMMARY_BYTES,
    MAX_TAGS, MAX_TITLE_BYTES,
};
