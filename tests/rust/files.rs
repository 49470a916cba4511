//! The database file as other tools and users leave it: read-only folders, legacy rows with
//! NULLs and odd types, backups taken while others write, and errors that name the cause.
mod common;

use std::path::{Path, PathBuf};

use agor_core::{ErrorKind, NewTask, Store, TaskFilter};

fn running_as_root() -> bool {
    std::fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
        .unwrap_or(false)
}

/// Runs the test named `child` of this same binary as the unprivileged user `nobody`, with
/// `env` set, and asserts it passed. Root ignores permission bits, so a read-only folder is
/// only read-only for another user.
fn run_as_nobody(child: &str, env: &[(&str, &Path)]) {
    use std::os::unix::process::CommandExt;
    let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "--exact",
        child,
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ])
    .uid(65534)
    .gid(65534);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{child} failed as nobody:\n{text}");
    assert!(text.contains("1 passed"), "{child} did not run:\n{text}");
}

fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// A team database with one message and one task, closed, its folder and files made read-only.
/// `keep_side_files`: agor leaves `-wal`/`-shm` behind on close; a checkpointed file has none.
fn read_only_team(keep_side_files: bool) -> common::Closed {
    let t = common::team();
    let mgr = t.store.as_agent("mgr").unwrap();
    mgr.send("dev1", "read me from a read-only folder").unwrap();
    mgr.create_task(&NewTask::new("frozen task")).unwrap();
    let t = t.closed();
    if !keep_side_files {
        // The last connection to close checkpoints and removes the side files.
        let raw = t.raw();
        raw.pragma_update(None, "wal_checkpoint", "TRUNCATE")
            .unwrap();
        drop(raw);
        for ext in ["-wal", "-shm"] {
            let mut side = t.path().into_os_string();
            side.push(ext);
            let _ = std::fs::remove_file(side);
        }
    }
    for entry in std::fs::read_dir(t.dir.path()).unwrap() {
        chmod(&entry.unwrap().path(), 0o444);
    }
    chmod(t.dir.path(), 0o555);
    t
}

fn reads_normally(path: &Path) {
    for read_only in [false, true] {
        let store = Store::builder()
            .path(path)
            .read_only(read_only)
            .open()
            .unwrap_or_else(|e| panic!("open (read_only={read_only}): {e}"));
        let dev1 = store.as_agent("dev1").unwrap();
        let peeked = dev1.peek().unwrap();
        assert_eq!(peeked.len(), 1);
        assert_eq!(peeked[0].content, "read me from a read-only folder");
        assert_eq!(dev1.inbox(true, None).unwrap().len(), 1);
        assert_eq!(dev1.unread_count().unwrap(), 1);
        assert_eq!(dev1.history("mgr", 10).unwrap().len(), 1);
        let tasks = dev1.list_tasks(&TaskFilter::default()).unwrap();
        assert!(tasks.iter().any(|t| t.title == "frozen task"), "{tasks:?}");
        assert_eq!(store.list_agents(None).unwrap().len(), 7);
        let err = dev1.send("mgr", "no").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ReadOnly, "{err}");
    }
}

const RO_ENV: &str = "AGOR_TEST_READ_ONLY_DB";

#[test]
#[ignore = "run by the read_only_folder tests, as another user"]
fn read_only_folder_child() {
    reads_normally(&PathBuf::from(std::env::var_os(RO_ENV).unwrap()));
}

fn check_read_only_folder(keep_side_files: bool) {
    let t = read_only_team(keep_side_files);
    if running_as_root() {
        run_as_nobody("read_only_folder_child", &[(RO_ENV, &t.path())]);
    } else {
        reads_normally(&t.path());
    }
    chmod(t.dir.path(), 0o755);
}

#[test]
fn read_only_folder_with_side_files_reads_normally() {
    check_read_only_folder(true);
}

#[test]
fn read_only_folder_without_side_files_reads_normally() {
    check_read_only_folder(false);
}

const CAUSE_DB_ENV: &str = "AGOR_TEST_CAUSE_DB";
const CAUSE_FILE_ENV: &str = "AGOR_TEST_CAUSE_FILE";

/// Opens the database as the parent arranged it and checks that the error names the file
/// that is really at fault and the OS's reason, not SQLite's "unable to open database file".
#[test]
#[ignore = "run by the unreadable_* tests, as another user"]
fn open_error_child() {
    expect_open_error_naming(
        &PathBuf::from(std::env::var_os(CAUSE_DB_ENV).unwrap()),
        &PathBuf::from(std::env::var_os(CAUSE_FILE_ENV).unwrap()),
    );
}

fn expect_open_error_naming(db: &Path, culprit: &Path) {
    for read_only in [false, true] {
        let err = Store::builder()
            .path(db)
            .read_only(read_only)
            .open()
            .unwrap_err();
        let text = err.to_string();
        assert!(
            matches!(&err, agor_core::Error::Io { path, .. } if *path == culprit),
            "expected an i/o error on {culprit:?}, got: {text}"
        );
        assert!(text.contains("Permission denied"), "{text}");
        assert!(!text.contains("unable to open database file"), "{text}");
    }
}

/// Makes `culprit` (the database, a side file or the folder) inaccessible to `nobody` with
/// `mode`, then opens the database as `nobody`. Without root the test cannot change user and
/// checks the same as the current user, which permission bits restrict.
fn check_open_error_names(culprit: impl Fn(&Path) -> PathBuf, mode: u32) {
    let t = common::team().closed();
    chmod(t.dir.path(), 0o777);
    for entry in std::fs::read_dir(t.dir.path()).unwrap() {
        chmod(&entry.unwrap().path(), 0o666);
    }
    let bad = culprit(&t.path());
    assert!(
        bad.exists(),
        "{bad:?} missing: agor keeps -wal/-shm after close"
    );
    chmod(&bad, mode);
    let env = [(CAUSE_DB_ENV, t.path()), (CAUSE_FILE_ENV, bad)];
    let env: Vec<(&str, &Path)> = env.iter().map(|(k, v)| (*k, v.as_path())).collect();
    if running_as_root() {
        run_as_nobody("open_error_child", &env);
    } else {
        expect_open_error_naming(env[0].1, env[1].1);
    }
    chmod(t.dir.path(), 0o755);
}

#[test]
fn unreadable_shm_is_named_as_the_cause() {
    check_open_error_names(|db| side_file(db, "-shm"), 0o000);
}

#[test]
fn unreadable_database_file_is_named_as_the_cause() {
    check_open_error_names(Path::to_path_buf, 0o000);
}

#[test]
fn unreadable_folder_is_named_as_the_cause() {
    check_open_error_names(|db| db.parent().unwrap().to_path_buf(), 0o000);
}

fn side_file(db: &Path, suffix: &str) -> PathBuf {
    let mut s = db.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}
