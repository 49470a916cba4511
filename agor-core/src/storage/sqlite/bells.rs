//! Wake-up bells on SQLite: an empty file per [`Bell`] in a folder beside the database
//! (`<db>-bells/`). A waiter creates its bells' files and watches only those; a writer, after
//! a commit, touches the files of the bells its changes rang. A commit therefore wakes the
//! waiters it may concern and no others — watching the `-wal` file instead woke every waiter
//! on every commit of every writer, and a busy writer lost half its speed to 50 waiters
//! looking for nothing (benches/WAKE.md).
//!
//! Bells are a hint, never the truth: a waiter still compares `PRAGMA data_version` and reads
//! the feed, and the process's shared waiter sweeps the feed on a slow timer and rings the
//! bells of what it finds, so a writer that cannot ring (an older agor, a bell file it may not
//! write, a process killed after its commit) delays a wake-up, never loses a change.
//!
//! The folder may be shared with other OS users, so it is trusted only when it is a real
//! folder of this process's user, and each bell is opened through
//! [`file_access::open_beside`] (no symlink followed, regular files only, never blocking): a
//! bell planted as a link to a private file or as a FIFO is skipped, not truncated or waited on.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::file_access::{self, Beside};
use crate::storage::Bell;

#[derive(Debug, Clone)]
pub(super) struct BellFolder {
    dir: PathBuf,
}

impl BellFolder {
    pub(super) fn beside(db: &Path) -> BellFolder {
        BellFolder {
            dir: file_access::side_file(db, "-bells"),
        }
    }

    pub(super) fn file(&self, bell: &Bell) -> PathBuf {
        self.dir.join(bell.name())
    }

    /// Touches the file of each bell after a commit. A bell without a file has never had a
    /// waiter, so the writer never creates one; every failure is ignored (see above).
    pub(super) fn ring(&self, bells: &BTreeSet<Bell>) {
        if bells.is_empty() || !file_access::own_folder(&self.dir, false) {
            return;
        }
        for bell in bells {
            if let Ok(f) = file_access::open_beside(&self.file(bell), Beside::Write) {
                // Truncating an empty file changes nothing but reports a modification to
                // whoever watches it; unlike setting the time, it needs only write access.
                let _ = f.set_len(0);
            }
        }
    }

    /// The files a waiter listening for `bells` watches, created if missing; `None` where
    /// they cannot be (a read-only folder), and the waiter watches the database's folder.
    /// A folder of another user, or a link in the folder's place, is refused the same way.
    pub(super) fn prepare(&self, bells: &[Bell]) -> Option<Vec<PathBuf>> {
        if !file_access::own_folder(&self.dir, true) {
            return None;
        }
        bells
            .iter()
            .map(|bell| {
                let path = self.file(bell);
                file_access::open_beside(&path, Beside::WriteOrCreate)
                    .ok()
                    .map(|_| path)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;
    use std::time::Duration;

    use notify::{RecursiveMode, Watcher};

    use super::*;

    #[test]
    fn a_bell_nobody_listens_to_creates_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let folder = BellFolder::beside(&dir.path().join("x.db"));
        folder.ring(&[Bell::Agent("a1".into())].into());
        assert!(
            !dir.path().join("x.db-bells").exists(),
            "a writer created the folder"
        );
        let files = folder
            .prepare(&[Bell::Agent("a1".into()), Bell::Everything])
            .unwrap();
        assert_eq!(files.len(), 2);
        assert!(files
            .iter()
            .all(|f| f.starts_with(dir.path().join("x.db-bells"))));
        assert!(
            folder.prepare(&[Bell::Group("g".into())]).is_some(),
            "a second waiter"
        );
    }

    /// What the wake-ups rest on: ringing a bell is seen by a watch on its file, and ringing
    /// another bell is not.
    #[test]
    fn ringing_wakes_a_watch_on_that_bell_only() {
        let dir = tempfile::tempdir().unwrap();
        let folder = BellFolder::beside(&dir.path().join("x.db"));
        let mine = Bell::Agent("me".into());
        let files = folder
            .prepare(&[mine.clone(), Bell::Agent("other".into())])
            .unwrap();
        let (tx, rx) = mpsc::channel();
        let mut w = notify::recommended_watcher(move |e: notify::Result<notify::Event>| {
            if e.is_ok_and(|e| !matches!(e.kind, notify::EventKind::Access(_))) {
                let _ = tx.send(());
            }
        })
        .unwrap();
        w.watch(&files[0], RecursiveMode::NonRecursive).unwrap();
        folder.ring(&[Bell::Agent("other".into())].into());
        assert!(
            rx.recv_timeout(Duration::from_millis(200)).is_err(),
            "woken by another's bell"
        );
        folder.ring(&[mine].into());
        assert!(
            rx.recv_timeout(Duration::from_secs(10)).is_ok(),
            "the ring went unseen"
        );
    }
}
