//! Channels: created by managers, posted to by members, listed with member counts and their
//! last message. The per-group `review-queue` and `review-log` channels are created on demand.

use crate::actor::Actor;
use crate::audit;
use crate::changes::{self, Audience};
use crate::error::{Error, ObjectKind, Result};
use crate::ids::{self, validate_content};
use crate::members;
use crate::model::agents::Member;
use crate::model::changes::ChangeKind;
use crate::model::channels::{Channel, ChannelMessage, REVIEW_LOG, REVIEW_QUEUE};
use crate::prefixes::{self, CHANNELS};
use crate::rules::{Action, Target, SYSTEM};
use crate::storage::sql::channels::{
    self as sql, add_member_row, find_by_name, insert_channel, is_member, load,
};
use crate::storage::Tx;
use crate::Store;

/// A channel by name in the actor's group, or by id / id prefix among the channels it may
/// name; tier 0 also by a name unique across groups.
fn resolve(c: &dyn Tx, me: &Member, input: &str) -> Result<Channel> {
    if let Some(id) = find_by_name(c, &me.group_id, input)? {
        return load(c, &id);
    }
    if !me.is_admin() {
        return load(
            c,
            &prefixes::resolve(c, CHANNELS, input, &me.group_scope())?,
        );
    }
    let mut named = sql::named_anywhere(c, input)?;
    match named.len() {
        1 => load(c, &named.remove(0)),
        0 => load(
            c,
            &prefixes::resolve(c, CHANNELS, input, &prefixes::Scope::all())?,
        ),
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
        created_at: c.now().sql(),
    };
    sql::insert_post(c, &post)?;
    crate::storage::sql::search::note_new(c, crate::model::search::Source::Post, &post.id)?;
    let to = Audience {
        group,
        agent: None,
        channel: Some(channel_id),
    };
    changes::record(
        c,
        ChangeKind::Post,
        "channel_post",
        from,
        &post.id,
        to,
        None,
    )?;
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
    let ids = (get(REVIEW_QUEUE)?, get(REVIEW_LOG)?);
    // Every call, not only on creation: reviewers registered before this rule (or whose role
    // gained `review_work` since) join the next time the channels are needed.
    for agent in members::group_members(c, group)? {
        if crate::roles::reviews_work(c, &agent.role)? {
            join(
                c,
                &[(&ids.0, REVIEW_QUEUE), (&ids.1, REVIEW_LOG)],
                &agent.id,
            )?;
        }
    }
    Ok(ids)
}

/// Makes a reviewer (an agent whose role has `review_work`) a member of its group's review
/// channels that exist (they are made on first use, joining the group's reviewers then), so
/// the review queue it works from is readable without a manager adding it by hand.
pub(crate) fn join_review_channels(c: &dyn Tx, agent_id: &str, group: &str) -> Result<()> {
    for name in [REVIEW_QUEUE, REVIEW_LOG] {
        if let Some(id) = find_by_name(c, group, name)? {
            join(c, &[(&id, name)], agent_id)?;
        }
    }
    Ok(())
}

/// Adds `agent_id` to `channels` (a membership it has already is left as it is), recorded as
/// the system's doing.
fn join(c: &dyn Tx, channels: &[(&str, &str)], agent_id: &str) -> Result<()> {
    for (id, name) in channels {
        if add_member_row(c, id, agent_id)? {
            audit::record(
                c,
                SYSTEM,
                "channel_member_added",
                &format!("#{name} + {agent_id}"),
            )?;
        }
    }
    Ok(())
}

impl Store {
    /// Creates the `review-queue` and `review-log` channels of `group` if they do not exist yet.
    pub fn ensure_review_channels(&self, group: &str) -> Result<(Channel, Channel)> {
        ids::validate_token("group", group)?;
        self.write(|c| {
            let (queue, log) = ensure_review_channels(c, group, SYSTEM)?;
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

    /// Channels of the actor's group (tier 0: all), with member counts, and the last message
    /// of those it may read (a channel it does not belong to shows without it).
    pub fn list_channels(&self) -> Result<Vec<Channel>> {
        self.read_tx(|c, me| {
            // One statement for the whole list (it was one query per channel, three each).
            let listed = sql::list(c, &me.id, (!me.is_admin()).then_some(me.group_id.as_str()))?;
            Ok(listed
                .into_iter()
                .map(|(mut ch, member)| {
                    // The last post is the channel's content: shown only to whom may read the
                    // channel, by the same rule as its history (issue 19 item 17).
                    let group = ch.group_id.as_deref().unwrap_or_default();
                    let target = Target::Channel { group, member };
                    if me.check(Action::ReadChannel, target).is_err() {
                        ch.last_message = None;
                    }
                    ch
                })
                .collect())
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
            let mut posts = sql::newest_posts(c, &ch.id, limit)?;
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
            let agent = members::resolve_principal(c, agent_id, &me.group_scope())?;
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
