//! Statements of `crate::usage`: reported model usage, its sums and its sums over time.

use crate::error::Result;
use crate::model::usage::{UsageBucket, UsageBy, UsagePoint, UsageRecord, UsageSummary};
use crate::storage::{args, Row, Tx};

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

/// The column usage is summed by.
fn key_column(by: UsageBy) -> &'static str {
    match by {
        UsageBy::Agent => "agent_id",
        UsageBy::Task => "task_id",
        UsageBy::Group => "group_id",
        UsageBy::Model => "model",
    }
}

/// The sums every usage query selects after its key columns.
// CAST: PostgreSQL sums BIGINTs into NUMERIC.
const SUMS: &str = "CAST(sum(input_tokens) AS BIGINT), CAST(sum(output_tokens) AS BIGINT),
                    CAST(sum(cost_micro_usd) AS BIGINT), count(*)";

/// The key and sums of a row whose key is column `at` and whose sums follow it.
fn sums(r: &Row<'_>, at: usize) -> Result<UsageSummary> {
    Ok(UsageSummary {
        key: r.get(at)?,
        input_tokens: r.get(at + 1)?,
        output_tokens: r.get(at + 2)?,
        cost_usd: r.get::<i64>(at + 3)? as f64 / 1e6,
        requests: r.get(at + 4)?,
    })
}

/// Sums per agent, task, model or group, of one group (every group when `None`), biggest cost
/// first.
pub(crate) fn summary(tx: &dyn Tx, by: UsageBy, group: Option<&str>) -> Result<Vec<UsageSummary>> {
    let key = key_column(by);
    tx.query_map(
        &format!(
            "SELECT {key}, {SUMS}
             FROM agor_usage WHERE CAST(?1 AS TEXT) IS NULL OR group_id = ?1
             GROUP BY {key} ORDER BY sum(cost_micro_usd) DESC, {key}"
        ),
        args![group],
        |r| sums(r, 0),
    )
}

/// Sums per hour or day and per agent, task, model or group, of one group (every group when
/// `None`), from `since` on (a `YYYY-MM-DD HH:MM:SS` time; all when `None`): oldest bucket
/// first, within one the biggest cost first. One statement on both engines: times are text
/// in the same format on both, so a bucket is a prefix of the time.
pub(crate) fn series(
    tx: &dyn Tx,
    by: UsageBy,
    bucket: UsageBucket,
    group: Option<&str>,
    since: Option<&str>,
) -> Result<Vec<UsagePoint>> {
    let key = key_column(by);
    let (len, rest) = bucket.prefix();
    tx.query_map(
        &format!(
            "SELECT substr(created_at, 1, {len}) || '{rest}', {key}, {SUMS}
             FROM agor_usage
             WHERE (CAST(?1 AS TEXT) IS NULL OR group_id = ?1)
               AND (CAST(?2 AS TEXT) IS NULL OR created_at >= ?2)
             GROUP BY 1, {key} ORDER BY 1, sum(cost_micro_usd) DESC, {key}"
        ),
        args![group, since],
        |r| {
            let s = sums(r, 1)?;
            Ok(UsagePoint {
                bucket_start: r.get(0)?,
                key: s.key,
                input_tokens: s.input_tokens,
                output_tokens: s.output_tokens,
                cost_usd: s.cost_usd,
                requests: s.requests,
            })
        },
    )
}
