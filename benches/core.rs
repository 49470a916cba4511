//! Core benchmarks: claim contention across processes, and inbox/unread cost as the message
//! table grows. Each prints ratios measured in one run; nothing here asserts a timing.
//!
//! Run: `cargo bench -p agor-core --bench core` (`-- contention` or `-- scale` for one part).
//! With `AGOR_BENCH_PG=postgresql://…` set, each part runs on SQLite and then on that
//! PostgreSQL server (a fresh schema per run), so the two engines' ratios sit side by side.

use std::process::Command;
use std::time::{Duration, Instant};

use agor_core::{NewAgent, NewTask, Store};

const TASKS: usize = 2_000;
const PROCESSES: usize = 8;

fn main() {
    if let Ok(db) = std::env::var("AGOR_BENCH_CLAIMER") {
        let me = std::env::var("AGOR_BENCH_AGENT").unwrap();
        claim_until_empty(&db, &me);
        return;
    }
    let which: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let wants = |name: &str| which.is_empty() || which.iter().any(|w| w == name);
    let server = std::env::var("AGOR_BENCH_PG")
        .ok()
        .filter(|u| !u.is_empty());
    for engine in std::iter::once(None).chain(server.map(Some)) {
        println!(
            "== {}",
            if engine.is_some() {
                "PostgreSQL"
            } else {
                "SQLite"
            }
        );
        if wants("contention") {
            contention(engine.as_deref());
        }
        if wants("scale") {
            scale(engine.as_deref());
        }
    }
}

/// A new database: `dir/name.db`, or a fresh schema on the server at `server`.
fn location(server: Option<&str>, dir: &std::path::Path, name: &str) -> String {
    let Some(url) = server else {
        return dir
            .join(format!("{name}.db"))
            .to_string_lossy()
            .into_owned();
    };
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let schema = format!("bench_{name}_{}_{n}_{nanos}", std::process::id());
    let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
    client
        .batch_execute(&format!("CREATE SCHEMA {schema}"))
        .unwrap();
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}options=-csearch_path%3D{schema}")
}

fn claim_until_empty(db: &str, me: &str) {
    let actor = Store::open(db).unwrap().as_agent(me).unwrap();
    let mut n = 0;
    while let Some(claim) = actor.claim_task(None, 600).unwrap() {
        let record = agor_core::Completion {
            summary: "ok".into(),
            ..Default::default()
        };
        actor
            .complete_task(&claim.task.id, &claim.token, &record, false)
            .unwrap();
        n += 1;
    }
    println!("{n}");
}

/// A board of TASKS todo tasks and PROCESSES workers.
fn board(db: &str) {
    let store = Store::open(db).unwrap();
    store
        .register_agent(&NewAgent::new("boss", "boss", "manager", "g"))
        .unwrap();
    for i in 0..PROCESSES {
        store
            .register_agent(&NewAgent::new(&format!("w{i}"), "w", "project", "g"))
            .unwrap();
    }
    let boss = store.as_agent("boss").unwrap();
    for i in 0..TASKS {
        boss.create_task(&NewTask::new(&format!("task {i}")))
            .unwrap();
    }
}

/// Runs `workers` claimer processes on a fresh board; returns (wall time, claims per process).
fn run_claimers(server: Option<&str>, workers: usize) -> (Duration, Vec<usize>) {
    let dir = tempfile::tempdir().unwrap();
    let db = location(server, dir.path(), "board");
    board(&db);
    let exe = std::env::current_exe().unwrap();
    let started = Instant::now();
    let spawned: Vec<_> = (0..workers)
        .map(|i| {
            Command::new(&exe)
                .env("AGOR_BENCH_CLAIMER", &db)
                .env("AGOR_BENCH_AGENT", format!("w{i}"))
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let counts = spawned
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().unwrap();
            assert!(out.status.success(), "claimer failed");
            String::from_utf8(out.stdout)
                .unwrap()
                .trim()
                .parse()
                .unwrap()
        })
        .collect();
    (started.elapsed(), counts)
}

fn contention(server: Option<&str>) {
    let (alone, c1) = run_claimers(server, 1);
    let (together, c8) = run_claimers(server, PROCESSES);
    let total: usize = c8.iter().sum();
    assert_eq!(c1.iter().sum::<usize>(), TASKS);
    assert_eq!(total, TASKS, "every task claimed exactly once");
    let tput_alone = TASKS as f64 / alone.as_secs_f64();
    let tput_together = TASKS as f64 / together.as_secs_f64();
    println!("contention: claim+complete {TASKS} tasks");
    println!("  1 process : {:>8.0} tasks/s", tput_alone);
    println!(
        "  {PROCESSES} processes: {:>8.0} tasks/s  (per process: {c8:?})",
        tput_together
    );
    println!(
        "  ratio {PROCESSES} processes / 1 process = {:.2} (target >= 0.60)",
        tput_together / tput_alone
    );
}

/// Average time of `f` over `n` calls.
fn per_call(n: u32, mut f: impl FnMut()) -> Duration {
    let start = Instant::now();
    for _ in 0..n {
        f();
    }
    start.elapsed() / n
}

fn scale(server: Option<&str>) {
    println!("scale: inbox (10 unread) and unread_count as the messages table grows");
    let mut first: Option<(Duration, Duration)> = None;
    for total in [10_000usize, 100_000, 1_000_000] {
        let dir = tempfile::tempdir().unwrap();
        let db = location(server, dir.path(), "scale");
        let store = Store::open(&db).unwrap();
        for id in ["reader", "other", "sender"] {
            store
                .register_agent(&NewAgent::new(id, id, "project", "g"))
                .unwrap();
        }
        // Bulk history straight into the table: read mail for "reader", traffic for "other".
        if server.is_some() {
            let mut client = postgres::Client::connect(&db, postgres::NoTls).unwrap();
            client
                .execute(
                    "INSERT INTO messages (id, from_agent, to_agent, content, read, group_id, created_at)
                     SELECT lpad(to_hex(n), 32, '0'), 'sender',
                            CASE WHEN n % 2 = 0 THEN 'reader' ELSE 'other' END, 'old news',
                            CASE WHEN n >= 20 THEN 1 ELSE 0 END, 'g', '2025-01-01 00:00:00'
                     FROM generate_series(0, $1::bigint - 1) AS n",
                    &[&(total as i64)],
                )
                .unwrap();
            client.batch_execute("ANALYZE messages").unwrap();
        } else {
            bulk_sqlite(&db, total);
        }
        let reader = store.as_agent("reader").unwrap();
        assert_eq!(reader.unread_count().unwrap(), 10);
        let inbox = per_call(2_000, || {
            assert_eq!(reader.inbox(false, None).unwrap().len(), 10)
        });
        let count = per_call(2_000, || assert_eq!(reader.unread_count().unwrap(), 10));
        let (i0, c0) = *first.get_or_insert((inbox, count));
        println!(
            "  {total:>9} messages: inbox {:>7.1} µs ({:.2}x of 10k)  unread_count {:>6.1} µs ({:.2}x of 10k)",
            inbox.as_secs_f64() * 1e6,
            inbox.as_secs_f64() / i0.as_secs_f64(),
            count.as_secs_f64() * 1e6,
            count.as_secs_f64() / c0.as_secs_f64(),
        );
    }
    println!("  target: 1M within 2x of 10k");
}

/// `total` messages of history written straight into an SQLite file, in one transaction.
fn bulk_sqlite(db: &str, total: usize) {
    let raw = rusqlite::Connection::open(db).unwrap();
    raw.execute_batch("BEGIN").unwrap();
    {
        let mut ins = raw
            .prepare(
                "INSERT INTO messages (id, from_agent, to_agent, content, read, group_id, created_at)
                 VALUES (?1, 'sender', ?2, 'old news', ?3, 'g', '2025-01-01 00:00:00')",
            )
            .unwrap();
        for n in 0..total {
            let to = if n % 2 == 0 { "reader" } else { "other" };
            ins.execute(rusqlite::params![
                format!("{n:032x}"),
                to,
                i64::from(n >= 20)
            ])
            .unwrap();
        }
    }
    raw.execute_batch("COMMIT").unwrap();
}
