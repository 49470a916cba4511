//! Bounded parsing and matching (SPEC §2.2, issue 19): every parser and matcher a client can
//! feed is bounded in depth and in cost, and says which bound a refused input crossed.
mod common;

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
        (vec!["alpha"; MAX_QUERY_TERMS + 1].join(" OR "), MAX_QUERY_TERMS),
        (vec!["alpha"; MAX_QUERY_TERMS + 1].join(" AND "), MAX_QUERY_TERMS),
    ] {
        let e = dev2.search(&query, &[], 10).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
        assert!(e.to_string().contains(&bound.to_string()), "{e}");
    }
}
