//! Identity and the group boundary (issue 19): purged ids stay reserved, removed agents' secrets
//! stop authenticating, registering is no oracle for other groups, roles held elsewhere are not
//! redefined, a channel's last post shows only to whom may read it, and a file the desktop app
//! created (foreign keys to `agents`) takes every write agor makes in a principal's name.
//! Both engines, except the desktop file (SQLite only: PostgreSQL has no legacy files).

mod common;

use std::time::Duration;

use agor_core::{Completion, ErrorKind, NewAgent, NewTask, RoleDef, Store};

fn kind<T: std::fmt::Debug>(r: agor_core::Result<T>) -> ErrorKind {
    r.expect_err("expected an error").kind()
}

fn message<T: std::fmt::Debug>(r: agor_core::Result<T>) -> String {
    r.expect_err("expected an error").to_string()
}

/// The common team plus a manager of group "other" (where `ext` lives).
fn two_groups() -> common::Team {
    let t = common::team();
    t.store
        .register_agent(&NewAgent::new("omgr", "Other manager", "manager", "other"))
        .unwrap();
    t
}

fn purge(store: &Store, id: &str) {
    store.purge_agent(id, true).unwrap();
}

// issue 19 item 7: on 6c22b7e another group's manager registered a purged id again (and the
// newcomer inherited the old agent's mail); now the id is a tombstone, reserved for everyone.
#[test]
fn a_purged_id_stays_reserved_for_everyone() {
    let t = two_groups();
    let s = &t.store;
    s.as_agent("mgr")
        .unwrap()
        .send("dev2", "for dev2 only")
        .unwrap();
    purge(s, "dev2");
    let omgr = s.as_agent("omgr").unwrap();
    let again = omgr.register_agent(&NewAgent::new("dev2", "Newcomer", "project", "other"));
    assert_eq!(kind(again), ErrorKind::InvalidInput);
    // Reserved for the operator too: nothing of the old agent's can reach a newcomer.
    let by_operator = s.register_agent(&NewAgent::new("dev2", "Newcomer", "project", "core"));
    let text = message(by_operator);
    assert!(text.contains("purged"), "{text}");
    assert_eq!(kind(s.get_agent("dev2")), ErrorKind::NotFound);
    assert_eq!(kind(s.restore_agent("dev2")), ErrorKind::InvalidInput);
    // The names the audit log gives the principals are reserved as well.
    for name in ["operator", "agor"] {
        let taken = s.register_agent(&NewAgent::new(name, "Fake", "project", "core"));
        assert_eq!(kind(taken), ErrorKind::InvalidInput, "{name}");
    }
}

// issue 19 item 7: on 6c22b7e a removed agent's secret still authenticated.
#[test]
fn removed_and_purged_agents_secrets_stop_authenticating() {
    let t = common::team();
    let s = &t.store;
    let dev1 = s.issue_token("dev1").unwrap();
    let dev2 = s.issue_token("dev2").unwrap();
    assert_eq!(s.authenticate(&dev1).unwrap().id(), "dev1");
    s.remove_agent("dev1").unwrap();
    assert_eq!(kind(s.authenticate(&dev1)), ErrorKind::PermissionDenied);
    // Restored, it is the same agent again with the same secret.
    s.restore_agent("dev1").unwrap();
    assert_eq!(s.authenticate(&dev1).unwrap().id(), "dev1");
    purge(s, "dev2");
    assert_eq!(kind(s.authenticate(&dev2)), ErrorKind::PermissionDenied);
}

// issue 19 item 14: on 6c22b7e a manager's register_agent answered "outside its group"
// (PermissionDenied) for another group's id, "was removed" for a removed one and succeeded for
// a purged one; now all three answer exactly like any id it may not take.
#[test]
fn registering_answers_alike_for_ids_a_manager_may_not_take() {
    let t = two_groups();
    let s = &t.store;
    s.register_agent(&NewAgent::new("gone", "Gone", "project", "core"))
        .unwrap();
    s.register_agent(&NewAgent::new("away", "Away", "project", "core"))
        .unwrap();
    purge(s, "gone");
    s.remove_agent("away").unwrap();
    let omgr = s.as_agent("omgr").unwrap();
    let answer = |id: &str| {
        let e = omgr
            .register_agent(&NewAgent::new(id, "New", "project", "other"))
            .unwrap_err();
        (e.kind(), e.to_string().replace(id, "ID"))
    };
    let other_groups = answer("dev1");
    assert_eq!(other_groups.0, ErrorKind::InvalidInput);
    assert!(!other_groups.1.contains("core"), "{other_groups:?}");
    assert_eq!(answer("away"), other_groups, "a removed id");
    assert_eq!(answer("gone"), other_groups, "a purged id");
    assert_eq!(answer("operator"), other_groups, "a principal's name");
    // An agent that may not register at all learns nothing either: refused before the id.
    let ext = s.as_agent("ext").unwrap();
    for id in ["dev1", "free-id"] {
        let e = ext.register_agent(&NewAgent::new(id, "New", "project", "other"));
        assert_eq!(kind(e), ErrorKind::PermissionDenied, "{id}");
    }
    // A free id registers.
    omgr.register_agent(&NewAgent::new("free-id", "New", "project", "other"))
        .unwrap();
}

// issue 19 item 14: on 6c22b7e a tasks.toml import said an id "is taken by a task outside the
// group"; the answer now names nothing of the other group.
#[test]
fn importing_another_groups_task_id_names_nothing_of_that_group() {
    let t = two_groups();
    let task = t
        .store
        .as_agent("mgr")
        .unwrap()
        .create_task(&NewTask::new("Core's secret"))
        .unwrap();
    let file = format!("[[tasks]]\nid = \"{}\"\ntitle = \"Mine\"\n", task.id);
    let e = t
        .store
        .as_agent("omgr")
        .unwrap()
        .import_tasks(&file)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    let text = e.to_string();
    assert!(!text.contains("group") && !text.contains("core"), "{text}");
}

fn role(name: &str, tier: i64, permissions: &[&str], creates: &[&str]) -> RoleDef {
    RoleDef::from_words(
        name,
        tier,
        &["assign_work"],
        &[&["can_send_messages"], permissions].concat(),
        creates,
    )
    .unwrap()
}

// issue 19 item 8: on 6c22b7e a tier-1 holder of can_modify_roles redefined a role held only
// by another group's agents, and one held by its own peers.
#[test]
fn a_role_keeper_redefines_only_roles_held_below_it_in_its_group() {
    let t = two_groups();
    let s = &t.store;
    // A tier-1 role that may define roles, held in both groups.
    s.define_role(&role("keeper", 1, &["can_modify_roles"], &["*"]))
        .unwrap();
    s.register_agent(&NewAgent::new("k1", "Keeper", "keeper", "core"))
        .unwrap();
    s.register_agent(&NewAgent::new("k2", "Keeper", "keeper", "other"))
        .unwrap();
    for (name, holder, group, tier) in [
        ("scribe", "s-other", "other", None),
        ("helper", "h-core", "core", None),
        ("peer", "p-core", "core", Some(1)),
    ] {
        s.define_role(&role(name, 2, &[], &[])).unwrap();
        let mut a = NewAgent::new(holder, "Holder", name, group);
        a.tier = tier;
        s.register_agent(&a).unwrap();
    }
    let k1 = s.as_agent("k1").unwrap();
    let weaker = role("scribe", 2, &[], &[]);
    // Held only by another group's agents: refused, and the row is unchanged.
    let e = message(k1.define_role(&weaker));
    assert!(e.contains("other groups"), "{e}");
    // Held by a peer (a tier-1 agent of its own group): refused.
    let e = message(k1.define_role(&role("peer", 2, &[], &[])));
    assert!(e.contains("at or above"), "{e}");
    // Held only below it in its own group: allowed.
    k1.define_role(&role("helper", 2, &[], &[])).unwrap();
    // The same case from the other group: k2 may not touch core's helper.
    let k2 = s.as_agent("k2").unwrap();
    assert_eq!(
        kind(k2.define_role(&role("helper", 2, &["can_create_channels"], &[]))),
        ErrorKind::PermissionDenied
    );
    // Scribe is held only below k2 in k2's own group: k2 may.
    k2.define_role(&role("scribe", 2, &[], &[])).unwrap();
    // The operator redefines anything.
    s.define_role(&role("peer", 2, &["can_create_channels"], &[]))
        .unwrap();
    assert_eq!(
        kind(k1.define_role(&role("keeper", 2, &[], &[]))),
        ErrorKind::PermissionDenied
    );
}

// issue 19 item 17: on 6c22b7e `btmsg channels` showed the review queue's last notice to a
// developer and to the reviewer, who may not read the channel.
#[test]
fn a_channels_last_post_shows_only_to_whom_may_read_it() {
    let t = common::team();
    let s = &t.store;
    let mgr = s.as_agent("mgr").unwrap();
    let task = mgr.create_task(&NewTask::new("Review me")).unwrap();
    let dev1 = s.as_agent("dev1").unwrap();
    let claim = dev1.claim_task(Some(&task.id), 900).unwrap().unwrap();
    let done = Completion {
        summary: "done".into(),
        ..Default::default()
    };
    dev1.complete_task(&task.id, &claim.token, &done, true)
        .unwrap();
    let queue_post = |who: &str| {
        let list = s.as_agent(who).unwrap().list_channels().unwrap();
        let queue = list
            .iter()
            .find(|c| c.name == "review-queue")
            .expect("listed");
        queue.last_message.as_ref().map(|m| m.content.clone())
    };
    assert_eq!(queue_post("dev1"), None, "a developer is not a member");
    assert_eq!(queue_post("arch"), None, "nor an architect until added");
    // issue 21 item 3: the group's reviewers are members of its review channels.
    assert!(
        queue_post("rev").unwrap().contains("Review me"),
        "reviewers read it"
    );
    assert!(
        queue_post("mgr").unwrap().contains("Review me"),
        "managers read it"
    );
    assert!(queue_post("admin").is_some(), "tier 0 reads it");
    mgr.add_member("review-queue", "arch").unwrap();
    assert!(
        queue_post("arch").unwrap().contains("Review me"),
        "a member reads it"
    );
}

/// The desktop app's schema (DexterFromLab/agent-orchestrator `src-tauri/src/btmsg.rs`, with
/// `bttask.rs`'s `version` column), written from its column list: the foreign keys to
/// `agents(id)` and the NOT NULL columns are what matter here.
const DESKTOP_SCHEMA: &str = "
CREATE TABLE agents (id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL,
    group_id TEXT NOT NULL, tier INTEGER NOT NULL DEFAULT 2, model TEXT, cwd TEXT,
    system_prompt TEXT, status TEXT DEFAULT 'stopped', last_active_at TEXT,
    created_at TEXT DEFAULT (datetime('now')));
CREATE TABLE contacts (agent_id TEXT NOT NULL, contact_id TEXT NOT NULL,
    PRIMARY KEY (agent_id, contact_id),
    FOREIGN KEY (agent_id) REFERENCES agents(id), FOREIGN KEY (contact_id) REFERENCES agents(id));
CREATE TABLE messages (id TEXT PRIMARY KEY, from_agent TEXT NOT NULL, to_agent TEXT NOT NULL,
    content TEXT NOT NULL, read INTEGER DEFAULT 0, reply_to TEXT, group_id TEXT NOT NULL,
    sender_group_id TEXT, created_at TEXT DEFAULT (datetime('now')),
    FOREIGN KEY (from_agent) REFERENCES agents(id), FOREIGN KEY (to_agent) REFERENCES agents(id));
CREATE TABLE channels (id TEXT PRIMARY KEY, name TEXT NOT NULL, group_id TEXT NOT NULL,
    created_by TEXT NOT NULL, created_at TEXT DEFAULT (datetime('now')));
CREATE TABLE channel_members (channel_id TEXT NOT NULL, agent_id TEXT NOT NULL,
    joined_at TEXT DEFAULT (datetime('now')), PRIMARY KEY (channel_id, agent_id),
    FOREIGN KEY (channel_id) REFERENCES channels(id), FOREIGN KEY (agent_id) REFERENCES agents(id));
CREATE TABLE channel_messages (id TEXT PRIMARY KEY, channel_id TEXT NOT NULL,
    from_agent TEXT NOT NULL, content TEXT NOT NULL, created_at TEXT DEFAULT (datetime('now')),
    FOREIGN KEY (channel_id) REFERENCES channels(id), FOREIGN KEY (from_agent) REFERENCES agents(id));
CREATE TABLE tasks (id TEXT PRIMARY KEY, title TEXT NOT NULL, description TEXT DEFAULT '',
    status TEXT DEFAULT 'todo', priority TEXT DEFAULT 'medium', assigned_to TEXT,
    created_by TEXT NOT NULL, group_id TEXT NOT NULL, parent_task_id TEXT,
    sort_order INTEGER DEFAULT 0, created_at TEXT DEFAULT (datetime('now')),
    updated_at TEXT DEFAULT (datetime('now')), version INTEGER DEFAULT 1,
    FOREIGN KEY (assigned_to) REFERENCES agents(id), FOREIGN KEY (created_by) REFERENCES agents(id));
CREATE TABLE task_comments (id TEXT PRIMARY KEY, task_id TEXT NOT NULL, agent_id TEXT NOT NULL,
    content TEXT NOT NULL, created_at TEXT DEFAULT (datetime('now')),
    FOREIGN KEY (task_id) REFERENCES tasks(id), FOREIGN KEY (agent_id) REFERENCES agents(id));
CREATE TABLE heartbeats (agent_id TEXT PRIMARY KEY, timestamp INTEGER NOT NULL,
    FOREIGN KEY (agent_id) REFERENCES agents(id));
CREATE TABLE dead_letter_queue (id INTEGER PRIMARY KEY AUTOINCREMENT, from_agent TEXT NOT NULL,
    to_agent TEXT NOT NULL, content TEXT NOT NULL, error TEXT NOT NULL,
    created_at TEXT DEFAULT (datetime('now')),
    FOREIGN KEY (from_agent) REFERENCES agents(id), FOREIGN KEY (to_agent) REFERENCES agents(id));
CREATE TABLE audit_log (id INTEGER PRIMARY KEY AUTOINCREMENT, agent_id TEXT NOT NULL,
    event_type TEXT NOT NULL, detail TEXT NOT NULL, created_at TEXT DEFAULT (datetime('now')),
    FOREIGN KEY (agent_id) REFERENCES agents(id));
CREATE TABLE seen_messages (session_id TEXT NOT NULL, message_id TEXT NOT NULL,
    seen_at INTEGER NOT NULL DEFAULT (unixepoch()), PRIMARY KEY (session_id, message_id),
    FOREIGN KEY (message_id) REFERENCES messages(id) ON DELETE CASCADE);
INSERT INTO agents (id, name, role, group_id, tier, status)
    VALUES ('admin', 'Operator', 'admin', 'core', 0, 'active');
";

// issue 19 item 15: on 6c22b7e the operator's register_agent and allow failed on a file the
// desktop app created ("FOREIGN KEY constraint failed": audit rows name `operator`); every
// write agor makes in a principal's name now satisfies the file's foreign keys.
#[test]
fn a_desktop_file_takes_the_operators_and_the_systems_writes() {
    if common::skip_on_postgres("the desktop app's files are SQLite") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("btmsg.db");
    let desktop = rusqlite::Connection::open(&path).unwrap();
    desktop.execute_batch("PRAGMA foreign_keys = ON").unwrap();
    desktop.execute_batch(DESKTOP_SCHEMA).unwrap();
    drop(desktop);
    let clock = agor_core::ManualClock::new();
    let s = Store::builder()
        .path(&path)
        .clock(std::sync::Arc::new(clock.clone()))
        .open()
        .unwrap();
    // The operator sets the team up.
    for (id, role, group) in [
        ("mgr", "manager", "core"),
        ("dev1", "project", "core"),
        ("dev2", "project", "core"),
        ("ext", "project", "other"),
        ("omgr", "manager", "other"),
    ] {
        s.register_agent(&NewAgent::new(id, id, role, group))
            .unwrap();
    }
    s.allow("mgr", "dev1", true).unwrap();
    s.allow("mgr", "ext", true).unwrap();
    s.define_role(&role("scribe", 2, &[], &[])).unwrap();
    s.issue_token("dev1").unwrap();
    s.ensure_review_channels("core").unwrap();
    // Agents work; the system posts the review notice and reopens a lapsed lease.
    let mgr = s.as_agent("mgr").unwrap();
    let dev1 = s.as_agent("dev1").unwrap();
    let t1 = mgr.create_task(&NewTask::new("Review me")).unwrap();
    let claim = dev1.claim_task(Some(&t1.id), 900).unwrap().unwrap();
    let done = Completion {
        summary: "done".into(),
        ..Default::default()
    };
    dev1.complete_task(&t1.id, &claim.token, &done, true)
        .unwrap();
    let t2 = mgr.create_task(&NewTask::new("Lapse")).unwrap();
    dev1.claim_task(Some(&t2.id), 1).unwrap().unwrap();
    clock.advance(Duration::from_secs(5));
    assert_eq!(
        mgr.get_task(&t2.id).unwrap().task.status.to_string(),
        "todo"
    );
    mgr.import_tasks("[[tasks]]\nid = \"imp-1\"\ntitle = \"Imported\"\nagent = \"dev1\"\n")
        .unwrap();
    let t3 = mgr
        .create_task(&NewTask::new("For the other group"))
        .unwrap();
    let proposal = mgr.propose_task(&t3.id, "ext").unwrap();
    s.as_agent("ext")
        .unwrap()
        .accept_proposal(&proposal.id)
        .unwrap();
    mgr.send("dev1", "hello").unwrap();
    // Removal and purge of an agent with history: the file's foreign keys keep its row.
    s.remove_agent("dev2").unwrap();
    s.restore_agent("dev2").unwrap();
    s.as_agent("admin")
        .unwrap()
        .send("dev2", "history")
        .unwrap();
    s.as_agent("dev2").unwrap().heartbeat().unwrap();
    s.purge_agent("dev2", true).unwrap();
    s.rename_agent("dev1", "Dev One").unwrap();
    drop(s);

    let raw = rusqlite::Connection::open(&path).unwrap();
    let violations: i64 = raw
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(
        violations, 0,
        "every row satisfies the desktop's foreign keys"
    );
    // The audit still names the acting principal.
    let by = strings(&raw, "SELECT DISTINCT agent_id FROM audit_log ORDER BY 1");
    assert!(
        by.contains(&"operator".to_owned()) && by.contains(&"agor".to_owned()),
        "{by:?}"
    );
    // The desktop lists agents per group: the principals' rows are in none of them.
    let desktop_list = strings(
        &raw,
        "SELECT id FROM agents WHERE group_id = 'core' ORDER BY tier, role, name",
    );
    assert!(
        !desktop_list.iter().any(|a| a == "operator" || a == "agor"),
        "{desktop_list:?}"
    );
    drop(raw);
    // agor's lists do not show them (nor the purged agent), and nobody acts as them.
    let s = Store::open(&path).unwrap();
    let ids: Vec<String> = s
        .list_agents(None)
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(ids, ["admin", "mgr", "dev1", "omgr", "ext"]);
    for name in ["operator", "agor", "dev2"] {
        assert_eq!(kind(s.get_agent(name)), ErrorKind::NotFound, "{name}");
        assert_eq!(
            kind(s.as_agent(name).unwrap().whoami()),
            ErrorKind::NotFound
        );
        assert_eq!(
            kind(s.restore_agent(name)),
            ErrorKind::InvalidInput,
            "{name}"
        );
    }
    assert_eq!(kind(mgr_send(&s, "operator")), ErrorKind::NotFound);
}

// issue 21 item 3: on a file the desktop app created, the review notice is posted in the
// system's name (its hidden principal row satisfies `channel_messages.from_agent`'s foreign
// key) and the group's reviewer reads it as a member (on 9043fc3: not a member, and the
// notice was the completer's).
#[test]
fn a_desktop_files_reviewer_reads_the_notice_the_system_posts() {
    if common::skip_on_postgres("the desktop app's files are SQLite") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("btmsg.db");
    let desktop = rusqlite::Connection::open(&path).unwrap();
    desktop.execute_batch(DESKTOP_SCHEMA).unwrap();
    drop(desktop);
    let s = Store::open(&path).unwrap();
    for (id, role) in [("mgr", "manager"), ("rev", "reviewer"), ("dev1", "project")] {
        s.register_agent(&NewAgent::new(id, id, role, "core"))
            .unwrap();
    }
    let task = s
        .as_agent("mgr")
        .unwrap()
        .create_task(&NewTask::new("Review me"))
        .unwrap();
    let dev1 = s.as_agent("dev1").unwrap();
    let claim = dev1.claim_task(Some(&task.id), 900).unwrap().unwrap();
    let done = Completion {
        summary: "done".into(),
        ..Default::default()
    };
    dev1.complete_task(&task.id, &claim.token, &done, true)
        .unwrap();
    let posts = s
        .as_agent("rev")
        .unwrap()
        .channel_history(agor_core::REVIEW_QUEUE, 10)
        .unwrap();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].from_agent, "agor");
    drop(s);
    let raw = rusqlite::Connection::open(&path).unwrap();
    let violations: i64 = raw
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(violations, 0);
}

fn mgr_send(s: &Store, to: &str) -> agor_core::Result<agor_core::Message> {
    s.as_agent("admin").unwrap().send(to, "hi")
}

// PostgreSQL and agor's own files have no foreign keys: no principal rows there, and purge
// still deletes the agent's row (its tombstone is what reserves the id).
#[test]
fn files_without_foreign_keys_get_no_principal_rows() {
    let t = common::team();
    assert_eq!(
        t.count("SELECT count(*) FROM agents WHERE id IN ('operator', 'agor')"),
        0
    );
    t.store.purge_agent("dev2", true).unwrap();
    assert_eq!(t.count("SELECT count(*) FROM agents WHERE id = 'dev2'"), 0);
    assert_eq!(
        t.count("SELECT count(*) FROM agor_reserved_ids WHERE agent_id = 'dev2'"),
        1
    );
}

/// The first column of every row of `sql`, as text.
fn strings(raw: &rusqlite::Connection, sql: &str) -> Vec<String> {
    raw.prepare(sql)
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}
