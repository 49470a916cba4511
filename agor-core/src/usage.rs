//! Usage and cost (SPEC §9): agents report each model request (tokens in and out, cost, model,
//! optionally the task it served), and anyone in the group reads the sums per agent, task,
//! model and group, in all or per hour or day, so a team knows what its work costs and when.

use crate::actor::Actor;
use crate::audit;
use crate::error::{Error, Result};
use crate::model::usage::{
    self as model, UsageBucket, UsageBy, UsagePoint, UsageRecord, UsageSummary,
};
use crate::rules::Action;
use crate::storage::sql::usage as sql;
use crate::task_steps;
use crate::text;

/// Above this a token count is a mistake, not a request.
const MAX_TOKENS: i64 = 1_000_000_000_000;

/// Above this a cost is a mistake, not a request (a million dollars).
const MAX_COST_USD: f64 = 1_000_000.0;

fn check(input: i64, output: i64, cost_usd: f64, model: &str) -> Result<i64> {
    for (field, n) in [("input_tokens", input), ("output_tokens", output)] {
        if !(0..=MAX_TOKENS).contains(&n) {
            return Err(Error::invalid(
                field,
                format!("{n} is not a token count (0..={MAX_TOKENS})"),
            ));
        }
    }
    if !cost_usd.is_finite() || !(0.0..=MAX_COST_USD).contains(&cost_usd) {
        return Err(Error::invalid(
            "cost_usd",
            format!("{cost_usd} is not a cost in dollars (0 to {MAX_COST_USD})"),
        ));
    }
    text::label("model", model, text::MAX_ID_LEN)?;
    Ok((cost_usd * 1e6).round() as i64)
}

impl Actor {
    /// Records one model request of the actor: tokens in and out, its cost in US dollars, the
    /// model, and optionally the task it served (an id or prefix of the actor's group).
    pub fn record_usage(
        &self,
        input_tokens: i64,
        output_tokens: i64,
        cost_usd: f64,
        model: &str,
        task: Option<&str>,
    ) -> Result<UsageRecord> {
        let micro = check(input_tokens, output_tokens, cost_usd, model)?;
        self.write_tx(|c, me| {
            let task_id = task
                .map(|t| task_steps::resolve(c, me, t).map(|t| t.id))
                .transpose()?;
            let mut r = UsageRecord {
                id: 0,
                agent_id: me.id.clone(),
                task_id,
                model: model.to_owned(),
                input_tokens,
                output_tokens,
                cost_usd: micro as f64 / 1e6,
                created_at: c.now().sql(),
            };
            r.id = sql::insert(c, &r, &me.group_id, micro)?;
            audit::record(
                c,
                &me.id,
                "usage_recorded",
                &format!("{} {model}", r.cost_usd),
            )?;
            Ok(r)
        })
    }

    /// Usage summed per agent, task, model or group, of the actor's group (the operator and tier 0: every group, or
    /// one with [`Actor::within`]), biggest cost first.
    pub fn usage_summary(&self, by: UsageBy) -> Result<Vec<UsageSummary>> {
        self.read_as(|c, who| {
            let sight = self.sight(who, Action::ViewGroup)?;
            sql::summary(c, by, sight.group())
        })
    }

    /// Usage summed per hour or day and per agent, task, model or group, of the groups
    /// [`Actor::usage_summary`] reads, from `since` on (a UTC date or time; absent: all):
    /// oldest bucket first, within one the biggest cost first.
    pub fn usage_series(
        &self,
        by: UsageBy,
        bucket: UsageBucket,
        since: Option<&str>,
    ) -> Result<Vec<UsagePoint>> {
        let since = since.map(model::since_time).transpose()?;
        self.read_as(|c, who| {
            let sight = self.sight(who, Action::ViewGroup)?;
            sql::series(c, by, bucket, sight.group(), since.as_deref())
        })
    }
}

impl crate::Store {
    /// Usage summed per agent, task, model or group as the operator sees it: every group, or
    /// `group`; biggest cost first.
    pub fn usage_summary(&self, by: UsageBy, group: Option<&str>) -> Result<Vec<UsageSummary>> {
        self.as_operator().narrowed(group).usage_summary(by)
    }
}
