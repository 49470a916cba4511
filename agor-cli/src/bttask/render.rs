//! How `bttask` prints tasks for people (lists, one task in full, the board, a claim) and
//! the JSON shape of the board. Everything goes through [`Term`], so task text is escaped.

use std::io;

use agor_core::{Claim, Task, TaskDetail, TaskStatus};
use serde::{Serialize, Serializer};

use crate::btmsg::unix_now;
use crate::render::{age, short_id};
use crate::terminal::{bold, dim, id, name, say, warn, Align, Cell, Term};

/// The board as a JSON object `{status: [tasks]}` with its columns in board order.
pub struct BoardJson<'a>(pub &'a [(TaskStatus, Vec<Task>)]);

impl Serialize for BoardJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(st, tasks)| (st.as_str(), tasks)))
    }
}

/// One row per task: short id, status, priority, version, assignee, title.
pub fn tasks(t: &mut Term<'_>, tasks: &[Task], empty: &str) -> io::Result<()> {
    if tasks.is_empty() {
        return say!(t, "{}", dim(empty));
    }
    task_table(t, "", tasks)
}

/// Tasks as aligned columns; the version is shown because `status --version N` needs it.
fn task_table(t: &mut Term<'_>, indent: &str, tasks: &[Task]) -> io::Result<()> {
    let rows: Vec<Vec<Cell>> = tasks
        .iter()
        .map(|task| {
            vec![
                id(short_id(&task.id)),
                Cell::new(task.status),
                Cell::new(task.priority.as_str()),
                dim(format!("v{}", task.version)),
                match &task.assigned_to {
                    Some(a) => name(format!("@{a}")),
                    None => Cell::new(""),
                },
                Cell::new(&task.title),
            ]
        })
        .collect();
    t.table(indent, None, &[Align::Left; 6], &rows)
}

/// One task in full: fields, description, completion record, subtasks and comments.
pub fn detail(t: &mut Term<'_>, d: &TaskDetail) -> io::Result<()> {
    let task = &d.task;
    say!(t, "{} {}", id(&task.id), bold(&task.title))?;
    say!(
        t,
        "  status:    {} (version {})",
        &task.status,
        task.version
    )?;
    say!(t, "  priority:  {}", task.priority.as_str())?;
    if let Some(a) = &task.assigned_to {
        say!(t, "  assigned:  {}", name(a))?;
    }
    if let Some(exp) = task.lease_expires_at {
        say!(t, "  lease:     {}", lease_left(exp))?;
    }
    say!(
        t,
        "  created:   {} by {}",
        &task.created_at,
        task.created_by.as_deref().unwrap_or("-")
    )?;
    say!(t, "  updated:   {}", &task.updated_at)?;
    if let Some(g) = &task.group_id {
        say!(t, "  group:     {}", g)?;
    }
    if let Some(parent) = &task.parent_task_id {
        say!(t, "  parent:    {}", id(short_id(parent)))?;
    }
    if !task.tags.is_empty() {
        say!(t, "  tags:      {}", task.tags.join(", "))?;
    }
    if let Some(dod) = &task.definition_of_done {
        say!(t, "  done when: {}", dod)?;
    }
    if !task.description.is_empty() {
        say!(t, "  description:")?;
        t.lines("    ", &task.description)?;
    }
    if let Some(c) = &task.completion {
        say!(t, "  completion: {}", &c.summary)?;
        for a in &c.artifacts {
            say!(t, "    artifact: {}", a)?;
        }
        if let Some(r) = &c.result_ref {
            say!(t, "    result:   {}", r)?;
        }
        if let Some(n) = &c.next {
            say!(t, "    next:     {}", n)?;
        }
    }
    if !d.subtasks.is_empty() {
        say!(t, "  subtasks:")?;
        task_table(t, "    ", &d.subtasks)?;
    }
    if !d.comments.is_empty() {
        say!(t, "  comments:")?;
        for c in &d.comments {
            let (first, rest) = c.content.split_once('\n').unwrap_or((&c.content, ""));
            say!(
                t,
                "    {} {}: {}",
                dim(&c.created_at),
                name(&c.agent_id),
                Cell::body_line(first)
            )?;
            t.lines("      ", rest)?;
        }
    }
    Ok(())
}

/// Every column with its count and tasks.
pub fn board(t: &mut Term<'_>, columns: &[(TaskStatus, Vec<Task>)]) -> io::Result<()> {
    for (status, tasks) in columns {
        say!(
            t,
            "{} ({})",
            bold(status.as_str().to_uppercase()),
            tasks.len()
        )?;
        task_table(t, "  ", tasks)?;
    }
    Ok(())
}

/// A claim or renewal: the task, the token on a line of its own, and when the lease lapses.
pub fn claim(t: &mut Term<'_>, c: &Claim, verb: &str) -> io::Result<()> {
    say!(
        t,
        "{} {} {} (priority {}, version {})",
        verb,
        id(short_id(&c.task.id)),
        &c.task.title,
        c.task.priority.as_str(),
        c.task.version
    )?;
    say!(t, "token: {}", &c.token)?;
    say!(t, "lease: {}", lease_left(c.expires_at))
}

fn lease_left(expires_at: i64) -> Cell {
    let left = expires_at - unix_now();
    if left <= 0 {
        warn("lapsed")
    } else {
        Cell::new(format!("expires in {} (unix {expires_at})", age(left)))
    }
}
