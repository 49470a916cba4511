//! Channels: created by managers, posted to by members, listed with member counts and their
//! last message. The per-group `review-queue` and `review-log` channels are created on demand.

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use crate::agents::{self, require_manager, Actor, Principal};
use crate::audit;
use crate::error::{Error, ObjectKind, Result};
use crate::ids::{self, validate_content, CHANNELS};
use crate::Store;

/// Names of the review channels every group gets on first use.
pub const REVIEW_QUEUE: &str = "review-queue";
pub const REVIEW_LOG: &str = "review-log";

/// A channel with its member count and last message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Channel {
    pub id: String,
    pub name: String,
    pub group_id: Option<String>,
    pub created_by: Option<String>,
    pub created_at: String,
    pub member_count: i64,
    pub last_message: Option<ChannelMessage>,
}

/// A post in a channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelMessage {
    pub id: String,
    pub channel_id: String,
    pub from_agent: String,
    pub content: String,
    pub created_at: String,
}

const POST_COLUMNS: &str = "id, channel_id, from_agent, content, created_at";

fn post_from_row(r: &Row<'_>) -> rusqlite::Result<ChannelMessage> {
    Ok(ChannelMessage {
        id: r.get(0)?,
        channel_id: r.get(1)?,
        from_agent: r.get(2)?,
        content: r.get(3)?,
        created_at: r.get(4)?,
    })
}

fn last_post(c: &Connection, channel_id: &str) -> Result<Option<ChannelMessage>> {
    Ok(c
        .prepare_cached(&format!(
            "SELECT {POST_COLUMNS} FROM channel_messages WHERE channel_id = ?1 ORDER BY created_at DESC, rowid DESC LIMIT 1"
        ))?
        .query_row([channel_id], post_from_row)
        .optional()?)
}

fn load(c: &Connection, id: &str) -> Result<Channel> {
    let (id, name, group_id, created_by, created_at): (String, String, _, _, String) = c
        .prepare_cached(
            "SELECT id, name, group_id, created_by, created_at FROM channels WHERE id = ?1",
        )?
        .query_row([id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .optional()?
        .ok_or_else(|| Error::not_found(ObjectKind::Channel, id))?;
    let member_count = c
        .prepare_cached("SELECT count(*) FROM channel_members WHERE channel_id = ?1")?
        .query_row([&id], |r| r.get(0))?;
    let last_message = last_post(c, &id)?;
    Ok(Channel {
        id,
        name,
        group_id,
        created_by,
        created_at,
        member_count,
        last_message,
    })
}

fn find_by_name(c: &Connection, group: &str, name: &str) -> Result<Option<String>> {
    Ok(c
        .prepare_cached("SELECT id FROM channels WHERE group_id = ?1 AND name = ?2 ORDER BY created_at, rowid LIMIT 1")?
        .query_row([group, name], |r| r.get(0))
        .optional()?)
}

/// A channel by name in the actor's group, by unique name in any group, or by id / id prefix.
fn resolve(c: &Connection, me: &Principal, input: &str) -> Result<Channel> {
    if let Some(id) = find_by_name(c, &me.group_id, input)? {
        return load(c, &id);
    }
    let mut named: Vec<String> = c
        .prepare_cached("SELECT id FROM channels WHERE name = ?1 ORDER BY id LIMIT 9")?
        .query_map([input], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    match named.len() {
        1 => load(c, &named.remove(0)),
        0 => load(c, &ids::resolve(c, CHANNELS, input)?),
        _ => Err(Error::Ambiguous {
            kind: ObjectKind::Channel,
            prefix: input.to_owned(),
            candidates: named,
        }),
    }
}

fn is_member(c: &Connection, channel_id: &str, agent_id: &str) -> Result<bool> {
    Ok(
        c.prepare_cached("SELECT 1 FROM channel_members WHERE channel_id = ?1 AND agent_id = ?2")?
            .exists([channel_id, agent_id])?,
    )
}

fn insert_channel(c: &Connection, name: &str, group: &str, created_by: &str) -> Result<String> {
    let id = uuid::Uuid::new_v4().to_string();
    c.prepare_cached(
        "INSERT INTO channels (id, name, group_id, created_by, created_at) VALUES (?1, ?2, ?3, ?4, datetime('now'))",
    )?
    .execute([&id, name, group, created_by])?;
    Ok(id)
}

fn add_member_row(c: &Connection, channel_id: &str, agent_id: &str) -> Result<bool> {
    Ok(c
        .prepare_cached(
            "INSERT OR IGNORE INTO channel_members (channel_id, agent_id, joined_at) VALUES (?1, ?2, datetime('now'))",
        )?
        .execute([channel_id, agent_id])?
        > 0)
}

/// Posts to a channel inside the caller's transaction (also used for review notices).
pub(crate) fn insert_post(
    c: &Connection,
    channel_id: &str,
    from: &str,
    content: &str,
) -> Result<ChannelMessage> {
    let post = ChannelMessage {
        id: uuid::Uuid::new_v4().to_string(),
        channel_id: channel_id.to_owned(),
        from_agent: from.to_owned(),
        content: content.to_owned(),
        created_at: crate::liveness::sql_now(),
    };
    c.prepare_cached(
        "INSERT INTO channel_messages (id, channel_id, from_agent, content, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute([&post.id, &post.channel_id, &post.from_agent, &post.content, &post.created_at])?;
    Ok(post)
}

/// Returns the ids of the group's review-queue and review-log channels, creating them if
/// missing. Runs inside a write transaction, so concurrent callers create each only once.
pub(crate) fn ensure_review_channels(
    c: &Connection,
    group: &str,
    actor: &str,
) -> Result<(String, String)> {
    let get = |name: &str| -> Result<String> {
        if let Some(id) = find_by_name(c, group, name)? {
            return Ok(id);
        }
        let id = insert_channel(c, name, group, actor)?;
        audit::record(c, actor, "channel_created", &format!("{name} in {group}"))?;
        Ok(id)
    };
    Ok((get(REVIEW_QUEUE)?, get(REVIEW_LOG)?))
}

impl Store {
    /// Creates the `review-queue` and `review-log` channels of `group` if they do not exist yet.
    pub fn ensure_review_channels(&self, group: &str) -> Result<(Channel, Channel)> {
        ids::validate_token("group", group)?;
        self.write(|c| {
            let (queue, log) = ensure_review_channels(c, group, "agor")?;
            Ok((load(c, &queue)?, load(c, &log)?))
        })
    }
}

impl Actor {
    /// Creates a channel in the actor's group and joins it. Managers and tier 0 only.
    pub fn create_channel(&self, name: &str) -> Result<Channel> {
        ids::validate_token("channel name", name)?;
        self.write_tx(|c, me| {
            require_manager(me, "create channels")?;
            if find_by_name(c, &me.group_id, name)?.is_some() {
                return Err(Error::invalid(
                    "channel name",
                    format!(
                        "a channel named '{name}' already exists in group {}",
                        me.group_id
                    ),
                ));
            }
            let id = insert_channel(c, name, &me.group_id, &me.id)?;
            add_member_row(c, &id, &me.id)?;
            audit::record(
                c,
                &me.id,
                "channel_created",
                &format!("{name} ({id}) in {}", me.group_id),
            )?;
            load(c, &id)
        })
    }

    /// Channels of the actor's group (tier 0: all), with member counts and last message.
    pub fn list_channels(&self) -> Result<Vec<Channel>> {
        self.read_tx(|c, me| {
            let ids: Vec<String> = c
                .prepare_cached(
                    "SELECT id FROM channels WHERE ?1 OR group_id = ?2 ORDER BY group_id, name",
                )?
                .query_map(params![me.is_admin(), me.group_id], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            ids.iter().map(|id| load(c, id)).collect()
        })
    }

    /// Posts to a channel (by name or id). Members only; tier 0 bypasses.
    pub fn post(&self, channel: &str, content: &str) -> Result<ChannelMessage> {
        validate_content(content)?;
        self.write_tx(|c, me| {
            let ch = resolve(c, me, channel)?;
            if !me.is_admin() && !is_member(c, &ch.id, &me.id)? {
                return Err(Error::denied(
                    &me.id,
                    format!("post to #{} (not a member)", ch.name),
                ));
            }
            let post = insert_post(c, &ch.id, &me.id, content)?;
            audit::record(
                c,
                &me.id,
                "channel_post",
                &format!("#{} {}", ch.name, post.id),
            )?;
            Ok(post)
        })
    }

    /// The last `limit` posts of a channel, oldest first. Members, managers and tier 0.
    /// `limit` is 1..=[`MAX_LIMIT`](crate::MAX_LIMIT), else [`Error::InvalidInput`].
    pub fn channel_history(&self, channel: &str, limit: u32) -> Result<Vec<ChannelMessage>> {
        crate::numbers::check_limit(limit)?;
        self.read_tx(|c, me| {
            let ch = resolve(c, me, channel)?;
            if !me.is_manager() && !is_member(c, &ch.id, &me.id)? {
                return Err(Error::denied(
                    &me.id,
                    format!("read #{} (not a member)", ch.name),
                ));
            }
            let mut posts: Vec<ChannelMessage> = c
                .prepare_cached(&format!(
                    "SELECT {POST_COLUMNS} FROM channel_messages WHERE channel_id = ?1
                     ORDER BY created_at DESC, rowid DESC LIMIT ?2"
                ))?
                .query_map(params![ch.id, limit], post_from_row)?
                .collect::<rusqlite::Result<_>>()?;
            posts.reverse();
            Ok(posts)
        })
    }

    /// Adds an agent to a channel. Managers, tier 0 and the channel's creator. Idempotent.
    pub fn add_member(&self, channel: &str, agent_id: &str) -> Result<Channel> {
        self.write_tx(|c, me| {
            let ch = resolve(c, me, channel)?;
            if ch.created_by.as_deref() != Some(me.id.as_str()) {
                require_manager(me, &format!("add members to #{}", ch.name))?;
            }
            let agent = agents::resolve_principal(c, agent_id)?;
            if add_member_row(c, &ch.id, &agent.id)? {
                audit::record(
                    c,
                    &me.id,
                    "channel_member_added",
                    &format!("#{} + {}", ch.name, agent.id),
                )?;
            }
            load(c, &ch.id)
        })
    }
}
