//! Batches: many tasks created, claimed or completed in one write transaction, each item by
//! the single-item operation's own code (`insert_task`, `lease_row`, `complete_in`), so it is
//! checked, audited and fenced exactly as alone; the batch only saves the transaction (its lock,
//! its commit, its sync) per item.
//!
//! A bad item of `create_tasks` or `complete_tasks` refuses the whole batch, nothing of it
//! written, with an [`Error::Item`] naming its index and carrying its own error (and kind): a
//! caller fixes or drops that item and sends the batch again. `claim_tasks` has no bad items:
//! it hands out as many of the best next tasks as fit, up to the count, fewer (or none) when
//! fewer fit. Every batch holds 1..=[`MAX_BATCH`] items, so one call bounds the write lock it
//! takes from everyone else.

use crate::actor::Actor;
use crate::error::{Error, Result};
use crate::leases::{claim_many, complete_in, validate_lease};
use crate::model::leases::Claim;
use crate::model::tasks::{ClaimDone, NewTask, Task, TaskStatus};
use crate::numbers::{Count, MAX_BATCH};
use crate::rules::{Action, Target};
use crate::tasks::{checked_new, insert_task};

/// Refuses an empty batch or one past [`MAX_BATCH`] items, naming the argument.
fn check_size(field: &'static str, len: usize) -> Result<()> {
    if (1..=MAX_BATCH as usize).contains(&len) {
        return Ok(());
    }
    Err(Error::invalid(
        field,
        format!("a batch holds 1 to {MAX_BATCH} items, not {len}"),
    ))
}

/// Runs `f` on every item, in order; the first failure is that item's [`Error::Item`].
fn each<'a, T, U>(items: &'a [T], mut f: impl FnMut(&'a T) -> Result<U>) -> Result<Vec<U>> {
    items
        .iter()
        .enumerate()
        .map(|(i, item)| f(item).map_err(|e| Error::at_item(i, e)))
        .collect()
}

impl Actor {
    /// Creates every task of `tasks` in the actor's group, in order, in one transaction, each
    /// as [`Actor::create_task`] would (managers and tier 0). All or nothing: a bad item is an
    /// [`Error::Item`] naming its index, and no task of the batch is created.
    pub fn create_tasks(&self, tasks: &[NewTask]) -> Result<Vec<Task>> {
        check_size("tasks", tasks.len())?;
        let checked = each(tasks, checked_new)?;
        self.write_tx(|c, me| {
            // Who may is the batch's question before any item's (each item asks again).
            me.check(Action::CreateTask, Target::None)?;
            each(&checked, |new| insert_task(c, me, new))
        })
    }

    /// Claims up to `count` of the best next todo tasks, each under its own lease of
    /// `lease_secs` with its own token, chosen as [`Actor::claim_task`] chooses the best next
    /// one (fit, files held by others, deferral, dependencies, board order), in that order.
    /// Fewer when fewer fit; none is an empty list. The claimer's work state becomes `working`
    /// on the first (best) of them, once for the batch.
    pub fn claim_tasks(&self, count: u32, lease_secs: u32) -> Result<Vec<Claim>> {
        let count = Count::Batch.check(count)?;
        validate_lease(lease_secs)?;
        self.task_write(|c, me, now| claim_many(c, me, count, lease_secs, now))
    }

    /// Completes every claim of `claims` to `done` (or `review` for a task awaiting a
    /// person's approval), in order, in one transaction, each as [`Actor::complete_task`]
    /// would: its token must be the live claim. All or nothing: a bad item (a lapsed lease,
    /// a wrong token, a bad summary) is an [`Error::Item`] naming its index, and no claim of the
    /// batch is completed.
    pub fn complete_tasks(&self, claims: &[ClaimDone]) -> Result<Vec<Task>> {
        check_size("claims", claims.len())?;
        let prepared = each(claims, |item| {
            let done = item.completion();
            done.validate()?;
            Ok((item, done))
        })?;
        self.task_write(|c, me, now| {
            me.check(Action::ClaimTask, Target::None)?;
            each(&prepared, |(item, done)| {
                complete_in(
                    c,
                    me,
                    &item.task_id,
                    &item.token,
                    done,
                    TaskStatus::Done,
                    now,
                )
            })
        })
    }
}
