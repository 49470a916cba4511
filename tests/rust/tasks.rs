//! The task board: transitions, optimistic locking, permissions, claims and leases,
//! completion records and the review queue.
mod common;

use agor_core::{
    Completion, Error, ErrorKind, NewTask, Priority, TaskFilter, TaskStatus, REVIEW_QUEUE,
};
use proptest::prelude::*;
use std::time::Duration;

fn task(title: &str, priority: Priority) -> NewTask {
    NewTask {
        priority,
        ..NewTask::new(title)
    }
}

fn done(summary: &str) -> Completion {
    Completion {
        summary: summary.into(),
        artifacts: vec!["file:src/lib.rs".into(), "msg:abc".into()],
        result_ref: Some("commit:1234".into()),
        next: Some("write docs".into()),
    }
}

#[test]
fn legacy_progress_status_reads_as_in_progress() {
    assert_eq!(
        "progress".parse::<TaskStatus>().unwrap(),
        TaskStatus::InProgress
    );
    assert_eq!(
        "In-Progress".parse::<TaskStatus>().unwrap(),
        TaskStatus::InProgress
    );
    assert_eq!("critical".parse::<Priority>().unwrap(), Priority::Critical);
    assert_eq!(
        "nope".parse::<TaskStatus>().unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    assert_eq!(
        "urgent".parse::<Priority>().unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
}

#[test]
fn only_managers_create_assign_and_delete() {
    let t = common::team();
    let dev1 = t.store.as_agent("dev1").unwrap();
    let arch = t.store.as_agent("arch").unwrap();
    let mgr = t.store.as_agent("mgr").unwrap();
    assert_eq!(
        dev1.create_task(&NewTask::new("x")).unwrap_err().kind(),
        ErrorKind::PermissionDenied
    );
    assert_eq!(
        arch.create_task(&NewTask::new("x")).unwrap_err().kind(),
        ErrorKind::PermissionDenied
    );
    let created = mgr.create_task(&NewTask::new("write parser")).unwrap();
    assert_eq!(
        (created.status, created.version, created.priority),
        (TaskStatus::Todo, 1, Priority::Medium)
    );
    assert_eq!(
        dev1.assign_task(&created.id, "dev1").unwrap_err().kind(),
        ErrorKind::PermissionDenied
    );
    assert_eq!(
        mgr.assign_task(&created.id, "dev1")
            .unwrap()
            .assigned_to
            .as_deref(),
        Some("dev1")
    );
    assert_eq!(
        dev1.delete_task(&created.id).unwrap_err().kind(),
        ErrorKind::PermissionDenied
    );
    // Everyone may list and comment.
    assert_eq!(dev1.list_tasks(&TaskFilter::default()).unwrap().len(), 1);
    dev1.comment(&created.id[..8], "looking at it").unwrap();
    mgr.delete_task(&created.id).unwrap();
    assert_eq!(
        mgr.get_task(&created.id).unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert_eq!(
        mgr.create_task(&NewTask::new("  ")).unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    assert_eq!(
        dev1.comment("nope", "x").unwrap_err().kind(),
        ErrorKind::NotFound
    );
}

#[test]
fn status_change_uses_optimistic_locking_and_leaves_a_trail() {
    let t = common::team();
    let mgr = t.store.as_agent("mgr").unwrap();
    let task = mgr.create_task(&NewTask::new("ship it")).unwrap();
    let moved = mgr
        .set_task_status(&task.id, TaskStatus::InProgress, 1)
        .unwrap();
    assert_eq!(moved.version, 2);
    match mgr
        .set_task_status(&task.id, TaskStatus::Review, 1)
        .unwrap_err()
    {
        Error::Conflict {
            current_version,
            expected,
            ..
        } => assert_eq!((current_version, expected), (2, 1)),
        e => panic!("expected conflict, got {e}"),
    }
    let reviewed = mgr
        .set_task_status(&task.id, TaskStatus::Review, 2)
        .unwrap();
    assert_eq!(reviewed.status, TaskStatus::Review);
    let detail = mgr.get_task(&task.id).unwrap();
    let trail: Vec<_> = detail.comments.iter().map(|c| c.content.as_str()).collect();
    assert_eq!(
        trail,
        ["Status: todo → in_progress", "Status: in_progress → review"]
    );
    // Entering review posted to the group's review queue.
    let queue = mgr.channel_history(REVIEW_QUEUE, 10).unwrap();
    assert_eq!(queue.len(), 1);
    assert!(queue[0].content.contains("ship it"));
    assert_eq!(t.store.review_queue_count("core").unwrap(), 1);
    assert_eq!(t.store.reviewer_attention("core").unwrap(), 10);
    // Invalid transition.
    let err = mgr
        .set_task_status(&task.id, TaskStatus::Backlog, 3)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
}

#[test]
fn status_rights_follow_the_role_table() {
    let t = common::team();
    let mgr = t.store.as_agent("mgr").unwrap();
    let a = mgr.create_task(&NewTask::new("a")).unwrap();
    let dev1 = t.store.as_agent("dev1").unwrap();
    let arch = t.store.as_agent("arch").unwrap();
    let rev = t.store.as_agent("rev").unwrap();
    assert_eq!(
        dev1.set_task_status(&a.id, TaskStatus::Blocked, 1)
            .unwrap_err()
            .kind(),
        ErrorKind::PermissionDenied
    );
    assert_eq!(
        arch.set_task_status(&a.id, TaskStatus::Blocked, 1)
            .unwrap_err()
            .kind(),
        ErrorKind::PermissionDenied
    );
    rev.set_task_status(&a.id, TaskStatus::Blocked, 1).unwrap();
    mgr.assign_task(&a.id, "dev1").unwrap();
    dev1.set_task_status(&a.id, TaskStatus::Todo, 3).unwrap();
}

#[test]
fn claim_picks_best_next_and_a_losing_claim_is_already_claimed() {
    let t = common::team();
    let mgr = t.store.as_agent("mgr").unwrap();
    let low = mgr.create_task(&task("low", Priority::Low)).unwrap();
    let high = mgr.create_task(&task("high", Priority::High)).unwrap();
    let crit = mgr.create_task(&task("crit", Priority::Critical)).unwrap();
    let mut backlog = NewTask::new("later");
    backlog.status = TaskStatus::Backlog;
    mgr.create_task(&backlog).unwrap();
    let dev1 = t.store.as_agent("dev1").unwrap();
    let dev2 = t.store.as_agent("dev2").unwrap();
    let c1 = dev1.claim_task(None, 900).unwrap().unwrap();
    assert_eq!(c1.task.id, crit.id);
    assert_eq!(
        (c1.task.status, c1.task.assigned_to.as_deref()),
        (TaskStatus::InProgress, Some("dev1"))
    );
    assert!(c1.expires_at > 0);
    match dev2.claim_task(Some(&crit.id), 900).unwrap_err() {
        Error::AlreadyClaimed { by, .. } => assert_eq!(by.as_deref(), Some("dev1")),
        e => panic!("expected already claimed, got {e}"),
    }
    assert_eq!(
        dev2.claim_task(None, 900).unwrap().unwrap().task.id,
        high.id
    );
    assert_eq!(dev2.claim_task(None, 900).unwrap().unwrap().task.id, low.id);
    assert!(
        dev2.claim_task(None, 900).unwrap().is_none(),
        "backlog is not claimable"
    );
    assert_eq!(
        dev2.claim_task(None, 0).unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
}

#[test]
fn only_the_current_token_renews_releases_or_completes() {
    let t = common::team();
    let mgr = t.store.as_agent("mgr").unwrap();
    let x = mgr.create_task(&NewTask::new("x")).unwrap();
    let dev1 = t.store.as_agent("dev1").unwrap();
    let claim = dev1.claim_task(Some(&x.id), 60).unwrap().unwrap();
    assert_eq!(
        dev1.complete_task(&x.id, "wrong", &done("s"), false)
            .unwrap_err()
            .kind(),
        ErrorKind::Lease
    );
    let renewed = dev1.renew_lease(&x.id, &claim.token, 600).unwrap();
    assert!(renewed.expires_at >= claim.expires_at);
    let released = dev1.release_task(&x.id, &claim.token).unwrap();
    assert_eq!(
        (released.status, released.assigned_to),
        (TaskStatus::Todo, None)
    );
    assert_eq!(
        dev1.renew_lease(&x.id, &claim.token, 60)
            .unwrap_err()
            .kind(),
        ErrorKind::Lease
    );
    let again = dev1.claim_task(Some(&x.id), 60).unwrap().unwrap();
    assert_ne!(again.token, claim.token);
    let finished = dev1
        .complete_task(&x.id, &again.token, &done("parsed it"), false)
        .unwrap();
    assert_eq!(finished.status, TaskStatus::Done);
    assert_eq!(finished.completion, Some(done("parsed it")));
    assert_eq!(
        mgr.get_task(&x.id)
            .unwrap()
            .task
            .completion
            .unwrap()
            .summary,
        "parsed it"
    );
    assert_eq!(
        dev1.complete_task(&x.id, &again.token, &done("twice"), false)
            .unwrap_err()
            .kind(),
        ErrorKind::Lease
    );
}

#[test]
fn a_lapsed_lease_reopens_the_task_and_fences_the_old_worker() {
    let (t, clock) = common::team_timed();
    let mgr = t.store.as_agent("mgr").unwrap();
    let x = mgr.create_task(&NewTask::new("x")).unwrap();
    let dev1 = t.store.as_agent("dev1").unwrap();
    let dev2 = t.store.as_agent("dev2").unwrap();
    let old = dev1.claim_task(Some(&x.id), 60).unwrap().unwrap();
    clock.advance(Duration::from_secs(60));
    // Reading reopens it, no daemon involved.
    let listed = dev2.list_tasks(&TaskFilter::default()).unwrap();
    assert_eq!(
        (listed[0].status, listed[0].assigned_to.as_deref()),
        (TaskStatus::Todo, None)
    );
    let new = dev2.claim_task(None, 60).unwrap().unwrap();
    assert_eq!(new.task.id, x.id);
    assert_eq!(
        dev1.complete_task(&x.id, &old.token, &done("late"), false)
            .unwrap_err()
            .kind(),
        ErrorKind::Lease
    );
    let trail = mgr.get_task(&x.id).unwrap().comments;
    assert!(trail
        .iter()
        .any(|c| c.agent_id == "agor" && c.content.contains("lease of dev1 expired")));
}

#[test]
fn task_history_lists_every_status_move_with_who_and_the_lapse_as_agor() {
    let (t, clock) = common::team_timed();
    let mgr = t.store.as_agent("mgr").unwrap();
    let dev1 = t.store.as_agent("dev1").unwrap();
    let dev2 = t.store.as_agent("dev2").unwrap();
    let x = mgr.create_task(&NewTask::new("x")).unwrap();
    let first = dev1.claim_task(Some(&x.id), 60).unwrap().unwrap();
    dev1.release_task(&x.id, &first.token).unwrap();
    dev1.claim_task(Some(&x.id), 60).unwrap().unwrap();
    clock.advance(Duration::from_secs(60));
    let last = dev2.claim_task(None, 60).unwrap().unwrap();
    dev2.complete_task(&x.id, &last.token, &done("ok"), false)
        .unwrap();
    // Title edits and comments are changes too, but not moves.
    mgr.comment(&x.id, "nice").unwrap();

    use TaskStatus::{Done, InProgress, Todo};
    let expected = [
        (None, Todo, "mgr"),
        (Some(Todo), InProgress, "dev1"),
        (Some(InProgress), Todo, "dev1"),
        (Some(Todo), InProgress, "dev1"),
        (Some(InProgress), Todo, "agor"),
        (Some(Todo), InProgress, "dev2"),
        (Some(InProgress), Done, "dev2"),
    ];
    let moves = |h: Vec<agor_core::StatusMove>| -> Vec<_> {
        h.into_iter()
            .map(|m| (m.from, m.to, m.actor.unwrap_or_default()))
            .collect()
    };
    let want: Vec<_> = expected
        .iter()
        .map(|(f, to, who)| (*f, *to, who.to_string()))
        .collect();
    // By a prefix, as an agent of the group and as the operator; oldest first.
    assert_eq!(moves(dev2.task_history(&x.id[..8], 20).unwrap()), want);
    assert_eq!(
        moves(t.store.as_operator().task_history(&x.id, 20).unwrap()),
        want
    );
    // `limit` keeps the newest, still oldest first.
    assert_eq!(moves(mgr.task_history(&x.id, 2).unwrap()), want[5..]);
    let cursors: Vec<i64> = mgr
        .task_history(&x.id, 20)
        .unwrap()
        .iter()
        .map(|m| m.cursor)
        .collect();
    assert!(cursors.windows(2).all(|w| w[0] < w[1]));
    // Another group's agent cannot name the task; an unknown task is not found.
    let ext = t.store.as_agent("ext").unwrap();
    assert_eq!(
        ext.task_history(&x.id, 20).unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert_eq!(
        mgr.task_history("ffffffff", 20).unwrap_err().kind(),
        ErrorKind::NotFound
    );
}

#[test]
fn completing_for_review_posts_to_the_review_queue() {
    let t = common::team();
    let mgr = t.store.as_agent("mgr").unwrap();
    let x = mgr.create_task(&NewTask::new("needs eyes")).unwrap();
    let dev1 = t.store.as_agent("dev1").unwrap();
    let c = dev1.claim_task(None, 60).unwrap().unwrap();
    let bad = Completion {
        summary: "two\nlines".into(),
        ..done("")
    };
    assert_eq!(
        dev1.complete_task(&x.id, &c.token, &bad, true)
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidInput
    );
    let in_review = dev1
        .complete_task(&x.id, &c.token, &done("ready"), true)
        .unwrap();
    assert_eq!(in_review.status, TaskStatus::Review);
    assert_eq!(t.store.review_queue_count("core").unwrap(), 1);
    let rev = t.store.as_agent("rev").unwrap();
    rev.set_task_status(&x.id, TaskStatus::Done, in_review.version)
        .unwrap();
    assert_eq!(t.store.review_queue_count("core").unwrap(), 0);
}

#[test]
fn list_filters_by_status_tag_and_closed_state_and_board_groups_columns() {
    let t = common::team();
    let mgr = t.store.as_agent("mgr").unwrap();
    let mut tagged = NewTask::new("tagged");
    tagged.tags = vec!["parser".into(), "rust".into()];
    let a = mgr.create_task(&tagged).unwrap();
    assert_eq!(a.tags, ["parser", "rust"]);
    let b = mgr.create_task(&NewTask::new("plain")).unwrap();
    mgr.set_task_status(&b.id, TaskStatus::Cancelled, 1)
        .unwrap();
    let open = mgr.list_tasks(&TaskFilter::default()).unwrap();
    assert_eq!(open.len(), 1);
    let all = mgr
        .list_tasks(&TaskFilter {
            all: true,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(all.len(), 2);
    let by_tag = mgr
        .list_tasks(&TaskFilter {
            tag: Some("rust".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(by_tag[0].id, a.id);
    let cancelled = mgr
        .list_tasks(&TaskFilter {
            status: Some(TaskStatus::Cancelled),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(cancelled[0].id, b.id);
    let board = mgr.board().unwrap();
    assert_eq!(board.len(), TaskStatus::ALL.len());
    let col = |s: TaskStatus| board.iter().find(|(st, _)| *st == s).unwrap().1.len();
    assert_eq!((col(TaskStatus::Todo), col(TaskStatus::Cancelled)), (1, 1));
    let mut bad = NewTask::new("x");
    bad.tags = vec!["has space".into()];
    assert_eq!(
        mgr.create_task(&bad).unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
}

#[test]
fn subtasks_hang_off_their_parent() {
    let t = common::team();
    let mgr = t.store.as_agent("mgr").unwrap();
    let parent = mgr.create_task(&NewTask::new("epic")).unwrap();
    let mut child = NewTask::new("part");
    child.parent = Some(parent.id[..8].to_owned());
    let child = mgr.create_task(&child).unwrap();
    assert_eq!(child.parent_task_id.as_deref(), Some(parent.id.as_str()));
    assert_eq!(mgr.get_task(&parent.id).unwrap().subtasks[0].id, child.id);
    mgr.delete_task(&parent.id).unwrap();
    assert_eq!(mgr.get_task(&child.id).unwrap().task.parent_task_id, None);
}

#[test]
fn a_lapsed_worker_cannot_finish_through_set_status_either() {
    let (t, clock) = common::team_timed();
    let mgr = t.store.as_agent("mgr").unwrap();
    let x = mgr.create_task(&NewTask::new("x")).unwrap();
    let dev1 = t.store.as_agent("dev1").unwrap();
    let claim = dev1.claim_task(Some(&x.id), 60).unwrap().unwrap();
    clock.advance(Duration::from_secs(61));
    // Nobody read the board in between: the write itself reopens the task first.
    let err = dev1
        .set_task_status(&x.id, TaskStatus::Done, claim.task.version)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PermissionDenied, "{err}");
    assert_eq!(mgr.get_task(&x.id).unwrap().task.status, TaskStatus::Todo);
}

#[test]
fn a_claimed_task_cannot_be_reassigned_and_stale_versions_are_conflicts_first() {
    let t = common::team();
    let mgr = t.store.as_agent("mgr").unwrap();
    let x = mgr.create_task(&NewTask::new("x")).unwrap();
    let claim = t
        .store
        .as_agent("dev1")
        .unwrap()
        .claim_task(Some(&x.id), 60)
        .unwrap()
        .unwrap();
    assert_eq!(
        mgr.assign_task(&x.id, "dev2").unwrap_err().kind(),
        ErrorKind::AlreadyClaimed
    );
    // A worker that is not the holder cannot use a token, even a valid one.
    let dev2 = t.store.as_agent("dev2").unwrap();
    assert_eq!(
        dev2.complete_task(&x.id, &claim.token, &done("mine"), false)
            .unwrap_err()
            .kind(),
        ErrorKind::Lease
    );
    // Same move asked twice with the old version: the second is a conflict, not a bad move.
    let err = mgr
        .set_task_status(&x.id, TaskStatus::InProgress, 1)
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Conflict {
                current_version: 2,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn architects_and_testers_do_not_claim_or_move_tasks() {
    let t = common::team();
    t.store
        .register_agent(&agor_core::NewAgent::new("qa", "QA", "tester", "core"))
        .unwrap();
    let mgr = t.store.as_agent("mgr").unwrap();
    let x = mgr.create_task(&NewTask::new("x")).unwrap();
    mgr.assign_task(&x.id, "arch").unwrap();
    let arch = t.store.as_agent("arch").unwrap();
    assert_eq!(
        arch.set_task_status(&x.id, TaskStatus::Blocked, 2)
            .unwrap_err()
            .kind(),
        ErrorKind::PermissionDenied
    );
    assert_eq!(
        arch.claim_task(None, 60).unwrap_err().kind(),
        ErrorKind::PermissionDenied
    );
    assert_eq!(
        t.store
            .as_agent("qa")
            .unwrap()
            .claim_task(None, 60)
            .unwrap_err()
            .kind(),
        ErrorKind::PermissionDenied
    );
}

#[test]
fn a_read_only_reader_still_sees_a_board_with_lapsed_leases() {
    let t = common::team();
    let mgr = t.store.as_agent("mgr").unwrap();
    let x = mgr.create_task(&NewTask::new("x")).unwrap();
    t.store
        .as_agent("dev1")
        .unwrap()
        .claim_task(Some(&x.id), 60)
        .unwrap();
    // A reader whose clock is past the lease.
    let later = agor_core::ManualClock::new();
    later.advance(Duration::from_secs(61));
    let ro = agor_core::Store::builder()
        .path(t.path())
        .read_only(true)
        .clock(std::sync::Arc::new(later))
        .open()
        .unwrap();
    assert_eq!(
        ro.as_agent("mgr")
            .unwrap()
            .list_tasks(&TaskFilter::default())
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn dependencies_gate_claims_and_cycles_are_refused() {
    let t = common::team();
    let mgr = t.store.as_agent("mgr").unwrap();
    let design = mgr.create_task(&task("design", Priority::Low)).unwrap();
    let build = mgr.create_task(&task("build", Priority::Critical)).unwrap();
    let ship = mgr.create_task(&task("ship", Priority::Critical)).unwrap();
    mgr.add_dependency(&build.id, &design.id).unwrap();
    mgr.add_dependency(&ship.id[..8], &build.id[..8]).unwrap();
    mgr.add_dependency(&ship.id, &build.id).unwrap(); // idempotent
    assert_eq!(
        mgr.dependencies(&ship.id).unwrap(),
        std::slice::from_ref(&build.id)
    );

    // Cycles, direct or through others, and self-dependencies are refused.
    for (a, b) in [
        (&design.id, &ship.id),
        (&build.id, &ship.id),
        (&design.id, &design.id),
    ] {
        assert_eq!(
            mgr.add_dependency(a, b).unwrap_err().kind(),
            ErrorKind::InvalidInput
        );
    }
    let dev1 = t.store.as_agent("dev1").unwrap();
    assert_eq!(
        dev1.add_dependency(&design.id, &ship.id)
            .unwrap_err()
            .kind(),
        ErrorKind::PermissionDenied
    );

    // Only `design` is ready, though the others have higher priority.
    let ready: Vec<_> = dev1
        .ready_tasks()
        .unwrap()
        .into_iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(ready, std::slice::from_ref(&design.id));
    assert_eq!(
        dev1.claim_task(Some(&build.id), 60).unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    let c = dev1.claim_task(None, 60).unwrap().unwrap();
    assert_eq!(c.task.id, design.id);
    assert!(
        dev1.claim_task(None, 60).unwrap().is_none(),
        "build waits for design"
    );
    dev1.complete_task(&design.id, &c.token, &done("designed"), false)
        .unwrap();
    assert_eq!(
        dev1.claim_task(None, 60).unwrap().unwrap().task.id,
        build.id
    );

    // Removing a dependency frees the waiting task; deleting a task drops its edges.
    mgr.remove_dependency(&ship.id, &build.id).unwrap();
    assert_eq!(dev1.ready_tasks().unwrap()[0].id, ship.id);
    mgr.add_dependency(&ship.id, &build.id).unwrap();
    mgr.delete_task(&build.id).unwrap();
    assert!(mgr.dependencies(&ship.id).unwrap().is_empty());
}

/// The board's transitions as SPEC §4 and the board's docs state them, written out here
/// independently of `TaskStatus::can_become`, so the property test below checks the code
/// against the specification rather than against itself.
fn spec_allows(from: TaskStatus, to: TaskStatus) -> bool {
    use TaskStatus::*;
    const ALLOWED: &[(TaskStatus, &[TaskStatus])] = &[
        (Backlog, &[Todo, Cancelled]),
        (Todo, &[InProgress, Backlog, Blocked, Cancelled]),
        (
            InProgress,
            &[Review, Done, Todo, Blocked, Failed, Cancelled],
        ),
        (Review, &[Done, InProgress, Todo, Failed]),
        (Blocked, &[Todo, InProgress, Cancelled]),
        (Failed, &[Todo, Cancelled]),
        (Done, &[Todo]),
        (Cancelled, &[Backlog, Todo]),
    ];
    ALLOWED
        .iter()
        .any(|(f, tos)| *f == from && tos.contains(&to))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Any sequence of status requests, some with stale versions: a stale version is always a
    /// conflict naming the current one, the version grows by exactly one per accepted change,
    /// rejected moves change nothing, and every accepted move is one the table allows.
    #[test]
    fn state_machine_and_versions_hold(steps in proptest::collection::vec((0usize..8, any::<bool>()), 1..20)) {
        let t = common::team();
        let mgr = t.store.as_agent("mgr").unwrap();
        let x = mgr.create_task(&NewTask::new("prop")).unwrap();
        let (mut status, mut version) = (x.status, x.version);
        for (target, stale) in steps {
            let to = TaskStatus::ALL[target];
            let asked = if stale { version - 1 } else { version };
            match mgr.set_task_status(&x.id, to, asked) {
                Ok(task) => {
                    prop_assert!(!stale);
                    prop_assert!(spec_allows(status, to));
                    prop_assert_eq!(task.version, version + 1);
                    status = to;
                    version += 1;
                }
                Err(Error::Conflict { current_version, .. }) => {
                    prop_assert!(stale, "conflict on a current version");
                    prop_assert_eq!(current_version, version);
                }
                Err(Error::InvalidInput { .. }) => prop_assert!(!stale && !spec_allows(status, to)),
                Err(e) => prop_assert!(false, "unexpected error {}", e),
            }
            let now = mgr.get_task(&x.id).unwrap().task;
            prop_assert_eq!((now.status, now.version), (status, version));
        }
    }
}

// ---- tasks.toml import follows the board's rules (issue 19 item 9) ----

fn entry(id: &str, status: &str, extra: &str) -> String {
    format!("[[tasks]]\nid = \"{id}\"\ntitle = \"{id}\"\nstatus = \"{status}\"\n{extra}\n")
}

// issue 19 item 9: an import moved a task to done/review while its dependency was todo. Now
// the move is refused naming the entry's line, nothing of the file is written, and a
// dependency the same file finishes counts.
#[test]
fn import_respects_dependencies() {
    let t = common::team();
    let mgr = t.store.as_agent("mgr").unwrap();
    let base = entry("dep", "pending", "") + &entry("work", "pending", "");
    mgr.import_tasks(&base).unwrap();
    mgr.add_dependency("work", "dep").unwrap();
    for status in ["completed", "review"] {
        // "new" comes first so that a write before the failing entry would show.
        let file =
            entry("new", "pending", "") + &entry("dep", "pending", "") + &entry("work", status, "");
        let e = mgr.import_tasks(&file).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
        assert!(
            e.to_string().contains("line 11") && e.to_string().contains("dep"),
            "{e}"
        );
        assert_eq!(mgr.get_task("work").unwrap().task.status, TaskStatus::Todo);
        assert_eq!(mgr.get_task("new").unwrap_err().kind(), ErrorKind::NotFound);
    }
    let both = entry("dep", "completed", "") + &entry("work", "completed", "");
    mgr.import_tasks(&both).unwrap();
    assert_eq!(mgr.get_task("work").unwrap().task.status, TaskStatus::Done);
}

// issue 19 item 9: an import changed an archived task. Now it is refused (unarchive first).
#[test]
fn import_leaves_archived_tasks_alone() {
    let t = common::team();
    let mgr = t.store.as_agent("mgr").unwrap();
    mgr.import_tasks(&entry("old", "completed", "")).unwrap();
    mgr.archive_task("old").unwrap();
    let e = mgr.import_tasks(&entry("old", "pending", "")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    assert!(
        e.to_string().contains("line 1") && e.to_string().contains("archived"),
        "{e}"
    );
    assert_eq!(mgr.archived_tasks().unwrap()[0].status, TaskStatus::Done);
}

// issue 19 item 9: an import created in_progress tasks with no lease (nobody could complete,
// renew or release them, and they never lapsed). A file cannot hand out a lease: `running`
// reads as `assigned` (todo, the agent kept, ready for it to claim) unless the task is
// already in progress, whose lease is kept.
#[test]
fn import_creates_no_leaseless_work() {
    let t = common::team();
    let mgr = t.store.as_agent("mgr").unwrap();
    let r = mgr
        .import_tasks(&entry("run", "running", "agent = \"dev1\""))
        .unwrap();
    assert_eq!(r.created, ["run"]);
    let task = mgr.get_task("run").unwrap().task;
    assert_eq!(
        (task.status, task.assigned_to.as_deref()),
        (TaskStatus::Todo, Some("dev1"))
    );
    // Re-importing the same file changes nothing; the agent claims it, and a re-import keeps
    // its claim and lease.
    assert_eq!(
        mgr.import_tasks(&entry("run", "running", "agent = \"dev1\""))
            .unwrap()
            .unchanged,
        ["run"]
    );
    let dev1 = t.store.as_agent("dev1").unwrap();
    let claim = dev1.claim_task(Some("run"), 60).unwrap().unwrap();
    assert_eq!(
        mgr.import_tasks(&entry("run", "running", "agent = \"dev1\""))
            .unwrap()
            .unchanged,
        ["run"]
    );
    dev1.renew_lease("run", &claim.token, 60).unwrap();
}

// issue 19 item 9: an import accepted parent cycles. Now a cycle (within the file, or closed
// through tasks already on the board) is refused naming the line; nothing is written.
#[test]
fn import_refuses_parent_cycles() {
    let t = common::team();
    let mgr = t.store.as_agent("mgr").unwrap();
    let e = mgr
        .import_tasks(
            &(entry("a", "pending", "parent = \"b\"") + &entry("b", "pending", "parent = \"a\"")),
        )
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    assert!(
        e.to_string().contains("line 1") && e.to_string().contains("cycle"),
        "{e}"
    );
    assert!(mgr.list_tasks(&TaskFilter::default()).unwrap().is_empty());
    mgr.import_tasks(
        &(entry("top", "pending", "")
            + &entry("mid", "pending", "parent = \"top\"")
            + &entry("leaf", "pending", "parent = \"mid\"")),
    )
    .unwrap();
    let e = mgr
        .import_tasks(&entry("top", "pending", "parent = \"leaf\""))
        .unwrap_err();
    assert!(e.to_string().contains("cycle"), "{e}");
    assert_eq!(mgr.get_task("top").unwrap().task.parent_task_id, None);
}

// ---- accepted proposals leave nothing behind in the old group (issue 19 item 14) ----

// issue 19 item 14: an accepted proposal moved the task to another group but kept its
// dependencies on the old group's tasks (the new owner could neither see nor finish them, so
// the task could never be claimed) and the old assignee's work state still named it. Now
// dependencies across the new boundary are dropped both ways (and audited), and whoever was
// working on it is idle again.
#[test]
fn an_accepted_proposal_drops_ties_to_the_old_group() {
    let t = common::team();
    t.store.allow("mgr", "ext", true).unwrap();
    let mgr = t.store.as_agent("mgr").unwrap();
    let first = mgr.create_task(&NewTask::new("first")).unwrap();
    let moved = mgr.create_task(&NewTask::new("moved")).unwrap();
    let after = mgr.create_task(&NewTask::new("after")).unwrap();
    mgr.add_dependency(&moved.id, &first.id).unwrap();
    mgr.add_dependency(&after.id, &moved.id).unwrap();
    mgr.assign_task(&moved.id, "dev1").unwrap();
    let dev1 = t.store.as_agent("dev1").unwrap();
    dev1.set_work_state(agor_core::WorkState::Working, Some(&moved.id))
        .unwrap();

    let proposal = mgr.propose_task(&moved.id, "ext").unwrap();
    let ext = t.store.as_agent("ext").unwrap();
    let task = ext.accept_proposal(&proposal.id).unwrap();
    assert_eq!(task.group_id.as_deref(), Some("other"));

    assert!(ext.dependencies(&moved.id).unwrap().is_empty());
    assert!(mgr.dependencies(&after.id).unwrap().is_empty());
    let claim = ext.claim_task(Some(&moved.id), 60).unwrap();
    assert!(
        claim.is_some(),
        "the moved task waits for a task its group cannot see"
    );
    let work = dev1.work_state(None).unwrap();
    assert_eq!(
        (work.state, work.task_id),
        (agor_core::WorkState::Idle, None)
    );
}

/// Issue 21 item 4.5: after a lease lapses the holder's work state is idle again (not
/// `working on` a task back on the board), with a feed event; a worker whose lease lapsed is
/// told so honestly; one that claims a task it already holds is not told `already claimed by`
/// itself.
#[test]
fn a_lapse_ends_the_work_state_and_errors_say_what_happened() {
    let (t, clock) = common::team_timed();
    let mgr = t.store.as_agent("mgr").unwrap();
    let x = mgr.create_task(&NewTask::new("x")).unwrap();
    let dev1 = t.store.as_agent("dev1").unwrap();
    let dev2 = t.store.as_agent("dev2").unwrap();
    let old = dev1.claim_task(Some(&x.id), 60).unwrap().unwrap();
    assert_eq!(
        dev1.work_state(None).unwrap().state,
        agor_core::WorkState::Working
    );
    // Claiming again what it holds: what it holds and what to do, not "claimed by dev1".
    let e = dev1.claim_task(Some(&x.id), 60).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Lease, "{e}");
    let text = e.to_string();
    assert!(text.contains("dev1 already holds this claim"), "{text}");
    assert!(text.contains("the lease lapses in 60 s"), "{text}");
    assert!(!text.contains("already claimed by dev1"), "{text}");

    clock.advance(Duration::from_secs(61));
    let work = dev1.work_state(None).unwrap();
    assert_eq!(
        (work.state, work.task_id.as_deref()),
        (agor_core::WorkState::Idle, None),
        "the work state follows the lapse"
    );
    let e = dev1
        .complete_task(&x.id, &old.token, &done("late"), false)
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("if your lease lapsed, the task was reopened: claim it again"),
        "{e}"
    );
    dev2.claim_task(Some(&x.id), 60).unwrap().unwrap();
    let e = dev1
        .complete_task(&x.id, &old.token, &done("late"), false)
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("held by dev2, not dev1; if your lease lapsed"),
        "{e}"
    );
}

/// Issue 21 item 4.5: a task set to done by a status change, not `complete`, still keeps a
/// completion record, and its worker is idle.
#[test]
fn done_by_status_change_keeps_a_completion_record() {
    let t = common::team();
    let mgr = t.store.as_agent("mgr").unwrap();
    let x = mgr.create_task(&NewTask::new("x")).unwrap();
    let dev1 = t.store.as_agent("dev1").unwrap();
    dev1.claim_task(Some(&x.id), 600).unwrap().unwrap();
    let moved = mgr.move_task(&x.id, TaskStatus::Done).unwrap();
    assert_eq!(moved.status, TaskStatus::Done);
    let record = moved.completion.expect("a completion record");
    assert_eq!(
        record.summary,
        "set to done by mgr with a status change (no completion summary given)"
    );
    assert_eq!(
        dev1.work_state(None).unwrap().state,
        agor_core::WorkState::Idle
    );
    // A completed task keeps the record `complete` wrote.
    let y = mgr.create_task(&NewTask::new("y")).unwrap();
    let claim = dev1.claim_task(Some(&y.id), 600).unwrap().unwrap();
    let reviewed = dev1
        .complete_task(&y.id, &claim.token, &done("did y"), true)
        .unwrap();
    assert_eq!(reviewed.status, TaskStatus::Review);
    let y = mgr.move_task(&y.id, TaskStatus::Done).unwrap();
    assert_eq!(y.completion.unwrap().summary, "did y");
}

// issue 21 item 4: every route to `done` leaves a completion record, an import's too (created
// as done, or moved there).
#[test]
fn an_import_to_done_keeps_a_completion_record() {
    let t = common::team();
    let mgr = t.store.as_agent("mgr").unwrap();
    mgr.import_tasks(&(entry("old", "completed", "") + &entry("open", "pending", "")))
        .unwrap();
    mgr.import_tasks(&entry("open", "completed", "")).unwrap();
    for id in ["old", "open"] {
        let task = mgr.get_task(id).unwrap().task;
        assert_eq!(task.status, TaskStatus::Done, "{id}");
        let summary = task.completion.expect("a completion record").summary;
        assert!(
            summary.contains("by a tasks.toml import"),
            "{id}: {summary}"
        );
    }
}
