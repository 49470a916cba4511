//! The task board's records: statuses and their transitions, priorities, tasks, comments, and
//! what creating, filtering, updating and completing one takes.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::ids::validate_label;
use crate::text;

/// Where a task stands. `progress`, written by the legacy script, reads as `InProgress`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    /// Parked: not claimable until moved to `todo`.
    Backlog,
    /// Ready to be claimed (once its dependencies are done).
    Todo,
    /// Being worked on (stored as the legacy `progress`).
    InProgress,
    /// Waiting for a reviewer.
    Review,
    /// Finished.
    Done,
    /// Stuck on something outside the board.
    Blocked,
    /// Given up on after an attempt.
    Failed,
    /// Dropped.
    Cancelled,
}

impl TaskStatus {
    /// Every status, in board order.
    pub const ALL: [TaskStatus; 8] = [
        TaskStatus::Backlog,
        TaskStatus::Todo,
        TaskStatus::InProgress,
        TaskStatus::Review,
        TaskStatus::Done,
        TaskStatus::Blocked,
        TaskStatus::Failed,
        TaskStatus::Cancelled,
    ];

    /// The API spelling (`in_progress`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Backlog => "backlog",
            TaskStatus::Todo => "todo",
            TaskStatus::InProgress => "in_progress",
            TaskStatus::Review => "review",
            TaskStatus::Done => "done",
            TaskStatus::Blocked => "blocked",
            TaskStatus::Failed => "failed",
            TaskStatus::Cancelled => "cancelled",
        }
    }

    /// The spelling stored in the shared `status` column: the legacy tools' where they have
    /// one (`progress` — the desktop kanban and the legacy `bttask` know no `in_progress`),
    /// agor's own otherwise (`backlog`, `failed`, `cancelled`, which they lack).
    pub fn stored(self) -> &'static str {
        match self {
            TaskStatus::InProgress => "progress",
            other => other.as_str(),
        }
    }

    /// Statuses a task must not enter while one of its dependencies is unfinished.
    pub fn needs_dependencies_done(self) -> bool {
        matches!(
            self,
            TaskStatus::InProgress | TaskStatus::Review | TaskStatus::Done
        )
    }

    /// Whether the board allows moving from `self` to `to`.
    pub fn can_become(self, to: TaskStatus) -> bool {
        use TaskStatus::*;
        matches!(
            (self, to),
            (Backlog, Todo | Cancelled)
                | (Todo, InProgress | Backlog | Blocked | Cancelled)
                | (
                    InProgress,
                    Review | Done | Todo | Blocked | Failed | Cancelled
                )
                | (Review, Done | InProgress | Todo | Failed)
                | (Blocked, Todo | InProgress | Cancelled)
                | (Failed, Todo | Cancelled)
                | (Done, Todo)
                | (Cancelled, Backlog | Todo)
        )
    }

    /// Finished states: the default task list hides them.
    pub fn is_closed(self) -> bool {
        matches!(self, TaskStatus::Done | TaskStatus::Cancelled)
    }
}

impl std::fmt::Display for TaskStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for TaskStatus {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let normalised = s.trim().to_ascii_lowercase().replace('-', "_");
        if normalised == "progress" {
            return Ok(TaskStatus::InProgress);
        }
        TaskStatus::ALL
            .into_iter()
            .find(|st| st.as_str() == normalised)
            .ok_or_else(|| {
                Error::invalid(
                    "status",
                    format!(
                        "unknown task status '{s}' (expected one of {})",
                        TaskStatus::ALL.map(TaskStatus::as_str).join(", ")
                    ),
                )
            })
    }
}

/// Task priority; `critical` is kept from the legacy script.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    /// Last in claim order.
    Low,
    /// The default.
    Medium,
    /// Before medium.
    High,
    /// First in claim order (kept from the legacy script).
    Critical,
}

impl Priority {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Medium => "medium",
            Priority::High => "high",
            Priority::Critical => "critical",
        }
    }
}

impl std::str::FromStr for Priority {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "low" => Ok(Priority::Low),
            "medium" => Ok(Priority::Medium),
            "high" => Ok(Priority::High),
            "critical" => Ok(Priority::Critical),
            _ => Err(Error::invalid(
                "priority",
                format!("unknown priority '{s}' (expected low, medium, high or critical)"),
            )),
        }
    }
}

/// What a worker leaves behind when it completes a task.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Completion {
    /// One line.
    pub summary: String,
    /// References such as `file:src/lib.rs` or `msg:<id>`.
    pub artifacts: Vec<String>,
    /// Where the result lives (a commit, a PR, a file).
    pub result_ref: Option<String>,
    /// What should happen next, if anything.
    pub next: Option<String>,
}

impl Completion {
    /// One non-blank line of summary, at most [`MAX_ARTIFACTS`](text::MAX_ARTIFACTS) one-line
    /// artifacts, every field within its cap (see the `MAX_*` constants).
    pub(crate) fn validate(&self) -> Result<()> {
        validate_label("summary", &self.summary, text::MAX_SUMMARY_BYTES)?;
        if self.summary.contains('\n') {
            return Err(Error::invalid("summary", "must be one line"));
        }
        text::cap_count("artifacts", &self.artifacts, text::MAX_ARTIFACTS)?;
        for artifact in &self.artifacts {
            text::label("artifact", artifact, text::MAX_ARTIFACT_BYTES)?;
            if artifact.contains('\n') {
                return Err(Error::invalid(
                    "artifact",
                    format!("{artifact:?} must be one line"),
                ));
            }
        }
        text::cap_optional(
            "result_ref",
            self.result_ref.as_deref(),
            text::MAX_RESULT_REF_BYTES,
        )?;
        text::cap_optional("next", self.next.as_deref(), text::MAX_NEXT_BYTES)
    }
}

/// The summary of a batch completion that gives none.
pub const DEFAULT_BATCH_SUMMARY: &str = "completed";

/// One claim to complete in a `complete_tasks` batch: the task, the token its claim returned
/// and, optionally, a one-line summary (absent: "completed").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimDone {
    /// The claimed task (id or prefix).
    pub task_id: String,
    /// The token of its live claim.
    pub token: String,
    /// One line; absent: "completed".
    #[serde(default)]
    pub summary: Option<String>,
}

impl ClaimDone {
    /// The completion the item asks for: its summary, or the default one.
    pub(crate) fn completion(&self) -> Completion {
        Completion {
            summary: self
                .summary
                .clone()
                .unwrap_or_else(|| DEFAULT_BATCH_SUMMARY.to_owned()),
            ..Completion::default()
        }
    }
}

/// A task on the board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Task {
    /// A uuid; commands accept a unique prefix.
    pub id: String,
    /// One line.
    pub title: String,
    /// Free text ("" when none).
    pub description: String,
    /// Where it stands.
    pub status: TaskStatus,
    /// Claim order: critical first.
    pub priority: Priority,
    /// The agent working on it (or meant to).
    pub assigned_to: Option<String>,
    /// Who created it.
    pub created_by: Option<String>,
    /// Its group; only that group's agents (and tier 0) see it.
    pub group_id: Option<String>,
    /// The task it is a subtask of.
    pub parent_task_id: Option<String>,
    /// Position among tasks of the same priority.
    pub sort_order: i64,
    /// Tags, sorted.
    pub tags: Vec<String>,
    /// What "done" means for it.
    pub definition_of_done: Option<String>,
    /// Bumped by every change; status changes name the version they expect.
    pub version: i64,
    /// `YYYY-MM-DD HH:MM:SS` UTC.
    pub created_at: String,
    /// `YYYY-MM-DD HH:MM:SS` UTC.
    pub updated_at: String,
    /// Unix seconds at which the current claim lapses, while the task is claimed (rounded up).
    pub lease_expires_at: Option<i64>,
    /// The same deadline in Unix milliseconds: leases are honoured to the millisecond.
    pub lease_expires_ms: Option<i64>,
    /// What the worker left when it completed the task.
    pub completion: Option<Completion>,
    /// The tasks it waits for that are not done yet (full ids, sorted): it cannot be claimed,
    /// started or completed before they are. Empty when nothing holds it back.
    #[serde(default)]
    pub waits_for: Vec<String>,
    /// The files it touches, as path globs: claiming it reserves them exclusively for the
    /// claim's lifetime, and claim-next skips it while another agent holds any of them.
    #[serde(default)]
    pub paths: Vec<String>,
    // Complete moves such a task to review, where only a person (a human agent or the
    // operator) finishes it. Its doc is short: every tool returning tasks repeats it.
    /// Needs a person's approval.
    #[serde(default)]
    pub approval: bool,
    /// What the claimer's role must have: `capability:<word>` or `role:<name>`.
    #[serde(default)]
    pub requires: Option<String>,
    /// Failed attempts before `failed` (absent: the store's setting).
    #[serde(default)]
    pub max_attempts: Option<i64>,
    /// Failed attempts since created or retried.
    #[serde(default)]
    pub failed_attempts: i64,
    /// Unix ms before which it is not claimable (deferred, backing off).
    #[serde(default)]
    pub not_before_ms: Option<i64>,
}

/// One move of a task between statuses, as the change feed recorded it (`task_history`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct StatusMove {
    /// The change's cursor in the feed.
    pub cursor: i64,
    /// The status it left; absent for the task's creation.
    pub from: Option<TaskStatus>,
    /// The status it entered.
    pub to: TaskStatus,
    /// Who moved it (`agor` when a lease lapsed).
    pub actor: Option<String>,
    /// `YYYY-MM-DD HH:MM:SS` UTC.
    pub at: String,
}

/// A comment on a task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Comment {
    /// A uuid.
    pub id: String,
    /// The task commented on.
    pub task_id: String,
    /// Who wrote it (`agor` for the board's own notes).
    pub agent_id: String,
    /// The text.
    pub content: String,
    /// `YYYY-MM-DD HH:MM:SS` UTC.
    pub created_at: String,
}

/// A task with its comments (oldest first) and direct subtasks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TaskDetail {
    /// The task itself (its fields appear at the top level in JSON).
    #[serde(flatten)]
    pub task: Task,
    /// Its comments, oldest first.
    pub comments: Vec<Comment>,
    /// Its direct subtasks.
    pub subtasks: Vec<Task>,
}

/// What `create_task` takes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct NewTask {
    /// One line, not blank.
    pub title: String,
    /// Free text, may be empty.
    pub description: String,
    /// Claim order.
    pub priority: Priority,
    /// An agent of the group (id or prefix) to assign it to.
    pub assign_to: Option<String>,
    /// The task (id or prefix) it is a subtask of.
    pub parent: Option<String>,
    /// Tags: letters, digits, `_` and `-`.
    pub tags: Vec<String>,
    /// What "done" means for it.
    pub definition_of_done: Option<String>,
    /// `Todo` (claimable at once) or `Backlog`.
    pub status: TaskStatus,
    /// Path globs its claim reserves (see [`Task::paths`]).
    #[serde(default)]
    pub paths: Vec<String>,
    /// A person approves it before it is done (see [`Task::approval`]).
    #[serde(default)]
    pub approval: bool,
    /// What the claimer's role must have: `capability:<word>` or `role:<name>`.
    #[serde(default)]
    pub requires: Option<String>,
    /// Failed attempts before it goes to `failed` (absent: the store's setting).
    #[serde(default)]
    pub max_attempts: Option<i64>,
}

impl NewTask {
    /// A medium-priority `todo` task with only a title.
    pub fn new(title: &str) -> Self {
        NewTask {
            title: title.into(),
            description: String::new(),
            priority: Priority::Medium,
            assign_to: None,
            parent: None,
            tags: Vec::new(),
            definition_of_done: None,
            status: TaskStatus::Todo,
            paths: Vec::new(),
            approval: false,
            requires: None,
            max_attempts: None,
        }
    }
}

/// Which tasks `list_tasks` returns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskFilter {
    /// Include done and cancelled tasks.
    pub all: bool,
    /// Only tasks in this status.
    pub status: Option<TaskStatus>,
    /// Only tasks with this tag.
    pub tag: Option<String>,
}

/// What [`Actor::update_task`](crate::Actor::update_task) changes: each field only when given (an empty definition of
/// done clears it; `tags` replaces them all).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskUpdate {
    /// A new title.
    #[serde(default)]
    pub title: Option<String>,
    /// A new description.
    #[serde(default)]
    pub description: Option<String>,
    /// A new priority.
    #[serde(default)]
    pub priority: Option<Priority>,
    /// A new definition of done ("" clears it).
    #[serde(default)]
    pub definition_of_done: Option<String>,
    /// The new set of tags.
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    /// The new set of path globs (empty: none); not while the task is claimed.
    #[serde(default)]
    pub paths: Option<Vec<String>>,
    /// Whether a person approves it before it is done.
    #[serde(default)]
    pub approval: Option<bool>,
    /// A new requirement (`capability:<word>` or `role:<name>`; "" clears it).
    #[serde(default)]
    pub requires: Option<String>,
    /// A new attempt limit (0 clears it: the store's setting applies).
    #[serde(default)]
    pub max_attempts: Option<i64>,
}

/// What an import did, task ids in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ImportReport {
    /// Tasks the file added to the board.
    pub created: Vec<String>,
    /// Tasks whose fields the file changed.
    pub updated: Vec<String>,
    /// Tasks already as the file says.
    pub unchanged: Vec<String>,
}

deserialize_from_str!(Priority, TaskStatus);
