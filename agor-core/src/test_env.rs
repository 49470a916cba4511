//! What a test does when something it needs is missing (a PostgreSQL server, another OS user):
//! it skips and says so, except in a strict run, where it fails, because a skip would count as
//! a pass. One rule for the unit tests of this crate (`#[cfg(test)] mod test_env`) and for the
//! integration tests under `tests/rust/` (their `common` module includes this file), as the
//! Python suite (`tests/python/conftest.py`) and `tests/c/run.sh` read it too.

// Its only unit-test users are PostgreSQL's.
#![cfg_attr(not(feature = "postgres"), allow(dead_code))]

/// The variable `scripts/test.sh` sets to `1` for a strict run.
pub const STRICT_ENV: &str = "AGOR_TEST_STRICT";

/// Whether this is a strict run: `AGOR_TEST_STRICT=1` (scripts/test.sh) or `CI=true`.
pub fn strict() -> bool {
    std::env::var(STRICT_ENV).as_deref() == Ok("1") || std::env::var("CI").as_deref() == Ok("true")
}

/// The test cannot check `what`: fails in a strict run; otherwise says so on stderr and
/// returns, and the caller returns early.
pub fn skip(what: &str) {
    assert!(
        !strict(),
        "cannot check this in a strict run ({STRICT_ENV}=1 or CI=true): {what}"
    );
    eprintln!("skipped: {what}");
}

/// The PostgreSQL server the tests of that engine run on: `AGOR_TEST_PG`, or
/// `AGOR_TEST_PG_SERVER` when the domain suites run on SQLite while a server is up
/// (scripts/test.sh starts one). `None` without one, through [`skip`].
pub fn postgres_server() -> Option<String> {
    let url = ["AGOR_TEST_PG", "AGOR_TEST_PG_SERVER"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|u| !u.is_empty()));
    if url.is_none() {
        skip("no PostgreSQL server: neither AGOR_TEST_PG nor AGOR_TEST_PG_SERVER is set");
    }
    url
}
