//! Statements of `crate::changes`: the change feed.

use crate::error::Result;
use crate::model::changes::{Change, ChangeContent, ChangeKind};
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

/// What [`visible`] reads: which changes, and whether with their content.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Looking<'a> {
    pub kinds: &'a [ChangeKind],
    /// Without the viewer's own changes.
    pub others_only: bool,
    /// With what the viewer may read of each subject ([`ChangeContent`]), in the same
    /// statement: one query per batch of changes.
    pub content: bool,
}

/// Changes after `since` that `viewer` may see, oldest first, at most `limit`: of the given
/// kinds (all when empty), without the viewer's own when `others_only`.
pub(crate) fn visible(
    tx: &dyn Tx,
    viewer: &Viewer<'_>,
    since: i64,
    looking: Looking<'_>,
    limit: i64,
) -> Result<Vec<Change>> {
    let others_only = looking.others_only;
    let mut params: Vec<Param<'_>> = vec![since.into(), limit.into()];
    if !viewer.everything {
        params.push(viewer.agent.into());
        params.push(viewer.group.into());
    }
    if others_only {
        params.push(viewer.agent.into());
    }
    let read = if looking.content {
        change_with_content
    } else {
        change_from_row
    };
    tx.query_map(&visible_sql(viewer, looking), &params, read)
}

/// The statement of [`visible`]: `?1` the cursor, `?2` the limit, then (unless the viewer
/// sees everything) `?3` the agent and `?4` its group, then the agent again when
/// `others_only`. Driven by the primary key from the cursor: a wait reads only what is new.
pub(crate) fn visible_sql(viewer: &Viewer<'_>, looking: Looking<'_>) -> String {
    let Looking {
        kinds,
        others_only,
        content,
    } = looking;
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
    let (columns, joins) = if content {
        (CONTENT_COLUMNS, content_joins(viewer))
    } else {
        ("", String::new())
    };
    format!(
        "SELECT c.id, c.kind, c.event, c.actor, c.subject, c.group_id, c.agent_id, c.channel_id,
                c.created_at{columns}
         FROM agor_changes c{joins} WHERE {} ORDER BY c.id LIMIT ?2",
        conds.join(" AND ")
    )
}

/// The content of a change's subject, after the feed's columns (see [`change_with_content`]).
/// A DM's importance is stored as its rank (`Importance::rank`) and shown by its word.
const CONTENT_COLUMNS: &str = ",
                m.content, m.from_agent, m.reply_to,
                CASE m.importance WHEN 0 THEN 'low' WHEN 1 THEN 'normal' WHEN 2 THEN 'high'
                                  WHEN 3 THEN 'urgent' END,
                p.content, p.from_agent, t.title, t.status, t.assigned_to, t.version";

/// The subjects of the changes, each by its primary key, joined only where the viewer may
/// read them: the feed shows an agent a change it may not read the subject of (a task of its
/// group it is not assigned, yes; but a post in a channel it left, a DM between others, no),
/// so sight is judged again here. Tier 0 and the operator read every subject they see.
fn content_joins(viewer: &Viewer<'_>) -> String {
    let share = !viewer.everything && !viewer.whole_group;
    let only = |cond: &str| {
        if share {
            format!(" AND ({cond})")
        } else {
            String::new()
        }
    };
    let channel = if viewer.group_channels {
        "c.group_id = ?4"
    } else {
        "EXISTS (SELECT 1 FROM channel_members cm
                 WHERE cm.channel_id = p.channel_id AND cm.agent_id = ?3)"
    };
    format!(
        "
         LEFT JOIN messages m ON c.kind = 'message' AND m.id = c.subject{}
         LEFT JOIN channel_messages p ON c.kind = 'post' AND p.id = c.subject{}
         LEFT JOIN tasks t ON c.kind = 'task' AND t.id = c.subject{}",
        only("m.from_agent = ?3 OR m.to_agent = ?3"),
        only(&format!("p.from_agent = ?3 OR {channel}")),
        only("t.group_id = ?4"),
    )
}

/// A change with its content (the columns of [`CONTENT_COLUMNS`] after the feed's).
fn change_with_content(r: &Row<'_>) -> Result<Change> {
    let mut change = change_from_row(r)?;
    let text = |i| lenient::opt_text(r, i);
    change.content = match change.kind {
        ChangeKind::Message => text(9)?.map(|body| -> Result<ChangeContent> {
            Ok(ChangeContent {
                text: Some(body),
                sender: text(10)?,
                reply_to: text(11)?,
                importance: text(12)?,
                ..ChangeContent::default()
            })
        }),
        ChangeKind::Post => text(13)?.map(|body| -> Result<ChangeContent> {
            Ok(ChangeContent {
                text: Some(body),
                sender: text(14)?,
                ..ChangeContent::default()
            })
        }),
        ChangeKind::Task => text(15)?.map(|title| -> Result<ChangeContent> {
            Ok(ChangeContent {
                title: Some(title),
                // As a task's own status reads: a word this build does not know is backlog.
                status: Some(
                    text(16)?
                        .and_then(|s| s.parse().ok())
                        .unwrap_or(TaskStatus::Backlog),
                ),
                assignee: text(17)?,
                version: lenient::opt_int(r, 18)?,
                ..ChangeContent::default()
            })
        }),
        ChangeKind::Agent => None,
    }
    .transpose()?;
    Ok(change)
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
        content: None,
    })
}
