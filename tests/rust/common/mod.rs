//! Shared fixture for the Rust integration tests: a throw-away database with a small team.
#![allow(dead_code)]

use std::sync::Arc;

use agor_core::{ManualClock, NewAgent, Store};
use tempfile::TempDir;

pub struct Team {
    pub dir: TempDir,
    pub store: Store,
}

impl Team {
    pub fn path(&self) -> std::path::PathBuf {
        self.dir.path().join("btmsg.db")
    }

    /// Drops the store's connection (as if its process exited) and keeps the folder.
    pub fn closed(self) -> Closed {
        drop(self.store);
        Closed { dir: self.dir }
    }

    /// A raw connection for arranging states the API does not expose (old heartbeats…).
    pub fn raw(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.path()).unwrap()
    }
}

/// An empty store in a fresh temporary folder.
pub fn empty() -> Team {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("btmsg.db")).unwrap();
    Team { dir, store }
}

/// An empty store whose time stands still until the test moves the returned clock.
pub fn empty_timed() -> (Team, ManualClock) {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new();
    let store = Store::builder()
        .path(dir.path().join("btmsg.db"))
        .clock(Arc::new(clock.clone()))
        .open()
        .unwrap();
    (Team { dir, store }, clock)
}

/// [`team`] on a store whose time the test moves.
pub fn team_timed() -> (Team, ManualClock) {
    let (t, clock) = empty_timed();
    populate(&t.store);
    (t, clock)
}

/// admin (tier 0), mgr (manager), arch (architect), rev (reviewer), dev1, dev2 (project)
/// in group "core", and ext (project) in group "other". mgr <-> dev1, mgr <-> dev2, dev1 <-> dev2.
pub fn team() -> Team {
    let t = empty();
    populate(&t.store);
    t
}

fn populate(s: &Store) {
    for (id, role, group) in [
        ("admin", "admin", "core"),
        ("mgr", "manager", "core"),
        ("arch", "architect", "core"),
        ("rev", "reviewer", "core"),
        ("dev1", "project", "core"),
        ("dev2", "project", "core"),
        ("ext", "project", "other"),
    ] {
        s.register_agent(&NewAgent::new(id, &id.to_uppercase(), role, group))
            .unwrap();
    }
    s.allow("mgr", "dev1", true).unwrap();
    s.allow("mgr", "dev2", true).unwrap();
    s.allow("dev1", "dev2", true).unwrap();
}

/// A team folder whose store has been closed.
pub struct Closed {
    pub dir: TempDir,
}

impl Closed {
    pub fn path(&self) -> std::path::PathBuf {
        self.dir.path().join("btmsg.db")
    }

    pub fn raw(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.path()).unwrap()
    }
}
