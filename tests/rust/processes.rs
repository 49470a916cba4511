//! Several real OS processes on one database file: concurrent first open (migration exactly
//! once) and concurrent send/read with nothing lost, nothing duplicated, no lock error escaping.
//!
//! The workers are this test binary re-run with `AGOR_TEST_WORKER` set: the ignored test
//! `worker_entry` is their `main`.

mod common;

use std::collections::BTreeMap;
use std::process::Child;
use std::time::{Duration, Instant};

use agor_core::{NewAgent, Store};
use common::child::{join, now_ms, results};

const WORKERS: usize = 4;
/// As many claiming processes as the claim benchmark of SPEC §6 runs.
const CLAIMERS: usize = 8;
const PER_WORKER: usize = 150;

fn spawn_worker(mode: &str, db: &str, index: usize, start_at_ms: u128) -> Child {
    common::child::spawn_worker(&[
        ("AGOR_TEST_WORKER", mode.to_owned()),
        ("AGOR_TEST_DB", db.to_owned()),
        ("AGOR_TEST_INDEX", index.to_string()),
        ("AGOR_TEST_START", start_at_ms.to_string()),
    ])
}

#[test]
#[ignore = "entry point of the worker processes spawned by the other tests"]
fn worker_entry() {
    let Ok(mode) = std::env::var("AGOR_TEST_WORKER") else {
        return;
    };
    let db = std::env::var("AGOR_TEST_DB").unwrap();
    let index: usize = std::env::var("AGOR_TEST_INDEX").unwrap().parse().unwrap();
    let start: u128 = std::env::var("AGOR_TEST_START").unwrap().parse().unwrap();
    // Line everyone up on the same instant so the opens and writes really overlap.
    while now_ms() < start {
        std::thread::sleep(Duration::from_millis(1));
    }
    match mode.as_str() {
        "open" => {
            let store = Store::open(&db).unwrap();
            let version = store.schema_version().unwrap();
            println!("RESULT version {version} trace {}", migration_trace(&db));
            // A row written once this process's open is done: a migration run by a later
            // opener (one that rebuilds a table) would lose it.
            store
                .register_agent(&NewAgent::new(&format!("w{index}"), "w", "project", "g"))
                .unwrap();
        }
        "chat" => chat(&db, index),
        "claim" => claim_all(&db, index),
        "spam" => {
            let me = Store::open(&db).unwrap().as_agent("w0").unwrap();
            println!("RESULT started");
            for n in 0.. {
                me.send("w1", &format!("spam {n}")).unwrap();
            }
        }
        other => panic!("unknown worker mode {other}"),
    }
}

/// Worker `i` sends PER_WORKER numbered messages to worker `i+1` while reading its own inbox,
/// until it has received PER_WORKER messages from worker `i-1`. Any error fails the process.
fn chat(db: &str, i: usize) {
    let store = Store::open(db).unwrap();
    let me = store.as_agent(&format!("w{i}")).unwrap();
    let next = format!("w{}", (i + 1) % WORKERS);
    let mut received = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut sent = 0;
    while sent < PER_WORKER || received.len() < PER_WORKER {
        assert!(
            Instant::now() < deadline,
            "worker {i} timed out: sent {sent}, got {}",
            received.len()
        );
        if sent < PER_WORKER {
            me.send(&next, &format!("seq {sent}")).unwrap();
            sent += 1;
        }
        if sent % 10 == 0 || sent == PER_WORKER {
            received.extend(me.read_unread().unwrap());
        }
    }
    for m in received {
        println!("RESULT {} {} {}", m.from_agent, m.id, m.content);
    }
}

/// Claims and completes tasks until none is left; prints each task id it completed.
fn claim_all(db: &str, i: usize) {
    let store = Store::open(db).unwrap();
    let me = store.as_agent(&format!("w{i}")).unwrap();
    while let Some(claim) = me.claim_task(None, 60).unwrap() {
        let record = agor_core::Completion {
            summary: format!("done by w{i}"),
            ..Default::default()
        };
        me.complete_task(&claim.task.id, &claim.token, &record, false)
            .unwrap();
        println!("RESULT {}", claim.task.id);
    }
}

#[test]
fn processes_claiming_together_claim_every_task_exactly_once() {
    const TASKS: usize = 200;
    let dir = tempfile::tempdir().unwrap();
    let (db, store) = common::child::crew(&dir, CLAIMERS);
    let boss = store.as_agent("boss").unwrap();
    let mut created = std::collections::BTreeSet::new();
    for n in 0..TASKS {
        created.insert(
            boss.create_task(&agor_core::NewTask::new(&format!("task {n}")))
                .unwrap()
                .id,
        );
    }
    let start = now_ms() + 300;
    let outputs = join(
        (0..CLAIMERS)
            .map(|i| spawn_worker("claim", &db, i, start))
            .collect(),
    );
    let mut claimed = std::collections::BTreeSet::new();
    for out in &outputs {
        for id in results(out) {
            assert!(claimed.insert(id.to_owned()), "task {id} claimed twice");
        }
    }
    assert_eq!(claimed, created, "some task was never claimed");
    let open = boss.list_tasks(&agor_core::TaskFilter::default()).unwrap();
    assert!(open.is_empty(), "tasks left open: {open:?}");
}

#[test]
fn processes_send_and_read_concurrently_without_loss_or_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let db = common::new_location(&dir);
    let store = Store::open(&db).unwrap();
    for i in 0..WORKERS {
        store
            .register_agent(&NewAgent::new(&format!("w{i}"), "worker", "project", "g"))
            .unwrap();
    }
    for i in 0..WORKERS {
        store
            .allow(&format!("w{i}"), &format!("w{}", (i + 1) % WORKERS), false)
            .unwrap();
    }
    let start = now_ms() + 300;
    let children = (0..WORKERS)
        .map(|i| spawn_worker("chat", &db, i, start))
        .collect();
    let outputs = join(children);

    let mut ids = std::collections::HashSet::new();
    for (i, out) in outputs.iter().enumerate() {
        let prev = format!("w{}", (i + WORKERS - 1) % WORKERS);
        let mut seqs: BTreeMap<usize, usize> = BTreeMap::new();
        for line in results(out) {
            let mut parts = line.splitn(3, ' ');
            let (from, id, content) = (
                parts.next().unwrap(),
                parts.next().unwrap(),
                parts.next().unwrap(),
            );
            assert_eq!(from, prev, "worker {i} got mail from {from}");
            assert!(ids.insert(id.to_owned()), "message {id} delivered twice");
            let seq: usize = content.strip_prefix("seq ").unwrap().parse().unwrap();
            *seqs.entry(seq).or_default() += 1;
        }
        assert_eq!(seqs.len(), PER_WORKER, "worker {i} lost messages");
        assert!(seqs.values().all(|&n| n == 1), "worker {i} got duplicates");
    }
    // The file agrees: every message stored once and read.
    let audit = store.audit_log(None, agor_core::MAX_LIMIT).unwrap();
    let sent_rows = audit
        .iter()
        .filter(|e| e.event_type == "message_sent")
        .count();
    assert_eq!(sent_rows, WORKERS * PER_WORKER);
    for i in 0..WORKERS {
        assert_eq!(
            store
                .as_agent(&format!("w{i}"))
                .unwrap()
                .unread_count()
                .unwrap(),
            0
        );
    }
}

/// What changes whenever a migration runs, read behind the API's back: SQLite's schema cookie
/// (each CREATE, DROP or ALTER bumps it), or on PostgreSQL the transaction that last wrote the
/// schema version row (each migration step rewrites it).
fn migration_trace(db: &str) -> String {
    if db.starts_with("postgresql://") {
        common::text(
            db,
            "SELECT xmin::text FROM agor_meta WHERE key = 'schema_version'",
        )
    } else {
        common::count(db, "PRAGMA schema_version").to_string()
    }
}

const OPENERS: usize = 6;

/// Six processes open `db` at once: each sees the latest version and the same migration trace
/// (a second migration after one of them had looked would change it), and that trace is
/// `alone`'s (the trace one open leaves on such a file), when given (SQLite: the schema cookie
/// counts the statements that changed the schema). Then the rows each wrote after its open
/// are all there, and one more open migrates nothing and loses none of them.
fn race_first_open(db: &str, alone: Option<String>) {
    let start = now_ms() + 300;
    let children = (0..OPENERS)
        .map(|i| spawn_worker("open", db, i, start))
        .collect();
    let mut traces = std::collections::BTreeSet::new();
    for out in join(children) {
        let lines: Vec<&str> = results(&out).collect();
        assert_eq!(lines.len(), 1, "{out}");
        let (version, trace) = lines[0].split_once(" trace ").unwrap();
        assert_eq!(version, format!("version {}", common::latest_version()));
        traces.insert(trace.to_owned());
    }
    assert_eq!(
        traces.len(),
        1,
        "the openers saw the schema change: {traces:?}"
    );
    let trace = traces.pop_first().unwrap();
    assert_eq!(
        migration_trace(db),
        trace,
        "the schema changed after the openers"
    );
    if let Some(alone) = alone {
        assert_eq!(
            trace, alone,
            "the schema changed more than one open changes it"
        );
    }
    let markers = || {
        common::count(
            db,
            "SELECT count(*) FROM agents WHERE id LIKE 'w_' AND role = 'project'",
        )
    };
    assert_eq!(markers(), OPENERS as i64);
    let store = Store::open(db).unwrap();
    assert_eq!(store.schema_version().unwrap(), common::latest_version());
    assert_eq!(migration_trace(db), trace, "a later open migrated again");
    assert_eq!(markers(), OPENERS as i64, "a later open lost rows");
}

#[test]
fn processes_opening_a_new_file_at_once_migrate_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = common::new_location(&dir);
    let alone = common::postgres_url().is_none().then(|| {
        let reference = dir.path().join("alone.db").to_string_lossy().into_owned();
        Store::open(&reference).unwrap();
        migration_trace(&reference)
    });
    race_first_open(&db, alone);
}

/// A file as the legacy scripts left it, with one agent and one task.
fn legacy_file(dir: &tempfile::TempDir, name: &str) -> String {
    let db = dir.path().join(name).to_string_lossy().into_owned();
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch(
            "CREATE TABLE agents (id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, group_id TEXT NOT NULL);
             CREATE TABLE messages (id TEXT PRIMARY KEY, from_agent TEXT, to_agent TEXT, content TEXT,
                 read INTEGER DEFAULT 0, reply_to TEXT, group_id TEXT, created_at TEXT DEFAULT (datetime('now')));
             CREATE TABLE tasks (id TEXT PRIMARY KEY, title TEXT NOT NULL, status TEXT, created_by TEXT, group_id TEXT);
             INSERT INTO agents VALUES ('a', 'A', 'manager', 'g');
             INSERT INTO tasks VALUES ('t1', 'old', 'progress', 'a', 'g');",
        )
        .unwrap();
    db
}

#[test]
fn processes_opening_a_legacy_file_at_once_migrate_it_once() {
    if common::skip_on_postgres("legacy files are SQLite files") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let reference = legacy_file(&dir, "alone.db");
    Store::open(&reference).unwrap();
    let db = legacy_file(&dir, "legacy.db");
    race_first_open(&db, Some(migration_trace(&reference)));
    let raw = rusqlite::Connection::open(&db).unwrap();
    let cols: Vec<String> = raw
        .prepare("SELECT name FROM pragma_table_info('tasks')")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(cols.iter().filter(|c| *c == "version").count(), 1);
    let v: i64 = raw
        .query_row("SELECT version FROM tasks WHERE id = 't1'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(v, 1);
    assert_eq!(Store::open(&db).unwrap().get_agent("a").unwrap().tier, 2);
}

#[test]
fn a_writer_killed_at_any_moment_leaves_a_consistent_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = common::new_location(&dir);
    let store = Store::open(&db).unwrap();
    for i in 0..2 {
        store
            .register_agent(&NewAgent::new(&format!("w{i}"), "worker", "project", "g"))
            .unwrap();
    }
    store.allow("w0", "w1", false).unwrap();
    drop(store);
    for round in 0..6u64 {
        let mut child = spawn_worker("spam", &db, 0, 0);
        // Once it writes (a loaded machine may take longer to start it than the pause below),
        // let it write for a while (varying per round), then kill -9 mid-stream.
        let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        while !line.contains("RESULT started") {
            line.clear();
            let read = std::io::BufRead::read_line(&mut stdout, &mut line).unwrap();
            assert!(
                read > 0,
                "round {round}: the writer exited before it started"
            );
        }
        std::thread::sleep(Duration::from_millis(40 + round * 37));
        child.kill().unwrap();
        child.wait().unwrap();
        if common::postgres_url().is_none() {
            let raw = rusqlite::Connection::open(&db).unwrap();
            let check: String = raw
                .query_row("PRAGMA integrity_check", [], |r| r.get(0))
                .unwrap();
            assert_eq!(check, "ok", "round {round}");
        }
        // Each send is one transaction: a message never exists without its audit row.
        let messages = common::count(&db, "SELECT count(*) FROM messages");
        let audited = common::count(
            &db,
            "SELECT count(*) FROM audit_log WHERE event_type = 'message_sent'",
        );
        assert_eq!(messages, audited, "round {round}");
    }
    let store = Store::open(&db).unwrap();
    assert!(
        store.as_agent("w1").unwrap().unread_count().unwrap() > 0,
        "the writer never got going"
    );
}
