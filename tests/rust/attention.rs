//! What needs a person's or an agent's attention (issue 22 items 5 and 6, SPEC §14): messages
//! with an importance and a receipt to wait for (ack or reply, overdue past a deadline), and
//! tasks a person approves before they are done, with everything waiting on a person in one
//! list. On both engines.
mod common;

use std::time::Duration;

use agor_core::{
    Actor, Asks, Completion, ErrorKind, Importance, Message, NewAgent, NewTask, Task, TaskStatus,
    TaskUpdate, WaitingKind,
};
use common::{team, team_timed, Team};

fn kind<T: std::fmt::Debug>(r: agor_core::Result<T>) -> ErrorKind {
    r.expect_err("expected an error").kind()
}

fn agent(t: &Team, id: &str) -> Actor {
    t.store.as_agent(id).unwrap()
}

fn asking(importance: Importance) -> Asks {
    Asks {
        importance,
        ..Asks::default()
    }
}

fn ack_within(secs: Option<u32>) -> Asks {
    Asks {
        ack_required: true,
        deadline_secs: secs,
        ..Asks::default()
    }
}

fn contents(msgs: &[Message]) -> Vec<&str> {
    msgs.iter().map(|m| m.content.as_str()).collect()
}

// ---- item 5: importance, receipts, overdue ----

#[test]
fn importance_orders_the_unread_inbox_and_notify() {
    let t = team();
    let (dev1, dev2, mgr) = (agent(&t, "dev1"), agent(&t, "dev2"), agent(&t, "mgr"));
    dev2.send("mgr", "plain from dev2").unwrap();
    for (text, importance) in [
        ("low", Importance::Low),
        ("normal", Importance::Normal),
        ("urgent", Importance::Urgent),
        ("high", Importance::High),
    ] {
        let m = dev1.send_asking("mgr", text, &asking(importance)).unwrap();
        assert_eq!(m.importance, importance);
    }
    let unread = mgr.inbox(false, None).unwrap();
    assert_eq!(
        contents(&unread),
        ["urgent", "high", "plain from dev2", "normal", "low"]
    );
    // The whole mailbox stays the record, newest first.
    let all = mgr.inbox(true, None).unwrap();
    assert_eq!(
        contents(&all),
        ["high", "urgent", "normal", "low", "plain from dev2"]
    );
    // The sender of the more important mail is named first, and the line says how many.
    assert_eq!(
        mgr.notify().unwrap().unwrap(),
        "5 unread messages (1 urgent, 1 high): 4 from dev1, 1 from dev2 — run `btmsg inbox`"
    );
    // Mail without an importance reads as it always did.
    assert_eq!(
        dev1.notify().unwrap(),
        None,
        "dev1 has no mail: nothing to say"
    );
    dev2.send("dev1", "hi").unwrap();
    assert_eq!(
        dev1.notify().unwrap().unwrap(),
        "1 unread message from dev2 — run `btmsg inbox`"
    );
}

#[test]
fn an_ack_from_any_session_is_the_receipt_the_sender_sees() {
    let (t, clock) = team_timed();
    let (dev1, mgr) = (agent(&t, "dev1"), agent(&t, "mgr"));
    let since = dev1.latest_change().unwrap();
    let m = dev1
        .send_asking("mgr", "please confirm", &ack_within(Some(60)))
        .unwrap();
    assert!(m.ack_required && m.acked_at.is_none() && m.deadline.is_some());
    // The sender cannot acknowledge its own ask.
    assert_eq!(kind(dev1.ack(&m.id, "s1")), ErrorKind::PermissionDenied);
    assert!(mgr.ack(&m.id, "session-a").unwrap());
    let first = dev1.read(&m.id).unwrap().acked_at.expect("a receipt");
    // A later ack from another session does not move the receipt.
    clock.advance(Duration::from_secs(5));
    assert!(mgr.ack(&m.id, "session-b").unwrap());
    assert_eq!(
        dev1.read(&m.id).unwrap().acked_at.as_deref(),
        Some(first.as_str())
    );
    // The sender hears of it: a change addressed to it.
    let heard = dev1.changes(since, 100).unwrap();
    assert!(
        heard.iter().any(|c| c.event == "message_acked"
            && c.subject.as_deref() == Some(m.id.as_str())
            && c.agent_id.as_deref() == Some("dev1")),
        "{heard:?}"
    );
}

#[test]
fn a_reply_by_the_recipient_is_a_receipt_and_one_by_the_sender_is_not() {
    let t = team();
    let (dev1, mgr) = (agent(&t, "dev1"), agent(&t, "mgr"));
    let m = dev1
        .send_asking("mgr", "which branch?", &ack_within(None))
        .unwrap();
    dev1.reply(&m.id, "(any branch is fine)").unwrap();
    assert_eq!(dev1.read(&m.id).unwrap().acked_at, None);
    mgr.reply(&m.id, "main").unwrap();
    assert!(dev1.read(&m.id).unwrap().acked_at.is_some());
}

#[test]
fn overdue_lists_the_senders_unanswered_asks_past_their_deadline() {
    let (t, clock) = team_timed();
    let (dev1, dev2, mgr) = (agent(&t, "dev1"), agent(&t, "dev2"), agent(&t, "mgr"));
    let soon = dev1
        .send_asking("mgr", "soon", &ack_within(Some(60)))
        .unwrap();
    let later = dev1
        .send_asking("mgr", "later", &ack_within(Some(600)))
        .unwrap();
    dev1.send_asking("mgr", "whenever", &ack_within(None))
        .unwrap();
    let answered = dev1
        .send_asking("mgr", "answered", &ack_within(Some(30)))
        .unwrap();
    dev2.send_asking("mgr", "dev2's", &ack_within(Some(10)))
        .unwrap();
    mgr.ack(&answered.id, "s").unwrap();
    assert!(dev1.overdue(50).unwrap().is_empty());
    clock.advance(Duration::from_secs(120));
    let ids = |v: Vec<Message>| v.into_iter().map(|m| m.id).collect::<Vec<_>>();
    assert_eq!(ids(dev1.overdue(50).unwrap()), [soon.id.as_str()]);
    clock.advance(Duration::from_secs(1000));
    assert_eq!(
        ids(dev1.overdue(50).unwrap()),
        [soon.id.clone(), later.id.clone()]
    );
    assert_eq!(ids(dev1.overdue(1).unwrap()), [soon.id.as_str()]);
    // Each sender sees its own; the recipient has sent nothing.
    assert_eq!(contents(&dev2.overdue(50).unwrap()), ["dev2's"]);
    assert!(mgr.overdue(50).unwrap().is_empty());
    mgr.reply(&soon.id, "done").unwrap();
    assert_eq!(ids(dev1.overdue(50).unwrap()), [later.id]);
}

#[test]
fn a_deadline_needs_an_ack_and_stays_within_bounds() {
    let t = team();
    let dev1 = agent(&t, "dev1");
    let no_ack = Asks {
        deadline_secs: Some(60),
        ..Asks::default()
    };
    assert_eq!(
        kind(dev1.send_asking("mgr", "x", &no_ack)),
        ErrorKind::InvalidInput
    );
    for bad in [0, -1, 30 * 24 * 3600 + 1] {
        let request = serde_json::json!({
            "op": "send", "to": "mgr", "content": "x", "ack_required": true, "deadline_secs": bad
        });
        let err = agor_core::ops::call_json(&dev1, &request.to_string()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{bad}");
    }
    assert!(agor_core::ops::call_json(
        &dev1,
        r#"{"op": "send", "to": "mgr", "content": "x", "importance": "loud"}"#
    )
    .is_err());
}

#[test]
fn a_dead_letter_keeps_what_its_sender_asked() {
    let t = team();
    let (dev1, mgr) = (agent(&t, "dev1"), agent(&t, "mgr"));
    t.age_heartbeat("mgr", 10_000);
    let asks = Asks {
        importance: Importance::Urgent,
        ack_required: true,
        deadline_secs: Some(3600),
    };
    assert_eq!(
        kind(dev1.send_asking("mgr", "wake up", &asks)),
        ErrorKind::RecipientUnavailable
    );
    mgr.heartbeat().unwrap();
    let inbox = mgr.inbox(false, None).unwrap();
    let m = &inbox[0];
    assert_eq!(
        (m.content.as_str(), m.importance, m.ack_required),
        ("wake up", Importance::Urgent, true)
    );
    assert!(m.deadline.is_some());
}

#[test]
fn mail_written_without_the_new_columns_reads_as_normal() {
    let t = team();
    t.exec(
        "INSERT INTO messages (id, from_agent, to_agent, content, read, group_id, created_at)
         VALUES ('legacy-1', 'dev1', 'mgr', 'old mail', 0, 'core', '2025-01-01 10:00:00')",
    );
    let mgr = agent(&t, "mgr");
    agent(&t, "dev1")
        .send_asking("mgr", "new and high", &asking(Importance::High))
        .unwrap();
    let inbox = mgr.inbox(false, None).unwrap();
    assert_eq!(contents(&inbox), ["new and high", "old mail"]);
    let old = &inbox[1];
    assert_eq!(
        (old.importance, old.ack_required, old.deadline.as_deref()),
        (Importance::Normal, false, None)
    );
}

// ---- item 6: a person in the loop ----

/// The team, a person `lead` (role human, tier 0) in core, a manager `mgr2` of group other,
/// and contacts so that dev1 may write to the person.
fn people() -> Team {
    let t = team();
    for (id, role, group) in [("lead", "human", "core"), ("mgr2", "manager", "other")] {
        t.store
            .register_agent(&NewAgent::new(id, id, role, group))
            .unwrap();
    }
    t.store.allow("dev1", "lead", true).unwrap();
    t.store.allow("mgr", "ext", true).unwrap();
    t
}

fn approval_task(creator: &Actor, title: &str) -> Task {
    creator
        .create_task(&NewTask {
            approval: true,
            assign_to: None,
            ..NewTask::new(title)
        })
        .unwrap()
}

/// Claims `task` as `worker` and completes it, asking for `done`.
fn work_on(worker: &Actor, task: &Task) -> Task {
    let claim = worker.claim_task(Some(&task.id), 900).unwrap().unwrap();
    let done = Completion {
        summary: "did it".into(),
        ..Completion::default()
    };
    worker
        .complete_task(&task.id, &claim.token, &done, false)
        .unwrap()
}

#[test]
fn completing_a_task_that_needs_approval_waits_for_a_person() {
    let t = people();
    let (mgr, dev1, lead) = (agent(&t, "mgr"), agent(&t, "dev1"), agent(&t, "lead"));
    let task = approval_task(&mgr, "ship the release");
    assert!(task.approval);
    let completed = work_on(&dev1, &task);
    assert_eq!(completed.status, TaskStatus::Review);
    assert_eq!(
        mgr.get_task(&task.id).unwrap().task.status,
        TaskStatus::Review
    );
    // No agent finishes it by hand: not its worker, a manager, a reviewer, nor tier 0.
    for who in ["dev1", "mgr", "rev", "admin"] {
        let a = agent(&t, who);
        assert_eq!(
            kind(a.move_task(&task.id, TaskStatus::Done)),
            ErrorKind::PermissionDenied,
            "{who} moved it"
        );
        assert_eq!(
            kind(a.approve_task(&task.id)),
            ErrorKind::PermissionDenied,
            "{who} approved it"
        );
    }
    let approved = lead.approve_task(&task.id).unwrap();
    assert_eq!(approved.status, TaskStatus::Done);
    let last = mgr.task_history(&task.id, 1).unwrap().pop().unwrap();
    assert_eq!(
        (last.from, last.to, last.actor.as_deref()),
        (Some(TaskStatus::Review), TaskStatus::Done, Some("lead"))
    );
    // Answered once: it no longer waits.
    assert_eq!(kind(lead.approve_task(&task.id)), ErrorKind::InvalidInput);
    // A task without approval is done at once and is no person's to approve.
    let plain = mgr.create_task(&NewTask::new("plain")).unwrap();
    assert_eq!(work_on(&dev1, &plain).status, TaskStatus::Done);
    assert_eq!(kind(lead.approve_task(&plain.id)), ErrorKind::InvalidInput);
}

#[test]
fn a_rejected_task_goes_back_to_its_worker_with_the_reason() {
    let t = people();
    let (mgr, dev1, dev2, lead) = (
        agent(&t, "mgr"),
        agent(&t, "dev1"),
        agent(&t, "dev2"),
        agent(&t, "lead"),
    );
    let task = approval_task(&mgr, "migrate the schema");
    work_on(&dev1, &task);
    let since = dev1.latest_change().unwrap();
    assert_eq!(
        kind(lead.reject_task(&task.id, "   ")),
        ErrorKind::InvalidInput
    );
    let rejected = lead
        .reject_task(&task.id, "the down migration is missing")
        .unwrap();
    assert_eq!(
        (rejected.status, rejected.assigned_to.as_deref()),
        (TaskStatus::Todo, Some("dev1"))
    );
    let detail = mgr.get_task(&task.id).unwrap();
    assert!(detail
        .comments
        .iter()
        .any(|c| c.agent_id == "lead" && c.content.contains("the down migration is missing")));
    // Addressed to its worker.
    let heard = dev1.changes(since, 100).unwrap();
    assert!(
        heard.iter().any(|c| c.event == "task_rejected"
            && c.subject.as_deref() == Some(task.id.as_str())
            && c.agent_id.as_deref() == Some("dev1")),
        "{heard:?}"
    );
    // Only that worker claims it again.
    assert!(dev2.ready_tasks().unwrap().iter().all(|t| t.id != task.id));
    assert_eq!(
        kind(dev2.claim_task(Some(&task.id), 900)),
        ErrorKind::AlreadyClaimed
    );
    let again = dev1.claim_task(None, 900).unwrap().unwrap();
    assert_eq!(again.task.id, task.id);
}

#[test]
fn the_operator_approves_in_any_group_and_agents_of_other_groups_cannot() {
    let t = people();
    let (mgr2, ext) = (agent(&t, "mgr2"), agent(&t, "ext"));
    let task = approval_task(&mgr2, "other group's release");
    work_on(&ext, &task);
    // An agent of core cannot even name it; ext, its worker, is no person.
    assert_eq!(
        kind(agent(&t, "mgr").approve_task(&task.id)),
        ErrorKind::NotFound
    );
    assert_eq!(
        kind(ext.approve_task(&task.id)),
        ErrorKind::PermissionDenied
    );
    let op = t.store.as_operator();
    let rejected = op.reject_task(&task.id, "not yet").unwrap();
    assert_eq!(rejected.status, TaskStatus::Todo);
    work_on(&ext, &task);
    assert_eq!(op.approve_task(&task.id).unwrap().status, TaskStatus::Done);
    // The person of group core spans groups, as tier 0 does.
    let second = approval_task(&mgr2, "second");
    work_on(&ext, &second);
    assert_eq!(
        agent(&t, "lead").approve_task(&second.id).unwrap().status,
        TaskStatus::Done
    );
}

#[test]
fn waiting_on_people_lists_approvals_proposals_messages_and_dead_letters() {
    let t = people();
    let (mgr, dev1, lead) = (agent(&t, "mgr"), agent(&t, "dev1"), agent(&t, "lead"));
    let task = approval_task(&mgr, "needs a yes");
    work_on(&dev1, &task);
    let offered = mgr.create_task(&NewTask::new("offered")).unwrap();
    let proposal = mgr.propose_task(&offered.id, "ext").unwrap();
    let question = dev1
        .send_asking("lead", "may I deploy?", &asking(Importance::High))
        .unwrap();
    let answered = dev1.send("lead", "fyi").unwrap();
    lead.reply(&answered.id, "thanks").unwrap();
    t.age_heartbeat("dev2", 10_000);
    assert_eq!(
        kind(mgr.send("dev2", "lost")),
        ErrorKind::RecipientUnavailable
    );
    let expected = [
        (WaitingKind::Approval, task.id.clone()),
        (WaitingKind::Proposal, proposal.id.clone()),
        (WaitingKind::Message, question.id.clone()),
    ];
    for who in [t.store.as_operator(), lead.clone()] {
        let waiting = who.waiting_on_people(50).unwrap();
        let got: Vec<(WaitingKind, String)> = waiting
            .iter()
            .filter(|w| w.kind != WaitingKind::DeadLetter)
            .map(|w| (w.kind, w.id.clone()))
            .collect();
        assert_eq!(got, expected, "{}", who.id());
        let letter = waiting.last().unwrap();
        assert_eq!(
            (letter.kind, letter.text.as_str(), letter.to.as_deref()),
            (WaitingKind::DeadLetter, "lost", Some("dev2"))
        );
        let message = &waiting[2];
        assert_eq!(
            (message.detail.as_deref(), message.from.as_deref()),
            (Some("high"), Some("dev1"))
        );
        assert_eq!(waiting[1].task_id.as_deref(), Some(offered.id.as_str()));
    }
    // Narrowed to group other: only what concerns it (the proposal to ext).
    let other = t
        .store
        .as_operator()
        .within("other")
        .waiting_on_people(50)
        .unwrap();
    assert_eq!(
        other.iter().map(|w| w.kind).collect::<Vec<_>>(),
        [WaitingKind::Proposal]
    );
    // Answering takes things off the list.
    lead.approve_task(&task.id).unwrap();
    lead.ack(&question.id, "phone").unwrap();
    let left: Vec<WaitingKind> = lead
        .waiting_on_people(50)
        .unwrap()
        .iter()
        .map(|w| w.kind)
        .collect();
    assert_eq!(left, [WaitingKind::Proposal, WaitingKind::DeadLetter]);
    // Agents are no people: refused, whatever their tier.
    for who in ["admin", "mgr", "dev1", "ext"] {
        assert_eq!(
            kind(agent(&t, who).waiting_on_people(50)),
            ErrorKind::PermissionDenied,
            "{who}"
        );
    }
}

#[test]
fn approval_is_set_by_update_and_travels_through_tasks_toml() {
    let t = people();
    let mgr = agent(&t, "mgr");
    let task = mgr.create_task(&NewTask::new("later approved")).unwrap();
    assert!(!task.approval);
    let change = TaskUpdate {
        approval: Some(true),
        ..TaskUpdate::default()
    };
    let updated = mgr.update_task(&task.id, task.version, &change).unwrap();
    assert!(updated.approval);
    // require_approval says the same on its own, as a change of the task.
    let cleared = mgr.require_approval(&task.id, false).unwrap();
    assert!(!cleared.approval && cleared.version == updated.version + 1);
    assert_eq!(
        kind(agent(&t, "dev1").require_approval(&task.id, true)),
        ErrorKind::PermissionDenied
    );
    let updated = mgr.require_approval(&task.id, true).unwrap();
    assert!(updated.approval);
    let toml = mgr.export_tasks().unwrap();
    assert!(toml.contains("approval = true"), "{toml}");
    // Into another group: the task comes with its approval.
    let mgr2 = agent(&t, "mgr2");
    let renamed = toml.replace(&task.id, "imported-1");
    let report = mgr2.import_tasks(&renamed).unwrap();
    assert_eq!(report.created, ["imported-1"]);
    assert!(mgr2.get_task("imported-1").unwrap().task.approval);
    // Importing the same again changes nothing; a file that leaves approval out keeps it.
    assert_eq!(
        mgr2.import_tasks(&renamed).unwrap().unchanged,
        ["imported-1"]
    );
    let silent = renamed.replace("approval = true\n", "");
    assert_eq!(
        mgr2.import_tasks(&silent).unwrap().unchanged,
        ["imported-1"]
    );
    let off = renamed.replace("approval = true", "approval = false");
    assert_eq!(mgr2.import_tasks(&off).unwrap().updated, ["imported-1"]);
    assert!(!mgr2.get_task("imported-1").unwrap().task.approval);
}
