//! File reservations (SPEC §9): an agent about to edit files says so with path globs, exclusive
//! (nobody else may hold an overlapping reservation) or shared (others may share, nobody may
//! hold it exclusively), for a time and a reason. They are advisory — agor does not guard the
//! files — and lapse like task leases. Reservations are per group: a group is one team on one
//! repository, and another group never sees or collides with them. A task's paths under a
//! live claim count as the claimer's exclusive reservations (`claim_paths.rs`).

use crate::actor::Actor;
use crate::audit;
use crate::error::{Error, Result};
use crate::model::agents::Member;
use crate::model::reservations::{
    check_path, PathGlob, Reservation, MAX_LIVE_RESERVATIONS, MAX_RESERVATION_PATHS,
};
use crate::storage::sql::reservations as sql;
use crate::storage::Tx;
use crate::text;
use std::collections::{HashMap, HashSet};

pub(crate) fn check_patterns(patterns: &[String]) -> Result<()> {
    if patterns.is_empty() {
        return Err(Error::invalid(
            "paths",
            "give at least one path or glob to reserve",
        ));
    }
    if patterns.len() > MAX_RESERVATION_PATHS {
        return Err(Error::invalid(
            "paths",
            format!(
                "{} paths is over the limit of {MAX_RESERVATION_PATHS} per call",
                patterns.len()
            ),
        ));
    }
    patterns.iter().try_for_each(|p| check_path("paths", p))
}

/// Every live reservation of a group (every group when `None`): those made with `reserve`,
/// then the paths of tasks under a live claim.
pub(crate) fn held(c: &dyn Tx, group: Option<&str>, now_ms: i64) -> Result<Vec<Reservation>> {
    let mut all = sql::live(c, group, now_ms)?;
    all.extend(sql::claimed(c, group, now_ms)?);
    Ok(all)
}

/// The reservation error a caller gets for wanting `path` while `h` holds `h.pattern`.
pub(crate) fn reserved_error(path: &str, h: &Reservation) -> Error {
    Error::Reserved {
        path: path.to_owned(),
        holder: h.agent_id.clone(),
        pattern: h.pattern.clone(),
        exclusive: h.exclusive,
        reason: h.reason.clone(),
    }
}

/// The first of `held` (others' reservations) that conflicts with one of `wanted`, as the
/// error the caller gets.
fn clash<'h>(
    held: impl IntoIterator<Item = &'h Reservation>,
    me: &str,
    wanted: &[PathGlob<'_>],
    exclusive: bool,
) -> Result<()> {
    for h in held {
        if h.agent_id == me || !(exclusive || h.exclusive) {
            continue;
        }
        let theirs = PathGlob::new(&h.pattern);
        if let Some(want) = wanted.iter().find(|w| theirs.overlaps(w)) {
            return Err(reserved_error(want.text, h));
        }
    }
    Ok(())
}

impl Actor {
    /// Reserves `patterns` for `ttl_secs` (1..=[`MAX_LEASE_SECS`](crate::MAX_LEASE_SECS)),
    /// exclusive or shared, all or none: if another agent of the group holds an overlapping
    /// reservation that conflicts (either side exclusive), nothing is reserved and the error
    /// (`AlreadyClaimed`) names the holder and both paths. Reserving a pattern the actor
    /// already holds updates it.
    pub fn reserve(
        &self,
        patterns: &[String],
        exclusive: bool,
        ttl_secs: u32,
        reason: Option<&str>,
    ) -> Result<Vec<Reservation>> {
        check_patterns(patterns)?;
        crate::Count::LeaseSecs.check(i64::from(ttl_secs))?;
        if let Some(r) = reason {
            text::label("reason", r, text::MAX_CONTENT_BYTES)?;
        }
        let now = self.store.now_ms();
        let expires = now.saturating_add(i64::from(ttl_secs) * 1000);
        let wanted: Vec<PathGlob<'_>> = patterns.iter().map(|p| PathGlob::new(p)).collect();
        // Matching is judged on a snapshot, with no lock held; inside the write transaction
        // only what others reserved since (or turned exclusive since) is judged again.
        let snapshot = self.read_tx(|c, me| {
            let held = held(c, Some(&me.group_id), now)?;
            Ok((me.id.clone(), held))
        })?;
        clash(&snapshot.1, &snapshot.0, &wanted, exclusive)?;
        let judged: HashSet<(&str, bool)> = snapshot
            .1
            .iter()
            .map(|h| (h.id.as_str(), h.exclusive))
            .collect();
        self.write_tx(|c, me| {
            sql::reap(c, now)?;
            let held = held(c, Some(&me.group_id), now)?;
            let fresh = held
                .iter()
                .filter(|h| !judged.contains(&(h.id.as_str(), h.exclusive)));
            clash(fresh, &me.id, &wanted, exclusive)?;
            // The actor's own live reservations, by pattern: reserving one again updates it.
            let mine: HashMap<&str, &Reservation> = held
                .iter()
                .filter(|h| h.agent_id == me.id && h.task_id.is_none())
                .map(|h| (h.pattern.as_str(), h))
                .collect();
            let asked: HashSet<&str> = patterns.iter().map(String::as_str).collect();
            let kept = mine.keys().filter(|p| !asked.contains(*p)).count();
            if kept + patterns.len() > MAX_LIVE_RESERVATIONS {
                return Err(Error::invalid(
                    "paths",
                    format!(
                        "{} live reservations is over the limit of {MAX_LIVE_RESERVATIONS} per \
                         agent; release some first",
                        kept + patterns.len()
                    ),
                ));
            }
            let mut out = Vec::new();
            for pattern in patterns {
                let mine = mine.get(pattern.as_str());
                let r = Reservation {
                    id: mine.map_or_else(|| uuid::Uuid::new_v4().to_string(), |m| m.id.clone()),
                    agent_id: me.id.clone(),
                    group_id: me.group_id.clone(),
                    pattern: pattern.clone(),
                    exclusive,
                    reason: reason.map(str::to_owned),
                    created_at: mine.map_or_else(|| c.now().sql(), |m| m.created_at.clone()),
                    expires_at_ms: expires,
                    task_id: None,
                };
                sql::upsert(c, &r)?;
                out.push(r);
            }
            let what = if exclusive { "exclusive" } else { "shared" };
            audit::record(
                c,
                &me.id,
                "files_reserved",
                &format!("{what}: {}", patterns.join(" ")),
            )?;
            Ok(out)
        })
    }

    /// Extends the actor's live reservations (`ids`, or all of them when empty) to `ttl_secs`
    /// from now. An id that is not a live reservation of the actor is `NotFound`.
    pub fn renew_reservations(&self, ids: &[String], ttl_secs: u32) -> Result<Vec<Reservation>> {
        crate::Count::LeaseSecs.check(i64::from(ttl_secs))?;
        let now = self.store.now_ms();
        let expires = now.saturating_add(i64::from(ttl_secs) * 1000);
        self.write_tx(|c, me| {
            let mut mine = own(c, me, ids, now)?;
            for r in &mut mine {
                sql::set_expiry(c, &r.id, expires)?;
                r.expires_at_ms = expires;
            }
            Ok(mine)
        })
    }

    /// Releases the actor's reservations (`ids`, or all of them when empty); returns how many.
    /// An id that is not a live reservation of the actor is `NotFound` and nothing is released.
    pub fn release_reservations(&self, ids: &[String]) -> Result<usize> {
        let now = self.store.now_ms();
        self.write_tx(|c, me| {
            let mine = own(c, me, ids, now)?;
            for r in &mine {
                sql::delete(c, &r.id)?;
            }
            if !mine.is_empty() {
                let list: Vec<&str> = mine.iter().map(|r| r.pattern.as_str()).collect();
                audit::record(c, &me.id, "files_released", &list.join(" "))?;
            }
            Ok(mine.len())
        })
    }

    /// Live reservations of the actor's group (tier 0: every group), the paths of claimed
    /// tasks among them (naming their task): of one agent, and/or those that cover or overlap
    /// `path` (a path or a glob).
    pub fn reservations(
        &self,
        agent: Option<&str>,
        path: Option<&str>,
    ) -> Result<Vec<Reservation>> {
        let now = self.store.now_ms();
        if let Some(p) = path {
            check_path("path", p)?;
        }
        let path = path.map(PathGlob::new);
        let mut all = self.read_tx(|c, me| {
            let group = (!me.is_admin()).then_some(me.group_id.as_str());
            held(c, group, now)
        })?;
        // Matched after the read, with no lock held.
        all.retain(|r| {
            agent.is_none_or(|a| r.agent_id == a)
                && path
                    .as_ref()
                    .is_none_or(|p| PathGlob::new(&r.pattern).overlaps(p))
        });
        Ok(all)
    }
}

/// The actor's live reservations with these ids (all of them when `ids` is empty).
fn own(c: &dyn Tx, me: &Member, ids: &[String], now: i64) -> Result<Vec<Reservation>> {
    let mine: Vec<Reservation> = sql::live(c, Some(&me.group_id), now)?
        .into_iter()
        .filter(|r| r.agent_id == me.id)
        .collect();
    if ids.is_empty() {
        return Ok(mine);
    }
    ids.iter()
        .map(|id| {
            mine.iter()
                .find(|r| &r.id == id)
                .cloned()
                .ok_or_else(|| Error::not_found(crate::ObjectKind::Reservation, id.clone()))
        })
        .collect()
}
