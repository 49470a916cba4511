//! `btmsg`'s text output: each function renders one catalogue response (the core's records,
//! taken out of the reply with [`typed`]) through [`Term`], with the request for what the response does not say.

use crate::command::View;
use crate::error::CliError;
use crate::ids::short_id;
use crate::render::{self, unix_now};
use crate::reply::{typed, Reply};
use crate::terminal::{self as tm, say, Align, Cell, Term};
use agor_core::ops::Request as R;
use agor_core::{
    Agent, AuditEntry, Channel, ChannelMessage, Contact, DeadLetter, Delivery, Heartbeat, Message,
    RoleDef, StaleAgent,
};

type Shown = Result<(), CliError>;

pub fn registered(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    let a: Agent = typed(v)?;
    Ok(say!(
        t,
        "registered {} ({}), role {}, group {}, tier {}",
        tm::name(&a.id),
        &a.name,
        &a.role,
        &a.group_id,
        a.tier
    )?)
}

pub fn sent(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    let m: Message = typed(v)?;
    let (id, to) = (tm::id(short_id(&m.id)), tm::name(&m.to_agent));
    Ok(say!(t, "sent {} to {}", id, to)?)
}

pub fn replied(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    let m: Message = typed(v)?;
    let (id, to) = (tm::id(short_id(&m.id)), tm::name(&m.to_agent));
    Ok(say!(t, "replied {} to {}", id, to)?)
}

pub fn delivery(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    let d: Delivery = typed(v)?;
    Ok(render::delivery(t, &d)?)
}

fn messages(t: &mut Term<'_>, v: Reply, empty: &str) -> Shown {
    let msgs: Vec<Message> = typed(v)?;
    Ok(render::messages(t, &msgs, empty)?)
}

pub fn inbox(t: &mut Term<'_>, view: &View<'_>, v: Reply) -> Shown {
    let all = matches!(view.request, R::Inbox(r) if r.all);
    messages(
        t,
        v,
        if all {
            "inbox is empty"
        } else {
            "no unread messages"
        },
    )
}

pub fn overdue(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    messages(t, v, "nothing overdue")
}

pub fn unread_messages(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    messages(t, v, "no unread messages")
}

pub fn conversation(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    messages(t, v, "no messages yet")
}

pub fn feed(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    messages(t, v, "no messages in the group")
}

pub fn message(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    let m: Message = typed(v)?;
    Ok(render::message(t, &m)?)
}

pub fn agents(t: &mut Term<'_>, view: &View<'_>, v: Reply) -> Shown {
    let agents: Vec<Agent> = typed(v)?;
    Ok(render::agents(t, &agents, unix_now(), view.stale_after)?)
}

pub fn agent(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    let a: Agent = typed(v)?;
    Ok(render::agent(t, &a)?)
}

pub fn roles(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    role_table(t, &typed::<Vec<RoleDef>>(v)?)
}

/// One role: the same table, one row.
pub fn role(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    role_table(t, &[typed(v)?])
}

fn role_table(t: &mut Term<'_>, roles: &[RoleDef]) -> Shown {
    let words = |items: Vec<&str>| {
        Cell::new(if items.is_empty() {
            "-".to_owned()
        } else {
            items.join(" ")
        })
    };
    let rows: Vec<Vec<Cell>> = roles
        .iter()
        .map(|r| {
            vec![
                tm::name(&r.name),
                Cell::new(r.tier.to_string()),
                Cell::new(if r.built_in { "built-in" } else { "custom" }),
                words(r.capabilities.iter().map(|c| c.as_str()).collect()),
                words(r.permissions.iter().map(|p| p.as_str()).collect()),
                words(r.creates.iter().map(String::as_str).collect()),
            ]
        })
        .collect();
    let header = [
        "role",
        "tier",
        "kind",
        "capabilities",
        "permissions",
        "creates",
    ];
    let align = [
        Align::Left,
        Align::Right,
        Align::Left,
        Align::Left,
        Align::Left,
        Align::Left,
    ];
    Ok(t.table("", Some(&header), &align, &rows)?)
}

pub fn yes_no(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    let yes: bool = typed(v)?;
    Ok(say!(t, "{}", if yes { "yes" } else { "no" })?)
}

pub fn removed(t: &mut Term<'_>, view: &View<'_>, _: Reply) -> Shown {
    let (what, agent) = match view.request {
        R::RemoveAgent(r) => ("removed", r.agent_id.as_str()),
        R::PurgeAgent(r) => ("purged", r.agent_id.as_str()),
        _ => ("", ""),
    };
    Ok(say!(t, "{} {}", what, tm::name(agent))?)
}

pub fn allowed(t: &mut Term<'_>, view: &View<'_>, _: Reply) -> Shown {
    let R::Allow(r) = view.request else {
        return Ok(());
    };
    let arrow = if r.bidirectional { "<->" } else { "->" };
    let (from, to) = (tm::name(&r.from), tm::name(&r.to));
    Ok(say!(t, "allowed {} {} {}", from, arrow, to)?)
}

pub fn graph(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    let edges: Vec<Contact> = typed(v)?;
    if edges.is_empty() {
        return Ok(say!(t, "{}", tm::dim("no contacts"))?);
    }
    let has = |a: &str, b: &str| edges.iter().any(|e| e.agent_id == a && e.contact_id == b);
    for e in &edges {
        let (a, b) = (e.agent_id.as_str(), e.contact_id.as_str());
        // A pair that goes both ways is printed once, from its smaller id.
        match (has(b, a), a < b) {
            (true, true) => say!(t, "{} <-> {}", tm::name(a), tm::name(b))?,
            (true, false) => {}
            (false, _) => say!(t, "{} -> {}", tm::name(a), tm::name(b))?,
        }
    }
    Ok(())
}

pub fn number(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    let n: i64 = typed(v)?;
    Ok(say!(t, "{}", n)?)
}

pub fn summary(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    match typed::<Option<String>>(v)? {
        Some(line) => Ok(say!(t, "{}", line)?),
        None => Ok(()),
    }
}

pub fn marked_read(t: &mut Term<'_>, view: &View<'_>, v: Reply) -> Shown {
    let n: usize = typed(v)?;
    let from = match view.request {
        R::MarkConversationRead(r) => r.other.as_str(),
        _ => "",
    };
    Ok(say!(
        t,
        "marked {} message(s) from {} read",
        n,
        tm::name(from)
    )?)
}

pub fn channel_created(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    let c: Channel = typed(v)?;
    let (name, id) = (tm::name(format!("#{}", c.name)), tm::id(short_id(&c.id)));
    Ok(say!(t, "created {} ({})", name, id)?)
}

pub fn channels(t: &mut Term<'_>, view: &View<'_>, v: Reply) -> Shown {
    let chans: Vec<Channel> = match view.request {
        // ensure_review_channels answers with a pair.
        R::EnsureReviewChannels(_) => {
            let (queue, log): (Channel, Channel) = typed(v)?;
            vec![queue, log]
        }
        _ => typed(v)?,
    };
    Ok(render::channels(t, &chans)?)
}

pub fn posted(t: &mut Term<'_>, view: &View<'_>, v: Reply) -> Shown {
    let post: ChannelMessage = typed(v)?;
    let channel = match view.request {
        R::Post(r) => r.channel.as_str(),
        _ => "",
    };
    let (id, to) = (tm::id(short_id(&post.id)), tm::name(channel));
    Ok(say!(t, "posted {} to {}", id, to)?)
}

pub fn posts(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    let posts: Vec<ChannelMessage> = typed(v)?;
    Ok(render::posts(t, &posts)?)
}

pub fn member_added(t: &mut Term<'_>, view: &View<'_>, v: Reply) -> Shown {
    let c: Channel = typed(v)?;
    let agent = match view.request {
        R::AddMember(r) => r.agent_id.as_str(),
        _ => "",
    };
    let channel = tm::name(format!("#{}", c.name));
    let n = c.member_count;
    Ok(say!(
        t,
        "{} is in {} ({} members)",
        tm::name(agent),
        channel,
        n
    )?)
}

pub fn heartbeat(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    let hb: Heartbeat = typed(v)?;
    say!(t, "heartbeat recorded for {}", tm::name(&hb.agent_id))?;
    if !hb.redelivered.is_empty() {
        let n = hb.redelivered.len();
        say!(t, "{} dead letter(s) redelivered to your inbox", n)?;
    }
    Ok(())
}

pub fn acked(t: &mut Term<'_>, view: &View<'_>, v: Reply) -> Shown {
    let new: bool = typed(v)?;
    let R::Ack(r) = view.request else {
        return Ok(());
    };
    let what = if new {
        "acknowledged"
    } else {
        "already acknowledged"
    };
    let (id, session) = (tm::id(&r.message_id), &r.session_id);
    Ok(say!(t, "{} {} for session {}", what, id, session)?)
}

pub fn dead_letters(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    let letters: Vec<DeadLetter> = typed(v)?;
    Ok(render::dead_letters(t, &letters)?)
}

pub fn redelivered(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    let msgs: Vec<Message> = typed(v)?;
    say!(t, "redelivered {} dead letter(s)", msgs.len())?;
    if !msgs.is_empty() {
        render::messages(t, &msgs, "")?;
    }
    Ok(())
}

pub fn cleared(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    let n: usize = typed(v)?;
    Ok(say!(t, "cleared {} dead letter(s)", n)?)
}

pub fn stale(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    let stale: Vec<StaleAgent> = typed(v)?;
    if stale.is_empty() {
        return Ok(say!(t, "{}", tm::dim("no stale agents"))?);
    }
    for s in &stale {
        let age = render::age(s.silent_secs);
        say!(t, "{} silent for {}", tm::name(&s.agent_id), age)?;
    }
    Ok(())
}

pub fn status_set(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    let a: Agent = typed(v)?;
    Ok(say!(t, "{} is {}", tm::name(&a.id), &a.status)?)
}

pub fn deleted(t: &mut Term<'_>, view: &View<'_>, _: Reply) -> Shown {
    let id = match view.request {
        R::DeleteMessage(r) => r.message_id.as_str(),
        _ => "",
    };
    Ok(say!(t, "deleted message {}", tm::id(id))?)
}

pub fn audit(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    let rows: Vec<AuditEntry> = typed(v)?;
    if rows.is_empty() {
        return Ok(say!(t, "{}", tm::dim("no audit rows"))?);
    }
    for r in &rows {
        let who = tm::name(r.agent_id.as_deref().unwrap_or("-"));
        let detail = r.detail.as_deref().unwrap_or("");
        say!(
            t,
            "{} {} {} {}",
            tm::dim(&r.created_at),
            who,
            &r.event_type,
            detail
        )?;
    }
    Ok(())
}

pub fn backup(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    let written: String = typed(v)?;
    Ok(say!(t, "backup written to {}", tm::bold(&written))?)
}

pub fn changes(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    let changes: Vec<agor_core::Change> = typed(v)?;
    if changes.is_empty() {
        return Ok(say!(t, "{}", tm::dim("no changes"))?);
    }
    for c in &changes {
        render::change(t, c)?;
    }
    Ok(())
}

pub fn work(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    let w: agor_core::AgentWork = typed(v)?;
    let on = w.task_id.as_deref().map(short_id).unwrap_or("");
    let sep = if on.is_empty() { "" } else { " on " };
    Ok(say!(
        t,
        "{} {}{}{}",
        tm::name(&w.agent_id),
        w.state.as_str(),
        sep,
        on
    )?)
}

pub fn usage_recorded(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    let r: agor_core::UsageRecord = typed(v)?;
    Ok(say!(
        t,
        "recorded {} in / {} out tokens, ${} on {}",
        r.input_tokens,
        r.output_tokens,
        format!("{:.6}", r.cost_usd),
        &r.model
    )?)
}

pub fn usage(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    let rows: Vec<agor_core::UsageSummary> = typed(v)?;
    if rows.is_empty() {
        return Ok(say!(t, "{}", tm::dim("no usage recorded"))?);
    }
    for r in &rows {
        usage_row(t, "", r)?;
    }
    Ok(())
}

/// `btmsg usage --series`: one line per hour or day and key, oldest first.
pub fn usage_series(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    let rows: Vec<agor_core::UsagePoint> = typed(v)?;
    if rows.is_empty() {
        return Ok(say!(t, "{}", tm::dim("no usage recorded"))?);
    }
    for p in rows {
        // The bucket's start to the minute: seconds are always zero.
        let at = format!("{} ", p.bucket_start.get(..16).unwrap_or(&p.bucket_start));
        let sums = agor_core::UsageSummary {
            key: p.key,
            input_tokens: p.input_tokens,
            output_tokens: p.output_tokens,
            cost_usd: p.cost_usd,
            requests: p.requests,
        };
        usage_row(t, &at, &sums)?;
    }
    Ok(())
}

/// One key's sums, after `before` (a bucket's start, or nothing).
fn usage_row(t: &mut Term<'_>, before: &str, r: &agor_core::UsageSummary) -> Shown {
    Ok(say!(
        t,
        "{}{} ${} {} requests, {} in / {} out tokens",
        before,
        tm::name(r.key.as_deref().unwrap_or("(no task)")),
        format!("{:.4}", r.cost_usd),
        r.requests,
        r.input_tokens,
        r.output_tokens
    )?)
}

pub fn reservations(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    let rows: Vec<agor_core::Reservation> = typed(v)?;
    if rows.is_empty() {
        return Ok(say!(t, "{}", tm::dim("no reservations"))?);
    }
    let now_ms = unix_now() * 1000;
    for r in &rows {
        let kind = if r.exclusive { "exclusive" } else { "shared" };
        let left = (r.expires_at_ms - now_ms).max(0) / 1000;
        say!(
            t,
            "{} {} {} {} {} {}",
            tm::id(short_id(&r.id)),
            &r.pattern,
            tm::name(&r.agent_id),
            kind,
            tm::dim(format!("{left}s left")),
            r.reason.as_deref().unwrap_or("")
        )?;
    }
    Ok(())
}

pub fn released(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    let n: usize = typed(v)?;
    let noun = if n == 1 {
        "reservation"
    } else {
        "reservations"
    };
    Ok(say!(t, "released {} {}", n, noun)?)
}

/// The secret alone on its line, so `TOKEN=$(btmsg token issue dev-1)` captures it.
pub fn secret(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    let secret: String = typed(v)?;
    Ok(say!(t, "{}", secret)?)
}

pub fn revoked(t: &mut Term<'_>, view: &View<'_>, v: Reply) -> Shown {
    let n: u64 = typed(v)?;
    let agent = match view.request {
        R::RevokeTokens(r) => r.agent_id.as_deref().unwrap_or(agor_core::rules::OPERATOR),
        _ => "",
    };
    let noun = if n == 1 { "secret" } else { "secrets" };
    Ok(say!(t, "revoked {} {} of {}", n, noun, tm::name(agent))?)
}

pub fn tokens(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    let rows: Vec<agor_core::TokenInfo> = typed(v)?;
    if rows.is_empty() {
        return Ok(say!(t, "{}", tm::dim("no secrets issued"))?);
    }
    for r in &rows {
        // The operator's secrets say so: a legacy file may have an agent called `operator`.
        let holder = if r.operator {
            tm::dim("(operator)")
        } else {
            tm::name(&r.agent_id)
        };
        say!(
            t,
            "{} {} {}",
            holder,
            &r.fingerprint,
            tm::dim(&r.created_at)
        )?;
    }
    Ok(())
}

pub fn cursor(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    let cursor: i64 = typed(v)?;
    Ok(say!(t, "{}", cursor)?)
}
