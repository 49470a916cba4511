//! Statements of `crate::changes`: the change feed.

use crate::error::Result;
use crate::model::changes::{Change, ChangeKind};
use crate::model::tasks::{StatusMove, TaskStatus};
use crate::storage::lenient;
use crate::storage::{args, Param, Row, Tx};

/// Appends one change inside the caller's transaction; `moved` is the status move of a task
/// change that made one (`from` None: its creation).
#[allow(clippy::too_many_arguments)]
pub(crate) fn insert(
    tx: &dyn Tx,
    kind: ChangeKind,
    event: &str,
    actor: &str,
    subject: &str,
    group: Option<&str>,
    agent: Option<&str>,
    channel: Option<&str>,
    moved: Option<(Option<TaskStatus>, TaskStatus)>,
    at: &str,
) -> Result<()> {
    let from = moved.and_then(|(from, _)| from).map(|s| s.as_str());
    let to = moved.map(|(_, to)| to.as_str());
    tx.execute(
        "INSERT INTO agor_changes (kind, event, actor, subject, group_id, agent_id, channel_id,
                                   status_from, status_to, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        args![
            kind.as_str(),
            event,
            actor,
            subject,
            group,
            agent,
            channel,
            from,
            to,
            at
        ],
    )?;
    Ok(())
}

/// The statement of [`task_moves`]: the partial index `agor_changes_task_moves` holds exactly
/// the moves, so it reads a task's newest `?2` moves and sorts only those.
pub(crate) const TASK_MOVES_SQL: &str =
    "SELECT id, status_from, status_to, actor, created_at FROM (
         SELECT id, status_from, status_to, actor, created_at FROM agor_changes
         WHERE subject = ?1 AND status_to IS NOT NULL ORDER BY id DESC LIMIT ?2
     ) newest ORDER BY id";

/// The newest `limit` status moves of a task, oldest first.
pub(crate) fn task_moves(tx: &dyn Tx, task_id: &str, limit: i64) -> Result<Vec<StatusMove>> {
    tx.query_map(TASK_MOVES_SQL, args![task_id, limit], |r| {
        // Written by agor from the enum's own words; a word this build does not know
        // (a newer writer) reads as backlog, as a task's status does.
        let status = |s: String| s.parse().unwrap_or(TaskStatus::Backlog);
        Ok(StatusMove {
            cursor: r.get(0)?,
            from: lenient::opt_text(r, 1)?.map(status),
            to: status(lenient::text(r, 2)?),
            actor: lenient::opt_text(r, 3)?,
            at: lenient::timestamp(r, 4)?,
        })
    })
}

/// The newest cursor (0 for an empty feed).
pub(crate) fn latest(tx: &dyn Tx) -> Result<i64> {
    tx.query_row(
        "SELECT coalesce(max(id), 0) FROM agor_changes",
        args![],
        |r| r.get(0),
    )
}

/// Who is asking, and what of the feed that lets it see.
pub(crate) struct Viewer<'a> {
    /// Tier 0 and the operator: every change.
    pub everything: bool,
    pub agent: &'a str,
    pub group: &'a str,
    /// Managers read every channel of their group, others the channels they are members of.
    pub group_channels: bool,
    /// Everything of `group` and nothing else (tier 0 or the operator narrowed to one group;
    /// `everything` is then false).
    pub whole_group: bool,
}

/// Changes after `since` that `viewer` may see, oldest first, at most `limit`: of the given
/// kinds (all when empty), without the viewer's own when `others_only`.
pub(crate) fn visible(
    tx: &dyn Tx,
    viewer: &Viewer<'_>,
    since: i64,
    kinds: &[ChangeKind],
    others_only: bool,
    limit: i64,
) -> Result<Vec<Change>> {
    let mut params: Vec<Param<'_>> = vec![since.into(), limit.into()];
    if !viewer.everything {
        params.push(viewer.agent.into());
        params.push(viewer.group.into());
    }
    if others_only {
        params.push(viewer.agent.into());
    }
    tx.query_map(
        &visible_sql(viewer, kinds, others_only),
        &params,
        change_from_row,
    )
}

/// The statement of [`visible`]: `?1` the cursor, `?2` the limit, then (unless the viewer
/// sees everything) `?3` the agent and `?4` its group, then the agent again when
/// `others_only`. Driven by the primary key from the cursor: a wait reads only what is new.
pub(crate) fn visible_sql(viewer: &Viewer<'_>, kinds: &[ChangeKind], others_only: bool) -> String {
    let mut conds = vec!["c.id > ?1".to_owned()];
    let mut next = 3;
    if viewer.whole_group && !viewer.everything {
        next = 5;
        // `?3` stays referenced, so every statement takes the same parameters.
        conds.push("c.group_id = ?4 AND CAST(?3 AS TEXT) IS NOT NULL".to_owned());
    } else if !viewer.everything {
        next = 5;
        let posts = if viewer.group_channels {
            "(c.kind = 'post' AND c.group_id = ?4)"
        } else {
            "(c.kind = 'post' AND EXISTS (SELECT 1 FROM channel_members m
                 WHERE m.channel_id = c.channel_id AND m.agent_id = ?3))"
        };
        // DMs only to or from the viewer; the board and the team of its group; its channels.
        conds.push(format!(
            "(c.agent_id = ?3 OR c.actor = ?3
              OR (c.kind IN ('task', 'agent') AND c.group_id = ?4) OR {posts})"
        ));
    }
    if others_only {
        conds.push(format!("c.actor IS DISTINCT FROM ?{next}"));
    }
    if !kinds.is_empty() {
        // The kinds are the enum's own words, never the caller's text.
        let list: Vec<String> = kinds.iter().map(|k| format!("'{}'", k.as_str())).collect();
        conds.push(format!("c.kind IN ({})", list.join(", ")));
    }
    format!(
        "SELECT c.id, c.kind, c.event, c.actor, c.subject, c.group_id, c.agent_id, c.channel_id,
                c.created_at
         FROM agor_changes c WHERE {} ORDER BY c.id LIMIT ?2",
        conds.join(" AND ")
    )
}

fn change_from_row(r: &Row<'_>) -> Result<Change> {
    Ok(Change {
        cursor: r.get(0)?,
        kind: lenient::text(r, 1)?.parse().unwrap_or(ChangeKind::Agent),
        event: lenient::text(r, 2)?,
        actor: lenient::opt_text(r, 3)?,
        subject: lenient::opt_text(r, 4)?,
        group_id: lenient::opt_text(r, 5)?,
        agent_id: lenient::opt_text(r, 6)?,
        channel_id: lenient::opt_text(r, 7)?,
        created_at: lenient::timestamp(r, 8)?,
    })
}
