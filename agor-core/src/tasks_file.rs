//! `tasks.toml`, the board as a file a team keeps in version control (SPEC §4, §9):
//! `[[tasks]]` tables with `id`, `title` and/or `description`, `agent`, `status`, `priority`,
//! `tags`, `parent` and `paths` (the globs its claim reserves). Tinytown's statuses (`pending`, `assigned`, `running`, `completed`,
//! `failed`, `cancelled`) are read and written where the board has a match; the board's own
//! names are read too, and written for the statuses Tinytown lacks (`backlog`, `review`,
//! `blocked`). An import is one transaction: a file with any error changes nothing.
//!
//! An import follows the board's rules like any other route: a task whose dependencies are not
//! done cannot become `in_progress`, `review` or `done`; an archived task is not changed; a
//! parent link may not close a cycle; and a file cannot hand out a lease, so `running` is read
//! as `assigned` (todo, the agent kept) for a task not already in progress. Parsing is linear
//! in the file's size and happens only after the actor is known to be allowed to import, and
//! outside the write transaction.

use std::collections::{BTreeSet, HashSet};

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::actor::Actor;
use crate::audit;
use crate::dependencies::require_dependencies_done;
use crate::error::{Error, Result};
use crate::ids;
use crate::members;
use crate::model::agents::Member;
use crate::model::search::Source;
use crate::model::tasks::{ImportReport, NewTask, Priority, Task, TaskStatus};
use crate::rules::{Action, Target};

use crate::storage::sql::search as search_sql;
use crate::storage::sql::tasks as sql;
use crate::storage::Tx;
use crate::task_steps::task_moved;
use crate::text;

/// The largest `tasks.toml` agor reads (4 MiB).
pub const MAX_TASKS_FILE_BYTES: usize = 4 * 1024 * 1024;
/// The most `[[tasks]]` one import applies: one transaction holds the write lock for all of
/// them, so a larger board is imported in several files.
pub const MAX_TASKS_FILE_ENTRIES: usize = 10_000;

#[derive(Deserialize)]
struct FileIn {
    #[serde(default)]
    tasks: Vec<Spanned<EntryIn>>,
}

/// One `[[tasks]]` table as read; fields agor does not know (Tinytown keeps timestamps) are
/// ignored.
#[derive(Deserialize)]
struct EntryIn {
    id: Option<String>,
    title: Option<String>,
    description: Option<String>,
    agent: Option<String>,
    status: Option<String>,
    priority: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    parent: Option<String>,
    #[serde(default)]
    paths: Vec<String>,
    /// Absent: a new task needs no approval, an existing one keeps what it has.
    approval: Option<bool>,
    requires: Option<String>,
    max_attempts: Option<i64>,
}

#[derive(Serialize)]
struct FileOut {
    tasks: Vec<EntryOut>,
}

#[derive(Serialize)]
struct EntryOut {
    id: String,
    title: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    agent: Option<String>,
    status: &'static str,
    #[serde(skip_serializing_if = "is_medium")]
    priority: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    parent: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    paths: Vec<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    approval: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    requires: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_attempts: Option<i64>,
}

fn is_medium(p: &&str) -> bool {
    *p == Priority::Medium.as_str()
}

/// How a completion record names an import that moved a task to `done`.
const IMPORT_ROUTE: &str = "by a tasks.toml import";

/// A status as the file writes it: Tinytown's word where there is one.
fn status_out(status: TaskStatus, assigned: bool) -> &'static str {
    match status {
        TaskStatus::Todo if assigned => "assigned",
        TaskStatus::Todo => "pending",
        TaskStatus::InProgress => "running",
        TaskStatus::Done => "completed",
        other => other.as_str(),
    }
}

fn status_in(s: &str) -> Result<TaskStatus> {
    match s {
        "pending" | "assigned" => Ok(TaskStatus::Todo),
        "running" => Ok(TaskStatus::InProgress),
        "completed" => Ok(TaskStatus::Done),
        other => other.parse().map_err(|_| {
            Error::invalid(
                "status",
                format!(
                    "unknown status '{other}' (Tinytown's pending, assigned, running, completed, \
                     failed, cancelled, or the board's {})",
                    TaskStatus::ALL.map(TaskStatus::as_str).join(", ")
                ),
            )
        }),
    }
}

/// A task as the file describes it, checked.
#[derive(Debug)]
struct Entry {
    line: usize,
    id: String,
    title: String,
    description: String,
    agent: Option<String>,
    status: TaskStatus,
    priority: Priority,
    tags: Vec<String>,
    parent: Option<String>,
    paths: Vec<String>,
    approval: Option<bool>,
    requires: Option<String>,
    max_attempts: Option<i64>,
}

/// Where each line of a text starts, found in one pass, so finding the line of every entry
/// costs a binary search each (counting newlines from the start per entry was quadratic).
struct Lines(Vec<usize>);

impl Lines {
    fn of(src: &str) -> Lines {
        Lines(
            src.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i)
                .collect(),
        )
    }

    /// The 1-based line of byte `offset`.
    fn line(&self, offset: usize) -> usize {
        self.0.partition_point(|&nl| nl < offset) + 1
    }
}

fn at_line(line: usize, e: Error) -> Error {
    let reason = match e {
        Error::InvalidInput { field, reason } => format!("{field}: {reason}"),
        other => other.to_string(),
    };
    Error::invalid("tasks.toml", format!("line {line}: {reason}"))
}

/// The title a table gives: `title`, else the first line of `description` (Tinytown's only
/// text), cut to the title limit on a character boundary.
fn title_of(e: &EntryIn) -> Result<String> {
    if let Some(t) = &e.title {
        return Ok(t.clone());
    }
    let first = e
        .description
        .as_deref()
        .and_then(|d| d.lines().find(|l| !text::is_blank(l)))
        .ok_or_else(|| Error::invalid("title", "give a title or a description"))?
        .trim();
    let mut end = first.len().min(text::MAX_TITLE_BYTES);
    while !first.is_char_boundary(end) {
        end -= 1;
    }
    Ok(first[..end].to_owned())
}

fn check(e: &EntryIn) -> Result<Entry> {
    let id = e
        .id
        .clone()
        .ok_or_else(|| Error::invalid("id", "every task needs an id (re-imports match on it)"))?;
    ids::validate_token("id", &id)?;
    let title = title_of(e)?;
    ids::validate_label("title", &title, text::MAX_TITLE_BYTES)?;
    let description = e.description.clone().unwrap_or_default();
    text::cap("description", &description, text::MAX_DESCRIPTION_BYTES)?;
    let status = match &e.status {
        None => TaskStatus::Todo,
        Some(s) => status_in(s)?,
    };
    let priority = match &e.priority {
        None => Priority::Medium,
        Some(p) => p.parse()?,
    };
    let mut tags = e.tags.clone();
    crate::task_steps::validate_tags(&tags)?;
    tags.sort();
    tags.dedup();
    if let Some(p) = &e.parent {
        ids::validate_token("parent", p)?;
        if *p == id {
            return Err(Error::invalid(
                "parent",
                format!("task {id} cannot be its own parent"),
            ));
        }
    }
    Ok(Entry {
        line: 0,
        id,
        title,
        description,
        agent: e.agent.clone(),
        status,
        priority,
        tags,
        parent: e.parent.clone(),
        paths: crate::claim_paths::validate(&e.paths)?,
        approval: e.approval,
        requires: crate::model::fit::normalise(e.requires.as_deref())?,
        max_attempts: crate::tasks::validate_max_attempts(e.max_attempts)?,
    })
}

/// Reads and checks a whole file; the first problem is reported with its line.
fn parse(src: &str) -> Result<Vec<Entry>> {
    text::cap("tasks.toml", src, MAX_TASKS_FILE_BYTES)?;
    let lines = Lines::of(src);
    let file: FileIn = toml::from_str(src).map_err(|e| {
        let line = e.span().map_or(1, |s| lines.line(s.start));
        Error::invalid(
            "tasks.toml",
            format!("line {line}: {}", e.message().trim_end()),
        )
    })?;
    if file.tasks.len() > MAX_TASKS_FILE_ENTRIES {
        return Err(Error::invalid(
            "tasks.toml",
            format!(
                "{} tasks is over the limit of {MAX_TASKS_FILE_ENTRIES} per import; split the file",
                file.tasks.len()
            ),
        ));
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(file.tasks.len());
    for t in &file.tasks {
        let line = lines.line(t.span().start);
        let mut entry = check(t.get_ref()).map_err(|e| at_line(line, e))?;
        if !seen.insert(entry.id.clone()) {
            return Err(at_line(
                line,
                Error::invalid("id", format!("task {} appears twice", entry.id)),
            ));
        }
        entry.line = line;
        out.push(entry);
    }
    Ok(out)
}

/// The fields of a stored task the file describes, to compare with an entry.
fn same(
    task: &Task,
    e: &Entry,
    status: TaskStatus,
    agent: Option<&str>,
    parent: Option<&str>,
) -> bool {
    task.title == e.title
        && task.description == e.description
        && task.status == status
        && task.priority == e.priority
        && task.assigned_to.as_deref() == agent
        && task.tags == e.tags
        && task.parent_task_id.as_deref() == parent
        && task.paths == e.paths
        && e.approval.is_none_or(|a| a == task.approval)
        && task.requires == e.requires
        && task.max_attempts == e.max_attempts
}

/// What applying an entry leaves for the checks that need the whole file applied first.
#[derive(Default)]
struct Applied {
    /// The parent of a created task, linked once every task of the file exists (so a file
    /// may name a parent further down).
    link_parent: Option<String>,
    /// The task's parent link was set or changed: the parent chain is checked for a cycle.
    parent_changed: bool,
    /// The status the task moved into, when that move needs its dependencies done.
    moved_to: Option<TaskStatus>,
}

/// The status an entry gives a task: the file's, except that a file cannot hand out a lease,
/// so `running` keeps a task already in progress (and its lease) and otherwise reads as
/// `assigned` (todo, the agent kept) for the agent to claim.
fn status_for(e: &Entry, existing: Option<&Task>) -> TaskStatus {
    match (e.status, existing) {
        (TaskStatus::InProgress, Some(t)) if t.status == TaskStatus::InProgress => {
            TaskStatus::InProgress
        }
        (TaskStatus::InProgress, _) => TaskStatus::Todo,
        (status, _) => status,
    }
}

/// Applies one entry.
fn import_one(
    c: &dyn Tx,
    me: &Member,
    e: &Entry,
    in_file: &HashSet<&str>,
    report: &mut ImportReport,
) -> Result<Applied> {
    let scope = me.group_scope();
    let agent = e
        .agent
        .as_deref()
        .map(|a| members::resolve_principal(c, a, &scope).map(|m| m.id.clone()))
        .transpose()?;
    // A parent is a task of the file or of the group, named by its exact id.
    let parent = match e.parent.as_deref() {
        None => None,
        Some(p) if in_file.contains(p) => Some(p.to_owned()),
        Some(p) => Some(crate::task_steps::resolve(c, me, p)?.id),
    };
    let now = c.now().sql();
    let existing = sql::by_id(c, &e.id)?;
    let status = status_for(e, existing.as_ref());
    match existing {
        Some(task) if task.group_id.as_deref() != Some(me.group_id.as_str()) => {
            Err(Error::invalid(
                "id",
                // Task ids are unique across groups; the answer names nothing of the other
                // group (issue 19 item 14), only that the id cannot be this group's.
                format!("task id {} is already taken: choose another id", e.id),
            ))
        }
        Some(task) if same(&task, e, status, agent.as_deref(), parent.as_deref()) => {
            report.unchanged.push(e.id.clone());
            Ok(Applied::default())
        }
        Some(task) => {
            crate::board::refuse_if_archived(c, &task)?;
            if task.status == TaskStatus::InProgress && status != TaskStatus::InProgress {
                let outcome = crate::model::attempts::AttemptOutcome::TakenOver;
                crate::attempts::end_claim(c, &task, outcome, None, c.now().secs() * 1000)?;
                // The holder learns its claim was taken over (the import's own change is
                // addressed to the file's assignee).
                let holder = task.assigned_to.as_deref();
                crate::task_steps::task_changed(c, "claim_taken_over", &me.id, &task, holder)?;
            }
            sql::import_update(
                c,
                &sql::Imported {
                    id: &e.id,
                    title: &e.title,
                    description: &e.description,
                    status: status.stored(),
                    priority: e.priority.as_str(),
                    assignee: agent.as_deref(),
                    at: &now,
                    requires: e.requires.as_deref(),
                    max_attempts: e.max_attempts,
                },
            )?;
            if task.tags != e.tags {
                sql::clear_tags(c, &e.id)?;
                crate::task_steps::set_tags(c, &e.id, &e.tags)?;
            }
            if task.paths != e.paths {
                crate::storage::sql::reservations::set_task_paths(c, &e.id, &e.paths)?;
            }
            crate::approvals::require(c, &e.id, e.approval)?;
            let parent_changed = task.parent_task_id.as_deref() != parent.as_deref();
            if parent_changed {
                sql::set_parent(c, &e.id, parent.as_deref())?;
            }
            audit::record(c, &me.id, "task_imported", &format!("{} updated", e.id))?;
            if status == TaskStatus::Done && task.status != TaskStatus::Done {
                crate::tasks::finished_without_complete(c, me, &task, IMPORT_ROUTE)?;
            }
            let moved = (task.status != status).then_some((Some(task.status), status));
            task_moved(c, "task_updated", &me.id, &task, agent.as_deref(), moved)?;
            report.updated.push(e.id.clone());
            Ok(Applied {
                link_parent: None,
                parent_changed,
                moved_to: (task.status != status && status.needs_dependencies_done())
                    .then_some(status),
            })
        }
        None => {
            let new = NewTask {
                title: e.title.clone(),
                description: e.description.clone(),
                priority: e.priority,
                assign_to: None,
                parent: None,
                tags: Vec::new(),
                definition_of_done: None,
                status,
                paths: Vec::new(),
                approval: e.approval.unwrap_or(false),
                requires: e.requires.clone(),
                max_attempts: e.max_attempts,
            };
            let sort_order = sql::next_sort_order(c, &me.group_id)?;
            sql::insert(
                c,
                &sql::Created {
                    id: &e.id,
                    new: &new,
                    assignee: agent.as_deref(),
                    creator: &me.id,
                    group: &me.group_id,
                    parent: None,
                    sort_order,
                    at: &now,
                },
            )?;
            crate::task_steps::set_tags(c, &e.id, &e.tags)?;
            crate::storage::sql::reservations::set_task_paths(c, &e.id, &e.paths)?;
            crate::approvals::require(c, &e.id, e.approval.filter(|a| *a))?;
            search_sql::note_new(c, Source::Task, &e.id)?;
            audit::record(c, &me.id, "task_imported", &format!("{} created", e.id))?;
            let task = crate::task_steps::load(c, &e.id)?;
            if status == TaskStatus::Done {
                crate::tasks::finished_without_complete(c, me, &task, IMPORT_ROUTE)?;
            }
            let moved = Some((None, task.status));
            task_moved(c, "task_created", &me.id, &task, agent.as_deref(), moved)?;
            report.created.push(e.id.clone());
            // A new task has no dependencies yet: nothing to wait for.
            Ok(Applied {
                parent_changed: parent.is_some(),
                link_parent: parent,
                moved_to: None,
            })
        }
    }
}

/// Refuses a parent chain from `task_id` that comes back to a task of itself. Tasks whose
/// chain is known to end (`reaches_root`) are not walked again, so checking every entry of a
/// file costs one walk over each task at most.
fn refuse_parent_cycle(
    c: &dyn Tx,
    task_id: &str,
    reaches_root: &mut HashSet<String>,
) -> Result<()> {
    let mut chain: Vec<String> = Vec::new();
    let mut on_chain = HashSet::new();
    let mut at = Some(task_id.to_owned());
    while let Some(id) = at {
        if reaches_root.contains(&id) {
            break;
        }
        if !on_chain.insert(id.clone()) {
            return Err(Error::invalid(
                "parent",
                format!(
                    "task {task_id}'s parents lead back to {id}: parent links may not form a cycle"
                ),
            ));
        }
        at = sql::parent_of(c, &id)?;
        chain.push(id);
    }
    reaches_root.extend(chain);
    Ok(())
}

impl Actor {
    /// Imports a `tasks.toml` into the actor's group: tasks of unknown ids are created (with
    /// that id), known ones updated where the file differs, and the report says which. Status
    /// is set as the file says (a file is the board's state), within the board's rules: no
    /// task enters `in_progress`, `review` or `done` before its dependencies are done, an
    /// archived task is not changed, parent links form no cycle, and `running` is read as
    /// `assigned` unless the task is already in progress (only a claim gives a lease). A
    /// malformed file, an unknown status, agent or parent, or a broken rule refuses the whole
    /// import, naming the line. Whoever may create tasks may import (managers, tier 0); that
    /// is checked before the file is read.
    pub fn import_tasks(&self, toml_text: &str) -> Result<ImportReport> {
        // Who may import is settled before the file is read: a refused actor costs no parse.
        self.read_tx(|_, me| me.check(Action::CreateTask, Target::None))?;
        let entries = parse(toml_text)?;
        self.task_write(|c, me, _now| {
            me.check(Action::CreateTask, Target::None)?;
            let in_file: HashSet<&str> = entries.iter().map(|e| e.id.as_str()).collect();
            let mut report = ImportReport::default();
            let mut applied = Vec::with_capacity(entries.len());
            for e in &entries {
                let a = import_one(c, me, e, &in_file, &mut report)
                    .map_err(|err| at_line(e.line, err))?;
                applied.push((e, a));
            }
            for (e, a) in &applied {
                if let Some(parent) = &a.link_parent {
                    sql::set_parent(c, &e.id, Some(parent))?;
                }
            }
            // With the whole file applied, so that a dependency the file finishes counts.
            let mut reaches_root = HashSet::new();
            for (e, a) in &applied {
                let checked = (|| {
                    if a.parent_changed {
                        refuse_parent_cycle(c, &e.id, &mut reaches_root)?;
                    }
                    if let Some(to) = a.moved_to {
                        require_dependencies_done(c, &crate::task_steps::load(c, &e.id)?, to)?;
                    }
                    Ok(())
                })();
                checked.map_err(|err| at_line(e.line, err))?;
            }
            Ok(report)
        })
    }

    /// The actor's group's board (archived tasks left out) as a `tasks.toml`, in board
    /// position order; importing it into an empty group and exporting again gives the same
    /// text.
    pub fn export_tasks(&self) -> Result<String> {
        self.store.reopen_lapsed()?;
        self.read_tx(|c, me| {
            me.check(Action::ListTasks, Target::None)?;
            let tasks = sql::for_export(c, &me.group_id)?;
            let file = FileOut {
                tasks: tasks
                    .into_iter()
                    .map(|t| EntryOut {
                        status: status_out(t.status, t.assigned_to.is_some()),
                        priority: t.priority.as_str(),
                        id: t.id,
                        title: t.title,
                        description: t.description,
                        agent: t.assigned_to,
                        tags: t.tags,
                        parent: t.parent_task_id,
                        paths: t.paths,
                        approval: t.approval,
                        requires: t.requires,
                        max_attempts: t.max_attempts,
                    })
                    .collect(),
            };
            toml::to_string(&file).map_err(|e| Error::invalid("tasks.toml", e.to_string()))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_both_ways() {
        for st in TaskStatus::ALL {
            for assigned in [false, true] {
                assert_eq!(status_in(status_out(st, assigned)).unwrap(), st, "{st}");
            }
        }
        assert_eq!(status_in("pending").unwrap(), TaskStatus::Todo);
        assert_eq!(status_in("running").unwrap(), TaskStatus::InProgress);
        assert_eq!(status_in("completed").unwrap(), TaskStatus::Done);
        assert!(status_in("finished").is_err());
    }

    #[test]
    fn errors_name_the_line() {
        let err = parse("[[tasks]]\nid = \"a\"\ntitle = \"x\"\nstatus = \"nope\"\n").unwrap_err();
        assert!(err.to_string().contains("line 1"), "{err}");
        let err = parse("[[tasks]]\nid = \"a\"\ntitle = \n").unwrap_err();
        assert!(err.to_string().contains("line 3"), "{err}");
        let err =
            parse("[[tasks]]\nid = \"a\"\ntitle = \"x\"\n\n[[tasks]]\nid = \"a\"\ntitle = \"y\"\n")
                .unwrap_err();
        assert!(
            err.to_string().contains("line 5") && err.to_string().contains("twice"),
            "{err}"
        );
    }

    #[test]
    fn a_tinytown_description_gives_the_title() {
        let e =
            parse("[[tasks]]\nid = \"t1\"\ndescription = \"Fix the parser\\nIt drops tokens\"\n")
                .unwrap();
        assert_eq!(e[0].title, "Fix the parser");
        assert_eq!(e[0].description, "Fix the parser\nIt drops tokens");
    }
}
