//! Wake-ups on PostgreSQL: a waiter `LISTEN`s on a connection of its own, on the channels of
//! its bells (its agent's and group's, or tier 0's), and records them in `agor_listeners`; a
//! write transaction that rang a bell someone listens to `NOTIFY`s its channel, delivered by
//! the server at commit (migration 3). So a busy writer's commits wake only the waiters they
//! concern, and commits nobody waits for notify nobody.

use std::time::Duration;

use postgres::fallible_iterator::FallibleIterator;
use postgres::Client;

use super::storage_error;
use crate::error::Result;
use crate::storage::{Bell, ChangeSignal, Listener};

/// How often a waiter that could not record itself (a role that may not write
/// `agor_listeners`) looks anyway: no writer would notify it.
const LOOK_UNREGISTERED: Duration = Duration::from_millis(500);

pub(super) struct PgSignal {
    client: Client,
    registered: bool,
}

impl PgSignal {
    /// `lock_key` names the schema's write lock, taken while the waiter records itself.
    pub(super) fn listen(
        url: &str,
        shown: &str,
        lock_key: i32,
        who: &Listener,
    ) -> Result<PgSignal> {
        let mut client = super::url::connect(url, shown, Duration::from_secs(10))?;
        let names: Vec<String> = who.bells().iter().map(Bell::name).collect();
        let channels: Vec<String> = client
            .query(
                "SELECT agor_channel(bell) FROM unnest($1::text[]) AS b(bell)",
                &[&names],
            )
            .map_err(storage_error)?
            .iter()
            .map(|r| r.get(0))
            .collect();
        for channel in &channels {
            client
                .batch_execute(&format!("LISTEN \"{channel}\""))
                .map_err(storage_error)?;
        }
        let registered = register(&mut client, lock_key, &channels).is_ok();
        Ok(PgSignal { client, registered })
    }
}

/// Records the session's channels, under the schema's write lock: a writer committing
/// before this sees no row and does not notify, but the waiter's first look comes after and
/// sees its change; a writer after this sees the row. Rows of sessions that are gone are
/// dropped on the way.
fn register(client: &mut Client, lock_key: i32, channels: &[String]) -> Result<()> {
    let mut tx = client.transaction().map_err(storage_error)?;
    super::take_write_lock(&mut tx, lock_key)?;
    tx.execute(
        "DELETE FROM agor_listeners
         WHERE pid NOT IN (SELECT pid FROM pg_stat_activity WHERE pid IS NOT NULL)",
        &[],
    )
    .map_err(storage_error)?;
    tx.execute(
        "INSERT INTO agor_listeners (channel, pid)
         SELECT c, pg_backend_pid() FROM unnest($1::text[]) AS t(c)
         ON CONFLICT DO NOTHING",
        &[&channels],
    )
    .map_err(storage_error)?;
    tx.commit().map_err(storage_error)
}

impl Drop for PgSignal {
    fn drop(&mut self) {
        if self.registered {
            // Best effort: a row left behind only costs a writer a NOTIFY nobody reads, until
            // the next waiter drops it.
            let _ = self.client.execute(
                "DELETE FROM agor_listeners WHERE pid = pg_backend_pid()",
                &[],
            );
        }
    }
}

impl ChangeSignal for PgSignal {
    fn wait(&mut self, timeout: Duration) -> Result<bool> {
        let registered = self.registered;
        let mut notifications = self.client.notifications();
        let slice = if registered {
            timeout.min(Duration::from_secs(3600))
        } else {
            timeout.min(LOOK_UNREGISTERED)
        };
        let woken = notifications
            // Bounded: the client adds the timeout to the current time.
            .timeout_iter(slice)
            .next()
            .map_err(storage_error)?
            .is_some();
        // Several commits may have queued several notifications: one wake-up covers them.
        while notifications
            .iter()
            .next()
            .map_err(storage_error)?
            .is_some()
        {}
        // Unregistered, every slice ends with a look: nobody notifies this session.
        Ok(woken || (!registered && slice < timeout))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh schema's URL on the server `AGOR_TEST_PG` names (scripts/test.sh starts one);
    /// `None` (the test is skipped) without one.
    fn fresh_schema(name: &str) -> Option<String> {
        let Some(url) = std::env::var("AGOR_TEST_PG").ok().filter(|u| !u.is_empty()) else {
            eprintln!("skipped: AGOR_TEST_PG is not set");
            return None;
        };
        let schema = format!("{name}_{}", std::process::id());
        let mut admin = Client::connect(&url, postgres::NoTls).unwrap();
        admin
            .batch_execute(&format!(
                "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
            ))
            .unwrap();
        let sep = if url.contains('?') { '&' } else { '?' };
        Some(format!("{url}{sep}options=-csearch_path%3D{schema}"))
    }

    #[test]
    fn a_commit_in_another_session_wakes_the_listener_and_silence_times_out() {
        if let Some(location) = fresh_schema("signal") {
            crate::storage::check_change_signal(&location);
        }
    }

    /// On PostgreSQL a waiter is never woken for changes that concern others: a DM between
    /// two other agents sends it nothing, and a DM to it does.
    #[test]
    fn a_change_for_others_wakes_nobody() {
        use crate::{NewAgent, Store};
        let Some(location) = fresh_schema("signal_others") else {
            return;
        };
        let store = Store::open(&location).unwrap();
        for id in ["me", "a", "b"] {
            store
                .register_agent(&NewAgent::new(id, id, "project", "g"))
                .unwrap();
        }
        store.allow("a", "b", true).unwrap();
        store.allow("a", "me", true).unwrap();
        let who = Listener {
            agent: "me".into(),
            group: "g".into(),
            everything: false,
        };
        let mut signal = store.inner.engine.change_signal(&who).unwrap();
        store
            .as_agent("a")
            .unwrap()
            .send("b", "not for me")
            .unwrap();
        assert!(
            !signal.wait(Duration::from_millis(300)).unwrap(),
            "woken by others' DM"
        );
        store.as_agent("a").unwrap().send("me", "for me").unwrap();
        assert!(
            signal.wait(Duration::from_secs(10)).unwrap(),
            "the DM went unseen"
        );
    }
}
