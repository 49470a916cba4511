//! How command results reach stdout: one JSON document with `--json`, else readable text
//! through [`Term`] (escaped, coloured only on a terminal); and `btmsg`'s renderers.

use std::io::{self, Write};

use agor_core::{Agent, Channel, ChannelMessage, DeadLetter, Delivery, Message};
use serde::Serialize;

use crate::ids::short_id;
use crate::terminal::{bold, dim, id, must_escape, name, say, warn, Align, Cell, Paint, Term};

/// Where a command writes its result.
pub struct Output<'w> {
    w: &'w mut dyn Write,
    json: bool,
    paint: Paint,
}

impl std::fmt::Debug for Output<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Output")
            .field("json", &self.json)
            .field("paint", &self.paint)
            .finish()
    }
}

impl<'w> Output<'w> {
    pub fn new(w: &'w mut dyn Write, json: bool, paint: Paint) -> Output<'w> {
        Output { w, json, paint }
    }

    /// True when the command line asked for `--json`.
    pub fn is_json(&self) -> bool {
        self.json
    }

    /// Prints `value` as one line of JSON, or runs `text` to print it for people.
    pub fn emit<T: Serialize + ?Sized>(
        &mut self,
        value: &T,
        text: impl FnOnce(&mut Term<'_>) -> io::Result<()>,
    ) -> io::Result<()> {
        if self.json {
            self.json(value)
        } else {
            self.text(text)
        }
    }

    /// Prints `value` as one line of JSON, escaped for terminals.
    pub fn json<T: Serialize + ?Sized>(&mut self, value: &T) -> io::Result<()> {
        let mut ser = serde_json::Serializer::with_formatter(&mut *self.w, TerminalSafeJson);
        value.serialize(&mut ser).map_err(io::Error::from)?;
        writeln!(self.w)
    }

    /// Pushes what was written so far to the reader (`watch` prints as things arrive).
    pub fn flush(&mut self) -> io::Result<()> {
        self.w.flush()
    }

    /// Text that has no JSON form (help, version).
    pub fn text(&mut self, text: impl FnOnce(&mut Term<'_>) -> io::Result<()>) -> io::Result<()> {
        text(&mut Term::new(self.w, self.paint))
    }
}

/// Compact JSON whose strings also spell out DEL, C1, bidi and invisible characters as
/// `\uXXXX` (serde_json escapes only C0), so `--json` piped to a terminal is as safe as the
/// text form; a JSON parser reads back exactly the stored text.
struct TerminalSafeJson;

impl serde_json::ser::Formatter for TerminalSafeJson {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if must_escape(c) {
                w.write_all(&fragment.as_bytes()[start..i])?;
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    write!(w, "\\u{u:04x}")?;
                }
                start = i + c.len_utf8();
            }
        }
        w.write_all(&fragment.as_bytes()[start..])
    }
}

/// Now, in seconds since the epoch: what [`age`]s are measured from.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// A list of direct messages with their short ids (usable as prefixes), or `empty` when none.
pub fn messages(t: &mut Term<'_>, msgs: &[Message], empty: &str) -> io::Result<()> {
    if msgs.is_empty() {
        return say!(t, "{}", dim(empty));
    }
    for m in msgs {
        message_heading(t, m, short_id(&m.id))?;
        t.lines("    ", &m.content)?;
    }
    Ok(())
}

/// One message in full, with its whole id.
pub fn message(t: &mut Term<'_>, m: &Message) -> io::Result<()> {
    message_heading(t, m, &m.id)?;
    t.lines("    ", &m.content)
}

fn message_heading(t: &mut Term<'_>, m: &Message, msg_id: &str) -> io::Result<()> {
    let heading = DmHeading {
        id: msg_id,
        at: &m.created_at,
        from: &m.from_agent,
        to: &m.to_agent,
        reply_to: m.reply_to.as_deref(),
        unread: !m.read,
        asks: asks(m),
    };
    heading.say(t)
}

/// The first line of a DM as `read` and `inbox` print it: id, time, sender -> recipient, what
/// it answers, `*` when unread, then what it asks (importance, an acknowledgement).
struct DmHeading<'a> {
    id: &'a str,
    at: &'a str,
    from: &'a str,
    to: &'a str,
    reply_to: Option<&'a str>,
    unread: bool,
    asks: String,
}

impl DmHeading<'_> {
    fn say(&self, t: &mut Term<'_>) -> io::Result<()> {
        let unread = if self.unread { " *" } else { "" };
        let reply = self
            .reply_to
            .map(|r| format!(" (re {})", short_id(r)))
            .unwrap_or_default();
        say!(
            t,
            "{} {} {} -> {}{}{}{}",
            id(self.id),
            dim(self.at),
            name(self.from),
            name(self.to),
            dim(reply),
            bold(unread),
            bold(&self.asks)
        )
    }
}

/// What the sender asked of a message, after its heading: ` [urgent]`, ` [ack by …]`,
/// ` [acked …]`. Nothing for a normal message that asks for no receipt, so the heading of
/// such mail (all the legacy tools ever wrote) reads as it always did.
fn asks(m: &Message) -> String {
    let mut out = String::new();
    if m.importance != agor_core::Importance::Normal {
        out.push_str(&format!(" [{}]", m.importance));
    }
    match (&m.acked_at, m.ack_required, &m.deadline) {
        (Some(at), true, _) => out.push_str(&format!(" [acked {at}]")),
        (None, true, Some(by)) => out.push_str(&format!(" [ack by {by}]")),
        (None, true, None) => out.push_str(" [ack]"),
        _ => {}
    }
    out
}

/// Agents as a table: id, name, role, tier, status, unread, last heartbeat.
pub fn agents(t: &mut Term<'_>, agents: &[Agent], now: i64, stale_after: i64) -> io::Result<()> {
    use Align::{Left, Right};
    if agents.is_empty() {
        return say!(t, "{}", dim("no agents"));
    }
    let rows: Vec<Vec<Cell>> = agents
        .iter()
        .map(|a| {
            let beat = match a.last_heartbeat {
                None => dim("never"),
                Some(at) if now - at > stale_after => {
                    warn(format!("{} ago (stale)", age(now - at)))
                }
                Some(at) => Cell::new(format!("{} ago", age(now - at))),
            };
            vec![
                name(&a.id),
                Cell::new(&a.name),
                Cell::new(&a.role),
                Cell::new(a.tier),
                Cell::new(&a.status),
                Cell::new(a.unread),
                beat,
            ]
        })
        .collect();
    t.table(
        "",
        Some(&[
            "ID",
            "NAME",
            "ROLE",
            "TIER",
            "STATUS",
            "UNREAD",
            "HEARTBEAT",
        ]),
        &[Left, Left, Left, Right, Left, Right, Left],
        &rows,
    )
}

/// One agent's record, field per line.
pub fn agent(t: &mut Term<'_>, a: &Agent) -> io::Result<()> {
    say!(t, "{} ({})", name(&a.id), &a.name)?;
    say!(t, "  role:   {} (tier {})", &a.role, a.tier)?;
    say!(t, "  group:  {}", &a.group_id)?;
    say!(t, "  status: {}", &a.status)?;
    if let Some(m) = &a.model {
        say!(t, "  model:  {}", m)?;
    }
    if let Some(c) = &a.cwd {
        say!(t, "  cwd:    {}", c)?;
    }
    say!(t, "  unread: {}", a.unread)
}

/// A duration in seconds as `42s`, `5m`, `3h` or `2d`.
pub fn age(secs: i64) -> String {
    let secs = secs.max(0);
    match secs {
        0..=59 => format!("{secs}s"),
        60..=3599 => format!("{}m", secs / 60),
        3600..=86399 => format!("{}h", secs / 3600),
        _ => format!("{}d", secs / 86400),
    }
}

pub fn channels(t: &mut Term<'_>, channels: &[Channel]) -> io::Result<()> {
    if channels.is_empty() {
        return say!(t, "{}", dim("no channels"));
    }
    for c in channels {
        let members = if c.member_count == 1 {
            "member"
        } else {
            "members"
        };
        say!(
            t,
            "{} {} {} {}",
            name(format!("#{}", c.name)),
            dim(format!("[{}]", c.group_id.as_deref().unwrap_or("-"))),
            c.member_count,
            members
        )?;
        if let Some(last) = &c.last_message {
            let first_line = last.content.lines().next().unwrap_or("");
            byline(t, "    ", &last.created_at, &last.from_agent, first_line)?;
        }
    }
    Ok(())
}

pub fn posts(t: &mut Term<'_>, posts: &[ChannelMessage]) -> io::Result<()> {
    if posts.is_empty() {
        return say!(t, "{}", dim("no posts"));
    }
    for m in posts {
        post_heading(t, &m.id, &m.created_at, &m.from_agent)?;
        t.lines("    ", &m.content)?;
    }
    Ok(())
}

/// The first line of a channel post: short id, time, author.
fn post_heading(t: &mut Term<'_>, post_id: &str, at: &str, from: &str) -> io::Result<()> {
    say!(t, "{} {} {}", id(short_id(post_id)), dim(at), name(from))
}

pub fn dead_letters(t: &mut Term<'_>, letters: &[DeadLetter]) -> io::Result<()> {
    if letters.is_empty() {
        return say!(t, "{}", dim("no dead letters"));
    }
    for d in letters {
        say!(
            t,
            "{} {} {} -> {}  {}",
            id(format!("#{}", d.id)),
            dim(&d.created_at),
            name(&d.from_agent),
            name(&d.to_agent),
            warn(d.error.as_deref().unwrap_or(""))
        )?;
        t.lines("    ", &d.content)?;
    }
    Ok(())
}

/// `<indent><when> <who>: <line>`: the first line of a text with when and by whom it was
/// written (a channel's last post, a task comment).
pub fn byline(t: &mut Term<'_>, indent: &str, at: &str, who: &str, line: &str) -> io::Result<()> {
    let line = Cell::body_line(line);
    say!(t, "{}{} {}: {}", indent, dim(at), name(who), line)
}

/// Text for a fan-out send: who got it, whose copy waits as a dead letter, who was skipped.
pub fn delivery(t: &mut Term<'_>, d: &Delivery) -> io::Result<()> {
    let names = |ids: Vec<&str>| name(ids.join(", "));
    say!(
        t,
        "sent to {} agent(s): {}",
        d.sent.len(),
        names(d.sent.iter().map(|m| m.to_agent.as_str()).collect())
    )?;
    if !d.dead_lettered.is_empty() {
        let list: Vec<String> = d
            .dead_lettered
            .iter()
            .map(|(a, id)| format!("{a} (#{id})"))
            .collect();
        say!(
            t,
            "kept as dead letters (unavailable): {}",
            name(list.join(", "))
        )?;
    }
    if !d.skipped.is_empty() {
        say!(
            t,
            "skipped (not in contacts): {}",
            names(d.skipped.iter().map(String::as_str).collect())
        )?;
    }
    Ok(())
}

/// Search hits, one per line: kind, id (and its channel or task), time, snippet.
pub fn search_hits(
    t: &mut Term<'_>,
    _: &crate::command::View<'_>,
    v: crate::reply::Reply,
) -> Result<(), crate::error::CliError> {
    let hits: Vec<agor_core::SearchHit> = crate::reply::typed(v)?;
    if hits.is_empty() {
        return Ok(say!(t, "{}", crate::terminal::dim("no matches"))?);
    }
    for h in &hits {
        let mut line = vec![
            Cell::new(h.kind.as_str()),
            Cell::new(" "),
            id(short_id(&h.id)),
        ];
        // A post is where people know it by: its channel's name, not its id.
        let within = match (&h.channel, &h.parent_id) {
            (Some(channel), _) => Some(name(format!("#{channel}"))),
            (None, Some(parent)) => Some(id(short_id(parent))),
            (None, None) => None,
        };
        if let Some(within) = within {
            line.extend([Cell::new(" in "), within]);
        }
        line.extend([
            Cell::new(" "),
            crate::terminal::dim(&h.created_at),
            Cell::new(" "),
        ]);
        line.extend(highlighted(&h.snippet));
        t.cells(line)?;
    }
    Ok(())
}

/// A snippet whose matched words the core wrapped in `**`: those words bold (shown only on a
/// terminal, like every style), the markers dropped, so a pipe gets plain text.
fn highlighted(snippet: &str) -> Vec<Cell> {
    snippet
        .split("**")
        .enumerate()
        .filter(|(_, piece)| !piece.is_empty())
        .map(|(i, piece)| match i % 2 {
            1 => bold(piece),
            _ => Cell::new(piece),
        })
        .collect()
}

/// One change of the feed: a DM or post that came with its text as `read` and `channel
/// read` print them (heading, then the text indented), anything else on one line (cursor,
/// time, kind, event, subject, who acted) followed by a task's title, status and holder.
pub fn change(t: &mut Term<'_>, c: &agor_core::Change) -> io::Result<()> {
    use agor_core::ChangeKind;
    let content = c.content.as_ref();
    let text = content.and_then(|k| k.text.as_deref());
    let sender = content.and_then(|k| k.sender.as_deref());
    match (c.kind, text, sender, c.subject.as_deref()) {
        (ChangeKind::Message, Some(text), Some(from), Some(subject)) => {
            let heading = DmHeading {
                id: subject,
                at: &c.created_at,
                from,
                to: c.agent_id.as_deref().unwrap_or("-"),
                reply_to: content.and_then(|k| k.reply_to.as_deref()),
                unread: false,
                asks: content
                    .and_then(|k| k.importance.as_deref())
                    .filter(|i| *i != "normal")
                    .map(|i| format!(" [{i}]"))
                    .unwrap_or_default(),
            };
            heading.say(t)?;
            return t.lines("    ", text);
        }
        (ChangeKind::Post, Some(text), Some(from), Some(subject)) => {
            post_heading(t, subject, &c.created_at, from)?;
            return t.lines("    ", text);
        }
        _ => {}
    }
    let subject = c.subject.as_deref().map(short_id).unwrap_or("-");
    let by = c.actor.as_deref().unwrap_or("-");
    let task = content
        .and_then(|k| Some((k.title.as_deref()?, k.status?)))
        .map(|(title, status)| {
            let holder = content.and_then(|k| k.assignee.as_deref());
            let holder = holder.map(|a| format!(", {a}")).unwrap_or_default();
            format!(": {title} ({}{holder})", status.as_str())
        })
        .unwrap_or_default();
    say!(
        t,
        "#{} {} {} {} {} by {}{}",
        c.cursor,
        crate::terminal::dim(&c.created_at),
        c.kind.as_str(),
        &c.event,
        subject,
        crate::terminal::name(by),
        task
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_spells_out_what_serde_json_leaves_raw() {
        let mut buf = Vec::new();
        let text = "a\x1b\x7f\u{9b}\u{202e}\u{e0041}b";
        Output::new(&mut buf, true, Paint::plain())
            .emit(&text, |_| unreachable!())
            .unwrap();
        let out = String::from_utf8(buf).unwrap();
        assert_eq!(
            out, "\"a\\u001b\\u007f\\u009b\\u202e\\udb40\\udc41b\"\n",
            "{out:?}"
        );
        let back: String = serde_json::from_str(&out).unwrap();
        assert_eq!(back, text);
    }

    #[test]
    fn ages() {
        assert_eq!(age(5), "5s");
        assert_eq!(age(120), "2m");
        assert_eq!(age(7200), "2h");
        assert_eq!(age(3 * 86400), "3d");
    }
}
