//! The locking contract of claims under real concurrency: eight processes on one database
//! race claims against deletions, dependency additions, status moves, claims of overlapping
//! files, each other's renewals, releases and completions of one claim, and a watcher of the
//! change feed. On PostgreSQL claims, renewals, releases and
//! completions are row-lock writes that run side by side (see `storage::postgres`); on SQLite
//! every write is alone. The outcome must be the same: every claim exactly once, every rule
//! kept, and a feed reader that never skips a change.
//!
//! The audit log is the referee: its ids follow commit order (the ordered-log rule of the
//! contract), so each task's status moves in it must chain (each move starts where the last
//! one ended), and what a claim saw can be told from what committed before it.
//!
//! The workers are this test binary re-run with `AGOR_TEST_WORKER` set: the ignored test
//! `worker_entry` is their `main`.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::process::Child;
use std::time::{Duration, Instant};

use agor_core::{Completion, Error, NewTask, Store, TaskFilter, TaskStatus, MAX_LIMIT};
use common::child::{join, now_ms, results};

const PROCESSES: usize = 8;
const TASKS: usize = 60;

fn spawn(mode: &str, db: &str, index: usize, start_at_ms: u128, arg: &str) -> Child {
    spawn_with(mode, db, index, start_at_ms, arg, "")
}

fn spawn_with(
    mode: &str,
    db: &str,
    index: usize,
    start_at_ms: u128,
    arg: &str,
    movers: &str,
) -> Child {
    let mut env = vec![("AGOR_TEST_MOVERS", movers.to_owned())];
    if movers.is_empty() {
        env.clear();
    }
    env.extend([
        ("AGOR_TEST_WORKER", mode.to_owned()),
        ("AGOR_TEST_DB", db.to_owned()),
        ("AGOR_TEST_INDEX", index.to_string()),
        ("AGOR_TEST_START", start_at_ms.to_string()),
        ("AGOR_TEST_ARG", arg.to_owned()),
    ]);
    common::child::spawn_worker(&env)
}

#[test]
#[ignore = "entry point of the worker processes spawned by the other tests"]
fn worker_entry() {
    let Ok(mode) = std::env::var("AGOR_TEST_WORKER") else {
        return;
    };
    let var = |k: &str| std::env::var(k).unwrap();
    let db = var("AGOR_TEST_DB");
    let index: usize = var("AGOR_TEST_INDEX").parse().unwrap();
    let start: u128 = var("AGOR_TEST_START").parse().unwrap();
    let arg = var("AGOR_TEST_ARG");
    let store = Store::open(&db).unwrap();
    while now_ms() < start {
        std::thread::sleep(Duration::from_millis(1));
    }
    match mode.as_str() {
        "claim" => claim_until_board_empty(&store, index, arg.parse().unwrap()),
        "delete" => {
            let boss = store.as_agent("boss").unwrap();
            for id in arg.split(',') {
                boss.delete_task(id).unwrap();
                std::thread::sleep(Duration::from_millis(2));
            }
        }
        "depend" => {
            let boss = store.as_agent("boss").unwrap();
            for pair in arg.split(',') {
                let (task, on) = pair.split_once(':').unwrap();
                // A cycle, or a task already gone from the board, is refused: fine.
                match boss.add_dependency(task, on) {
                    Ok(()) | Err(Error::InvalidInput { .. }) => {}
                    Err(e) => panic!("add_dependency {task} {on}: {e}"),
                }
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        "move" => {
            let boss = store.as_agent("boss").unwrap();
            for id in arg.split(',') {
                // Off the board and back: a claim in between ends (the mover takes it over).
                for to in [TaskStatus::Backlog, TaskStatus::Todo] {
                    match boss.move_task(id, to) {
                        Ok(_) | Err(Error::InvalidInput { .. }) => {}
                        Err(e) => panic!("move_task {id} {to}: {e}"),
                    }
                }
                std::thread::sleep(Duration::from_millis(1));
            }
            let markers = var("AGOR_TEST_MOVERS");
            let mine = markers.split(',').nth(index - 6).unwrap();
            std::fs::write(mine, "").unwrap();
        }
        "watch" => watch_until(&store, arg.parse().unwrap()),
        "finish" => {
            // Every process holds the same tokens: renew, then complete (even workers) or
            // release (odd ones); only one of them may end each claim.
            let me = store.as_agent("w0").unwrap();
            let done = Completion {
                summary: format!("finished by process {index}"),
                ..Default::default()
            };
            for pair in arg.split(',') {
                let (id, token) = pair.split_once(':').unwrap();
                let _ = me.renew_lease(id, token, 120);
                let ended = if index.is_multiple_of(2) {
                    me.complete_task(id, token, &done, false).map(drop)
                } else {
                    me.release_task(id, token).map(drop)
                };
                match ended {
                    Ok(()) => println!("RESULT ended {id}"),
                    Err(Error::Lease { .. }) => {}
                    Err(e) => panic!("ending {id}: {e}"),
                }
            }
        }
        other => panic!("unknown worker mode {other}"),
    }
}

/// Whether the processes that move tasks are done (`AGOR_TEST_MOVERS`: the files each makes
/// when it is): until then a finished task may be reopened, so the board is not done.
fn movers_done() -> bool {
    std::env::var("AGOR_TEST_MOVERS")
        .map(|files| files.split(',').all(|f| std::path::Path::new(f).exists()))
        .unwrap_or(true)
}

/// Claims and completes (holding each claim `hold_ms`) until no task is left open; a
/// completion refused because a manager moved or deleted the task is fine. Prints what it
/// claimed and completed.
fn claim_until_board_empty(store: &Store, i: usize, hold_ms: u64) {
    let me = store.as_agent(&format!("w{i}")).unwrap();
    let boss = store.as_agent("boss").unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if Instant::now() > deadline {
            let open = boss.list_tasks(&TaskFilter::default()).unwrap();
            panic!("worker {i} timed out; open: {open:#?}");
        }
        let Some(claim) = me.claim_task(None, 60).unwrap() else {
            // Nothing claimable now: tasks may wait for others still in progress.
            if movers_done() && boss.list_tasks(&TaskFilter::default()).unwrap().is_empty() {
                return;
            }
            std::thread::sleep(Duration::from_millis(3));
            continue;
        };
        println!("RESULT claimed {}", claim.task.id);
        std::thread::sleep(Duration::from_millis(hold_ms));
        let record = Completion {
            summary: format!("done by w{i}"),
            ..Default::default()
        };
        match me.complete_task(&claim.task.id, &claim.token, &record, false) {
            Ok(_) => println!("RESULT done {}", claim.task.id),
            Err(Error::Lease { .. } | Error::NotFound { .. }) => {}
            // A dependency added while it was claimed: give it back until that is done.
            Err(Error::InvalidInput { .. }) => {
                me.release_task(&claim.task.id, &claim.token).unwrap();
            }
            Err(e) => panic!("complete {}: {e}", claim.task.id),
        }
    }
}

/// Reads the change feed from the start, as fast as it can, until it sees a task created
/// (the test's signal that the race is over); prints every cursor it read.
fn watch_until(store: &Store, from: i64) {
    let mut cursor = from;
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        assert!(Instant::now() < deadline, "the watcher timed out");
        for c in store.changes(cursor, MAX_LIMIT, None).unwrap() {
            assert!(c.cursor > cursor, "the feed went backwards");
            cursor = c.cursor;
            println!("RESULT {}", c.cursor);
            if c.event == "task_created" {
                return;
            }
        }
    }
}

/// A board with a manager, `PROCESSES` workers and `TASKS` tasks made by `task(n)`.
fn board(dir: &tempfile::TempDir, task: impl Fn(usize) -> NewTask) -> (String, Store, Vec<String>) {
    let (db, store) = common::child::crew(dir, PROCESSES);
    let boss = store.as_agent("boss").unwrap();
    let ids = (0..TASKS)
        .map(|n| boss.create_task(&task(n)).unwrap().id)
        .collect();
    (db, store, ids)
}

/// One audit row: its id (commit order), event and detail.
struct Audited {
    id: i64,
    event: String,
    detail: String,
}

/// The whole audit log, oldest first.
fn audit(store: &Store) -> Vec<Audited> {
    let mut rows: Vec<Audited> = store
        .audit_log(None, MAX_LIMIT)
        .unwrap()
        .into_iter()
        .map(|e| Audited {
            id: e.id,
            event: e.event_type,
            detail: e.detail.unwrap_or_default(),
        })
        .collect();
    assert!(
        rows.len() < MAX_LIMIT as usize,
        "the audit log outgrew one read"
    );
    rows.reverse();
    rows
}

/// Each task's status moves in commit order: (audit id, from, to).
fn moves(log: &[Audited]) -> BTreeMap<String, Vec<(i64, String, String)>> {
    let mut out: BTreeMap<String, Vec<(i64, String, String)>> = BTreeMap::new();
    for a in log.iter().filter(|a| a.event == "task_status") {
        let mut parts = a.detail.split(' ');
        let (task, from, _, to) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        );
        out.entry(task.to_owned())
            .or_default()
            .push((a.id, from.to_owned(), to.to_owned()));
    }
    out
}

/// The checks every race shares: each task's moves chain from `todo` (a claim never took a
/// task that was not todo, a completion never left one that was not in progress), each claim
/// a worker reported is a claim the log holds and no task was claimed twice at once, and the
/// board is empty. Returns the log.
fn check_common(store: &Store, outputs: &[String]) -> Vec<Audited> {
    let log = audit(store);
    let mut claims: BTreeMap<String, usize> = BTreeMap::new();
    for out in outputs {
        for line in results(out) {
            if let Some(id) = line.strip_prefix("claimed ") {
                *claims.entry(id.to_owned()).or_default() += 1;
            }
        }
    }
    for (task, moved) in moves(&log) {
        let mut at = "todo".to_owned();
        for (id, from, to) in &moved {
            assert_eq!(
                from, &at,
                "task {task}: move {id} starts from {from}, the task was {at}: {moved:?}"
            );
            at = to.clone();
        }
        let claimed_in_log = moved.iter().filter(|m| m.2 == "in_progress").count();
        assert_eq!(
            claims.get(&task).copied().unwrap_or(0),
            claimed_in_log,
            "task {task}: the workers' claims and the log disagree"
        );
    }
    let open = store
        .as_agent("boss")
        .unwrap()
        .list_tasks(&TaskFilter::default())
        .unwrap();
    assert!(open.is_empty(), "tasks left open: {open:?}");
    log
}

fn start() -> u128 {
    now_ms() + 400
}

#[test]
fn claims_race_deletions() {
    let dir = tempfile::tempdir().unwrap();
    let (db, store, ids) = board(&dir, |n| NewTask::new(&format!("task {n}")));
    let at = start();
    let mut children: Vec<Child> = (0..6).map(|i| spawn("claim", &db, i, at, "0")).collect();
    // Every third task, from the end of the board (where the claimers arrive last).
    for d in 0..2 {
        let doomed: Vec<&str> = ids
            .iter()
            .rev()
            .skip(d)
            .step_by(3)
            .map(String::as_str)
            .collect();
        children.push(spawn("delete", &db, 6 + d, at, &doomed.join(",")));
    }
    let outputs = join(children);
    let log = check_common(&store, &outputs);
    // Nothing happens to a task after its deletion; every task was done or deleted.
    let mut deleted: BTreeMap<String, i64> = BTreeMap::new();
    for a in log.iter().filter(|a| a.event == "task_deleted") {
        deleted.insert(a.detail.split(' ').next().unwrap().to_owned(), a.id);
    }
    for (task, moved) in moves(&log) {
        if let Some(&gone) = deleted.get(&task) {
            assert!(
                moved.iter().all(|m| m.0 < gone),
                "task {task} moved after its deletion"
            );
        }
    }
    for id in &ids {
        let done = moves(&log)
            .get(id)
            .is_some_and(|m| m.iter().any(|m| m.2 == "done"));
        assert!(done || deleted.contains_key(id), "task {id} was lost");
    }
}

#[test]
fn claims_race_dependency_additions() {
    let dir = tempfile::tempdir().unwrap();
    let (db, store, ids) = board(&dir, |n| NewTask::new(&format!("task {n}")));
    let at = start();
    let mut children: Vec<Child> = (0..6).map(|i| spawn("claim", &db, i, at, "1")).collect();
    // Later tasks wait for earlier ones (never a cycle), added while claims go on.
    for d in 0..2 {
        let pairs: Vec<String> = (0..TASKS)
            .filter(|n| n % 2 == d)
            .map(|n| format!("{}:{}", ids[(n * 7 + 11) % TASKS], ids[n]))
            .collect();
        children.push(spawn("depend", &db, 6 + d, at, &pairs.join(",")));
    }
    let outputs = join(children);
    let log = check_common(&store, &outputs);
    // A claim of a task saw every dependency committed before it, and those were done.
    let mut done_at: BTreeMap<String, i64> = BTreeMap::new();
    let mut claimed_at: Vec<(String, i64)> = Vec::new();
    for (task, moved) in moves(&log) {
        for (id, _, to) in moved {
            match to.as_str() {
                "done" => {
                    done_at.insert(task.clone(), id);
                }
                "in_progress" => claimed_at.push((task.clone(), id)),
                _ => {}
            }
        }
    }
    let added = log.iter().filter(|a| a.event == "task_dependency_added");
    let edges: Vec<(i64, String, String)> = added
        .map(|a| {
            let (task, on) = a.detail.split_once(" waits for ").unwrap();
            (a.id, task.to_owned(), on.to_owned())
        })
        .collect();
    assert!(!edges.is_empty(), "no dependency was added during the race");
    for (task, claimed) in &claimed_at {
        for (added, _, on) in edges.iter().filter(|e| &e.1 == task && e.0 < *claimed) {
            let done = done_at.get(on).copied().unwrap_or(i64::MAX);
            assert!(
                done < *claimed,
                "task {task} claimed at {claimed} while it waited for {on} (added at {added}, done at {done})"
            );
        }
    }
}

#[test]
fn claims_race_status_moves() {
    let dir = tempfile::tempdir().unwrap();
    let (db, store, ids) = board(&dir, |n| NewTask::new(&format!("task {n}")));
    let at = start();
    // The movers mark their end with a file each.
    let marker = |d: usize| dir.path().join(format!("moved{d}")).display().to_string();
    let movers = format!("{},{}", marker(0), marker(1));
    let mut children: Vec<Child> = (0..6)
        .map(|i| spawn_with("claim", &db, i, at, "2", &movers))
        .collect();
    for d in 0..2 {
        let mine: Vec<&str> = ids.iter().skip(d).step_by(2).map(String::as_str).collect();
        children.push(spawn_with("move", &db, 6 + d, at, &mine.join(","), &movers));
    }
    let outputs = join(children);
    let log = check_common(&store, &outputs);
    let taken_over = moves(&log)
        .values()
        .flatten()
        .filter(|m| m.1 == "in_progress" && m.2 == "backlog")
        .count();
    eprintln!("claims a manager's move ended: {taken_over}");
}

#[test]
fn claims_of_overlapping_paths_never_hold_the_same_files() {
    // Three families of globs that overlap within a family and not across; a few tasks
    // have no paths at all.
    const FAMILIES: [&[&str]; 3] = [
        &["src/a/**", "src/a/x.rs", "src/a/*.rs"],
        &["src/b/*.rs", "src/b/y.rs"],
        &["docs/**", "docs/guide.md"],
    ];
    let family = |n: usize| (n % 4 < 3).then_some(n % 4);
    let dir = tempfile::tempdir().unwrap();
    let (db, store, ids) = board(&dir, |n| {
        let mut t = NewTask::new(&format!("task {n}"));
        if let Some(f) = family(n) {
            let globs = FAMILIES[f];
            t.paths = vec![globs[n % globs.len()].to_owned()];
        }
        t
    });
    let at = start();
    let children = (0..PROCESSES)
        .map(|i| spawn("claim", &db, i, at, "3"))
        .collect();
    let outputs = join(children);
    let log = check_common(&store, &outputs);
    // Per family, the claims' spans (claim to completion, in commit order) never overlap.
    let moved = moves(&log);
    for f in 0..FAMILIES.len() {
        let mut spans: Vec<(i64, i64, &str)> = Vec::new();
        for (n, id) in ids
            .iter()
            .enumerate()
            .filter(|(n, _)| family(*n) == Some(f))
        {
            let m = &moved[id];
            let from = m.iter().find(|m| m.2 == "in_progress").unwrap().0;
            let to = m.iter().find(|m| m.2 == "done").unwrap().0;
            spans.push((from, to, ids[n].as_str()));
        }
        spans.sort();
        for w in spans.windows(2) {
            assert!(
                w[0].1 < w[1].0,
                "tasks {} and {} held overlapping files at once: {:?} {:?}",
                w[0].2,
                w[1].2,
                w[0],
                w[1]
            );
        }
    }
}

#[test]
fn one_claim_is_ended_once_by_racing_holders_of_its_token() {
    let dir = tempfile::tempdir().unwrap();
    let (db, store, _) = board(&dir, |n| NewTask::new(&format!("task {n}")));
    let me = store.as_agent("w0").unwrap();
    let claims: Vec<String> = std::iter::from_fn(|| me.claim_task(None, 60).unwrap())
        .map(|c| format!("{}:{}", c.task.id, c.token))
        .collect();
    assert_eq!(claims.len(), TASKS);
    let at = start();
    let children = (0..PROCESSES)
        .map(|i| spawn("finish", &db, i, at, &claims.join(",")))
        .collect();
    let outputs = join(children);
    let mut ended: BTreeMap<&str, usize> = BTreeMap::new();
    for line in outputs.iter().flat_map(|o| results(o)) {
        *ended
            .entry(line.strip_prefix("ended ").unwrap())
            .or_default() += 1;
    }
    assert_eq!(ended.len(), TASKS, "a claim was never ended");
    assert!(
        ended.values().all(|&n| n == 1),
        "a claim ended twice: {ended:?}"
    );
    // The log agrees: each task left in_progress once, to done or back to todo.
    let log = audit(&store);
    for (task, moved) in moves(&log) {
        let left: Vec<&(i64, String, String)> =
            moved.iter().filter(|m| m.1 == "in_progress").collect();
        assert_eq!(left.len(), 1, "task {task}: {moved:?}");
        let mut at = "todo".to_owned();
        for (id, from, to) in &moved {
            assert_eq!(from, &at, "task {task}: move {id}");
            at = to.clone();
        }
    }
}

#[test]
fn a_feed_reader_misses_no_change_under_concurrent_claims() {
    let dir = tempfile::tempdir().unwrap();
    let (db, store, _) = board(&dir, |n| NewTask::new(&format!("task {n}")));
    // The watcher starts after the board's creation.
    let at = start();
    let from = store.latest_change().unwrap();
    let watcher = spawn("watch", &db, 0, at, &from.to_string());
    let claimers = (0..PROCESSES - 1)
        .map(|i| spawn("claim", &db, i, at, "0"))
        .collect();
    let outputs = join(claimers);
    let boss = store.as_agent("boss").unwrap();
    boss.create_task(&NewTask::new("the end of the race"))
        .unwrap();
    let watched = join(vec![watcher]);
    let seen: BTreeSet<i64> = results(&watched[0]).map(|l| l.parse().unwrap()).collect();
    let all: BTreeSet<i64> = store
        .changes(from, MAX_LIMIT, None)
        .unwrap()
        .into_iter()
        .map(|c| c.cursor)
        .collect();
    assert!(all.len() < MAX_LIMIT as usize, "the feed outgrew one read");
    let missed: Vec<&i64> = all.difference(&seen).collect();
    assert!(
        missed.is_empty(),
        "the watcher skipped {} of {} changes: {missed:?}",
        missed.len(),
        all.len()
    );
    let last = boss.list_tasks(&TaskFilter::default()).unwrap();
    boss.delete_task(&last[0].id).unwrap();
    check_common(&store, &outputs);
}
