//! How `bttask` prints tasks for people (lists, one task in full, the board, a claim) and
//! the JSON shape of the board.

use std::io::{self, Write};

use agor_core::{Claim, Task, TaskDetail, TaskStatus};
use serde::{Serialize, Serializer};

use crate::btmsg::unix_now;
use crate::render::{age, short_id, Paint, Visible};

/// The board as a JSON object `{status: [tasks]}` with its columns in board order.
pub struct BoardJson<'a>(pub &'a [(TaskStatus, Vec<Task>)]);

impl Serialize for BoardJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(st, tasks)| (st.as_str(), tasks)))
    }
}

/// One line per task: short id, status, priority, version, assignee, title.
pub fn tasks(w: &mut dyn Write, p: Paint, tasks: &[Task], empty: &str) -> io::Result<()> {
    if tasks.is_empty() {
        return writeln!(w, "{}", p.dim(empty));
    }
    for t in tasks {
        task_line(w, p, t, "")?;
    }
    Ok(())
}

fn task_line(w: &mut dyn Write, p: Paint, t: &Task, indent: &str) -> io::Result<()> {
    // The version is shown because `status --version N` needs it.
    let assignee = match &t.assigned_to {
        Some(a) => format!(" @{}", p.name(a)),
        None => String::new(),
    };
    writeln!(
        w,
        "{indent}{} {:11} {:8} {}{}  {}",
        p.id(short_id(&t.id)),
        t.status,
        t.priority.as_str(),
        p.dim(&format!("v{}", t.version)),
        assignee,
        Visible(&t.title)
    )
}

/// One task in full: fields, description, completion record, subtasks and comments.
pub fn detail(w: &mut dyn Write, p: Paint, d: &TaskDetail) -> io::Result<()> {
    let t = &d.task;
    writeln!(
        w,
        "{} {}",
        p.id(&t.id),
        p.bold(&Visible(&t.title).to_string())
    )?;
    writeln!(w, "  status:    {} (version {})", t.status, t.version)?;
    writeln!(w, "  priority:  {}", t.priority.as_str())?;
    if let Some(a) = &t.assigned_to {
        writeln!(w, "  assigned:  {}", p.name(a))?;
    }
    if let Some(exp) = t.lease_expires_at {
        writeln!(w, "  lease:     {}", lease_left(p, exp))?;
    }
    writeln!(
        w,
        "  created:   {} by {}",
        t.created_at,
        t.created_by.as_deref().unwrap_or("-")
    )?;
    writeln!(w, "  updated:   {}", t.updated_at)?;
    if let Some(g) = &t.group_id {
        writeln!(w, "  group:     {g}")?;
    }
    if let Some(parent) = &t.parent_task_id {
        writeln!(w, "  parent:    {}", p.id(short_id(parent)))?;
    }
    if !t.tags.is_empty() {
        writeln!(w, "  tags:      {}", t.tags.join(", "))?;
    }
    if let Some(dod) = &t.definition_of_done {
        writeln!(w, "  done when: {}", Visible(dod))?;
    }
    if !t.description.is_empty() {
        writeln!(w, "  description:")?;
        for line in t.description.lines() {
            writeln!(w, "    {}", Visible(line))?;
        }
    }
    if let Some(c) = &t.completion {
        writeln!(w, "  completion: {}", Visible(&c.summary))?;
        for a in &c.artifacts {
            writeln!(w, "    artifact: {}", Visible(a))?;
        }
        if let Some(r) = &c.result_ref {
            writeln!(w, "    result:   {}", Visible(r))?;
        }
        if let Some(n) = &c.next {
            writeln!(w, "    next:     {}", Visible(n))?;
        }
    }
    if !d.subtasks.is_empty() {
        writeln!(w, "  subtasks:")?;
        for s in &d.subtasks {
            task_line(w, p, s, "    ")?;
        }
    }
    if !d.comments.is_empty() {
        writeln!(w, "  comments:")?;
        for c in &d.comments {
            let mut lines = c.content.lines();
            let first = Visible(lines.next().unwrap_or(""));
            writeln!(
                w,
                "    {} {}: {first}",
                p.dim(&c.created_at),
                p.name(&c.agent_id)
            )?;
            for line in lines {
                writeln!(w, "      {}", Visible(line))?;
            }
        }
    }
    Ok(())
}

/// Every column with its count and tasks.
pub fn board(w: &mut dyn Write, p: Paint, columns: &[(TaskStatus, Vec<Task>)]) -> io::Result<()> {
    for (status, tasks) in columns {
        writeln!(
            w,
            "{} ({})",
            p.bold(&status.as_str().to_uppercase()),
            tasks.len()
        )?;
        for t in tasks {
            task_line(w, p, t, "  ")?;
        }
    }
    Ok(())
}

/// A claim or renewal: the task, the token on a line of its own, and when the lease lapses.
pub fn claim(w: &mut dyn Write, p: Paint, c: &Claim, verb: &str) -> io::Result<()> {
    writeln!(
        w,
        "{verb} {} {} (priority {}, version {})",
        p.id(short_id(&c.task.id)),
        c.task.title,
        c.task.priority.as_str(),
        c.task.version
    )?;
    writeln!(w, "token: {}", c.token)?;
    writeln!(w, "lease: {}", lease_left(p, c.expires_at))
}

fn lease_left(p: Paint, expires_at: i64) -> String {
    let left = expires_at - unix_now();
    if left <= 0 {
        p.warn("lapsed")
    } else {
        format!("expires in {} (unix {expires_at})", age(left))
    }
}
