//! File reservations (SPEC §9): an agent about to edit files says so with path globs, exclusive
//! (nobody else may hold an overlapping reservation) or shared (others may share, nobody may
//! hold it exclusively), for a time and a reason. They are advisory — agor does not guard the
//! files — and lapse like task leases. Reservations are per group: a group is one team on one
//! repository, and another group never sees or collides with them.

use serde::{Deserialize, Serialize};

use crate::agents::{Actor, Member};
use crate::audit;
use crate::clock;
use crate::error::{Error, Result};
use crate::storage::sql::reservations as sql;
use crate::storage::Tx;
use crate::text;

/// A live reservation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Reservation {
    /// Its id (renew and release take it).
    pub id: String,
    /// Who holds it.
    pub agent_id: String,
    /// The holder's group.
    pub group_id: String,
    /// The path glob: `*` any run of characters (slashes too), `?` one, `[abc]` a class.
    pub pattern: String,
    /// Exclusive, or shared with other shared holders.
    pub exclusive: bool,
    /// Why, for whoever runs into it.
    pub reason: Option<String>,
    /// When it was first taken, `YYYY-MM-DD HH:MM:SS` UTC.
    pub created_at: String,
    /// When it lapses unless renewed, Unix milliseconds.
    pub expires_at_ms: i64,
}

/// How long a reservation lasts when the caller does not say: an hour.
pub const DEFAULT_RESERVATION_SECS: u32 = 3600;

/// The longest a path pattern may be.
const MAX_PATTERN_BYTES: usize = 1024;
/// The most patterns one call may reserve.
const MAX_PATTERNS: usize = 256;

fn has_wildcard(p: &str) -> bool {
    p.contains(['*', '?', '['])
}

/// Whether some path could match both globs. Exact when at most one has wildcards; with
/// wildcards on both sides, whenever one's literal start is a prefix of the other's (so
/// `src/*.rs` and `src/a*` overlap, `src/*` and `docs/*` do not) — it may report an overlap
/// that no real path has, never miss one.
pub(crate) fn overlap(a: &str, b: &str) -> bool {
    match (has_wildcard(a), has_wildcard(b)) {
        (false, false) => a == b,
        (true, false) => text::glob_matches(a, b),
        (false, true) => text::glob_matches(b, a),
        (true, true) => {
            let lit = |p: &str| p[..p.find(['*', '?', '[']).unwrap_or(p.len())].to_owned();
            let (la, lb) = (lit(a), lit(b));
            la.starts_with(&lb) || lb.starts_with(&la)
        }
    }
}

fn check_patterns(patterns: &[String]) -> Result<()> {
    if patterns.is_empty() {
        return Err(Error::invalid(
            "paths",
            "give at least one path or glob to reserve",
        ));
    }
    if patterns.len() > MAX_PATTERNS {
        return Err(Error::invalid(
            "paths",
            format!(
                "{} paths is over the limit of {MAX_PATTERNS} per call",
                patterns.len()
            ),
        ));
    }
    for p in patterns {
        text::label("paths", p, MAX_PATTERN_BYTES)?;
        if p.chars().any(char::is_control) {
            return Err(Error::invalid(
                "paths",
                format!("{p:?} holds a control character"),
            ));
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
        self.write_tx(|c, me| {
            sql::reap(c, now)?;
            let held = sql::live(c, Some(&me.group_id), now)?;
            for want in patterns {
                let clash = held.iter().find(|h| {
                    h.agent_id != me.id && (exclusive || h.exclusive) && overlap(&h.pattern, want)
                });
                if let Some(h) = clash {
                    return Err(Error::Reserved {
                        path: want.clone(),
                        holder: h.agent_id.clone(),
                        pattern: h.pattern.clone(),
                        exclusive: h.exclusive,
                        reason: h.reason.clone(),
                    });
                }
            }
            let mut out = Vec::new();
            for pattern in patterns {
                // The actor's own live reservation on the pattern, read above with the rest.
                let mine = held
                    .iter()
                    .find(|h| h.agent_id == me.id && &h.pattern == pattern);
                let r = Reservation {
                    id: mine.map_or_else(|| uuid::Uuid::new_v4().to_string(), |m| m.id.clone()),
                    agent_id: me.id.clone(),
                    group_id: me.group_id.clone(),
                    pattern: pattern.clone(),
                    exclusive,
                    reason: reason.map(str::to_owned),
                    created_at: mine.map_or_else(clock::sql_now, |m| m.created_at.clone()),
                    expires_at_ms: expires,
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

    /// Live reservations of the actor's group (tier 0: every group): of one agent, and/or
    /// those that cover or overlap `path` (a path or a glob).
    pub fn reservations(
        &self,
        agent: Option<&str>,
        path: Option<&str>,
    ) -> Result<Vec<Reservation>> {
        let now = self.store.now_ms();
        self.read_tx(|c, me| {
            let group = (!me.is_admin()).then_some(me.group_id.as_str());
            let mut all = sql::live(c, group, now)?;
            all.retain(|r| {
                agent.is_none_or(|a| r.agent_id == a) && path.is_none_or(|p| overlap(&r.pattern, p))
            });
            Ok(all)
        })
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

#[cfg(test)]
mod tests {
    use super::overlap;

    #[test]
    fn overlapping_globs() {
        for (a, b, want) in [
            ("src/a.rs", "src/a.rs", true),
            ("src/a.rs", "src/b.rs", false),
            ("src/*", "src/a.rs", true),
            ("src/*.rs", "src/a.py", false),
            ("src/*.rs", "src/a*", true),
            ("src/*", "docs/*", false),
            ("*", "anything/at/all", true),
            ("src/[ab].rs", "src/c.rs", false),
        ] {
            assert_eq!(overlap(a, b), want, "{a} vs {b}");
            assert_eq!(overlap(b, a), want, "{b} vs {a}");
        }
    }
}
