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
