//! Batches (`create_tasks`, `claim_tasks`, `complete_tasks`): each item is checked, audited
//! and fenced as the single-item operation; a bad item of a create or complete batch refuses
//! the whole batch naming its index, and nothing of it is written; a claim batch takes the
//! best next tasks by claim-next's rules, fewer when fewer fit; several real processes claiming
//! batches on one database claim every task exactly once. On both engines.
mod common;

use std::collections::BTreeSet;
use std::process::Child;
use std::time::Duration;

use agor_core::{
    ClaimDone, Error, ErrorKind, NewAgent, NewTask, Store, TaskFilter, TaskStatus, MAX_BATCH,
};
use common::child::{join, now_ms, results};

fn titled(titles: &[&str]) -> Vec<NewTask> {
    titles.iter().map(|t| NewTask::new(t)).collect()
}

fn done(claim: &agor_core::Claim) -> ClaimDone {
    ClaimDone {
        task_id: claim.task.id.clone(),
        token: claim.token.clone(),
        summary: None,
    }
}

/// The index of a batch's bad item, and the item's own error.
fn bad_item(e: &Error) -> (usize, &Error) {
    match e {
        Error::Item { index, source } => (*index, source),
        other => panic!("not an item's error: {other}"),
    }
}

fn audit_count(t: &common::Team, event: &str) -> usize {
    t.store
        .audit_log(None, agor_core::MAX_LIMIT)
        .unwrap()
        .iter()
        .filter(|e| e.event_type == event)
        .count()
}

#[test]
fn create_tasks_creates_each_in_order_audited() {
    let t = common::team();
    let mgr = t.store.as_agent("mgr").unwrap();
    let mut news = titled(&["one", "two", "three"]);
    news[1].status = TaskStatus::Backlog;
    news[2].tags = vec!["b".into(), "a".into()];
    let made = mgr.create_tasks(&news).unwrap();
    let titles: Vec<&str> = made.iter().map(|t| t.title.as_str()).collect();
    assert_eq!(titles, ["one", "two", "three"]);
    assert_eq!(made[1].status, TaskStatus::Backlog);
    assert_eq!(made[2].tags, ["a", "b"]);
    assert!(made.windows(2).all(|w| w[0].sort_order < w[1].sort_order));
    // As stored, and each audited as a single create would be.
    for task in &made {
        assert_eq!(mgr.get_task(&task.id).unwrap().task, *task);
    }
    assert_eq!(audit_count(&t, "task_created"), 3);
}

#[test]
fn a_bad_item_in_the_middle_of_a_create_batch_loses_nothing() {
    let t = common::team();
    let mgr = t.store.as_agent("mgr").unwrap();
    // Refused before the transaction (a blank title) ...
    let err = mgr
        .create_tasks(&titled(&["first", " ", "third"]))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert_eq!(bad_item(&err).0, 1);
    assert!(
        err.to_string().starts_with("item 1 of the batch: "),
        "{err}"
    );
    // ... and inside it (an unknown assignee, found only in the database), after two tasks
    // of the batch were already written in it.
    let mut news = titled(&["first", "second", "third"]);
    news[2].assign_to = Some("ghost".into());
    let err = mgr.create_tasks(&news).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(bad_item(&err).0, 2);
    let all = TaskFilter {
        all: true,
        ..Default::default()
    };
    assert!(mgr.list_tasks(&all).unwrap().is_empty());
    assert_eq!(audit_count(&t, "task_created"), 0);
    // The same batch without the bad item goes through whole.
    news[2].assign_to = None;
    assert_eq!(mgr.create_tasks(&news).unwrap().len(), 3);
}

#[test]
fn claim_tasks_takes_the_best_next_by_claim_next_rules() {
    let t = common::team();
    let mgr = t.store.as_agent("mgr").unwrap();
    let dev1 = t.store.as_agent("dev1").unwrap();
    let dev2 = t.store.as_agent("dev2").unwrap();
    let mut news = titled(&[
        "low",
        "high",
        "reviewers",
        "deferred",
        "waits",
        "their files",
        "backlog",
        "first",
    ]);
    news[0].priority = agor_core::Priority::Low;
    news[1].priority = agor_core::Priority::High;
    news[2].requires = Some("capability:review_work".into());
    news[5].paths = vec!["src/held/**".into()];
    news[6].status = TaskStatus::Backlog;
    let made = mgr.create_tasks(&news).unwrap();
    mgr.defer_task(&made[3].id, Some("1h")).unwrap();
    mgr.add_dependency(&made[4].id, &made[7].id).unwrap();
    dev2.reserve(&["src/held/**".to_owned()], true, 600, None)
        .unwrap();

    let claims = dev1.claim_tasks(10, 60).unwrap();
    // What claim-next would take one after the other: high first, then board order, low last;
    // not the reviewers' task, the deferred one, the one waiting, the one whose files dev2
    // holds, nor the backlog.
    let got: Vec<&str> = claims.iter().map(|c| c.task.title.as_str()).collect();
    assert_eq!(got, ["high", "first", "low"]);
    let tokens: BTreeSet<&str> = claims.iter().map(|c| c.token.as_str()).collect();
    assert_eq!(tokens.len(), 3, "each claim has its own token");
    for c in &claims {
        assert_eq!(c.task.status, TaskStatus::InProgress);
        // Each is a live claim of its own: renewable with its token.
        dev1.renew_lease(&c.task.id, &c.token, 120).unwrap();
    }
    assert_eq!(audit_count(&t, "task_claimed"), 3);
    // One work state for the batch: working on the best of them.
    let work = dev1.work_state(None).unwrap();
    assert_eq!(work.state, agor_core::WorkState::Working);
    assert_eq!(work.task_id.as_deref(), Some(claims[0].task.id.as_str()));
    // Nothing left for dev1; an empty batch, not an error.
    assert!(dev1.claim_tasks(5, 60).unwrap().is_empty());
    // A count below the number that fit takes that many, best first.
    dev1.complete_tasks(&[done(&claims[1])]).unwrap();
    let waits = dev2.claim_tasks(1, 60).unwrap();
    assert_eq!(waits.len(), 1);
    assert_eq!(waits[0].task.title, "waits");
}

#[test]
fn complete_tasks_completes_each_claim_fenced() {
    let t = common::team();
    let mgr = t.store.as_agent("mgr").unwrap();
    let dev1 = t.store.as_agent("dev1").unwrap();
    mgr.create_tasks(&titled(&["a", "b", "c"])).unwrap();
    let claims = dev1.claim_tasks(3, 60).unwrap();
    let mut items: Vec<ClaimDone> = claims.iter().map(done).collect();
    items[0].summary = Some("merged".into());
    let finished = dev1.complete_tasks(&items).unwrap();
    assert!(finished.iter().all(|t| t.status == TaskStatus::Done));
    assert_eq!(finished[0].completion.as_ref().unwrap().summary, "merged");
    assert_eq!(
        finished[1].completion.as_ref().unwrap().summary,
        agor_core::DEFAULT_BATCH_SUMMARY
    );
    assert_eq!(
        mgr.get_task(&claims[2].task.id).unwrap().task.status,
        TaskStatus::Done
    );
    // Fenced: the same tokens complete nothing twice.
    let err = dev1.complete_tasks(&items[..1]).unwrap_err();
    assert_eq!((err.kind(), bad_item(&err).0), (ErrorKind::Lease, 0));
}

#[test]
fn a_bad_claim_in_the_middle_of_a_complete_batch_loses_nothing() {
    let t = common::team();
    let mgr = t.store.as_agent("mgr").unwrap();
    let dev1 = t.store.as_agent("dev1").unwrap();
    mgr.create_tasks(&titled(&["a", "b", "c"])).unwrap();
    let claims = dev1.claim_tasks(3, 60).unwrap();
    let mut items: Vec<ClaimDone> = claims.iter().map(done).collect();
    items[1].token = "not-the-token".into();
    let err = dev1.complete_tasks(&items).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Lease);
    let (index, source) = bad_item(&err);
    assert_eq!(index, 1);
    assert!(matches!(source, Error::Lease { task_id, .. } if *task_id == claims[1].task.id));
    // Nothing completed, the first item's included; every claim still live.
    for c in &claims {
        assert_eq!(
            mgr.get_task(&c.task.id).unwrap().task.status,
            TaskStatus::InProgress
        );
    }
    // A bad summary is refused before anything is read.
    items[1].token = claims[1].token.clone();
    items[2].summary = Some("two\nlines".into());
    let err = dev1.complete_tasks(&items).unwrap_err();
    assert_eq!((err.kind(), bad_item(&err).0), (ErrorKind::InvalidInput, 2));
    items[2].summary = None;
    assert_eq!(dev1.complete_tasks(&items).unwrap().len(), 3);
}

#[test]
fn a_lapsed_lease_in_a_complete_batch_is_that_items_error() {
    let (t, clock) = common::team_timed();
    let mgr = t.store.as_agent("mgr").unwrap();
    let dev1 = t.store.as_agent("dev1").unwrap();
    mgr.create_tasks(&titled(&["a", "b"])).unwrap();
    let mut claims = dev1.claim_tasks(1, 10).unwrap();
    clock.advance(Duration::from_secs(5));
    claims.extend(dev1.claim_tasks(1, 60).unwrap());
    clock.advance(Duration::from_secs(6));
    // The first lease lapsed (its task reopened); the second is live.
    let items: Vec<ClaimDone> = claims.iter().map(done).collect();
    let err = dev1.complete_tasks(&items).unwrap_err();
    assert_eq!((err.kind(), bad_item(&err).0), (ErrorKind::Lease, 0));
    assert_eq!(dev1.complete_tasks(&items[1..]).unwrap().len(), 1);
}

#[test]
fn batches_are_bounded() {
    let t = common::team();
    let mgr = t.store.as_agent("mgr").unwrap();
    let dev1 = t.store.as_agent("dev1").unwrap();
    let too_many = MAX_BATCH as usize + 1;
    for err in [
        mgr.create_tasks(&[]).unwrap_err(),
        mgr.create_tasks(&vec![NewTask::new("x"); too_many])
            .unwrap_err(),
        dev1.complete_tasks(&[]).unwrap_err(),
        dev1.claim_tasks(0, 60).unwrap_err(),
        dev1.claim_tasks(MAX_BATCH + 1, 60).unwrap_err(),
    ] {
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
        assert!(err.to_string().contains("1000"), "{err}");
    }
    assert!(mgr.list_tasks(&TaskFilter::default()).unwrap().is_empty());
    // The largest batch is taken whole.
    let made = mgr
        .create_tasks(&vec![NewTask::new("x"); MAX_BATCH as usize])
        .unwrap();
    assert_eq!(made.len(), MAX_BATCH as usize);
}

#[test]
fn who_may_batch_and_what_another_group_sees() {
    let t = common::team();
    let mgr = t.store.as_agent("mgr").unwrap();
    let dev1 = t.store.as_agent("dev1").unwrap();
    let ext = t.store.as_agent("ext").unwrap();
    // A worker may not create tasks, alone or in a batch; nothing is written.
    let err = dev1.create_tasks(&titled(&["x", "y"])).unwrap_err();
    // The batch is refused as a whole, not as its first item.
    assert!(matches!(err, Error::PermissionDenied { .. }), "{err}");
    // The operator is no agent: it claims and completes nothing.
    let op = t.store.as_operator();
    for request in [
        serde_json::json!({"op": "claim_tasks", "count": 1}),
        serde_json::json!({"op": "complete_tasks", "claims": [{"task_id": "x", "token": "y"}]}),
    ] {
        let err = agor_core::ops::call_value(&op, request).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::PermissionDenied);
    }
    // Another group's agent neither claims this group's tasks nor completes its claims, and
    // its manager creates nothing that names them.
    let core = mgr.create_tasks(&titled(&["core work"])).unwrap();
    t.store
        .register_agent(&NewAgent::new("omgr", "OMGR", "manager", "other"))
        .unwrap();
    let omgr = t.store.as_agent("omgr").unwrap();
    let mut news = titled(&["theirs", "sub of core", "for dev1"]);
    news[1].parent = Some(core[0].id.clone());
    news[2].assign_to = Some("dev1".into());
    let err = omgr.create_tasks(&news).unwrap_err();
    assert_eq!((err.kind(), bad_item(&err).0), (ErrorKind::NotFound, 1));
    news.remove(1);
    let err = omgr.create_tasks(&news).unwrap_err();
    assert_eq!((err.kind(), bad_item(&err).0), (ErrorKind::NotFound, 1));
    assert!(omgr.list_tasks(&TaskFilter::default()).unwrap().is_empty());
    assert!(ext.claim_tasks(10, 60).unwrap().is_empty());
    let claims = dev1.claim_tasks(1, 60).unwrap();
    let err = ext.complete_tasks(&[done(&claims[0])]).unwrap_err();
    assert_eq!((err.kind(), bad_item(&err).0), (ErrorKind::NotFound, 0));
    assert_eq!(
        mgr.get_task(&claims[0].task.id).unwrap().task.status,
        TaskStatus::InProgress
    );
}

#[test]
fn the_catalogue_runs_batches_from_json() {
    let t = common::team();
    let mgr = t.store.as_agent("mgr").unwrap();
    let dev1 = t.store.as_agent("dev1").unwrap();
    let made = agor_core::ops::call_value(
        &mgr,
        serde_json::json!({"op": "create_tasks", "tasks": [{"title": "a"}, {"title": "b", "priority": "high"}]}),
    )
    .unwrap();
    let made: serde_json::Value = serde_json::from_str(&made).unwrap();
    assert_eq!(made[1]["priority"], "high");
    let claims = agor_core::ops::call_value(
        &dev1,
        serde_json::json!({"op": "claim_tasks", "count": 5, "lease_secs": 30}),
    )
    .unwrap();
    let claims: serde_json::Value = serde_json::from_str(&claims).unwrap();
    let items: Vec<serde_json::Value> = claims
        .as_array()
        .unwrap()
        .iter()
        .map(|c| serde_json::json!({"task_id": c["task"]["id"], "token": c["token"]}))
        .collect();
    assert_eq!(items.len(), 2);
    let finished = agor_core::ops::call_value(
        &dev1,
        serde_json::json!({"op": "complete_tasks", "claims": items}),
    )
    .unwrap();
    assert!(finished.contains("\"done\""), "{finished}");
    // An unknown field of an item is refused, as for create_task itself.
    let err = agor_core::ops::call_value(
        &mgr,
        serde_json::json!({"op": "create_tasks", "tasks": [{"title": "a", "colour": "red"}]}),
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
}

// --- several processes ------------------------------------------------------------------------

const CLAIMERS: usize = 8;
const BATCH: u32 = 10;

#[test]
#[ignore = "entry point of the worker processes spawned by the other tests"]
fn worker_entry() {
    let Ok(db) = std::env::var("AGOR_TEST_DB") else {
        return;
    };
    let index: usize = std::env::var("AGOR_TEST_INDEX").unwrap().parse().unwrap();
    let start: u128 = std::env::var("AGOR_TEST_START").unwrap().parse().unwrap();
    while now_ms() < start {
        std::thread::sleep(Duration::from_millis(1));
    }
    let store = Store::open(&db).unwrap();
    let me = store.as_agent(&format!("w{index}")).unwrap();
    loop {
        let claims = me.claim_tasks(BATCH, 60).unwrap();
        if claims.is_empty() {
            break;
        }
        let items: Vec<ClaimDone> = claims.iter().map(done).collect();
        me.complete_tasks(&items).unwrap();
        for c in &claims {
            println!("RESULT {}", c.task.id);
        }
    }
}

fn spawn(db: &str, index: usize, start_at_ms: u128) -> Child {
    common::child::spawn_worker(&[
        ("AGOR_TEST_DB", db.to_owned()),
        ("AGOR_TEST_INDEX", index.to_string()),
        ("AGOR_TEST_START", start_at_ms.to_string()),
    ])
}

#[test]
fn processes_claiming_batches_claim_every_task_exactly_once() {
    const TASKS: usize = 400;
    let dir = tempfile::tempdir().unwrap();
    let (db, store) = common::child::crew(&dir, CLAIMERS);
    let boss = store.as_agent("boss").unwrap();
    let titles: Vec<String> = (0..TASKS).map(|n| format!("task {n}")).collect();
    let mut created = BTreeSet::new();
    for chunk in titles.chunks(100) {
        let news: Vec<NewTask> = chunk.iter().map(|t| NewTask::new(t)).collect();
        created.extend(boss.create_tasks(&news).unwrap().into_iter().map(|t| t.id));
    }
    assert_eq!(created.len(), TASKS);
    let start = now_ms() + 300;
    let children: Vec<Child> = (0..CLAIMERS).map(|i| spawn(&db, i, start)).collect();
    let mut claimed = BTreeSet::new();
    for out in join(children) {
        for id in results(&out) {
            assert!(claimed.insert(id.to_owned()), "task {id} claimed twice");
        }
    }
    assert_eq!(claimed, created, "some task was never claimed");
    assert!(boss.list_tasks(&TaskFilter::default()).unwrap().is_empty());
    let audit = store.audit_log(None, agor_core::MAX_LIMIT).unwrap();
    let claims = audit
        .iter()
        .filter(|e| e.event_type == "task_claimed")
        .count();
    assert_eq!(claims, TASKS, "one claim audited per task");
}
