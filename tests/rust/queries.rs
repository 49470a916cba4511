//! What the scan-free rewrites of the list, board, claim, feed, audit and channel queries
//! (schema 5) return: the same answers as before, for every variant the query builders make
//! (tier 0 without a group condition, each filter on or off, both spellings of in_progress).

mod common;

use agor_core::{Completion, NewTask, Priority, TaskFilter, TaskStatus};

fn new_task(title: &str, priority: Priority) -> NewTask {
    NewTask {
        priority,
        ..NewTask::new(title)
    }
}

#[test]
fn tier0_lists_every_groups_channels_with_counts_and_last_post_in_one_query() {
    let t = common::team();
    t.store
        .register_agent(&agor_core::NewAgent::new("mgr2", "M2", "manager", "other"))
        .unwrap();
    let mgr = t.store.as_agent("mgr").unwrap();
    mgr.create_channel("ops").unwrap();
    mgr.add_member("ops", "dev1").unwrap();
    mgr.post("ops", "first").unwrap();
    mgr.post("ops", "second").unwrap();
    let mgr2 = t.store.as_agent("mgr2").unwrap();
    mgr2.create_channel("quiet").unwrap();

    let all = t.store.as_agent("admin").unwrap().list_channels().unwrap();
    let names: Vec<_> = all
        .iter()
        .map(|c| (c.group_id.as_deref().unwrap(), c.name.as_str()))
        .collect();
    assert_eq!(names, [("core", "ops"), ("other", "quiet")]);
    assert_eq!(all[0].member_count, 2);
    assert_eq!(all[0].last_message.as_ref().unwrap().content, "second");
    assert_eq!(all[0].last_message.as_ref().unwrap().channel_id, all[0].id);
    assert_eq!(
        (all[1].member_count, all[1].last_message.is_none()),
        (1, true)
    );

    let mine = t.store.as_agent("dev1").unwrap().list_channels().unwrap();
    assert_eq!(mine.len(), 1, "a project agent sees its group only");
    assert_eq!(mine[0], all[0]);
}

#[test]
fn feed_merges_mail_to_and_from_the_group_newest_first_without_repeats() {
    let t = common::team();
    t.store.allow("dev1", "ext", true).unwrap();
    let dev1 = t.store.as_agent("dev1").unwrap();
    let ext = t.store.as_agent("ext").unwrap();
    dev1.send("dev2", "inside core").unwrap(); // to core, from core: both sides match
    dev1.send("ext", "core to other").unwrap(); // from core only
    ext.send("dev1", "other to core").unwrap(); // to core only
    ext.send("ext", "x").ok(); // (an agent cannot mail itself; ignored either way)
    let admin = t.store.as_agent("admin").unwrap();
    let feed = admin.feed(Some("core"), 10).unwrap();
    let contents: Vec<_> = feed.iter().map(|m| m.content.as_str()).collect();
    assert_eq!(contents, ["other to core", "core to other", "inside core"]);
    let two = admin.feed(Some("core"), 2).unwrap();
    assert_eq!(two.len(), 2);
    assert_eq!(two[0].content, "other to core");
    let other = admin.feed(Some("other"), 10).unwrap();
    assert_eq!(other.len(), 2, "{other:?}");
}

#[test]
fn audit_log_by_agent_and_newest_overall() {
    let t = common::team();
    let mgr = t.store.as_agent("mgr").unwrap();
    let dev1 = t.store.as_agent("dev1").unwrap();
    mgr.send("dev1", "a").unwrap();
    dev1.send("mgr", "b").unwrap();
    mgr.send("dev1", "c").unwrap();
    let mine = t.store.audit_log(Some("mgr"), 10).unwrap();
    assert!(mine.iter().all(|e| e.agent_id.as_deref() == Some("mgr")));
    assert!(mine.windows(2).all(|w| w[0].id > w[1].id), "newest first");
    assert_eq!(
        mine.iter()
            .filter(|e| e.event_type == "message_sent")
            .count(),
        2
    );
    let newest = t.store.audit_log(None, 2).unwrap();
    assert_eq!(newest.len(), 2);
    assert_eq!(newest[0].agent_id.as_deref(), Some("mgr"));
    assert_eq!(newest[1].agent_id.as_deref(), Some("dev1"));
}

#[test]
fn list_filters_and_both_spellings_of_in_progress() {
    let t = common::team();
    let mgr = t.store.as_agent("mgr").unwrap();
    let low = mgr.create_task(&new_task("low", Priority::Low)).unwrap();
    let crit = mgr
        .create_task(&new_task("crit", Priority::Critical))
        .unwrap();
    let mut tagged = new_task("tagged", Priority::Medium);
    tagged.tags = vec!["ui".into(), "ui".into(), "api".into()];
    let tagged = mgr.create_task(&tagged).unwrap();
    assert_eq!(
        tagged.tags,
        ["api", "ui"],
        "returned as a read would give them"
    );
    assert_eq!(mgr.get_task(&tagged.id).unwrap().task, tagged);
    let legacy = mgr
        .create_task(&new_task("legacy", Priority::High))
        .unwrap();
    // An agor before schema 6 wrote `in_progress`; agor now writes the legacy `progress`.
    t.exec(&format!(
        "UPDATE tasks SET status = 'in_progress' WHERE id = '{}'",
        legacy.id
    ));
    let claim = mgr.claim_task(Some(&low.id), 60).unwrap().unwrap();
    assert_eq!(mgr.get_task(&low.id).unwrap().task, claim.task);
    let done = mgr
        .complete_task(
            &claim.task.id,
            &claim.token,
            &Completion {
                summary: "ok".into(),
                artifacts: vec!["file:a.rs".into()],
                ..Default::default()
            },
            false,
        )
        .unwrap();
    assert_eq!(mgr.get_task(&low.id).unwrap().task, done);
    let claim = mgr.claim_task(Some(&tagged.id), 60).unwrap().unwrap();

    let titles = |f: TaskFilter| -> Vec<String> {
        mgr.list_tasks(&f)
            .unwrap()
            .into_iter()
            .map(|t| t.title)
            .collect()
    };
    assert_eq!(titles(TaskFilter::default()), ["crit", "legacy", "tagged"]);
    assert_eq!(
        titles(TaskFilter {
            all: true,
            ..Default::default()
        }),
        ["crit", "legacy", "tagged", "low"]
    );
    assert_eq!(
        titles(TaskFilter {
            status: Some(TaskStatus::InProgress),
            ..Default::default()
        }),
        ["legacy", "tagged"]
    );
    assert_eq!(
        titles(TaskFilter {
            status: Some(TaskStatus::Done),
            ..Default::default()
        }),
        ["low"]
    );
    assert_eq!(
        titles(TaskFilter {
            tag: Some("ui".into()),
            ..Default::default()
        }),
        ["tagged"]
    );
    let board = mgr.board().unwrap();
    let column = |st: TaskStatus| -> Vec<&str> {
        board
            .iter()
            .find(|(s, _)| *s == st)
            .unwrap()
            .1
            .iter()
            .map(|t| t.title.as_str())
            .collect()
    };
    assert_eq!(column(TaskStatus::InProgress), ["legacy", "tagged"]);
    assert_eq!(column(TaskStatus::Todo), ["crit"]);
    assert_eq!(column(TaskStatus::Done), ["low"]);
    assert_eq!(claim.task.status, TaskStatus::InProgress);
    let _ = crit;
}

#[test]
fn sort_orders_count_per_group_and_claim_next_follows_priority_then_order() {
    let t = common::team();
    t.store
        .register_agent(&agor_core::NewAgent::new("mgr2", "M2", "manager", "other"))
        .unwrap();
    let mgr = t.store.as_agent("mgr").unwrap();
    let mgr2 = t.store.as_agent("mgr2").unwrap();
    let a = mgr.create_task(&new_task("a", Priority::Medium)).unwrap();
    let x = mgr2
        .create_task(&new_task("x", Priority::Critical))
        .unwrap();
    let b = mgr.create_task(&new_task("b", Priority::High)).unwrap();
    let c = mgr.create_task(&new_task("c", Priority::High)).unwrap();
    assert_eq!(
        (a.sort_order, b.sort_order, c.sort_order, x.sort_order),
        (1, 2, 3, 1)
    );

    let dev1 = t.store.as_agent("dev1").unwrap();
    let order: Vec<String> = std::iter::from_fn(|| dev1.claim_task(None, 60).unwrap())
        .map(|c| c.task.title)
        .collect();
    assert_eq!(
        order,
        ["b", "c", "a"],
        "high before medium, then sort order; never group other's"
    );

    // Tier 0 claims across groups.
    let admin = t.store.as_agent("admin").unwrap();
    assert_eq!(admin.claim_task(None, 60).unwrap().unwrap().task.title, "x");
}

#[test]
fn history_takes_the_newest_of_both_directions_oldest_first() {
    let t = common::team();
    let mgr = t.store.as_agent("mgr").unwrap();
    let dev1 = t.store.as_agent("dev1").unwrap();
    for (i, (from, to)) in [(&mgr, "dev1"), (&dev1, "mgr")]
        .iter()
        .cycle()
        .take(5)
        .enumerate()
    {
        from.send(to, &format!("m{i}")).unwrap();
    }
    mgr.send("dev2", "elsewhere").unwrap();
    let tail: Vec<String> = mgr
        .history("dev1", 3)
        .unwrap()
        .into_iter()
        .map(|m| m.content)
        .collect();
    assert_eq!(tail, ["m2", "m3", "m4"]);
    assert_eq!(dev1.history("mgr", 50).unwrap().len(), 5);
}
