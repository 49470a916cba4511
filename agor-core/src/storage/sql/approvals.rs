//! Statements of `crate::approvals`: whether a task needs a person's approval, and what waits
//! on a person, read in one statement.

use crate::error::Result;
use crate::model::approvals::{Waiting, WaitingKind};
use crate::model::messages::Importance;
use crate::storage::lenient;
use crate::storage::{args, Row, Tx};

/// Sets whether a task needs a person's approval before it is done.
pub(crate) fn set_required(tx: &dyn Tx, task_id: &str, approval: bool) -> Result<()> {
    tx.execute(
        "UPDATE tasks SET approval = ?2 WHERE id = ?1",
        args![task_id, i64::from(approval)],
    )?;
    Ok(())
}

/// Sets whether a task needs a person's approval as a change of its own: the version moves on.
pub(crate) fn change_required(tx: &dyn Tx, task_id: &str, approval: bool, at: &str) -> Result<()> {
    tx.execute(
        "UPDATE tasks SET approval = ?2, version = version + 1, updated_at = ?3 WHERE id = ?1",
        args![task_id, i64::from(approval), at],
    )?;
    Ok(())
}

/// The statement of [`waiting`]: four legs, one per kind, each the oldest `?1` of its kind
/// through its own index (the approvals', pending proposals' and unanswered messages' partial
/// indexes hold only what waits; messages are found from the people, by role), then merged
/// in kind order, oldest first. `group`: one group's (`?2`), or all.
pub(crate) fn waiting_sql(group: bool) -> String {
    let (tasks, proposals, messages, letters) = if group {
        (
            "AND t.group_id = ?2",
            "AND (p.from_group = ?2 OR p.agent_id IN (SELECT g.id FROM agents g WHERE g.group_id = ?2))",
            "AND h.group_id = ?2",
            "WHERE (d.to_agent IN (SELECT g.id FROM agents g WHERE g.group_id = ?2)
                    OR d.from_agent IN (SELECT g.id FROM agents g WHERE g.group_id = ?2))",
        )
    } else {
        ("", "", "", "")
    };
    format!(
        "SELECT * FROM (
             SELECT 0 AS rank, 'approval' AS kind, t.id AS id, t.group_id AS group_id,
                    t.title AS text, t.assigned_to AS sender, CAST(NULL AS TEXT) AS recipient,
                    t.id AS task_id, CAST(NULL AS TEXT) AS detail, t.updated_at AS at
             FROM tasks t WHERE t.approval = 1 AND t.status = 'review' {tasks}
             ORDER BY t.updated_at LIMIT ?1) AS approvals
         UNION ALL SELECT * FROM (
             SELECT 1, 'proposal', p.id,
                    (SELECT a.group_id FROM agents a WHERE a.id = p.agent_id),
                    p.task_title, p.proposed_by, p.agent_id, p.task_id, CAST(NULL AS TEXT),
                    p.created_at
             FROM agor_proposals p WHERE p.status = 'pending' {proposals}
             ORDER BY p.created_at LIMIT ?1) AS proposals
         UNION ALL SELECT * FROM (
             SELECT 2, 'message', m.id, m.group_id, m.content, m.from_agent, m.to_agent,
                    CAST(NULL AS TEXT), CAST(m.importance AS TEXT), m.created_at
             FROM messages m
             WHERE m.to_agent IN (SELECT h.id FROM agents h WHERE h.role = 'human' {messages})
               AND m.acked_at IS NULL AND (m.read = 0 OR m.ack_required = 1)
             ORDER BY m.created_at LIMIT ?1) AS messages
         UNION ALL SELECT * FROM (
             SELECT 3, 'dead_letter', CAST(d.id AS TEXT),
                    (SELECT a.group_id FROM agents a WHERE a.id = d.to_agent),
                    d.content, d.from_agent, d.to_agent, CAST(NULL AS TEXT), d.error,
                    d.created_at
             FROM dead_letter_queue d {letters}
             ORDER BY d.id LIMIT ?1) AS letters
         ORDER BY rank, at, id"
    )
}

/// What waits on a person in `group` (None: every group), at most `limit` of each kind:
/// approvals, proposals, unanswered messages to people, dead letters, each oldest first.
pub(crate) fn waiting(tx: &dyn Tx, group: Option<&str>, limit: i64) -> Result<Vec<Waiting>> {
    let sql = waiting_sql(group.is_some());
    match group {
        Some(g) => tx.query_map(&sql, args![limit, g], waiting_from_row),
        None => tx.query_map(&sql, args![limit], waiting_from_row),
    }
}

fn waiting_from_row(r: &Row<'_>) -> Result<Waiting> {
    {
        let kind = WaitingKind::parse(&lenient::text(r, 1)?);
        let detail = lenient::opt_text(r, 8)?;
        // A message's detail is its stored rank; say it as a word.
        let detail = match kind {
            WaitingKind::Message => {
                detail.map(|rank| Importance::from_rank(rank.parse().ok()).as_str().to_owned())
            }
            _ => detail,
        };
        Ok(Waiting {
            kind,
            id: lenient::text(r, 2)?,
            group_id: lenient::opt_text(r, 3)?,
            text: lenient::text(r, 4)?,
            from: lenient::opt_text(r, 5)?,
            to: lenient::opt_text(r, 6)?,
            task_id: lenient::opt_text(r, 7)?,
            detail,
            at: lenient::timestamp(r, 9)?,
        })
    }
}
