//! Statements of `crate::channels`: channels, members and posts.

use crate::error::{Error, ObjectKind, Result};
use crate::model::channels::{Channel, ChannelMessage};
use crate::storage::lenient;
use crate::storage::{args, Param, Row, Tx, ValueRef};

const POST_COLUMNS: &str = "id, channel_id, from_agent, content, created_at";

/// Legacy rows may hold NULL or odd types in any column (see `lenient`).
pub(crate) fn post_from_row(r: &Row<'_>) -> Result<ChannelMessage> {
    post_at(r, 0)
}

/// A post whose [`POST_COLUMNS`] start at column `first` of the row.
pub(crate) fn post_at(r: &Row<'_>, first: usize) -> Result<ChannelMessage> {
    Ok(ChannelMessage {
        id: lenient::text(r, first)?,
        channel_id: lenient::text(r, first + 1)?,
        from_agent: lenient::text(r, first + 2)?,
        content: lenient::text(r, first + 3)?,
        created_at: lenient::timestamp(r, first + 4)?,
    })
}

pub(crate) fn last_post(c: &dyn Tx, channel_id: &str) -> Result<Option<ChannelMessage>> {
    c.query_opt(
        &format!(
            "SELECT {POST_COLUMNS} FROM channel_messages WHERE channel_id = ?1 ORDER BY created_at DESC, rowid DESC LIMIT 1"
        ),
        args![channel_id],
        post_from_row,
    )
}

/// One channel with its member count and last post.
pub(crate) fn load(c: &dyn Tx, id: &str) -> Result<Channel> {
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

/// Channels with their member count, whether agent `?1` is a member, and last post, in one
/// statement: the count and the membership are probes of the `channel_members` primary key,
/// the last post one step down `agor_channel_messages_channel`. Tier 0 lists every group, others
/// their group (`?2`) through `agor_channels_group_name`.
pub(crate) fn list_channels_sql(admin: bool) -> String {
    let scope = if admin { "" } else { "WHERE ch.group_id = ?2" };
    format!(
        "SELECT ch.id, ch.name, ch.group_id, ch.created_by, ch.created_at,
            (SELECT count(*) FROM channel_members cm WHERE cm.channel_id = ch.id),
            m.rowid, m.id, m.channel_id, m.from_agent, m.content, m.created_at,
            EXISTS (SELECT 1 FROM channel_members me
                    WHERE me.channel_id = ch.id AND me.agent_id = ?1)
         FROM channels ch
         LEFT JOIN channel_messages m ON m.rowid = (
             SELECT rowid FROM channel_messages WHERE channel_id = ch.id
             ORDER BY created_at DESC, rowid DESC LIMIT 1)
         {scope} ORDER BY ch.group_id, ch.name"
    )
}

/// The oldest channel of `group` named `name`.
pub(crate) fn find_by_name(c: &dyn Tx, group: &str, name: &str) -> Result<Option<String>> {
    c.query_opt(
        "SELECT id FROM channels WHERE group_id = ?1 AND name = ?2 ORDER BY created_at, rowid LIMIT 1",
        args![group, name],
        |r| r.get(0),
    )
}

/// Whether `agent_id` is a member of the channel.
pub(crate) fn is_member(c: &dyn Tx, channel_id: &str, agent_id: &str) -> Result<bool> {
    Ok(c.query_opt(
        "SELECT 1 FROM channel_members WHERE channel_id = ?1 AND agent_id = ?2",
        args![channel_id, agent_id],
        |_| Ok(()),
    )?
    .is_some())
}

/// Callers check the name is new first: race-free, the write transaction excludes every
/// other writer (storage contract).
pub(crate) fn insert_channel(
    c: &dyn Tx,
    name: &str,
    group: &str,
    created_by: &str,
) -> Result<String> {
    let id = uuid::Uuid::new_v4().to_string();
    c.execute(
        "INSERT INTO channels (id, name, group_id, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        args![&id, name, group, created_by, c.now().sql()],
    )?;
    Ok(id)
}

/// Adds a member; false when it already was one.
pub(crate) fn add_member_row(c: &dyn Tx, channel_id: &str, agent_id: &str) -> Result<bool> {
    Ok(c.execute(
        "INSERT INTO channel_members (channel_id, agent_id, joined_at) VALUES (?1, ?2, ?3)
         ON CONFLICT DO NOTHING",
        args![channel_id, agent_id, c.now().sql()],
    )? > 0)
}

/// Ids of the channels named `name`, in any group (at most 9: enough to report ambiguity).
pub(crate) fn named_anywhere(tx: &dyn Tx, name: &str) -> Result<Vec<String>> {
    tx.query_map(
        "SELECT id FROM channels WHERE name = ?1 ORDER BY id LIMIT 9",
        args![name],
        |r| r.get(0),
    )
}

/// Writes a post row.
pub(crate) fn insert_post(tx: &dyn Tx, post: &ChannelMessage) -> Result<()> {
    tx.execute(
        "INSERT INTO channel_messages (id, channel_id, from_agent, content, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        args![&post.id, &post.channel_id, &post.from_agent, &post.content, &post.created_at],
    )?;
    Ok(())
}

/// Every channel (`group` None, tier 0) or those of a group, with member counts, last post
/// and whether `agent` is a member, in one statement.
pub(crate) fn list(tx: &dyn Tx, agent: &str, group: Option<&str>) -> Result<Vec<(Channel, bool)>> {
    let mut params: Vec<Param<'_>> = vec![agent.into()];
    params.extend(group.map(Param::from));
    tx.query_map(&list_channels_sql(group.is_none()), &params, |r| {
        // `m.rowid` tells a channel without posts from a post with odd (NULL) columns.
        let has_post = r.value(6)? != ValueRef::Null;
        let channel = Channel {
            id: lenient::text(r, 0)?,
            name: lenient::text(r, 1)?,
            group_id: lenient::opt_text(r, 2)?,
            created_by: lenient::opt_text(r, 3)?,
            created_at: lenient::timestamp(r, 4)?,
            member_count: r.get(5)?,
            last_message: has_post.then(|| post_at(r, 7)).transpose()?,
        };
        Ok((channel, r.get::<bool>(12)?))
    })
}

/// The last `limit` posts of a channel, newest first.
pub(crate) fn newest_posts(
    tx: &dyn Tx,
    channel_id: &str,
    limit: u32,
) -> Result<Vec<ChannelMessage>> {
    tx.query_map(
        &format!(
            "SELECT {POST_COLUMNS} FROM channel_messages WHERE channel_id = ?1
             ORDER BY created_at DESC, rowid DESC LIMIT ?2"
        ),
        args![channel_id, limit],
        post_from_row,
    )
}
