//! Issue 22 items 1, 3 and 4 (SPEC §14), on both engines: work that fits the worker
//! (`requires`, the reviewer rule and its setting), attempts with their outcomes, backoff and
//! quarantine to `failed` with `retry_task`, lapse notices, deferred work, and the operator's
//! settings as the same rows for every process.
mod common;

use std::time::Duration;

use agor_core::{AttemptOutcome, Completion, ErrorKind, NewTask, Store, TaskStatus};

fn task(title: &str, requires: Option<&str>) -> NewTask {
    NewTask {
        requires: requires.map(str::to_owned),
        ..NewTask::new(title)
    }
}

fn done() -> Completion {
    Completion {
        summary: "ok".into(),
        ..Default::default()
    }
}

fn ids(tasks: &[agor_core::Task]) -> Vec<&str> {
    tasks.iter().map(|t| t.title.as_str()).collect()
}

// --- item 1: work that fits the worker ---------------------------------------------------

#[test]
fn requires_offers_a_task_only_to_roles_that_have_it() {
    let t = common::team();
    let mgr = t.store.as_agent("mgr").unwrap();
    let review = mgr
        .create_task(&task("review login", Some("capability:review_work")))
        .unwrap();
    let only_dev = mgr
        .create_task(&task("dev only", Some("role:project")))
        .unwrap();
    mgr.create_task(&task("implement login", None)).unwrap();
    assert_eq!(review.requires.as_deref(), Some("capability:review_work"));

    let rev = t.store.as_agent("rev").unwrap();
    let dev1 = t.store.as_agent("dev1").unwrap();
    // The reviewer is offered the review and nothing else; the developer everything but it.
    assert_eq!(ids(&rev.ready_tasks().unwrap()), ["review login"]);
    assert_eq!(
        ids(&dev1.ready_tasks().unwrap()),
        ["dev only", "implement login"]
    );
    // Claim-next agrees with ready_tasks.
    let claim = rev.claim_task(None, 60).unwrap().unwrap();
    assert_eq!(claim.task.id, review.id);
    assert!(rev.claim_task(None, 60).unwrap().is_none());

    // A direct claim of a task that does not fit is refused, naming what is missing.
    let e = rev.claim_task(Some(&only_dev.id), 60).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PermissionDenied, "{e}");
    assert!(e.to_string().contains("role:project"), "{e}");
    let arch = t.store.as_agent("arch").unwrap();
    let e = dev1.claim_task(Some(&review.id), 60).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AlreadyClaimed, "held already: {e}");
    let spare = mgr
        .create_task(&task("second review", Some("capability:review_work")))
        .unwrap();
    let e = dev1.claim_task(Some(&spare.id), 60).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PermissionDenied, "{e}");
    assert!(e.to_string().contains("capability:review_work"), "{e}");
    // A lane holds only work its agent could claim.
    let e = mgr.assign_task(&spare.id, "dev1").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    assert!(e.to_string().contains("capability:review_work"), "{e}");
    let e = mgr
        .create_task(&NewTask {
            assign_to: Some("dev1".into()),
            ..task("assigned review", Some("role:reviewer"))
        })
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    mgr.assign_task(&spare.id, "rev").unwrap();
    assert_eq!(
        ids(&rev.lane(None).unwrap()),
        ["review login", "second review"]
    );
    // The architect has no claiming right at all: refused before any fit is judged.
    assert_eq!(
        arch.claim_task(Some(&spare.id), 60).unwrap_err().kind(),
        ErrorKind::PermissionDenied
    );
}

#[test]
fn a_reviewer_claims_no_unmarked_work_unless_the_setting_says_so() {
    let t = common::team();
    let mgr = t.store.as_agent("mgr").unwrap();
    let x = mgr.create_task(&task("implement login", None)).unwrap();
    let rev = t.store.as_agent("rev").unwrap();
    assert!(rev.ready_tasks().unwrap().is_empty());
    assert!(rev.claim_task(None, 60).unwrap().is_none());
    let e = rev.claim_task(Some(&x.id), 60).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PermissionDenied, "{e}");
    assert!(e.to_string().contains("reviewers_claim_work"), "{e}");

    // The legacy behaviour, restored for the whole store by the operator.
    t.store.set_setting("reviewers_claim_work", "true").unwrap();
    assert_eq!(ids(&rev.ready_tasks().unwrap()), ["implement login"]);
    assert_eq!(rev.claim_task(None, 60).unwrap().unwrap().task.id, x.id);
}

#[test]
fn requires_is_validated_updated_and_carried_by_tasks_toml() {
    let t = common::team();
    let mgr = t.store.as_agent("mgr").unwrap();
    for bad in ["review_work", "capability:flying", "role:", "team:x"] {
        let e = mgr.create_task(&task("x", Some(bad))).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{bad}: {e}");
    }
    let e = mgr
        .create_task(&NewTask {
            max_attempts: Some(0),
            ..NewTask::new("x")
        })
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");

    let x = mgr
        .create_task(&NewTask {
            max_attempts: Some(2),
            ..task("x", Some(" role:reviewer "))
        })
        .unwrap();
    assert_eq!(
        (x.requires.as_deref(), x.max_attempts),
        (Some("role:reviewer"), Some(2))
    );
    let change = agor_core::TaskUpdate {
        requires: Some("capability:implement_tasks".into()),
        max_attempts: Some(0),
        ..Default::default()
    };
    let y = mgr.update_task(&x.id, x.version, &change).unwrap();
    assert_eq!(
        (y.requires.as_deref(), y.max_attempts),
        (Some("capability:implement_tasks"), None)
    );
    let cleared = agor_core::TaskUpdate {
        requires: Some(String::new()),
        max_attempts: Some(5),
        ..Default::default()
    };
    let z = mgr.update_task(&x.id, y.version, &cleared).unwrap();
    assert_eq!((z.requires, z.max_attempts), (None, Some(5)));

    // Export and import carry requires and max_attempts, and a re-import is unchanged.
    let w = mgr
        .create_task(&NewTask {
            max_attempts: Some(4),
            ..task("w", Some("capability:review_work"))
        })
        .unwrap();
    let text = mgr.export_tasks().unwrap();
    assert!(
        text.contains("requires = \"capability:review_work\""),
        "{text}"
    );
    assert!(text.contains("max_attempts = 4"), "{text}");
    let report = mgr.import_tasks(&text).unwrap();
    assert!(
        report.created.is_empty() && report.updated.is_empty(),
        "{report:?}"
    );
    let edited = text.replace("capability:review_work", "role:tester");
    let report = mgr.import_tasks(&edited).unwrap();
    assert_eq!(report.updated, std::slice::from_ref(&w.id));
    assert_eq!(
        mgr.get_task(&w.id).unwrap().task.requires.as_deref(),
        Some("role:tester")
    );
    let e = mgr
        .import_tasks("[[tasks]]\nid = \"t9\"\ntitle = \"x\"\nrequires = \"nope\"\n")
        .unwrap_err();
    assert!(e.to_string().contains("line 1"), "{e}");
}

// --- item 3: attempts, backoff, quarantine ------------------------------------------------

#[test]
fn every_end_of_a_claim_is_an_attempt_with_its_outcome() {
    let (t, clock) = common::team_timed();
    let mgr = t.store.as_agent("mgr").unwrap();
    let dev1 = t.store.as_agent("dev1").unwrap();
    let dev2 = t.store.as_agent("dev2").unwrap();
    let x = mgr
        .create_task(&NewTask {
            max_attempts: Some(10),
            ..NewTask::new("x")
        })
        .unwrap();
    let c = dev1.claim_task(Some(&x.id), 60).unwrap().unwrap();
    dev1.release_task(&x.id, &c.token).unwrap();
    let c = dev1.claim_task(Some(&x.id), 60).unwrap().unwrap();
    let back = dev1
        .release_task_with(&x.id, &c.token, Some("tests fail on main"))
        .unwrap();
    assert_eq!((back.status, back.failed_attempts), (TaskStatus::Todo, 1));
    dev1.claim_task(Some(&x.id), 60).unwrap().unwrap();
    clock.advance(Duration::from_secs(61));
    let c = dev2.claim_task(None, 60).unwrap().unwrap();
    let before = dev2.latest_change().unwrap();
    mgr.move_task(&x.id, TaskStatus::Blocked).unwrap();
    // The holder hears of the takeover: the move is addressed to it.
    let told = dev2.changes(before, 100).unwrap();
    assert!(
        told.iter()
            .any(|c| c.agent_id.as_deref() == Some("dev2") && c.event == "task_status"),
        "{told:?}"
    );
    mgr.move_task(&x.id, TaskStatus::Todo).unwrap();
    let c2 = dev2.claim_task(Some(&x.id), 60).unwrap().unwrap();
    dev2.complete_task(&x.id, &c2.token, &done(), false)
        .unwrap();
    // A stale token stays refused after the takeover.
    assert_eq!(
        dev2.complete_task(&x.id, &c.token, &done(), false)
            .unwrap_err()
            .kind(),
        ErrorKind::Lease
    );

    let attempts = mgr.task_attempts(&x.id[..8]).unwrap();
    let seen: Vec<(&str, Option<AttemptOutcome>)> = attempts
        .iter()
        .map(|a| (a.agent_id.as_str(), a.outcome))
        .collect();
    assert_eq!(
        seen,
        [
            ("dev1", Some(AttemptOutcome::Released)),
            ("dev1", Some(AttemptOutcome::ReleasedWithError)),
            ("dev1", Some(AttemptOutcome::Lapsed)),
            ("dev2", Some(AttemptOutcome::TakenOver)),
            ("dev2", Some(AttemptOutcome::Completed)),
        ]
    );
    assert_eq!(attempts[1].error.as_deref(), Some("tests fail on main"));
    assert!(attempts.iter().all(|a| a.ended_at.is_some()));
    // The operator sees them too.
    assert_eq!(t.store.as_operator().task_attempts(&x.id).unwrap().len(), 5);
    assert_eq!(mgr.get_task(&x.id).unwrap().task.failed_attempts, 2);
}

#[test]
fn a_task_that_lapses_max_attempts_times_ends_failed_until_retried() {
    let (t, clock) = common::team_timed();
    t.store.set_setting("max_attempts", "3").unwrap();
    let mgr = t.store.as_agent("mgr").unwrap();
    let dev1 = t.store.as_agent("dev1").unwrap();
    let x = mgr.create_task(&NewTask::new("flaky")).unwrap();
    let since = mgr.latest_change().unwrap();
    for round in 1..=3 {
        let c = dev1.claim_task(None, 30).unwrap();
        assert_eq!(
            c.map(|c| c.task.id),
            Some(x.id.clone()),
            "round {round} is handed out"
        );
        clock.advance(Duration::from_secs(31));
    }
    // The third lapse is noticed by the next claim, which finds nothing: the task failed.
    assert!(dev1.claim_task(None, 30).unwrap().is_none());
    let failed = mgr.get_task(&x.id).unwrap().task;
    assert_eq!(
        (
            failed.status,
            failed.assigned_to.as_deref(),
            failed.failed_attempts
        ),
        (TaskStatus::Failed, None, 3)
    );
    assert!(dev1.ready_tasks().unwrap().is_empty());
    let e = dev1.claim_task(Some(&x.id), 30).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    let attempts = mgr.task_attempts(&x.id).unwrap();
    assert_eq!(attempts.len(), 3);
    assert!(attempts
        .iter()
        .all(|a| a.outcome == Some(AttemptOutcome::Lapsed)));
    // The move to failed is in the group's feed (managers see it), addressed to the holder,
    // and each lapse before it was addressed to the holder too.
    let changes = mgr.changes(since, 1000).unwrap();
    assert!(changes
        .iter()
        .any(|c| c.event == "task_failed" && c.subject.as_deref() == Some(x.id.as_str())));
    let for_dev1 = dev1.changes(since, 1000).unwrap();
    let lapses = for_dev1
        .iter()
        .filter(|c| c.subject.as_deref() == Some(x.id.as_str()))
        .filter(|c| c.agent_id.as_deref() == Some("dev1"))
        .filter(|c| c.event == "lease_expired" || c.event == "task_failed")
        .count();
    assert_eq!(lapses, 3, "{for_dev1:?}");
    assert_eq!(
        mgr.board()
            .unwrap()
            .into_iter()
            .find(|(s, _)| *s == TaskStatus::Failed)
            .unwrap()
            .1
            .len(),
        1
    );
    let filtered = mgr
        .list_tasks(&agor_core::TaskFilter {
            status: Some(TaskStatus::Failed),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(ids(&filtered), ["flaky"]);

    // Only managers retry; a retry clears the count and hands it out again.
    assert_eq!(
        dev1.retry_task(&x.id).unwrap_err().kind(),
        ErrorKind::PermissionDenied
    );
    let retried = mgr.retry_task(&x.id).unwrap();
    assert_eq!(
        (retried.status, retried.failed_attempts),
        (TaskStatus::Todo, 0)
    );
    assert_eq!(
        dev1.claim_task(None, 30).unwrap().map(|c| c.task.id),
        Some(x.id.clone())
    );
    assert_eq!(
        mgr.retry_task(&x.id).unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
}

#[test]
fn failed_releases_back_off_doubling_to_the_cap_and_quarantine_at_the_tasks_own_limit() {
    let (t, clock) = common::team_timed();
    t.store.set_setting("backoff_base_secs", "10").unwrap();
    t.store.set_setting("backoff_cap_secs", "15").unwrap();
    let mgr = t.store.as_agent("mgr").unwrap();
    let dev1 = t.store.as_agent("dev1").unwrap();
    let x = mgr
        .create_task(&NewTask {
            max_attempts: Some(3),
            ..NewTask::new("x")
        })
        .unwrap();
    // Failure 1: 10 s of backoff; failure 2: 20 s, capped at 15 s.
    for wait in [10, 15] {
        let c = dev1.claim_task(None, 60).unwrap().unwrap();
        dev1.release_task_with(&x.id, &c.token, Some("boom"))
            .unwrap();
        assert!(dev1.ready_tasks().unwrap().is_empty());
        assert!(dev1.claim_task(None, 60).unwrap().is_none());
        let e = dev1.claim_task(Some(&x.id), 60).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
        assert!(e.to_string().contains("not claimable before"), "{e}");
        clock.advance(Duration::from_secs(wait - 1));
        assert!(
            dev1.claim_task(None, 60).unwrap().is_none(),
            "still backing off"
        );
        clock.advance(Duration::from_secs(1));
        assert_eq!(dev1.ready_tasks().unwrap().len(), 1, "after {wait} s");
    }
    // Failure 3 is the task's own limit (the store's default would allow 3 too; set 3 on the
    // task and 1000 in the store to tell them apart).
    t.store.set_setting("max_attempts", "1000").unwrap();
    let c = dev1.claim_task(None, 60).unwrap().unwrap();
    let last = dev1
        .release_task_with(&x.id, &c.token, Some("boom"))
        .unwrap();
    assert_eq!(last.status, TaskStatus::Failed);
    assert_eq!(last.not_before_ms, None);
    // A plain release is no failure.
    let y = mgr.create_task(&NewTask::new("y")).unwrap();
    let c = dev1.claim_task(Some(&y.id), 60).unwrap().unwrap();
    let back = dev1.release_task(&y.id, &c.token).unwrap();
    assert_eq!((back.failed_attempts, back.not_before_ms), (0, None));
}

// --- item 4: deferred work --------------------------------------------------------------

#[test]
fn deferred_work_is_not_ready_until_its_time() {
    let (t, clock) = common::team_timed();
    let mgr = t.store.as_agent("mgr").unwrap();
    let dev1 = t.store.as_agent("dev1").unwrap();
    let later = mgr.create_task(&NewTask::new("later")).unwrap();
    let now_task = mgr.create_task(&NewTask::new("now")).unwrap();
    let deferred = mgr.defer_task(&later.id, Some("2h")).unwrap();
    assert!(deferred.not_before_ms.is_some());
    assert_eq!(deferred.version, later.version + 1);
    assert_eq!(ids(&dev1.ready_tasks().unwrap()), ["now"]);
    let e = dev1.claim_task(Some(&later.id), 60).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    // Only managers defer; bad times are refused saying the forms.
    assert_eq!(
        dev1.defer_task(&now_task.id, Some("1h"))
            .unwrap_err()
            .kind(),
        ErrorKind::PermissionDenied
    );
    let e = mgr.defer_task(&now_task.id, Some("tomorrow")).unwrap_err();
    assert!(e.to_string().contains("RFC 3339"), "{e}");
    // An RFC 3339 time works too; the board still lists deferred tasks, with their time.
    mgr.defer_task(&now_task.id, Some("2999-01-01T00:00:00Z"))
        .unwrap();
    assert!(dev1.ready_tasks().unwrap().is_empty());
    let todo = mgr
        .board()
        .unwrap()
        .into_iter()
        .find(|(s, _)| *s == TaskStatus::Todo)
        .unwrap()
        .1;
    assert!(todo.iter().all(|t| t.not_before_ms.is_some()));
    mgr.defer_task(&now_task.id, None).unwrap();
    clock.advance(Duration::from_secs(2 * 3600));
    assert_eq!(ids(&dev1.ready_tasks().unwrap()), ["later", "now"]);
}

// --- settings ---------------------------------------------------------------------------

#[test]
fn settings_are_validated_operator_only_and_the_same_for_every_process() {
    let t = common::team();
    let listed = t.store.settings().unwrap();
    let keys: Vec<&str> = listed.iter().map(|s| s.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "max_attempts",
            "backoff_base_secs",
            "backoff_cap_secs",
            "reviewers_claim_work"
        ]
    );
    assert!(listed.iter().all(|s| !s.set && s.value == s.default));
    for (key, value) in [
        ("max_attempt", "3"),
        ("max_attempts", "0"),
        ("max_attempts", "x"),
        ("reviewers_claim_work", "maybe"),
    ] {
        let e = t.store.set_setting(key, value).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{key}={value}: {e}");
    }
    let e = t.store.set_setting("max_attempt", "3").unwrap_err();
    assert!(
        e.to_string().contains("max_attempts"),
        "lists the keys: {e}"
    );
    let s = t
        .store
        .set_setting("reviewers_claim_work", " YES ")
        .unwrap();
    assert_eq!((s.value.as_str(), s.set), ("true", true));
    // Another process (another handle on the same database) reads the same value.
    let other = Store::open(&t.location).unwrap();
    let seen = other.settings().unwrap();
    let flag = seen
        .iter()
        .find(|s| s.key == "reviewers_claim_work")
        .unwrap();
    assert_eq!(flag.value, "true");
    let rev = other.as_agent("rev").unwrap();
    t.store
        .as_agent("mgr")
        .unwrap()
        .create_task(&NewTask::new("x"))
        .unwrap();
    assert_eq!(rev.ready_tasks().unwrap().len(), 1);
}

// --- other groups ------------------------------------------------------------------------

#[test]
fn another_groups_task_cannot_be_retried_deferred_or_its_attempts_read() {
    let t = common::team();
    t.store
        .register_agent(&agor_core::NewAgent::new("mgr2", "M2", "manager", "other"))
        .unwrap();
    let mgr = t.store.as_agent("mgr").unwrap();
    let x = mgr.create_task(&NewTask::new("core work")).unwrap();
    let mgr2 = t.store.as_agent("mgr2").unwrap();
    let ext = t.store.as_agent("ext").unwrap();
    for e in [
        mgr2.retry_task(&x.id).unwrap_err(),
        mgr2.defer_task(&x.id, Some("1h")).unwrap_err(),
        mgr2.task_attempts(&x.id).unwrap_err(),
        ext.task_attempts(&x.id).unwrap_err(),
    ] {
        assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
    }
    // Another group's requires-free task is not offered to its developers either.
    assert!(ext.ready_tasks().unwrap().iter().all(|t| t.id != x.id));
}

#[test]
fn an_import_that_reopens_a_claimed_task_is_a_takeover_the_holder_hears_of() {
    let t = common::team();
    let mgr = t.store.as_agent("mgr").unwrap();
    let dev1 = t.store.as_agent("dev1").unwrap();
    let x = mgr.create_task(&NewTask::new("x")).unwrap();
    let c = dev1.claim_task(Some(&x.id), 60).unwrap().unwrap();
    let before = dev1.latest_change().unwrap();
    let file = format!(
        "[[tasks]]\nid = \"{}\"\ntitle = \"x\"\nstatus = \"pending\"\n",
        x.id
    );
    mgr.import_tasks(&file).unwrap();
    let told = dev1.changes(before, 100).unwrap();
    assert!(
        told.iter()
            .any(|c| c.agent_id.as_deref() == Some("dev1") && c.event == "claim_taken_over"),
        "{told:?}"
    );
    let attempts = mgr.task_attempts(&x.id).unwrap();
    assert_eq!(attempts[0].outcome, Some(AttemptOutcome::TakenOver));
    assert_eq!(
        dev1.release_task(&x.id, &c.token).unwrap_err().kind(),
        ErrorKind::Lease
    );
}
