//! Bounded parsing and matching (SPEC §2.2, issue 19): every parser and matcher a client can
//! feed is bounded in depth and in cost, and says which bound a refused input crossed.
mod common;

use std::time::{Duration, Instant};

use agor_core::{ErrorKind, MAX_QUERY_BYTES, MAX_QUERY_DEPTH, MAX_QUERY_TERMS};

// ---- search queries (issue 19 item 1) ----

// issue 19 item 1: a query nested thousands deep overflowed the stack (aborting the process)
// and long AND/OR chains reached FTS5 as "parser stack overflow" (a StorageError). Now the
// deepest and longest queries within the bounds run on both engines, and one past any bound is
// InvalidInput naming it.
#[test]
fn search_queries_are_bounded_on_both_engines() {
    let t = common::team();
    let dev1 = t.store.as_agent("dev1").unwrap();
    dev1.send("dev2", "alpha beta gamma delta").unwrap();
    let dev2 = t.store.as_agent("dev2").unwrap();

    // At the bounds: the deepest nesting and the longest chains of every operator run.
    let deep = format!(
        "{}alpha{}",
        "(".repeat(MAX_QUERY_DEPTH),
        ")".repeat(MAX_QUERY_DEPTH)
    );
    assert_eq!(dev2.search(&deep, &[], 10).unwrap().len(), 1);
    for op in [" AND ", " OR ", " "] {
        let chain = vec!["alpha"; MAX_QUERY_TERMS].join(op);
        assert_eq!(dev2.search(&chain, &[], 10).unwrap().len(), 1, "{op}");
    }
    let nots = format!("alpha{}", " NOT zeta".repeat(MAX_QUERY_TERMS - 1));
    assert_eq!(dev2.search(&nots, &[], 10).unwrap().len(), 1);
    // Every level of nesting holding a chain: the worst shape within the bounds.
    let mut mixed = String::from("alpha");
    for _ in 0..MAX_QUERY_DEPTH {
        mixed = format!("(beta OR {mixed} AND gamma)");
    }
    assert!(dev2.search(&mixed, &[], 10).is_ok(), "{mixed}");

    // Past them: InvalidInput naming the bound, never a crash or a StorageError.
    for (query, bound) in [
        (
            format!("{}alpha{}", "(".repeat(3_000), ")".repeat(3_000)),
            MAX_QUERY_BYTES,
        ),
        (
            format!(
                "{}alpha{}",
                "(".repeat(MAX_QUERY_DEPTH + 1),
                ")".repeat(MAX_QUERY_DEPTH + 1)
            ),
            MAX_QUERY_DEPTH,
        ),
        (
            vec!["alpha"; MAX_QUERY_TERMS + 1].join(" OR "),
            MAX_QUERY_TERMS,
        ),
        (
            vec!["alpha"; MAX_QUERY_TERMS + 1].join(" AND "),
            MAX_QUERY_TERMS,
        ),
    ] {
        let e = dev2.search(&query, &[], 10).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
        assert!(e.to_string().contains(&bound.to_string()), "{e}");
    }
}

// ---- tasks.toml import (issue 19 item 4) ----

fn tasks_file(n: usize) -> String {
    (0..n)
        .map(|i| {
            format!("[[tasks]]\nid = \"t{i}\"\ntitle = \"task {i}\"\nstatus = \"pending\"\n\n")
        })
        .collect()
}

// issue 19 item 4: an agent that may not import had its file parsed first (seconds of CPU per
// refused request, and a parse error rather than the refusal). Now the permission comes first:
// a refused agent's invalid file is PermissionDenied, and a large file from it costs no parse.
#[test]
fn a_refused_importer_is_refused_before_its_file_is_read() {
    let t = common::team();
    let dev1 = t.store.as_agent("dev1").unwrap();
    let e = dev1
        .import_tasks("[[tasks]\nthis is = not toml")
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PermissionDenied, "{e}");
    let big = tasks_file(agor_core::MAX_TASKS_FILE_ENTRIES);
    let started = Instant::now();
    let e = dev1.import_tasks(&big).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PermissionDenied, "{e}");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    // The manager's malformed file is still a parse error naming the line.
    let mgr = t.store.as_agent("mgr").unwrap();
    let e = mgr
        .import_tasks("[[tasks]\nthis is = not toml")
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    assert!(e.to_string().contains("line 1"), "{e}");
}

// issue 19 item 4: the file's size and entry count are capped, each refusal naming its limit.
#[test]
fn tasks_files_are_capped_in_size_and_entries() {
    let t = common::team();
    let mgr = t.store.as_agent("mgr").unwrap();
    let e = mgr
        .import_tasks(&tasks_file(agor_core::MAX_TASKS_FILE_ENTRIES + 1))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(
        e.to_string()
            .contains(&agor_core::MAX_TASKS_FILE_ENTRIES.to_string()),
        "{e}"
    );
    let huge = format!("# {}\n", "x".repeat(agor_core::MAX_TASKS_FILE_BYTES));
    let e = mgr.import_tasks(&huge).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(
        e.to_string()
            .contains(&agor_core::MAX_TASKS_FILE_BYTES.to_string()),
        "{e}"
    );
    assert!(mgr.list_tasks(&Default::default()).unwrap().is_empty());
}

// issue 19 item 4: parsing was quadratic (each entry's line was counted from the start of the
// file: 5k/20k entries took 0.2/2.8 s). A file sixteen times larger must cost well under the
// 256x a quadratic parse would (linear: 16x; the bound is generous for a shared machine). The
// errors name lines near the end of a large file correctly, which the one-pass index gives.
#[test]
fn parsing_a_tasks_file_is_linear() {
    let t = common::team();
    let mgr = t.store.as_agent("mgr").unwrap();
    // An error on the last entry: the whole file is parsed, nothing is written.
    let bad = |n: usize| {
        format!(
            "{}[[tasks]]\nid = \"bad\"\ntitle = \"x\"\nstatus = \"nope\"\n",
            tasks_file(n)
        )
    };
    let time = |n: usize| {
        let text = bad(n);
        let started = Instant::now();
        let e = mgr.import_tasks(&text).unwrap_err();
        let took = started.elapsed();
        assert!(
            e.to_string().contains(&format!("line {}", n * 5 + 1)),
            "{e}"
        );
        took
    };
    let small = time(600).min(time(600));
    let large = time(9_600);
    assert!(
        large < small * 64,
        "16x the entries took {:.1}x the time ({small:?} vs {large:?})",
        large.as_secs_f64() / small.as_secs_f64()
    );
}

// ---- reservations (issue 19 item 3) ----

// issue 19 item 3: `path` had no cap, and each held glob cost pattern length x path length to
// match, with the lock held (256 held patterns and a 30 KB path: 8.8 s, every other agent
// blocked; an unrelated send failed with BusyError). Now a path over the cap is refused, the
// worst path within the cap against 256 worst-case globs answers within a second, and
// matching runs with no lock held, so another agent's sends keep being answered meanwhile.
#[test]
fn reservation_paths_are_capped_and_matched_fast() {
    use agor_core::{MAX_RESERVATION_PATHS, MAX_RESERVATION_PATH_BYTES};
    let t = common::team();
    let dev1 = t.store.as_agent("dev1").unwrap();
    let dev2 = t.store.as_agent("dev2").unwrap();
    // The backtracking matcher's worst glob (`*a*a*…*a*b`), at the length cap.
    let held: Vec<String> = (0..MAX_RESERVATION_PATHS)
        .map(|i| {
            let tail = format!("*b{i}");
            let stars = "*a".repeat((MAX_RESERVATION_PATH_BYTES - tail.len()) / 2);
            format!("{stars}{tail}")
        })
        .collect();
    assert!(held.iter().all(|p| p.len() <= MAX_RESERVATION_PATH_BYTES));
    dev1.reserve(&held, true, 600, None).unwrap();

    let huge = "a".repeat(30 * 1024);
    for e in [
        dev2.reserve(std::slice::from_ref(&huge), true, 600, None)
            .unwrap_err(),
        dev2.reservations(None, Some(&huge)).unwrap_err(),
    ] {
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
        assert!(
            e.to_string()
                .contains(&MAX_RESERVATION_PATH_BYTES.to_string()),
            "{e}"
        );
    }

    // The longest path within the cap that none of them matches, against every one of them,
    // while another agent keeps sending.
    let path = "a".repeat(MAX_RESERVATION_PATH_BYTES);
    std::thread::scope(|s| {
        let worker = s.spawn(|| {
            let started = Instant::now();
            assert!(dev2.reservations(None, Some(&path)).unwrap().is_empty());
            dev2.reserve(std::slice::from_ref(&path), true, 600, None)
                .unwrap();
            started.elapsed()
        });
        let mgr = t.store.as_agent("mgr").unwrap();
        while !worker.is_finished() {
            let started = Instant::now();
            mgr.send("dev1", "still answering").unwrap();
            assert!(
                started.elapsed() < Duration::from_secs(1),
                "{:?}",
                started.elapsed()
            );
        }
        let took = worker.join().unwrap();
        assert!(took < Duration::from_secs(2), "{took:?}");
    });
}
