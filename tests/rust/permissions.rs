//! SPEC §2.1 through the public API: agents cannot escalate, groups are a boundary for ids and
//! prefixes as for lists, the review channels belong to the system, dependencies gate every
//! route, leases are honoured to the millisecond, and reads never wait on the write lock.
mod common;

use std::sync::mpsc;
use std::time::Duration;

use agor_core::{
    AgentStatus, Completion, ErrorKind, NewAgent, NewTask, Store, TaskFilter, TaskStatus,
    REVIEW_LOG, REVIEW_QUEUE,
};

fn kind<T: std::fmt::Debug>(r: agor_core::Result<T>) -> ErrorKind {
    r.unwrap_err().kind()
}

fn agent(id: &str, role: &str, group: &str) -> NewAgent {
    NewAgent::new(id, id, role, group)
}

/// `common::team()` plus a second group "other" with its own manager (mgr2) and worker (ext).
fn two_groups() -> common::Team {
    let t = common::team();
    t.store
        .register_agent(&agent("mgr2", "manager", "other"))
        .unwrap();
    t.store.allow("mgr2", "ext", true).unwrap();
    t
}

#[test]
fn an_agent_cannot_raise_its_own_rank_or_grant_itself_contacts() {
    let t = common::team();
    let dev1 = t.store.as_agent("dev1").unwrap();
    let mut admin_me = agent("dev1", "admin", "core");
    assert_eq!(
        kind(dev1.register_agent(&admin_me)),
        ErrorKind::PermissionDenied
    );
    admin_me.role = "project".into();
    admin_me.tier = Some(0);
    assert_eq!(
        kind(dev1.register_agent(&admin_me)),
        ErrorKind::PermissionDenied
    );
    assert_eq!(
        kind(dev1.register_agent(&agent("dev1", "project", "other"))),
        ErrorKind::PermissionDenied
    );
    // Re-registering itself unchanged (a new display name or model) is fine.
    let mut same = NewAgent::new("dev1", "Dev One", "project", "core");
    same.model = Some("m-2".into());
    assert_eq!(dev1.register_agent(&same).unwrap().name, "Dev One");
    assert_eq!(
        kind(dev1.allow("dev1", "arch", true)),
        ErrorKind::PermissionDenied
    );
    assert_eq!(
        kind(dev1.allow("arch", "dev2", false)),
        ErrorKind::PermissionDenied
    );
    let me = t.store.get_agent("dev1").unwrap();
    assert_eq!((me.role.as_str(), me.tier), ("project", 2));
}

#[test]
fn a_manager_creates_roles_below_it_in_its_group_and_is_audited_as_the_caller() {
    let t = two_groups();
    let mgr = t.store.as_agent("mgr").unwrap();
    mgr.register_agent(&agent("dev3", "project", "core"))
        .unwrap();
    mgr.register_agent(&agent("scribe", "scribe", "core"))
        .unwrap();
    for role in ["admin", "manager", "reviewer", "architect", "tester"] {
        assert_eq!(
            kind(mgr.register_agent(&agent("up", role, "core"))),
            ErrorKind::PermissionDenied,
            "{role}"
        );
    }
    assert_eq!(
        kind(mgr.register_agent(&agent("far", "project", "other"))),
        ErrorKind::PermissionDenied
    );
    // Not a peer's demotion, nor a change to an agent of another group.
    t.store
        .register_agent(&agent("mgr-b", "manager", "core"))
        .unwrap();
    assert_eq!(
        kind(mgr.register_agent(&agent("mgr-b", "project", "core"))),
        ErrorKind::PermissionDenied
    );
    // Another group's id answers like any id it may not take (issue 19 item 14).
    assert_eq!(
        kind(mgr.register_agent(&agent("ext", "project", "core"))),
        ErrorKind::InvalidInput
    );
    assert_eq!(t.store.get_agent("ext").unwrap().group_id, "other");
    assert_eq!(t.store.get_agent("mgr-b").unwrap().role, "manager");
    // Contacts inside its group, never to itself, never across groups.
    mgr.allow("dev3", "dev1", true).unwrap();
    assert_eq!(
        kind(mgr.allow("mgr", "dev3", false)),
        ErrorKind::PermissionDenied
    );
    assert_eq!(kind(mgr.allow("dev3", "ext", false)), ErrorKind::NotFound);
    let newest = &t.store.audit_log(Some("mgr"), 10).unwrap();
    assert!(newest
        .iter()
        .any(|e| e.event_type == "agent_registered"
            && e.detail.as_deref().unwrap().starts_with("dev3 ")));
    assert!(newest.iter().any(|e| e.event_type == "contact_allowed"));
    // Tier 0 may do all of it, across groups.
    let admin = t.store.as_agent("admin").unwrap();
    admin
        .register_agent(&agent("mgr3", "manager", "third"))
        .unwrap();
    admin.allow("dev1", "ext", false).unwrap();
}

#[test]
fn a_manager_of_another_group_cannot_reach_this_groups_objects_by_id_or_prefix() {
    let t = two_groups();
    let mgr = t.store.as_agent("mgr").unwrap();
    let mgr2 = t.store.as_agent("mgr2").unwrap();
    let msg = mgr.send("dev1", "core business").unwrap();
    let ch = mgr.create_channel("core-chat").unwrap();
    let task = mgr.create_task(&NewTask::new("core work")).unwrap();
    for id in [msg.id.as_str(), &msg.id[..8]] {
        assert_eq!(kind(mgr2.delete_message(id)), ErrorKind::NotFound, "{id}");
    }
    assert_eq!(
        kind(mgr2.set_status("dev1", AgentStatus::Stopped)),
        ErrorKind::NotFound
    );
    for name in [ch.name.as_str(), ch.id.as_str(), &ch.id[..8]] {
        assert_eq!(
            kind(mgr2.add_member(name, "mgr2")),
            ErrorKind::NotFound,
            "{name}"
        );
        assert_eq!(kind(mgr2.post(name, "hi")), ErrorKind::NotFound, "{name}");
        assert_eq!(
            kind(mgr2.channel_history(name, 10)),
            ErrorKind::NotFound,
            "{name}"
        );
    }
    for id in [task.id.as_str(), &task.id[..8]] {
        assert_eq!(kind(mgr2.assign_task(id, "ext")), ErrorKind::NotFound);
        assert_eq!(
            kind(mgr2.set_task_status(id, TaskStatus::Cancelled, task.version)),
            ErrorKind::NotFound
        );
        assert_eq!(
            kind(mgr2.move_task(id, TaskStatus::Cancelled)),
            ErrorKind::NotFound
        );
        assert_eq!(kind(mgr2.delete_task(id)), ErrorKind::NotFound);
        assert_eq!(kind(mgr2.get_task(id)), ErrorKind::NotFound);
    }
    // Nothing changed.
    assert_eq!(mgr.read(&msg.id).unwrap().content, "core business");
    assert_eq!(
        mgr.get_task(&task.id).unwrap().task.status,
        TaskStatus::Todo
    );
    assert_eq!(t.store.get_agent("dev1").unwrap().status, "active");
    // Its own group is unaffected by the boundary.
    mgr2.set_status("ext", AgentStatus::Sleeping).unwrap();
}

#[test]
fn a_project_agent_cannot_touch_another_groups_task_by_naming_it() {
    let t = two_groups();
    let task = t
        .store
        .as_agent("mgr")
        .unwrap()
        .create_task(&NewTask::new("core only"))
        .unwrap();
    let ext = t.store.as_agent("ext").unwrap();
    for id in [task.id.as_str(), &task.id[..6]] {
        assert_eq!(kind(ext.get_task(id)), ErrorKind::NotFound);
        assert_eq!(kind(ext.comment(id, "mine now")), ErrorKind::NotFound);
        assert_eq!(kind(ext.claim_task(Some(id), 60)), ErrorKind::NotFound);
        assert_eq!(kind(ext.dependencies(id)), ErrorKind::NotFound);
    }
    assert!(ext.claim_task(None, 60).unwrap().is_none());
    assert!(ext.list_tasks(&TaskFilter::default()).unwrap().is_empty());
}

#[test]
fn dead_letters_stay_inside_the_group() {
    let t = two_groups();
    t.age_heartbeat("dev1", 3600);
    let mgr = t.store.as_agent("mgr").unwrap();
    assert_eq!(
        kind(mgr.send("dev1", "secret plans")),
        ErrorKind::RecipientUnavailable
    );
    let mgr2 = t.store.as_agent("mgr2").unwrap();
    assert!(mgr2.dead_letters().unwrap().is_empty());
    let id = mgr.dead_letters().unwrap()[0].id;
    assert_eq!(kind(mgr2.clear_dead_letters(Some(id))), ErrorKind::NotFound);
    assert_eq!(
        kind(mgr2.redeliver_dead_letters(Some(id))),
        ErrorKind::NotFound
    );
    assert_eq!(
        t.store
            .as_agent("admin")
            .unwrap()
            .dead_letters()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn the_review_channels_belong_to_the_system() {
    let t = common::team();
    let mgr = t.store.as_agent("mgr").unwrap();
    let x = mgr.create_task(&NewTask::new("look at me")).unwrap();
    let dev1 = t.store.as_agent("dev1").unwrap();
    let claim = dev1.claim_task(Some(&x.id), 60).unwrap().unwrap();
    let done = Completion {
        summary: "done".into(),
        ..Default::default()
    };
    dev1.complete_task(&x.id, &claim.token, &done, true)
        .unwrap();
    let queue = mgr.channel_history(REVIEW_QUEUE, 10).unwrap();
    assert_eq!(queue.len(), 1);
    let channels = mgr.list_channels().unwrap();
    assert!(channels
        .iter()
        .filter(|c| c.name == REVIEW_QUEUE || c.name == REVIEW_LOG)
        .all(|c| c.created_by.as_deref() == Some("agor")));
    // The agent that triggered them owns nothing there.
    assert_eq!(
        kind(dev1.add_member(REVIEW_LOG, "dev2")),
        ErrorKind::PermissionDenied
    );
    assert_eq!(
        kind(dev1.post(REVIEW_LOG, "approved!")),
        ErrorKind::PermissionDenied
    );
    assert_eq!(
        kind(mgr.create_channel(REVIEW_QUEUE)),
        ErrorKind::InvalidInput
    );
    // Managers add members; members post.
    mgr.add_member(REVIEW_LOG, "rev").unwrap();
    t.store
        .as_agent("rev")
        .unwrap()
        .post(REVIEW_LOG, "approved")
        .unwrap();
}

#[test]
fn dependencies_gate_every_route_into_work() {
    let t = common::team();
    let mgr = t.store.as_agent("mgr").unwrap();
    let design = mgr.create_task(&NewTask::new("design")).unwrap();
    let build = mgr.create_task(&NewTask::new("build")).unwrap();
    // Claimed before the dependency existed: completion is still refused until design is done.
    let dev1 = t.store.as_agent("dev1").unwrap();
    let claim = dev1.claim_task(Some(&build.id), 60).unwrap().unwrap();
    mgr.add_dependency(&build.id, &design.id).unwrap();
    let done = Completion {
        summary: "built".into(),
        ..Default::default()
    };
    for review in [false, true] {
        assert_eq!(
            kind(dev1.complete_task(&build.id, &claim.token, &done, review)),
            ErrorKind::InvalidInput
        );
    }
    dev1.release_task(&build.id, &claim.token).unwrap();
    for to in [TaskStatus::InProgress, TaskStatus::Review, TaskStatus::Done] {
        let err = mgr.move_task(&build.id, to).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{to}: {err}");
    }
    let v = mgr.get_task(&build.id).unwrap().task.version;
    assert_eq!(
        kind(mgr.set_task_status(&build.id, TaskStatus::InProgress, v)),
        ErrorKind::InvalidInput
    );
    // Once design is done, every route opens.
    mgr.move_task(&design.id, TaskStatus::InProgress).unwrap();
    mgr.move_task(&design.id, TaskStatus::Done).unwrap();
    mgr.move_task(&build.id, TaskStatus::InProgress).unwrap();
}

#[test]
fn move_task_changes_status_at_the_current_version_in_one_step() {
    let t = common::team();
    let mgr = t.store.as_agent("mgr").unwrap();
    let x = mgr.create_task(&NewTask::new("x")).unwrap();
    mgr.comment(&x.id, "bump nothing").unwrap();
    let moved = mgr.move_task(&x.id[..8], TaskStatus::Blocked).unwrap();
    assert_eq!(
        (moved.status, moved.version),
        (TaskStatus::Blocked, x.version + 1)
    );
    assert_eq!(
        kind(mgr.move_task(&x.id, TaskStatus::Review)),
        ErrorKind::InvalidInput
    );
    assert_eq!(
        kind(
            t.store
                .as_agent("arch")
                .unwrap()
                .move_task(&x.id, TaskStatus::Todo)
        ),
        ErrorKind::PermissionDenied
    );
}

#[test]
fn agor_stores_the_legacy_spelling_of_in_progress() {
    let t = common::team();
    let mgr = t.store.as_agent("mgr").unwrap();
    let x = mgr.create_task(&NewTask::new("x")).unwrap();
    let stored = |t: &common::Team| -> String {
        t.text(&format!("SELECT status FROM tasks WHERE id = '{}'", x.id))
    };
    let claim = t
        .store
        .as_agent("dev1")
        .unwrap()
        .claim_task(None, 60)
        .unwrap()
        .unwrap();
    assert_eq!(claim.task.status, TaskStatus::InProgress);
    assert_eq!(stored(&t), "progress");
    t.store
        .as_agent("dev1")
        .unwrap()
        .release_task(&x.id, &claim.token)
        .unwrap();
    mgr.move_task(&x.id, TaskStatus::InProgress).unwrap();
    assert_eq!(stored(&t), "progress");
    let listed = mgr
        .list_tasks(&TaskFilter {
            status: Some(TaskStatus::InProgress),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(listed.len(), 1);
}

#[test]
fn leases_are_honoured_to_the_millisecond() {
    let (t, clock) = common::team_timed();
    let mgr = t.store.as_agent("mgr").unwrap();
    mgr.create_task(&NewTask::new("x")).unwrap();
    let dev1 = t.store.as_agent("dev1").unwrap();
    let claim = dev1.claim_task(None, 1).unwrap().unwrap();
    assert_eq!(claim.expires_at_ms - 1000, agor_core::Clock::now_ms(&clock));
    clock.advance(Duration::from_millis(999));
    let renewed = dev1.renew_lease(&claim.task.id, &claim.token, 1).unwrap();
    clock.advance(Duration::from_millis(999));
    assert_eq!(
        dev1.get_task(&claim.task.id)
            .unwrap()
            .task
            .assigned_to
            .as_deref(),
        Some("dev1")
    );
    clock.advance(Duration::from_millis(1));
    assert_eq!(
        kind(dev1.renew_lease(&claim.task.id, &renewed.token, 1)),
        ErrorKind::Lease
    );
    assert_eq!(
        dev1.get_task(&claim.task.id).unwrap().task.status,
        TaskStatus::Todo
    );
}

#[test]
fn a_read_never_waits_for_the_write_lock_to_reopen_lapsed_leases() {
    let dir = tempfile::tempdir().unwrap();
    let path = common::new_location(&dir);
    let clock = agor_core::ManualClock::new();
    let store = Store::builder()
        .path(&path)
        .busy_timeout(Duration::from_secs(120))
        .clock(std::sync::Arc::new(clock.clone()))
        .open()
        .unwrap();
    store.register_agent(&agent("mgr", "manager", "g")).unwrap();
    store.register_agent(&agent("dev", "project", "g")).unwrap();
    let mgr = store.as_agent("mgr").unwrap();
    mgr.create_task(&NewTask::new("x")).unwrap();
    store.as_agent("dev").unwrap().claim_task(None, 60).unwrap();
    clock.advance(Duration::from_secs(61));
    // Another connection (as another process would) holds the write lock.
    let other = common::hold_write_lock(&path);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let listed = mgr.list_tasks(&TaskFilter::default()).map(|v| v.len());
        let _ = tx.send(listed);
    });
    // Were the read to wait for the lock, it would take the 120 s busy timeout.
    let got = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the read waited for the write lock");
    assert_eq!(got.unwrap(), 1);
    drop(other);
}

/// Two groups with a little of everything: a task each (with "parser" in the title), a DM in
/// each, usage in each. Returns the team and the two task ids (core's, other's).
fn busy_two_groups() -> (common::Team, String, String) {
    let t = two_groups();
    let mgr = t.store.as_agent("mgr").unwrap();
    let mgr2 = t.store.as_agent("mgr2").unwrap();
    let core = mgr
        .create_task(&NewTask::new("fix the parser in core"))
        .unwrap();
    let other = mgr2
        .create_task(&NewTask::new("port the parser to other"))
        .unwrap();
    mgr.send("dev1", "parser notes for core").unwrap();
    mgr2.send("ext", "parser notes for other").unwrap();
    let dev1 = t.store.as_agent("dev1").unwrap();
    dev1.record_usage(10, 20, 0.5, "m", None).unwrap();
    let ext = t.store.as_agent("ext").unwrap();
    ext.record_usage(1, 2, 0.25, "m", None).unwrap();
    (t, core.id, other.id)
}

/// Issue 21 item 1: the operator (no agent identity) reads the board, lists, lanes, change
/// feed, waits, search, usage and audit log of every group, or of the one it names.
#[test]
fn the_operator_reads_every_group_or_the_one_it_names() {
    use agor_core::UsageBy;
    let (t, core_task, other_task) = busy_two_groups();
    let s = &t.store;
    let ids = |cols: Vec<(TaskStatus, Vec<agor_core::Task>)>| -> Vec<String> {
        cols.into_iter()
            .flat_map(|(_, ts)| ts.into_iter().map(|t| t.id))
            .collect()
    };
    let all = ids(s.board(None).unwrap());
    assert!(all.contains(&core_task) && all.contains(&other_task));
    assert_eq!(
        ids(s.board(Some("other")).unwrap()),
        vec![other_task.clone()]
    );
    let listed = s.list_tasks(&TaskFilter::default(), Some("core")).unwrap();
    assert_eq!(
        listed.iter().map(|t| &t.id).collect::<Vec<_>>(),
        vec![&core_task]
    );

    let groups = |changes: &[agor_core::Change]| -> std::collections::BTreeSet<String> {
        changes.iter().filter_map(|c| c.group_id.clone()).collect()
    };
    let feed = s.changes(0, 1000, None).unwrap();
    assert!(groups(&feed).contains("core") && groups(&feed).contains("other"));
    let other_feed = s.changes(0, 1000, Some("other")).unwrap();
    assert!(!other_feed.is_empty());
    assert_eq!(groups(&other_feed), ["other".to_owned()].into());
    // A wait from the start returns at once what is there, of the named group only.
    let waited = s
        .wait(&[], Some(0), Some(Duration::ZERO), Some("other"))
        .unwrap();
    assert!(!waited.is_empty());
    assert_eq!(groups(&waited), ["other".to_owned()].into());

    let hits = s.search("parser", &[], 50, None).unwrap();
    let hit_ids: Vec<&str> = hits.iter().map(|h| h.id.as_str()).collect();
    assert!(hit_ids.contains(&core_task.as_str()) && hit_ids.contains(&other_task.as_str()));
    assert_eq!(hits.len(), 4, "two tasks and two messages: {hits:?}");
    let core_hits = s.search("parser", &[], 50, Some("core")).unwrap();
    assert_eq!(core_hits.len(), 2, "{core_hits:?}");
    assert!(core_hits.iter().all(|h| h.id != other_task));

    let by_group = s.usage_summary(UsageBy::Group, None).unwrap();
    assert_eq!(by_group.len(), 2);
    let other_usage = s.usage_summary(UsageBy::Agent, Some("other")).unwrap();
    assert_eq!(other_usage.len(), 1);
    assert_eq!(other_usage[0].key.as_deref(), Some("ext"));

    let audit = s.audit_log_within(Some("other"), None, 100).unwrap();
    assert!(!audit.is_empty());
    assert!(audit
        .iter()
        .all(|r| matches!(r.agent_id.as_deref(), Some("mgr2" | "ext"))));
    assert!(s.audit_log(None, 100).unwrap().len() > audit.len());

    // Lanes: any agent's, in any group.
    t.store
        .as_agent("mgr2")
        .unwrap()
        .assign_task(&other_task, "ext")
        .unwrap();
    let lane = s.lane("ext").unwrap();
    assert_eq!(lane.len(), 1);
    assert_eq!(lane[0].id, other_task);

    // The same through the catalogue, as C's agor_call with a NULL actor and Python run it.
    use agor_core::ops::call_json;
    let board: serde_json::Value = serde_json::from_str(
        &call_json(&s.as_operator(), r#"{"op": "board", "group": "other"}"#).unwrap(),
    )
    .unwrap();
    let n: usize = board
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["tasks"].as_array().unwrap().len())
        .sum();
    assert_eq!(n, 1);
    for op in [
        r#"{"op": "changes"}"#,
        r#"{"op": "search", "query": "parser", "group": "core"}"#,
        r#"{"op": "usage_summary"}"#,
        r#"{"op": "audit_log", "group": "core"}"#,
        r#"{"op": "list_tasks"}"#,
        r#"{"op": "latest_change"}"#,
        r#"{"op": "lane", "agent_id": "ext"}"#,
    ] {
        call_json(&s.as_operator(), op).unwrap_or_else(|e| panic!("{op}: {e}"));
    }
    // The operator has no lane, inbox or claim of its own: the error says what to give.
    let err = call_json(&s.as_operator(), r#"{"op": "lane"}"#).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("BTMSG_AGENT_ID"), "{err}");
    let err = call_json(&s.as_operator(), r#"{"op": "claim_task"}"#).unwrap_err();
    assert!(err.to_string().contains("BTMSG_AGENT_ID"), "{err}");
}

/// Issue 21 item 1: an agent narrows its reads to a group it may see (tier 0: any); naming
/// another group is refused by the permission function.
#[test]
fn agents_narrow_their_reads_only_to_groups_they_may_see() {
    let (t, core_task, other_task) = busy_two_groups();
    let dev1 = t.store.as_agent("dev1").unwrap();
    assert_eq!(
        kind(dev1.within("other").board()),
        ErrorKind::PermissionDenied
    );
    assert_eq!(
        kind(dev1.within("other").changes(0, 10)),
        ErrorKind::PermissionDenied
    );
    assert_eq!(
        kind(dev1.within("other").search("parser", &[], 10)),
        ErrorKind::PermissionDenied
    );
    // Its own group is no narrowing at all.
    assert_eq!(
        dev1.within("core")
            .list_tasks(&TaskFilter::default())
            .unwrap()[0]
            .id,
        core_task
    );
    let admin = t.store.as_agent("admin").unwrap().within("other");
    let tasks = admin.list_tasks(&TaskFilter::default()).unwrap();
    assert_eq!(
        tasks.iter().map(|t| &t.id).collect::<Vec<_>>(),
        vec![&other_task]
    );
    assert!(admin
        .changes(0, 1000)
        .unwrap()
        .iter()
        .all(|c| c.group_id.as_deref() == Some("other")));
    // The audit log needs can_view_logs: a project agent is refused, a manager sees its group's.
    assert_eq!(kind(dev1.audit_log(None, 10)), ErrorKind::PermissionDenied);
    let mgr2 = t.store.as_agent("mgr2").unwrap();
    assert!(mgr2
        .audit_log(None, 100)
        .unwrap()
        .iter()
        .all(|r| matches!(r.agent_id.as_deref(), Some("mgr2" | "ext"))));
    assert_eq!(
        kind(mgr2.within("core").audit_log(None, 10)),
        ErrorKind::PermissionDenied
    );
}

/// Issue 21 item 1: a person on the team is an agent of the built-in role `human`: tier 0 by
/// default, messaged like anyone, sees every group and reads the audit log, claims no work.
#[test]
fn a_person_reads_everything_is_messaged_and_claims_no_work() {
    let (t, core_task, other_task) = busy_two_groups();
    let lead = t
        .store
        .register_agent(&agent("lead", "human", "core"))
        .unwrap();
    assert_eq!((lead.role.as_str(), lead.tier), ("human", 0));
    // Agents message it like anyone (through a contact, as the ACL wants).
    t.store.allow("dev1", "lead", false).unwrap();
    let dev1 = t.store.as_agent("dev1").unwrap();
    dev1.send("lead", "review my parser please").unwrap();
    let lead = t.store.as_agent("lead").unwrap();
    assert_eq!(lead.inbox(false, None).unwrap().len(), 1);
    // It answers anyone, in any group (tier 0 bypasses the ACL).
    lead.send("ext", "hello from the lead").unwrap();
    // It sees every group, and reads the audit log.
    let listed = lead
        .list_tasks(&TaskFilter::default())
        .unwrap()
        .into_iter()
        .map(|t| t.id)
        .collect::<Vec<_>>();
    assert!(listed.contains(&core_task) && listed.contains(&other_task));
    assert!(!lead.audit_log(None, 10).unwrap().is_empty());
    // It claims no work, creates no tasks, registers nobody; it moves cards on the board
    // (SPEC §13's page), which claims nothing.
    lead.move_task(&core_task, TaskStatus::Cancelled).unwrap();
    for err in [
        lead.claim_task(None, 60).map(|_| ()).unwrap_err(),
        lead.claim_task(Some(&core_task), 60)
            .map(|_| ())
            .unwrap_err(),
        lead.create_task(&NewTask::new("t"))
            .map(|_| ())
            .unwrap_err(),
        lead.register_agent(&agent("x", "project", "core"))
            .map(|_| ())
            .unwrap_err(),
    ] {
        assert_eq!(err.kind(), ErrorKind::PermissionDenied, "{err}");
    }
    // A manager cannot make a person (tier 0 is above it), in its group or another.
    let mgr = t.store.as_agent("mgr").unwrap();
    assert_eq!(
        kind(mgr.register_agent(&agent("p2", "human", "core"))),
        ErrorKind::PermissionDenied
    );
    let mgr2 = t.store.as_agent("mgr2").unwrap();
    assert_eq!(
        kind(mgr2.register_agent(&agent("p3", "human", "other"))),
        ErrorKind::PermissionDenied
    );
}

/// Usage over time (issue 23's charts): sums per hour or day and per model, agent or task, of
/// the caller's group only (the operator and tier 0: every group, or the one named), from
/// `since` on; the same through the catalogue.
#[test]
fn usage_series_sums_per_bucket_and_key_within_the_group() {
    use agor_core::{UsageBucket, UsageBy, UsagePoint};
    let (t, clock) = common::team_timed();
    // 2026-12-06 23:30:00 UTC: the next hour is the next day.
    clock.set_ms(1_796_599_800_000);
    let dev1 = t.store.as_agent("dev1").unwrap();
    let dev2 = t.store.as_agent("dev2").unwrap();
    let ext = t.store.as_agent("ext").unwrap();
    dev1.record_usage(100, 10, 0.25, "opus", None).unwrap();
    dev2.record_usage(200, 20, 0.5, "opus", None).unwrap();
    dev1.record_usage(1, 2, 0.125, "haiku", None).unwrap();
    ext.record_usage(7, 7, 9.0, "opus", None).unwrap();
    clock.advance(Duration::from_secs(3600));
    dev1.record_usage(1000, 100, 1.0, "opus", None).unwrap();

    let point = |p: &UsagePoint| {
        (
            p.bucket_start.clone(),
            p.key.clone().unwrap(),
            p.input_tokens,
            p.output_tokens,
            p.cost_usd,
            p.requests,
        )
    };
    let hourly = dev1
        .usage_series(UsageBy::Model, UsageBucket::Hour, None)
        .unwrap();
    assert_eq!(
        hourly.iter().map(point).collect::<Vec<_>>(),
        vec![
            (
                "2026-12-06 23:00:00".into(),
                "opus".into(),
                300,
                30,
                0.75,
                2
            ),
            ("2026-12-06 23:00:00".into(), "haiku".into(), 1, 2, 0.125, 1),
            (
                "2026-12-07 00:00:00".into(),
                "opus".into(),
                1000,
                100,
                1.0,
                1
            ),
        ],
        "other's 9 dollars stay out of core's series"
    );
    let daily = dev1
        .usage_series(UsageBy::Agent, UsageBucket::Day, None)
        .unwrap();
    assert_eq!(
        daily
            .iter()
            .map(|p| (
                p.bucket_start.as_str(),
                p.key.as_deref().unwrap(),
                p.cost_usd
            ))
            .collect::<Vec<_>>(),
        vec![
            ("2026-12-06 00:00:00", "dev2", 0.5),
            ("2026-12-06 00:00:00", "dev1", 0.375),
            ("2026-12-07 00:00:00", "dev1", 1.0),
        ]
    );
    let since = dev1
        .usage_series(UsageBy::Model, UsageBucket::Day, Some("2026-12-07"))
        .unwrap();
    assert_eq!(since.len(), 1);
    assert_eq!(since[0].input_tokens, 1000);
    let err = dev1
        .usage_series(UsageBy::Model, UsageBucket::Day, Some("last week"))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);

    // Per model in all, beside the series.
    let models = dev1.usage_summary(UsageBy::Model).unwrap();
    assert_eq!(
        models
            .iter()
            .map(|s| (s.key.as_deref().unwrap(), s.input_tokens, s.requests))
            .collect::<Vec<_>>(),
        vec![("opus", 1300, 3), ("haiku", 1, 1)]
    );

    // The operator and tier 0 read every group, or the one named.
    let all = t
        .store
        .as_operator()
        .usage_series(UsageBy::Group, UsageBucket::Day, None)
        .unwrap();
    assert_eq!(
        all.iter()
            .map(|p| (p.bucket_start.as_str(), p.key.as_deref().unwrap()))
            .collect::<Vec<_>>(),
        vec![
            ("2026-12-06 00:00:00", "other"),
            ("2026-12-06 00:00:00", "core"),
            ("2026-12-07 00:00:00", "core"),
        ]
    );
    let admin = t.store.as_agent("admin").unwrap();
    let other = admin
        .within("other")
        .usage_series(UsageBy::Model, UsageBucket::Hour, None)
        .unwrap();
    assert_eq!(
        other.iter().map(point).collect::<Vec<_>>(),
        vec![("2026-12-06 23:00:00".into(), "opus".into(), 7, 7, 9.0, 1)]
    );

    // The catalogue: default by model, per day.
    let answer: serde_json::Value = serde_json::from_str(
        &agor_core::ops::call_json(&ext, r#"{"op": "usage_series"}"#).unwrap(),
    )
    .unwrap();
    assert_eq!(
        answer,
        serde_json::json!([{"bucket_start": "2026-12-06 00:00:00", "key": "opus",
            "input_tokens": 7, "output_tokens": 7, "cost_usd": 9.0, "requests": 1}])
    );
}
