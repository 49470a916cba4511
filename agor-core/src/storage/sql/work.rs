//! Statements of `crate::work`: agents' work state.

use crate::error::Result;
use crate::model::work::{AgentWork, WorkState};
use crate::storage::lenient;
use crate::storage::{args, Tx};

/// An agent's stored state; `None` when it never reported one (it is idle).
pub(crate) fn load(tx: &dyn Tx, agent: &str) -> Result<Option<AgentWork>> {
    tx.query_opt(
        "SELECT agent_id, state, task_id, updated_at FROM agor_work_state WHERE agent_id = ?1",
        args![agent],
        |r| {
            Ok(AgentWork {
                agent_id: r.get(0)?,
                state: lenient::text(r, 1)?.parse().unwrap_or(WorkState::Idle),
                task_id: lenient::opt_text(r, 2)?,
                updated_at: lenient::timestamp(r, 3)?,
            })
        },
    )
}

/// Writes an agent's state unconditionally.
pub(crate) fn store(tx: &dyn Tx, w: &AgentWork) -> Result<()> {
    tx.execute(
        "INSERT INTO agor_work_state (agent_id, state, task_id, updated_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (agent_id) DO UPDATE SET state = excluded.state, task_id = excluded.task_id,
             updated_at = excluded.updated_at",
        args![
            w.agent_id.as_str(),
            w.state.as_str(),
            w.task_id.as_deref(),
            w.updated_at.as_str()
        ],
    )?;
    Ok(())
}

/// Moves an agent to `to` (with `task`) if its state is one of `from` (no row counts as idle)
/// and the result differs from what it was; true when it moved. One statement: it runs on
/// every claim and completion.
pub(crate) fn move_if(
    tx: &dyn Tx,
    agent: &str,
    from: &[WorkState],
    to: WorkState,
    task: Option<&str>,
    at: &str,
) -> Result<bool> {
    // The states are the enum's own words, never the caller's text.
    let from: Vec<String> = from.iter().map(|s| format!("'{}'", s.as_str())).collect();
    let from_list = from.join(", ");
    let sql = if from.contains(&format!("'{}'", WorkState::Idle.as_str())) {
        format!(
            "INSERT INTO agor_work_state (agent_id, state, task_id, updated_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (agent_id) DO UPDATE SET state = excluded.state,
                 task_id = excluded.task_id, updated_at = excluded.updated_at
             WHERE agor_work_state.state IN ({from_list})
               AND (agor_work_state.state <> excluded.state
                    OR agor_work_state.task_id IS DISTINCT FROM excluded.task_id)
             RETURNING agent_id"
        )
    } else {
        // Without a row the agent is idle, which `from` does not allow: only update.
        format!(
            "UPDATE agor_work_state SET state = ?2, task_id = ?3, updated_at = ?4
             WHERE agent_id = ?1 AND state IN ({from_list})
               AND (state <> ?2 OR task_id IS DISTINCT FROM CAST(?3 AS TEXT))
             RETURNING agent_id"
        )
    };
    let moved = tx.query_opt(&sql, args![agent, to.as_str(), task, at], |r| {
        r.get::<String>(0)
    })?;
    Ok(moved.is_some())
}

/// Moves every agent but `keep` that is working on `task_id` to idle; returns who moved.
pub(crate) fn leave_task(tx: &dyn Tx, task_id: &str, keep: &str, at: &str) -> Result<Vec<String>> {
    tx.query_map(
        "UPDATE agor_work_state SET state = 'idle', task_id = NULL, updated_at = ?3
         WHERE task_id = ?1 AND agent_id <> ?2 AND state = 'working'
         RETURNING agent_id",
        args![task_id, keep, at],
        |r| r.get(0),
    )
}
