//! Statements of `crate::proposals`: tasks offered across owners.

use crate::error::Result;
use crate::model::proposals::{Proposal, ProposalStatus};
use crate::model::tasks::Task;

use crate::storage::lenient;
use crate::storage::sql::ids::Scope;
use crate::storage::{args, Param, Row, Tx};

const COLUMNS: &str = "id, task_id, task_title, from_group, proposed_by, agent_id, status, reason,
    created_at, decided_at";

fn from_row(r: &Row<'_>) -> Result<Proposal> {
    Ok(Proposal {
        id: r.get(0)?,
        task_id: r.get(1)?,
        task_title: lenient::text(r, 2)?,
        from_group: r.get(3)?,
        proposed_by: r.get(4)?,
        agent_id: r.get(5)?,
        status: ProposalStatus::parse(&lenient::text(r, 6)?),
        reason: lenient::opt_text(r, 7)?,
        created_at: lenient::timestamp(r, 8)?,
        decided_at: lenient::opt_text(r, 9)?,
    })
}

pub(crate) fn insert(tx: &dyn Tx, p: &Proposal) -> Result<()> {
    tx.execute(
        "INSERT INTO agor_proposals (id, task_id, task_title, from_group, proposed_by, agent_id,
             status, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        args![
            p.id.as_str(),
            p.task_id.as_str(),
            p.task_title.as_str(),
            p.from_group.as_str(),
            p.proposed_by.as_str(),
            p.agent_id.as_str(),
            p.status.as_str(),
            p.created_at.as_str()
        ],
    )?;
    Ok(())
}

pub(crate) fn by_id(tx: &dyn Tx, id: &str) -> Result<Option<Proposal>> {
    tx.query_opt(
        &format!("SELECT {COLUMNS} FROM agor_proposals WHERE id = ?1"),
        args![id],
        from_row,
    )
}

pub(crate) fn pending_for_task(tx: &dyn Tx, task_id: &str) -> Result<Option<Proposal>> {
    tx.query_opt(
        &format!("SELECT {COLUMNS} FROM agor_proposals WHERE task_id = ?1 AND status = 'pending'"),
        args![task_id],
        from_row,
    )
}

/// Proposals within `scope`, pending ones unless `all`, newest first.
pub(crate) fn list(tx: &dyn Tx, scope: &Scope, all: bool) -> Result<Vec<Proposal>> {
    let pending = if all { "" } else { "AND status = 'pending'" };
    let sql = format!(
        "SELECT {COLUMNS} FROM agor_proposals WHERE {} {pending}
         ORDER BY created_at DESC, id",
        scope.condition(1)
    );
    let args: Vec<Param<'_>> = scope.args().iter().map(Param::from).collect();
    tx.query_map(&sql, &args, from_row)
}

pub(crate) fn decide(
    tx: &dyn Tx,
    id: &str,
    to: ProposalStatus,
    reason: Option<&str>,
    at: &str,
) -> Result<()> {
    tx.execute(
        "UPDATE agor_proposals SET status = ?1, reason = ?2, decided_at = ?3 WHERE id = ?4",
        args![to.as_str(), reason, at, id],
    )?;
    Ok(())
}

/// Moves a task to `agent` in `group`; a parent in the group it leaves is dropped.
pub(crate) fn hand_over(
    tx: &dyn Tx,
    task: &Task,
    agent: &str,
    group: &str,
    at: &str,
) -> Result<()> {
    let crosses = task.group_id.as_deref() != Some(group);
    tx.execute(
        "UPDATE tasks SET assigned_to = ?1, group_id = ?2, version = version + 1, updated_at = ?3,
             parent_task_id = CASE WHEN ?4 THEN NULL ELSE parent_task_id END
         WHERE id = ?5",
        args![agent, group, at, crosses, task.id.as_str()],
    )?;
    Ok(())
}
