//! Statements of `crate::tasks`: the task board.

use crate::error::Result;
use crate::model::tasks::{Comment, Completion, NewTask, Priority, Task, TaskFilter, TaskStatus};
use crate::storage::lenient;
use crate::storage::sql::dependencies::UNBLOCKED_SQL;
use crate::storage::{args, Param, Row, Tx};

/// "Not archived", over the alias `t`; the board and the task lists add it whenever they may
/// show finished tasks (only those can be archived). Here rather than with the archive's own
/// statements (`board`), which read tasks through [`query`]: the filter belongs to the lists.
const NOT_ARCHIVED_SQL: &str =
    "NOT EXISTS (SELECT 1 FROM agor_task_archive a WHERE a.task_id = t.id)";

pub(crate) const TASK_COLUMNS: &str = "t.id, t.title, t.description, t.status, t.priority, t.assigned_to, t.created_by,
    t.group_id, t.parent_task_id, t.sort_order, t.definition_of_done, t.version, t.created_at, t.updated_at,
    t.lease_expires_at, t.summary, t.artifacts, t.result_ref, t.next_step,
    (SELECT string_agg(g.tag, '\u{1f}') FROM task_tags g WHERE g.task_id = t.id),
    coalesce(t.lease_expires_ms, t.lease_expires_at * 1000),
    (SELECT string_agg(d.depends_on, '\u{1f}') FROM task_dependencies d
        JOIN tasks dep ON dep.id = d.depends_on WHERE d.task_id = t.id AND dep.status != 'done'),
    t.paths, t.approval,
    t.requires, t.max_attempts, t.failed_attempts, t.not_before_ms";

/// The stored spellings of `in_progress`, for filters: agor writes the legacy `progress`,
/// databases agor wrote before schema 6 may still hold `in_progress`.
pub(crate) const IN_PROGRESS_SQL: &str = "('progress', 'in_progress')";

/// Orders "best next" work: highest priority, then sort order, then age. Token for token the
/// expression indexed by `agor_tasks_group_queue`/`agor_tasks_status_queue` (schema 5), so the
/// board and claim-next walk an index in this order instead of sorting (`query_plans` checks).
pub(crate) const PRIORITY_RANK_SQL: &str =
    "CASE t.priority WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END";

/// The board order, as an `ORDER BY` list over the alias `t`.
fn board_order_sql() -> String {
    format!("{PRIORITY_RANK_SQL}, t.sort_order, t.created_at")
}

/// "Not done and not cancelled", written as three ranges instead of `NOT IN` so the planner
/// can walk the status index for each range (a `NOT IN` can only filter a scan), and so the
/// default list never reads the done tasks a long-lived board piles up. Same truth table as
/// `t.status NOT IN ('done', 'cancelled')`, NULL included (neither matches it).
const OPEN_RANGES: [&str; 3] = [
    "t.status < 'cancelled'",
    "t.status > 'cancelled' AND t.status < 'done'",
    "t.status > 'done'",
];

/// [`OPEN_RANGES`] OR-ed, each leg with `group_sql` (empty for tier 0) so every leg is one
/// range of `agor_tasks_group_queue`; with the group outside the OR the planner walks the
/// whole group instead.
fn open_sql(group_sql: &str) -> String {
    let legs: Vec<String> = OPEN_RANGES
        .iter()
        .map(|range| format!("({group_sql}{range})"))
        .collect();
    format!("({})", legs.join(" OR "))
}

/// The SQL and arguments of `list_tasks`. Each filter adds its condition only when it is set
/// (no `?n IS NULL OR …`, which hides the column from every index), and tier 0's view drops
/// the group condition rather than OR-ing it away.
pub(crate) fn list_query(
    admin: bool,
    group: &str,
    filter: &TaskFilter,
) -> (String, Vec<Param<'static>>) {
    let mut conds: Vec<String> = Vec::new();
    let mut args: Vec<Param<'static>> = Vec::new();
    let open_only = filter.status.is_none() && !filter.all;
    match (admin, open_only) {
        (false, true) => {
            conds.push(open_sql("t.group_id = ? AND "));
            args.extend((0..OPEN_RANGES.len()).map(|_| Param::from(group.to_owned())));
        }
        (true, true) => conds.push(open_sql("")),
        (false, false) => {
            conds.push("t.group_id = ?".into());
            args.push(group.to_owned().into());
        }
        (true, false) => {}
    }
    match filter.status {
        Some(TaskStatus::InProgress) => conds.push(format!("t.status IN {IN_PROGRESS_SQL}")),
        Some(st) => {
            conds.push("t.status = ?".into());
            args.push(st.stored().to_owned().into());
        }
        None => {}
    }
    // Only finished tasks can be archived, so the default open list needs no archive check.
    if !open_only && filter.status.is_none_or(TaskStatus::is_closed) {
        conds.push(NOT_ARCHIVED_SQL.into());
    }
    if let Some(tag) = &filter.tag {
        // Driven from the tag index: the tasks carrying the tag, not every task tested for it.
        conds.push("t.id IN (SELECT g.task_id FROM task_tags g WHERE g.tag = ?)".into());
        args.push(tag.clone().into());
    }
    let where_sql = if conds.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conds.join(" AND "))
    };
    (format!("{where_sql} ORDER BY {}", board_order_sql()), args)
}

/// The tail of the claim-next query (see [`claimable`]); `?1` the claimer, `?2` the limit,
/// `?3` now (Unix ms: deferred and backing-off tasks wait), `?4` 1 when a task that requires
/// nothing fits the claimer, `?5`..`?11` the `requires` values it meets (NULL-padded, see
/// [`crate::model::fit::met_requirements`]), `?12` the group (not for tier 0). Every test is a
/// filter on the walk of the board-order index, which still stops at the first fit.
pub(crate) fn claimable_sql(admin: bool) -> String {
    let group = if admin { "" } else { "AND t.group_id = ?12" };
    format!(
        "WHERE t.status = 'todo' {group}
           AND (t.assigned_to IS NULL OR t.assigned_to = ?1) AND {UNBLOCKED_SQL}
           AND (t.not_before_ms IS NULL OR t.not_before_ms <= ?3)
           AND ((t.requires IS NULL AND ?4 = 1)
                OR t.requires IN (?5, ?6, ?7, ?8, ?9, ?10, ?11))
         ORDER BY {} LIMIT ?2",
        board_order_sql()
    )
}

/// The group's next sort order. `max()` alone in a scalar subquery is answered with one probe
/// of `agor_tasks_group_order`; wrapped in `coalesce(…) + 1` it would read the whole group.
pub(crate) const NEXT_SORT_ORDER_SQL: &str =
    "SELECT coalesce((SELECT max(sort_order) FROM tasks WHERE group_id = ?1), 0) + 1";

/// Reads a task row. Rows written by other tools may hold a NULL or unknown status or
/// priority; one odd row must not make the whole board unreadable, so those read as `todo`
/// (NULL, the legacy default), `backlog` (unknown status) and `medium`. The stored text is
/// left as it is until an agent changes the task.
fn task_from_row(r: &Row<'_>) -> Result<Task> {
    let status = match lenient::opt_text(r, 3)? {
        None => TaskStatus::Todo,
        Some(s) => s.parse().unwrap_or(TaskStatus::Backlog),
    };
    let priority = lenient::opt_text(r, 4)?
        .and_then(|p| p.parse().ok())
        .unwrap_or(Priority::Medium);
    let summary = lenient::opt_text(r, 15)?;
    let artifacts = lenient::opt_text(r, 16)?;
    let tags = lenient::opt_text(r, 19)?;
    let waits_for = lenient::opt_text(r, 21)?;
    Ok(Task {
        id: lenient::text(r, 0)?,
        title: lenient::text(r, 1)?,
        description: lenient::text(r, 2)?,
        status,
        priority,
        assigned_to: lenient::opt_text(r, 5)?,
        created_by: lenient::opt_text(r, 6)?,
        group_id: lenient::opt_text(r, 7)?,
        parent_task_id: lenient::opt_text(r, 8)?,
        sort_order: lenient::opt_int(r, 9)?.unwrap_or(0),
        definition_of_done: lenient::opt_text(r, 10)?,
        version: lenient::opt_int(r, 11)?.unwrap_or(1),
        created_at: lenient::timestamp(r, 12)?,
        updated_at: lenient::timestamp(r, 13)?,
        lease_expires_at: lenient::opt_int(r, 14)?,
        lease_expires_ms: lenient::opt_int(r, 20)?,
        completion: summary.map(|summary| Completion {
            summary,
            artifacts: artifacts
                .map(|a| {
                    a.split('\n')
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
            result_ref: lenient::opt_text(r, 17).ok().flatten(),
            next: lenient::opt_text(r, 18).ok().flatten(),
        }),
        // Sorted here, not by the aggregate: an ordered aggregate costs a sort per task row.
        tags: tags
            .map(|t| {
                let mut tags: Vec<String> = t.split('\u{1f}').map(str::to_owned).collect();
                tags.sort();
                tags
            })
            .unwrap_or_default(),
        waits_for: waits_for
            .map(|w| {
                let mut ids: Vec<String> = w.split('\u{1f}').map(str::to_owned).collect();
                ids.sort();
                ids
            })
            .unwrap_or_default(),
        paths: crate::storage::sql::reservations::paths_from(lenient::opt_text(r, 22)?),
        approval: lenient::opt_int(r, 23)?.is_some_and(|n| n != 0),
        requires: lenient::opt_text(r, 24)?,
        max_attempts: lenient::opt_int(r, 25)?,
        failed_attempts: lenient::opt_int(r, 26)?.unwrap_or(0),
        not_before_ms: lenient::opt_int(r, 27)?,
    })
}

/// Tasks matching `tail_sql` (a `WHERE …` over the alias `t`).
pub(crate) fn query(c: &dyn Tx, tail_sql: &str, args: &[Param<'_>]) -> Result<Vec<Task>> {
    c.query_map(
        &format!("SELECT {TASK_COLUMNS} FROM tasks t {tail_sql}"),
        args,
        task_from_row,
    )
}

/// One task by exact id.
pub(crate) fn by_id(tx: &dyn Tx, id: &str) -> Result<Option<Task>> {
    Ok(query(tx, "WHERE t.id = ?1", args![id])?.pop())
}

/// The row lock of a row-lock write on the task it acts on. `NO KEY`: inserting a row that
/// refers to the task (a comment, an attempt) is not held up by it.
const LOCK_ROW_SQL: &str = " FOR NO KEY UPDATE OF t";
/// [`LOCK_ROW_SQL`] for claim-next: a task another claim holds is passed over.
const LOCK_ROW_SKIP_SQL: &str = " FOR NO KEY UPDATE OF t SKIP LOCKED";

/// [`by_id`], locking the row in a row-lock write (see `storage`), so the task is read as
/// its last commit left it and no other row-lock write changes it until this one commits.
pub(crate) fn by_id_locked(tx: &dyn Tx, id: &str) -> Result<Option<Task>> {
    if !tx.row_locks() {
        return by_id(tx, id);
    }
    Ok(query(tx, &format!("WHERE t.id = ?1{LOCK_ROW_SQL}"), args![id])?.pop())
}

fn comment_from_row(r: &Row<'_>) -> Result<Comment> {
    Ok(Comment {
        id: lenient::text(r, 0)?,
        task_id: lenient::text(r, 1)?,
        agent_id: lenient::text(r, 2)?,
        content: lenient::text(r, 3)?,
        created_at: lenient::timestamp(r, 4)?,
    })
}

/// Writes a comment row.
pub(crate) fn insert_comment(tx: &dyn Tx, c: &Comment) -> Result<()> {
    tx.execute(
        "INSERT INTO task_comments (id, task_id, agent_id, content, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        args![&c.id, &c.task_id, &c.agent_id, &c.content, &c.created_at],
    )?;
    Ok(())
}

/// A task's comments, oldest first.
pub(crate) fn comments(tx: &dyn Tx, task_id: &str) -> Result<Vec<Comment>> {
    tx.query_map(
        "SELECT id, task_id, agent_id, content, created_at FROM task_comments
         WHERE task_id = ?1 ORDER BY created_at, rowid",
        args![task_id],
        comment_from_row,
    )
}

/// A task's subtasks, in sort order.
pub(crate) fn subtasks(tx: &dyn Tx, task_id: &str) -> Result<Vec<Task>> {
    query(
        tx,
        "WHERE t.parent_task_id = ?1 ORDER BY t.sort_order",
        args![task_id],
    )
}

/// Removes every tag of a task.
pub(crate) fn clear_tags(tx: &dyn Tx, task_id: &str) -> Result<()> {
    tx.execute("DELETE FROM task_tags WHERE task_id = ?1", args![task_id])?;
    Ok(())
}

/// Tags a task; a tag it has stays once.
pub(crate) fn insert_tag(tx: &dyn Tx, task_id: &str, tag: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO task_tags (task_id, tag) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
        args![task_id, tag],
    )?;
    Ok(())
}

/// Tasks in review in a group.
pub(crate) fn review_count(tx: &dyn Tx, group: &str) -> Result<i64> {
    tx.query_row(
        "SELECT count(*) FROM tasks WHERE group_id = ?1 AND status = 'review'",
        args![group],
        |r| r.get(0),
    )
}

/// The group's next sort order.
pub(crate) fn next_sort_order(tx: &dyn Tx, group: &str) -> Result<i64> {
    tx.query_row(NEXT_SORT_ORDER_SQL, args![group], |r| r.get(0))
}

/// A new task as the creator wrote it.
pub(crate) struct Created<'a> {
    pub id: &'a str,
    pub new: &'a NewTask,
    pub assignee: Option<&'a str>,
    pub creator: &'a str,
    pub group: &'a str,
    pub parent: Option<&'a str>,
    pub sort_order: i64,
    pub at: &'a str,
}

/// Writes a new task row (version 1).
pub(crate) fn insert(tx: &dyn Tx, t: &Created<'_>) -> Result<()> {
    tx.execute(
        "INSERT INTO tasks (id, title, description, status, priority, assigned_to, created_by, group_id,
           parent_task_id, sort_order, definition_of_done, version, created_at, updated_at,
           requires, max_attempts)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 1, ?12, ?12, ?13, ?14)",
        args![
            t.id,
            &t.new.title,
            &t.new.description,
            t.new.status.stored(),
            t.new.priority.as_str(),
            t.assignee,
            t.creator,
            t.group,
            t.parent,
            t.sort_order,
            &t.new.definition_of_done,
            t.at,
            &t.new.requires,
            t.new.max_attempts,
        ],
    )?;
    Ok(())
}

/// Assigns a task.
/// Rewrites a task's editable fields if it is at `expected_version`; returns rows changed (0:
/// it moved on meanwhile).
pub(crate) fn edit(
    tx: &dyn Tx,
    task_id: &str,
    t: &crate::model::tasks::Task,
    expected_version: i64,
    at: &str,
) -> Result<usize> {
    tx.execute(
        "UPDATE tasks SET title = ?1, description = ?2, priority = ?3, definition_of_done = ?4,
             version = version + 1, updated_at = ?5, requires = ?8, max_attempts = ?9
         WHERE id = ?6 AND version = ?7",
        args![
            t.title.as_str(),
            t.description.as_str(),
            t.priority.as_str(),
            t.definition_of_done.as_deref(),
            at,
            task_id,
            expected_version,
            t.requires.as_deref(),
            t.max_attempts
        ],
    )
}

pub(crate) fn assign(tx: &dyn Tx, task_id: &str, agent: &str, at: &str) -> Result<()> {
    tx.execute(
        "UPDATE tasks SET assigned_to = ?1, version = version + 1, updated_at = ?2 WHERE id = ?3",
        args![agent, at, task_id],
    )?;
    Ok(())
}

/// Moves a task to `stored_status` if it is at `expected_version`; returns rows changed (0: it
/// moved on meanwhile). Leaving in_progress ends any claim, so a lapsed worker cannot complete.
pub(crate) fn set_status(
    tx: &dyn Tx,
    task_id: &str,
    stored_status: &str,
    expected_version: i64,
    at: &str,
) -> Result<usize> {
    tx.execute(
        "UPDATE tasks SET status = ?1, version = version + 1, updated_at = ?4,
           lease_token = CASE WHEN ?1 = 'progress' THEN lease_token END,
           lease_expires_at = CASE WHEN ?1 = 'progress' THEN lease_expires_at END,
           lease_expires_ms = CASE WHEN ?1 = 'progress' THEN lease_expires_ms END
         WHERE id = ?2 AND version = ?3",
        args![stored_status, task_id, expected_version, at],
    )
}

/// Gives a task without a completion record one with only `summary` (same row version: the
/// status change that called it already counted).
pub(crate) fn record_completion(tx: &dyn Tx, task_id: &str, summary: &str) -> Result<()> {
    tx.execute(
        "UPDATE tasks SET summary = ?2 WHERE id = ?1 AND summary IS NULL",
        args![task_id, summary],
    )?;
    Ok(())
}

/// Deletes a task with its comments, tags and dependencies; its subtasks lose their parent.
pub(crate) fn delete(tx: &dyn Tx, task_id: &str) -> Result<()> {
    for sql in [
        "DELETE FROM task_comments WHERE task_id = ?1",
        "DELETE FROM task_tags WHERE task_id = ?1",
        "DELETE FROM task_dependencies WHERE task_id = ?1 OR depends_on = ?1",
        "DELETE FROM agor_task_attempts WHERE task_id = ?1",
        "UPDATE tasks SET parent_task_id = NULL WHERE parent_task_id = ?1",
        "DELETE FROM tasks WHERE id = ?1",
    ] {
        tx.execute(sql, args![task_id])?;
    }
    Ok(())
}

/// Who claims, for [`claimable`]: its id, what it fits and the time.
pub(crate) struct Claimer<'a> {
    pub id: &'a str,
    /// The `requires` values it meets.
    pub meets: &'a [Option<String>],
    /// Whether tasks that require nothing are its to claim.
    pub takes_unmarked: bool,
    pub now_ms: i64,
}

/// Todo tasks `claimer` may claim now (of `group`, or of every group when None), in claim
/// order, at most `limit`.
pub(crate) fn claimable(
    tx: &dyn Tx,
    claimer: &Claimer<'_>,
    group: Option<&str>,
    limit: i64,
) -> Result<Vec<Task>> {
    let mut sql = claimable_sql(group.is_none());
    if tx.row_locks() {
        // Claim-next of a row-lock write: the first claimable task no other claim holds,
        // locked (see `storage::postgres`).
        sql.push_str(LOCK_ROW_SKIP_SQL);
    }
    let mut params: Vec<Param<'_>> = vec![
        claimer.id.into(),
        limit.into(),
        claimer.now_ms.into(),
        i64::from(claimer.takes_unmarked).into(),
    ];
    params.extend(claimer.meets.iter().map(|m| Param::from(m.as_deref())));
    if let Some(g) = group {
        params.push(g.into());
    }
    query(tx, &sql, &params)
}

/// `list_tasks`: the group's (tier 0: every group's) tasks that `filter` selects, in board order.
pub(crate) fn list(
    tx: &dyn Tx,
    admin: bool,
    group: &str,
    filter: &TaskFilter,
) -> Result<Vec<Task>> {
    let (tail, args) = list_query(admin, group, filter);
    query(tx, &tail, &args)
}

/// The fields an import sets on an existing task.
pub(crate) struct Imported<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub description: &'a str,
    pub status: &'a str,
    pub priority: &'a str,
    pub assignee: Option<&'a str>,
    pub at: &'a str,
    pub requires: Option<&'a str>,
    pub max_attempts: Option<i64>,
}

/// Rewrites a task as an imported file describes it; leaving in_progress ends any claim.
pub(crate) fn import_update(tx: &dyn Tx, t: &Imported<'_>) -> Result<()> {
    tx.execute(
        "UPDATE tasks SET title = ?1, description = ?2, status = ?3, priority = ?4,
             assigned_to = ?5, version = version + 1, updated_at = ?6,
             lease_token = CASE WHEN ?3 = 'progress' THEN lease_token END,
             lease_expires_at = CASE WHEN ?3 = 'progress' THEN lease_expires_at END,
             lease_expires_ms = CASE WHEN ?3 = 'progress' THEN lease_expires_ms END,
             requires = ?8, max_attempts = ?9
         WHERE id = ?7",
        args![
            t.title,
            t.description,
            t.status,
            t.priority,
            t.assignee,
            t.at,
            t.id,
            t.requires,
            t.max_attempts
        ],
    )?;
    Ok(())
}

/// The parent of a task (`None` for a top-level or unknown task).
pub(crate) fn parent_of(tx: &dyn Tx, task_id: &str) -> Result<Option<String>> {
    Ok(tx
        .query_opt(
            "SELECT parent_task_id FROM tasks WHERE id = ?1",
            args![task_id],
            |r| lenient::opt_text(r, 0),
        )?
        .flatten())
}

pub(crate) fn set_parent(tx: &dyn Tx, task_id: &str, parent: Option<&str>) -> Result<()> {
    tx.execute(
        "UPDATE tasks SET parent_task_id = ?1 WHERE id = ?2",
        args![parent, task_id],
    )?;
    Ok(())
}

/// Every task of a group but the archived ones, in board position order (the order an
/// import creates them in, so an export of an import reads the same).
pub(crate) fn for_export(tx: &dyn Tx, group: &str) -> Result<Vec<Task>> {
    query(
        tx,
        &format!(
            "WHERE t.group_id = ?1 AND {NOT_ARCHIVED_SQL} ORDER BY t.sort_order, t.created_at, t.id"
        ),
        args![group],
    )
}
