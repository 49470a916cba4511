//! `EXPLAIN QUERY PLAN` over every list, board, claim, feed, audit and channel query (SPEC §6):
//! none may scan a table, so their cost follows what they return, not the size of the file.
//!
//! These tests live inside the crate rather than in `tests/` because they read the SQL the
//! code really runs, through the `pub(crate)` builders the operations call; exposing that SQL
//! publicly (even `#[doc(hidden)]`) would freeze it into the API the storage boundary is meant
//! to hide.

use rusqlite::types::Value;
use rusqlite::Connection;

use crate::model::tasks::{TaskFilter, TaskStatus};
use crate::storage::sql::tasks;
use crate::{NewAgent, NewTask, Store};

/// Why a plan may walk a whole table (or a whole index): the answer is that whole table.
struct Allowed {
    /// Exact plan line, e.g. `SCAN t`.
    line: &'static str,
    why: &'static str,
}

struct Case {
    name: String,
    sql: String,
    /// Claim-next must stop at the first claimable task: a sort would mean reading them all.
    no_sort: bool,
    allowed: &'static [Allowed],
    /// A plan line must contain this (the default task list must range over open statuses,
    /// not read the done tasks of a whole group; with a tag it may start from the tag index).
    needs: Option<&'static str>,
}

const ADMIN_WHOLE_BOARD: &[Allowed] = &[Allowed {
    line: "SCAN t",
    why: "tier 0's unfiltered board is every task of every group: the table is the answer",
}];

fn plan(c: &Connection, sql: &str) -> Vec<String> {
    let mut stmt = c.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
    let nulls = vec![Value::Null; stmt.parameter_count()];
    stmt.query_map(rusqlite::params_from_iter(nulls), |r| r.get::<_, String>(3))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

fn cases() -> Vec<Case> {
    let task_sql = |tail: &str| format!("SELECT {} FROM tasks t {tail}", tasks::TASK_COLUMNS);
    let mut out = Vec::new();
    let mut case = |name: String, sql: String, no_sort: bool, allowed: &'static [Allowed]| {
        let needs = (name.starts_with("list_tasks")
            && name.contains("all: false, status: None, tag: None"))
        .then_some("status<?");
        out.push(Case {
            name,
            sql,
            no_sort,
            allowed,
            needs,
        })
    };
    for admin in [false, true] {
        case(
            format!("lane (admin={admin})"),
            task_sql(&crate::storage::sql::board::lane_sql(admin)),
            false,
            &[],
        );
        case(
            format!("claim next (admin={admin})"),
            task_sql(&tasks::claimable_sql(admin)),
            true,
            &[],
        );
        let mut statuses: Vec<Option<TaskStatus>> = vec![None];
        statuses.extend(TaskStatus::ALL.map(Some));
        for all in [false, true] {
            for status in &statuses {
                for tag in [None, Some("ui".to_owned())] {
                    let filter = TaskFilter {
                        all,
                        status: *status,
                        tag: tag.clone(),
                    };
                    let (tail, _) = tasks::list_query(admin, "g", &filter);
                    let whole = admin && all && status.is_none() && tag.is_none();
                    case(
                        format!("list_tasks/board (admin={admin}, {filter:?})"),
                        task_sql(&tail),
                        false,
                        if whole { ADMIN_WHOLE_BOARD } else { &[] },
                    );
                }
            }
        }
        case(
            format!("paths of live claims (admin={admin})"),
            crate::storage::sql::reservations::claimed_sql(admin),
            false,
            &[],
        );
        case(
            format!("list_channels (admin={admin})"),
            crate::storage::sql::channels::list_channels_sql(admin),
            false,
            if admin {
                &[Allowed {
                    line: "SCAN ch USING INDEX agor_channels_group_name",
                    why: "tier 0 lists every channel of every group, in index order",
                }]
            } else {
                &[]
            },
        );
    }
    case(
        "get_task subtasks".into(),
        task_sql("WHERE t.parent_task_id = ?1 ORDER BY t.sort_order"),
        false,
        &[],
    );
    case(
        "lapsed leases".into(),
        task_sql(&crate::storage::sql::leases::lapsed_tail()),
        false,
        &[],
    );
    case(
        "create_task next sort order".into(),
        tasks::NEXT_SORT_ORDER_SQL.into(),
        true,
        &[],
    );
    case(
        "feed".into(),
        format!(
            "SELECT {} FROM messages {}",
            crate::storage::sql::messages::MESSAGE_COLUMNS,
            crate::storage::sql::messages::FEED_TAIL_SQL
        ),
        false,
        &[],
    );
    for (name, tail) in [
        (
            "inbox (all)",
            crate::storage::sql::messages::INBOX_ALL_TAIL_SQL,
        ),
        (
            "inbox (unread)",
            crate::storage::sql::messages::UNREAD_TAIL_SQL,
        ),
        ("history", crate::storage::sql::messages::HISTORY_TAIL_SQL),
    ] {
        let sql = format!(
            "SELECT {} FROM messages {tail}",
            crate::storage::sql::messages::MESSAGE_COLUMNS
        );
        // Inbox and unread walk their index in the order asked for and stop at the limit.
        case(name.into(), sql, name != "history", &[]);
    }
    for (everything, content) in [(false, false), (true, false), (false, true), (true, true)] {
        for group_channels in [false, true] {
            let viewer = crate::storage::sql::changes::Viewer {
                everything,
                agent: "dev",
                group: "g",
                group_channels,
                whole_group: false,
            };
            let looking = crate::storage::sql::changes::Looking {
                kinds: &[],
                others_only: true,
                content,
            };
            case(
                format!(
                    "change feed (everything={everything}, group channels={group_channels}, \
                     content={content})"
                ),
                crate::storage::sql::changes::visible_sql(&viewer, looking),
                true,
                &[],
            );
        }
    }
    case(
        "audit log of one agent".into(),
        crate::storage::sql::audit::newest_sql(true).into(),
        true,
        &[],
    );
    case(
        "audit log, newest".into(),
        crate::storage::sql::audit::newest_sql(false).into(),
        true,
        &[Allowed {
            line: "SCAN audit_log",
            why: "walks rowids backwards from the newest and stops at LIMIT",
        }],
    );
    case(
        "overdue".into(),
        format!(
            "SELECT {} FROM messages {}",
            crate::storage::sql::messages::MESSAGE_COLUMNS,
            crate::storage::sql::messages::OVERDUE_TAIL_SQL
        ),
        true,
        &[],
    );
    const PENDING: Allowed = Allowed {
        line: "SCAN p USING INDEX agor_proposals_pending",
        why: "the partial index holds only the pending proposals, which wait on a person",
    };
    const IN_GROUP: &[Allowed] = &[PENDING];
    const EVERY_GROUP: &[Allowed] = &[
        PENDING,
        Allowed {
            line: "SCAN d",
            why: "a person's whole view lists every dead letter: the queue is the answer",
        },
    ];
    for group in [false, true] {
        let allowed = if group { IN_GROUP } else { EVERY_GROUP };
        case(
            format!("waiting on people (group={group})"),
            crate::storage::sql::approvals::waiting_sql(group),
            false,
            allowed,
        );
    }
    case(
        "task history".into(),
        crate::storage::sql::changes::TASK_MOVES_SQL.into(),
        false,
        &[],
    );
    use crate::storage::sql::liveness::{self as letters, LetterScope};
    for scope in [LetterScope::Every, LetterScope::Group, LetterScope::Own] {
        const EVERY_LETTER: &[Allowed] = &[Allowed {
            line: "SCAN dead_letter_queue",
            why: "tier 0 lists or redelivers every dead letter: the queue is the answer",
        }];
        let filter = |pick| letters::letter_filter(scope, "dev", "g", pick).0;
        for id in [None, Some(1)] {
            let whole = scope == LetterScope::Every && id.is_none();
            let allowed = if whole { EVERY_LETTER } else { &[] };
            case(
                format!("dead letters ({scope:?}, id {id:?})"),
                letters::letters_sql(&filter(id.into())),
                false,
                allowed,
            );
            case(
                format!("redelivery ({scope:?}, id {id:?})"),
                letters::redeliverable_sql(&filter(id.into())),
                false,
                allowed,
            );
        }
        case(
            format!("heartbeat redelivery ({scope:?})"),
            letters::redeliverable_sql(&filter(letters::Pick::Incoming)),
            false,
            &[],
        );
    }
    out
}

/// A database with a little of everything, so the planner sees real tables and indexes.
fn populated() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("plans.db")).unwrap();
    for (id, role, group) in [
        ("root", "admin", "g"),
        ("mgr", "manager", "g"),
        ("dev", "project", "g"),
        ("mgr2", "manager", "h"),
    ] {
        store
            .register_agent(&NewAgent::new(id, id, role, group))
            .unwrap();
    }
    store.allow("mgr", "dev", true).unwrap();
    for (m, n) in [("mgr", 60), ("mgr2", 20)] {
        let mgr = store.as_agent(m).unwrap();
        for i in 0..n {
            let mut t = NewTask::new(&format!("task {i}"));
            if i % 3 == 0 {
                t.tags = vec!["ui".into()];
            }
            // Claims with their files in play: claim-next still walks the board order.
            if i % 2 == 0 {
                t.paths = vec![format!("src/{}/*", i % 4)];
            }
            // Work that fits only some roles, and deferred work: claim-next filters both on
            // its walk of the board-order index.
            if i % 4 == 1 {
                t.requires = Some("capability:review_work".into());
            }
            let task = mgr.create_task(&t).unwrap();
            if i % 5 == 2 {
                mgr.defer_task(&task.id, Some("2h")).unwrap();
            }
        }
        mgr.create_channel("ops").unwrap();
        mgr.post("ops", "hello").unwrap();
    }
    let dev = store.as_agent("dev").unwrap();
    let claim = dev.claim_task(None, 60).unwrap().unwrap();
    dev.complete_task(&claim.task.id, &claim.token, &Default::default(), false)
        .ok();
    // A live claim holding files, so claim-next for others has tasks to skip.
    while dev
        .claim_task(None, 600)
        .unwrap()
        .unwrap()
        .task
        .paths
        .is_empty()
    {}
    dev.send("mgr", "hi").unwrap();
    (dir, store)
}

fn check_all(c: &Connection) -> Vec<String> {
    let mut failures = Vec::new();
    for case in cases() {
        let lines = plan(c, &case.sql);
        // Subqueries in FROM (named, as PostgreSQL requires) run as co-routines: scanning one
        // reads the rows its inner SEARCH produced, not a table.
        let subqueries: Vec<&str> = lines
            .iter()
            .filter_map(|l| {
                l.strip_prefix("CO-ROUTINE ")
                    .or_else(|| l.strip_prefix("MATERIALIZE "))
            })
            .collect();
        for line in &lines {
            // `SCAN (subquery-N)` too reads the rows an inner SEARCH produced.
            let scans = line.starts_with("SCAN ")
                && !line.starts_with("SCAN (")
                && !line.starts_with("SCAN CONSTANT ROW")
                && !subqueries.iter().any(|q| line[5..] == **q);
            if scans && !case.allowed.iter().any(|a| a.line == line) {
                failures.push(format!("{}: `{line}`\n  plan: {lines:?}", case.name));
            }
            if case.no_sort && line.starts_with("USE TEMP B-TREE") {
                failures.push(format!(
                    "{}: sorts (`{line}`) instead of walking an index",
                    case.name
                ));
            }
        }
        if let Some(needle) = case.needs {
            if !lines.iter().any(|l| l.contains(needle)) {
                failures.push(format!(
                    "{}: no plan line has `{needle}`\n  plan: {lines:?}",
                    case.name
                ));
            }
        }
    }
    failures
}

#[test]
fn no_query_scans_a_table() {
    let (_dir, store) = populated();
    let failures = check_all(&Connection::open(store.path()).unwrap());
    assert!(failures.is_empty(), "table scans:\n{}", failures.join("\n"));
}

#[test]
fn no_query_scans_a_table_after_analyze() {
    // ANALYZE gives the planner real statistics; the plans must hold with them too. On a few
    // rows a scan is the right plan, so the file first gets the shape of a long-lived board:
    // many groups, a long history of done tasks, and mail and posts between them.
    let (_dir, store) = populated();
    let c = Connection::open(store.path()).unwrap();
    c.execute_batch(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
                 INSERT INTO tasks (id, title, status, priority, group_id, sort_order, created_at, updated_at)
                     SELECT 'bulk-' || i, 'old', 'done', 'medium', 'grp' || (i % 50), i,
                            datetime('now'), datetime('now') FROM n;
                 WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
                 INSERT INTO messages (id, from_agent, to_agent, content, read, group_id,
                                       sender_group_id, created_at)
                     SELECT 'm-' || i, 'a' || (i % 97), 'b' || (i % 89), 'x', 1, 'grp' || (i % 50),
                            'grp' || (i % 43), datetime('now') FROM n;
                 WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)
                 INSERT INTO tasks (id, title, status, priority, group_id, sort_order, created_at,
                                    updated_at, requires, not_before_ms)
                     SELECT 'held-' || i, 'held', 'todo', 'high', 'g', i, datetime('now'),
                            datetime('now'), CASE WHEN i % 2 = 0 THEN 'role:reviewer' END,
                            CASE WHEN i % 2 = 1 THEN 9999999999999 END FROM n;
                 WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
                 INSERT INTO channel_messages (id, channel_id, from_agent, content, created_at)
                     SELECT 'p-' || i, 'ch' || (i % 50), 'a' || (i % 97), 'x', datetime('now')
                     FROM n;
                 WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
                 INSERT INTO task_tags (task_id, tag) SELECT 'bulk-' || i, 'tag' || (i % 200) FROM n;
                 ANALYZE;",
    )
    .unwrap();
    let failures = check_all(&c);
    assert!(failures.is_empty(), "table scans:\n{}", failures.join("\n"));
}

#[test]
fn claim_next_filters_requires_and_not_before_on_the_index_walk() {
    // The plan tests above cover claim-next; this one makes sure the query they read is the
    // one with the fit and deferral filters, so those filters are in the checked plan.
    for admin in [false, true] {
        let sql = tasks::claimable_sql(admin);
        assert!(
            sql.contains("t.requires") && sql.contains("t.not_before_ms"),
            "{sql}"
        );
    }
}

#[test]
fn every_exception_is_explained() {
    for case in cases() {
        for a in case.allowed {
            assert!(
                !a.why.is_empty(),
                "{}: exception {} without a reason",
                case.name,
                a.line
            );
        }
    }
}
