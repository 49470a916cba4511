//! How `bttask` prints its responses for people (lists, one task in full, the board, a
//! claim). Everything goes through [`Term`], so task text is escaped.

use std::io;

use agor_core::ops::{BoardColumn, Request as R};
use agor_core::{
    Attempt, BlockedTask, Claim, Comment, ImportReport, Proposal, Setting, StatusMove, Task,
    TaskDetail, Waiting, WaitingKind,
};

use crate::command::View;
use crate::error::CliError;
use crate::ids::short_id;
use crate::render::{age, byline, unix_now};
use crate::reply::{typed, Reply, ReviewCounts};
use crate::terminal::{bold, dim, id, name, say, warn, Align, Cell, Term};

type Shown = Result<(), CliError>;

pub fn task_list(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    Ok(tasks(t, &typed::<Vec<Task>>(v)?, "no tasks")?)
}

pub fn ready(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    Ok(tasks(t, &typed::<Vec<Task>>(v)?, "nothing ready to claim")?)
}

/// One line per held-back task: which of its paths, and who holds it (by a reservation, or
/// by the task it claimed).
pub fn blocked(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    let rows: Vec<BlockedTask> = typed(v)?;
    if rows.is_empty() {
        return Ok(say!(t, "{}", dim("nothing held back by others' files"))?);
    }
    for b in &rows {
        let by = &b.blocked_by;
        let through = match &by.task_id {
            Some(task) => format!("claimed task {}", short_id(task)),
            None => format!("reservation {}", short_id(&by.id)),
        };
        say!(
            t,
            "{} {}  {} held by {} ({}, {})",
            id(short_id(&b.task_id)),
            &b.title,
            warn(&b.path),
            name(&by.agent_id),
            &by.pattern,
            through
        )?;
    }
    Ok(())
}

/// What waits on a person, one line each: kind, id, who waits on whom, since when, the text
/// (its first line).
pub fn waiting(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    let items: Vec<Waiting> = typed(v)?;
    if items.is_empty() {
        return Ok(say!(t, "{}", dim("nothing waits on a person"))?);
    }
    let rows: Vec<Vec<Cell>> = items
        .iter()
        .map(|w| {
            let kind = match w.kind {
                WaitingKind::Approval => "approval",
                WaitingKind::Proposal => "proposal",
                WaitingKind::Message => "message",
                WaitingKind::DeadLetter => "dead letter",
            };
            let parties = match (&w.from, &w.to) {
                (Some(f), Some(to)) => format!("{f} -> {to}"),
                (Some(f), None) => f.clone(),
                (None, Some(to)) => format!("-> {to}"),
                (None, None) => String::new(),
            };
            let detail = w
                .detail
                .as_deref()
                .filter(|d| *d != "normal")
                .map(|d| format!("[{d}]"))
                .unwrap_or_default();
            vec![
                bold(kind),
                id(short_id(&w.id)),
                name(parties),
                dim(&w.at),
                warn(detail),
                Cell::new(w.text.lines().next().unwrap_or_default()),
            ]
        })
        .collect();
    Ok(t.table("", None, &[Align::Left; 6], &rows)?)
}

pub fn created(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    let task: Task = typed(v)?;
    let tid = id(short_id(&task.id));
    Ok(say!(
        t,
        "created {} [{}] {}",
        tid,
        &task.status,
        &task.title
    )?)
}

pub fn assigned(t: &mut Term<'_>, view: &View<'_>, v: Reply) -> Shown {
    let task: Task = typed(v)?;
    let asked = match view.request {
        R::AssignTask(r) => r.agent_id.as_str(),
        _ => "",
    };
    let to = name(task.assigned_to.as_deref().unwrap_or(asked));
    Ok(say!(t, "assigned {} to {}", id(short_id(&task.id)), to)?)
}

pub fn moved(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    let task: Task = typed(v)?;
    let tid = id(short_id(&task.id));
    Ok(say!(
        t,
        "{} is {} (version {})",
        tid,
        &task.status,
        task.version
    )?)
}

pub fn commented(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    let c: Comment = typed(v)?;
    Ok(say!(t, "commented on {}", id(short_id(&c.task_id)))?)
}

pub fn detail(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    Ok(task_detail(t, &typed(v)?)?)
}

pub fn history(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    let moves: Vec<StatusMove> = typed(v)?;
    if moves.is_empty() {
        return Ok(say!(t, "{}", dim("no status moves recorded"))?);
    }
    for m in &moves {
        let from = m
            .from
            .map_or_else(|| "created".to_owned(), |s| s.to_string());
        let who = m.actor.as_deref().unwrap_or("-");
        say!(
            t,
            "{}  {} → {}  {}",
            dim(&m.at),
            from,
            bold(m.to.as_str()),
            name(who)
        )?;
    }
    Ok(())
}

pub fn deferred(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    let task: Task = typed(v)?;
    let tid = id(short_id(&task.id));
    match task.not_before_ms {
        Some(ms) => Ok(say!(t, "{} deferred until {} UTC", tid, utc(ms))?),
        None => Ok(say!(t, "{} is no longer deferred", tid)?),
    }
}

pub fn attempts(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    let list: Vec<Attempt> = typed(v)?;
    if list.is_empty() {
        return Ok(say!(t, "{}", dim("no attempts"))?);
    }
    for a in &list {
        let outcome = a.outcome.map_or("live", |o| o.as_str());
        let error = a
            .error
            .as_deref()
            .map(|e| format!(": {e}"))
            .unwrap_or_default();
        say!(
            t,
            "{}  {}  {}{}",
            dim(&a.started_at),
            name(&a.agent_id),
            bold(outcome),
            error
        )?;
    }
    Ok(())
}

pub fn settings(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    for s in &typed::<Vec<Setting>>(v)? {
        setting_line(t, s)?;
    }
    Ok(())
}

pub fn setting(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    Ok(setting_line(t, &typed(v)?)?)
}

fn setting_line(t: &mut Term<'_>, s: &Setting) -> io::Result<()> {
    let default = match s.set {
        true => format!("(default {})", s.default),
        false => "(default)".to_owned(),
    };
    say!(t, "{} = {} {}", bold(&s.key), &s.value, dim(default))
}

/// A Unix millisecond time as `YYYY-MM-DD HH:MM:SS`, UTC.
fn utc(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

pub fn board(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    Ok(columns(t, &typed::<Vec<BoardColumn>>(v)?)?)
}

pub fn deleted(t: &mut Term<'_>, view: &View<'_>, _: Reply) -> Shown {
    let task = match view.request {
        R::DeleteTask(r) => r.task_id.as_str(),
        _ => "",
    };
    Ok(say!(t, "deleted task {}", id(task))?)
}

pub fn waits_for(t: &mut Term<'_>, view: &View<'_>, v: Reply) -> Shown {
    let deps: Vec<String> = typed(v)?;
    let task = match view.request {
        R::AddDependency(r) => r.task_id.as_str(),
        R::RemoveDependency(r) => r.task_id.as_str(),
        _ => "",
    };
    let list: Vec<&str> = deps.iter().map(|d| short_id(d)).collect();
    let list = match list.is_empty() {
        true => Cell::new("nothing"),
        false => id(list.join(", ")),
    };
    Ok(say!(t, "{} waits for: {}", id(task), list)?)
}

pub fn claimed(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    match typed::<Option<Claim>>(v)? {
        Some(c) => Ok(claim(t, &c, "claimed")?),
        None => Ok(say!(t, "{}", dim("nothing to claim"))?),
    }
}

/// `claim --count`: each claim with its token, or that none was free.
pub fn claimed_many(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    let claims: Vec<Claim> = typed(v)?;
    if claims.is_empty() {
        return Ok(say!(t, "{}", dim("nothing to claim"))?);
    }
    for c in &claims {
        claim(t, c, "claimed")?;
    }
    Ok(())
}

/// `done-many`: one line per completed task.
pub fn completed_many(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    for task in typed::<Vec<Task>>(v)? {
        say!(t, "completed {}: {}", id(short_id(&task.id)), &task.status)?;
    }
    Ok(())
}

/// `add-many`: one line per created task.
pub fn created_many(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    for task in typed::<Vec<Task>>(v)? {
        say!(
            t,
            "created {} [{}] {}",
            id(short_id(&task.id)),
            &task.status,
            &task.title
        )?;
    }
    Ok(())
}

pub fn renewed(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    Ok(claim(t, &typed(v)?, "renewed")?)
}

pub fn released(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    let task: Task = typed(v)?;
    let tid = id(short_id(&task.id));
    match (task.status, task.not_before_ms) {
        (agor_core::TaskStatus::Failed, _) => Ok(say!(
            t,
            "released {} (failed: its attempts are used up)",
            tid
        )?),
        (_, Some(ms)) if ms > unix_now() * 1000 => Ok(say!(
            t,
            "released {} (back to todo, not before {} UTC)",
            tid,
            utc(ms)
        )?),
        _ => Ok(say!(t, "released {} (back to todo)", tid)?),
    }
}

pub fn completed(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    let task: Task = typed(v)?;
    Ok(say!(
        t,
        "completed {}: {}",
        id(short_id(&task.id)),
        &task.status
    )?)
}

pub fn archived(t: &mut Term<'_>, view: &View<'_>, v: Reply) -> Shown {
    let task: Task = typed(v)?;
    let what = match view.request {
        R::UnarchiveTask(_) => "unarchived",
        _ => "archived",
    };
    Ok(say!(
        t,
        "{} {} {}",
        what,
        id(short_id(&task.id)),
        &task.title
    )?)
}

pub fn proposal(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    let p: Proposal = typed(v)?;
    Ok(proposal_line(t, &p)?)
}

pub fn proposals(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    let list: Vec<Proposal> = typed(v)?;
    if list.is_empty() {
        return Ok(say!(t, "{}", dim("no proposals"))?);
    }
    for p in &list {
        proposal_line(t, p)?;
    }
    Ok(())
}

fn proposal_line(t: &mut Term<'_>, p: &Proposal) -> io::Result<()> {
    let reason = p
        .reason
        .as_deref()
        .map(|r| format!(" ({r})"))
        .unwrap_or_default();
    say!(
        t,
        "proposal {} [{}] task {} {} from {} ({}) to {}{}",
        id(short_id(&p.id)),
        p.status.as_str(),
        id(short_id(&p.task_id)),
        &p.task_title,
        name(&p.proposed_by),
        &p.from_group,
        name(&p.agent_id),
        reason
    )
}

pub fn assigned_to_me(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    let task: Task = typed(v)?;
    let group = task.group_id.clone().unwrap_or_default();
    Ok(say!(
        t,
        "accepted {} {} (now in {})",
        id(short_id(&task.id)),
        &task.title,
        group
    )?)
}

pub fn imported(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    let r: ImportReport = typed(v)?;
    let (created, updated, unchanged) = (r.created.len(), r.updated.len(), r.unchanged.len());
    Ok(say!(
        t,
        "imported: {} created, {} updated, {} unchanged",
        created,
        updated,
        unchanged
    )?)
}

pub fn toml_text(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    let text: String = typed(v)?;
    Ok(t.lines("", &text)?)
}

pub fn exported(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    let text: String = typed(v)?;
    let count = text.lines().filter(|l| l.trim() == "[[tasks]]").count();
    Ok(say!(t, "exported {} tasks", count)?)
}

pub fn review_count(t: &mut Term<'_>, _: &View<'_>, v: Reply) -> Shown {
    let counts: ReviewCounts = typed(v)?;
    let count = counts.count;
    Ok(say!(t, "{}", count)?)
}

/// One row per task: short id, status, priority, version, assignee, title.
fn tasks(t: &mut Term<'_>, tasks: &[Task], empty: &str) -> io::Result<()> {
    if tasks.is_empty() {
        return say!(t, "{}", dim(empty));
    }
    task_table(t, "", tasks)
}

/// The unfinished dependencies of a task as short ids (`a1b2c3d4, 9f8e7d6c`), or `None`.
fn waits_for_ids(task: &Task) -> Option<String> {
    let ids: Vec<&str> = task.waits_for.iter().map(|d| short_id(d)).collect();
    (!ids.is_empty()).then(|| ids.join(", "))
}

/// Why a task is not offered though it may look ready: deferred (or backing off) until a
/// time still ahead.
fn held_back(task: &Task) -> Option<String> {
    let at = task.not_before_ms.filter(|ms| *ms > unix_now() * 1000)?;
    Some(format!("not before {} UTC", utc(at)))
}

/// Tasks as aligned columns; the version is shown because `status --version N` needs it,
/// and a task held back by unfinished dependencies says which, so a blocked task is not
/// mistaken for one nobody picked up.
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
                match (waits_for_ids(task), held_back(task)) {
                    (Some(ids), _) => warn(format!("waits for {ids}")),
                    (None, Some(note)) => warn(note),
                    (None, None) => Cell::new(""),
                },
            ]
        })
        .collect();
    t.table(indent, None, &[Align::Left; 7], &rows)
}

/// One task in full: fields, description, completion record, subtasks and comments.
fn task_detail(t: &mut Term<'_>, d: &TaskDetail) -> io::Result<()> {
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
    if let Some(ids) = waits_for_ids(task) {
        say!(t, "  waits for: {}", warn(ids))?;
    }
    if let Some(r) = &task.requires {
        say!(t, "  requires:  {}", r)?;
    }
    if let Some(note) = held_back(task) {
        say!(t, "  held:      {}", warn(note))?;
    }
    if task.failed_attempts > 0 || task.max_attempts.is_some() {
        let max = task
            .max_attempts
            .map_or_else(|| "the store's max".to_owned(), |n| n.to_string());
        say!(t, "  attempts:  {} failed of {}", task.failed_attempts, max)?;
    }
    if !task.tags.is_empty() {
        say!(t, "  tags:      {}", task.tags.join(", "))?;
    }
    if !task.paths.is_empty() {
        say!(t, "  paths:     {}", task.paths.join(" "))?;
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
            byline(t, "    ", &c.created_at, &c.agent_id, first)?;
            t.lines("      ", rest)?;
        }
    }
    Ok(())
}

/// Every column with its count and tasks.
fn columns(t: &mut Term<'_>, columns: &[BoardColumn]) -> io::Result<()> {
    for c in columns {
        let heading = bold(c.status.as_str().to_uppercase());
        say!(t, "{} ({})", heading, c.tasks.len())?;
        task_table(t, "  ", &c.tasks)?;
    }
    Ok(())
}

/// A claim or renewal: the task, the token on a line of its own, and when the lease lapses.
fn claim(t: &mut Term<'_>, c: &Claim, verb: &str) -> io::Result<()> {
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
