//! Heartbeats and dead-letter redelivery as the audit log and the file see them: a heartbeat
//! must not grow the file (SPEC §6), and every redelivered letter leaves its own audit row
//! naming the letter and the message it became (issue 7 §4).

mod common;

use std::time::Duration;

use agor_core::{AuditEntry, Error, Store};

fn audit_rows(store: &Store) -> usize {
    store.audit_log(None, agor_core::MAX_LIMIT).unwrap().len()
}

/// The SQLite file's size in pages (`None` on PostgreSQL, which has no file of its own).
fn page_count(t: &common::Team) -> Option<i64> {
    common::postgres_url().is_none().then(|| {
        t.raw()
            .query_row("PRAGMA page_count", [], |r| r.get(0))
            .unwrap()
    })
}

#[test]
fn a_thousand_heartbeats_do_not_add_a_thousand_rows() {
    let (t, clock) = common::team_timed();
    let dev1 = t.store.as_agent("dev1").unwrap();
    dev1.heartbeat().unwrap();
    let rows = audit_rows(&t.store);
    let pages = page_count(&t);
    for _ in 0..1000 {
        clock.advance(Duration::from_secs(1));
        dev1.heartbeat().unwrap();
    }
    assert_eq!(
        audit_rows(&t.store),
        rows,
        "a plain heartbeat writes no audit row"
    );
    assert_eq!(page_count(&t), pages, "1,000 heartbeats grew the file");
    let hb = t.count("SELECT count(*) FROM heartbeats WHERE agent_id = 'dev1'");
    assert_eq!(hb, 1, "the heartbeat row is updated in place");
}

#[test]
fn coming_back_after_being_stale_is_audited_once() {
    let (t, clock) = common::team_timed();
    let dev1 = t.store.as_agent("dev1").unwrap();
    dev1.heartbeat().unwrap();
    let rows = audit_rows(&t.store);
    clock.advance(t.store.stale_after() + Duration::from_secs(5));
    dev1.heartbeat().unwrap();
    dev1.heartbeat().unwrap();
    let log = t.store.audit_log(Some("dev1"), 10).unwrap();
    assert_eq!(audit_rows(&t.store), rows + 1);
    assert_eq!(log[0].event_type, "agent_returned");
    assert!(log[0].detail.as_deref().unwrap().contains("dev1"));
}

fn redelivery_rows(store: &Store) -> Vec<AuditEntry> {
    store
        .audit_log(None, 1000)
        .unwrap()
        .into_iter()
        .filter(|e| e.event_type == "dead_letter_redelivered")
        .collect()
}

/// Sends `n` letters from mgr to a stale dev1; returns their dead-letter ids.
fn dead_letters_for_dev1(t: &common::Team, clock: &agor_core::ManualClock, n: usize) -> Vec<i64> {
    let dev1 = t.store.as_agent("dev1").unwrap();
    dev1.heartbeat().unwrap();
    clock.advance(t.store.stale_after() + Duration::from_secs(1));
    let mgr = t.store.as_agent("mgr").unwrap();
    (0..n)
        .map(|i| match mgr.send("dev1", &format!("letter {i}")) {
            Err(Error::RecipientUnavailable { dead_letter_id, .. }) => dead_letter_id,
            other => panic!("expected a dead letter, got {other:?}"),
        })
        .collect()
}

#[test]
fn each_letter_redelivered_by_heartbeat_has_its_own_audit_row() {
    let (t, clock) = common::team_timed();
    let ids = dead_letters_for_dev1(&t, &clock, 3);
    let hb = t.store.as_agent("dev1").unwrap().heartbeat().unwrap();
    assert_eq!(hb.redelivered.len(), 3);
    let rows = redelivery_rows(&t.store);
    assert_eq!(rows.len(), 3, "one row per letter: {rows:?}");
    for (dl, msg) in ids.iter().zip(&hb.redelivered) {
        let row = rows
            .iter()
            .find(|r| r.detail.as_deref().unwrap().contains(&format!("#{dl} ")))
            .unwrap_or_else(|| panic!("no audit row names dead letter #{dl}: {rows:?}"));
        assert!(row.detail.as_deref().unwrap().contains(&msg.id), "{row:?}");
        assert_eq!(row.agent_id.as_deref(), Some("dev1"));
    }
}

#[test]
fn each_letter_redelivered_by_hand_has_its_own_audit_row() {
    let (t, clock) = common::team_timed();
    let ids = dead_letters_for_dev1(&t, &clock, 3);
    let mgr = t.store.as_agent("mgr").unwrap();
    let one = mgr.redeliver_dead_letters(Some(ids[0])).unwrap();
    let rest = mgr.redeliver_dead_letters(None).unwrap();
    assert_eq!((one.len(), rest.len()), (1, 2));
    let rows = redelivery_rows(&t.store);
    assert_eq!(rows.len(), 3, "{rows:?}");
    for (dl, msg) in ids.iter().zip(one.iter().chain(&rest)) {
        let detail = rows
            .iter()
            .filter_map(|r| r.detail.as_deref())
            .find(|d| d.contains(&format!("#{dl} ")))
            .unwrap_or_else(|| panic!("no audit row names dead letter #{dl}"));
        assert!(detail.contains(&msg.id), "{detail}");
    }
    assert!(rows.iter().all(|r| r.agent_id.as_deref() == Some("mgr")));
}
