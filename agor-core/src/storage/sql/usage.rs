//! Statements of `crate::usage`: reported model usage and its sums.

use crate::error::Result;
use crate::model::usage::{UsageBy, UsageRecord, UsageSummary};
use crate::storage::{args, Tx};

pub(crate) fn insert(tx: &dyn Tx, r: &UsageRecord, group: &str, cost_micro: i64) -> Result<i64> {
    tx.query_row(
        "INSERT INTO agor_usage (agent_id, group_id, task_id, model, input_tokens, output_tokens,
                                 cost_micro_usd, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id",
        args![
            r.agent_id.as_str(),
            group,
            r.task_id.as_deref(),
            r.model.as_str(),
            r.input_tokens,
            r.output_tokens,
            cost_micro,
            r.created_at.as_str()
        ],
        |row| row.get(0),
    )
}

/// Sums per agent, task or group, of one group (every group when `None`), biggest cost first.
pub(crate) fn summary(tx: &dyn Tx, by: UsageBy, group: Option<&str>) -> Result<Vec<UsageSummary>> {
    let key = match by {
        UsageBy::Agent => "agent_id",
        UsageBy::Task => "task_id",
        UsageBy::Group => "group_id",
    };
    tx.query_map(
        &format!(
            // CAST: PostgreSQL sums BIGINTs into NUMERIC.
            "SELECT {key}, CAST(sum(input_tokens) AS BIGINT), CAST(sum(output_tokens) AS BIGINT),
                    CAST(sum(cost_micro_usd) AS BIGINT), count(*)
             FROM agor_usage WHERE CAST(?1 AS TEXT) IS NULL OR group_id = ?1
             GROUP BY {key} ORDER BY sum(cost_micro_usd) DESC, {key}"
        ),
        args![group],
        |r| {
            Ok(UsageSummary {
                key: r.get(0)?,
                input_tokens: r.get(1)?,
                output_tokens: r.get(2)?,
                cost_usd: r.get::<i64>(3)? as f64 / 1e6,
                requests: r.get(4)?,
            })
        },
    )
}
