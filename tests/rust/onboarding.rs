//! Onboarding a team of coding agents (issue 21 item 3), on each engine: a claim that waits
//! for work is woken by another process's task change and times out otherwise; reviewers are
//! members of their group's review channels, and the review notice is the system's.

mod common;

use std::sync::mpsc;
use std::time::{Duration, Instant};

use agor_core::{CancelToken, Completion, ErrorKind, NewAgent, NewTask, Store, REVIEW_QUEUE};

/// A generous deadline for a wake-up that takes milliseconds.
const PROMPTLY: Duration = Duration::from_secs(5);

/// Starts `dev1` claiming with a wait of `wait` on a store of its own (its own connection and
/// waiter, as another process has); the result arrives on the channel.
fn waiting_claim(
    location: &str,
    task: Option<String>,
    wait: Duration,
) -> mpsc::Receiver<(agor_core::Result<Option<agor_core::Claim>>, Instant)> {
    let store = Store::open(location).unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let dev1 = store.as_agent("dev1").unwrap();
        let got = dev1.claim_task_waiting(task.as_deref(), 900, wait, None);
        let _ = tx.send((got, Instant::now()));
    });
    rx
}

// issue 21 item 3: on 9043fc3 a claim could not wait; a worker polled. Now it blocks until a
// task made by another process fits, and takes it.
#[test]
fn a_waiting_claim_is_woken_by_a_task_another_process_creates() {
    let t = common::team();
    let rx = waiting_claim(&t.location, None, Duration::from_secs(60));
    std::thread::sleep(Duration::from_millis(300));
    assert!(rx.try_recv().is_err(), "nothing to claim yet: it waits");
    let made = t
        .store
        .as_agent("mgr")
        .unwrap()
        .create_task(&NewTask::new("Fix the parser"))
        .unwrap();
    let created = Instant::now();
    let (got, at) = rx.recv_timeout(PROMPTLY).expect("the claim was woken");
    let claim = got.unwrap().expect("it claimed the new task");
    assert_eq!(claim.task.id, made.id);
    assert!(at.duration_since(created) < PROMPTLY);
}

// issue 21 item 3: a task assigned to someone else does not fit; assigning it to the waiting
// worker wakes the claim, which takes it.
#[test]
fn a_waiting_claim_is_woken_by_an_assignment() {
    let t = common::team();
    let mgr = t.store.as_agent("mgr").unwrap();
    let mut new = NewTask::new("Someone else's");
    new.assign_to = Some("dev2".into());
    let task = mgr.create_task(&new).unwrap();
    let rx = waiting_claim(&t.location, None, Duration::from_secs(60));
    std::thread::sleep(Duration::from_millis(300));
    assert!(rx.try_recv().is_err(), "dev2's task does not fit dev1");
    mgr.assign_task(&task.id, "dev1").unwrap();
    let (got, _) = rx.recv_timeout(PROMPTLY).expect("the claim was woken");
    assert_eq!(got.unwrap().expect("claimed").task.id, task.id);
}

// issue 21 item 3: with nothing to claim the wait ends when its time passes, with the usual
// answers: nothing (best next), or the named task's holder.
#[test]
fn a_waiting_claim_times_out_with_the_usual_answer() {
    let t = common::team();
    let dev1 = t.store.as_agent("dev1").unwrap();
    let started = Instant::now();
    let got = dev1
        .claim_task_waiting(None, 900, Duration::from_millis(300), None)
        .unwrap();
    assert!(got.is_none());
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(300), "{waited:?}");
    assert!(waited < PROMPTLY, "{waited:?}");

    let task = t
        .store
        .as_agent("mgr")
        .unwrap()
        .create_task(&NewTask::new("Held"))
        .unwrap();
    t.store
        .as_agent("dev2")
        .unwrap()
        .claim_task(Some(&task.id), 900)
        .unwrap()
        .unwrap();
    let held = dev1.claim_task_waiting(Some(&task.id), 900, Duration::from_millis(200), None);
    assert_eq!(held.unwrap_err().kind(), ErrorKind::AlreadyClaimed);
}

// issue 21 item 3: a named task held by another is taken once its holder releases it.
#[test]
fn a_waiting_claim_of_a_held_task_takes_it_when_released() {
    let t = common::team();
    let task = t
        .store
        .as_agent("mgr")
        .unwrap()
        .create_task(&NewTask::new("Held"))
        .unwrap();
    let dev2 = t.store.as_agent("dev2").unwrap();
    let claim = dev2.claim_task(Some(&task.id), 900).unwrap().unwrap();
    let rx = waiting_claim(&t.location, Some(task.id.clone()), Duration::from_secs(60));
    std::thread::sleep(Duration::from_millis(300));
    assert!(rx.try_recv().is_err(), "held by dev2: it waits");
    dev2.release_task(&task.id, &claim.token).unwrap();
    let (got, _) = rx.recv_timeout(PROMPTLY).expect("the claim was woken");
    assert_eq!(got.unwrap().expect("claimed").task.id, task.id);
}

// issue 21 item 3: a server cancels the claim of a client that went away.
#[test]
fn a_waiting_claim_ends_when_cancelled() {
    let t = common::team();
    let dev1 = t.store.as_agent("dev1").unwrap();
    let cancel = CancelToken::new();
    let canceller = cancel.clone();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        canceller.cancel();
    });
    let started = Instant::now();
    let got = dev1
        .claim_task_waiting(None, 900, Duration::from_secs(60), Some(&cancel))
        .unwrap();
    assert!(got.is_none());
    assert!(started.elapsed() < PROMPTLY);
}

// A polled claim (how `agor.aio` keeps many waiting claims on one thread) is the same loop a
// step at a time: it tries at once, then again once a task change has arrived, never blocking.
#[test]
fn a_polled_claim_tries_at_once_and_after_a_task_change() {
    let t = common::team();
    let mut claims = t
        .store
        .as_agent("dev1")
        .unwrap()
        .claim_waiter(None, 900)
        .unwrap();
    assert!(claims.poll().unwrap().is_none(), "nothing to claim yet");
    let made = t
        .store
        .as_agent("mgr")
        .unwrap()
        .create_task(&NewTask::new("Fix the parser"))
        .unwrap();
    let deadline = Instant::now() + PROMPTLY;
    let claim = loop {
        if let Some(claim) = claims.poll().unwrap() {
            break claim;
        }
        assert!(
            Instant::now() < deadline,
            "the task change never reached the poll"
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    assert_eq!(claim.task.id, made.id);
}

fn finish_for_review(s: &Store, title: &str) -> String {
    let task = s
        .as_agent("mgr")
        .unwrap()
        .create_task(&NewTask::new(title))
        .unwrap();
    let dev1 = s.as_agent("dev1").unwrap();
    let claim = dev1.claim_task(Some(&task.id), 900).unwrap().unwrap();
    let done = Completion {
        summary: "ready".into(),
        ..Default::default()
    };
    dev1.complete_task(&task.id, &claim.token, &done, true)
        .unwrap();
    task.id
}

// issue 21 item 3: on 9043fc3 the reviewer could not read the queue it works from
// ("rev may not read the channel (not a member)") and the notice was the completer's.
#[test]
fn reviewers_read_the_review_queue_and_the_notice_is_the_systems() {
    let t = common::team();
    let task = finish_for_review(&t.store, "Review me");
    let rev = t.store.as_agent("rev").unwrap();
    let posts = rev.channel_history(REVIEW_QUEUE, 10).unwrap();
    let notice = posts.last().expect("the review notice");
    assert!(notice.content.contains(&task), "{}", notice.content);
    assert_eq!(notice.from_agent, "agor");
    assert!(rev.channel_history("review-log", 10).is_ok());
    // Not every agent of the group: a worker is no member.
    assert_eq!(
        t.store
            .as_agent("dev2")
            .unwrap()
            .channel_history(REVIEW_QUEUE, 10)
            .unwrap_err()
            .kind(),
        ErrorKind::PermissionDenied
    );
}

// issue 21 item 3: a reviewer registered once the channels exist joins them at once; one
// that is not a member (an older file) joins when the channels are next needed.
#[test]
fn reviewers_join_when_registered_and_existing_ones_on_the_next_review() {
    let t = common::team();
    finish_for_review(&t.store, "First");
    t.store
        .register_agent(&NewAgent::new("rev2", "Rev Two", "reviewer", "core"))
        .unwrap();
    let rev2 = t.store.as_agent("rev2").unwrap();
    assert_eq!(rev2.channel_history(REVIEW_QUEUE, 10).unwrap().len(), 1);

    // As on a file from before this rule: the reviewer is no member.
    t.exec("DELETE FROM channel_members WHERE agent_id = 'rev'");
    let rev = t.store.as_agent("rev").unwrap();
    assert!(rev.channel_history(REVIEW_QUEUE, 10).is_err());
    finish_for_review(&t.store, "Second");
    assert_eq!(rev.channel_history(REVIEW_QUEUE, 10).unwrap().len(), 2);
    // Another group's reviewer never joins this group's channels.
    t.store
        .register_agent(&NewAgent::new("orev", "Other Rev", "reviewer", "other"))
        .unwrap();
    let members = t.count("SELECT count(*) FROM channel_members WHERE agent_id = 'orev'");
    assert_eq!(members, 0);
}
