//! A claim that waits for work (issue 21): when nothing fits, `claim_task` with a wait blocks
//! until a task change that may make one fit (created, assigned, released, completed, a
//! dependency done) wakes it through the store's shared waiter, or the time passes. It never
//! polls the board: it tries again only after a change of the actor's group's tasks.

use std::time::{Duration, Instant};

use crate::actor::Actor;
use crate::cancel::CancelToken;
use crate::changes::Waiter;
use crate::error::{Error, Result};
use crate::model::changes::ChangeKind;
use crate::model::leases::Claim;

/// Claims again and again as task changes arrive, from one registration with the store's
/// waiter: a front end that must stay interruptible waits in slices without missing a change
/// between two of them (see [`Actor::claim_waiter`]).
#[derive(Debug)]
pub struct ClaimWaiter {
    actor: Actor,
    waiter: Waiter,
    task_id: Option<String>,
    lease_secs: u32,
    /// Whether a change may have made a task fit since the last attempt.
    try_now: bool,
}

impl Actor {
    /// Claims like [`claim_task`](Self::claim_task), but when nothing fits (no todo task to
    /// take, or the named one held by another) waits up to `wait` for a task change that may
    /// make one fit, and tries again; `cancel` ends the wait early. When the time passes the
    /// answer is `claim_task`'s own: `None`, or the named task's `AlreadyClaimed`.
    pub fn claim_task_waiting(
        &self,
        task_id: Option<&str>,
        lease_secs: u32,
        wait: Duration,
        cancel: Option<&CancelToken>,
    ) -> Result<Option<Claim>> {
        if let Some(claim) = self
            .claim_waiter(task_id, lease_secs)?
            .claim(wait, cancel)?
        {
            return Ok(Some(claim));
        }
        self.claim_task(task_id, lease_secs)
    }

    /// A [`ClaimWaiter`] for `task_id` (or the best next task) under a lease of `lease_secs`.
    pub fn claim_waiter(&self, task_id: Option<&str>, lease_secs: u32) -> Result<ClaimWaiter> {
        crate::leases::validate_lease(lease_secs)?;
        // Registered before the first attempt: a task made between that attempt and the first
        // sleep wakes it.
        let waiter = self.waiter(&[ChangeKind::Task], None)?;
        Ok(ClaimWaiter {
            actor: self.clone(),
            waiter,
            task_id: task_id.map(str::to_owned),
            lease_secs,
            try_now: true,
        })
    }
}

impl ClaimWaiter {
    /// Tries to claim (first, and after each task change), waiting up to `timeout` in all;
    /// `None` when it passes or `cancel` is cancelled with nothing claimed. Errors other than
    /// "held by another" for a named task end the wait.
    pub fn claim(
        &mut self,
        timeout: Duration,
        cancel: Option<&CancelToken>,
    ) -> Result<Option<Claim>> {
        let deadline = Instant::now().checked_add(timeout);
        loop {
            if let Some(claim) = self.attempt()? {
                return Ok(Some(claim));
            }
            let left = deadline.map_or(Duration::MAX, |d| {
                d.saturating_duration_since(Instant::now())
            });
            if left.is_zero() || cancel.is_some_and(CancelToken::is_cancelled) {
                return Ok(None);
            }
            let changes = self.waiter.wait_until(Some(left), cancel)?;
            self.try_now = !changes.is_empty();
        }
    }

    /// One step of [`claim`](Self::claim) without blocking: tries when it has not yet, or when
    /// a task change arrived since the last try ([`Waiter::poll`], which looks only when the
    /// store's shared waiter rang); `None` otherwise. How an event loop keeps many waiting
    /// claims on one thread: it polls each when the store's change bell rings (`agor.aio`).
    pub fn poll(&mut self) -> Result<Option<Claim>> {
        if !self.try_now {
            self.try_now = !self.waiter.poll()?.is_empty();
        }
        self.attempt()
    }

    /// Claims if a change may have made a task fit since the last try (or none was made).
    fn attempt(&mut self) -> Result<Option<Claim>> {
        if !std::mem::take(&mut self.try_now) {
            return Ok(None);
        }
        match self
            .actor
            .claim_task(self.task_id.as_deref(), self.lease_secs)
        {
            // A named task held by another, or whose files another holds: its end is a task
            // change (a claim's files end with the claim).
            Err(Error::AlreadyClaimed { .. } | Error::Reserved { .. })
                if self.task_id.is_some() =>
            {
                Ok(None)
            }
            got => got,
        }
    }
}
