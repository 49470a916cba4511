//! Agents, ACL, direct messages, fan-out, channels, heartbeats and dead letters, through the
//! public API, with their permission rules and bad inputs.
mod common;

use agor_core::{
    AgentStatus, Error, ErrorKind, NewAgent, ObjectKind, MAX_CONTENT_BYTES, REVIEW_LOG,
    REVIEW_QUEUE,
};
use common::team;

fn kind<T: std::fmt::Debug>(r: agor_core::Result<T>) -> ErrorKind {
    r.expect_err("expected an error").kind()
}

// ---- agents ----

#[test]
fn roles_get_default_tiers_and_explicit_tier_wins() {
    let t = common::empty();
    for (role, tier) in [
        ("admin", 0),
        ("manager", 1),
        ("architect", 1),
        ("tester", 1),
        ("reviewer", 1),
        ("project", 2),
        ("bard", 2),
    ] {
        let a = t
            .store
            .register_agent(&NewAgent::new(&format!("a-{role}"), "A", role, "g"))
            .unwrap();
        assert_eq!(a.tier, tier, "role {role}");
    }
    let mut custom = NewAgent::new("boss", "Boss", "bard", "g");
    custom.tier = Some(0);
    custom.model = Some("m-1".into());
    custom.cwd = Some("/work".into());
    let a = t.store.register_agent(&custom).unwrap();
    assert_eq!(
        (a.tier, a.model.as_deref(), a.cwd.as_deref()),
        (0, Some("m-1"), Some("/work"))
    );
}

#[test]
fn re_registering_updates_in_place() {
    let t = team();
    let before = t.store.get_agent("dev1").unwrap();
    let mut upd = NewAgent::new("dev1", "Dev One", "tester", "core");
    upd.model = Some("big".into());
    let after = t.store.register_agent(&upd).unwrap();
    assert_eq!(
        (after.name.as_str(), after.role.as_str(), after.tier),
        ("Dev One", "tester", 1)
    );
    assert_eq!(after.created_at, before.created_at);
    assert_eq!(t.store.list_agents(None).unwrap().len(), 7);
    // The audit row names who acted (the operator) and the agent it changed.
    let newest = &t.store.audit_log(Some("operator"), 10).unwrap()[0];
    assert_eq!(newest.event_type, "agent_updated");
    assert!(newest.detail.as_deref().unwrap().starts_with("dev1 "));
}

#[test]
fn registration_rejects_bad_input() {
    let t = common::empty();
    let ok = NewAgent::new("good", "Good", "project", "g");
    let cases: Vec<(&str, NewAgent)> = vec![
        (
            "agent id",
            NewAgent {
                id: "".into(),
                ..ok.clone()
            },
        ),
        (
            "agent id",
            NewAgent {
                id: "has space".into(),
                ..ok.clone()
            },
        ),
        (
            "agent id",
            NewAgent {
                id: "x".repeat(65),
                ..ok.clone()
            },
        ),
        (
            "name",
            NewAgent {
                name: " ".into(),
                ..ok.clone()
            },
        ),
        (
            "role",
            NewAgent {
                role: "".into(),
                ..ok.clone()
            },
        ),
        (
            "group",
            NewAgent {
                group: "a/b".into(),
                ..ok.clone()
            },
        ),
        (
            "tier",
            NewAgent {
                tier: Some(3),
                ..ok.clone()
            },
        ),
        (
            "tier",
            NewAgent {
                tier: Some(-1),
                ..ok.clone()
            },
        ),
    ];
    for (field, bad) in cases {
        match t.store.register_agent(&bad) {
            Err(Error::InvalidInput { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{bad:?}: expected invalid {field}, got {other:?}"),
        }
    }
    assert!(
        t.store.list_agents(None).unwrap().is_empty(),
        "a bad registration wrote something"
    );
}

#[test]
fn agents_resolve_by_unique_prefix_and_ambiguity_lists_candidates() {
    let t = team();
    assert_eq!(t.store.get_agent("adm").unwrap().id, "admin");
    match t.store.get_agent("dev").unwrap_err() {
        Error::Ambiguous {
            kind, candidates, ..
        } => {
            assert_eq!(kind, ObjectKind::Agent);
            assert_eq!(candidates, ["dev1", "dev2"]);
        }
        e => panic!("expected ambiguity, got {e}"),
    }
    assert_eq!(kind(t.store.get_agent("zzz")), ErrorKind::NotFound);
    // `_` and `%` are not wildcards in prefixes.
    assert_eq!(kind(t.store.get_agent("d_v")), ErrorKind::NotFound);
    assert_eq!(kind(t.store.get_agent("%")), ErrorKind::NotFound);
}

#[test]
fn list_agents_filters_by_group_and_counts_unread() {
    let t = team();
    let mgr = t.store.as_agent("mgr").unwrap();
    mgr.send("dev1", "one").unwrap();
    mgr.send("dev1", "two").unwrap();
    let core = t.store.list_agents(Some("core")).unwrap();
    assert_eq!(core.len(), 6);
    assert_eq!(core.iter().find(|a| a.id == "dev1").unwrap().unread, 2);
    assert_eq!(core.iter().find(|a| a.id == "dev2").unwrap().unread, 0);
    assert_eq!(t.store.list_agents(Some("other")).unwrap().len(), 1);
    // Actor view: own group only, tier 0 sees all.
    assert_eq!(
        t.store
            .as_agent("dev2")
            .unwrap()
            .list_agents()
            .unwrap()
            .len(),
        6
    );
    assert_eq!(
        t.store
            .as_agent("admin")
            .unwrap()
            .list_agents()
            .unwrap()
            .len(),
        7
    );
}

#[test]
fn unregistered_actor_is_not_found_and_bad_actor_id_is_invalid() {
    let t = team();
    assert_eq!(
        kind(t.store.as_agent("ghost").unwrap().send("dev1", "x")),
        ErrorKind::NotFound
    );
    assert_eq!(kind(t.store.as_agent("bad id")), ErrorKind::InvalidInput);
}

#[test]
fn allow_validates_both_ends() {
    let t = team();
    assert_eq!(
        kind(t.store.allow("dev1", "nobody", false)),
        ErrorKind::NotFound
    );
    assert_eq!(
        kind(t.store.allow("dev1", "dev1", false)),
        ErrorKind::InvalidInput
    );
    t.store.allow("ext", "dev1", false).unwrap();
    t.store.allow("ext", "dev1", false).unwrap(); // idempotent
    let ext = t.store.as_agent("ext").unwrap();
    ext.send("dev1", "now allowed").unwrap();
    // One-way: dev1 still may not write to ext, which is outside its group and contacts,
    // so for dev1 it does not exist.
    assert_eq!(
        kind(t.store.as_agent("dev1").unwrap().send("ext", "x")),
        ErrorKind::NotFound
    );
    let graph = t.store.contact_graph().unwrap();
    assert!(graph
        .iter()
        .any(|c| c.agent_id == "ext" && c.contact_id == "dev1"));
    assert!(!graph
        .iter()
        .any(|c| c.agent_id == "dev1" && c.contact_id == "ext"));
}

#[test]
fn contacts_are_who_i_may_message() {
    let t = team();
    let ids = |id: &str| -> Vec<String> {
        t.store
            .as_agent(id)
            .unwrap()
            .contacts()
            .unwrap()
            .into_iter()
            .map(|a| a.id)
            .collect()
    };
    assert_eq!(ids("dev1"), ["mgr", "dev2"]);
    assert!(ids("ext").is_empty());
    assert_eq!(ids("admin").len(), 6, "tier 0 may message everyone");
}

#[test]
fn status_changes_follow_role_permissions() {
    let t = team();
    let dev1 = t.store.as_agent("dev1").unwrap();
    assert_eq!(
        dev1.set_status("dev1", AgentStatus::Sleeping)
            .unwrap()
            .status,
        "sleeping"
    );
    assert_eq!(
        kind(dev1.set_status("dev2", AgentStatus::Stopped)),
        ErrorKind::PermissionDenied
    );
    let mgr = t.store.as_agent("mgr").unwrap();
    assert_eq!(
        mgr.set_status("dev2", AgentStatus::Stopped).unwrap().status,
        "stopped"
    );
    assert_eq!(
        "bogus".parse::<AgentStatus>().unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    assert_eq!(dev1.whoami().unwrap().status, "sleeping");
}

// ---- direct messages ----

#[test]
fn send_checks_acl_recipient_and_content() {
    let t = team();
    let dev1 = t.store.as_agent("dev1").unwrap();
    let m = dev1.send("dev2", "hi there").unwrap();
    assert_eq!(
        (m.from_agent.as_str(), m.to_agent.as_str(), m.read),
        ("dev1", "dev2", false)
    );
    assert_eq!(m.group_id.as_deref(), Some("core"));
    assert_eq!(m.sender_group_id.as_deref(), Some("core"));
    assert_eq!(
        kind(dev1.send("arch", "no contact")),
        ErrorKind::PermissionDenied
    );
    assert_eq!(kind(dev1.send("nobody", "x")), ErrorKind::NotFound);
    assert_eq!(kind(dev1.send("dev", "ambiguous")), ErrorKind::Ambiguous);
    assert_eq!(kind(dev1.send("dev2", "")), ErrorKind::InvalidInput);
    assert_eq!(kind(dev1.send("dev2", " \n ")), ErrorKind::InvalidInput);
    assert_eq!(
        kind(dev1.send("dev2", &"x".repeat(MAX_CONTENT_BYTES + 1))),
        ErrorKind::InvalidInput
    );
    dev1.send("dev2", &"x".repeat(MAX_CONTENT_BYTES)).unwrap();
    // Unicode and quotes survive unchanged.
    let text = "naïve 'quotes' \"and\" emoji 🚀\nsecond line; DROP TABLE messages;";
    assert_eq!(dev1.send("dev2", text).unwrap().content, text);
    // Tier 0 bypasses the ACL.
    t.store
        .as_agent("admin")
        .unwrap()
        .send("ext", "from the top")
        .unwrap();
}

#[test]
fn inbox_orders_and_never_marks_read() {
    let t = team();
    let mgr = t.store.as_agent("mgr").unwrap();
    let dev1 = t.store.as_agent("dev1").unwrap();
    for i in 0..5 {
        mgr.send("dev1", &format!("m{i}")).unwrap();
    }
    let unread: Vec<_> = dev1
        .inbox(false, None)
        .unwrap()
        .into_iter()
        .map(|m| m.content)
        .collect();
    assert_eq!(
        unread,
        ["m0", "m1", "m2", "m3", "m4"],
        "unread is oldest first"
    );
    let all: Vec<_> = dev1
        .inbox(true, Some(3))
        .unwrap()
        .into_iter()
        .map(|m| m.content)
        .collect();
    assert_eq!(all, ["m4", "m3", "m2"], "all is newest first");
    assert_eq!(dev1.peek().unwrap().len(), 5);
    assert_eq!(
        dev1.unread_count().unwrap(),
        5,
        "inbox and peek mark nothing"
    );
    assert_eq!(dev1.inbox(false, Some(2)).unwrap().len(), 2);
}

#[test]
fn read_marks_one_and_read_unread_marks_all() {
    let t = team();
    let mgr = t.store.as_agent("mgr").unwrap();
    let dev1 = t.store.as_agent("dev1").unwrap();
    let a = mgr.send("dev1", "a").unwrap();
    mgr.send("dev1", "b").unwrap();
    mgr.send("dev1", "c").unwrap();
    let got = dev1.read(&a.id[..8]).unwrap();
    assert!(got.read);
    assert_eq!(dev1.unread_count().unwrap(), 2);
    // The sender may read its own message; that does not mark it read for the recipient.
    let b_id = dev1.peek().unwrap()[0].id.clone();
    assert!(!mgr.read(&b_id).unwrap().read);
    assert_eq!(dev1.unread_count().unwrap(), 2);
    // For a third party it does not exist.
    assert_eq!(
        kind(t.store.as_agent("dev2").unwrap().read(&b_id)),
        ErrorKind::NotFound
    );
    let rest = dev1.read_unread().unwrap();
    assert_eq!(
        rest.iter().map(|m| m.content.as_str()).collect::<Vec<_>>(),
        ["b", "c"]
    );
    assert!(rest.iter().all(|m| m.read));
    assert_eq!(dev1.unread_count().unwrap(), 0);
    assert!(dev1.read_unread().unwrap().is_empty());
    assert_eq!(kind(dev1.read("ffffffff")), ErrorKind::NotFound);
    assert_eq!(kind(dev1.read("")), ErrorKind::InvalidInput);
}

#[test]
fn reply_threads_and_lets_recipients_answer() {
    let t = team();
    let admin = t.store.as_agent("admin").unwrap();
    let ext = t.store.as_agent("ext").unwrap();
    let q = admin.send("ext", "status?").unwrap();
    // ext has no contacts, but may answer mail it received.
    let r = ext.reply(&q.id, "all green").unwrap();
    assert_eq!(
        (r.to_agent.as_str(), r.reply_to.as_deref()),
        ("admin", Some(q.id.as_str()))
    );
    // ...but not start a conversation (admin is outside its group and contacts, so not even
    // visible to it), and for a third party the message does not exist.
    assert_eq!(kind(ext.send("admin", "hello?")), ErrorKind::NotFound);
    assert_eq!(
        kind(t.store.as_agent("dev1").unwrap().reply(&q.id, "me too")),
        ErrorKind::NotFound
    );
    // The original sender may follow up in the thread.
    let f = admin.reply(&r.id[..6], "thanks").unwrap();
    assert_eq!(
        (f.to_agent.as_str(), f.reply_to.as_deref()),
        ("ext", Some(r.id.as_str()))
    );
    assert_eq!(kind(ext.reply(&q.id, "")), ErrorKind::InvalidInput);
}

#[test]
fn mark_conversation_read_only_touches_that_sender() {
    let t = team();
    t.store
        .as_agent("mgr")
        .unwrap()
        .send("dev1", "from mgr")
        .unwrap();
    t.store
        .as_agent("dev2")
        .unwrap()
        .send("dev1", "from dev2")
        .unwrap();
    let dev1 = t.store.as_agent("dev1").unwrap();
    assert_eq!(dev1.mark_conversation_read("mgr").unwrap(), 1);
    let left = dev1.peek().unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].from_agent, "dev2");
    assert_eq!(
        kind(dev1.mark_conversation_read("nobody")),
        ErrorKind::NotFound
    );
}

#[test]
fn ack_records_per_session_and_only_for_the_recipient() {
    let t = team();
    let m = t
        .store
        .as_agent("mgr")
        .unwrap()
        .send("dev1", "ack me")
        .unwrap();
    let dev1 = t.store.as_agent("dev1").unwrap();
    assert!(dev1.ack(&m.id, "session-a").unwrap());
    assert!(
        !dev1.ack(&m.id, "session-a").unwrap(),
        "second ack of same session is a no-op"
    );
    assert!(dev1.ack(&m.id, "session-b").unwrap());
    assert_eq!(
        kind(t.store.as_agent("mgr").unwrap().ack(&m.id, "s")),
        ErrorKind::PermissionDenied
    );
    assert_eq!(kind(dev1.ack(&m.id, "")), ErrorKind::InvalidInput);
    let n = t.count(&format!(
        "SELECT count(*) FROM seen_messages WHERE message_id = '{}'",
        m.id
    ));
    assert_eq!(n, 2);
    assert_eq!(dev1.unread_count().unwrap(), 1, "ack does not mark read");
}

#[test]
fn history_is_the_conversation_in_order() {
    let t = team();
    let mgr = t.store.as_agent("mgr").unwrap();
    let dev1 = t.store.as_agent("dev1").unwrap();
    mgr.send("dev1", "1").unwrap();
    dev1.send("mgr", "2").unwrap();
    mgr.send("dev1", "3").unwrap();
    t.store
        .as_agent("dev2")
        .unwrap()
        .send("dev1", "other")
        .unwrap();
    let h: Vec<_> = dev1
        .history("mgr", 20)
        .unwrap()
        .into_iter()
        .map(|m| m.content)
        .collect();
    assert_eq!(h, ["1", "2", "3"]);
    let last2: Vec<_> = mgr
        .history("dev1", 2)
        .unwrap()
        .into_iter()
        .map(|m| m.content)
        .collect();
    assert_eq!(last2, ["2", "3"]);
}

#[test]
fn feed_is_tier_zero_only() {
    let t = team();
    t.store.as_agent("mgr").unwrap().send("dev1", "x").unwrap();
    t.store.as_agent("dev1").unwrap().send("dev2", "y").unwrap();
    let feed = t.store.as_agent("admin").unwrap().feed(None, 50).unwrap();
    assert_eq!(
        feed.iter().map(|m| m.content.as_str()).collect::<Vec<_>>(),
        ["y", "x"]
    );
    assert!(t
        .store
        .as_agent("admin")
        .unwrap()
        .feed(Some("other"), 50)
        .unwrap()
        .is_empty());
    assert_eq!(
        kind(t.store.as_agent("mgr").unwrap().feed(None, 50)),
        ErrorKind::PermissionDenied
    );
}

#[test]
fn notify_summarises_unread_in_one_line() {
    let t = team();
    let dev1 = t.store.as_agent("dev1").unwrap();
    assert_eq!(dev1.notify().unwrap(), None);
    t.store.as_agent("mgr").unwrap().send("dev1", "a").unwrap();
    t.store.as_agent("mgr").unwrap().send("dev1", "b").unwrap();
    t.store.as_agent("dev2").unwrap().send("dev1", "c").unwrap();
    let line = dev1.notify().unwrap().unwrap();
    assert!(!line.contains('\n'));
    assert!(
        // Issue 21 item 4.6: each sender's count said once, in words.
        line.starts_with("3 unread messages: 2 from mgr, 1 from dev2 — "),
        "{line}"
    );
}

#[test]
fn deleting_messages_is_for_managers() {
    let t = team();
    let m = t
        .store
        .as_agent("dev2")
        .unwrap()
        .send("dev1", "oops")
        .unwrap();
    assert_eq!(
        kind(t.store.as_agent("dev1").unwrap().delete_message(&m.id)),
        ErrorKind::PermissionDenied
    );
    t.store
        .as_agent("mgr")
        .unwrap()
        .delete_message(&m.id)
        .unwrap();
    assert_eq!(t.store.as_agent("dev1").unwrap().unread_count().unwrap(), 0);
    assert_eq!(
        kind(t.store.as_agent("mgr").unwrap().delete_message(&m.id)),
        ErrorKind::NotFound
    );
}

// ---- fan-out ----

#[test]
fn send_to_role_pattern_and_broadcast() {
    let t = team();
    let mgr = t.store.as_agent("mgr").unwrap();
    let d = mgr.send_to_role("project", "standup").unwrap();
    let mut to: Vec<_> = d.sent.iter().map(|m| m.to_agent.as_str()).collect();
    to.sort();
    assert_eq!(to, ["dev1", "dev2"], "ext is another group");
    assert!(d.skipped.is_empty());

    let d = mgr.send_to_pattern("dev*", "glob").unwrap();
    assert_eq!(d.sent.len(), 2);

    // Broadcast reaches the group; non-contacts are skipped, not errors.
    let d = mgr.broadcast("all hands").unwrap();
    let mut skipped = d.skipped.clone();
    skipped.sort();
    assert_eq!(skipped, ["admin", "arch", "rev"]);
    assert_eq!(d.sent.len(), 2);

    // Tier 0 reaches everyone, across groups for role and pattern sends.
    let d = t
        .store
        .as_agent("admin")
        .unwrap()
        .send_to_role("project", "hi")
        .unwrap();
    assert_eq!(d.sent.len(), 3);

    assert_eq!(
        kind(mgr.send_to_role("nobody-has-this", "x")),
        ErrorKind::NotFound
    );
    assert_eq!(kind(mgr.send_to_pattern("zz*", "x")), ErrorKind::NotFound);
    assert_eq!(kind(mgr.broadcast("")), ErrorKind::InvalidInput);
}

// ---- heartbeats and dead letters ----

fn age_heartbeat(t: &common::Team, agent: &str, secs_ago: i64) {
    t.age_heartbeat(agent, secs_ago);
}

#[test]
fn stale_recipient_gets_a_dead_letter_redelivered_on_heartbeat() {
    let t = team();
    let mgr = t.store.as_agent("mgr").unwrap();
    let dev1 = t.store.as_agent("dev1").unwrap();
    // Never heartbeated: delivered normally.
    mgr.send("dev1", "fresh").unwrap();
    age_heartbeat(&t, "dev1", 3600);
    let err = mgr.send("dev1", "are you there?").unwrap_err();
    let dl_id = match err {
        Error::RecipientUnavailable {
            ref recipient,
            dead_letter_id,
            silent_secs,
        } => {
            assert_eq!(recipient, "dev1");
            assert!(silent_secs >= 3600);
            dead_letter_id
        }
        ref e => panic!("expected RecipientUnavailable, got {e}"),
    };
    assert_eq!(dev1.unread_count().unwrap(), 1, "not in the inbox yet");
    let letters = mgr.dead_letters().unwrap();
    assert_eq!(letters.len(), 1);
    assert_eq!(
        (letters[0].id, letters[0].content.as_str()),
        (dl_id, "are you there?")
    );
    assert!(letters[0].error.as_deref().unwrap().contains("unavailable"));
    assert_eq!(t.store.stale_agents(None).unwrap()[0].agent_id, "dev1");

    // Tier 0 senders bypass the check.
    t.store.allow("admin", "dev1", false).unwrap();
    t.store
        .as_agent("admin")
        .unwrap()
        .send("dev1", "admin mail")
        .unwrap();
    assert_eq!(dev1.unread_count().unwrap(), 2);

    let hb = dev1.heartbeat().unwrap();
    assert_eq!(hb.redelivered.len(), 1);
    assert_eq!(hb.redelivered[0].content, "are you there?");
    assert_eq!(hb.redelivered[0].from_agent, "mgr");
    assert!(mgr.dead_letters().unwrap().is_empty());
    assert_eq!(dev1.unread_count().unwrap(), 3);
    assert!(t.store.stale_agents(None).unwrap().is_empty());
    assert_eq!(dev1.whoami().unwrap().last_heartbeat, Some(hb.timestamp));
}

#[test]
fn dead_letters_can_be_redelivered_or_cleared_by_hand() {
    let t = team();
    let mgr = t.store.as_agent("mgr").unwrap();
    age_heartbeat(&t, "dev2", 1000);
    for i in 0..3 {
        assert_eq!(
            kind(mgr.send("dev2", &format!("dl{i}"))),
            ErrorKind::RecipientUnavailable
        );
    }
    // Fan-out records dead letters instead of failing.
    let d = mgr.send_to_pattern("dev2", "fan").unwrap();
    assert_eq!(d.dead_lettered.len(), 1);
    let letters = mgr.dead_letters().unwrap();
    assert_eq!(letters.len(), 4);
    // A bystander sees none of them and may act on none.
    let dev1 = t.store.as_agent("dev1").unwrap();
    assert!(dev1.dead_letters().unwrap().is_empty());
    assert_eq!(
        kind(dev1.clear_dead_letters(Some(letters[0].id))),
        ErrorKind::NotFound
    );

    let moved = mgr.redeliver_dead_letters(Some(letters[0].id)).unwrap();
    assert_eq!(moved[0].content, "dl0");
    assert_eq!(mgr.clear_dead_letters(Some(letters[1].id)).unwrap(), 1);
    assert_eq!(mgr.clear_dead_letters(None).unwrap(), 2);
    assert!(mgr.dead_letters().unwrap().is_empty());
    let dev2 = t.store.as_agent("dev2").unwrap();
    assert_eq!(
        dev2.peek()
            .unwrap()
            .iter()
            .map(|m| m.content.as_str())
            .collect::<Vec<_>>(),
        ["dl0"]
    );
    assert_eq!(
        kind(mgr.redeliver_dead_letters(Some(999))),
        ErrorKind::NotFound
    );
}

#[test]
fn stale_threshold_is_configurable() {
    let t = team();
    age_heartbeat(&t, "dev1", 100);
    assert!(
        t.store.stale_agents(None).unwrap().is_empty(),
        "default is 300 s"
    );
    assert_eq!(t.store.stale_agents(Some(50)).unwrap().len(), 1);
    let strict = agor_core::Store::builder()
        .path(t.path())
        .stale_after(std::time::Duration::from_secs(60))
        .open()
        .unwrap();
    assert_eq!(
        kind(strict.as_agent("mgr").unwrap().send("dev1", "x")),
        ErrorKind::RecipientUnavailable
    );
    t.store.as_agent("mgr").unwrap().send("dev1", "x").unwrap();
}

// ---- channels ----

#[test]
fn only_managers_create_channels_and_names_are_unique_per_group() {
    let t = team();
    assert_eq!(
        kind(t.store.as_agent("arch").unwrap().create_channel("x")),
        ErrorKind::PermissionDenied
    );
    assert_eq!(
        kind(t.store.as_agent("dev1").unwrap().create_channel("x")),
        ErrorKind::PermissionDenied
    );
    let mgr = t.store.as_agent("mgr").unwrap();
    let ch = mgr.create_channel("eng").unwrap();
    assert_eq!(
        (ch.name.as_str(), ch.member_count, ch.group_id.as_deref()),
        ("eng", 1, Some("core"))
    );
    assert_eq!(kind(mgr.create_channel("eng")), ErrorKind::InvalidInput);
    assert_eq!(
        kind(mgr.create_channel("bad name")),
        ErrorKind::InvalidInput
    );
    assert_eq!(kind(mgr.create_channel("")), ErrorKind::InvalidInput);
    t.store
        .as_agent("admin")
        .unwrap()
        .create_channel("admins")
        .unwrap();
}

#[test]
fn channel_posting_membership_history_and_listing() {
    let t = team();
    let mgr = t.store.as_agent("mgr").unwrap();
    let dev1 = t.store.as_agent("dev1").unwrap();
    let ch = mgr.create_channel("eng").unwrap();
    assert_eq!(kind(dev1.post("eng", "hi")), ErrorKind::PermissionDenied);
    assert_eq!(
        kind(dev1.channel_history("eng", 10)),
        ErrorKind::PermissionDenied
    );
    assert_eq!(
        kind(dev1.add_member("eng", "dev2")),
        ErrorKind::PermissionDenied
    );
    mgr.add_member("eng", "dev1").unwrap();
    mgr.add_member("eng", "dev1").unwrap(); // idempotent
    dev1.post("eng", "first").unwrap();
    mgr.post(&ch.id[..8], "second by id prefix").unwrap();
    t.store
        .as_agent("admin")
        .unwrap()
        .post("eng", "admin bypass")
        .unwrap();
    let h: Vec<_> = dev1
        .channel_history("eng", 30)
        .unwrap()
        .into_iter()
        .map(|p| p.content)
        .collect();
    assert_eq!(h, ["first", "second by id prefix", "admin bypass"]);
    assert_eq!(
        dev1.channel_history("eng", 1).unwrap()[0].content,
        "admin bypass"
    );
    let list = dev1.list_channels().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].member_count, 2);
    assert_eq!(
        list[0].last_message.as_ref().unwrap().content,
        "admin bypass"
    );
    assert!(t
        .store
        .as_agent("ext")
        .unwrap()
        .list_channels()
        .unwrap()
        .is_empty());
    assert_eq!(kind(dev1.post("nope", "x")), ErrorKind::NotFound);
    assert_eq!(kind(dev1.post("eng", "")), ErrorKind::InvalidInput);
    assert_eq!(kind(mgr.add_member("eng", "nobody")), ErrorKind::NotFound);
}

#[test]
fn review_channels_are_created_once_per_group() {
    let t = team();
    let (q1, l1) = t.store.ensure_review_channels("core").unwrap();
    let (q2, l2) = t.store.ensure_review_channels("core").unwrap();
    assert_eq!(
        (q1.name.as_str(), l1.name.as_str()),
        (REVIEW_QUEUE, REVIEW_LOG)
    );
    assert_eq!((&q1.id, &l1.id), (&q2.id, &l2.id));
    let (q3, _) = t.store.ensure_review_channels("other").unwrap();
    assert_ne!(q3.id, q2.id);
    let n = t.count("SELECT count(*) FROM channels");
    assert_eq!(n, 4);
}

#[test]
fn extreme_stale_thresholds_neither_overflow_nor_dead_letter_everyone() {
    let t = team();
    t.store.as_agent("dev1").unwrap().heartbeat().unwrap();
    let never = agor_core::Store::builder()
        .path(t.path())
        .stale_after(std::time::Duration::MAX)
        .open()
        .unwrap();
    never.as_agent("mgr").unwrap().send("dev1", "x").unwrap();
    assert!(never.stale_agents(None).unwrap().is_empty());
    assert_eq!(
        kind(t.store.stale_agents(Some(-1))),
        ErrorKind::InvalidInput
    );
    assert!(t.store.stale_agents(Some(i64::MAX)).unwrap().is_empty());
}
