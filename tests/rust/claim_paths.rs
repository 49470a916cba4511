//! Claims with their files (issue 22 item 2, SPEC §14): a task's path globs are reserved by
//! its claim, all or none, exclusively, for as long as the claim lives; claim-next and
//! `ready_tasks` skip tasks whose files another agent holds and `claim_blockers` says who.
//! Racing claims run in real processes (this binary re-run with `AGOR_TEST_WORKER` set). On
//! both engines.

mod common;

use std::collections::BTreeMap;
use std::process::Child;
use std::time::Duration;

use common::child::now_ms;

use agor_core::{Actor, Completion, Error, ErrorKind, NewTask, Priority, Task, TaskStatus};

fn task_with(mgr: &Actor, title: &str, priority: Priority, paths: &[&str]) -> Task {
    mgr.create_task(&NewTask {
        priority,
        paths: paths.iter().map(|p| (*p).to_owned()).collect(),
        ..NewTask::new(title)
    })
    .unwrap()
}

fn done() -> Completion {
    Completion {
        summary: "done".into(),
        ..Default::default()
    }
}

/// The holder and pattern a refused claim or reservation names.
fn reserved_by(e: Error) -> (String, String) {
    match e {
        Error::Reserved {
            holder, pattern, ..
        } => (holder, pattern),
        other => panic!("expected Reserved, got {other:?}"),
    }
}

fn ids(tasks: &[Task]) -> Vec<&str> {
    tasks.iter().map(|t| t.title.as_str()).collect()
}

#[test]
fn a_claim_reserves_its_paths_naming_the_task_and_others_cannot_take_them() {
    let t = common::team();
    let mgr = t.store.as_agent("mgr").unwrap();
    let dev1 = t.store.as_agent("dev1").unwrap();
    let dev2 = t.store.as_agent("dev2").unwrap();
    let a = task_with(
        &mgr,
        "parser",
        Priority::Medium,
        &["src/parser/*", "docs/parser.md"],
    );
    assert_eq!(a.paths, ["src/parser/*", "docs/parser.md"]);
    assert_eq!(dev1.get_task(&a.id).unwrap().task.paths, a.paths);

    let claim = dev1.claim_task(Some(&a.id), 600).unwrap().unwrap();
    let held = dev2
        .reservations(None, Some("src/parser/lexer.rs"))
        .unwrap();
    assert_eq!(held.len(), 1, "{held:?}");
    assert_eq!(held[0].agent_id, "dev1");
    assert_eq!(held[0].task_id.as_deref(), Some(a.id.as_str()));
    assert!(held[0].exclusive);
    assert_eq!(held[0].expires_at_ms, claim.expires_at_ms);

    // Another agent can neither reserve them (shared or not) nor claim a task touching them.
    let e = dev2
        .reserve(&["src/parser/lexer.rs".into()], false, 60, None)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AlreadyClaimed);
    assert_eq!(reserved_by(e), ("dev1".into(), "src/parser/*".into()));
    let b = task_with(&mgr, "docs", Priority::Medium, &["docs/*"]);
    let e = dev2.claim_task(Some(&b.id), 600).unwrap_err();
    assert_eq!(reserved_by(e), ("dev1".into(), "docs/parser.md".into()));
    // The holder itself may: its own reservations never block it.
    dev1.reserve(&["src/parser/lexer.rs".into()], true, 60, None)
        .unwrap();
    let c = task_with(
        &mgr,
        "more parser",
        Priority::Medium,
        &["src/parser/ast.rs"],
    );
    dev1.claim_task(Some(&c.id), 600).unwrap().unwrap();
    // The claim's reservations are the claim's: release_reservations leaves them alone.
    assert_eq!(dev1.release_reservations(&[]).unwrap(), 1);
    assert_eq!(dev2.reservations(Some("dev1"), None).unwrap().len(), 3);
}

#[test]
fn all_or_none_a_claim_that_cannot_reserve_every_path_reserves_none() {
    let t = common::team();
    let mgr = t.store.as_agent("mgr").unwrap();
    let dev1 = t.store.as_agent("dev1").unwrap();
    let dev2 = t.store.as_agent("dev2").unwrap();
    dev2.reserve(&["docs/guide.md".into()], false, 600, Some("editing"))
        .unwrap();
    let a = task_with(
        &mgr,
        "a",
        Priority::Medium,
        &["src/a.rs", "src/b.rs", "docs/*.md"],
    );
    let e = dev1.claim_task(Some(&a.id), 600).unwrap_err();
    assert_eq!(reserved_by(e), ("dev2".into(), "docs/guide.md".into()));
    let after = dev1.get_task(&a.id).unwrap().task;
    assert_eq!(after.status, TaskStatus::Todo);
    assert_eq!(after.assigned_to, None);
    assert!(dev2.reservations(Some("dev1"), None).unwrap().is_empty());
    // Free again once dev2 lets go.
    dev2.release_reservations(&[]).unwrap();
    dev1.claim_task(Some(&a.id), 600).unwrap().unwrap();
    assert_eq!(dev2.reservations(Some("dev1"), None).unwrap().len(), 3);
}

#[test]
fn every_end_of_a_claim_releases_its_paths_and_renewing_keeps_them() {
    let (t, clock) = common::team_timed();
    let mgr = t.store.as_agent("mgr").unwrap();
    let dev1 = t.store.as_agent("dev1").unwrap();
    let dev2 = t.store.as_agent("dev2").unwrap();
    let held_by_dev1 = || dev2.reservations(Some("dev1"), None).unwrap().len();
    let probe = task_with(&mgr, "probe", Priority::Low, &["src/**"]);
    let free_for_dev2 = || ids(&dev2.ready_tasks().unwrap()).contains(&"probe");

    // complete
    let a = task_with(&mgr, "a", Priority::High, &["src/a.rs"]);
    let c = dev1.claim_task(Some(&a.id), 60).unwrap().unwrap();
    assert!(!free_for_dev2());
    dev1.complete_task(&a.id, &c.token, &done(), false).unwrap();
    assert_eq!(held_by_dev1(), 0);
    assert!(free_for_dev2());

    // complete into review
    let a = task_with(&mgr, "a2", Priority::High, &["src/a.rs"]);
    let c = dev1.claim_task(Some(&a.id), 60).unwrap().unwrap();
    dev1.complete_task(&a.id, &c.token, &done(), true).unwrap();
    assert_eq!(held_by_dev1(), 0);

    // release
    let b = task_with(&mgr, "b", Priority::High, &["src/b.rs"]);
    let c = dev1.claim_task(Some(&b.id), 60).unwrap().unwrap();
    assert_eq!(held_by_dev1(), 1);
    dev1.release_task(&b.id, &c.token).unwrap();
    assert_eq!(held_by_dev1(), 0);
    assert!(free_for_dev2());

    // a manager moves it out of in_progress
    let c = dev1.claim_task(Some(&b.id), 60).unwrap().unwrap();
    assert_eq!(held_by_dev1(), 1);
    mgr.set_task_status(&b.id, TaskStatus::Blocked, c.task.version)
        .unwrap();
    assert_eq!(held_by_dev1(), 0);
    mgr.move_task(&b.id, TaskStatus::Todo).unwrap();

    // renewing keeps them past the first deadline; a lapse ends them, reaped or not
    let c = dev1.claim_task(Some(&b.id), 60).unwrap().unwrap();
    clock.advance(Duration::from_secs(50));
    dev1.renew_lease(&b.id, &c.token, 60).unwrap();
    clock.advance(Duration::from_secs(50));
    assert_eq!(held_by_dev1(), 1, "renewed: still held");
    assert!(!free_for_dev2());
    clock.advance(Duration::from_secs(11));
    assert_eq!(held_by_dev1(), 0, "lapsed: held no more");
    // dev2 takes the overlapping probe at once (its claim reaps the lapsed lease first).
    let got = dev2.claim_task(Some(&probe.id), 60).unwrap().unwrap();
    assert_eq!(got.task.paths, ["src/**"]);
    let e = dev1.claim_task(Some(&b.id), 60).unwrap_err();
    assert_eq!(reserved_by(e), ("dev2".into(), "src/**".into()));
}

#[test]
fn claim_next_and_ready_skip_a_blocked_task_and_blockers_say_why() {
    let t = common::team();
    let mgr = t.store.as_agent("mgr").unwrap();
    let dev1 = t.store.as_agent("dev1").unwrap();
    let dev2 = t.store.as_agent("dev2").unwrap();
    let arch = t.store.as_agent("arch").unwrap();
    let first = task_with(&mgr, "first", Priority::Critical, &["src/lib.rs"]);
    let second = task_with(&mgr, "second", Priority::High, &["src/*.rs"]);
    task_with(&mgr, "third", Priority::Medium, &["docs/*"]);
    let r = dev2
        .reserve(&["src/lib.rs".into()], true, 600, None)
        .unwrap();

    // dev2's reservation holds back both src tasks for dev1, not for dev2 itself.
    assert_eq!(ids(&dev1.ready_tasks().unwrap()), ["third"]);
    assert_eq!(
        ids(&dev2.ready_tasks().unwrap()),
        ["first", "second", "third"]
    );
    let blockers = dev1.claim_blockers(None).unwrap();
    assert_eq!(blockers.len(), 2, "{blockers:?}");
    assert_eq!(blockers[0].task_id, first.id);
    assert_eq!(blockers[0].path, "src/lib.rs");
    assert_eq!(blockers[0].blocked_by.agent_id, "dev2");
    assert_eq!(blockers[0].blocked_by.id, r[0].id);
    assert_eq!(blockers[0].blocked_by.task_id, None);
    assert_eq!(blockers[1].task_id, second.id);
    let one = dev1.claim_blockers(Some(&second.id[..8])).unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].task_id, second.id);
    assert!(dev2.claim_blockers(None).unwrap().is_empty());

    let got = dev1.claim_task(None, 600).unwrap().unwrap();
    assert_eq!(
        got.task.title, "third",
        "claim-next skips the blocked tasks"
    );
    // arch's view: first is held by dev2's reservation, third by dev1's claim.
    let blockers = arch.claim_blockers(None).unwrap();
    let by_title: BTreeMap<&str, (&str, Option<&str>)> = blockers
        .iter()
        .map(|b| {
            (
                b.title.as_str(),
                (
                    b.blocked_by.agent_id.as_str(),
                    b.blocked_by.task_id.as_deref(),
                ),
            )
        })
        .collect();
    assert_eq!(by_title["first"], ("dev2", None));
    assert!(
        !by_title.contains_key("third"),
        "third is claimed, not todo"
    );
    // Nothing left for dev1 that nobody else holds.
    let fourth = task_with(&mgr, "fourth", Priority::Low, &["docs/readme.md"]);
    let blockers = dev2.claim_blockers(Some(&fourth.id)).unwrap();
    assert_eq!(blockers.len(), 1);
    assert_eq!(blockers[0].blocked_by.agent_id, "dev1");
    assert_eq!(
        blockers[0].blocked_by.task_id.as_deref(),
        Some(got.task.id.as_str())
    );
    assert_eq!(blockers[0].blocked_by.pattern, "docs/*");
    assert_eq!(
        dev1.claim_task(None, 600).unwrap().unwrap().task.title,
        "fourth"
    );
    assert!(dev1.claim_task(None, 600).unwrap().is_none());
}

#[test]
fn claim_next_walks_past_many_blocked_tasks() {
    let t = common::team();
    let mgr = t.store.as_agent("mgr").unwrap();
    let dev1 = t.store.as_agent("dev1").unwrap();
    let dev2 = t.store.as_agent("dev2").unwrap();
    // More blocked tasks than the first batches claim-next reads.
    for i in 0..80 {
        task_with(&mgr, &format!("held {i}"), Priority::High, &["src/**"]);
    }
    task_with(&mgr, "free", Priority::Low, &["docs/x.md"]);
    dev2.reserve(&["src/main.rs".into()], false, 600, None)
        .unwrap();
    assert_eq!(
        dev1.claim_task(None, 600).unwrap().unwrap().task.title,
        "free"
    );
    assert!(dev1.claim_task(None, 600).unwrap().is_none());
}

#[test]
fn another_groups_files_never_block() {
    let t = common::team();
    t.store
        .register_agent(&agor_core::NewAgent::new("mgr2", "M2", "manager", "other"))
        .unwrap();
    let mgr = t.store.as_agent("mgr").unwrap();
    let mgr2 = t.store.as_agent("mgr2").unwrap();
    let dev1 = t.store.as_agent("dev1").unwrap();
    let ext = t.store.as_agent("ext").unwrap();
    let theirs = task_with(&mgr2, "theirs", Priority::Medium, &["src/**"]);
    ext.claim_task(Some(&theirs.id), 600).unwrap().unwrap();
    ext.reserve(&["src/lib.rs".into()], true, 600, None)
        .unwrap();
    let ours = task_with(&mgr, "ours", Priority::Medium, &["src/lib.rs"]);
    assert!(dev1.claim_blockers(None).unwrap().is_empty());
    assert_eq!(
        dev1.claim_task(None, 600).unwrap().unwrap().task.id,
        ours.id
    );
    // and the other way: ext sees nothing of core's, and cannot name its task.
    assert!(ext.claim_blockers(None).unwrap().is_empty());
    assert_eq!(
        ext.claim_blockers(Some(&ours.id)).unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert!(ext
        .reservations(None, None)
        .unwrap()
        .iter()
        .all(|r| r.group_id == "other"));
}

#[test]
fn paths_are_checked_edited_outside_a_claim_and_carried_by_tasks_toml() {
    let t = common::team();
    let mgr = t.store.as_agent("mgr").unwrap();
    let dev1 = t.store.as_agent("dev1").unwrap();
    let bad = mgr.create_task(&NewTask {
        paths: vec!["src/\na".into()],
        ..NewTask::new("bad")
    });
    assert_eq!(bad.unwrap_err().kind(), ErrorKind::InvalidInput);
    let a = task_with(
        &mgr,
        "a",
        Priority::Medium,
        &["src/a.rs", "src/a.rs", "src/b.rs"],
    );
    assert_eq!(a.paths, ["src/a.rs", "src/b.rs"], "repeats dropped");
    let change = |paths: &[&str]| agor_core::TaskUpdate {
        paths: Some(paths.iter().map(|p| (*p).to_owned()).collect()),
        ..Default::default()
    };
    let a = mgr
        .update_task(&a.id, a.version, &change(&["lib/*"]))
        .unwrap();
    assert_eq!(a.paths, ["lib/*"]);
    let c = dev1.claim_task(Some(&a.id), 600).unwrap().unwrap();
    let e = mgr
        .update_task(&a.id, c.task.version, &change(&["other/*"]))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    dev1.release_task(&a.id, &c.token).unwrap();
    let a = dev1.get_task(&a.id).unwrap().task;
    let a = mgr.update_task(&a.id, a.version, &change(&[])).unwrap();
    assert!(a.paths.is_empty());

    let b = task_with(&mgr, "b", Priority::Medium, &["src/b/*", "docs/b.md"]);
    let text = mgr.export_tasks().unwrap();
    assert!(
        text.contains("paths = [\"src/b/*\", \"docs/b.md\"]"),
        "{text}"
    );
    // A re-import of the file with other paths sets them; the same file again changes nothing.
    let edited = text.replace("\"docs/b.md\"", "\"docs/c.md\"");
    let report = mgr.import_tasks(&edited).unwrap();
    assert_eq!(report.updated, std::slice::from_ref(&b.id));
    assert_eq!(
        dev1.get_task(&b.id).unwrap().task.paths,
        ["src/b/*", "docs/c.md"]
    );
    assert!(mgr.import_tasks(&edited).unwrap().updated.is_empty());
}

// --- racing processes -------------------------------------------------------------------

fn spawn(mode: &str, db: &str, agent: &str, task: &str, start_at_ms: u128) -> Child {
    common::child::spawn_worker(&[
        ("AGOR_TEST_WORKER", mode.to_owned()),
        ("AGOR_TEST_DB", db.to_owned()),
        ("AGOR_TEST_AGENT", agent.to_owned()),
        ("AGOR_TEST_TASK", task.to_owned()),
        ("AGOR_TEST_START", start_at_ms.to_string()),
    ])
}

/// Each worker's `RESULT` line, after checking every worker succeeded.
fn results(children: Vec<Child>) -> Vec<String> {
    children
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().unwrap();
            let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
            assert!(
                out.status.success(),
                "worker failed: {}\n{stdout}\n{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
            stdout
                .lines()
                .find_map(|l| l.find("RESULT ").map(|at| l[at + 7..].to_owned()))
                .unwrap_or_else(|| panic!("no RESULT line:\n{stdout}"))
        })
        .collect()
}

#[test]
#[ignore = "entry point of the worker processes spawned by the racing tests"]
fn worker_entry() {
    let Ok(mode) = std::env::var("AGOR_TEST_WORKER") else {
        return;
    };
    let var = |k: &str| std::env::var(k).unwrap();
    let start: u128 = var("AGOR_TEST_START").parse().unwrap();
    let store = agor_core::Store::open(var("AGOR_TEST_DB")).unwrap();
    let me = store.as_agent(&var("AGOR_TEST_AGENT")).unwrap();
    // Line everyone up on the same instant so the claims really overlap.
    while now_ms() < start {
        std::thread::sleep(Duration::from_millis(1));
    }
    let outcome = match mode.as_str() {
        "claim" => match me.claim_task(Some(&var("AGOR_TEST_TASK")), 600) {
            Ok(Some(c)) => format!("won {}", c.task.id),
            Ok(None) => "none".to_owned(),
            Err(e @ Error::Reserved { .. }) => format!("lost {e}"),
            Err(e) => panic!("unexpected error: {e:?}"),
        },
        "next" => match me.claim_task(None, 600).unwrap() {
            Some(c) => format!("won {}", c.task.id),
            None => "none".to_owned(),
        },
        other => panic!("unknown worker mode {other}"),
    };
    println!("RESULT {outcome}");
}

const RACERS: usize = 6;

/// A team of `RACERS` project agents `w0`…, and their manager.
fn racing_team() -> (common::Team, Actor) {
    let t = common::team();
    for i in 0..RACERS {
        t.store
            .register_agent(&agor_core::NewAgent::new(
                &format!("w{i}"),
                "W",
                "project",
                "core",
            ))
            .unwrap();
    }
    let mgr = t.store.as_agent("mgr").unwrap();
    (t, mgr)
}

#[test]
fn processes_claiming_tasks_with_overlapping_paths_exactly_one_wins_the_files() {
    let (t, mgr) = racing_team();
    // Every task touches src/shared.rs and files of its own: the claims overlap pairwise.
    let tasks: Vec<Task> = (0..RACERS)
        .map(|i| {
            let own = format!("own/{i}/*");
            task_with(
                &mgr,
                &format!("t{i}"),
                Priority::Medium,
                &[&own, "src/shared.rs"],
            )
        })
        .collect();
    let start = now_ms() + 700;
    let children = (0..RACERS)
        .map(|i| spawn("claim", &t.location, &format!("w{i}"), &tasks[i].id, start))
        .collect();
    let outcomes = results(children);
    let winners: Vec<&String> = outcomes.iter().filter(|o| o.starts_with("won ")).collect();
    assert_eq!(winners.len(), 1, "{outcomes:?}");
    assert_eq!(
        outcomes.iter().filter(|o| o.starts_with("lost ")).count(),
        RACERS - 1,
        "{outcomes:?}"
    );
    // All or none: only the winner's task is claimed, only its files are held.
    let winner = &winners[0][4..];
    let dev1 = t.store.as_agent("dev1").unwrap();
    let held = dev1.reservations(None, None).unwrap();
    assert_eq!(held.len(), 2, "{held:?}");
    assert!(held.iter().all(|r| r.task_id.as_deref() == Some(winner)));
    for task in &tasks {
        let now = dev1.get_task(&task.id).unwrap().task;
        let claimed = now.status == TaskStatus::InProgress;
        assert_eq!(claimed, task.id == winner, "{}", task.title);
    }
}

#[test]
fn processes_claiming_next_never_hold_overlapping_files() {
    let (t, mgr) = racing_team();
    // Two tasks on the same files and two free ones: whatever the interleaving, exactly one of
    // the first two is taken, both free ones are, and the other racers find nothing.
    let a = task_with(&mgr, "a", Priority::Critical, &["src/**"]);
    let b = task_with(&mgr, "b", Priority::Critical, &["src/parser/*"]);
    let c = task_with(&mgr, "c", Priority::Low, &["docs/*"]);
    let d = task_with(&mgr, "d", Priority::Low, &[]);
    let start = now_ms() + 700;
    let children = (0..RACERS)
        .map(|i| spawn("next", &t.location, &format!("w{i}"), "", start))
        .collect();
    let outcomes = results(children);
    let won: Vec<&str> = outcomes
        .iter()
        .filter_map(|o| o.strip_prefix("won "))
        .collect();
    assert_eq!(won.len(), 3, "{outcomes:?}");
    let of_a_b = won
        .iter()
        .filter(|w| [&a.id, &b.id].contains(&&w.to_string()))
        .count();
    assert_eq!(of_a_b, 1, "{outcomes:?}");
    assert!(
        won.contains(&c.id.as_str()) && won.contains(&d.id.as_str()),
        "{outcomes:?}"
    );
}

#[test]
fn a_claim_waiting_for_a_task_whose_files_are_held_gets_it_when_that_claim_ends() {
    let t = common::team();
    let mgr = t.store.as_agent("mgr").unwrap();
    let dev1 = t.store.as_agent("dev1").unwrap();
    let dev2 = t.store.as_agent("dev2").unwrap();
    let a = task_with(&mgr, "a", Priority::Medium, &["src/**"]);
    let b = task_with(&mgr, "b", Priority::Medium, &["src/lib.rs"]);
    let held = dev2.claim_task(Some(&a.id), 600).unwrap().unwrap();
    std::thread::scope(|s| {
        let waiting =
            s.spawn(|| dev1.claim_task_waiting(Some(&b.id), 600, Duration::from_secs(60), None));
        std::thread::sleep(Duration::from_millis(200));
        dev2.release_task(&a.id, &held.token).unwrap();
        let got = waiting.join().unwrap().unwrap().unwrap();
        assert_eq!(got.task.id, b.id);
    });
}
