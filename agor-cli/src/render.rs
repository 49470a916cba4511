//! How command results reach stdout: one JSON document with `--json`, else readable text,
//! coloured only on a terminal and never when `NO_COLOR` is set.

use std::io::{self, IsTerminal, Write};

use agor_core::{Agent, Channel, ChannelMessage, DeadLetter, Message};
use serde::Serialize;

/// ANSI styling that is a no-op when colour is off.
#[derive(Debug, Clone, Copy)]
pub struct Paint {
    on: bool,
}

impl Paint {
    /// Colour when stdout is a terminal, `NO_COLOR` is unset or empty, and `TERM` is not `dumb`.
    pub fn for_stdout() -> Paint {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let dumb = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
        Paint {
            on: !no_color && !dumb && io::stdout().is_terminal(),
        }
    }

    pub fn plain() -> Paint {
        Paint { on: false }
    }

    fn wrap(self, code: &str, s: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_owned()
        }
    }

    pub fn bold(self, s: &str) -> String {
        self.wrap("1", s)
    }

    pub fn dim(self, s: &str) -> String {
        self.wrap("2", s)
    }

    /// Agent ids and channel names.
    pub fn name(self, s: &str) -> String {
        self.wrap("36", s)
    }

    /// Message and record ids.
    pub fn id(self, s: &str) -> String {
        self.wrap("33", s)
    }

    pub fn warn(self, s: &str) -> String {
        self.wrap("31", s)
    }
}

/// Where a command writes its result.
pub struct Output<'w> {
    pub w: &'w mut dyn Write,
    pub json: bool,
    pub paint: Paint,
}

impl std::fmt::Debug for Output<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Output")
            .field("json", &self.json)
            .field("paint", &self.paint)
            .finish()
    }
}

impl Output<'_> {
    /// Prints `value` as one line of JSON, or runs `text` to print it for people.
    pub fn emit<T: Serialize + ?Sized>(
        &mut self,
        value: &T,
        text: impl FnOnce(&mut dyn Write, Paint) -> io::Result<()>,
    ) -> io::Result<()> {
        if self.json {
            serde_json::to_writer(&mut *self.w, value).map_err(io::Error::from)?;
            writeln!(self.w)
        } else {
            text(self.w, self.paint)
        }
    }
}

/// Free text from the database (message bodies, names, titles) as it may be shown on a
/// terminal: control characters other than tab are spelled out (`\u{1b}`), so one agent cannot
/// send escape sequences or a bare `\r` that rewrites another agent's screen. JSON output
/// carries the text unchanged.
#[derive(Debug, Clone, Copy)]
pub struct Visible<'a>(pub &'a str);

impl std::fmt::Display for Visible<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use std::fmt::Write as _;
        for c in self.0.chars() {
            if c.is_control() && c != '\t' {
                write!(f, "{}", c.escape_unicode())?;
            } else {
                f.write_char(c)?;
            }
        }
        Ok(())
    }
}

/// The first 8 characters of an id: enough to be unique in practice, and accepted as a prefix.
pub fn short_id(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

/// Writes `content` indented under a heading line, so multi-line messages stay readable.
fn indented(w: &mut dyn Write, content: &str) -> io::Result<()> {
    for line in content.lines() {
        writeln!(w, "    {}", Visible(line))?;
    }
    Ok(())
}

/// A list of direct messages with their short ids (usable as prefixes), or `empty` when none.
pub fn messages(w: &mut dyn Write, p: Paint, msgs: &[Message], empty: &str) -> io::Result<()> {
    if msgs.is_empty() {
        return writeln!(w, "{}", p.dim(empty));
    }
    for m in msgs {
        message_heading(w, p, m, short_id(&m.id))?;
        indented(w, &m.content)?;
    }
    Ok(())
}

/// One message in full, with its whole id.
pub fn message(w: &mut dyn Write, p: Paint, m: &Message) -> io::Result<()> {
    message_heading(w, p, m, &m.id)?;
    indented(w, &m.content)
}

fn message_heading(w: &mut dyn Write, p: Paint, m: &Message, id: &str) -> io::Result<()> {
    let unread = if m.read { "" } else { " *" };
    let reply = m
        .reply_to
        .as_deref()
        .map(|r| format!(" (re {})", short_id(r)))
        .unwrap_or_default();
    writeln!(
        w,
        "{} {} {} -> {}{}{}",
        p.id(id),
        p.dim(&m.created_at),
        p.name(&m.from_agent),
        p.name(&m.to_agent),
        p.dim(&reply),
        p.bold(unread)
    )
}

/// Agents as a table: id, name, role, tier, status, unread, last heartbeat.
pub fn agents(
    w: &mut dyn Write,
    p: Paint,
    agents: &[Agent],
    now: i64,
    stale_after: i64,
) -> io::Result<()> {
    if agents.is_empty() {
        return writeln!(w, "{}", p.dim("no agents"));
    }
    // Widths in characters, the unit `format!` pads in (names may be non-ASCII).
    let width = |f: fn(&Agent) -> &str, min: usize| {
        agents
            .iter()
            .map(|a| f(a).chars().count())
            .fold(min, usize::max)
    };
    let idw = width(|a| &a.id, 2);
    let namew = width(|a| &a.name, 4);
    let rolew = width(|a| &a.role, 4);
    writeln!(
        w,
        "{}",
        p.bold(&format!(
            "{:idw$}  {:namew$}  {:rolew$}  TIER  {:8}  UNREAD  HEARTBEAT",
            "ID", "NAME", "ROLE", "STATUS"
        ))
    )?;
    for a in agents {
        let beat = match a.last_heartbeat {
            None => p.dim("never"),
            Some(t) if now - t > stale_after => p.warn(&format!("{} ago (stale)", age(now - t))),
            Some(t) => format!("{} ago", age(now - t)),
        };
        writeln!(
            w,
            "{}  {:namew$}  {:rolew$}  {:>4}  {:8}  {:>6}  {}",
            p.name(&format!("{:idw$}", a.id)),
            Visible(&a.name),
            a.role,
            a.tier,
            a.status,
            a.unread,
            beat
        )?;
    }
    Ok(())
}

/// One agent's record, field per line.
pub fn agent(w: &mut dyn Write, p: Paint, a: &Agent) -> io::Result<()> {
    writeln!(w, "{} ({})", p.name(&a.id), Visible(&a.name))?;
    writeln!(w, "  role:   {} (tier {})", a.role, a.tier)?;
    writeln!(w, "  group:  {}", a.group_id)?;
    writeln!(w, "  status: {}", a.status)?;
    if let Some(m) = &a.model {
        writeln!(w, "  model:  {m}")?;
    }
    if let Some(c) = &a.cwd {
        writeln!(w, "  cwd:    {c}")?;
    }
    writeln!(w, "  unread: {}", a.unread)
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

pub fn channels(w: &mut dyn Write, p: Paint, channels: &[Channel]) -> io::Result<()> {
    if channels.is_empty() {
        return writeln!(w, "{}", p.dim("no channels"));
    }
    for c in channels {
        let members = if c.member_count == 1 {
            "member"
        } else {
            "members"
        };
        writeln!(
            w,
            "{} {} {} {}",
            p.name(&format!("#{}", c.name)),
            p.dim(&format!("[{}]", c.group_id.as_deref().unwrap_or("-"))),
            c.member_count,
            members
        )?;
        if let Some(last) = &c.last_message {
            let first_line = last.content.lines().next().unwrap_or("");
            writeln!(
                w,
                "    {} {}: {}",
                p.dim(&last.created_at),
                p.name(&last.from_agent),
                Visible(first_line)
            )?;
        }
    }
    Ok(())
}

pub fn posts(w: &mut dyn Write, p: Paint, posts: &[ChannelMessage]) -> io::Result<()> {
    if posts.is_empty() {
        return writeln!(w, "{}", p.dim("no posts"));
    }
    for m in posts {
        writeln!(
            w,
            "{} {} {}",
            p.id(short_id(&m.id)),
            p.dim(&m.created_at),
            p.name(&m.from_agent)
        )?;
        indented(w, &m.content)?;
    }
    Ok(())
}

pub fn dead_letters(w: &mut dyn Write, p: Paint, letters: &[DeadLetter]) -> io::Result<()> {
    if letters.is_empty() {
        return writeln!(w, "{}", p.dim("no dead letters"));
    }
    for d in letters {
        writeln!(
            w,
            "{} {} {} -> {}  {}",
            p.id(&format!("#{}", d.id)),
            p.dim(&d.created_at),
            p.name(&d.from_agent),
            p.name(&d.to_agent),
            p.warn(d.error.as_deref().unwrap_or(""))
        )?;
        indented(w, &d.content)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_spelled_out() {
        assert_eq!(
            Visible("red \x1b[31m!\r\tok").to_string(),
            "red \\u{1b}[31m!\\u{d}\tok"
        );
        assert_eq!(Visible("naïve 🚀").to_string(), "naïve 🚀");
    }

    #[test]
    fn plain_paint_adds_no_escapes() {
        let p = Paint::plain();
        assert_eq!(p.bold("x") + &p.name("y") + &p.warn("z"), "xyz");
        assert_eq!(Paint { on: true }.bold("x"), "\x1b[1mx\x1b[0m");
    }

    #[test]
    fn ages_and_short_ids() {
        assert_eq!(age(5), "5s");
        assert_eq!(age(120), "2m");
        assert_eq!(age(7200), "2h");
        assert_eq!(age(3 * 86400), "3d");
        assert_eq!(short_id("0123456789"), "01234567");
        assert_eq!(short_id("abc"), "abc");
    }
}
