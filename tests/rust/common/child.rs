//! Checks run in a child process of the test binary: as another OS user (root ignores
//! permission bits) or with an environment of their own; worker processes racing each other;
//! and the rule that a check which cannot run fails instead of passing unseen.

use std::path::Path;

/// Whether this process runs as root, for which permission bits restrict nothing.
pub fn running_as_root() -> bool {
    std::fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
        .unwrap_or(false)
}

/// A check that cannot run fails, unless the run allows it to be skipped
/// (`AGOR_TEST_ALLOW_SKIP=1`, ignored in a strict run): a skip must never look like a pass.
pub fn cannot_check(what: &str) {
    assert!(
        std::env::var("AGOR_TEST_ALLOW_SKIP").as_deref() == Ok("1"),
        "cannot check this: {what} (AGOR_TEST_ALLOW_SKIP=1 skips it, except in a strict run)"
    );
    super::test_env::skip(what);
}

/// Runs the ignored test named `child` of this same binary as the unprivileged user `nobody`
/// (uid and gid 65534), with `env` set, and asserts it ran and passed. Root may always switch
/// user; where it cannot (a container without CAP_SETUID) or `nobody` may not run this
/// binary, the check is impossible and fails through [`cannot_check`].
pub fn run_as_nobody(child: &str, env: &[(&str, &Path)]) {
    use std::os::unix::process::CommandExt;
    let mut cmd = child_test(child);
    cmd.uid(65534).gid(65534);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = match cmd.output() {
        Ok(out) => out,
        Err(e) => {
            return cannot_check(&format!(
                "{child} as uid 65534 ({e}); as root, permission bits restrict nothing"
            ))
        }
    };
    assert_passed(child, "as nobody", out);
}

/// Runs the ignored test named `child` of this same binary with `env` set (read once at
/// start, so no other test of this process sees it), and asserts it ran and passed.
pub fn run_child(child: &str, env: &[(&str, &str)]) {
    let mut cmd = child_test(child);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    assert_passed(child, "in a child process", out);
}

fn child_test(child: &str) -> std::process::Command {
    let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "--exact",
        child,
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ]);
    cmd
}

fn assert_passed(child: &str, how: &str, out: std::process::Output) {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{child} failed {how}:\n{text}");
    assert!(text.contains("1 passed"), "{child} did not run:\n{text}");
}

/// Now in Unix milliseconds: the instant racing workers line up on.
pub fn now_ms() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
}

/// Starts this test binary again as a worker: its ignored test `worker_entry` (the worker's
/// `main`) with `env` set, stdout and stderr piped for the caller to read.
pub fn spawn_worker(env: &[(&str, String)]) -> std::process::Child {
    use std::process::Stdio;
    let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "worker_entry",
        "--exact",
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits for every worker; panics with its stderr if one failed. Returns each one's stdout.
pub fn join(children: Vec<std::process::Child>) -> Vec<String> {
    children
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                out.status.success(),
                "worker failed: {}\n{stderr}",
                out.status
            );
            String::from_utf8(out.stdout).unwrap()
        })
        .collect()
}

/// What a worker reported, one `RESULT <text>` line each (the harness may print
/// "test worker_entry ... " on the same line before it).
pub fn results(stdout: &str) -> impl Iterator<Item = &str> {
    stdout
        .lines()
        .filter_map(|l| l.find("RESULT ").map(|at| &l[at + "RESULT ".len()..]))
}

/// A new database for workers racing over a board: a manager `boss` and `workers` project
/// agents `w0`, `w1`, … of group `g`. Its location, and the store opened on it.
pub fn crew(dir: &tempfile::TempDir, workers: usize) -> (String, agor_core::Store) {
    let db = super::new_location(dir);
    let store = agor_core::Store::open(&db).unwrap();
    store
        .register_agent(&agor_core::NewAgent::new("boss", "boss", "manager", "g"))
        .unwrap();
    for i in 0..workers {
        store
            .register_agent(&agor_core::NewAgent::new(
                &format!("w{i}"),
                "worker",
                "project",
                "g",
            ))
            .unwrap();
    }
    (db, store)
}
