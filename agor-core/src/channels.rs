//! Channels: created by managers, posted to by members, listed with member counts and their
//! last message. The per-group `review-queue` and `review-log` channels are created on demand.

use serde::{Deserialize, Serialize};

use crate::agents::{self, Actor, Member};
use crate::audit;
use crate::changes::{self, Audience, ChangeKind};
use crate::error::{Error, ObjectKind, Result};
use crate::ids::{self, validate_content, CHANNELS};
use crate::lenient;
use crate::rules::{Action, Target, SYSTEM};
use crate::storage::{args, Param, Row, Tx, ValueRef};
use crate::Store;

/// Names of the review channels every group gets on first use.
pub const REVIEW_QUEUE: &str = "review-queue";
/// Name of the per-group channel where review outcomes go.
pub const REVIEW_LOG: &str = "review-log";

/// A channel with its member count and last message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Channel {
    /// A uuid.
    pub id: String,
    /// Unique in its group.
    pub name: String,
    /// Its group.
    pub group_id: Option<String>,
    /// Who created it (`agor` for the review channels).
    pub created_by: Option<String>,
    /// `YYYY-MM-DD HH:MM:SS` UTC.
    pub created_at: String,
    /// How many agents belong to it.
    pub member_count: i64,
    /// Its newest post.
    pub last_message: Option<ChannelMessage>,
}

/// A post in a channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ChannelMessage {
    /// A uuid.
    pub id: String,
    /// The channel posted to.
    pub channel_id: String,
    /// Who posted (`agor` for review notices).
    pub from_agent: String,
    /// The text.
    pub content: String,
    /// `YYYY-MM-DD HH:MM:SS` UTC.
    pub created_at: String,
}

const POST_COLUMNS: &str = "id, channel_id, from_agent, content, created_at";

/// Legacy rows may hold NULL or odd types in any column (see `lenient`).
fn post_from_row(r: &Row<'_>) -> Result<ChannelMessage> {
    post_at(r, 0)
}

/// A post whose [`POST_COLUMNS`] start at column `first` of the row.
fn post_at(r: &Row<'_>, first: usize) -> Result<ChannelMessage> {
    Ok(ChannelMessage {
        id: lenient::text(r, first)?,
        channel_id: lenient::text(r, first + 1)?,
        from_agent: lenient::text(r, first + 2)?,
        content: lenient::text(r, first + 3)?,
        created_at: lenient::timestamp(r, first + 4)?,
    })
}

fn last_post(c: &dyn Tx, channel_id: &str) -> Result<Option<ChannelMessage>> {
    c.query_opt(
        &format!(
            "SELECT {POST_COLUMNS} FROM channel_messages WHERE channel_id = ?1 ORDER BY created_at DESC, rowid DESC LIMIT 1"
        ),
        args![channel_id],
        post_from_row,
    )
}

fn load(c: &dyn Tx, id: &str) -> Result<Channel> {
    let (id, name, group_id, created_by, created_at): (String, String, _, _, String) = c
        .query_opt(
            "SELECT id, name, group_id, created_by, created_at FROM channels WHERE id = ?1",
            args![id],
            |r| {
                Ok((
                    lenient::text(r, 0)?,
                    lenient::text(r, 1)?,
                    lenient::opt_text(r, 2)?,
                    lenient::opt_text(r, 3)?,
                    lenient::timestamp(r, 4)?,
                ))
            },
        )?
        .ok_or_else(|| Error::not_found(ObjectKind::Channel, id))?;
    let member_count = c.query_row(
        "SELECT count(*) FROM channel_members WHERE channel_id = ?1",
        args![&id],
        |r| r.get(0),
    )?;
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

/// Channels with their member count and last post in one statement: the count is a probe of
/// the `channel_members` primary key, the last post one step down `agor_channel_messages_channel`.
/// Tier 0 lists every group (no parameter), others their group (`?1`) through `agor_channels_group_name`.
pub(crate) fn list_channels_sql(admin: bool) -> String {
    let scope = if admin { "" } else { "WHERE ch.group_id = ?1" };
    format!(
        "SELECT ch.id, ch.name, ch.group_id, ch.created_by, ch.created_at,
            (SELECT count(*) FROM channel_members cm WHERE cm.channel_id = ch.id),
            m.rowid, m.id, m.channel_id, m.from_agent, m.content, m.created_at
         FROM channels ch
         LEFT JOIN channel_messages m ON m.rowid = (
             SELECT rowid FROM channel_messages WHERE channel_id = ch.id
             ORDER BY created_at DESC, rowid DESC LIMIT 1)
         {scope} ORDER BY ch.group_id, ch.name"
    )
}

fn find_by_name(c: &dyn Tx, group: &str, name: &str) -> Result<Option<String>> {
    c.query_opt(
        "SELECT id FROM channels WHERE group_id = ?1 AND name = ?2 ORDER BY created_at, rowid LIMIT 1",
        args![group, name],
        |r| r.get(0),
    )
}

/// A channel by name in the actor's group, or by id / id prefix among the channels it may
/// name; tier 0 also by a name unique across groups.
fn resolve(c: &dyn Tx, me: &Member, input: &str) -> Result<Channel> {
    if let Some(id) = find_by_name(c, &me.group_id, input)? {
        return load(c, &id);
    }
    if !me.is_admin() {
        return load(c, &ids::resolve(c, CHANNELS, input, &me.group_scope())?);
    }
    let mut named: Vec<String> = c.query_map(
        "SELECT id FROM channels WHERE name = ?1 ORDER BY id LIMIT 9",
        args![input],
        |r| r.get(0),
    )?;
    match named.len() {
        1 => load(c, &named.remove(0)),
        0 => load(c, &ids::resolve(c, CHANNELS, input, &ids::Scope::all())?),
        _ => Err(Error::Ambiguous {
            kind: ObjectKind::Channel,
            prefix: input.to_owned(),
            candidates: named,
        }),
    }
}

/// Asks the permission table about an action on a channel, with the actor's membership.
fn check_channel(c: &dyn Tx, me: &Member, action: Action, ch: &Channel) -> Result<()> {
    let member = is_member(c, &ch.id, &me.id)?;
    let group = ch.group_id.as_deref().unwrap_or_default();
    me.check(action, Target::Channel { group, member })
        .map_err(|e| match e {
            Error::PermissionDenied { actor, action } => Error::PermissionDenied {
                actor,
                action: format!("{action} (#{})", ch.name),
            },
            other => other,
        })
}

fn is_member(c: &dyn Tx, channel_id: &str, agent_id: &str) -> Result<bool> {
    Ok(c.query_opt(
        "SELECT 1 FROM channel_members WHERE channel_id = ?1 AND agent_id = ?2",
        args![channel_id, agent_id],
        |_| Ok(()),
    )?
    .is_some())
}

/// Callers check the name is new first: race-free, the write transaction excludes every
/// other writer (storage contract).
fn insert_channel(c: &dyn Tx, name: &str, group: &str, created_by: &str) -> Result<String> {
    let id = uuid::Uuid::new_v4().to_string();
    c.execute(
        "INSERT INTO channels (id, name, group_id, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        args![&id, name, group, created_by, crate::clock::sql_now()],
    )?;
    Ok(id)
}

fn add_member_row(c: &dyn Tx, channel_id: &str, agent_id: &str) -> Result<bool> {
    Ok(c.execute(
        "INSERT INTO channel_members (channel_id, agent_id, joined_at) VALUES (?1, ?2, ?3)
         ON CONFLICT DO NOTHING",
        args![channel_id, agent_id, crate::clock::sql_now()],
    )? > 0)
}

/// Posts to a channel inside the caller's transaction (also used for review notices).
pub(crate) fn insert_post(
    c: &dyn Tx,
    (channel_id, group): (&str, Option<&str>),
    from: &str,
    content: &str,
) -> Result<ChannelMessage> {
    let post = ChannelMessage {
        id: uuid::Uuid::new_v4().to_string(),
        channel_id: channel_id.to_owned(),
        from_agent: from.to_owned(),
        content: content.to_owned(),
        created_at: crate::clock::sql_now(),
    };
    c.execute(
        "INSERT INTO channel_messages (id, channel_id, from_agent, content, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        args![&post.id, &post.channel_id, &post.from_agent, &post.content, &post.created_at],
    )?;
    let to = Audience {
        group,
        agent: None,
        channel: Some(channel_id),
    };
    changes::record(c, ChangeKind::Post, "channel_post", from, &post.id, to)?;
    Ok(post)
}

/// Returns the ids of the group's review-queue and review-log channels, creating them if
/// missing. Runs inside a write transaction, so concurrent callers create each only once.
/// They belong to the system, not to the agent whose action created them: nobody becomes
/// their owner, and only managers add members.
pub(crate) fn ensure_review_channels(
    c: &dyn Tx,
    group: &str,
    actor: &str,
) -> Result<(String, String)> {
    let get = |name: &str| -> Result<String> {
        if let Some(id) = find_by_name(c, group, name)? {
            return Ok(id);
        }
        let id = insert_channel(c, name, group, SYSTEM)?;
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
        if [REVIEW_QUEUE, REVIEW_LOG].contains(&name) {
            return Err(Error::invalid(
                "channel name",
                format!("'{name}' is reserved for the review channels agor creates itself"),
            ));
        }
        self.write_tx(|c, me| {
            me.check(Action::CreateChannel, Target::None)?;
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
            // One statement for the whole list (it was one query per channel, three each).
            // Tier 0's variant has no group parameter.
            let group: Vec<Param<'_>> = (!me.is_admin())
                .then(|| Param::from(&me.group_id))
                .into_iter()
                .collect();
            c.query_map(&list_channels_sql(me.is_admin()), &group, |r| {
                // `m.rowid` tells a channel without posts from a post with odd (NULL) columns.
                let has_post = r.value(6)? != ValueRef::Null;
                Ok(Channel {
                    id: lenient::text(r, 0)?,
                    name: lenient::text(r, 1)?,
                    group_id: lenient::opt_text(r, 2)?,
                    created_by: lenient::opt_text(r, 3)?,
                    created_at: lenient::timestamp(r, 4)?,
                    member_count: r.get(5)?,
                    last_message: has_post.then(|| post_at(r, 7)).transpose()?,
                })
            })
        })
    }

    /// Posts to a channel (by name or id). Members only; tier 0 bypasses.
    pub fn post(&self, channel: &str, content: &str) -> Result<ChannelMessage> {
        validate_content(content)?;
        self.write_tx(|c, me| {
            let ch = resolve(c, me, channel)?;
            check_channel(c, me, Action::PostToChannel, &ch)?;
            let post = insert_post(c, (&ch.id, ch.group_id.as_deref()), &me.id, content)?;
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
            check_channel(c, me, Action::ReadChannel, &ch)?;
            let mut posts: Vec<ChannelMessage> = c.query_map(
                &format!(
                    "SELECT {POST_COLUMNS} FROM channel_messages WHERE channel_id = ?1
                     ORDER BY created_at DESC, rowid DESC LIMIT ?2"
                ),
                args![&ch.id, limit],
                post_from_row,
            )?;
            posts.reverse();
            Ok(posts)
        })
    }

    /// Adds an agent of the group to a channel. Managers of the channel's group and tier 0.
    /// Idempotent.
    pub fn add_member(&self, channel: &str, agent_id: &str) -> Result<Channel> {
        self.write_tx(|c, me| {
            let ch = resolve(c, me, channel)?;
            check_channel(c, me, Action::AddChannelMember, &ch)?;
            let agent = agents::resolve_principal(c, agent_id, &me.group_scope())?;
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
