//! What only a PostgreSQL store has: a server to reach, credentials, a schema that may hold
//! another application's tables, URLs that carry a password. Runs when `AGOR_TEST_PG` names a
//! server (scripts/test.sh starts one); the domain suites cover everything else on both engines.

mod common;

use agor_core::{ErrorKind, NewAgent, Store};

/// A fresh schema's URL, or `None` (and a note) without a server.
fn schema() -> Option<(tempfile::TempDir, String)> {
    let server = common::test_env::postgres_server()?;
    Some((tempfile::tempdir().unwrap(), common::new_schema(&server)))
}

/// The server itself, for tests that make their own roles and schemas.
fn server() -> String {
    common::test_env::postgres_server().expect("schema() came first")
}

#[test]
fn refused_credentials_name_the_cause_and_never_the_password() {
    let Some((_dir, url)) = schema() else { return };
    let (head, tail) = url.split_once('@').unwrap();
    let user = head.rsplit_once(':').unwrap().0;
    let wrong = format!("{user}:not-the-password@{tail}");
    let e = Store::open_url(&wrong).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Storage);
    let text = e.to_string();
    assert!(text.contains("refused the credentials"), "{text}");
    assert!(!text.contains("not-the-password"), "{text}");
}

#[test]
fn an_unreachable_server_is_a_clear_error() {
    let Some(_) = schema() else { return };
    let e =
        Store::open_url("postgresql://agor@/agor?host=/nonexistent-socket-dir&connect_timeout=2")
            .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Storage);
    assert!(e.to_string().contains("cannot be reached"), "{e}");
    let bad = Store::open_url("postgresql://agor@/agor?port=notaport").unwrap_err();
    assert_eq!(bad.kind(), ErrorKind::InvalidInput, "{bad}");
}

#[test]
fn a_url_naming_a_missing_schema_is_a_clear_error() {
    let Some(_) = schema() else { return };
    let base = server();
    let sep = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{sep}options=-csearch_path%3Dno_such_schema_here");
    let e = Store::open_url(&url).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Storage);
    assert!(
        e.to_string().contains("no schema of the search_path"),
        "{e}"
    );
}

#[test]
fn another_applications_schema_is_refused_untouched() {
    let Some((_dir, url)) = schema() else { return };
    common::exec(
        &url,
        "CREATE TABLE invoices (id BIGINT PRIMARY KEY); INSERT INTO invoices VALUES (7)",
    );
    let e = Store::open_url(&url).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Schema);
    assert!(e.to_string().contains("invoices"), "{e}");
    let tables = common::count(
        &url,
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()",
    );
    assert_eq!(tables, 1, "a refused schema got tables");
}

#[test]
fn a_newer_schema_is_refused_and_left_as_it_is() {
    let Some((_dir, url)) = schema() else { return };
    Store::open_url(&url).unwrap();
    common::exec(
        &url,
        "UPDATE agor_meta SET value = '999' WHERE key = 'schema_version'",
    );
    let e = Store::open_url(&url).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Schema);
    assert!(e.to_string().contains("999"), "{e}");
    assert_eq!(
        common::text(
            &url,
            "SELECT value FROM agor_meta WHERE key = 'schema_version'"
        ),
        "999"
    );
}

#[test]
fn the_path_hides_the_password_and_backups_point_to_pg_dump() {
    let Some((dir, url)) = schema() else { return };
    let store = Store::open_url(&url).unwrap();
    let shown = store.path().to_string_lossy().into_owned();
    assert!(
        shown.contains(":***@") && !shown.contains("agor-test"),
        "{shown}"
    );
    let e = store.backup(dir.path().join("copy.db")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.to_string().contains("pg_dump"), "{e}");
}

#[test]
fn a_read_only_store_refuses_writes_and_reads() {
    let Some((_dir, url)) = schema() else { return };
    Store::open_url(&url)
        .unwrap()
        .register_agent(&NewAgent::new("mgr", "M", "manager", "g"))
        .unwrap();
    let ro = Store::builder().url(&url).read_only(true).open().unwrap();
    assert_eq!(ro.get_agent("mgr").unwrap().id, "mgr");
    let e = ro
        .register_agent(&NewAgent::new("dev", "D", "project", "g"))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ReadOnly);
    // A read-only open of an empty schema cannot create agor's tables.
    let Some((_d, empty)) = schema() else { return };
    let e = Store::builder()
        .url(&empty)
        .read_only(true)
        .open()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ReadOnly);
}

#[test]
fn a_writer_waiting_past_the_busy_timeout_gets_busy_and_writes_nothing() {
    let Some((_dir, url)) = schema() else { return };
    let store = Store::builder()
        .url(&url)
        .busy_timeout(std::time::Duration::from_millis(300))
        .open()
        .unwrap();
    let lock = common::hold_write_lock(&url);
    let e = store
        .register_agent(&NewAgent::new("mgr", "M", "manager", "g"))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Busy, "{e}");
    drop(lock);
    assert_eq!(
        store.get_agent("mgr").unwrap_err().kind(),
        ErrorKind::NotFound
    );
    store
        .register_agent(&NewAgent::new("mgr", "M", "manager", "g"))
        .unwrap();
}

#[test]
fn claims_run_beside_other_claims_and_ordinary_writes_wait_for_them() {
    let Some((_dir, url)) = schema() else { return };
    let store = Store::builder()
        .url(&url)
        .busy_timeout(std::time::Duration::from_millis(300))
        .open()
        .unwrap();
    store
        .register_agent(&NewAgent::new("mgr", "M", "manager", "g"))
        .unwrap();
    store
        .register_agent(&NewAgent::new("w", "W", "project", "g"))
        .unwrap();
    let (mgr, w) = (store.as_agent("mgr").unwrap(), store.as_agent("w").unwrap());
    for n in 0..3 {
        mgr.create_task(&agor_core::NewTask::new(&format!("t{n}")))
            .unwrap();
    }
    let done = agor_core::Completion {
        summary: "ok".into(),
        ..Default::default()
    };

    // A row-lock write in flight elsewhere (the schema lock shared): claims and completions
    // go ahead beside it, an ordinary write waits for it.
    let other = common::hold_advisory_lock(&url, common::SCHEMA_LOCK, true);
    let claim = w.claim_task(None, 60).unwrap().unwrap();
    w.complete_task(&claim.task.id, &claim.token, &done, false)
        .unwrap();
    let e = mgr
        .create_task(&agor_core::NewTask::new("waits"))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Busy, "{e}");
    drop(other);

    // An ordinary write in flight: a claim waits for it, and gets Busy past the timeout.
    let exclusive = common::hold_advisory_lock(&url, common::SCHEMA_LOCK, false);
    let e = w.claim_task(None, 60).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Busy, "{e}");
    drop(exclusive);

    // Another claim appending to the feed (the tail lock held): this claim's own appends
    // wait, and past the timeout nothing of it is left.
    let before = store.latest_change().unwrap();
    let tail = common::hold_advisory_lock(&url, common::TAIL_LOCK, false);
    let e = w.claim_task(None, 60).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Busy, "{e}");
    drop(tail);
    assert_eq!(store.latest_change().unwrap(), before);
    assert_eq!(
        mgr.ready_tasks().unwrap().len(),
        2,
        "the failed claim left a claim behind"
    );
    let claim = w.claim_task(None, 60).unwrap().unwrap();
    let history = mgr.task_history(&claim.task.id, 10).unwrap();
    assert_eq!(
        history.last().unwrap().to,
        agor_core::TaskStatus::InProgress
    );
}

#[test]
fn a_connection_the_server_dropped_is_replaced_by_the_next_call() {
    let Some((_dir, url)) = schema() else { return };
    // A name of its own, so only this store's session is ended (tests run in parallel).
    let url = format!("{url}&application_name=agor_dropped");
    let store = Store::open_url(&url).unwrap();
    store
        .register_agent(&NewAgent::new("mgr", "M", "manager", "g"))
        .unwrap();
    // Another session ends the store's (as a server restart or an idle timeout would).
    let mut admin = postgres::Client::connect(&server(), postgres::NoTls).unwrap();
    let ended: i64 = admin
        .query_one(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
             WHERE application_name = 'agor_dropped' AND pid <> pg_backend_pid()",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(ended >= 1, "no agor session to end");
    // Termination is asynchronous: wait until the session is really gone.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while admin
        .query_one(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'agor_dropped'",
            &[],
        )
        .unwrap()
        .get::<_, i64>(0)
        > 0
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the session outlived its end"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // The call that meets the dead connection fails with a storage error, nothing half-done;
    // the next one works on a new connection.
    let first = store.get_agent("mgr");
    if let Err(e) = &first {
        assert_eq!(e.kind(), ErrorKind::Storage, "{e}");
    }
    assert_eq!(store.get_agent("mgr").unwrap().id, "mgr");
    store
        .register_agent(&NewAgent::new("dev", "D", "project", "g"))
        .unwrap();
}

/// A login role of its own (dropped by nobody: each test run uses fresh names) and the
/// server's URL logged in as it, with `options` appended when given.
fn role(password: &str, encoded: &str) -> Option<(String, String)> {
    let base = common::test_env::postgres_server()?;
    let name = format!(
        "r_{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    );
    let mut admin = postgres::Client::connect(&base, postgres::NoTls).unwrap();
    admin
        .batch_execute(&format!(
            "CREATE ROLE {name} LOGIN PASSWORD '{}'",
            password.replace('\'', "''")
        ))
        .unwrap();
    let (scheme, rest) = base.split_once("://").unwrap();
    let (_, after) = rest.split_once('@').unwrap();
    Some((name.clone(), format!("{scheme}://{name}:{encoded}@{after}")))
}

fn with_search_path(url: &str, schema: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}options=-csearch_path%3D{schema}")
}

fn admin() -> postgres::Client {
    postgres::Client::connect(&server(), postgres::NoTls).unwrap()
}

// issue 19 item 10: a password holding `/` or `?` showed in clear in `store.path` (the
// redaction cut the user info at the first `/` or `?`) and in connect errors. Now neither the
// password nor a piece of it shows, encoded or not, in the user info or a `password=`
// parameter, on success or on a refused login.
#[test]
fn a_password_with_slash_and_question_mark_never_shows() {
    let Some(_) = schema() else { return };
    let password = "pw/se?cr@t";
    let (name, encoded_url) = role(password, "pw%2Fse%3Fcr%40t").unwrap();
    admin()
        .batch_execute(&format!("CREATE SCHEMA {name} AUTHORIZATION {name}"))
        .unwrap();
    let plain_url = encoded_url.replace("pw%2Fse%3Fcr%40t", "pw/se?cr%40t");
    let (scheme, rest) = encoded_url.split_once("://").unwrap();
    let (_, after) = rest.split_once('@').unwrap();
    let param_url = format!("{scheme}://{name}@{after}&password=pw/se?cr@t");
    let pieces = ["pw/se", "se?cr", "cr@t", "pw%2F", "%3Fcr", "cr%40t"];
    for url in [&encoded_url, &plain_url, &param_url] {
        let store = Store::open_url(&with_search_path(url, &name)).unwrap();
        let shown = store.path().to_string_lossy().into_owned();
        let debug = format!("{store:?}");
        for piece in pieces {
            assert!(
                !shown.contains(piece) && !debug.contains(piece),
                "{shown} / {debug}"
            );
        }
        assert!(shown.contains("***"), "{shown}");
        drop(store);
        let wrong = url.replace("pw", "pX");
        let e = Store::open_url(&wrong).unwrap_err();
        let text = format!("{e} {e:?}");
        for piece in pieces.iter().map(|p| p.replace("pw", "pX")) {
            assert!(!text.contains(&piece), "{text}");
        }
        assert!(text.contains("refused the credentials"), "{text}");
    }
}

// issue 19 item 10: the foreign-schema check read information_schema, which lists only the
// tables the role may use: another application's table that agor's role cannot read made the
// schema look empty, and agor moved in beside it. The catalog sees it; the schema is refused
// untouched.
#[test]
fn another_applications_unreadable_tables_are_seen_and_refused() {
    let Some(_) = schema() else { return };
    let (name, url) = role("plain-pass", "plain-pass").unwrap();
    admin()
        .batch_execute(&format!(
            "CREATE SCHEMA {name}_app;
             GRANT USAGE, CREATE ON SCHEMA {name}_app TO {name};
             CREATE TABLE {name}_app.secret_ledger (id BIGINT PRIMARY KEY);
             REVOKE ALL ON {name}_app.secret_ledger FROM PUBLIC;"
        ))
        .unwrap();
    let e = Store::open_url(&with_search_path(&url, &format!("{name}_app"))).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Schema, "{e}");
    assert!(e.to_string().contains("secret_ledger"), "{e}");
    let tables: i64 = admin()
        .query_one(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = $1 AND c.relkind = 'r'",
            &[&format!("{name}_app")],
        )
        .unwrap()
        .get(0);
    assert_eq!(
        tables, 1,
        "agor created tables beside another application's"
    );
}

// issue 19 item 10: server errors reached the user as "db error". Now the server's message
// and SQLSTATE are kept (here: a role without CREATE on the schema it is pointed at).
#[test]
fn server_errors_keep_the_servers_text() {
    let Some(_) = schema() else { return };
    let (name, url) = role("plain-pass", "plain-pass").unwrap();
    admin()
        .batch_execute(&format!(
            "CREATE SCHEMA {name}_ro; GRANT USAGE ON SCHEMA {name}_ro TO {name};"
        ))
        .unwrap();
    let e = Store::open_url(&with_search_path(&url, &format!("{name}_ro"))).unwrap_err();
    let text = e.to_string();
    assert!(
        text != "db error" && text.contains("permission denied"),
        "{text}"
    );
    assert!(text.contains("42501"), "{text}");
}

/// Issue 21 item 4.1: with creation off, a schema without agor's tables is NotFound naming
/// the URL (without its password) and is left empty; once created, it opens.
#[test]
fn open_without_create_refuses_an_empty_schema_and_creates_nothing() {
    let Some((_dir, url)) = schema() else { return };
    let e = Store::builder().url(&url).create(false).open().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
    assert!(
        e.to_string().starts_with("database not found: postgres"),
        "{e}"
    );
    // Still empty: a second try says the same, and a creating open then works.
    let e = Store::builder().url(&url).create(false).open().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
    let store = Store::open_url(&url).unwrap();
    store
        .register_agent(&NewAgent::new("mgr-1", "M", "manager", "core"))
        .unwrap();
    drop(store);
    let again = Store::builder().url(&url).create(false).open().unwrap();
    let e = again
        .as_agent("mgr-9")
        .unwrap()
        .inbox(false, None)
        .unwrap_err();
    assert!(
        e.to_string()
            .starts_with("agent not found: mgr-9 (in postgres"),
        "{e}"
    );
}

/// One agent that gets most of the mail (a manager, a sink) must not make every agent's
/// unread count read the whole mailbox. PostgreSQL estimates a count per agent from how many
/// recipients there are, and the correlated count it planned read every message once per
/// agent listed (2.4 s to list 1,200 agents beside 45,000 messages to one). Counted by the
/// server's own statistics, which a connection reports when it closes: listing 100 agents
/// beside 5,000 messages to one of them scans `messages` a few times at most, not 100.
#[test]
fn unread_counts_do_not_read_the_mailbox_once_per_agent() {
    let Some((_dir, url)) = schema() else { return };
    let store = Store::open_url(&url).unwrap();
    for i in 0..100 {
        let id = format!("a{i}");
        store
            .register_agent(&NewAgent::new(&id, &id, "project", "g"))
            .unwrap();
    }
    common::exec(
        &url,
        "INSERT INTO messages (id, from_agent, to_agent, content)
             SELECT 'm' || i, 'a1', 'a0', 'busy' FROM generate_series(1, 5000) AS i;
         ANALYZE messages;",
    );
    drop(store);
    let scans = |table: &str| {
        common::count(
            &url,
            &format!(
                "SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0) FROM pg_stat_user_tables
                 WHERE relname = '{table}' AND schemaname = current_schema()"
            ),
        )
    };
    let (agents_before, messages_before) = (scans("agents"), scans("messages"));

    let store = Store::open_url(&url).unwrap();
    let listed = store.list_agents(None).unwrap();
    assert_eq!(listed.len(), 100);
    assert_eq!(listed.iter().find(|a| a.id == "a0").unwrap().unread, 5000);
    drop(store);
    // The closed connection's statistics arrive a moment later; the agents table it surely
    // read says when they are in.
    let until = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while scans("agents") == agents_before {
        assert!(
            std::time::Instant::now() < until,
            "the statistics never came"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let read = scans("messages") - messages_before;
    assert!(
        read <= 5,
        "listing 100 agents scanned the messages {read} times"
    );
}
