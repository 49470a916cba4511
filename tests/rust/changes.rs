//! The change feed and waits, on each engine: what each change records, who sees it, and a
//! waiter woken by a commit made through another connection (as another process would).
//! The cross-process tests with real processes are in tests/python/test_wait.py.

mod common;

use std::time::{Duration, Instant};

use agor_core::{ChangeKind, ErrorKind, NewAgent, NewTask, Store};

#[test]
fn every_kind_of_mutation_lands_in_the_feed_with_its_audience() {
    let t = common::team();
    let mgr = t.store.as_agent("mgr").unwrap();
    let start = mgr.latest_change().unwrap();
    let m = mgr.send("dev1", "hi").unwrap();
    mgr.create_channel("ops").unwrap();
    let post = mgr.post("ops", "hello").unwrap();
    let task = mgr.create_task(&NewTask::new("x")).unwrap();
    mgr.assign_task(&task.id, "dev1").unwrap();
    let got = t
        .store
        .as_agent("admin")
        .unwrap()
        .changes(start, 100)
        .unwrap();
    let seen: Vec<(ChangeKind, &str, Option<&str>)> = got
        .iter()
        .map(|c| (c.kind, c.event.as_str(), c.subject.as_deref()))
        .collect();
    assert!(
        seen.contains(&(ChangeKind::Message, "message_sent", Some(&m.id))),
        "{seen:?}"
    );
    assert!(
        seen.contains(&(ChangeKind::Post, "channel_post", Some(&post.id))),
        "{seen:?}"
    );
    assert!(
        seen.contains(&(ChangeKind::Task, "task_created", Some(&task.id))),
        "{seen:?}"
    );
    let assigned = got.iter().find(|c| c.event == "task_assigned").unwrap();
    assert_eq!(
        (
            assigned.agent_id.as_deref(),
            assigned.group_id.as_deref(),
            assigned.actor.as_deref()
        ),
        (Some("dev1"), Some("core"), Some("mgr"))
    );
    let cursors: Vec<i64> = got.iter().map(|c| c.cursor).collect();
    assert!(
        cursors.windows(2).all(|w| w[0] < w[1]),
        "cursors increase: {cursors:?}"
    );
}

#[test]
fn the_feed_shows_each_agent_only_what_it_may_read() {
    let t = common::team();
    let mgr = t.store.as_agent("mgr").unwrap();
    mgr.send("dev1", "for dev1 only").unwrap();
    mgr.create_task(&NewTask::new("core work")).unwrap();
    let events = |who: &str| -> Vec<String> {
        let a = t.store.as_agent(who).unwrap();
        a.changes(0, 1000)
            .unwrap()
            .into_iter()
            .map(|c| c.event)
            .collect()
    };
    assert!(events("dev1").contains(&"message_sent".to_owned()));
    assert!(
        !events("dev2").contains(&"message_sent".to_owned()),
        "another's DM"
    );
    assert!(
        events("dev2").contains(&"task_created".to_owned()),
        "its group's board"
    );
    let ext = events("ext");
    assert!(!ext.contains(&"task_created".to_owned()) && !ext.contains(&"message_sent".to_owned()));
    let dev1 = t.store.as_agent("dev1").unwrap();
    assert_eq!(
        dev1.changes(0, 0).unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
}

#[test]
fn a_waiter_wakes_on_a_commit_through_another_connection_and_times_out_otherwise() {
    let t = common::team();
    let dev1 = t.store.as_agent("dev1").unwrap();
    let started = Instant::now();
    assert!(dev1
        .wait(&[], None, Some(Duration::from_millis(200)))
        .unwrap()
        .is_empty());
    assert!(started.elapsed() >= Duration::from_millis(190));

    let location = t.path();
    let sender = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(150));
        // Another store: its own connection, as another process has.
        let other = Store::open(&location).unwrap();
        other
            .as_agent("mgr")
            .unwrap()
            .send("dev1", "wake")
            .unwrap()
            .id
    });
    let got = dev1
        .wait(&[ChangeKind::Message], None, Some(Duration::from_secs(20)))
        .unwrap();
    let sent = sender.join().unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].subject.as_deref(), Some(sent.as_str()));
}

#[test]
fn a_waiter_told_to_look_at_most_every_gap_batches_a_stream_of_commits() {
    let t = common::team();
    let mut waiter = t
        .store
        .as_agent("dev1")
        .unwrap()
        .waiter(&[ChangeKind::Message], None)
        .unwrap();
    let gap = Duration::from_millis(100);
    waiter.look_at_most_every(gap);
    const SENT: usize = 40;
    let location = t.path();
    let sender = std::thread::spawn(move || {
        // Another store: its own connection, as another process has.
        let other = Store::open(&location).unwrap();
        let mgr = other.as_agent("mgr").unwrap();
        for i in 0..SENT {
            mgr.send("dev1", &format!("m{i}")).unwrap();
            std::thread::sleep(Duration::from_millis(10));
        }
    });
    let started = Instant::now();
    let (mut got, mut looks) = (0, 0);
    while got < SENT {
        let batch = waiter.wait(Some(Duration::from_secs(20))).unwrap();
        assert!(!batch.is_empty(), "nothing more after {got} of {SENT}");
        got += batch.len();
        looks += 1;
    }
    let took = started.elapsed();
    sender.join().unwrap();
    assert_eq!(got, SENT, "each message once");
    // Each look after the first came a gap or more after the one before; at the default gap
    // (10 ms), 40 messages 10 ms apart take about 40 looks.
    let most = 2 + (took.as_millis() / gap.as_millis()) as usize;
    assert!(looks <= most, "{looks} looks in {took:?}, at most {most}");
}

#[test]
fn a_waiter_keeps_its_cursor_and_skips_its_own_actions_and_other_kinds() {
    let t = common::team();
    let dev1 = t.store.as_agent("dev1").unwrap();
    let mgr = t.store.as_agent("mgr").unwrap();
    let mut waiter = dev1.waiter(&[ChangeKind::Message], None).unwrap();
    dev1.send("mgr", "my own").unwrap();
    mgr.create_task(&NewTask::new("not a message")).unwrap();
    assert!(waiter
        .wait(Some(Duration::from_millis(100)))
        .unwrap()
        .is_empty());
    let a = mgr.send("dev1", "one").unwrap();
    let b = mgr.send("dev1", "two").unwrap();
    let got = waiter.wait(Some(Duration::from_secs(5))).unwrap();
    let ids: Vec<_> = got.iter().filter_map(|c| c.subject.clone()).collect();
    assert_eq!(ids, [a.id, b.id]);
    assert_eq!(waiter.cursor(), got.last().unwrap().cursor);
    assert!(waiter
        .wait(Some(Duration::from_millis(50)))
        .unwrap()
        .is_empty());
}

#[test]
fn a_wait_returns_each_change_with_what_the_waiter_may_read_of_it() {
    let t = common::team();
    let mgr = t.store.as_agent("mgr").unwrap();
    let dev1 = t.store.as_agent("dev1").unwrap();
    let start = dev1.latest_change().unwrap();
    let urgent = agor_core::Asks {
        importance: agor_core::Importance::Urgent,
        ..Default::default()
    };
    let m = mgr.send_asking("dev1", "deploy at noon", &urgent).unwrap();
    mgr.create_channel("ops").unwrap();
    mgr.add_member("ops", "dev1").unwrap();
    mgr.post("ops", "standup moved").unwrap();
    let task = mgr.create_task(&NewTask::new("fix the login")).unwrap();
    let task = mgr.assign_task(&task.id, "dev1").unwrap();
    let got = dev1.wait(&[], Some(start), Some(Duration::ZERO)).unwrap();
    let dm = got.iter().find(|c| c.kind == ChangeKind::Message).unwrap();
    let dm = dm.content.as_ref().expect("the DM's content");
    assert_eq!(
        (
            dm.text.as_deref(),
            dm.sender.as_deref(),
            dm.importance.as_deref(),
            dm.title.as_deref()
        ),
        (Some("deploy at noon"), Some("mgr"), Some("urgent"), None)
    );
    let post = got.iter().find(|c| c.kind == ChangeKind::Post).unwrap();
    let post = post.content.as_ref().expect("the post's content");
    assert_eq!(
        (post.text.as_deref(), post.sender.as_deref()),
        (Some("standup moved"), Some("mgr"))
    );
    // Every change of the task reads it as it is now: assigned to dev1.
    let moves: Vec<_> = got.iter().filter(|c| c.kind == ChangeKind::Task).collect();
    assert!(!moves.is_empty());
    for c in moves {
        let content = c.content.as_ref().expect("the task's content");
        assert_eq!(
            (
                content.title.as_deref(),
                content.status,
                content.assignee.as_deref(),
                content.version,
                content.text.as_deref()
            ),
            (
                Some("fix the login"),
                Some(task.status),
                Some("dev1"),
                Some(task.version),
                None
            ),
            "{c:?}"
        );
    }
    // The operator's wait reads it too; `changes` names the subjects only.
    let op = t
        .store
        .wait(&[], Some(start), Some(Duration::ZERO), None)
        .unwrap();
    let dm = op
        .iter()
        .find(|c| c.subject.as_deref() == Some(m.id.as_str()));
    assert_eq!(
        dm.and_then(|c| c.content.as_ref()?.text.as_deref()),
        Some("deploy at noon")
    );
    assert!(dev1
        .changes(start, 100)
        .unwrap()
        .iter()
        .all(|c| c.content.is_none()));
}

#[test]
fn a_wait_never_carries_content_the_waiter_may_not_read() {
    let t = common::team();
    let mgr = t.store.as_agent("mgr").unwrap();
    let start = mgr.latest_change().unwrap();
    mgr.send("dev1", "secret for dev1").unwrap();
    mgr.create_channel("inner").unwrap();
    mgr.post("inner", "secret of the inner circle").unwrap();
    mgr.create_task(&NewTask::new("secret core task")).unwrap();
    t.store
        .register_agent(&NewAgent::new("omgr", "OMGR", "manager", "other"))
        .unwrap();
    let omgr = t.store.as_agent("omgr").unwrap();
    omgr.create_task(&NewTask::new("other group's task"))
        .unwrap();
    let text_of = |who: &str| {
        let a = t.store.as_agent(who).unwrap();
        serde_json::to_string(&a.wait(&[], Some(start), Some(Duration::ZERO)).unwrap()).unwrap()
    };
    // dev2: its group's board, but neither dev1's DM nor a channel it is not in.
    let dev2 = text_of("dev2");
    assert!(dev2.contains("secret core task"), "{dev2}");
    assert!(
        !dev2.contains("secret for dev1") && !dev2.contains("inner circle"),
        "{dev2}"
    );
    assert!(!dev2.contains("other group"), "{dev2}");
    // ext: nothing of the other group.
    let ext = text_of("ext");
    assert!(!ext.contains("secret"), "{ext}");
    // Tier 0 of the group reads every message of it (as `feed` does).
    let admin = text_of("admin");
    assert!(admin.contains("secret for dev1"), "{admin}");
}
